/*
 * fx-eval - scores predictions against what happened (SRS R11-R15,
 * R21-R26).
 *
 * Reads the record stream and writes only its results.  Each feeder's
 * `reading` records are kept for a few hours in minute buckets; each step
 * of a `forecast` record waits until a reading of its feeder at or after
 * the step's end arrives, and is then scored against the mean of the
 * readings in the step (forecast.c).  Each predicted `state` slice waits
 * for the observed state of the same slice, and the `state_change`
 * timeline is scored against the episodes of observed Critical (and
 * Alert) slices (state.c).  At the end of the input every group - model,
 * feeder and horizon, with all horizons and all feeders as groups too -
 * is written as an `eval` record, or as a line of a table for people
 * with --format table.  Other record types are counted and ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "eval.h"
#include "feeders.h"
#include "json.h"
#include "ndjson.h"
#include "record.h"
#include "timeutil.h"
#include "window.h"

struct ev_opts ev_opt;

static fx_writer *out;
static fx_buf ob = FX_BUF_INIT;
static fx_feeders *feeders;
static const char *in_name;
static long in_line;
static unsigned long long n_in, n_read, n_fc, n_state, n_change, n_other,
    n_rej, n_late, n_rows;

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-eval [-hqV] [-o file] [--alarm-window duration]\n"
"               [--format ndjson | table] [--from time] [--no-feeders]\n"
"               [--season duration] [--strict] [--to time] [file ...]\n");
	exit(st);
}

int64_t
ev_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * Rejects the current input record: the message on stderr, counted.
 * With --strict, ends the program with status 1 and no results.
 */
void
ev_reject(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n_rej++;
	fx_error_at(in_name, in_line, "%s", msg);
	if (ev_opt.strict) {
		fx_writer_close(out);
		exit(FX_EXIT_FAIL);
	}
}

/* ---- feeders and their actuals ---- */

static void
free_feeder(void *p)
{
	struct ev_feeder *f = p;

	free(f->ring);
	fc_free_feeder(&f->fc);
	st_free_feeder(&f->st);
}

struct ev_feeder *
ev_feeder_get(const char *id, size_t len)
{
	int created;
	struct ev_feeder *f = fx_feeders_get(feeders, id, len, &created);

	if (created) {
		f->idx = fx_feeders_count(feeders) - 1;
		f->id = fx_feeders_id(feeders, f->idx);
		f->lost = INT64_MIN;
	}
	return f;
}

size_t
ev_feeder_count(void)
{
	return fx_feeders_count(feeders);
}

struct ev_feeder *
ev_feeder_at(size_t i)
{
	return fx_feeders_state(feeders, i);
}

/* The bucket of minute m. */
static struct ev_bucket *
bucket(const struct ev_feeder *f, int64_t m)
{
	int64_t k = m % EV_RING_MIN;

	return &f->ring[k < 0 ? k + EV_RING_MIN : k];
}

/*
 * Adds a reading to f's minute ring.  Moving the ring forward evicts the
 * oldest minutes (remembering the latest that held readings, so that a
 * step needing them is not scored on part of its data); a reading older
 * than the ring is late and ignored.
 */
static void
ring_add(struct ev_feeder *f, fx_time t, double v)
{
	int64_t m = ev_floor_div(t, 60000), j;
	struct ev_bucket *b;

	if (f->ring == NULL) {
		f->ring = fx_xcalloc(EV_RING_MIN, sizeof *f->ring);
		f->newest = m;
	}
	if (m > f->newest) {
		if (m - f->newest >= EV_RING_MIN) {
			/* every minute held is evicted */
			for (j = f->newest; j > f->newest - EV_RING_MIN; j--)
				if (bucket(f, j)->n > 0) {
					if (j > f->lost)
						f->lost = j;
					break;
				}
			memset(f->ring, 0, EV_RING_MIN * sizeof *f->ring);
		} else
			/* minute j takes the slot of minute j - R */
			for (j = f->newest + 1; j <= m; j++) {
				b = bucket(f, j);
				if (b->n > 0 && j - EV_RING_MIN > f->lost)
					f->lost = j - EV_RING_MIN;
				b->sum = 0;
				b->n = 0;
			}
		f->newest = m;
	} else if (m <= f->newest - EV_RING_MIN) {
		n_late++;
		return;
	}
	b = bucket(f, m);
	b->sum += v;
	b->n++;
}

