/*
 * window.h - rolling statistics over a sliding time window.
 *
 * A window holds the readings (t, x) of one series - one feeder's load,
 * say - whose time t (milliseconds, as fx_time) lies in (now - width, now],
 * where now is the latest time the window has been given by
 * fx_window_push() or fx_window_advance().  A reading at t is dropped once
 * now - t >= width.  The window is by time, not by count: irregular
 * spacing needs nothing special, readings may share a timestamp, and a gap
 * of width or more empties it.
 *
 * Cost.  The statistics of the current contents are available after every
 * update in O(1) (fx_window_stats_get), and each reading costs O(1)
 * amortised to add and later to drop.  The window keeps its readings in a
 * ring, min and max in monotonic deques, and the first four moments as
 * compensated (Neumaier) sums of powers of (x - K) * 2^-e, K and e being a
 * shift near the mean and a power-of-two scale near the spread.  A reading
 * adds and later subtracts bit-identical terms, so nothing of a departed
 * spike is left behind.  The sums are rebuilt exactly from the ring, with a
 * fresh K and e, every `count` removals and at once whenever they could
 * lose accuracy: the mean has moved more than one standard deviation from
 * K, the spread has shrunk 1024-fold since the sums were built, or the
 * scale is 2^100 off.  A rebuild is O(count): on stationary or stepping
 * data that comes to one reading's work per reading, on a random walk 2,
 * on a linear ramp 3.5, and on data whose level grows or decays by a
 * factor F within one window about log3(F) (a 10-fold trend: 2).
 *
 * Accuracy.  The unit tests hold every statistic to GSL's batch functions
 * on the same readings within 1e-9 relative on random, constant,
 * near-constant (1e6 + 1e-3 noise), spiky, drifting, stepping and gapped
 * streams of up to 1e6 readings; a mean, skew or kurtosis near zero is
 * measured against the data's scale instead (see test/unit/test_window.c).
 * Worst seen: 4e-11 for skew and kurtosis, 2e-12 for the mean, 1e-15 for
 * variance, sd, rms and crest factor.  min and max are exact, and so is
 * every statistic of a window whose readings are all equal.
 *
 * Memory: one block per window of 24 bytes a slot, a power of two of
 * slots (at least 8), doubled as needed to hold the largest count seen
 * and kept until fx_window_clear() or fx_window_free().  Every allocation
 * exits 1 on out of memory (fx_xmalloc).
 */
#ifndef FX_WINDOW_H
#define FX_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* The width of a zero-filled window: 15 minutes. */
#define FX_WINDOW_DEFAULT_MS (15 * 60 * 1000LL)

/*
 * The largest |x| fx_window_push() accepts.  It keeps every statistic,
 * the variance included, finite: with |x| <= 1e150 the variance is below
 * 4e300.
 */
#define FX_WINDOW_MAX_ABS 1e150

struct fx_window_reading;

/*
 * A window.  It is meant to be embedded, e.g. in a per-feeder state block
 * from fx_feeders_get(): an all-zero fx_window (a zeroed block, or
 * `fx_window w = {0};`) is a valid empty window of FX_WINDOW_DEFAULT_MS;
 * fx_window_init() gives it another width.  A window that has held
 * readings owns memory: release it with fx_window_clear() (from the
 * fx_feeders free_state callback, for instance).  Windows are
 * independent; one window must not be used from two threads at once.
 *
 * The fields are private to window.c; read a window only through the
 * functions below.
 */
typedef struct fx_window {
	int64_t width_ms;	/* 0: FX_WINDOW_DEFAULT_MS */
	int64_t now_ms;		/* end of the window, once has_now */
	int64_t last_t;		/* time of the latest reading, once has_last */
	int has_now, has_last;
	struct fx_window_reading *ring;	/* readings oldest first, from head */
	uint32_t *maxq, *minq;	/* monotonic deques (low 32 bits of seqs) */
	size_t cap;		/* slots in ring, maxq and minq: 0 or 2^k */
	uint64_t head;		/* sequence number of the oldest reading */
	size_t count;		/* readings held */
	size_t maxq_head, maxq_len, minq_head, minq_len;
	double shift;		/* K */
	double scale, unscale;	/* 2^-e and 2^e; 0 before the first push */
	double sum[4], comp[4];	/* sum of ((x - K) * 2^-e)^k, k = 1..4, and
				 * the Neumaier compensation of each */
	double peak;		/* max |x - K| * 2^-e added since the rebuild */
	size_t removed;		/* readings dropped since the rebuild */
} fx_window;

/*
 * Makes w an empty window of width_ms milliseconds, forgetting whatever it
 * held without freeing it: call it on zeroed or cleared memory only.
 * width_ms must be > 0 (fx_duration_parse() never yields less); a width
 * <= 0 is a programming error and exits 1 with a message.
 */
