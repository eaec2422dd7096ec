/* ndjson.c - see ndjson.h */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"

struct fx_reader {
	int fd;
	const char *name;
	char *buf;
	size_t cap;		/* allocated */
	size_t start, end;	/* unread bytes are buf[start..end) */
	size_t max_line;
	long lineno;
	int eof;
	fx_writer *tie;
};

struct fx_writer {
	int fd;
	char *buf;
	size_t len, cap;
	int failed;
};

fx_reader *
fx_reader_fdopen(int fd, const char *name, size_t max_line)
{
	fx_reader *r = fx_xcalloc(1, sizeof *r);

	r->fd = fd;
	r->name = name;
	r->max_line = max_line ? max_line : FX_MAX_LINE_DEFAULT;
	r->cap = 256 * 1024;
	if (r->cap < 2 * r->max_line + 2)
		r->cap = 2 * r->max_line + 2;
	r->buf = fx_xmalloc(r->cap);
	return r;
}

fx_reader *
fx_reader_open(const char *path, size_t max_line)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0)
		return fx_reader_fdopen(0, "stdin", max_line);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fx_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	return fx_reader_fdopen(fd, path, max_line);
}

const char *
fx_reader_name(const fx_reader *r)
{
	return r->name;
}

int
fx_reader_fd(const fx_reader *r)
{
	return r->fd;
}

void
fx_reader_tie(fx_reader *r, fx_writer *w)
{
	r->tie = w;
}

int
fx_reader_ready(fx_reader *r)
{
	struct pollfd p = { r->fd, POLLIN, 0 };

	if (r->start < r->end || r->eof)
		return 1;
	return poll(&p, 1, 0) > 0;
}

/* Reads more input after the unread bytes; returns bytes read, 0 at EOF. */
static size_t
fill(fx_reader *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->tie != NULL && !fx_reader_ready(r))
		fx_writer_flush(r->tie);
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		fx_die(FX_EXIT_FAIL, "%s: read error: %s", r->name, strerror(errno));
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	return (size_t)n;
}

int
fx_reader_next(fx_reader *r, fx_line *line)
{
	size_t scanned = 0;
	int toolong = 0;

	for (;;) {
		char *base = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(base + scanned, '\n', avail - scanned);

		if (nl != NULL || (r->eof && avail > 0)) {
			size_t raw_len = nl ? (size_t)(nl - base) + 1 : avail;
			size_t len = nl ? raw_len - 1 : raw_len;
			const char *term = nl ? "\n" : "";

			/* The maximum is on the text: a \r of the
			 * terminator does not count. */
			if (nl && len > 0 && base[len - 1] == '\r') {
				len--;
				term = "\r\n";
			}
			r->lineno++;
			r->start += raw_len;
			if (toolong || len > r->max_line) {
				line->lineno = r->lineno;
				return FX_LINE_TOOLONG;
			}
			/* The terminator (or, for a last line without one,
			 * the spare byte fill() keeps) becomes the NUL. */
			base[len] = '\0';
			line->text = base;
			line->len = len;
			line->term = term;
			line->lineno = r->lineno;
			return FX_LINE_OK;
		}
		if (r->eof) {
			if (toolong) {
				/* A long last line without a terminator,
				 * all of it already discarded. */
				line->lineno = ++r->lineno;
				return FX_LINE_TOOLONG;
			}
			return FX_LINE_EOF;
		}
		scanned = avail;
		if (avail > r->max_line + 1) {
			/* Discard what we have of the long line and keep
			 * reading until its end.  (max_line + 1: the last
			 * byte may be the \r of a \r\n.) */
			toolong = 1;
			r->start = r->end;
			scanned = 0;
		}
		if (r->end == r->cap - 1 && r->start == 0)
			fx_die(FX_EXIT_FAIL, "%s: internal: reader buffer full",
			    r->name);
		fill(r);
	}
}

void
fx_reader_close(fx_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd > 2)
		close(r->fd);
	free(r->buf);
	free(r);
}

fx_writer *
fx_writer_new(int fd, size_t block)
{
	fx_writer *w = fx_xcalloc(1, sizeof *w);

	w->fd = fd;
	w->cap = block ? block : 256 * 1024;
	w->buf = fx_xmalloc(w->cap);
	return w;
}

static void
write_all(fx_writer *w, const char *p, size_t n)
{
	while (n > 0 && !w->failed) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			fx_error("write error: %s", strerror(errno));
			w->failed = 1;
			exit(FX_EXIT_FAIL);
		}
		p += k;
		n -= (size_t)k;
	}
}

void
fx_writer_flush(fx_writer *w)
{
	if (w->len > 0)
		write_all(w, w->buf, w->len);
	w->len = 0;
}

void
fx_writer_put(fx_writer *w, const void *p, size_t n)
{
	if (w->cap - w->len < n) {
		fx_writer_flush(w);
		if (n >= w->cap) {
			write_all(w, p, n);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
fx_writer_record(fx_writer *w, fx_buf *b)
{
	fx_buf_putc(b, '\n');
	fx_writer_put(w, b->data, b->len);
	b->len = 0;
}

void
fx_writer_pass(fx_writer *w, const fx_line *line)
{
	fx_writer_put(w, line->text, line->len);
	fx_writer_put(w, *line->term ? line->term : "\n",
	    *line->term ? strlen(line->term) : 1);
}

int
fx_writer_close(fx_writer *w)
{
	int rc;

	fx_writer_flush(w);
	rc = w->failed ? -1 : 0;
	if (w->fd > 2 && close(w->fd) != 0) {
		fx_error("close error: %s", strerror(errno));
		rc = -1;
	}
	free(w->buf);
	free(w);
	return rc;
}
