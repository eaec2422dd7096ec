/* fx-ingest: the inputs: format detection, CSV files and NDJSON records. */
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csvin.h"
#include "err.h"
#include "json.h"
#include "ndjson.h"

#include "ingest.h"

/* Inputs. */

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/* The first non-blank byte of fd without consuming it, or 0. */
static int
sniff_fd(int fd)
{
	char buf[512];
	struct stat st;
	ssize_t n = -1, i;
	int p[2];

	if (fstat(fd, &st) != 0)
		return 0;
	if (S_ISREG(st.st_mode)) {
		off_t at = lseek(fd, 0, SEEK_CUR);

		if (at >= 0)
			n = pread(fd, buf, sizeof buf, at);
	} else if (S_ISFIFO(st.st_mode) && pipe(p) == 0) {
		/* tee(2) copies what the pipe holds without consuming it. */
		n = tee(fd, p[1], sizeof buf, 0);
		if (n > 0)
			n = read(p[0], buf, (size_t)n);
		close(p[0]);
		close(p[1]);
	}
	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)buf[i]))
			return (unsigned char)buf[i];
	return 0;
}

int
input_format(const char *path)
{
	int fd, c;

	if (opt.format != FMT_AUTO)
		return opt.format;
	if (strcmp(path, "-") == 0)
		return sniff_fd(0) == '{' ? FMT_NDJSON : FMT_CSV;
	if (has_suffix(path, ".csv") || has_suffix(path, ".tsv") ||
	    has_suffix(path, ".txt"))
		return FMT_CSV;
	if (has_suffix(path, ".ndjson") || has_suffix(path, ".jsonl") ||
	    has_suffix(path, ".json"))
		return FMT_NDJSON;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return FMT_CSV;		/* the open error comes later */
	c = sniff_fd(fd);
	close(fd);
	return c == '{' ? FMT_NDJSON : FMT_CSV;
}

static void
begin_row(long line, const char *raw, size_t rawlen, const char *term)
{
	in.line = line;
	in.raw = raw;
	in.rawlen = rawlen;
	in.term = term;
	in.bad = in.saved = 0;
}

static void
progress(void)
{
	static int tty = -1;

	if (tty < 0)
		tty = !opt.quiet && isatty(2);
	if (tty && (n_rows & 0xfffff) == 0)
		fprintf(stderr, "\r%s: %llu rows", PROG, n_rows);
}

void
ingest_csv(const char *path)
{
	unsigned char delim = (unsigned char)(opt.delim ? opt.delim :
	    has_suffix(path, ".tsv") ? '\t' : ',');
	fx_csv *c = fx_csv_open(path, delim, opt.max_line);
	fx_csv_row row;
	const char *why;
	int rc, first = 1;
	size_t i;

	if (c == NULL) {
		status = FX_EXIT_FAIL;
		return;
	}
	fx_reader_tie(fx_csv_reader(c), out);
	in.name = fx_csv_name(c);
	in.addkeys = 0;
	names_clear();
	if (!opt.header)
		setup_columns(0);
	while ((rc = fx_csv_next(c, &row, &why)) != 0) {
		begin_row(row.lineno, row.raw, row.raw_len, NULL);
		if (first && rc > 0 && row.nfields > 0 &&
		    strncmp(row.field[0], "\xef\xbb\xbf", 3) == 0) {
			row.field[0] += 3;
			row.flen[0] -= 3;
		}
		if (first && opt.header) {
			first = 0;
			if (rc < 0) {
				fx_error_at(in.name, row.lineno, "cannot read "
				    "the header: %s", why);
				quit(FX_EXIT_FAIL);
			}
			for (i = 0; i < row.nfields; i++)
				names_add(row.field[i], row.flen[i]);
			setup_columns(1);
			continue;
		}
		first = 0;
		n_rows++;
		n_in += in.k;
		if (rc < 0)
			reject(strcmp(why, "line too long") == 0 ? R_LONG :
			    R_QUOTING, in.k, "%s", why);
		else
			ingest_row(row.field, row.flen, row.nfields);
		if (in.bad)
			save_raw();
		progress();
	}
	fx_csv_close(c);
}

/* NDJSON records: readings and exo re-emitted canonically, others passed
 * through as they are. */

static int
check_keys(jv v, const char *type, const char *const *allowed)
{
	int ok = 1;

	jv_object_foreach(v, k, val) {
		size_t i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(jv_string_value(k), allowed[i]) == 0)
				break;
		if (ok && allowed[i] == NULL) {
			reject(R_RECORD, 1, "%s: unexpected key '%s'", type,
			    quote(jv_string_value(k),
			    (size_t)jv_string_length_bytes(jv_copy(k))));
			ok = 0;
		}
		jv_free(k);
		jv_free(val);
	}
	return ok;
}