void fx_window_init(fx_window *w, int64_t width_ms);

/*
 * Releases the memory w owns and empties it; its width stays.  w is then
 * ready for reuse as a new series: the ordering of fx_window_push() starts
 * afresh.  Does nothing to a window that never held a reading.
 */
void fx_window_clear(fx_window *w);

/* A heap-allocated empty window (exits 1 on out of memory, or on a width
 * <= 0 as fx_window_init); fx_window_free() releases it and its memory.
 * fx_window_free(NULL) does nothing. */
fx_window *fx_window_new(int64_t width_ms);
void fx_window_free(fx_window *w);

/*
 * Adds the reading x at time t_ms, first moving the window's end to t_ms
 * if that is later (dropping readings with t <= t_ms - width).  Readings
 * must come in time order; equal times are fine.  Returns 0, or -1 and
 * changes nothing when x is not finite or |x| > FX_WINDOW_MAX_ABS, when
 * t_ms is earlier than the last reading pushed, or when t_ms is already
 * outside the window (t_ms <= now - width after fx_window_advance() moved
 * now on).  A reading with t_ms in (now - width, now) - late but inside -
 * is accepted and the end stays at now.
 */
int fx_window_push(fx_window *w, int64_t t_ms, double x);

/*
 * Moves the window's end to now_ms, dropping readings with
 * t <= now_ms - width, without adding one: the clock has moved and no
 * reading came.  The end never moves back: a now_ms at or before the
 * current end does nothing.
 */
void fx_window_advance(fx_window *w, int64_t now_ms);

/* Readings in the window, and its width in milliseconds. */
size_t fx_window_count(const fx_window *w);
int64_t fx_window_width(const fx_window *w);

/*
 * The statistics of the readings in a window.  With n = count, the mean
 * m = (1/n) sum x, the central moments m_k = (1/n) sum (x - m)^k (1/n:
 * population) and the sample variance s^2 = sum (x - m)^2 / (n - 1):
 *
 *   mean             m                                 gsl_stats_mean
 *   variance         s^2, the sample (n - 1) variance  gsl_stats_variance
 *   variance_pop     m_2 = s^2 (n - 1) / n             gsl_stats_variance_
 *                                                        with_fixed_mean(x, m)
 *   sd               s                                 gsl_stats_sd
 *   rms              sqrt((1/n) sum x^2)
 *   skew             m_3 / s^3                         gsl_stats_skew
 *   kurtosis_excess  m_4 / s^4 - 3                     gsl_stats_kurtosis
 *   kurtosis         m_4 / s^4 (kurtosis_excess + 3)
 *   min, max         the least and greatest x          gsl_stats_min, _max
 *   crest_factor     max(|min|, |max|) / rms
 *
 * As in GSL, skew and kurtosis average over n but normalise by the SAMPLE
 * standard deviation s: they are neither the population g1 = m_3/m_2^1.5,
 * b2 = m_4/m_2^2 nor the bias-adjusted G1, G2.  Convert with
 * g1 = skew (n/(n-1))^1.5 and b2 = kurtosis (n/(n-1))^2.
 *
 * Degenerate windows get defined values where GSL returns NaN, so no field
 * is ever NaN or infinite:
 *   - count 0: every field is 0 (first_t and last_t too).
 *   - all readings equal, count 1 included (a flat line): variance,
 *     variance_pop, sd, skew and kurtosis_excess are 0 and kurtosis is 3 -
 *     a flat line shows no asymmetry and no tails, so a detector that
 *     thresholds |skew| or kurtosis_excess stays quiet on a feeder holding
 *     its value; mean, min and max are that value exactly, rms its
 *     absolute value, and crest_factor is 1, or 0 if the value is 0.
 *   - count 2 (unequal): skew 0 and kurtosis_excess -2.75 (to rounding),
 *     as GSL gives.
 * Otherwise 1 <= crest_factor <= sqrt(count) and min <= mean <= max hold.
 * Readings within ~1e-154 of each other have a variance that underflows
 * (to a subnormal or 0); skew and kurtosis, computed on scaled values,
 * keep their accuracy.
 */
typedef struct fx_window_stats {
	size_t count;
	double mean;
	double variance;	/* sample, n - 1 */
	double variance_pop;	/* population, n */
	double sd;		/* sqrt(variance) */
	double rms;
	double skew;
	double kurtosis_excess;
	double kurtosis;
	double min, max;
	double crest_factor;
	int64_t first_t, last_t;	/* times of the oldest and newest
					 * readings in the window */
} fx_window_stats;

/* Fills *s with the statistics of w's current readings, in O(1). */
void fx_window_stats_get(const fx_window *w, fx_window_stats *s);

#endif
