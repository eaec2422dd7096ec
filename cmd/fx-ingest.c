/*
 * fx-ingest - real telemetry and exogenous data in, canonical reading and
 * exo records out.
 *
 * Reads CSV (libcsv, through csvin) or NDJSON.  Columns, or keys, are
 * mapped to record fields with unit conversion and time zones.  Duplicates
 * are dropped, rows out of order within a reorder window are put back in
 * order, gaps are reported, and readings can be resampled onto a fixed
 * grid.  A bad value is reported as "file:line: reason" and skipped.
 *
 * Accounting: every input row yields a fixed number of candidate records
 * (one per feeder column, plus one exo record when exogenous columns are
 * mapped; an NDJSON record is one).  Each candidate is accepted, rejected
 * or dropped as a duplicate, and the summary at EOF shows that the three
 * add up to the candidates read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "csvin.h"
#include "err.h"
#include "feeders.h"
#include "json.h"
#include "ndjson.h"
#include "timeutil.h"

#define PROG	"fx-ingest"
#define NUMTXT	32		/* room for a value's JSON text */

enum { FMT_AUTO, FMT_CSV, FMT_NDJSON };
enum { TF_ISO, TF_EPOCH_S, TF_EPOCH_MS };
enum { AMB_INFER, AMB_EARLIER, AMB_LATER, AMB_REJECT };
enum { KIND_READING, KIND_EXO };
enum { F_KVA = 1, F_VOLT = 2, F_CUR = 4, F_TEMP = 8, F_HOL = 16, F_EVENT = 32 };

/* Mapped columns; the value columns' order is the item's v[] order. */
enum { C_LOAD, C_KVA, C_VOLT, C_CUR, C_TEMP, C_HOL, C_EVENT, C_TIME,
    C_FEEDER, NCOL };
static const char *const canon[NCOL] = { "load_kw", "kva", "voltage_v",
    "current_a", "temperature_c", "holiday_flag", "event_flag", "timestamp",
    "feeder_id" };
static const char *const colopt[NCOL] = { "--load-col", "--kva-col",
    "--voltage-col", "--current-col", "--temp-col", "--holiday-col",
    "--event-col", "--time-col", "--feeder-col" };

enum reason { R_NUMBER, R_EMPTY, R_FINITE, R_RANGE, R_FLAG, R_FEEDER,
    R_TIME, R_NOLOCAL, R_AMBIG, R_ORDER, R_COLUMNS, R_QUOTING, R_LONG,
    R_RECORD, NREASON };
static const char *const reason_name[NREASON] = { "not a number", "empty",
    "not finite", "out of range", "not a boolean", "no feeder",
    "bad timestamp", "nonexistent local time", "ambiguous local time",
    "out of order", "too few columns", "malformed quoting", "line too long",
    "bad record" };

/* A value conversion: out = in * mul + add.  dec is the number of decimal
 * places mul and add carry (-1: not a short decimal), so converted decimal
 * text can be printed exactly. */
struct conv {
	double mul, add;
	int dec;
	int ident;
	int fahrenheit;		/* (x - 32) * 5 / 9, exact for whole degrees */
};

struct unit {
	const char *name;
	double mul;
	int energy;
};

static const struct unit load_units[] = { { "W", 0.001, 0 }, { "kW", 1, 0 },
    { "MW", 1000, 0 }, { "Wh", 0.001, 1 }, { "kWh", 1, 1 },
    { "MWh", 1000, 1 }, { NULL, 0, 0 } };
static const struct unit kva_units[] = { { "VA", 0.001, 0 }, { "kVA", 1, 0 },
    { "MVA", 1000, 0 }, { NULL, 0, 0 } };
static const struct unit volt_units[] = { { "V", 1, 0 }, { "kV", 1000, 0 },
    { NULL, 0, 0 } };
static const struct unit cur_units[] = { { "A", 1, 0 }, { "kA", 1000, 0 },
    { NULL, 0, 0 } };

struct source {
	char *suffix;		/* ,"source":"name"} */
	size_t len;
};

/* One candidate record on its way out. */
struct item {
	fx_time t;
	const struct source *src;
	double v[4];		/* reading: load, kva, voltage, current;
				 * exo: temperature in v[0] */
	char txt[4][NUMTXT];	/* their JSON text */
	unsigned char has;	/* F_* */
	unsigned char holiday, event;
	signed char dow;	/* -1: computed at output */
};

/* A feeder's readings, or an exo series (per feeder or system-wide). */
struct series {
	char *head;		/* reading: {"type":...,"timestamp":
				 * exo: ,"feeder_id":"F001" or "" */
	size_t headlen;
	const char *id;		/* borrowed from the table */
	int kind;
	int has_in, has_out;
	fx_time last_in;	/* last row time parsed (--ambiguous infer) */
	fx_time last_out;	/* last released */
	fx_time hwm;		/* latest accepted */
	int64_t step;		/* smallest spacing released so far */
	struct item *heap;	/* reorder window, a min-heap on t */
	size_t nheap, capheap;
	struct series *exo;	/* reading series: its --exo-per-feeder one */
	/* resampling */
	struct item prev;
	int has_prev, bin_open;
	fx_time bin;		/* open bin, or the first bin still allowed */
	double sum[4], cover[4];
	const struct source *binsrc;
};

struct wide {
	const char *spec;	/* column name or position */
	const char *id;		/* feeder id; NULL: the column's name */
	int col;
	struct series *s;
};

static struct {
	const char *colspec[NCOL];
	struct wide *wide;
	size_t nwide;
	int wide_all;
	const char *feeder, *config, *reject, *source, *tzname;
	const char *unit[5];	/* load, kva, voltage, current, temperature */
	int format, header, delim, time_fmt, ambiguous, stamp_end;
	int exo_only, exo_per_feeder, errors_inline, strict, quiet;
	int64_t interval, resample, max_gap, window, gap;
	double min_kw, max_kw;
	int have_min, have_max;
	size_t max_line;
	struct conv conv[5];
} opt = { .header = 1 };

/* The input being read. */
static struct {
	const char *name;
	long line;
	const char *raw;
	size_t rawlen;
	const char *term;	/* NDJSON: the line's terminator */
	int bad, saved;
	int col[NCOL];
	struct wide *wide;
	size_t nwide;
	size_t need;		/* fields a row must have */
	unsigned long long k;	/* candidate records per row */
	int readings, exo;
	const struct source *src;
	/* header names, or NDJSON keys */
	char **names;
	size_t *nlen, nnames, capnames;
	int addkeys;
} in;

static struct {
	fx_tz *tz;
	int fixed;		/* offset in seconds when tz is NULL */
	int set;
} zone;

static unsigned long long n_rows, n_in, n_acc, n_dup, n_out, n_gaps, n_rej,
    n_reason[NREASON];
