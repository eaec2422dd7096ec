/*
 * flexder.c - a catalog DER as a candidate of the allocation problem:
 * see flexder.h.
 */
#include <math.h>
#include <string.h>

#include "flexder.h"

double
fx_flex_fraction(fx_time a, fx_time b, fx_time lo, fx_time hi)
{
	fx_time x = a > lo ? a : lo, y = b < hi ? b : hi;

	if (b <= a)
		return 0;
	return y > x ? (double)(y - x) / (double)(b - a) : 0;
}

int
fx_flex_candidate(const fx_der *der, const fx_flex_horizon *h,
    fx_flex_der *x)
{
	fx_time rdy = h->now + (fx_time)(der->response_time_s * 1000);
	fx_time from = rdy > der->available_from ? rdy : der->available_from;
	int s, open = 0, ready = 0;

	memset(x, 0, sizeof *x);
	for (s = 0; s < h->nslots; s++) {
		double slot_min = h->hours[s] * 60, f;

		open |= fx_flex_fraction(h->start[s], h->end[s],
		    der->available_from, der->available_to) > 0;
		/* the part of the slot both open and after ready */
		f = fx_flex_fraction(h->start[s], h->end[s], from,
		    der->available_to);
		ready |= f > 0;
		if (der->duration_min < slot_min &&
		    f > der->duration_min / slot_min)
			f = der->duration_min / slot_min;
		x->avail[s] = f;
		x->cap[s] = der->capacity_kw;
	}
	x->max_starts = der->max_activations_per_day;
	x->rel = der->reliability;
	x->price = der->price_per_kwh;
	x->min_kw = der->min_kw;
	x->min_slots = (int)ceil(der->min_duration_min / h->step_min - 1e-9);
	if (x->min_slots < 1)
		x->min_slots = 1;
	x->max_slots = (int)floor(der->duration_min / h->step_min + 1e-9);
	if (x->max_slots < x->min_slots)
		x->max_slots = x->min_slots;
	/* in minutes too: the first slot may be cut short */
	x->min_hours = der->min_duration_min / 60;
	if (!open)
		return FX_CAND_UNAVAILABLE;
	if (!ready)
		return FX_CAND_RESPONSE;
	return FX_CAND_OK;
}

int
fx_flex_candidate_room(const fx_flex_der *x, int nslots)
{
	double on = x->min_kw > FX_FLEX_ON_KW ? x->min_kw : FX_FLEX_ON_KW;
	int s;

	if (x->max_starts == 0)
		return FX_CAND_ACTIVATIONS;
	for (s = 0; s < nslots; s++)
		if (x->avail[s] > 0 && x->cap[s] >= on)
			return FX_CAND_OK;
	return FX_CAND_BOOKED;
}
