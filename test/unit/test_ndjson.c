/*
 * test_ndjson.c - line framing, pass-through and the tied writer.
 *
 * The reference for framing is a plain split of the input at '\n' done
 * here; inputs are fed through regular files and through pipes written
 * in small pieces by a thread, so lines cross many buffer refills.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "tap.h"

static uint64_t rng = 0x13198a2e03707344ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static char tmpdir[] = "/tmp/fx-test-ndjson.XXXXXX";

/* A file in tmpdir holding data; returns its path (static). */
static const char *
tmpfile_with(const char *data, size_t n)
{
	static char path[4][128];
	static int k;
	char *p = path[k = (k + 1) % 4];
	FILE *f;

	snprintf(p, sizeof path[0], "%s/in%d", tmpdir, k);
	f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		fx_die(1, "cannot write %s", p);
	return p;
}

static char *
slurp_fd(int fd, size_t *n)
{
	fx_buf b = FX_BUF_INIT;
	ssize_t k;

	lseek(fd, 0, SEEK_SET);
	while ((k = read(fd, fx_buf_reserve(&b, 65536), 65536)) > 0)
		b.len += (size_t)k;
	*n = b.len;
	fx_buf_cstr(&b);
	return b.data;
}

/* A thread writing data to fd in pieces of 1..maxchunk bytes, then
 * closing it. */
struct feeder {
	int fd;
	const char *data;
	size_t n, maxchunk;
	uint64_t seed;
	pthread_t thread;
};