static fx_writer *out, *rejw;
static fx_buf ob = FX_BUF_INIT, scratch = FX_BUF_INIT;
static fx_feeders *readings, *exos, *sources;
static struct series *const_series, *global_exo;
static fx_time g_last_in;
static int g_has_in, status;

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-ingest [-hnq] [-c config] [-d delim] [-f feeder] [-l column]\n"
"                 [-t column] [-u unit] [-w column[=feeder],...] [-z zone]\n"
"                 [--ambiguous infer|earlier|later|reject]\n"
"                 [--current-col column] [--current-unit A|kA]\n"
"                 [--errors-inline] [--event-col column] [--exo-only]\n"
"                 [--exo-per-feeder] [--feeder-col column]\n"
"                 [--format auto|csv|ndjson] [--gap dur]\n"
"                 [--holiday-col column] [--interval dur] [--kva-col column]\n"
"                 [--kva-unit VA|kVA|MVA] [--max-gap dur] [--max-kw kw]\n"
"                 [--max-line bytes] [--min-kw kw] [--reject file]\n"
"                 [--reorder-window dur] [--resample dur] [--source name]\n"
"                 [--stamp start|end] [--strict] [--temp-col column]\n"
"                 [--temp-unit C|F|K]\n"
"                 [--time-format iso|epoch-s|epoch-ms] [--voltage-col column]\n"
"                 [--voltage-unit V|kV] [--wide-all] [file ...]\n");
	exit(st);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The subject of a message: at most 60 bytes, control characters shown
 * as escapes.  Two calls may be live at once. */
static const char *
quote(const char *s, size_t n)
{
	static char buf[2][128];
	static int which;
	char *o = buf[which ^= 1], *start = o;
	size_t i;

	for (i = 0; i < n && o - start < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r' || c == '\t') {
			*o++ = '\\';
			*o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f)
			*o++ = '?';
		else
			*o++ = (char)c;
	}
	if (i < n) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return start;
}

static const char *
fmt_time(fx_time t, char *o)
{
	fx_time_format(t, o);
	return o;
}

/* "1d2h", "45m", "1m30s", "500ms". */
static const char *
fmt_dur(int64_t ms, char *o, size_t n)
{
	static const struct { int64_t ms; const char *u; } u[] = {
	    { 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" },
	    { 1, "ms" } };
	size_t i, len = 0;

	o[0] = '\0';
	for (i = 0; i < 5 && len < n; i++)
		if (ms >= u[i].ms) {
			len += (size_t)snprintf(o + len, n - len, "%lld%s",
			    (long long)(ms / u[i].ms), u[i].u);
			ms %= u[i].ms;
		}
	if (len == 0)
		snprintf(o, n, "0s");
	return o;
}

static void
save_raw(void)
{
	if (rejw == NULL || in.saved || in.raw == NULL)
		return;
	in.saved = 1;
	if (in.term != NULL) {
		fx_writer_put(rejw, in.raw, in.rawlen);
		fx_writer_put(rejw, *in.term ? in.term : "\n",
		    *in.term ? strlen(in.term) : 1);
	} else
		fx_writer_put(rejw, in.raw, in.rawlen);
}

static void
finish_outputs(void)
{
	if (fx_writer_close(out) != 0)
		status = FX_EXIT_FAIL;
	if (rejw != NULL && fx_writer_close(rejw) != 0)
		status = FX_EXIT_FAIL;
}

/* Exits in the middle of the input, keeping what was written so far. */
__attribute__((noreturn)) static void
quit(int st)
{
	finish_outputs();
	exit(st);
}

/*
 * Rejects nrec candidate records of the current row for reason r: the
 * message on stderr (and inline with --errors-inline), the raw row to
 * --reject.  With --strict, ends the program.
 */
__attribute__((format(printf, 3, 4))) static void
reject(enum reason r, unsigned long long nrec, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n_reason[r] += nrec;
	n_rej += nrec;
	in.bad = 1;
	fx_error_at(in.name, in.line, "%s", msg);
	if (opt.errors_inline) {
		fx_buf_puts(&ob, "{\"type\":\"error\",\"program\":\"" PROG
		    "\",\"input\":");
		fx_buf_jstr(&ob, in.name, strlen(in.name));
		fx_buf_puts(&ob, ",\"line\":");
		fx_buf_int(&ob, in.line > 0 ? in.line : 1);
		fx_buf_puts(&ob, ",\"reason\":");
		fx_buf_jstr(&ob, msg, strlen(msg));
		fx_buf_putc(&ob, '}');
		fx_writer_record(out, &ob);
	}
	if (opt.strict) {
		save_raw();
		quit(FX_EXIT_FAIL);
	}
}

/* Sources: interned, each with its pre-rendered record ending. */
static void
free_source(void *p)
{
	free(((struct source *)p)->suffix);
}

static const struct source *
source_get(const char *name)
{
	int created;
	struct source *s = fx_feeders_get(sources, name, strlen(name),
	    &created);

	if (created) {
		fx_buf b = FX_BUF_INIT;

		fx_buf_puts(&b, ",\"source\":");
		fx_buf_jstr(&b, name, strlen(name));
		fx_buf_putc(&b, '}');
		s->suffix = b.data;
		s->len = b.len;
	}
	return s;
}

static void
free_series(void *p)
{
	struct series *s = p;

	free(s->head);
	free(s->heap);
}

static struct series *
series_get(fx_feeders *t, int kind, const char *id, size_t len)
{
	int created;
	struct series *s = fx_feeders_get(t, id, len, &created);

	if (created) {
		fx_buf b = FX_BUF_INIT;

		s->kind = kind;
		s->id = fx_feeders_id(t, fx_feeders_count(t) - 1);
		s->bin = INT64_MIN;
		if (kind == KIND_READING) {
			fx_buf_puts(&b, "{\"type\":\"reading\",\"feeder_id\":");
			fx_buf_jstr(&b, id, len);
			fx_buf_puts(&b, ",\"timestamp\":");
		} else if (len > 0) {
			fx_buf_puts(&b, ",\"feeder_id\":");
			fx_buf_jstr(&b, id, len);
		}
		fx_buf_cstr(&b);
		s->head = b.data;
		s->headlen = b.len;
	}
	return s;
}

static const char *
series_label(const struct series *s, char *buf, size_t n)
{
	if (s->kind == KIND_READING)
		return s->id;
	if (*s->id == '\0')
		return "exo";
	snprintf(buf, n, "exo for %s", s->id);
	return buf;
}

/* Output. */

static void
put_reading(const struct series *s, const struct item *it)
{
	static const char *const key[4] = { ",\"load_kw\":", ",\"kva\":",
	    ",\"voltage_v\":", ",\"current_a\":" };
	int i;

	fx_buf_put(&ob, s->head, s->headlen);
	fx_buf_time(&ob, it->t);
	for (i = 0; i < 4; i++)
		if (i == 0 || (it->has & (1 << (i - 1)))) {
			fx_buf_puts(&ob, key[i]);
			fx_buf_puts(&ob, it->txt[i]);
		}
	fx_buf_put(&ob, it->src->suffix, it->src->len);
	fx_writer_record(out, &ob);
	n_out++;
}

static int
local_dow(fx_time t)
{
	if (zone.set)
		t += (fx_time)(zone.tz ? fx_tz_offset(zone.tz, t) :
		    zone.fixed) * 1000;
	return fx_time_dow(t);
}

static void
put_exo(const struct series *s, const struct item *it)
{
	fx_buf_puts(&ob, "{\"type\":\"exo\",\"timestamp\":");
	fx_buf_time(&ob, it->t);
	fx_buf_put(&ob, s->head, s->headlen);
	if (it->has & F_TEMP) {
		fx_buf_puts(&ob, ",\"temperature_c\":");
		fx_buf_puts(&ob, it->txt[0]);
	}
	if (it->has & F_HOL)
		fx_buf_puts(&ob, it->holiday ? ",\"holiday_flag\":true" :
		    ",\"holiday_flag\":false");
	if (it->has & F_EVENT)
		fx_buf_puts(&ob, it->event ? ",\"event_flag\":true" :
		    ",\"event_flag\":false");
	fx_buf_puts(&ob, ",\"dow\":");
	fx_buf_int(&ob, it->dow >= 0 ? it->dow : local_dow(it->t));
	fx_buf_put(&ob, it->src->suffix, it->src->len);
	fx_writer_record(out, &ob);
	n_out++;
}

/* Resampling: each reading holds its value over [t, t + interval), or
 * until the next reading when no --interval is given (but not across a
 * gap longer than --max-gap); a bin's value is the time-weighted mean
 * over the part of it that is covered. */

static void
close_bin(struct series *s)
{
	struct item it;
	int i;

	if (!s->bin_open)
		return;
	s->bin_open = 0;
	if (s->cover[0] > 0) {
		it.t = s->bin;
		it.src = s->binsrc;
		it.has = 0;
		for (i = 0; i < 4; i++)
			if (s->cover[i] > 0) {
				double m = s->sum[i] / s->cover[i];

				fx_fmt_num(it.txt[i], m);
				if (i > 0)
					it.has |= (unsigned char)(1 << (i - 1));
			}
		put_reading(s, &it);
	}
	s->bin += opt.resample;
}

static void
accumulate(struct series *s, const struct item *it, fx_time a, fx_time b)
{
	int64_t d = opt.resample;
	fx_time k;
	int i;

	for (k = floor_div(a, d) * d; k < b; k += d) {
		fx_time lo = a > k ? a : k, hi = b < k + d ? b : k + d;
		double w = (double)(hi - lo);

		if (k < s->bin)		/* already emitted (overlap) */
			continue;
		if (s->bin_open && k > s->bin)
			close_bin(s);
		if (!s->bin_open) {
			s->bin = k;
			s->bin_open = 1;
			s->binsrc = it->src;
			for (i = 0; i < 4; i++)
				s->sum[i] = s->cover[i] = 0;
		}
		for (i = 0; i < 4; i++)
			if (i == 0 || (it->has & (1 << (i - 1)))) {
				s->sum[i] += it->v[i] * w;
				s->cover[i] += w;
			}
		if (hi == k + d)
			close_bin(s);
	}
}

static void
resample_add(struct series *s, const struct item *it, int64_t spacing,
    int64_t step)
{
	if (opt.interval) {
		accumulate(s, it, it->t, it->t + opt.interval);
		return;
	}
	if (s->has_prev) {
		int64_t mg = opt.max_gap ? opt.max_gap : 2 * step;
		fx_time end = it->t;

		if (mg > 0 && spacing > mg)
			end = s->prev.t + (step ? step : mg);
		accumulate(s, &s->prev, s->prev.t, end);
	}
	s->prev = *it;
	s->has_prev = 1;
}

static void
resample_finish(struct series *s)
{
	int64_t d = opt.interval ? opt.interval : s->step ? s->step :
	    opt.resample;

	if (s->has_prev && !opt.interval)
		accumulate(s, &s->prev, s->prev.t, s->prev.t + d);
	s->has_prev = 0;
	close_bin(s);
}

/* A record leaves the ordering stage, in time order for its series. */
static void
release(struct series *s, const struct item *it)
{
	int64_t spacing = 0, step;

	if (s->kind == KIND_EXO) {
		s->last_out = it->t;
		s->has_out = 1;
		put_exo(s, it);
		return;
	}
	step = opt.interval ? opt.interval : s->step;
	if (s->has_out) {
		int64_t thr = opt.gap ? opt.gap : step + step / 2;

		spacing = it->t - s->last_out;
		if (thr > 0 && spacing > thr) {
			char d[64], ts[FX_TIME_MAX_TEXT];

			n_gaps++;
			if (!opt.quiet)
				fx_warn("%s: gap of %s before %s", s->id,
				    fmt_dur(spacing, d, sizeof d),
				    fmt_time(it->t, ts));
		}
	}
	if (opt.resample)
		resample_add(s, it, spacing, step);
	else
		put_reading(s, it);
	if (s->has_out && (s->step == 0 || spacing < s->step))
		s->step = spacing;
	s->last_out = it->t;
	s->has_out = 1;
}

static void
heap_push(struct series *s, const struct item *it)
{
	size_t i;

	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? 2 * s->capheap : 16;
		s->heap = fx_xrealloc(s->heap, s->capheap * sizeof *s->heap);
	}
	for (i = s->nheap++; i > 0; ) {
		size_t p = (i - 1) / 2;

		if (s->heap[p].t <= it->t)
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = *it;
}

static void
heap_pop(struct series *s, struct item *it)
{
	size_t i = 0, n = --s->nheap;
	struct item *h = s->heap;

	*it = h[0];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].t < h[c].t)
			c++;
		if (h[n].t <= h[c].t)
			break;
		h[i] = h[c];
		i = c;
	}
	if (n > 0)
		h[i] = h[n];
}