int
ev_actual(const struct ev_feeder *f, fx_time start, fx_time end,
    double *sum, long *n)
{
	int64_t s = ev_floor_div(start, 60000), e = ev_floor_div(end, 60000);
	int64_t j;

	*sum = 0;
	*n = 0;
	if (f->ring == NULL)
		return 0;
	if (s <= f->lost)
		return -1;
	if (s < f->newest - EV_RING_MIN + 1)
		s = f->newest - EV_RING_MIN + 1;
	if (e > f->newest + 1)
		e = f->newest + 1;
	for (j = s; j < e; j++) {
		const struct ev_bucket *b = bucket(f, j);

		*sum += b->sum;
		*n += b->n;
	}
	return 0;
}

/* ---- result rows ---- */

enum { CELL_STR, CELL_NUM, CELL_NULL };

struct cell {
	const char *head;	/* static */
	int kind;
	char *s;		/* CELL_STR, owned */
	double x;
	int dec;
};

struct row {
	struct cell *c;
	size_t n;
};

static struct row *rows;
static size_t nrows, caprows;
static struct row *cur_row;

void
ev_row_begin(void)
{
	n_rows++;
	if (!ev_opt.table) {
		fx_buf_puts(&ob, "{\"type\":\"eval\"");
		return;
	}
	if (nrows == caprows) {
		caprows = caprows ? 2 * caprows : 64;
		rows = fx_xrealloc(rows, caprows * sizeof *rows);
	}
	cur_row = &rows[nrows++];
	cur_row->c = NULL;
	cur_row->n = 0;
}

static struct cell *
add_cell(const char *head, int kind)
{
	struct cell *c;

	cur_row->c = fx_xrealloc(cur_row->c, (cur_row->n + 1) *
	    sizeof *cur_row->c);
	c = &cur_row->c[cur_row->n++];
	memset(c, 0, sizeof *c);
	c->head = head;
	c->kind = kind;
	return c;
}

void
ev_row_str(const char *key, const char *head, const char *s)
{
	if (!ev_opt.table) {
		if (key != NULL) {
			fx_buf_jkey(&ob, key);
			fx_buf_jstr(&ob, s, strlen(s));
		}
	} else if (head != NULL)
		add_cell(head, CELL_STR)->s = fx_xstrdup(*s ? s : "-");
}

void
ev_row_int(const char *key, const char *head, int64_t v)
{
	char tmp[32];

	if (!ev_opt.table) {
		if (key != NULL) {
			fx_buf_jkey(&ob, key);
			fx_buf_int(&ob, v);
		}
	} else if (head != NULL) {
		struct cell *c = add_cell(head, CELL_NUM);

		c->x = (double)v;
		c->dec = 0;
		snprintf(tmp, sizeof tmp, "%lld", (long long)v);
		c->s = fx_xstrdup(tmp);
	}
}

void
ev_row_num(const char *key, const char *head, double x, int dec)
{
	if (!ev_opt.table) {
		if (key != NULL) {
			fx_buf_jkey(&ob, key);
			fx_buf_num(&ob, x);	/* null when not finite */
		}
	} else if (head != NULL) {
		struct cell *c = add_cell(head, isfinite(x) ? CELL_NUM :
		    CELL_NULL);

		c->x = x;
		c->dec = dec;
	}
}

void
ev_row_null(const char *key, const char *head)
{
	ev_row_num(key, head, NAN, 0);
}

void
ev_row_time(const char *key, const char *head, fx_time t)
{
	char tmp[FX_TIME_MAX_TEXT];

	if (!ev_opt.table) {
		if (key != NULL) {
			fx_buf_jkey(&ob, key);
			fx_buf_time(&ob, t);
		}
	} else if (head != NULL) {
		fx_time_format(t, tmp);
		add_cell(head, CELL_STR)->s = fx_xstrdup(tmp);
	}
}

void
ev_row_json(const char *key, const char *json, size_t len)
{
	if (!ev_opt.table && key != NULL) {
		fx_buf_jkey(&ob, key);
		fx_buf_put(&ob, json, len);
	}
}

void
ev_row_end(void)
{
	if (!ev_opt.table) {
		fx_buf_putc(&ob, '}');
		fx_writer_record(out, &ob);
	}
	cur_row = NULL;
}

