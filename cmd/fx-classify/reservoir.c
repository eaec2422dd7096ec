/*
 * reservoir.c - uniform samples of a stream, by Algorithm L (K.-H. Li,
 * "Reservoir-sampling algorithms of time complexity O(n(1 + log(N/n)))",
 * ACM TOMS 20(4), 1994).  W is kept as its logarithm, and 1 - W as
 * -expm1(log W), so that the skips stay exact when W is within 1e-16 of
 * 1, as it is at first for a sample of millions.
 */
#include <math.h>

#include "reservoir.h"

/* A uniform number in (0, 1). */
static double
u01(gsl_rng *g)
{
	return gsl_rng_uniform_pos(g);
}

/* The next count at which an item is kept, from the current one. */
static void
skip(cl_res *r, gsl_rng *g)
{
	double s = floor(log(u01(g)) / log(-expm1(r->logw)));

	if (!(s < 9e18) || r->count + (uint64_t)s + 1 < r->count)
		r->next = UINT64_MAX;
	else
		r->next = r->count + (uint64_t)s + 1;
}

void
cl_res_init(cl_res *r, uint64_t k)
{
	r->k = k;
	r->count = 0;
	r->next = 0;
	r->logw = 0;
}

int64_t
cl_res_offer(cl_res *r, gsl_rng *g)
{
	int64_t slot;

	r->count++;
	if (r->count <= r->k) {
		if (r->count == r->k) {
			/* full: the first W, and the first item to keep */
			r->logw = log(u01(g)) / (double)r->k;
			skip(r, g);
		}
		return (int64_t)(r->count - 1);
	}
	if (r->count != r->next)
		return -1;
	slot = (int64_t)gsl_rng_uniform_int(g, (unsigned long)r->k);
	r->logw += log(u01(g)) / (double)r->k;
	skip(r, g);
	return slot;
}