/*
 * The ordering stage: drops duplicates, rejects records older than what
 * was already released, and holds records for --reorder-window of event
 * time (per series) so that late ones can be put back in order.
 */
static void
offer(struct series *s, const struct item *it)
{
	struct item top;
	size_t i;

	if (s->has_out && it->t <= s->last_out) {
		char a[FX_TIME_MAX_TEXT], b[FX_TIME_MAX_TEXT], l[128];

		if (it->t == s->last_out) {
			n_dup++;
			return;
		}
		reject(R_ORDER, 1, "%s: out of order '%s' (already emitted "
		    "up to %s)", series_label(s, l, sizeof l),
		    fmt_time(it->t, a), fmt_time(s->last_out, b));
		return;
	}
	n_acc++;
	if (opt.window == 0) {
		release(s, it);
		return;
	}
	if (s->nheap > 0 && it->t <= s->hwm)
		for (i = 0; i < s->nheap; i++)
			if (s->heap[i].t == it->t) {
				n_acc--;
				n_dup++;
				return;
			}
	heap_push(s, it);
	if (s->nheap == 1 || it->t > s->hwm)
		s->hwm = it->t;
	while (s->nheap > 0 && s->heap[0].t <= s->hwm - opt.window) {
		heap_pop(s, &top);
		release(s, &top);
	}
}

static void
flush_series(fx_feeders *t)
{
	size_t i, n = fx_feeders_count(t);
	struct item top;

	for (i = 0; i < n; i++) {
		struct series *s = fx_feeders_state(t, i);

		while (s->nheap > 0) {
			heap_pop(s, &top);
			release(s, &top);
		}
		if (opt.resample && s->kind == KIND_READING)
			resample_finish(s);
	}
}

/* Values. */

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int
is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/*
 * Parses a decimal number (s is NUL-terminated at or after s[n]) and
 * converts it: *x the value, txt its JSON text - the input's own text when
 * it is a valid JSON number and no conversion applies, the exact decimal
 * result when the conversion is a short decimal, else the shortest
 * round-trip text.  Returns -1, or the reason it is not a number.
 */