/* Rows a and b have the same columns. */
static int
same_columns(const struct row *a, const struct row *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->c[i].head, b->c[i].head) != 0)
			return 0;
	return 1;
}

/* Decimals that give about three significant digits to a value of
 * magnitude x: 0.123, 1.23, 12.3, 123, 1234. */
static int
auto_decimals(double x)
{
	int d;

	if (!(x > 0))
		return 3;
	d = 2 - (int)floor(log10(x));
	return d < 0 ? 0 : d > 3 ? 3 : d;
}

/* Formats the numbers of column k of rows[lo, hi). */
static void
format_column(size_t lo, size_t hi, size_t k)
{
	double least = 0;
	size_t r;
	int dec;

	/* one number of decimals for the column, so that the points line
	 * up: enough for its smallest non-zero value */
	for (r = lo; r < hi; r++) {
		const struct cell *c = &rows[r].c[k];

		if (c->kind == CELL_NUM && c->s == NULL && c->x != 0 &&
		    (least == 0 || fabs(c->x) < least))
			least = fabs(c->x);
	}
	dec = auto_decimals(least);
	for (r = lo; r < hi; r++) {
		struct cell *c = &rows[r].c[k];
		char tmp[64], *p;
		int d = c->dec >= 0 ? c->dec : dec;

		if (c->s != NULL)
			continue;
		if (c->kind == CELL_NULL) {
			c->s = fx_xstrdup("-");
			continue;
		}
		if (fabs(c->x) >= 1e9)	/* not a kW value a person reads */
			snprintf(tmp, sizeof tmp, "%.3g", c->x);
		else
			snprintf(tmp, sizeof tmp, "%.*f", d, c->x);
		/* no "-0.000" for a tiny negative */
		for (p = tmp + 1; *p == '0' || *p == '.'; p++)
			;
		if (tmp[0] == '-' && *p == '\0')
			memmove(tmp, tmp + 1, strlen(tmp));
		c->s = fx_xstrdup(tmp);
	}
}

static void
put_padded(const char *s, size_t width, int left, int last)
{
	size_t len = strlen(s), i;

	if (!left)
		for (i = len; i < width; i++)
			fx_buf_putc(&ob, ' ');
	fx_buf_puts(&ob, s);
	if (left && !last)
		for (i = len; i < width; i++)
			fx_buf_putc(&ob, ' ');
	if (!last)
		fx_buf_puts(&ob, "  ");
}

/* Writes rows[lo, hi), which share their columns, as one table. */
static void
write_table(size_t lo, size_t hi)
{
	size_t ncol = rows[lo].n, k, r, *width;
	int *left;

	width = fx_xcalloc(ncol ? ncol : 1, sizeof *width);
	left = fx_xcalloc(ncol ? ncol : 1, sizeof *left);
	for (k = 0; k < ncol; k++) {
		format_column(lo, hi, k);
		width[k] = strlen(rows[lo].c[k].head);
		for (r = lo; r < hi; r++) {
			const struct cell *c = &rows[r].c[k];

			if (strlen(c->s) > width[k])
				width[k] = strlen(c->s);
			if (c->kind == CELL_STR && strcmp(c->s, "-") != 0)
				left[k] = 1;
		}
	}
	for (k = 0; k < ncol; k++)
		put_padded(rows[lo].c[k].head, width[k], left[k],
		    k + 1 == ncol);
	fx_writer_record(out, &ob);
	for (r = lo; r < hi; r++) {
		for (k = 0; k < ncol; k++)
			put_padded(rows[r].c[k].s, width[k], left[k],
			    k + 1 == ncol);
		fx_writer_record(out, &ob);
	}
	free(width);
	free(left);
}

static void
write_tables(void)
{
	size_t lo = 0, hi, r, k;

	while (lo < nrows) {
		for (hi = lo + 1; hi < nrows && same_columns(&rows[lo],
		    &rows[hi]); hi++)
			;
		if (lo > 0)	/* a blank line between tables */
			fx_writer_put(out, "\n", 1);
		write_table(lo, hi);
		lo = hi;
	}
	for (r = 0; r < nrows; r++) {
		for (k = 0; k < rows[r].n; k++)
			free(rows[r].c[k].s);
		free(rows[r].c);
	}
	free(rows);
}

/* ---- the records read ---- */

