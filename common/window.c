/* window.c - see window.h */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "window.h"

struct fx_window_reading {
	int64_t t;
	double x;
};

#define MIN_CAP 8
#define MAX_CAP ((size_t)1 << 31)	/* deques hold 32-bit sequence numbers */

/*
 * When to rebuild the power sums from the ring (see maintain()).  The
 * central moments come from the sums by expanding (d - a)^k, a being the
 * mean of the deviations d; the terms cancel, and the error grows like
 * ((|a| + sd) / sd)^k ulps.  Keeping |a| <= sd bounds that by 16.  A
 * linear ramp moves the mean 3.5 sd per window length, so it costs a
 * rebuild every 0.3 window, 3.5 readings' work per reading.
 */
#define SHIFT_LIMIT 1.0		/* rebuild when a^2 > m_2 */
#define PEAK_LIMIT 1024.0	/* ... when the spread fell 1024-fold */
#define SCALE_HI 0x1p100	/* ... when the scaled spread left 2^+-100 */
#define SCALE_LO 0x1p-100
#define EXP_LIMIT 1000		/* 2^+-e stays finite and normal */

static int64_t
width_of(const fx_window *w)
{
	return w->width_ms ? w->width_ms : FX_WINDOW_DEFAULT_MS;
}

/* Whether a reading at t <= now is out of the window ending at now, i.e.
 * t <= now - width, computed without overflow for any int64_t times. */
static int
expired(int64_t t, int64_t now, int64_t width)
{
	return (uint64_t)now - (uint64_t)t >= (uint64_t)width;
}

static double
x_at(const fx_window *w, uint64_t seq)
{
	return w->ring[seq & (w->cap - 1)].x;
}

static double
window_max(const fx_window *w)
{
	return x_at(w, w->maxq[w->maxq_head]);
}

static double
window_min(const fx_window *w)
{
	return x_at(w, w->minq[w->minq_head]);
}

/*
 * Neumaier's compensated summation: *sum + *comp carries the exact running
 * sum to about one rounding of the current total, whatever cancelled
 * before; adding v and later -v leaves no trace of v beyond that.
 */
static void
neumaier_add(double *sum, double *comp, double v)
{
	double s = *sum, t = s + v;

	if (fabs(s) >= fabs(v))
		*comp += (s - t) + v;
	else
		*comp += (v - t) + s;
	*sum = t;
}

/* Adds (sign 1) or removes (sign -1) the powers of a scaled deviation d.
 * Both directions compute the same products, so they cancel exactly. */
static void
accumulate(fx_window *w, double d, double sign)
{
	double d2 = d * d;

	neumaier_add(&w->sum[0], &w->comp[0], sign * d);
	neumaier_add(&w->sum[1], &w->comp[1], sign * d2);
	neumaier_add(&w->sum[2], &w->comp[2], sign * (d2 * d));
	neumaier_add(&w->sum[3], &w->comp[3], sign * (d2 * d2));
}

static double
deviation(const fx_window *w, double x)
{
	return (x - w->shift) * w->scale;
}

static void
zero_sums(fx_window *w)
{
	memset(w->sum, 0, sizeof w->sum);
	memset(w->comp, 0, sizeof w->comp);
	w->peak = 0;
	w->removed = 0;
}

/*
 * Recomputes the power sums exactly from the ring about a new shift K (the
 * mean) and scale 2^-e (so the largest |x - K| scales into [0.5, 1)).
 * O(count).  A flat window keeps the old scale: its spread says nothing.
 */
static void
rebuild(fx_window *w)
{
	double sum = 0, comp = 0, lo, hi, k, spread;
	size_t i;
	int e;

	zero_sums(w);
	if (w->count == 0)
		return;
	for (i = 0; i < w->count; i++)
		neumaier_add(&sum, &comp, x_at(w, w->head + i));
	lo = window_min(w);
	hi = window_max(w);
	k = (sum + comp) / (double)w->count;
	k = k < lo ? lo : k > hi ? hi : k;
	spread = fmax(hi - k, k - lo);
	if (spread > 0) {
		frexp(spread, &e);
		e = e < -EXP_LIMIT ? -EXP_LIMIT : e > EXP_LIMIT ? EXP_LIMIT : e;
		w->scale = ldexp(1, -e);
		w->unscale = ldexp(1, e);
	}
	w->shift = k;
	for (i = 0; i < w->count; i++)
		accumulate(w, deviation(w, x_at(w, w->head + i)), 1);
	w->peak = spread * w->scale;
}

