/* csvin.c - see csvin.h */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"
#include "err.h"
#include "ndjson.h"

/* A finished row waiting to be handed out. */
struct row {
	fx_buf text;		/* fields, each NUL-terminated */
	size_t *off;
	size_t noff, capoff;
	long lineno;
	int bad;
	const char *why;
};

struct fx_csv {
	fx_reader *in;
	struct csv_parser parser;
	unsigned char delim;
	size_t max_row;		/* bound on a row's bytes across lines */
	fx_buf raw;		/* lines of the row being read */
	long row_line;		/* where it started, 0: no row pending */
	struct row *rows;	/* completed rows, a FIFO */
	size_t nrows, caprows, head;
	struct row cur;		/* row being assembled by the callbacks */
	/* handed-out row's arrays */
	char **field;
	size_t *flen;
	size_t capfield;
	fx_buf out_raw;
	int eof;
};

static void
row_reset(struct row *r)
{
	r->text.len = 0;
	r->noff = 0;
	r->bad = 0;
	r->why = NULL;
}

static void
on_field(void *s, size_t len, void *data)
{
	fx_csv *c = data;
	struct row *r = &c->cur;

	if (r->noff == r->capoff) {
		r->capoff = r->capoff ? 2 * r->capoff : 16;
		r->off = fx_xrealloc(r->off, r->capoff * sizeof *r->off);
	}
	r->off[r->noff++] = r->text.len;
	if (len)
		fx_buf_put(&r->text, s, len);
	fx_buf_putc(&r->text, '\0');
}

static void
push_row(fx_csv *c)
{
	struct row *dst;

	if (c->nrows == c->caprows) {
		c->caprows = c->caprows ? 2 * c->caprows : 4;
		c->rows = fx_xrealloc(c->rows, c->caprows * sizeof *c->rows);
		memset(c->rows + c->nrows, 0,
		    (c->caprows - c->nrows) * sizeof *c->rows);
	}
	dst = &c->rows[c->nrows++];
	/* Swap storage so neither side reallocates per row. */
	{
		struct row tmp = *dst;

		*dst = c->cur;
		c->cur = tmp;
	}
	dst->lineno = c->row_line;
	row_reset(&c->cur);
}

static void
on_row(int ch, void *data)
{
	fx_csv *c = data;

	(void)ch;
	push_row(c);
}

/*
 * Rows end at \n only: libcsv's default also ends them at a lone \r,
 * which the contract (and Miller, and RFC 4180) treat as data.  The \r of
 * a \r\n is then a blank, trimmed like a trailing space after an unquoted
 * field or a closing quote, and kept inside quotes.
 */
