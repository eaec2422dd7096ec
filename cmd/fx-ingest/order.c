/* fx-ingest: sources and series, the ordering stage, resampling and output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "feeders.h"
#include "ndjson.h"
#include "timeutil.h"

#include "ingest.h"

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
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

/* Sources: interned, each with its pre-rendered record ending. */
void
free_source(void *p)
{
	free(((struct source *)p)->suffix);
}

const struct source *
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

void
free_series(void *p)
{
	struct series *s = p;

	free(s->head);
	free(s->heap);
}

struct series *
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
void
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

void
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