static void *
feed_main(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0;
	uint64_t s = f->seed | 1;

	while (off < f->n) {
		size_t k;
		ssize_t w;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		k = 1 + (size_t)(s % f->maxchunk);
		if (k > f->n - off)
			k = f->n - off;
		w = write(f->fd, f->data + off, k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		off += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

/* A reader on a pipe that a thread fills with data in small pieces. */
static fx_reader *
pipe_reader(struct feeder *f, const char *data, size_t n, size_t maxchunk,
    size_t max_line)
{
	int p[2];

	if (pipe(p) != 0)
		fx_die(1, "pipe: %s", strerror(errno));
	f->fd = p[1];
	f->data = data;
	f->n = n;
	f->maxchunk = maxchunk;
	f->seed = rnd();
	pthread_create(&f->thread, NULL, feed_main, f);
	return fx_reader_fdopen(p[0], "pipe", max_line);
}

static void
pipe_done(struct feeder *f, fx_reader *r)
{
	fx_reader_close(r);
	pthread_join(f->thread, NULL);
}

/* Diagnostics printed so far (at most 10 in all). */
static int ndiag;

#define DIAG(...) (ndiag++ < 10 ? (void)printf(__VA_ARGS__) : (void)0)

/*
 * Reads everything from r and compares with the reference split of
 * data: every physical line, its text and terminator, OK or TOOLONG
 * (text over max_line bytes).  Returns 1 when all agree.
 */
static int
frames_agree(fx_reader *r, const char *data, size_t n, size_t max_line,
    const char *what)
{
	size_t off = 0;
	long lineno = 0;
	fx_line line;
	int rc;

	while (off < n) {
		const char *nl = memchr(data + off, '\n', n - off);
		size_t raw = nl ? (size_t)(nl - (data + off)) + 1 : n - off;
		size_t len = nl ? raw - 1 : raw;
		const char *term = nl ? "\n" : "";

		if (nl && len > 0 && data[off + len - 1] == '\r') {
			len--;
			term = "\r\n";
		}
		lineno++;
		memset(&line, 0, sizeof line);
		rc = fx_reader_next(r, &line);
		if (len > max_line) {
			if (rc != FX_LINE_TOOLONG || line.lineno != lineno) {
				DIAG("# %s: line %ld (%zu bytes): rc %d lineno %ld, "
				    "want TOOLONG\n", what, lineno, len, rc,
				    line.lineno);
				return 0;
			}
		} else if (rc != FX_LINE_OK || line.lineno != lineno ||
		    line.len != len || memcmp(line.text, data + off, len) != 0 ||
		    line.text[len] != '\0' || strcmp(line.term, term) != 0) {
			DIAG("# %s: line %ld (%zu bytes): rc %d lineno %ld len %zu "
			    "term %zu\n", what, lineno, len, rc, line.lineno,
			    rc == FX_LINE_OK ? line.len : 0,
			    rc == FX_LINE_OK ? strlen(line.term) : 0);
			return 0;
		}
		off += raw;
	}
	rc = fx_reader_next(r, &line);
	if (rc != FX_LINE_EOF) {
		DIAG("# %s: rc %d after the last line, want EOF\n", what, rc);
		return 0;
	}
	rc = fx_reader_next(r, &line);
	return rc == FX_LINE_EOF;
}

static int
file_frames(const char *data, size_t n, size_t max_line)
{
	fx_reader *r = fx_reader_open(tmpfile_with(data, n), max_line);
	int good = r && frames_agree(r, data, n, max_line ? max_line :
	    FX_MAX_LINE_DEFAULT, "file");

	fx_reader_close(r);
	return good;
}

static int
pipe_frames(const char *data, size_t n, size_t maxchunk, size_t max_line)
{
	struct feeder f;
	fx_reader *r = pipe_reader(&f, data, n, maxchunk, max_line);
	int good = frames_agree(r, data, n, max_line ? max_line :
	    FX_MAX_LINE_DEFAULT, "pipe");

	pipe_done(&f, r);
	return good;
}

#define S(lit) lit, sizeof lit - 1

static void
test_framing(void)
{
	fx_reader *r;
	fx_line line;
	const char *in = "{\"a\":1}\n\n{\"b\":2}\r\n\r\nlast";
	int rc;

	r = fx_reader_open(tmpfile_with(in, strlen(in)), 0);
	ok(r != NULL, "open a file");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.len == 7 && strcmp(line.text, "{\"a\":1}") == 0 &&
	    strcmp(line.term, "\n") == 0 && line.lineno == 1, "line 1, \\n");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.len == 0 && *line.text == '\0' &&
	    strcmp(line.term, "\n") == 0 && line.lineno == 2,
	    "line 2 is empty, returned with len 0");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && strcmp(line.text, "{\"b\":2}") == 0 &&
	    strcmp(line.term, "\r\n") == 0 && line.lineno == 3,
	    "line 3, \\r\\n stripped into term");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.len == 0 && strcmp(line.term, "\r\n") == 0 &&
	    line.lineno == 4, "line 4 is empty with \\r\\n");
	line.text[0] = 'X';	/* the caller may modify it */
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && strcmp(line.text, "last") == 0 && line.len == 4 &&
	    strcmp(line.term, "") == 0 && line.lineno == 5,
	    "line 5 without a terminator, term \"\"");
	ok(fx_reader_next(r, &line) == FX_LINE_EOF, "then EOF");
	ok(fx_reader_next(r, &line) == FX_LINE_EOF, "and EOF again");
	fx_reader_close(r);

	ok(file_frames(S(""), 0), "empty input: EOF at once");
	ok(file_frames(S("\n"), 0), "a single empty line");
	ok(file_frames(S("\n\n\n"), 0), "three empty lines");
	ok(file_frames(S("\r\n"), 0), "a single \\r\\n");
	ok(file_frames(S("\r"), 0), "a lone \\r at EOF is text");
	ok(file_frames(S("a\rb\n"), 0), "a \\r inside a line is text");
	ok(file_frames(S("a\r\r\nb\n"), 0), "\\r\\r\\n: one \\r is text");
	ok(file_frames(S("x\ny\r\nz\n\r\nw"), 0), "mixed terminators, last unterminated");
	ok(file_frames(S("a\0b\nc\0\0\n\0"), 0), "NUL bytes inside lines");

	r = fx_reader_open(tmpfile_with(S("a\0b\r\n")), 0);
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.len == 3 && memcmp(line.text, "a\0b", 4) == 0 &&
	    strcmp(line.term, "\r\n") == 0, "len counts bytes past a NUL");
	fx_reader_close(r);
}

