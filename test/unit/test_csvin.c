/*
 * test_csvin.c - CSV rows through libcsv, with line numbers and raw bytes.
 *
 * Expected rows follow RFC 4180 and libcsv's documented behaviour
 * (csv(3): blanks around unquoted fields trimmed, strict quoting); for
 * a corpus of random valid files Miller (mlr --icsv --ojsonl) is an
 * independent reference.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jv.h>

#include "buf.h"
#include "csvin.h"
#include "err.h"
#include "ndjson.h"
#include "tap.h"

static uint64_t rng = 0xa4093822299f31d0ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static char tmpdir[] = "/tmp/fx-test-csvin.XXXXXX";

static const char *
file_with(const char *data, size_t n)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/in.csv", tmpdir);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		fx_die(1, "cannot write %s", path);
	return path;
}

/* Appends s (n bytes) with control characters made visible. */
static void
put_vis(fx_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			fx_buf_puts(b, "\\n");
		else if (c == '\r')
			fx_buf_puts(b, "\\r");
		else if (c == '\t')
			fx_buf_puts(b, "\\t");
		else if (c < 0x20) {
			char x[8];

			snprintf(x, sizeof x, "\\x%02x", c);
			fx_buf_puts(b, x);
		} else
			fx_buf_putc(b, (char)c);
	}
}

/*
 * Reads every row of data into one line of text:
 *   "1:[a|b] 3:[c] 4:ERR(malformed quoting){raw}" ...
 * Each row: its line number, fields between [ ] separated by |, or ERR
 * with the reason; with_raw adds the raw bytes in { }.
 */
static char *
rows_of(const char *data, size_t n, unsigned char delim, size_t max_line,
    int with_raw)
{
	fx_csv *c = fx_csv_open(file_with(data, n), delim, max_line);
	fx_buf out = FX_BUF_INIT;
	fx_csv_row row;
	const char *why;
	int rc;
	char num[32];

	if (c == NULL)
		return strdup("(open failed)");
	while ((rc = fx_csv_next(c, &row, &why)) != 0) {
		size_t i;

		snprintf(num, sizeof num, "%s%ld:", out.len ? " " : "", row.lineno);
		fx_buf_puts(&out, num);
		if (rc < 0) {
			fx_buf_puts(&out, "ERR(");
			fx_buf_puts(&out, why ? why : "(null)");
			fx_buf_puts(&out, ")");
		} else {
			fx_buf_putc(&out, '[');
			for (i = 0; i < row.nfields; i++) {
				if (i)
					fx_buf_putc(&out, '|');
				if (strlen(row.field[i]) != row.flen[i] &&
				    memchr(row.field[i], '\0', row.flen[i]) == NULL)
					fx_buf_puts(&out, "(BADLEN)");
				if (row.field[i][row.flen[i]] != '\0')
					fx_buf_puts(&out, "(NOTNUL)");
				put_vis(&out, row.field[i], row.flen[i]);
			}
			fx_buf_putc(&out, ']');
		}
		if (with_raw) {
			fx_buf_putc(&out, '{');
			put_vis(&out, row.raw, row.raw_len);
			fx_buf_putc(&out, '}');
		}
	}
	fx_csv_close(c);
	fx_buf_cstr(&out);
	return out.data ? out.data : strdup("");
}

static void
rows_are(const char *data, size_t n, unsigned char delim, size_t max_line,
    int with_raw, const char *want, const char *name)
{
	char *got = rows_of(data, n, delim, max_line, with_raw);

	is_str(got, want, name);
	free(got);
}

#define S(lit) lit, sizeof lit - 1

