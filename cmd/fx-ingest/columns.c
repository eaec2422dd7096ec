/* fx-ingest: values, times, rows and the mapping of columns to fields. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "timeutil.h"

#include "ingest.h"

const char *const canon[NCOL] = { "load_kw", "kva", "voltage_v",
    "current_a", "temperature_c", "holiday_flag", "event_flag", "timestamp",
    "feeder_id" };
static const char *const colopt[NCOL] = { "--load-col", "--kva-col",
    "--voltage-col", "--current-col", "--temp-col", "--holiday-col",
    "--event-col", "--time-col", "--feeder-col" };

static fx_time g_last_in;
static int g_has_in;

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
int
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
int
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

struct series *
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

void
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

void
names_clear(void)
{
	size_t i;

	for (i = 0; i < in.nnames; i++)
		free(in.names[i]);
	in.nnames = 0;
}

void
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
void
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