static void
test_max_line(void)
{
	static char big[3 * 1024 * 1024 + 64];
	fx_buf in = FX_BUF_INIT;
	fx_reader *r;
	fx_line line;
	size_t max = 100;
	int rc;

	/* Exactly max accepted, max + 1 rejected, the next line fine. */
	memset(big, 'a', sizeof big);
	fx_buf_put(&in, big, max);
	fx_buf_puts(&in, "\n");
	fx_buf_put(&in, big, max + 1);
	fx_buf_puts(&in, "\nnext\n");
	fx_buf_put(&in, big, max);
	fx_buf_puts(&in, "\r\n");
	fx_buf_put(&in, big, max + 1);
	fx_buf_puts(&in, "\r\nnext\r\n");
	fx_buf_put(&in, big, max);
	r = fx_reader_open(tmpfile_with(in.data, in.len), max);
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.len == max && line.lineno == 1,
	    "a line of exactly max_line bytes is accepted");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_TOOLONG && line.lineno == 2,
	    "max_line + 1 bytes: FX_LINE_TOOLONG at line 2 (rc %d, line %ld)",
	    rc, line.lineno);
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && strcmp(line.text, "next") == 0 && line.lineno == 3,
	    "the following line is read whole");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.len == max && line.lineno == 4 &&
	    strcmp(line.term, "\r\n") == 0,
	    "exactly max_line bytes with \\r\\n is accepted (rc %d)", rc);
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_TOOLONG && line.lineno == 5,
	    "max_line + 1 bytes with \\r\\n: TOOLONG at line 5");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && strcmp(line.text, "next") == 0 && line.lineno == 6,
	    "the following line is read whole");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.len == max && line.lineno == 7 &&
	    *line.term == '\0', "max_line bytes, last, unterminated: accepted");
	ok(fx_reader_next(r, &line) == FX_LINE_EOF, "EOF");
	fx_reader_close(r);

	/* Every split of a max/max+1 line across pipe reads. */
	in.len = 0;
	fx_buf_puts(&in, "x\n");
	fx_buf_put(&in, big, max);
	fx_buf_puts(&in, "\r\n");
	fx_buf_put(&in, big, max + 1);
	fx_buf_puts(&in, "\r\ny\n");
	fx_buf_put(&in, big, max + 1);
	{
		int good = 1, i;

		for (i = 0; i < 200; i++)
			good &= pipe_frames(in.data, in.len, 1 + i % 7 * 20, max);
		ok(good, "max_line edges agree through pipes written in pieces");
	}

	/* A long last line without a terminator, longer than a buffer. */
	in.len = 0;
	fx_buf_puts(&in, "short\n");
	fx_buf_put(&in, big, 300000);
	r = fx_reader_open(tmpfile_with(in.data, in.len), 1000);
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && line.lineno == 1, "short line");
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_TOOLONG && line.lineno == 2,
	    "a 300000-byte unterminated last line is reported, not lost "
	    "(rc %d)", rc);
	ok(fx_reader_next(r, &line) == FX_LINE_EOF, "EOF");
	fx_reader_close(r);

	/* Lines across many refills: default max through a pipe. */
	in.len = 0;
	big[1000000] = '\n';
	fx_buf_put(&in, big, 1000001);		/* accepted */
	fx_buf_puts(&in, "{}\n");
	big[1000000] = 'a';
	big[3 * 1024 * 1024] = '\n';
	fx_buf_put(&in, big, 3 * 1024 * 1024 + 1);	/* too long */
	fx_buf_puts(&in, "{}\n");
	big[3 * 1024 * 1024] = 'a';
	fx_buf_put(&in, big, FX_MAX_LINE_DEFAULT);	/* exactly max, last */
	ok(pipe_frames(in.data, in.len, 70000, 0),
	    "1 MB and 3 MB lines through a pipe in 70 kB pieces");
	ok(file_frames(in.data, in.len, 0), "the same from a file");
	ok(pipe_frames(in.data, in.len, 300000, 1000),
	    "the same with max_line 1000 (every long line discarded)");
	fx_buf_free(&in);
}

static void
test_random_framing(void)
{
	int i, bad = 0;
	char data[4000];

	for (i = 0; i < 400; i++) {
		size_t n = rnd() % sizeof data, k, max = 1 + rnd() % 64;

		for (k = 0; k < n; k++) {
			uint64_t r = rnd() % 16;

			data[k] = r == 0 ? '\n' : r == 1 ? '\r' : r == 2 ? '\0' :
			    (char)('a' + r);
		}
		if (!pipe_frames(data, n, 1 + rnd() % 100, max) ||
		    !file_frames(data, n, max)) {
			if (bad++ < 3)
				printf("# case %d: n %zu max %zu\n", i, n, max);
		}
	}
	ok(bad == 0, "400 random inputs frame like the reference split, "
	    "through pipes and files (%d bad)", bad);
}

/* Reads every line of data (a file) and passes it through to a file;
 * returns the bytes written. */