/* Reads record key c (a number) into slot; 1 set, 0 absent, -1 rejected. */
static int
rec_num(jv v, int c, int slot, struct item *it)
{
	char want[96];
	double x;
	int rc = fx_json_num(v, canon[c], &x);

	if (rc == 0 && c == C_LOAD) {
		reject(R_EMPTY, 1, "%s: missing", canon[c]);
		return -1;
	}
	if (rc == 0)
		return 0;
	if (rc < 0) {
		jv k = fx_json_get(v, canon[c]);

		reject(R_NUMBER, 1, "%s: not a number (%s)", canon[c],
		    fx_json_kind(k));
		jv_free(k);
		return -1;
	}
	if (!isfinite(x)) {
		reject(R_FINITE, 1, "%s: not finite", canon[c]);
		return -1;
	}
	if (!in_bounds(c, x, want, sizeof want)) {
		fx_fmt_num(it->txt[slot], x);
		reject(R_RANGE, 1, "%s: out of range '%s' (%s)", canon[c],
		    it->txt[slot], want);
		return -1;
	}
	it->v[slot] = x;
	fx_fmt_num(it->txt[slot], x);
	return 1;
}

/* A field that is missing (null from fx_json_get) or set to null; an
 * invalid jv (not an object) counts as absent too. */
static int
absent(jv v)
{
	return jv_get_kind(v) == JV_KIND_NULL ||
	    jv_get_kind(v) == JV_KIND_INVALID;
}

/* The record's time (a string) and its source; 0 or -1 after rejecting. */
static int
rec_common(jv v, struct series *fs, struct item *it)
{
	const char *ts = fx_json_str(v, "timestamp");
	jv src = fx_json_get(v, "source");
	int ok = 1;

	if (jv_get_kind(src) == JV_KIND_STRING && opt.source == NULL)
		it->src = source_get(jv_string_value(src));
	else if (!absent(src) && jv_get_kind(src) != JV_KIND_STRING) {
		reject(R_RECORD, 1, "source: not a string");
		ok = 0;
	} else
		it->src = in.src;
	jv_free(src);
	if (!ok)
		return -1;
	if (ts == NULL) {
		reject(R_TIME, 1, "timestamp: missing");
		return -1;
	}
	return row_time(ts, strlen(ts), fs, &it->t, 1);
}

static void
record_reading(jv v)
{
	static const char *const keys[] = { "type", "feeder_id", "timestamp",
	    "load_kw", "kva", "voltage_v", "current_a", "source", NULL };
	const char *id = fx_json_str(v, "feeder_id");
	struct series *fs;
	struct item it;
	int i, r;

	if (!check_keys(v, "reading", keys))
		return;
	if (id == NULL || *id == '\0') {
		reject(R_FEEDER, 1, "feeder_id: missing");
		return;
	}
	fs = feeder_series(id, strlen(id));
	it.has = 0;
	it.dow = -1;
	if (rec_common(v, fs, &it) != 0)
		return;
	for (i = 0; i < 4; i++) {
		if ((r = rec_num(v, C_LOAD + i, i, &it)) < 0)
			return;
		if (r > 0 && i > 0)
			it.has |= (unsigned char)(1 << (i - 1));
	}
	offer(fs, &it);
}

static void
record_exo(jv v)
{
	static const char *const keys[] = { "type", "timestamp", "feeder_id",
	    "temperature_c", "holiday_flag", "event_flag", "dow", "source",
	    NULL };
	jv id = fx_json_get(v, "feeder_id");
	struct series *xs;
	struct item it;
	double dow;
	int b, rc;

	if (!check_keys(v, "exo", keys))
		goto done;
	if (absent(id))
		xs = global_exo;
	else if (jv_get_kind(id) == JV_KIND_STRING &&
	    jv_string_length_bytes(jv_copy(id)) > 0)
		xs = series_get(exos, KIND_EXO, jv_string_value(id),
		    (size_t)jv_string_length_bytes(jv_copy(id)));
	else {
		reject(R_FEEDER, 1, "feeder_id: not a non-empty string");
		goto done;
	}
	it.has = 0;
	it.dow = -1;
	it.holiday = it.event = 0;
	if (rec_common(v, NULL, &it) != 0 || (rc = rec_num(v, C_TEMP, 0,
	    &it)) < 0)
		goto done;
	if (rc > 0)
		it.has |= F_TEMP;
	if ((rc = fx_json_bool(v, "holiday_flag", &b)) > 0)
		it.has |= F_HOL, it.holiday = (unsigned char)b;
	else if (rc < 0) {
		reject(R_FLAG, 1, "holiday_flag: not a boolean");
		goto done;
	}
	if ((rc = fx_json_bool(v, "event_flag", &b)) > 0)
		it.has |= F_EVENT, it.event = (unsigned char)b;
	else if (rc < 0) {
		reject(R_FLAG, 1, "event_flag: not a boolean");
		goto done;
	}
	if ((rc = fx_json_num(v, "dow", &dow)) > 0 && dow >= 0 && dow <= 6 &&
	    dow == floor(dow))
		it.dow = (signed char)dow;
	else if (rc != 0) {
		reject(R_RANGE, 1, "dow: not an integer from 0 to 6");
		goto done;
	}
	offer(xs, &it);
done:
	jv_free(id);
}