static int
parse_num(const char *s, size_t n, const struct conv *cv, double *x,
    char *txt)
{
	const char *p, *e, *q;
	int json = 1, has_exp = 0;
	size_t nint, nfrac = 0;
	double v;

	trim(&s, &n);
	if (n == 0)
		return R_EMPTY;
	p = s;
	e = s + n;
	if (*p == '+' || *p == '-')
		json &= *p++ == '-';
	for (q = p; p < e && (unsigned)(*p - '0') <= 9; p++)
		;
	nint = (size_t)(p - q);
	if (nint == 0 || (nint > 1 && *q == '0'))
		json = 0;
	if (p < e && *p == '.') {
		for (q = ++p; p < e && (unsigned)(*p - '0') <= 9; p++)
			;
		nfrac = (size_t)(p - q);
		if (nfrac == 0)
			json = 0;
	}
	if (nint + nfrac == 0)
		goto nan;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		for (q = p; p < e && (unsigned)(*p - '0') <= 9; p++)
			;
		if (p == q)
			goto nan;
		has_exp = 1;
	}
	if (p != e)
		goto nan;
	v = strtod(s, NULL);
	if (!isfinite(v))
		return R_FINITE;	/* overflows a double */
	*x = cv->fahrenheit ? (v - 32) * 5 / 9 : v * cv->mul + cv->add;
	if (!isfinite(*x))
		return R_RANGE;
	if (cv->ident && json && n < NUMTXT) {
		memcpy(txt, s, n);
		txt[n] = '\0';
	} else if (cv->dec >= 0 && !has_exp && nfrac + (size_t)cv->dec <= 9) {
		scratch.len = 0;
		fx_buf_fixed(&scratch, *x, (int)nfrac + cv->dec);
		memcpy(txt, fx_buf_cstr(&scratch), scratch.len + 1);
	} else
		fx_fmt_num(txt, *x);
	return -1;
nan:
	if (*s == '+' || *s == '-')
		s++, n--;
	if (is_word(s, n, "nan") || is_word(s, n, "inf") ||
	    is_word(s, n, "infinity"))
		return R_FINITE;
	return R_NUMBER;
}

/* 0/1, true/false, yes/no, y/n, t/f.  Returns -1 and *v, or a reason. */
static int
parse_flag(const char *s, size_t n, unsigned char *v)
{
	static const char *const yes[] = { "1", "true", "yes", "y", "t" };
	static const char *const no[] = { "0", "false", "no", "n", "f" };
	size_t i;

	trim(&s, &n);
	if (n == 0)
		return R_EMPTY;
	for (i = 0; i < 5; i++) {
		if (is_word(s, n, yes[i]))
			return *v = 1, -1;
		if (is_word(s, n, no[i]))
			return *v = 0, -1;
	}
	return R_FLAG;
}

/* Bounds of the value columns, after conversion. */
static int
in_bounds(int c, double x, char *want, size_t n)
{
	double lo = -INFINITY, hi = INFINITY;

	switch (c) {
	case C_LOAD:
		lo = opt.min_kw, hi = opt.max_kw;
		break;
	case C_KVA:
		lo = 0, hi = fmax(fabs(opt.min_kw), fabs(opt.max_kw));
		break;
	case C_VOLT:
	case C_CUR:
		lo = 0;
		break;
	case C_TEMP:
		lo = -90, hi = 70;
		break;
	}
	if (x >= lo && x <= hi)
		return 1;
	if (isinf(hi))
		snprintf(want, n, "want >= %.15g", lo);
	else
		snprintf(want, n, "want %.15g to %.15g", lo, hi);
	return 0;
}

/*
 * Reads value column c of a row into it->v[slot] and it->txt[slot].
 * Returns 1 when set, 0 when an optional cell is empty, -1 after
 * rejecting it (label, if not NULL, names the feeder).
 */
static int
cell_num(const char *s, size_t n, int c, int slot, struct item *it,
    const char *label)
{
	char want[96];
	int r = parse_num(s, n, &opt.conv[c], &it->v[slot], it->txt[slot]);
	const char *pre = label ? label : "", *sep = label ? ": " : "";

	if (r == R_EMPTY && c != C_LOAD)
		return 0;
	if (r == R_EMPTY)
		reject(R_EMPTY, 1, "%s%s%s: empty", pre, sep, canon[c]);
	else if (r >= 0)
		reject((enum reason)r, 1, "%s%s%s: %s '%s'", pre, sep,
		    canon[c], reason_name[r], quote(s, n));
	else if (!in_bounds(c, it->v[slot], want, sizeof want)) {
		reject(R_RANGE, 1, "%s%s%s: out of range '%s' (%s)", pre, sep,
		    canon[c], quote(s, n), want);
		r = R_RANGE;
	} else
		return 1;
	return -1;
}

/* Times. */

static const char *
zone_name(void)
{
	return opt.tzname ? opt.tzname : "UTC";
}

/* Places a wall-clock reading in --tz; *last is the series' previous
 * time for --ambiguous infer. */
static int
resolve_local(fx_time local, const fx_time *last, int has_last, fx_time *t,
    const char *s, size_t n, unsigned long long nrec)
{
	fx_time c[2];

	if (!zone.set) {
		*t = local;
		return 0;
	}
	if (zone.tz == NULL) {
		*t = local - (fx_time)zone.fixed * 1000;
		return 0;
	}
	switch (fx_tz_resolve(zone.tz, local, c)) {
	case 0:
		reject(R_NOLOCAL, nrec, "timestamp: nonexistent local time "
		    "'%s' in %s", quote(s, n), zone_name());
		return -1;
	case 1:
		*t = c[0];
		return 0;
	}
	switch (opt.ambiguous) {
	case AMB_EARLIER:
		*t = c[0];
		break;
	case AMB_LATER:
		*t = c[1];
		break;
	case AMB_REJECT:
		reject(R_AMBIG, nrec, "timestamp: ambiguous local time '%s' "
		    "in %s", quote(s, n), zone_name());
		return -1;
	default:
		*t = has_last && c[0] <= *last ? c[1] : c[0];
	}
	return 0;
}

/* The time of a row: parsed, placed in its zone, moved to the start of
 * its interval.  Rejects nrec records on failure. */
static int
row_time(const char *s, size_t n, struct series *fs, fx_time *t,
    unsigned long long nrec)
{
	static char ctext[64];
	static size_t clen = SIZE_MAX;
	static fx_time cval;
	static int czoned;
	fx_time *last = fs ? &fs->last_in : &g_last_in;
	int *has_last = fs ? &fs->has_in : &g_has_in;
	const char *why;
	int zoned = 1;

	trim(&s, &n);
	if (opt.time_fmt != TF_ISO) {
		if (fx_time_parse_epoch(s, n, opt.time_fmt == TF_EPOCH_S ?
		    1000 : 1, t, &why) != 0) {
			reject(R_TIME, nrec, "timestamp: %s '%s'", why,
			    quote(s, n));
			return -1;
		}
	} else if (n == clen && memcmp(s, ctext, n) == 0) {
		*t = cval;
		zoned = czoned;
	} else {
		if (fx_time_parse(s, n, t, &zoned, &why) != 0) {
			reject(R_TIME, nrec, "timestamp: %s '%s'", why,
			    quote(s, n));
			return -1;
		}
		if (n < sizeof ctext) {
			memcpy(ctext, s, n);
			clen = n;
			cval = *t;
			czoned = zoned;
		}
	}
	if (!zoned && resolve_local(*t, last, *has_last, t, s, n, nrec) != 0)
		return -1;
	*last = *t;
	*has_last = 1;
	if (opt.stamp_end)
		*t -= opt.interval;
	return 0;
}