static char *
pass_through(const char *data, size_t n, size_t block, size_t *outn)
{
	char path[128];
	int fd;
	fx_reader *r = fx_reader_open(tmpfile_with(data, n), 0);
	fx_writer *w;
	fx_line line;
	char *out;

	snprintf(path, sizeof path, "%s/out", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	w = fx_writer_new(dup(fd), block);
	while (fx_reader_next(r, &line) == FX_LINE_OK)
		fx_writer_pass(w, &line);
	fx_reader_close(r);
	ok(fx_writer_close(w) == 0, "  writer closes cleanly");
	out = slurp_fd(fd, outn);
	close(fd);
	return out;
}

static void
pass_is(const char *in, size_t n, const char *want, size_t wn, size_t block,
    const char *name)
{
	size_t got_n;
	char *got = pass_through(in, n, block, &got_n);

	ok(got_n == wn && memcmp(got, want, wn) == 0, "%s", name);
	free(got);
}

static void
test_writer(void)
{
	static char big[600000];
	fx_buf in = FX_BUF_INIT, rec = FX_BUF_INIT, want = FX_BUF_INIT;
	char path[128], *got;
	size_t i, n;
	int fd;
	fx_writer *w;

	pass_is(S("{\"a\":1}\n{\"b\":2}\n"), S("{\"a\":1}\n{\"b\":2}\n"), 0,
	    "pass-through of \\n lines is byte-exact");
	pass_is(S("{\"a\":1}\r\n\r\n{\"b\":2}\r\n"),
	    S("{\"a\":1}\r\n\r\n{\"b\":2}\r\n"), 0,
	    "pass-through of \\r\\n lines keeps the \\r\\n");
	pass_is(S("a\nb\r\nc"), S("a\nb\r\nc\n"), 0,
	    "a last line without a terminator gets \\n");
	pass_is(S("x\0y\n\x80\xff\n"), S("x\0y\n\x80\xff\n"), 0,
	    "NUL and invalid UTF-8 bytes pass through unchanged");

	/* Many lines of varied sizes, small and large blocks. */
	for (i = 0; i < sizeof big; i++)
		big[i] = (char)('A' + i % 50);
	for (i = 0; i < 3000; i++) {
		size_t len = rnd() % (i % 100 == 0 ? 100000 : 200);

		fx_buf_put(&in, big, len);
		fx_buf_puts(&in, rnd() % 3 ? "\n" : "\r\n");
	}
	pass_is(in.data, in.len, in.data, in.len, 0,
	    "3000 lines up to 100 kB, default block: byte-exact");
	pass_is(in.data, in.len, in.data, in.len, 4096,
	    "the same with a 4 kB block (records larger than the block)");
	pass_is(in.data, in.len, in.data, in.len, 1,
	    "the same with a 1-byte block");

	/* fx_writer_record and fx_writer_put. */
	snprintf(path, sizeof path, "%s/rec", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	w = fx_writer_new(dup(fd), 1000);
	for (i = 0; i < 5000; i++) {
		size_t len = i % 500 == 0 ? 5000 : rnd() % 300;

		fx_buf_put(&rec, big, len);
		fx_buf_put(&want, big, len);
		fx_buf_putc(&want, '\n');
		fx_writer_record(w, &rec);
		if (rec.len != 0)
			break;
		if (i % 1000 == 0) {
			fx_writer_put(w, "raw\n", 4);
			fx_buf_puts(&want, "raw\n");
		}
	}
	ok(rec.len == 0, "fx_writer_record empties the buffer");
	ok(fx_writer_close(w) == 0, "close after 5000 records");
	got = slurp_fd(fd, &n);
	ok(n == want.len && memcmp(got, want.data, n) == 0,
	    "records, with a newline each, in order, through a 1000-byte "
	    "block (%zu bytes)", n);
	free(got);
	close(fd);

	/* The writer closes its fd (> 2) at fx_writer_close. */
	fd = open(path, O_WRONLY);
	w = fx_writer_new(fd, 0);
	fx_writer_put(w, "x", 1);
	ok(fx_writer_close(w) == 0 && fcntl(fd, F_GETFD) == -1 && errno == EBADF,
	    "fx_writer_close closes an fd above 2");
	fx_buf_free(&in);
	fx_buf_free(&rec);
	fx_buf_free(&want);
}

/*
 * The tied writer: a thread waits for the writer's output on one pipe
 * and only then writes the reader's input to another.  If the reader
 * did not flush before blocking, neither side would move; the thread
 * gives up after 5 s and writes "timeout" so the test fails, not hangs.
 */
struct echo {
	int from, to;
	char got[64];
	pthread_t thread;
};

static void *
echo_main(void *arg)
{
	struct echo *e = arg;
	struct pollfd p = { e->from, POLLIN, 0 };
	ssize_t n = 0;

	if (poll(&p, 1, 5000) == 1)
		n = read(e->from, e->got, sizeof e->got - 1);
	if (n > 0) {
		e->got[n] = '\0';
		(void)!write(e->to, "reply\n", 6);
	} else
		(void)!write(e->to, "timeout\n", 8);
	close(e->to);
	return NULL;
}

static void
test_tie(void)
{
	int out[2], in[2];
	struct echo e;
	fx_writer *w;
	fx_reader *r;
	fx_line line;
	fx_buf b = FX_BUF_INIT;
	int rc;

	if (pipe(out) != 0 || pipe(in) != 0)
		fx_die(1, "pipe");
	w = fx_writer_new(out[1], 0);
	r = fx_reader_fdopen(in[0], "in", 0);
	ok(fx_reader_ready(r) == 0, "ready is 0 on an empty pipe");
	ok(fx_reader_fd(r) == in[0], "fx_reader_fd");
	is_str(fx_reader_name(r), "in", "fx_reader_name");
	fx_reader_tie(r, w);
	fx_buf_puts(&b, "{\"type\":\"state_change\"}");
	fx_writer_record(w, &b);	/* held in the block */
	e.from = out[0];
	e.to = in[1];
	e.got[0] = '\0';
	pthread_create(&e.thread, NULL, echo_main, &e);
	rc = fx_reader_next(r, &line);
	ok(rc == FX_LINE_OK && strcmp(line.text, "reply") == 0,
	    "a tied reader flushes the writer before it blocks (got '%s')",
	    rc == FX_LINE_OK ? line.text : "");
	is_str(e.got, "{\"type\":\"state_change\"}\n",
	    "the record reached the other end whole");
	pthread_join(e.thread, NULL);	/* the other end is closed now */
	ok(fx_reader_ready(r) == 1, "ready is 1 at EOF (nothing blocks)");
	ok(fx_reader_next(r, &line) == FX_LINE_EOF, "EOF");
	fx_reader_close(r);
	fx_writer_close(w);
	close(out[0]);
	fx_buf_free(&b);

	/* Data already in the pipe: ready without blocking. */
	if (pipe(in) != 0)
		fx_die(1, "pipe");
	(void)!write(in[1], "a\nb\n", 4);
	r = fx_reader_fdopen(in[0], "in", 0);
	ok(fx_reader_ready(r) == 1, "ready is 1 with data in the pipe");
	ok(fx_reader_next(r, &line) == FX_LINE_OK, "read one line");
	ok(fx_reader_ready(r) == 1, "ready is 1 with a line buffered");
	ok(fx_reader_next(r, &line) == FX_LINE_OK, "read the other");
	ok(fx_reader_ready(r) == 0, "ready is 0 when the pipe is empty again");
	close(in[1]);
	fx_reader_close(r);
}

static void
test_open(void)
{
	char path[128], msg[512] = "";
	int save = dup(2), fd;
	fx_reader *r;
	ssize_t n;

	snprintf(path, sizeof path, "%s/err", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	fx_err_init("test_ndjson");
	r = fx_reader_open("/nonexistent/file.ndjson", 0);
	dup2(save, 2);
	close(save);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd);
	ok(r == NULL, "fx_reader_open of a missing file returns NULL");
	is_str(msg, "test_ndjson: /nonexistent/file.ndjson: No such file or "
	    "directory\n", "and says why on stderr");

	r = fx_reader_open(NULL, 0);
	ok(r && fx_reader_fd(r) == 0 && strcmp(fx_reader_name(r), "stdin") == 0,
	    "NULL opens stdin, named \"stdin\"");
	fx_reader_close(r);	/* does not close fd 0 */
	ok(fcntl(0, F_GETFD) != -1 || errno != EBADF, "closing it leaves fd 0 open");
	r = fx_reader_open("-", 0);
	ok(r && fx_reader_fd(r) == 0 && strcmp(fx_reader_name(r), "stdin") == 0,
	    "\"-\" opens stdin");
	fx_reader_close(r);
	fx_reader_close(NULL);
	r = fx_reader_open(tmpfile_with(S("x\n")), 0);
	ok(r && strstr(fx_reader_name(r), "/in") != NULL,
	    "a file's name is its path");
	fx_reader_close(r);
}

static void
cleanup(void)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		fx_die(1, "mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	/* A failed comparison closes a pipe its feeder still writes to. */
	signal(SIGPIPE, SIG_IGN);
	test_framing();
	test_max_line();
	test_random_framing();
	test_writer();
	test_tie();
	test_open();
	return done();
}
