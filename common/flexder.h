/*
 * flexder.h - a DER of the catalog as a candidate of the allocation
 * problem (common/flex.h) over a horizon of slots: what fx-plan does with
 * its catalog (R28, R31) and fx-beckn with the offers a discovery brings
 * back (R37), so that both rank DERs the same way.
 *
 * In slot s the DER can deliver the fraction of [start[s], end[s]) that
 * is both inside its availability [available_from, available_to) and
 * after it is ready (now + response_time_s), no more than its
 * duration_min of the slot; its capacity is capacity_kw in every slot.
 * A run lasts min_duration_min at least (min_slots, and min_hours for a
 * first slot cut short) and duration_min at most (max_slots), in slots of
 * step_min minutes.  What others already hold of the DER is the caller's
 * to take off cap[] (and avail[]) before the room is judged.
 */
#ifndef FX_FLEXDER_H
#define FX_FLEXDER_H

#include "catalog.h"
#include "flex.h"
#include "timeutil.h"

typedef struct fx_flex_horizon {
	int nslots;			/* 1 .. FX_FLEX_MAX_SLOTS */
	fx_time start[FX_FLEX_MAX_SLOTS], end[FX_FLEX_MAX_SLOTS];
	double hours[FX_FLEX_MAX_SLOTS];	/* of [start, end) */
	double step_min;		/* the slots' nominal length */
	fx_time now;			/* response times count from here */
} fx_flex_horizon;

/* Why a DER is not a candidate; the order is the order of the checks. */
enum { FX_CAND_OK, FX_CAND_UNAVAILABLE, FX_CAND_RESPONSE,
	FX_CAND_ACTIVATIONS, FX_CAND_BOOKED };

/*
 * Fills x from der over h: avail, cap, max_starts (its
 * max_activations_per_day, or -1), rel, price, min_kw, min_slots,
 * max_slots, min_hours; aggregator and type_pref are 0, for the caller.
 * Returns FX_CAND_UNAVAILABLE when no slot is inside its availability,
 * FX_CAND_RESPONSE when none is after it is ready, else FX_CAND_OK.
 */
int fx_flex_candidate(const fx_der *der, const fx_flex_horizon *h,
    fx_flex_der *x);

/*
 * Once the caller has taken what others hold off x (cap, avail,
 * max_starts): FX_CAND_ACTIVATIONS when no activation is left,
 * FX_CAND_BOOKED when no slot has room for its least level, else
 * FX_CAND_OK.
 */
int fx_flex_candidate_room(const fx_flex_der *x, int nslots);

/* The fraction of [a, b) inside [lo, hi) (0 when b <= a). */
double fx_flex_fraction(fx_time a, fx_time b, fx_time lo, fx_time hi);

#endif