static void
test_rows(void)
{
	rows_are(S("a,b,c\n1,2,3\n"), ',', 0, 0, "1:[a|b|c] 2:[1|2|3]",
	    "two plain rows");
	rows_are(S("1,\"x,y\",3\n"), ',', 0, 0, "1:[1|x,y|3]",
	    "a quoted field holds the delimiter");
	rows_are(S("4,\"he said \"\"hi\"\"\",6\n"), ',', 0, 0,
	    "1:[4|he said \"hi\"|6]", "doubled quotes are one quote");
	rows_are(S("\"\"\"\"\n"), ',', 0, 0, "1:[\"]", "a field of one quote");
	rows_are(S("7,\"multi\nline\",9\n10,11,12\n"), ',', 0, 0,
	    "1:[7|multi\\nline|9] 3:[10|11|12]",
	    "a quoted \\n: the row starts on line 1, the next on line 3");
	rows_are(S("a,\"crlf\r\ninside\"\r\nb,c\r\n"), ',', 0, 0,
	    "1:[a|crlf\\r\\ninside] 3:[b|c]", "a quoted \\r\\n is kept as data");
	rows_are(S("\"a\n\nb\n\",x\n"), ',', 0, 0, "1:[a\\n\\nb\\n|x]",
	    "blank lines inside quotes are data");
	rows_are(S("a\n\n\nb\n"), ',', 0, 0, "1:[a] 4:[b]", "blank lines are skipped");
	rows_are(S("\n\r\n  \t \n \r\na\n \n"), ',', 0, 0, "5:[a]",
	    "blank, \\r\\n-only and blanks-only lines are skipped");
	rows_are(S("a,b\r\nc,d\r\n"), ',', 0, 0, "1:[a|b] 2:[c|d]",
	    "\\r\\n rows: no \\r in the last field");
	rows_are(S("a,\"b\"\r\n"), ',', 0, 0, "1:[a|b]", "\\r\\n after a closing quote");
	rows_are(S("a,b\nc,d"), ',', 0, 0, "1:[a|b] 2:[c|d]",
	    "the last row without a newline");
	rows_are(S("a,\"b\"\nc,\"d\""), ',', 0, 0, "1:[a|b] 2:[c|d]",
	    "the last row ends with a closing quote and no newline");
	rows_are(S("a;b;\"c;d\"\n1;2;3\n"), ';', 0, 0, "1:[a|b|c;d] 2:[1|2|3]",
	    "semicolon delimiter");
	rows_are(S("a,b;c\n"), ';', 0, 0, "1:[a,b|c]", "with ';' a comma is data");
	rows_are(S("a\tb\t\"c\td\"\n x \t y \n"), '\t', 0, 0,
	    "1:[a|b|c\\td] 2:[x|y]", "tab delimiter; spaces still trimmed");
	rows_are(S("\t\n"), '\t', 0, 0, "1:[|]", "a lone tab with tab delimiter is "
	    "two empty fields, not a blank line");
	rows_are(S("a|b\n"), '|', 0, 0, "1:[a|b]", "pipe delimiter");
	rows_are(S("  x  ,\ty\t, z z ,w\n"), ',', 0, 0, "1:[x|y|z z|w]",
	    "blanks around unquoted fields are trimmed, inner ones kept");
	rows_are(S("\" x \",\"a \",\" \"\n"), ',', 0, 0, "1:[ x |a | ]",
	    "blanks inside quotes are kept");
	rows_are(S(" \"a\" , \"b\"\n"), ',', 0, 0, "1:[a|b]",
	    "blanks around quoted fields are dropped");
	rows_are(S("a,,c\n,\n,,\n"), ',', 0, 0, "1:[a||c] 2:[|] 3:[||]",
	    "empty fields");
	rows_are(S("\"\"\n"), ',', 0, 0, "1:[]", "a row with a single empty field");
	rows_are(S("\"\",\"\"\n"), ',', 0, 0, "1:[|]", "two quoted empty fields");
	rows_are(S("a\rb,c\n"), ',', 0, 0, "1:[a\\rb|c]",
	    "a lone \\r inside a field is data (rows end at \\n)");
	rows_are(S("a,b\rc,d\n"), ',', 0, 0, "1:[a|b\\rc|d]",
	    "a lone \\r does not end the row");
	rows_are(S("a\0b,c\n"), ',', 0, 0, "1:[a\\x00b|c]", "a NUL byte in a field");
	rows_are(S("caf\xc3\xa9,\xe2\x82\xac\n"), ',', 0, 0,
	    "1:[caf\xc3\xa9|\xe2\x82\xac]", "UTF-8 passes through");
	rows_are(S(""), ',', 0, 0, "", "empty input: no rows");
	rows_are(S("\n\n"), ',', 0, 0, "", "only blank lines: no rows");
}