/*
 * After any change: rebuilds the sums on schedule (once per `count`
 * removals, which bounds the drift of compensated sums and refreshes K) or
 * as soon as their accuracy is at risk.  Each test is O(1).
 */
static void
maintain(fx_window *w)
{
	double lo, hi, spread, n, a, m2;

	if (w->count == 0 || w->removed >= w->count) {
		rebuild(w);
		return;
	}
	lo = window_min(w);
	hi = window_max(w);
	spread = fmax(hi - w->shift, w->shift - lo) * w->scale;
	/* The spread shrank far below what the sums once held (a spike or a
	 * step left), or the scale no longer fits: 4th powers would lose
	 * digits to the old magnitudes, overflow or underflow. */
	if (spread > SCALE_HI || (spread > 0 && spread < SCALE_LO) ||
	    w->peak > PEAK_LIMIT * spread) {
		rebuild(w);
		return;
	}
	if (lo == hi)
		return;		/* flat: fx_window_stats_get() is exact */
	n = (double)w->count;
	a = (w->sum[0] + w->comp[0]) / n;
	m2 = (w->sum[1] + w->comp[1]) / n - a * a;
	if (!(m2 > 0) || a * a > SHIFT_LIMIT * m2)
		rebuild(w);
}

static void
drop_oldest(fx_window *w)
{
	size_t mask = w->cap - 1;
	uint32_t seq = (uint32_t)w->head;

	if (w->maxq[w->maxq_head] == seq) {
		w->maxq_head = (w->maxq_head + 1) & mask;
		w->maxq_len--;
	}
	if (w->minq[w->minq_head] == seq) {
		w->minq_head = (w->minq_head + 1) & mask;
		w->minq_len--;
	}
	accumulate(w, deviation(w, x_at(w, w->head)), -1);
	w->head++;
	w->count--;
	w->removed++;
}

static void
expire(fx_window *w)
{
	int64_t width = width_of(w);

	while (w->count > 0 &&
	    expired(w->ring[w->head & (w->cap - 1)].t, w->now_ms, width))
		drop_oldest(w);
}

/* Doubles the block, laying each reading out at its sequence number
 * modulo the new size and the deques from slot 0. */
static void
grow(fx_window *w)
{
	size_t cap = w->cap ? 2 * w->cap : MIN_CAP;
	size_t omask = w->cap - 1, mask = cap - 1, i;
	struct fx_window_reading *ring;
	uint32_t *maxq, *minq;

	if (cap > MAX_CAP)
		fx_die(FX_EXIT_FAIL, "window: more than %zu readings", MAX_CAP);
	ring = fx_xmalloc(cap * (sizeof *ring + 2 * sizeof *maxq));
	maxq = (uint32_t *)(ring + cap);
	minq = maxq + cap;
	for (i = 0; i < w->count; i++)
		ring[(w->head + i) & mask] = w->ring[(w->head + i) & omask];
	for (i = 0; i < w->maxq_len; i++)
		maxq[i] = w->maxq[(w->maxq_head + i) & omask];
	for (i = 0; i < w->minq_len; i++)
		minq[i] = w->minq[(w->minq_head + i) & omask];
	free(w->ring);
	w->ring = ring;
	w->maxq = maxq;
	w->minq = minq;
	w->maxq_head = w->minq_head = 0;
	w->cap = cap;
}

void
fx_window_init(fx_window *w, int64_t width_ms)
{
	if (width_ms <= 0)
		fx_die(FX_EXIT_FAIL, "window width %lld ms is not positive",
		    (long long)width_ms);
	memset(w, 0, sizeof *w);
	w->width_ms = width_ms;
}

void
fx_window_clear(fx_window *w)
{
	int64_t width = w->width_ms;

	free(w->ring);
	memset(w, 0, sizeof *w);
	w->width_ms = width;
}

fx_window *
fx_window_new(int64_t width_ms)
{
	fx_window *w = fx_xmalloc(sizeof *w);

	fx_window_init(w, width_ms);
	return w;
}

void
fx_window_free(fx_window *w)
{
	if (w == NULL)
		return;
	free(w->ring);
	free(w);
}