/* Generic NDJSON: the mapped keys of any object become a row. */
static void
json_row(const fx_line *ln)
{
	static char **f;
	static size_t *fl, *off, cap;
	static fx_buf text = FX_BUF_INIT;
	char err[256];
	jv v = fx_json_parse(ln->text, ln->len, err, sizeof err);
	size_t i;

	if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_OBJECT) {
		snprintf(err, sizeof err, "not a JSON object");
		jv_free(v);
		v = jv_invalid();
	}
	if (!jv_is_valid(v)) {
		reject(R_RECORD, in.k, "%s", err);
		jv_free(v);
		return;
	}
	if (cap < in.nnames) {
		cap = in.nnames;
		f = fx_xrealloc(f, cap * sizeof *f);
		fl = fx_xrealloc(fl, cap * sizeof *fl);
		off = fx_xrealloc(off, cap * sizeof *off);
	}
	text.len = 0;
	for (i = 0; i < in.nnames; i++) {
		jv x = fx_json_get(v, in.names[i]);

		off[i] = text.len;
		switch (jv_get_kind(x)) {
		case JV_KIND_STRING:
			fx_buf_put(&text, jv_string_value(x),
			    (size_t)jv_string_length_bytes(jv_copy(x)));
			break;
		case JV_KIND_NUMBER:
			fx_buf_num(&text, jv_number_value(x));
			break;
		case JV_KIND_TRUE:
			fx_buf_puts(&text, "true");
			break;
		case JV_KIND_FALSE:
			fx_buf_puts(&text, "false");
			break;
		case JV_KIND_NULL:
		case JV_KIND_INVALID:
			break;
		default:
			fx_buf_jv(&text, x);
		}
		fl[i] = text.len - off[i];
		fx_buf_putc(&text, '\0');
		jv_free(x);
	}
	for (i = 0; i < in.nnames; i++)
		f[i] = text.data + off[i];
	ingest_row(f, fl, in.nnames);
	jv_free(v);
}

static void
ingest_record(const fx_line *ln)
{
	const char *type;
	char err[256];
	jv v = fx_json_parse_record(ln->text, ln->len, &type, err, sizeof err);

	if (!jv_is_valid(v))
		reject(R_RECORD, 1, "%s", err);
	else if (strcmp(type, "reading") == 0)
		record_reading(v);
	else if (strcmp(type, "exo") == 0)
		record_exo(v);
	else {
		fx_writer_pass(out, ln);
		n_acc++;
		n_out++;
	}
	jv_free(v);
}

void
ingest_ndjson(const char *path)
{
	fx_reader *r = fx_reader_open(path, opt.max_line);
	fx_line ln;
	int rc, c, generic = opt.nwide > 0 || opt.wide_all;
	size_t i;

	if (r == NULL) {
		status = FX_EXIT_FAIL;
		return;
	}
	for (c = 0; c < NCOL; c++)
		generic |= opt.colspec[c] != NULL;
	fx_reader_tie(r, out);
	in.name = fx_reader_name(r);
	names_clear();
	in.addkeys = 1;
	if (generic)
		setup_columns(1);
	while ((rc = fx_reader_next(r, &ln)) != FX_LINE_EOF) {
		unsigned long long k = generic ? in.k : 1;

		begin_row(ln.lineno, NULL, 0, NULL);
		if (rc == FX_LINE_TOOLONG) {
			n_rows++;
			n_in += k;
			reject(R_LONG, k, "line too long");
			continue;
		}
		for (i = 0; i < ln.len && isspace((unsigned char)ln.text[i]);
		    i++)
			;
		if (i == ln.len)
			continue;
		begin_row(ln.lineno, ln.text, ln.len, ln.term);
		n_rows++;
		n_in += k;
		if (generic)
			json_row(&ln);
		else
			ingest_record(&ln);
		if (in.bad)
			save_raw();
		progress();
	}
	fx_reader_close(r);
}
