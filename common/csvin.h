/*
 * csvin.h - CSV input through libcsv, row by row, with line numbers.
 *
 * Any one-byte delimiter, fields quoted with '"' (doubled "" inside),
 * blanks around unquoted fields trimmed, \n or \r\n rows, quoted fields
 * may span lines.  Blank lines are skipped.  Each row keeps the exact
 * bytes it was read from, so a rejected row can be saved as it was.
 */
#ifndef FX_CSVIN_H
#define FX_CSVIN_H

#include <stddef.h>

typedef struct fx_csv fx_csv;

/* One row.  Everything is owned by the reader and valid until the next
 * fx_csv_next() call. */
typedef struct fx_csv_row {
	size_t nfields;
	char **field;		/* field[i]: NUL-terminated, unquoted text */
	size_t *flen;		/* its length */
	long lineno;		/* physical line the row starts on */
	const char *raw;	/* the row's bytes as read, terminators included */
	size_t raw_len;
} fx_csv_row;

/*
 * Opens path ("-" or NULL: stdin) with field delimiter delim (',' ';'
 * '\t' '|' ...).  max_line bounds one physical line and also a row
 * spanning lines (0: default 1 MiB): a quoted field left open is
 * rejected as "unterminated quoted field" once its row passes that size,
 * the lines it took go with it (raw), and reading goes on after them.
 * Returns NULL after printing "prog: path: reason".
 */
fx_csv *fx_csv_open(const char *path, unsigned char delim, size_t max_line);

/*
 * Reads the next row: returns 1 with *row filled, 0 at end of input, or
 * -1 for a row that cannot be parsed (bad quoting, a line too long), with
 * row->lineno, row->raw and a static reason in *why; reading goes on
 * after it with the next line.
 */
int fx_csv_next(fx_csv *c, fx_csv_row *row, const char **why);

/* The name of the input for messages. */
const char *fx_csv_name(const fx_csv *c);
/* The underlying line reader's descriptor (for fx_reader_tie-like use). */
struct fx_reader *fx_csv_reader(fx_csv *c);
void fx_csv_close(fx_csv *c);

#endif
