/*
 * fuzz_csvin.c - libFuzzer harness for the CSV row reader (make fuzz).
 *
 * Input: byte 0 picks the delimiter (, ; tab |), byte 1 max_line (1..128
 * or the default); the rest is the file, given by its /proc/self/fd path
 * as fx_csv_open() wants one.  Checked: no crash or leak; rows come in
 * order, one per line at most; each row's raw bytes are exactly the
 * input from the start of its line and end at a line end; a good row has
 * fields, each NUL-terminated at its length; a bad row has a reason; and
 * a row without quotes has the fields of a plain split of its line at
 * the delimiter, blanks (space, tab, \r) trimmed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csvin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
blank(char c, unsigned char delim)
{
	return (c == ' ' || c == '\t' || c == '\r') && (unsigned char)c != delim;
}

/* A row read from a line without quotes against a plain split. */
static int
split_agrees(const fx_csv_row *row, unsigned char delim)
{
	const char *p = row->raw, *end = row->raw + row->raw_len;
	size_t k = 0;

	if (end > p && end[-1] == '\n')
		end--;
	for (;;) {
		const char *q = memchr(p, delim, (size_t)(end - p));
		const char *e = q ? q : end, *b = p;

		while (b < e && blank(*b, delim))
			b++;
		while (e > b && blank(e[-1], delim))
			e--;
		if (k >= row->nfields || row->flen[k] != (size_t)(e - b) ||
		    memcmp(row->field[k], b, (size_t)(e - b)) != 0)
			return 0;
		k++;
		if (q == NULL)
			break;
		p = q + 1;
	}
	return k == row->nfields;
}

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s " \
    "(line %d)\n", #c, __LINE__); abort(); } } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char delims[] = { ',', ';', '\t', '|' };
	const char *in;
	size_t n, max_line, nlines = 0, i, *start;
	unsigned char delim;
	int fd, rc;
	char path[64];
	fx_csv *c;
	fx_csv_row row;
	const char *why;
	long last = 0;

	if (size < 2 || size > 65536)
		return 0;
	delim = delims[data[0] % 4];
	max_line = data[1] == 255 ? 0 : 1 + data[1] % 128;
	in = (const char *)data + 2;
	n = size - 2;

	/* Where each line starts: start[k] for line k + 1. */
	start = malloc((n + 2) * sizeof *start);
	start[nlines++] = 0;
	for (i = 0; i < n; i++)
		if (in[i] == '\n' && i + 1 < n)
			start[nlines++] = i + 1;

	fd = memfd_create("fuzz-csv", 0);
	CHECK(fd >= 0);
	CHECK(write(fd, in, n) == (ssize_t)n);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	c = fx_csv_open(path, delim, max_line);
	CHECK(c != NULL);
	while ((rc = fx_csv_next(c, &row, &why)) != 0) {
		CHECK(rc == 1 || rc == -1);
		CHECK(row.lineno > last);
		CHECK((size_t)row.lineno <= nlines);
		last = row.lineno;
		if (row.raw_len > 0) {
			size_t s = start[row.lineno - 1];

			CHECK(s + row.raw_len <= n);
			CHECK(memcmp(row.raw, in + s, row.raw_len) == 0);
			CHECK(s + row.raw_len == n ||
			    in[s + row.raw_len - 1] == '\n');
		} else
			CHECK(rc == -1);	/* only a too-long line has none */
		if (rc == 1) {
			CHECK(row.nfields >= 1);
			for (i = 0; i < row.nfields; i++)
				CHECK(row.field[i][row.flen[i]] == '\0');
			if (memchr(row.raw, '"', row.raw_len) == NULL)
				CHECK(split_agrees(&row, delim));
		} else
			CHECK(why != NULL && *why != '\0');
	}
	CHECK(fx_csv_next(c, &row, &why) == 0);
	fx_csv_close(c);
	close(fd);
	free(start);
	return 0;
}
