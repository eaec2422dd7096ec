/*
 * forecast.h - fx-forecast's models over one feeder's binned series.
 *
 * A feeder's readings are averaged into bins of `step` (15 minutes, or
 * the data's own coarser step; see fx_step_for_spacing).  Each time a bin
 * closes, fc_close() adds its value to the history, scores the forecasts
 * made earlier for it (their errors feed the intervals), adds the
 * regression samples that it completes, and makes the forecasts for the
 * next `nsteps` bins from this new origin.  fc_predict() reads them out.
 *
 * Models:
 *   persistence   y[k+h] = y[k]
 *   snaive-day    y[k+h] = y[k+h-m]     (m bins per day)
 *   snaive-week   y[k+h] = y[k+h-7m]
 *   dmr           direct multi-horizon regression: for each step h its own
 *                 linear model of the change y[k+h] - y[k] on recent
 *                 changes, the changes over the same horizon a day and a
 *                 week before, the seasonal levels, daily and weekly
 *                 Fourier terms of the target time, temperature and its
 *                 square, holiday and event flags; exponentially weighted
 *                 least squares with a scaled ridge, solved by Cholesky.
 *                 While it has too few samples it falls back to
 *                 snaive-day (a day of history) or persistence.
 *
 * Intervals (all models): conformal, from the empirical quantiles of the
 * last `nres` out-of-sample errors at each step of the forecasts this
 * series issued (a cold-start fallback's included), so they are
 * calibrated on the feeder's own data; p50 is the point forecast.  While
 * fewer than FC_MIN_RES errors are known, Gaussian bounds from the spread
 * of recent bin-to-bin changes growing with sqrt(h).
 */
#ifndef FC_FORECAST_H
#define FC_FORECAST_H

#include <stdint.h>

#include "timeutil.h"

#define FC_HMAX 4		/* most steps: one hour of 15-min bins */
#define FC_NFEAT 28		/* regression inputs of dmr (even: the
				 * update loops vectorise) */
#define FC_MIN_RES 24		/* errors needed for conformal intervals */
#define FC_BATCH 8		/* dmr samples queued before they are added */

enum fc_model { FC_PERSIST, FC_SNAIVE_DAY, FC_SNAIVE_WEEK, FC_DMR,
	FC_NMODELS };

extern const char *const fc_model_name[FC_NMODELS];

/* Model name -> enum fc_model, or -1. */
int fc_model_parse(const char *name);

typedef struct fc_params {
	int model;		/* enum fc_model */
	double halflife_days;	/* dmr: weight of a sample halves after this */
	double ridge;		/* dmr: penalty, as a fraction of each input's
				 * weighted sum of squares */
	int min_train;		/* dmr: samples per step before it is used */
	int nres;		/* errors kept per step for the intervals */
	int refit;		/* dmr: re-solve every this many bins */
} fc_params;

void fc_params_default(fc_params *p);

/* Exogenous inputs as of the origin (from the latest exo records). */
typedef struct fc_exo {
	int has_temp;
	double temp_c;
	int holiday, event;
} fc_exo;

/* One step of a forecast: the point forecast (p50) and the error
 * quantiles q[] at 2.5, 10, -, 90 and 97.5 % (q[2] is 0). */
typedef struct fc_step {
	double point;
	double q[5];
} fc_step;

/* A conformal error window of one step: a ring in arrival order and the
 * same values sorted. */
typedef struct fc_resid {
	float *ring, *sorted;
	int n, head;
} fc_resid;

typedef struct fc_series {
	fc_params p;
	int model;		/* the configured model */
	fx_time step;		/* bin length, ms */
	int nsteps;		/* steps per forecast: one hour */
	int m, w;		/* bins per day, per week */
	int len;		/* history ring length */
	double *y;		/* y[k % len]; NaN when the bin had no reading */
	int64_t k;		/* the last closed bin (the origin) */
	int started;
	int64_t nknown;		/* bins with a value, ever */

	/* The forecasts made at the last FC_HMAX origins (point, and the
	 * model that made it), for scoring when their targets close. */
	double pend[FC_HMAX][FC_HMAX];
	int64_t pend_k[FC_HMAX];

	/* dmr: per step, the weighted normal equations, the solution and
	 * the input vectors of the last FC_HMAX origins. */
	double *xtx, *xty, *beta, *xs;
	double *bx;		/* samples queued per step (FC_BATCH) */
	double bt[FC_HMAX][FC_BATCH], bw[FC_HMAX][FC_BATCH];
	int nb[FC_HMAX];
	double nw[FC_HMAX];	/* weighted sample count */
	double wgt[FC_HMAX];	/* the next sample's weight: it grows by
				 * 1/rho per sample instead of the sums
				 * shrinking by rho (half the work) */
	double grow;		/* 1/rho */
	int64_t ntrain[FC_HMAX];
	int solved[FC_HMAX], next_fit[FC_HMAX];

	fc_resid res[FC_HMAX];
	double sd_diff;		/* EW RMS of bin-to-bin changes */
	int ndiff;

	/* The forecast from the current origin. */
	int have;		/* 0 when the origin has no value */
	int used;		/* the model used (after fallback) */
	fc_step out[FC_HMAX];
} fc_series;

/* step: bin length in ms (a divisor of one hour). */
int fc_init(fc_series *s, const fc_params *p, fx_time step);
void fc_free(fc_series *s);

/*
 * Closes bin k with value y (NaN: no reading).  k must be greater than
 * the last bin closed; skipped bins are closed as missing.  exo is the
 * exogenous data as of the bin's end; tzoff_min the local UTC offset for
 * the calendar terms.
 */
void fc_close(fc_series *s, int64_t k, double y, const fc_exo *exo,
    int tzoff_min);

/* Bins of history known (with a value). */
int64_t fc_known(const fc_series *s);

/* Solves a x = b (a symmetric positive definite, n x n, row major;
 * both overwritten: x in b).  0, or -1 when a is not positive definite. */
int fc_cholesky_solve(double *a, double *b, int n);

/* Number of errors behind step h's interval (0-based h). */
int fc_nres(const fc_series *s, int h);

#endif