/* Rows: CSV rows and NDJSON objects mapped to columns. */

static struct series *
feeder_series(const char *id, size_t len)
{
	return series_get(readings, KIND_READING, id, len);
}

static void
ingest_exo(struct series *xs, char **f, size_t *fl, fx_time t)
{
	struct item it;
	int r, c;

	it.t = t;
	it.src = in.src;
	it.has = 0;
	it.dow = -1;
	it.holiday = it.event = 0;
	if (in.col[C_TEMP] >= 0) {
		c = in.col[C_TEMP];
		if ((r = cell_num(f[c], fl[c], C_TEMP, 0, &it, NULL)) < 0)
			return;
		if (r)
			it.has |= F_TEMP;
	}
	for (c = C_HOL; c <= C_EVENT; c++) {
		int k = in.col[c];
		unsigned char *v = c == C_HOL ? &it.holiday : &it.event;

		if (k < 0)
			continue;
		r = parse_flag(f[k], fl[k], v);
		if (r == R_FLAG) {
			reject(R_FLAG, 1, "%s: not a boolean '%s'", canon[c],
			    quote(f[k], fl[k]));
			return;
		}
		if (r < 0)
			it.has |= c == C_HOL ? F_HOL : F_EVENT;
	}
	if (it.has == 0) {
		reject(R_EMPTY, 1, "exo: every exogenous field is empty");
		return;
	}
	offer(xs, &it);
}

static void
ingest_row(char **f, size_t *fl, size_t nf)
{
	struct series *fs = NULL;
	struct item it;
	fx_time t;
	size_t i;
	int c, r;

	if (nf < in.need) {
		reject(R_COLUMNS, in.k, "too few columns (%zu, want %zu)", nf,
		    in.need);
		return;
	}
	if ((c = in.col[C_FEEDER]) >= 0) {
		const char *id = f[c];
		size_t len = fl[c];

		trim(&id, &len);
		if (len == 0) {
			reject(R_FEEDER, in.k, "feeder_id: empty");
			return;
		}
		fs = feeder_series(id, len);
	} else if (opt.feeder != NULL)
		fs = const_series;
	c = in.col[C_TIME];
	if (row_time(f[c], fl[c], in.nwide ? NULL : fs, &t, in.k) != 0)
		return;
	it.t = t;
	it.src = in.src;
	it.dow = -1;
	if (in.readings && in.nwide > 0) {
		for (i = 0; i < in.nwide; i++) {
			c = in.wide[i].col;
			it.has = 0;
			if (cell_num(f[c], fl[c], C_LOAD, 0, &it,
			    in.wide[i].s->id) > 0)
				offer(in.wide[i].s, &it);
		}
	} else if (in.readings) {
		it.has = 0;
		c = in.col[C_LOAD];
		if (cell_num(f[c], fl[c], C_LOAD, 0, &it, NULL) < 0)
			goto exo;
		for (i = 1; i < 4; i++) {
			if ((c = in.col[C_LOAD + i]) < 0)
				continue;
			r = cell_num(f[c], fl[c], C_LOAD + (int)i, (int)i, &it,
			    NULL);
			if (r < 0)
				goto exo;
			if (r > 0)
				it.has |= (unsigned char)(1 << (i - 1));
		}
		offer(fs, &it);
	}
exo:
	if (in.exo) {
		struct series *xs = global_exo;

		if (opt.exo_per_feeder) {
			if (fs->exo == NULL)
				fs->exo = series_get(exos, KIND_EXO, fs->id,
				    strlen(fs->id));
			xs = fs->exo;
		}
		ingest_exo(xs, f, fl, t);
	}
}

/* Columns. */

static void
names_clear(void)
{
	size_t i;

	for (i = 0; i < in.nnames; i++)
		free(in.names[i]);
	in.nnames = 0;
}

static void
names_add(const char *s, size_t n)
{
	if (in.nnames == in.capnames) {
		in.capnames = in.capnames ? 2 * in.capnames : 16;
		in.names = fx_xrealloc(in.names, in.capnames *
		    sizeof *in.names);
		in.nlen = fx_xrealloc(in.nlen, in.capnames * sizeof *in.nlen);
	}
	in.names[in.nnames] = fx_xstrndup(s, n);
	in.nlen[in.nnames++] = n;
}

/* The header's name matching spec exactly, else a 1-based position; in
 * NDJSON a new key.  -1 when absent, -2 for a bad position. */
static int
col_lookup(const char *spec, int header)
{
	size_t i, n = strlen(spec);
	long p;
	char *end;

	for (i = 0; i < in.nnames; i++)
		if (in.nlen[i] == n && memcmp(in.names[i], spec, n) == 0)
			return (int)i;
	if (in.addkeys) {
		names_add(spec, n);
		return (int)in.nnames - 1;
	}
	if (n == 0 || strspn(spec, "0123456789") != n)
		return -1;
	p = strtol(spec, &end, 10);
	if (p < 1 || p > 100000 || (header && (size_t)p > in.nnames))
		return -2;
	return (int)p - 1;
}

__attribute__((noreturn)) static void
no_column(const char *spec, const char *what, int header)
{
	char list[1024];
	size_t i, len = 0;

	list[0] = '\0';
	for (i = 0; i < in.nnames && len < sizeof list - 8; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
		    i ? ", " : "", quote(in.names[i], in.nlen[i]));
	if (len >= sizeof list - 8)
		snprintf(list + sizeof list - 8, 8, ", ...");
	if (header)
		fx_error("%s: no column '%s' for %s (columns: %s)", in.name,
		    spec, what, list);
	else
		fx_error("%s: no column '%s' for %s (no header: give a "
		    "position from 1)", in.name, spec, what);
	quit(FX_EXIT_USAGE);
}

static int
col_resolve(const char *spec, const char *what, int header)
{
	int i = col_lookup(spec, header);

	if (i < 0)
		no_column(spec, what, header);
	return i;
}

/*
 * Maps the options' columns onto this input's header (names, from a CSV
 * header or NDJSON keys, or none: positions).  Exits 2 when a column is
 * missing.
 */
