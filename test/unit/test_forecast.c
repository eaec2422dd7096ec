/*
 * test_forecast.c - fx-forecast's models (cmd/fx-forecast/model.c) on
 * series whose forecasts can be worked out by hand, the interval
 * machinery on noise of known variance, and the Cholesky solver against
 * GSL's.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "forecast.h"
#include "tap.h"

#define STEP (15 * 60000LL)
#define DAY 96

static void
init(fc_series *s, int model)
{
	fc_params p;

	fc_params_default(&p);
	p.model = model;
	if (fc_init(s, &p, STEP) != 0) {
		printf("Bail out! fc_init failed\n");
		exit(1);
	}
}

static double
sine(int64_t k)
{
	return 100 + 50 * sin(6.283185307179586 * (double)(k % DAY) / DAY);
}

static void
test_snaive_sine(void)
{
	fc_series s;
	int64_t k;
	double worst = 0, width = 0;
	int h;

	init(&s, FC_SNAIVE_DAY);
	/* nine days: the errors of the first day's persistence fallback
	 * have left the week-long window */
	for (k = 0; k < 9 * DAY; k++)
		fc_close(&s, k, sine(k), NULL, 0);
	ok(s.have && s.used == FC_SNAIVE_DAY, "snaive-day is used after a "
	    "day of history");
	for (h = 1; h <= 4; h++) {
		worst = fmax(worst, fabs(s.out[h - 1].point - sine(k - 1 + h)));
		width = fmax(width, s.out[h - 1].q[4] - s.out[h - 1].q[0]);
	}
	is_num(worst, 0, 1e-9, "a pure daily sine is forecast exactly by "
	    "snaive-day");
	is_num(width, 0, 1e-9, "and its conformal intervals shrink to "
	    "nothing");
	is_num(fc_nres(&s, 0), 7 * DAY, 0, "a week of errors is kept");
	fc_free(&s);
}

static void
test_dmr_trend(void)
{
	fc_series s, p;
	int64_t k;
	double worst = 0, pers = 0;
	int h;

	init(&s, FC_DMR);
	init(&p, FC_PERSIST);
	for (k = 0; k < 6 * DAY; k++) {
		fc_close(&s, k, 10 + 0.5 * (double)k, NULL, 0);
		fc_close(&p, k, 10 + 0.5 * (double)k, NULL, 0);
	}
	ok(s.have && s.used == FC_DMR, "dmr is used after its training "
	    "period");
	for (h = 1; h <= 4; h++) {
		double want = 10 + 0.5 * (double)(k - 1 + h);

		worst = fmax(worst, fabs(s.out[h - 1].point - want));
		pers = fmax(pers, fabs(p.out[h - 1].point - want));
	}
	ok(worst < 1e-6, "a linear trend is forecast by the regression "
	    "(worst error %g)", worst);
	is_num(pers, 2.0, 1e-12, "persistence lags it by slope x 4 steps");
	fc_free(&s);
	fc_free(&p);
}

/* Coverage of the 80% and 95% intervals over n bins of white noise. */
static void
coverage(int model, const char *name)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	fc_series s;
	double pend[4];
	int64_t k, n = 0, in80 = 0, in95 = 0;

	gsl_rng_set(r, 7);
	init(&s, model);
	for (k = 0; k < 80 * DAY; k++) {
		double y = 50 + gsl_ran_gaussian(r, 2.0);

		/* score the step-1 bounds made a bin ago: lo80, hi80, lo95,
		 * hi95 */
		if (k >= 10 * DAY) {
			in80 += y >= pend[0] && y <= pend[1];
			in95 += y >= pend[2] && y <= pend[3];
			n++;
		}
		fc_close(&s, k, y, NULL, 0);
		pend[0] = s.out[0].point + s.out[0].q[1];
		pend[1] = s.out[0].point + s.out[0].q[3];
		pend[2] = s.out[0].point + s.out[0].q[0];
		pend[3] = s.out[0].point + s.out[0].q[4];
	}
	ok(fabs((double)in80 / n - 0.80) < 0.02, "%s: 80%% interval covers "
	    "%.3f of %lld Gaussian values", name, (double)in80 / n,
	    (long long)n);
	ok(fabs((double)in95 / n - 0.95) < 0.01, "%s: 95%% interval covers "
	    "%.3f", name, (double)in95 / n);
	fc_free(&s);
	gsl_rng_free(r);
}

static void
test_cold_start(void)
{
	fc_series s;
	int64_t k;
	int seen_gauss = 0;

	init(&s, FC_DMR);
	fc_close(&s, 1000, 5, NULL, 0);
	ok(s.have && s.used == FC_PERSIST, "one bin: persistence");
	is_num(s.out[3].point, 5, 0, "  forecasting the last value");
	ok(s.out[0].q[0] <= 0 && s.out[0].q[4] >= 0,
	    "  with bounds around it");
	for (k = 1001; k < 1000 + DAY + 4; k++) {
		fc_close(&s, k, sine(k), NULL, 0);
		if (fc_nres(&s, 0) < FC_MIN_RES)
			seen_gauss = 1;
	}
	ok(seen_gauss, "Gaussian bounds while errors are few");
	ok(s.used == FC_SNAIVE_DAY, "a day: snaive-day (used %s)",
	    fc_model_name[s.used]);
	for (; k < 1000 + 4 * DAY; k++)
		fc_close(&s, k, sine(k), NULL, 0);
	ok(s.used == FC_DMR, "enough samples: dmr (used %s)",
	    fc_model_name[s.used]);
	ok(fc_nres(&s, 0) >= FC_MIN_RES, "conformal bounds from %d errors",
	    fc_nres(&s, 0));
	fc_free(&s);
}