int
fx_window_push(fx_window *w, int64_t t_ms, double x)
{
	uint64_t seq;
	size_t mask;
	double d;

	if (!isfinite(x) || fabs(x) > FX_WINDOW_MAX_ABS)
		return -1;
	if (w->has_last && t_ms < w->last_t)
		return -1;
	if (w->has_now && t_ms < w->now_ms &&
	    expired(t_ms, w->now_ms, width_of(w)))
		return -1;
	if (!w->has_now || t_ms > w->now_ms) {
		w->now_ms = t_ms;
		w->has_now = 1;
		expire(w);
	}
	if (w->count == w->cap)
		grow(w);
	if (w->count == 0) {
		/* A new run: centre on the first reading, keep the scale. */
		zero_sums(w);
		w->shift = x;
		if (w->scale == 0)
			w->scale = w->unscale = 1;
	}
	mask = w->cap - 1;
	seq = w->head + w->count++;
	w->ring[seq & mask].t = t_ms;
	w->ring[seq & mask].x = x;

	while (w->maxq_len > 0 && x_at(w,
	    w->maxq[(w->maxq_head + w->maxq_len - 1) & mask]) <= x)
		w->maxq_len--;
	w->maxq[(w->maxq_head + w->maxq_len++) & mask] = (uint32_t)seq;
	while (w->minq_len > 0 && x_at(w,
	    w->minq[(w->minq_head + w->minq_len - 1) & mask]) >= x)
		w->minq_len--;
	w->minq[(w->minq_head + w->minq_len++) & mask] = (uint32_t)seq;

	d = deviation(w, x);
	accumulate(w, d, 1);
	w->peak = fmax(w->peak, fabs(d));
	w->last_t = t_ms;
	w->has_last = 1;
	maintain(w);
	return 0;
}

void
fx_window_advance(fx_window *w, int64_t now_ms)
{
	if (w->has_now && now_ms <= w->now_ms)
		return;
	w->now_ms = now_ms;
	w->has_now = 1;
	if (w->count > 0) {
		expire(w);
		maintain(w);
	}
}

size_t
fx_window_count(const fx_window *w)
{
	return w->count;
}

int64_t
fx_window_width(const fx_window *w)
{
	return width_of(w);
}

void
fx_window_stats_get(const fx_window *w, fx_window_stats *s)
{
	double n, lo, hi, a, q2, q3, q4, m2, m3, m4, s2, sd_pop;

	memset(s, 0, sizeof *s);
	if (w->count == 0)
		return;
	s->count = w->count;
	s->first_t = w->ring[w->head & (w->cap - 1)].t;
	s->last_t = w->ring[(w->head + w->count - 1) & (w->cap - 1)].t;
	s->min = lo = window_min(w);
	s->max = hi = window_max(w);
	s->kurtosis = 3;
	if (lo == hi) {
		s->mean = lo;
		s->rms = fabs(lo);
		s->crest_factor = lo != 0;
		return;
	}

	n = (double)w->count;
	a = (w->sum[0] + w->comp[0]) / n;
	q2 = (w->sum[1] + w->comp[1]) / n;
	q3 = (w->sum[2] + w->comp[2]) / n;
	q4 = (w->sum[3] + w->comp[3]) / n;
	/* Central moments of the scaled deviations; maintain() keeps a
	 * within 1 sd of 0, so these lose at most ~4 bits. */
	m2 = q2 - a * a;
	m3 = q3 - a * (3 * q2 - 2 * a * a);
	m4 = q4 - a * (4 * q3 - a * (6 * q2 - 3 * a * a));

	s->mean = w->shift + a * w->unscale;
	s->mean = s->mean < lo ? lo : s->mean > hi ? hi : s->mean;
	if (m2 > 0) {
		/* m_4 >= m_2^2 for any data; hold it against rounding. */
		m4 = fmax(m4, m2 * m2);
		s2 = m2 * (n / (n - 1));
		s->variance_pop = m2 * w->unscale * w->unscale;
		s->variance = s2 * w->unscale * w->unscale;
		s->sd = sqrt(s2) * w->unscale;
		s->skew = m3 / (s2 * sqrt(s2));
		s->kurtosis = m4 / (s2 * s2);
		s->kurtosis_excess = s->kurtosis - 3;
	}
	/* rms^2 = mean^2 + m_2; hypot neither overflows nor underflows. */
	sd_pop = m2 > 0 ? sqrt(m2) * w->unscale : 0;
	s->rms = hypot(s->mean, sd_pop);
	s->crest_factor = fmax(fabs(lo), fabs(hi)) / s->rms;
	s->crest_factor = s->crest_factor < 1 ? 1 :
	    s->crest_factor > sqrt(n) ? sqrt(n) : s->crest_factor;
}