static void
setup_columns(int header)
{
	size_t i, j;
	int c, ndjson = in.addkeys;

	for (c = 0; c < NCOL; c++) {
		in.col[c] = -1;
		if (opt.colspec[c] != NULL)
			in.col[c] = col_resolve(opt.colspec[c], colopt[c],
			    header);
		else if (header && !ndjson)
			in.col[c] = col_lookup(canon[c], 1);
		if (in.col[c] < -1)
			in.col[c] = -1;
	}
	in.readings = !opt.exo_only;
	free(in.wide);
	in.wide = NULL;
	in.nwide = 0;
	if (in.readings && (opt.nwide > 0 || opt.wide_all)) {
		in.wide = fx_xcalloc(opt.nwide + in.nnames + 1,
		    sizeof *in.wide);
		for (i = 0; i < opt.nwide; i++) {
			struct wide *w = &in.wide[in.nwide++];

			*w = opt.wide[i];
			w->col = col_resolve(w->spec, "--wide", header);
		}
		for (j = 0; opt.wide_all && j < in.nnames; j++) {
			for (c = 0; c < NCOL; c++)
				if (in.col[c] == (int)j && c != C_LOAD &&
				    c != C_KVA && c != C_VOLT && c != C_CUR)
					break;
			if (c == NCOL)
				in.wide[in.nwide++].col = (int)j;
		}
		for (i = 0; i < in.nwide; i++) {
			struct wide *w = &in.wide[i];
			const char *id = w->id;
			size_t len;

			if (id == NULL && header) {
				id = in.names[w->col];
				len = in.nlen[w->col];
			} else {
				if (id == NULL)
					id = w->spec;
				len = strlen(id);
			}
			w->s = feeder_series(id, len);
		}
		for (c = C_LOAD; c <= C_CUR; c++)
			in.col[c] = -1;
		if (opt.feeder == NULL && !opt.exo_per_feeder)
			in.col[C_FEEDER] = -1;
	}
	if (ndjson && in.col[C_TIME] < 0)
		in.col[C_TIME] = col_resolve(canon[C_TIME], "--time-col", 1);
	if (in.col[C_TIME] < 0) {
		if (header)
			no_column(canon[C_TIME], "--time-col", header);
		fx_error("no time column: give --time-col");
		quit(FX_EXIT_USAGE);
	}
	if (opt.feeder != NULL)
		in.col[C_FEEDER] = -1;
	else if ((in.readings && in.nwide == 0) || opt.exo_per_feeder) {
		if (ndjson && in.col[C_FEEDER] < 0)
			in.col[C_FEEDER] = col_resolve(canon[C_FEEDER],
			    "--feeder-col", 1);
		if (in.col[C_FEEDER] < 0) {
			if (header)
				no_column(canon[C_FEEDER], "--feeder-col", 1);
			fx_error("no feeder: give --feeder, --feeder-col or "
			    "--wide");
			quit(FX_EXIT_USAGE);
		}
	} else
		in.col[C_FEEDER] = -1;
	if (in.readings && in.nwide == 0) {
		if (ndjson && in.col[C_LOAD] < 0)
			in.col[C_LOAD] = col_resolve(canon[C_LOAD],
			    "--load-col", 1);
		if (in.col[C_LOAD] < 0) {
			if (header)
				no_column(canon[C_LOAD], "--load-col", 1);
			fx_error("no load column: give --load-col or --wide");
			quit(FX_EXIT_USAGE);
		}
	}
	if (!in.readings)
		for (c = C_LOAD; c <= C_CUR; c++)
			in.col[c] = -1;
	in.exo = in.col[C_TEMP] >= 0 || in.col[C_HOL] >= 0 ||
	    in.col[C_EVENT] >= 0;
	if (opt.exo_only && !in.exo) {
		fx_error("%s: --exo-only needs --temp-col, --holiday-col or "
		    "--event-col", in.name);
		quit(FX_EXIT_USAGE);
	}
	in.k = (in.readings ? (in.nwide ? in.nwide : 1) : 0) + (in.exo ? 1 : 0);
	in.need = 0;
	for (c = 0; c < NCOL; c++)
		if (in.col[c] >= 0 && (size_t)in.col[c] + 1 > in.need)
			in.need = (size_t)in.col[c] + 1;
	for (i = 0; i < in.nwide; i++)
		if ((size_t)in.wide[i].col + 1 > in.need)
			in.need = (size_t)in.wide[i].col + 1;
}

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

static int
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

static void
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

static void
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

/* Options. */

static int64_t
duration_arg(const char *s, const char *name, int zero_ok)
{
	int64_t ms;

	if (zero_ok && strcmp(s, "0") == 0)
		return 0;
	if (fx_duration_parse(s, &ms) != 0) {
		fx_error("bad duration '%s' for %s (want e.g. 900, 15m, 1h30m)",
		    s, name);
		exit(FX_EXIT_USAGE);
	}
	return ms;
}

static int
choice_arg(const char *s, const char *name, const char *const *choices)
{
	char list[128];
	size_t len = 0;
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(s, choices[i]) == 0)
			return i;
	for (i = 0; choices[i] != NULL; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
		    i ? ", " : "", choices[i]);
	fx_error("bad value '%s' for %s (want %s)", s, name, list);
	exit(FX_EXIT_USAGE);
}

static double
number_arg(const char *s, const char *name)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(x)) {
		fx_error("bad number '%s' for %s", s, name);
		exit(FX_EXIT_USAGE);
	}
	return x;
}

static void
wide_arg(char *s)
{
	char *tok, *eq;

	for (tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ",")) {
		struct wide *w;

		opt.wide = fx_xrealloc(opt.wide, (opt.nwide + 1) *
		    sizeof *opt.wide);
		w = &opt.wide[opt.nwide++];
		memset(w, 0, sizeof *w);
		w->spec = tok;
		if ((eq = strchr(tok, '=')) != NULL) {
			*eq = '\0';
			w->id = eq + 1;
			if (*w->id == '\0') {
				fx_error("empty feeder name in --wide '%s='",
				    tok);
				exit(FX_EXIT_USAGE);
			}
		}
		if (*tok == '\0') {
			fx_error("empty column in --wide");
			exit(FX_EXIT_USAGE);
		}
	}
}

/* Decimal places of x if it is a short decimal (at most 6), else -1. */
static int
decimals(double x)
{
	double p = 1;
	int d;

	for (d = 0; d <= 6; d++, p *= 10) {
		double r = x * p;

		if (fabs(r) < 1e15 && fabs(r - nearbyint(r)) <= 1e-9 *
		    fmax(1, fabs(r)))
			return d;
	}
	return -1;
}

static void
make_conv(int i, const char *name, const struct unit *u, const char *dflt)
{
	struct conv *cv = &opt.conv[i];
	const char *want = opt.unit[i] ? opt.unit[i] : dflt;
	char list[128];
	size_t len = 0;
	int j;

	for (j = 0; u[j].name != NULL; j++)
		if (strcmp(u[j].name, want) == 0)
			break;
	if (u[j].name == NULL) {
		for (j = 0; u[j].name != NULL; j++)
			len += (size_t)snprintf(list + len, sizeof list - len,
			    "%s%s", j ? ", " : "", u[j].name);
		fx_error("bad unit '%s' for %s (want %s)", want, name, list);
		exit(FX_EXIT_USAGE);
	}
	cv->mul = u[j].mul;
	cv->add = 0;
	if (u[j].energy) {
		if (opt.interval == 0) {
			fx_error("--unit %s is energy per interval: give "
			    "--interval", want);
			exit(FX_EXIT_USAGE);
		}
		cv->mul *= 3600000.0 / (double)opt.interval;
	}
	cv->dec = decimals(cv->mul);
	cv->ident = cv->mul == 1;
}

static void
make_temp_conv(void)
{
	static const char *const units[] = { "C", "F", "K", NULL };
	struct conv *cv = &opt.conv[C_TEMP];

	switch (opt.unit[C_TEMP] ? choice_arg(opt.unit[C_TEMP],
	    "--temp-unit", units) : 0) {
	case 0:
		*cv = (struct conv){ 1, 0, 0, 1, 0 };
		break;
	case 1:
		*cv = (struct conv){ 1, 0, -1, 0, 1 };
		break;
	default:
		*cv = (struct conv){ 1, -273.15, 2, 0, 0 };
	}
}