static void
test_errors(void)
{
	rows_are(S("x\na,\"b\"c,d\ny\n"), ',', 0, 1,
	    "1:[x]{x\\n} 2:ERR(malformed quoting){a,\"b\"c,d\\n} 3:[y]{y\\n}",
	    "a,\"b\"c,d: -1 on line 2 with its raw bytes, then go on");
	rows_are(S("x\r\na,b\"c\r\ny\r\n"), ',', 0, 1,
	    "1:[x]{x\\r\\n} 2:ERR(malformed quoting){a,b\"c\\r\\n} 3:[y]{y\\r\\n}",
	    "a,b\"c: -1 on line 2, raw with \\r\\n, then go on");
	rows_are(S("x\na,\"b\nc\"d\ny\n"), ',', 0, 1,
	    "1:[x]{x\\n} 2:ERR(malformed quoting){a,\"b\\nc\"d\\n} 4:[y]{y\\n}",
	    "bad quoting on the 2nd line of a row: the row's line and both lines");
	rows_are(S("\"a\" \"b\"\nok\n"), ',', 0, 0,
	    "1:ERR(malformed quoting) 2:[ok]", "two quoted strings in one field");
	rows_are(S("x\na,\"b\nc\n"), ',', 0, 1,
	    "1:[x]{x\\n} 2:ERR(unterminated quoted field){a,\"b\\nc\\n}",
	    "an unterminated quote at EOF: -1 where the row started, all its bytes");
	rows_are(S("x\na,\"b"), ',', 0, 1,
	    "1:[x]{x\\n} 2:ERR(unterminated quoted field){a,\"b}",
	    "an unterminated quote in an unterminated last line");
	rows_are(S("ok\n0123456789abcdef,x\nnext,1\n"), ',', 10, 1,
	    "1:[ok]{ok\\n} 2:ERR(line too long){} 3:[next|1]{next,1\\n}",
	    "a line over max_line: -1, then the next row");
	rows_are(S("0123456789\r\n"), ',', 10, 0, "1:[0123456789]",
	    "a line of exactly max_line with \\r\\n is fine");
	rows_are(S("ok\n0123456789abcdef"), ',', 10, 0,
	    "1:[ok] 2:ERR(line too long)", "a long unterminated last line");
	rows_are(S("a,b\n\"c\nd\",e\n"), ',', 0, 0, "1:[a|b] 2:[c\\nd|e]",
	    "ok after ok: the parser is clean between rows");
	rows_are(S("x\na,\"b\nc1\nc2\nc3\nc4\ny,1\nz,2\n"), ',', 10, 1,
	    "1:[x]{x\\n} 2:ERR(unterminated quoted field){a,\"b\\nc1\\nc2\\n} "
	    "5:[c3]{c3\\n} 6:[c4]{c4\\n} 7:[y|1]{y,1\\n} 8:[z|2]{z,2\\n}",
	    "a quote left open is given up past max_line bytes; rows go on");
	rows_are(S("a\"b\n\"c\",d\n"), ',', 0, 0,
	    "1:ERR(malformed quoting) 2:[c|d]",
	    "after a malformed row the parser starts clean");
}

static void
test_raw(void)
{
	rows_are(S("a,b\n\n7,\"multi\nline\",9\r\n  x , \"y\"  \n"), ',', 0, 1,
	    "1:[a|b]{a,b\\n} 3:[7|multi\\nline|9]{7,\"multi\\nline\",9\\r\\n} "
	    "5:[x|y]{  x , \"y\"  \\n}",
	    "raw bytes are exact: multi-line rows whole, blank lines not in them");
	rows_are(S("a\nb"), ',', 0, 1, "1:[a]{a\\n} 2:[b]{b}",
	    "a last row without a newline has raw without one");
	rows_are(S("\" \n \"\n"), ',', 0, 1, "1:[ \\n ]{\" \\n \"\\n}",
	    "a quoted row whose second line looks blank");
	rows_are(S("x\n   \ny\n"), ',', 0, 1, "1:[x]{x\\n} 3:[y]{y\\n}",
	    "a blanks-only line belongs to no row");
}

