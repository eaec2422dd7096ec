/*
 * reservoir.h - which of a stream's items a uniform sample of k keeps
 * (reservoir sampling, Li's "Algorithm L"): the first k fill the sample;
 * after that only the items that replace one are drawn for, a geometric
 * skip at a time, so that the items passed over cost a comparison and no
 * random number.  Every subset of k of the items offered is equally
 * likely to be the sample.
 */
#ifndef FX_RESERVOIR_H
#define FX_RESERVOIR_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef struct cl_res {
	uint64_t k;		/* the sample's size */
	uint64_t count;		/* items offered */
	uint64_t next;		/* the count at which the next one is kept */
	double logw;		/* log W of Algorithm L */
} cl_res;

/* An empty sample of at most k (k >= 1). */
void cl_res_init(cl_res *r, uint64_t k);

/*
 * Offers the next item: where it goes in the sample, 0 to k - 1 (while
 * the sample fills, count - 1: its own new place), or -1 when it is not
 * kept.  g is drawn from only when the item is kept after the sample is
 * full.
 */
int64_t cl_res_offer(cl_res *r, gsl_rng *g);

#endif