static void
test_gaps(void)
{
	fc_series s;
	int64_t k;
	int h, finite = 1;

	init(&s, FC_SNAIVE_DAY);
	for (k = 0; k < 2 * DAY; k++)
		fc_close(&s, k, sine(k), NULL, 0);
	/* a 29-bin gap, then values again */
	fc_close(&s, 2 * DAY + 29, sine(2 * DAY + 29), NULL, 0);
	ok(s.have && s.used == FC_SNAIVE_DAY, "after a short gap: still "
	    "snaive-day");
	is_num(s.out[0].point, sine(2 * DAY + 30), 1e-9, "  forecasting "
	    "from a day ago");
	fc_close(&s, 2 * DAY + 30, NAN, NULL, 0);
	ok(!s.have, "a bin without readings gives no forecast");
	/* a gap longer than the history: starts over */
	fc_close(&s, 20 * DAY, 7, NULL, 0);
	ok(s.have && s.used == FC_PERSIST, "after a gap longer than a week: "
	    "persistence again");
	for (h = 0; h < 4; h++)
		for (k = 0; k < 5; k++)
			finite &= isfinite(s.out[h].q[k]);
	ok(finite, "  with finite bounds");
	fc_close(&s, 20 * DAY - 5, 9, NULL, 0);
	is_num(s.out[0].point, 7, 0, "a bin older than the last one is "
	    "ignored");
	fc_free(&s);
}

static void
test_models(void)
{
	fc_series s;
	int64_t k;

	is_num(fc_model_parse("dmr"), FC_DMR, 0, "model names parse");
	is_num(fc_model_parse("snaive-week"), FC_SNAIVE_WEEK, 0,
	    "snaive-week");
	is_num(fc_model_parse("arima"), -1, 0, "an unknown model does not");
	init(&s, FC_SNAIVE_WEEK);
	for (k = 0; k < 3 * DAY; k++)
		fc_close(&s, k, (double)k, NULL, 0);
	ok(s.used == FC_SNAIVE_DAY, "snaive-week without a week: snaive-day");
	for (; k < 8 * DAY; k++)
		fc_close(&s, k, (double)k, NULL, 0);
	ok(s.used == FC_SNAIVE_WEEK, "with a week: snaive-week");
	is_num(s.out[1].point, (double)(k - 1 + 2 - 7 * DAY), 0, "  = the "
	    "value a week before the target");
	{
		fc_params p = s.p;
		fc_series bad;

		fc_free(&s);
		ok(fc_init(&bad, &p, 7 * 60000) != 0, "a step that does not "
		    "divide an hour is refused");
	}
}

static void
test_cholesky(void)
{
	enum { N = 28 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double b[N * N], a[N * N], g[N * N], x[N], rhs[N], worst = 0;
	gsl_vector *gx = gsl_vector_alloc(N);
	gsl_matrix_view gm;
	gsl_vector_view gv;
	int i, j, k;

	for (i = 0; i < N * N; i++)
		b[i] = gsl_ran_gaussian(r, 1);
	for (i = 0; i < N; i++) {
		for (j = 0; j < N; j++) {
			double v = i == j ? 0.5 : 0;

			for (k = 0; k < N; k++)
				v += b[i * N + k] * b[j * N + k];
			a[i * N + j] = g[i * N + j] = v;
		}
		x[i] = rhs[i] = gsl_ran_gaussian(r, 3);
	}
	ok(fc_cholesky_solve(a, x, N) == 0, "an SPD system is solved");
	gm = gsl_matrix_view_array(g, N, N);
	gv = gsl_vector_view_array(rhs, N);
	gsl_linalg_cholesky_decomp1(&gm.matrix);
	gsl_linalg_cholesky_solve(&gm.matrix, &gv.vector, gx);
	for (i = 0; i < N; i++)
		worst = fmax(worst, fabs(x[i] - gsl_vector_get(gx, i)) /
		    fmax(1, fabs(gsl_vector_get(gx, i))));
	ok(worst < 1e-9, "the solution matches GSL's (worst %g)", worst);
	for (i = 0; i < N * N; i++)
		a[i] = i % (N + 1) == 0 ? -1 : 0;
	ok(fc_cholesky_solve(a, x, N) != 0, "a matrix that is not positive "
	    "definite is refused");
	gsl_vector_free(gx);
	gsl_rng_free(r);
}

int
main(void)
{
	gsl_set_error_handler_off();
	test_snaive_sine();
	test_dmr_trend();
	coverage(FC_PERSIST, "persistence");
	coverage(FC_DMR, "dmr");
	test_cold_start();
	test_gaps();
	test_models();
	test_cholesky();
	return done();
}