static void
test_api(void)
{
	char path[256], msg[512] = "";
	int save = dup(2), fd;
	fx_csv *c;
	fx_csv_row row;
	const char *why = NULL;
	ssize_t n;

	snprintf(path, sizeof path, "%s/err", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	fx_err_init("test_csvin");
	c = fx_csv_open("/nonexistent/x.csv", ',', 0);
	dup2(save, 2);
	close(save);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd);
	ok(c == NULL, "fx_csv_open of a missing file is NULL");
	is_str(msg, "test_csvin: /nonexistent/x.csv: No such file or directory\n",
	    "with a message");

	c = fx_csv_open(file_with(S("a,b\n")), ',', 0);
	ok(c && strstr(fx_csv_name(c), "in.csv") != NULL, "fx_csv_name is the path");
	ok(c && fx_csv_reader(c) != NULL && fx_reader_fd(fx_csv_reader(c)) > 2,
	    "fx_csv_reader gives the line reader");
	ok(fx_csv_next(c, &row, &why) == 1 && row.nfields == 2, "one row");
	ok(fx_csv_next(c, &row, &why) == 0, "then 0");
	ok(fx_csv_next(c, &row, &why) == 0, "and 0 again");
	fx_csv_close(c);
	fx_csv_close(NULL);
	c = fx_csv_open("-", ',', 0);
	ok(c && strcmp(fx_csv_name(c), "stdin") == 0, "\"-\" is stdin");
	fx_csv_close(c);
}

/* Many rows: fields of every size, pointers valid until the next call. */
static void
test_many(void)
{
	fx_buf in = FX_BUF_INIT, field = FX_BUF_INIT;
	fx_csv *c;
	fx_csv_row row;
	const char *why;
	size_t i, bad = 0, nrows = 20000;
	int rc;

	for (i = 0; i < nrows; i++) {
		size_t len = i % 1000 == 0 ? 100000 : i % 50;

		fx_buf_int(&in, (int64_t)i);
		fx_buf_puts(&in, ",\"");
		while (len--)
			fx_buf_putc(&in, (char)(i % 7 == 0 && len % 10 == 0 ? '\n' :
			    'a' + len % 26));
		fx_buf_puts(&in, "\",end\r\n");
	}
	c = fx_csv_open(file_with(in.data, in.len), ',', 0);
	for (i = 0; (rc = fx_csv_next(c, &row, &why)) == 1; i++) {
		size_t len = i % 1000 == 0 ? 100000 : i % 50, k;
		char num[32];

		field.len = 0;
		for (k = len; k-- > 0;)
			fx_buf_putc(&field, (char)(i % 7 == 0 && k % 10 == 0 ? '\n' :
			    'a' + k % 26));
		snprintf(num, sizeof num, "%zu", i);
		if (row.nfields != 3 || strcmp(row.field[0], num) != 0 ||
		    row.flen[1] != len || memcmp(row.field[1], field.data, len) ||
		    strcmp(row.field[2], "end") != 0)
			bad++;
	}
	ok(rc == 0 && i == nrows && bad == 0,
	    "%zu rows with fields up to 100 kB and quoted newlines (%zu bad)",
	    nrows, bad);
	fx_csv_close(c);
	fx_buf_free(&in);
	fx_buf_free(&field);
}

