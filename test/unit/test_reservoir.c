/*
 * test_reservoir.c - fx-classify's reservoir (cmd/fx-classify/reservoir.c,
 * Algorithm L) against what a uniform sample of k out of N must give:
 * the first k fill it in order; every item is in it with probability
 * k / N and every pair with k (k - 1) / (N (N - 1)) (chi-square over
 * 200,000 seeded runs); and at the sizes fx-classify uses (k = 2 million,
 * W within 1e-7 of 1 at first) the number of replacements is the
 * expected k (H(N) - H(k)) and the sample is spread evenly over the
 * stream.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "../../cmd/fx-classify/reservoir.h"
#include "tap.h"

#define N 50
#define K 10
#define RUNS 200000

int
main(void)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	static double hits[N], pair[N][N];
	int sample[K], run, i, j, inorder = 1, inrange = 1;
	double chi = 0, want = (double)RUNS * K / N, pw, pchi = 0;
	cl_res r;

	gsl_rng_set(g, 42);
	for (run = 0; run < RUNS; run++) {
		cl_res_init(&r, K);
		for (i = 0; i < N; i++) {
			int64_t at = cl_res_offer(&r, g);

			if (i < K && at != i)
				inorder = 0;
			if (at >= K || (i < K && at < 0))
				inrange = 0;
			if (at >= 0 && at < K)
				sample[at] = i;
		}
		for (i = 0; i < K; i++) {
			hits[sample[i]]++;
			for (j = 0; j < K; j++)
				if (sample[i] < sample[j])
					pair[sample[i]][sample[j]]++;
		}
	}
	ok(inorder, "the first k items fill the sample in order");
	ok(inrange, "every slot is in 0 .. k-1, or -1");
	for (i = 0; i < N; i++)
		chi += (hits[i] - want) * (hits[i] - want) / want;
	ok(gsl_cdf_chisq_Q(chi, N - 1) > 1e-4,
	    "each item kept with probability k/N: chi-square %.1f, df %d, "
	    "p %.3g", chi, N - 1, gsl_cdf_chisq_Q(chi, N - 1));
	/* pairs: the first with every other, and the last two */
	pw = (double)RUNS * K * (K - 1) / ((double)N * (N - 1));
	for (j = 1; j < N; j++)
		pchi += (pair[0][j] - pw) * (pair[0][j] - pw) / pw;
	ok(gsl_cdf_chisq_Q(pchi, N - 2) > 1e-4,
	    "pairs (first, j) kept with probability k(k-1)/(N(N-1)): "
	    "chi-square %.1f, p %.3g", pchi, gsl_cdf_chisq_Q(pchi, N - 2));
	ok(fabs(pair[N - 2][N - 1] - pw) < 5 * sqrt(pw),
	    "the last pair: %.0f, want %.0f", pair[N - 2][N - 1], pw);

	/* at scale: k = 2,000,000 of 20,000,000 */
	{
		const uint64_t k = 2000000, n = 20000000;
		unsigned char *last = calloc(k, 1);
		uint64_t rep = 0, t, inlast = 0;
		double hk = 0, expect, sd;

		cl_res_init(&r, k);
		for (t = 0; t < n; t++) {
			int64_t at = cl_res_offer(&r, g);

			if (at < 0)
				continue;
			if (t >= k)
				rep++;
			last[at] = t >= n - n / 10;
		}
		for (t = k + 1; t <= n; t++)
			hk += 1.0 / (double)t;
		expect = (double)k * hk;
		ok(fabs((double)rep - expect) < 0.002 * expect,
		    "replacements at k = 2e6, N = 2e7: %llu, expected %.0f",
		    (unsigned long long)rep, expect);
		for (t = 0; t < k; t++)
			inlast += last[t];
		/* hypergeometric: mean k/10, sd about sqrt(k 0.1 0.9 0.9) */
		sd = sqrt((double)k * 0.1 * 0.9 * 0.9);
		ok(fabs((double)inlast - k / 10.0) < 5 * sd,
		    "the stream's last tenth: %llu of the sample, want %.0f "
		    "+- %.0f", (unsigned long long)inlast, k / 10.0, 5 * sd);
		ok(r.count == n, "every item counted");
		free(last);
	}
	gsl_rng_free(g);
	return done();
}