static int
is_term(unsigned char c)
{
	return c == '\n';
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void
parser_init(fx_csv *c)
{
	if (csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
		fx_die(FX_EXIT_FAIL, "out of memory");
	csv_set_delim(&c->parser, c->delim);
	csv_set_term_func(&c->parser, is_term);
	csv_set_space_func(&c->parser, is_blank);
}

fx_csv *
fx_csv_open(const char *path, unsigned char delim, size_t max_line)
{
	fx_csv *c;
	fx_reader *in = fx_reader_open(path, max_line);

	if (in == NULL)
		return NULL;
	c = fx_xcalloc(1, sizeof *c);
	c->in = in;
	c->delim = delim;
	c->max_row = max_line ? max_line : FX_MAX_LINE_DEFAULT;
	parser_init(c);
	return c;
}

const char *
fx_csv_name(const fx_csv *c)
{
	return fx_reader_name(c->in);
}

struct fx_reader *
fx_csv_reader(fx_csv *c)
{
	return c->in;
}

/* Starts over after a parse error: drops the partial row. */
static void
parser_restart(fx_csv *c)
{
	csv_free(&c->parser);
	parser_init(c);
	row_reset(&c->cur);
}

static void
push_bad(fx_csv *c, long lineno, const char *why)
{
	row_reset(&c->cur);
	c->row_line = lineno;
	push_row(c);
	c->rows[c->nrows - 1].bad = 1;
	c->rows[c->nrows - 1].why = why;
}

/* Whether a line holds only blanks (no delimiter): libcsv makes no row
 * of it, so it must not start one here either. */
static int
blank_line(const fx_csv *c, const fx_line *line)
{
	size_t i;

	for (i = 0; i < line->len; i++) {
		unsigned char ch = (unsigned char)line->text[i];

		if (!is_blank(ch) || ch == c->delim)
			return 0;
	}
	return 1;
}

/* Reads one physical line and feeds it to the parser; 0 at EOF. */
static int
feed_line(fx_csv *c)
{
	fx_line line;
	int rc = fx_reader_next(c->in, &line);
	size_t before = c->nrows, tl;

	if (rc == FX_LINE_EOF) {
		if (c->row_line != 0 && csv_fini(&c->parser, on_field, on_row,
		    c) != 0) {
			push_bad(c, c->row_line, "unterminated quoted field");
			c->rows[c->nrows - 1].lineno = c->row_line;
		}
		return 0;
	}
	if (rc == FX_LINE_TOOLONG) {
		if (c->row_line != 0)
			parser_restart(c);
		c->raw.len = 0;
		push_bad(c, line.lineno, "line too long");
		c->row_line = 0;
		return 1;
	}
	if (c->row_line == 0 && blank_line(c, &line))
		return 1;	/* blank line between rows */
	if (c->row_line == 0) {
		c->row_line = line.lineno;
		c->raw.len = 0;
	}
	fx_buf_put(&c->raw, line.text, line.len);
	tl = strlen(line.term);
	fx_buf_put(&c->raw, line.term, tl);
	if (csv_parse(&c->parser, line.text, line.len, on_field, on_row, c)
	    != line.len ||
	    (tl && csv_parse(&c->parser, line.term, tl, on_field, on_row, c)
	    != tl)) {
		long start = c->row_line;

		parser_restart(c);
		/* Rows finished earlier on this line are still good. */
		push_bad(c, start, "malformed quoting");
		c->row_line = 0;
		return 1;
	}
	if (tl == 0 && csv_fini(&c->parser, on_field, on_row, c) != 0) {
		push_bad(c, c->row_line, "unterminated quoted field");
		c->row_line = 0;
		return 1;
	}
	if (c->nrows > before)
		c->row_line = 0;	/* the row ended on this line */
	else if (c->raw.len > c->max_row) {
		/* A quote left open would swallow the rest of the input
		 * into one row: give up on it once it is longer than any
		 * line may be, so memory stays bounded and the lines after
		 * it are read as rows again. */
		long start = c->row_line;

		parser_restart(c);
		push_bad(c, start, "unterminated quoted field");
		c->row_line = 0;
	}
	return 1;
}

int
fx_csv_next(fx_csv *c, fx_csv_row *row, const char **why)
{
	struct row *r;
	size_t i;

	/* Recycle the previous row's slot. */
	if (c->head > 0 && c->head == c->nrows) {
		c->head = 0;
		c->nrows = 0;
	}
	while (c->head == c->nrows) {
		c->head = c->nrows = 0;
		c->out_raw.len = 0;
		if (c->eof || !feed_line(c)) {
			c->eof = 1;
			if (c->head == c->nrows)
				return 0;
		}
	}
	/* The raw text of the line(s) the row came from (rows end at \n,
	 * so a line ends at most one row). */
	if (c->out_raw.len == 0 && c->raw.len > 0) {
		fx_buf_put(&c->out_raw, c->raw.data, c->raw.len);
		c->raw.len = 0;
	}
	r = &c->rows[c->head++];
	if (r->noff > c->capfield) {
		c->capfield = r->noff;
		c->field = fx_xrealloc(c->field, c->capfield * sizeof *c->field);
		c->flen = fx_xrealloc(c->flen, c->capfield * sizeof *c->flen);
	}
	for (i = 0; i < r->noff; i++) {
		c->field[i] = r->text.data + r->off[i];
		c->flen[i] = (i + 1 < r->noff ? r->off[i + 1] : r->text.len) -
		    r->off[i] - 1;
	}
	row->nfields = r->noff;
	row->field = c->field;
	row->flen = c->flen;
	row->lineno = r->lineno;
	row->raw = c->out_raw.data ? c->out_raw.data : "";
	row->raw_len = c->out_raw.len;
	if (r->bad) {
		*why = r->why;
		return -1;
	}
	return 1;
}

void
fx_csv_close(fx_csv *c)
{
	size_t i;

	if (c == NULL)
		return;
	csv_free(&c->parser);
	fx_reader_close(c->in);
	for (i = 0; i < c->caprows; i++) {
		fx_buf_free(&c->rows[i].text);
		free(c->rows[i].off);
	}
	free(c->rows);
	fx_buf_free(&c->cur.text);
	free(c->cur.off);
	free(c->field);
	free(c->flen);
	fx_buf_free(&c->raw);
	fx_buf_free(&c->out_raw);
	free(c);
}