/* --tz: an IANA zone, or a fixed offset: +HH, +HHMM or +HH:MM. */
static void
open_zone(const char *name)
{
	const char *p = name + 1;
	char err[512];
	int h = -1, m = 0;

	zone.set = 1;
	if ((*name == '+' || *name == '-') && isdigit((unsigned char)p[0]) &&
	    isdigit((unsigned char)p[1])) {
		h = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)p[0]) &&
		    isdigit((unsigned char)p[1])) {
			m = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	if (h >= 0 && *p == '\0' && p[-1] != ':' && h <= 23 && m <= 59) {
		zone.fixed = (*name == '-' ? -1 : 1) * (h * 3600 + m * 60);
		return;
	}
	if ((zone.tz = fx_tz_open(name, err, sizeof err)) == NULL) {
		fx_error("--tz: %s", err);
		exit(FX_EXIT_USAGE);
	}
}

static void
load_config(void)
{
	char err[512];
	fx_config *cf = fx_config_load(opt.config, err, sizeof err);
	jv sec;
	double x;
	int rc;

	if (cf == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	sec = fx_config_section(cf, "ingest");
	if ((rc = fx_json_num(sec, "min_kw", &x)) > 0 && !opt.have_min)
		opt.min_kw = x;
	if (rc >= 0 && (rc = fx_json_num(sec, "max_kw", &x)) > 0 &&
	    !opt.have_max)
		opt.max_kw = x;
	if (rc < 0) {
		fx_error("%s: ingest: min_kw and max_kw must be numbers",
		    fx_config_path(cf));
		exit(FX_EXIT_USAGE);
	}
	jv_free(sec);
	fx_config_free(cf);
}

enum {
	O_AMBIGUOUS = 256, O_CURRENT_COL, O_CURRENT_UNIT, O_ERRORS_INLINE,
	O_EVENT_COL, O_EXO_ONLY, O_EXO_PER_FEEDER, O_FEEDER_COL, O_FORMAT,
	O_GAP, O_HOLIDAY_COL, O_INTERVAL, O_KVA_COL, O_KVA_UNIT, O_MAX_GAP,
	O_MAX_KW, O_MAX_LINE, O_MIN_KW, O_REJECT, O_REORDER, O_RESAMPLE,
	O_SOURCE, O_STAMP, O_STRICT, O_TEMP_COL, O_TEMP_UNIT, O_TIME_FORMAT,
	O_VOLTAGE_COL, O_VOLTAGE_UNIT, O_WIDE_ALL
};

static const struct option longopts[] = {
	{ "ambiguous", required_argument, NULL, O_AMBIGUOUS },
	{ "config", required_argument, NULL, 'c' },
	{ "current-col", required_argument, NULL, O_CURRENT_COL },
	{ "current-unit", required_argument, NULL, O_CURRENT_UNIT },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "errors-inline", no_argument, NULL, O_ERRORS_INLINE },
	{ "event-col", required_argument, NULL, O_EVENT_COL },
	{ "exo-only", no_argument, NULL, O_EXO_ONLY },
	{ "exo-per-feeder", no_argument, NULL, O_EXO_PER_FEEDER },
	{ "feeder", required_argument, NULL, 'f' },
	{ "feeder-col", required_argument, NULL, O_FEEDER_COL },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "gap", required_argument, NULL, O_GAP },
	{ "help", no_argument, NULL, 'h' },
	{ "holiday-col", required_argument, NULL, O_HOLIDAY_COL },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "kva-col", required_argument, NULL, O_KVA_COL },
	{ "kva-unit", required_argument, NULL, O_KVA_UNIT },
	{ "load-col", required_argument, NULL, 'l' },
	{ "max-gap", required_argument, NULL, O_MAX_GAP },
	{ "max-kw", required_argument, NULL, O_MAX_KW },
	{ "max-line", required_argument, NULL, O_MAX_LINE },
	{ "min-kw", required_argument, NULL, O_MIN_KW },
	{ "no-header", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "reject", required_argument, NULL, O_REJECT },
	{ "reorder-window", required_argument, NULL, O_REORDER },
	{ "resample", required_argument, NULL, O_RESAMPLE },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "stamp", required_argument, NULL, O_STAMP },
	{ "strict", no_argument, NULL, O_STRICT },
	{ "temp-col", required_argument, NULL, O_TEMP_COL },
	{ "temp-unit", required_argument, NULL, O_TEMP_UNIT },
	{ "time-col", required_argument, NULL, 't' },
	{ "time-format", required_argument, NULL, O_TIME_FORMAT },
	{ "tz", required_argument, NULL, 'z' },
	{ "unit", required_argument, NULL, 'u' },
	{ "voltage-col", required_argument, NULL, O_VOLTAGE_COL },
	{ "voltage-unit", required_argument, NULL, O_VOLTAGE_UNIT },
	{ "wide", required_argument, NULL, 'w' },
	{ "wide-all", no_argument, NULL, O_WIDE_ALL },
	{ NULL, 0, NULL, 0 }
};