/* A random field, quoted when it must be (or at random). */
static void
random_field(fx_buf *csv, fx_buf *want, int allow_nl)
{
	static const char *const atoms[] = { "a", "b", "Z", "0", "1.5", ",", ";",
	    "\"", " ", "x y", "\xc3\xa9", "\xe2\x82\xac", "\n", "-", "'" };
	size_t n = rnd() % 6, i, start = want->len;
	int quote;

	for (i = 0; i < n; i++) {
		const char *a = atoms[rnd() % (sizeof atoms / sizeof atoms[0])];

		if (*a == '\n' && !allow_nl)
			a = "n";
		fx_buf_puts(want, a);
	}
	quote = rnd() % 4 == 0 || want->len == start;
	for (i = start; i < want->len; i++)
		quote |= strchr(",;\"\n", want->data[i]) != NULL;
	quote |= want->len > start && (want->data[start] == ' ' ||
	    want->data[want->len - 1] == ' ');
	if (!quote) {
		fx_buf_put(csv, want->data + start, want->len - start);
		return;
	}
	fx_buf_putc(csv, '"');
	for (i = start; i < want->len; i++) {
		if (want->data[i] == '"')
			fx_buf_putc(csv, '"');
		fx_buf_putc(csv, want->data[i]);
	}
	fx_buf_putc(csv, '"');
}

/*
 * Random valid CSV files read by fx_csv and by Miller agree field for
 * field.  Files are rectangular and use \n (Miller turns a quoted \r\n
 * into \n, and does not trim blanks: neither appears here).
 */
static void
test_miller(void)
{
	int f, bad = 0, rows_checked = 0;
	char cmd[512];

	if (system("command -v mlr >/dev/null 2>&1") != 0) {
		ok(1, "# SKIP mlr (Miller) is not installed");
		return;
	}
	for (f = 0; f < 40; f++) {
		fx_buf csv = FX_BUF_INIT, want = FX_BUF_INIT;
		size_t nf = 1 + rnd() % 5, nr = 1 + rnd() % 30, r, k;
		FILE *p;
		fx_csv *c;
		fx_csv_row row;
		const char *why;
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		int fbad = 0;

		for (r = 0; r < nr; r++) {
			for (k = 0; k < nf; k++) {
				if (k)
					fx_buf_putc(&csv, ',');
				random_field(&csv, &want, f % 2);
			}
			fx_buf_putc(&csv, '\n');
		}
		file_with(csv.data, csv.len);
		snprintf(cmd, sizeof cmd, "mlr --icsv --ojsonl --implicit-csv-header "
		    "--allow-ragged-csv-input --infer-none cat '%s/in.csv'", tmpdir);
		p = popen(cmd, "r");
		c = fx_csv_open(file_with(csv.data, csv.len), ',', 0);
		while ((len = getline(&line, &cap, p)) > 0) {
			jv rec = jv_parse_sized(line, (int)len);
			int rc = fx_csv_next(c, &row, &why);

			rows_checked++;
			if (rc != 1 || jv_get_kind(rec) != JV_KIND_OBJECT ||
			    (size_t)jv_object_length(jv_copy(rec)) != row.nfields) {
				fbad = 1;
				jv_free(rec);
				break;
			}
			for (k = 0; k < row.nfields; k++) {
				char key[24];
				jv v;

				snprintf(key, sizeof key, "%zu", k + 1);
				v = jv_object_get(jv_copy(rec), jv_string(key));
				if (jv_get_kind(v) != JV_KIND_STRING ||
				    (size_t)jv_string_length_bytes(jv_copy(v)) !=
				    row.flen[k] || memcmp(jv_string_value(v),
				    row.field[k], row.flen[k]) != 0)
					fbad = 1;
				jv_free(v);
			}
			jv_free(rec);
		}
		if (!fbad && fx_csv_next(c, &row, &why) != 0)
			fbad = 1;
		if (pclose(p) != 0)
			fbad = 1;
		if (fbad && bad++ < 2) {
			fx_buf vis = FX_BUF_INIT;

			put_vis(&vis, csv.data, csv.len < 300 ? csv.len : 300);
			printf("# file %d differs: %s\n", f, fx_buf_cstr(&vis));
			fx_buf_free(&vis);
		}
		free(line);
		fx_csv_close(c);
		fx_buf_free(&csv);
		fx_buf_free(&want);
	}
	ok(bad == 0 && rows_checked > 100, "40 random CSV files (%d rows): "
	    "fx_csv agrees with Miller field for field (%d files differ)",
	    rows_checked, bad);
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
	test_rows();
	test_errors();
	test_raw();
	test_api();
	test_many();
	test_miller();
	return done();
}