static void
do_reading(const fx_line *ln)
{
	char err[256];
	struct ev_feeder *f;
	fx_reading r;
	jv hold;

	if (fx_record_parse_reading(ln->text, ln->len, &r, &hold, err,
	    sizeof err) != 0) {
		ev_reject("%s", err);
		jv_free(hold);
		return;
	}
	if (fabs(r.load_kw) > FX_WINDOW_MAX_ABS) {
		ev_reject("load_kw: out of range %g", r.load_kw);
		jv_free(hold);
		return;
	}
	f = ev_feeder_get(r.feeder_id, r.feeder_len);
	jv_free(hold);
	n_read++;
	fc_reading(f, r.t, r.load_kw);
	ring_add(f, r.t, r.load_kw);
	if (!f->has_last || r.t > f->last_t)
		f->last_t = r.t;
	f->has_last = 1;
}

/* The record types read besides readings. */
static int
scored_type(const char *type, size_t tlen)
{
	return (tlen == 8 && memcmp(type, "forecast", 8) == 0) ||
	    (tlen == 5 && memcmp(type, "state", 5) == 0) ||
	    (tlen == 12 && memcmp(type, "state_change", 12) == 0);
}

static void
do_line(const fx_line *ln)
{
	char err[512];
	const char *type;
	size_t tlen;
	jv rec;

	type = fx_record_peek_type(ln->text, ln->len, &tlen);
	if (type != NULL && tlen == 7 && memcmp(type, "reading", 7) == 0) {
		do_reading(ln);
		return;
	}
	if (type != NULL && !scored_type(type, tlen)) {
		n_other++;
		return;
	}
	rec = fx_json_parse_record(ln->text, ln->len, &type, err,
	    sizeof err);
	if (!jv_is_valid(rec)) {
		jv_free(rec);
		ev_reject("%s", err);
		return;
	}
	if (strcmp(type, "reading") == 0)
		do_reading(ln);
	else if (strcmp(type, "forecast") == 0) {
		if (fc_record(rec, err, sizeof err) != 0)
			ev_reject("%s", err);
		else
			n_fc++;
	} else if (strcmp(type, "state") == 0) {
		if (st_state(rec, err, sizeof err) != 0)
			ev_reject("%s", err);
		else
			n_state++;
	} else if (strcmp(type, "state_change") == 0) {
		if (st_change(rec, err, sizeof err) != 0)
			ev_reject("%s", err);
		else
			n_change++;
	} else
		n_other++;
	jv_free(rec);
}

static void
run_input(const char *path)
{
	fx_reader *r = fx_reader_open(path, 0);
	fx_line ln;
	int rc;

	if (r == NULL)
		exit(FX_EXIT_FAIL);
	in_name = fx_reader_name(r);
	while ((rc = fx_reader_next(r, &ln)) != FX_LINE_EOF) {
		in_line = ln.lineno;
		if (rc == FX_LINE_TOOLONG) {
			n_in++;
			ev_reject("line too long");
			continue;
		}
		if (ln.len == 0)	/* a blank line is no record */
			continue;
		n_in++;
		do_line(&ln);
	}
	fx_reader_close(r);
}

/* ---- options ---- */

enum { O_ALARM_WINDOW = 256, O_FORMAT, O_FROM, O_NO_FEEDERS, O_SEASON,
	O_STRICT, O_TO };

static fx_time
parse_time(const char *what, const char *s)
{
	const char *why;
	fx_time t;
	int zoned;

	if (fx_time_parse(s, strlen(s), &t, &zoned, &why) != 0) {
		fx_error("%s: %s '%s'", what, why, fx_quote(s, strlen(s)));
		exit(FX_EXIT_USAGE);
	}
	return t;	/* without a zone: UTC */
}