static void
parse_options(int argc, char **argv)
{
	static const char *const formats[] = { "auto", "csv", "ndjson", NULL };
	static const char *const tfmts[] = { "iso", "epoch-s", "epoch-ms",
	    NULL };
	static const char *const ambs[] = { "infer", "earlier", "later",
	    "reject", NULL };
	static const char *const stamps[] = { "start", "end", NULL };
	const char *gap = NULL, *max_gap = NULL, *interval = NULL;
	int ch;

	opt.min_kw = -1e6;
	opt.max_kw = 1e6;
	while ((ch = getopt_long(argc, argv, "c:d:f:hl:nqt:u:w:z:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': opt.config = optarg; break;
		case 'd':
			if (strcmp(optarg, "tab") == 0 ||
			    strcmp(optarg, "\\t") == 0)
				opt.delim = '\t';
			else if (strlen(optarg) == 1 && *optarg != '"' &&
			    *optarg != '\n' && *optarg != '\r')
				opt.delim = (unsigned char)*optarg;
			else {
				fx_error("bad delimiter '%s' (want one "
				    "character or 'tab')", optarg);
				exit(FX_EXIT_USAGE);
			}
			break;
		case 'f': opt.feeder = optarg; break;
		case 'h': usage(FX_EXIT_OK); break;
		case 'l': opt.colspec[C_LOAD] = optarg; break;
		case 'n': opt.header = 0; break;
		case 'q': opt.quiet = 1; break;
		case 't': opt.colspec[C_TIME] = optarg; break;
		case 'u': opt.unit[C_LOAD] = optarg; break;
		case 'w': wide_arg(optarg); break;
		case 'z': opt.tzname = optarg; break;
		case O_AMBIGUOUS:
			opt.ambiguous = choice_arg(optarg, "--ambiguous", ambs);
			break;
		case O_CURRENT_COL: opt.colspec[C_CUR] = optarg; break;
		case O_CURRENT_UNIT: opt.unit[C_CUR] = optarg; break;
		case O_ERRORS_INLINE: opt.errors_inline = 1; break;
		case O_EVENT_COL: opt.colspec[C_EVENT] = optarg; break;
		case O_EXO_ONLY: opt.exo_only = 1; break;
		case O_EXO_PER_FEEDER: opt.exo_per_feeder = 1; break;
		case O_FEEDER_COL: opt.colspec[C_FEEDER] = optarg; break;
		case O_FORMAT:
			opt.format = choice_arg(optarg, "--format", formats);
			break;
		case O_GAP: gap = optarg; break;
		case O_HOLIDAY_COL: opt.colspec[C_HOL] = optarg; break;
		case O_INTERVAL: interval = optarg; break;
		case O_KVA_COL: opt.colspec[C_KVA] = optarg; break;
		case O_KVA_UNIT: opt.unit[C_KVA] = optarg; break;
		case O_MAX_GAP: max_gap = optarg; break;
		case O_MAX_KW:
			opt.max_kw = number_arg(optarg, "--max-kw");
			opt.have_max = 1;
			break;
		case O_MAX_LINE:
			opt.max_line = (size_t)number_arg(optarg, "--max-line");
			if (opt.max_line < 16 || opt.max_line > (1UL << 30)) {
				fx_error("--max-line: want 16 to 1073741824");
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_MIN_KW:
			opt.min_kw = number_arg(optarg, "--min-kw");
			opt.have_min = 1;
			break;
		case O_REJECT: opt.reject = optarg; break;
		case O_REORDER:
			opt.window = duration_arg(optarg, "--reorder-window", 1);
			break;
		case O_RESAMPLE:
			opt.resample = duration_arg(optarg, "--resample", 0);
			break;
		case O_SOURCE: opt.source = optarg; break;
		case O_STAMP:
			opt.stamp_end = choice_arg(optarg, "--stamp", stamps);
			break;
		case O_STRICT: opt.strict = 1; break;
		case O_TEMP_COL: opt.colspec[C_TEMP] = optarg; break;
		case O_TEMP_UNIT: opt.unit[C_TEMP] = optarg; break;
		case O_TIME_FORMAT:
			opt.time_fmt = choice_arg(optarg, "--time-format",
			    tfmts);
			break;
		case O_VOLTAGE_COL: opt.colspec[C_VOLT] = optarg; break;
		case O_VOLTAGE_UNIT: opt.unit[C_VOLT] = optarg; break;
		case O_WIDE_ALL: opt.wide_all = 1; break;
		default: usage(FX_EXIT_USAGE);
		}
	}
	if (interval)
		opt.interval = duration_arg(interval, "--interval", 0);
	if (gap)
		opt.gap = duration_arg(gap, "--gap", 0);
	if (max_gap)
		opt.max_gap = duration_arg(max_gap, "--max-gap", 0);
}

static void
check_options(void)
{
	int wide = opt.nwide > 0 || opt.wide_all;
	const char *bad = NULL;

	if (opt.feeder && opt.colspec[C_FEEDER])
		bad = "--feeder and --feeder-col exclude each other";
	else if (opt.feeder && *opt.feeder == '\0')
		bad = "--feeder: empty feeder id";
	else if (wide && opt.exo_only)
		bad = "--wide and --exo-only exclude each other";
	else if (wide && (opt.feeder || opt.colspec[C_FEEDER] ||
	    opt.colspec[C_LOAD] || opt.colspec[C_KVA] || opt.colspec[C_VOLT] ||
	    opt.colspec[C_CUR]))
		bad = "--wide makes one feeder of each column: no --feeder, "
		    "--feeder-col, --load-col, --kva-col, --voltage-col or "
		    "--current-col";
	else if (wide && opt.exo_per_feeder)
		bad = "--exo-per-feeder needs one feeder per row (--feeder or "
		    "--feeder-col), not --wide";
	else if (opt.wide_all && !opt.header)
		bad = "--wide-all needs a header";
	else if (opt.stamp_end && opt.interval == 0)
		bad = "--stamp end needs --interval";
	else if (opt.min_kw >= opt.max_kw)
		bad = "--min-kw must be below --max-kw";
	else if (opt.max_gap && !opt.resample)
		bad = "--max-gap needs --resample";
	if (bad != NULL) {
		fx_error("%s", bad);
		exit(FX_EXIT_USAGE);
	}
}

static void
summary(void)
{
	char why[512];
	size_t len = 0;
	int r;

	why[0] = '\0';
	for (r = 0; r < NREASON; r++)
		if (n_reason[r] > 0)
			len += (size_t)snprintf(why + len, sizeof why - len,
			    "%s%llu %s", len ? ", " : "; rejected: ",
			    n_reason[r], reason_name[r]);
	fprintf(stderr, "%s: %llu rows read, %llu records: %llu accepted, "
	    "%llu rejected, %llu duplicates; %llu written, %llu gaps%s\n",
	    PROG, n_rows, n_in, n_acc, n_rej, n_dup, n_out, n_gaps, why);
}

/*
 * fx-ingest: each input file (or standard input) in turn, CSV or NDJSON,
 * through column mapping, validation, ordering, deduplication and
 * optional resampling, to reading and exo records on standard output;
 * errors and the summary on standard error.
 */
int
main(int argc, char **argv)
{
	int i;

	fx_err_init(PROG);
	parse_options(argc, argv);
	load_config();
	check_options();
	make_conv(C_LOAD, "--unit", load_units, "kW");
	make_conv(C_KVA, "--kva-unit", kva_units, "kVA");
	make_conv(C_VOLT, "--voltage-unit", volt_units, "V");
	make_conv(C_CUR, "--current-unit", cur_units, "A");
	make_temp_conv();
	if (opt.tzname != NULL)
		open_zone(opt.tzname);
	out = fx_writer_new(1, 0);
	if (opt.reject != NULL) {
		int fd = open(opt.reject, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0666);

		if (fd < 0) {
			fx_error("%s: %s", opt.reject, strerror(errno));
			exit(FX_EXIT_FAIL);
		}
		rejw = fx_writer_new(fd, 0);
	}
	readings = fx_feeders_new(sizeof(struct series), free_series);
	exos = fx_feeders_new(sizeof(struct series), free_series);
	sources = fx_feeders_new(sizeof(struct source), free_source);
	global_exo = series_get(exos, KIND_EXO, "", 0);
	if (opt.feeder != NULL)
		const_series = feeder_series(opt.feeder, strlen(opt.feeder));
	argc -= optind;
	argv += optind;
	for (i = 0; i < (argc ? argc : 1); i++) {
		const char *path = argc ? argv[i] : "-";
		const char *base = strrchr(path, '/');

		in.src = source_get(opt.source ? opt.source :
		    strcmp(path, "-") == 0 ? "stdin" : base ? base + 1 : path);
		if (input_format(path) == FMT_NDJSON)
			ingest_ndjson(path);
		else
			ingest_csv(path);
	}
	in.name = NULL;
	in.line = 0;
	flush_series(readings);
	flush_series(exos);
	finish_outputs();
	if (isatty(2) && !opt.quiet && n_rows >= 0x100000)
		fputc('\n', stderr);
	if (n_in != n_acc + n_rej + n_dup) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_acc + n_rej + n_dup);
		status = FX_EXIT_FAIL;
	}
	if (!opt.quiet)
		summary();
	names_clear();
	free(in.names);
	free(in.nlen);
	free(in.wide);
	free(opt.wide);
	fx_feeders_free(readings);
	fx_feeders_free(exos);
	fx_feeders_free(sources);
	fx_tz_close(zone.tz);
	fx_buf_free(&ob);
	fx_buf_free(&scratch);
	return status;
}
