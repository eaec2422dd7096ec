/*
 * vector.c - the cost of classifying one feature vector with fx-classify's
 * model (cmd/fx-classify/lr.c), apart from reading and writing records:
 * building the inputs from a slice (cl_inputs), the class probabilities
 * (cl_probs), the decision (cl_decide) and the explanation (cl_top), and
 * the rules (cl_rules) instead of the model.  Built and run by
 * bench/classify.sh; prints one line per case: name, vectors, seconds,
 * ns per vector.  The model is a fixed set of coefficients (the cost does
 * not depend on their values).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "classify.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(void)
{
	enum { N = 5000000 };
	cl_model m;
	cl_slice s;
	double x[CL_NIN], p[CL_K], c[3], t0, sink = 0;
	int idx[3], i, j;

	memset(&m, 0, sizeof m);
	for (j = 0; j < CL_NIN; j++) {
		m.mean[j] = 0.1 * j;
		m.sd[j] = 1 + 0.01 * j;
		m.coef[1][j] = 0.05 * (j % 5) - 0.1;
		m.coef[2][j] = 0.07 * (j % 3) - 0.05;
	}
	m.t_alert = m.t_critical = 0.5;
	memset(&s, 0, sizeof s);
	s.alert_kw = 480;
	s.critical_kw = 570;
	s.nsteps = 4;
	s.now_mean = 400;
	s.now_max = 450;
	t0 = now();
	for (i = 0; i < N; i++) {
		s.p50 = 300 + (i % 400);
		s.lo80 = s.p50 - 20;
		s.hi80 = s.p50 + 20;
		s.hi95 = s.p50 + 35;
		s.horizon = 1 + i % 4;
		s.tod_sin = (i % 97) / 97.0;
		cl_inputs(&s, x);
		cl_probs(&m, x, p);
		sink += cl_decide(&m, p) + p[2];
	}
	printf("model: inputs, probabilities, decision\t%d\t%.3f\t%.0f\n", N,
	    now() - t0, (now() - t0) / N * 1e9);
	t0 = now();
	for (i = 0; i < N; i++) {
		s.p50 = 300 + (i % 400);
		cl_inputs(&s, x);
		cl_probs(&m, x, p);
		sink += cl_decide(&m, p) + cl_top(&m, x, 2, idx, c, 3);
	}
	printf("model with its explanation (top 3)\t%d\t%.3f\t%.0f\n", N,
	    now() - t0, (now() - t0) / N * 1e9);
	t0 = now();
	for (i = 0; i < N; i++) {
		s.p50 = 300 + (i % 400);
		s.lo80 = s.p50 - 20;
		s.hi80 = s.p50 + 20;
		cl_rules(&s, p);
		sink += cl_decide(NULL, p) + p[1];
	}
	printf("rules: probabilities, decision\t%d\t%.3f\t%.0f\n", N,
	    now() - t0, (now() - t0) / N * 1e9);
	return sink == 42.5;	/* keeps the work from being optimised out */
}