/* The summary line; its state parts only when there were states. */
static void
summary(void)
{
	char st[256] = "", sl[256] = "";

	if (n_state + n_change > 0) {
		snprintf(st, sizeof st, ", %llu states (%llu predicted "
		    "outside --from/--to, %llu observed out of order), %llu "
		    "state changes", n_state, st_stats.outside,
		    st_stats.obs_old, n_change);
		snprintf(sl, sizeof sl, "; %llu predicted slices: %llu "
		    "scored, %llu unmatched, %llu unresolved",
		    st_stats.predicted, st_stats.scored, st_stats.unmatched,
		    st_stats.unresolved);
	}
	fprintf(stderr, "%s: %llu records in: %llu forecasts (%llu outside "
	    "--from/--to), %llu readings (%llu late)%s, %llu other, %llu "
	    "rejected; %llu steps: %llu scored, %llu missing, %llu "
	    "unresolved%s; %llu results\n", PROG, n_in, n_fc,
	    fc_stats.outside, n_read, n_late, st, n_other, n_rej,
	    fc_stats.steps, fc_stats.scored, fc_stats.missing,
	    fc_stats.unresolved, sl, n_rows);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "alarm-window", required_argument, NULL, O_ALARM_WINDOW },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "from", required_argument, NULL, O_FROM },
		{ "help", no_argument, NULL, 'h' },
		{ "no-feeders", no_argument, NULL, O_NO_FEEDERS },
		{ "season", required_argument, NULL, O_SEASON },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "to", required_argument, NULL, O_TO },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL;
	int ch, i, fd = 1, status = FX_EXIT_OK;

	fx_err_init(PROG);
	ev_opt.season_ms = FX_MS_PER_DAY;
	ev_opt.alarm_ms = 3600000;
	while ((ch = getopt_long(argc, argv, "hqVo:", longopts, NULL)) != -1)
		switch (ch) {
		case 'h': usage(FX_EXIT_OK); break;
		case 'o': output = optarg; break;
		case 'q': ev_opt.quiet = 1; break;
		case 'V':
			printf("%s (FLUXEON) %s\n", PROG, EV_VERSION);
			exit(FX_EXIT_OK);
		case O_ALARM_WINDOW:
			if (fx_duration_parse(optarg, &ev_opt.alarm_ms) != 0 ||
			    ev_opt.alarm_ms > 366 * FX_MS_PER_DAY) {
				fx_error("--alarm-window: want a duration up "
				    "to a year, such as 1h or 30m, not '%s'",
				    fx_quote(optarg, strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_FORMAT:
			if (strcmp(optarg, "table") == 0)
				ev_opt.table = 1;
			else if (strcmp(optarg, "ndjson") == 0)
				ev_opt.table = 0;
			else {
				fx_error("--format: want ndjson or table, not "
				    "'%s'", fx_quote(optarg, strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_FROM:
			ev_opt.from = parse_time("--from", optarg);
			ev_opt.has_from = 1;
			break;
		case O_NO_FEEDERS: ev_opt.no_feeders = 1; break;
		case O_SEASON:
			if (fx_duration_parse(optarg, &ev_opt.season_ms) != 0 ||
			    ev_opt.season_ms % 60000 != 0 ||
			    ev_opt.season_ms > 366 * FX_MS_PER_DAY) {
				fx_error("--season: want whole minutes up to a "
				    "year, such as 1d or 1h, not '%s'",
				    fx_quote(optarg, strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_STRICT: ev_opt.strict = 1; break;
		case O_TO:
			ev_opt.to = parse_time("--to", optarg);
			ev_opt.has_to = 1;
			break;
		default: usage(FX_EXIT_USAGE);
		}
	if (ev_opt.has_from && ev_opt.has_to && ev_opt.to <= ev_opt.from) {
		fx_error("--to: not after --from");
		exit(FX_EXIT_USAGE);
	}
	if (output != NULL && strcmp(output, "-") != 0) {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0)
			fx_die(FX_EXIT_FAIL, "%s: %s", output, strerror(errno));
	}
	out = fx_writer_new(fd, 0);
	feeders = fx_feeders_new(sizeof(struct ev_feeder), free_feeder);
	argc -= optind;
	argv += optind;
	for (i = 0; i < (argc ? argc : 1); i++)
		run_input(argc ? argv[i] : "-");
	in_name = NULL;
	in_line = 0;
	fc_finish();
	st_finish();
	fc_output();
	st_output();
	if (ev_opt.table)
		write_tables();
	if (fx_writer_close(out) != 0)
		status = FX_EXIT_FAIL;
	if (n_in != n_read + n_fc + n_state + n_change + n_other + n_rej) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_read + n_fc + n_state + n_change + n_other +
		    n_rej);
		status = FX_EXIT_FAIL;
	}
	if (!ev_opt.quiet)
		summary();
	fc_free();
	fx_feeders_free(feeders);
	st_free();
	fx_buf_free(&ob);
	return status;
}
