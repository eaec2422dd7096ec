/*
 * test_flexder.c - a catalog DER as a candidate of the allocation problem
 * (common/flexder.c), on hand-worked horizons: four 15-minute slots from
 * 17:00, each figure below worked out by hand from flexder.h's rules.
 */
#include <stdint.h>
#include <string.h>

#include "flexder.h"
#include "tap.h"

#define MIN 60000LL

static fx_time t0;

static void
horizon(fx_flex_horizon *h, fx_time now)
{
	int s;

	memset(h, 0, sizeof *h);
	h->nslots = 4;
	h->step_min = 15;
	h->now = now;
	for (s = 0; s < 4; s++) {
		h->start[s] = t0 + s * 15 * MIN;
		h->end[s] = h->start[s] + 15 * MIN;
		h->hours[s] = 0.25;
	}
}

static void
der(fx_der *d)
{
	memset(d, 0, sizeof *d);
	d->capacity_kw = 100;
	d->response_time_s = 0;
	d->duration_min = 60;
	d->price_per_kwh = 0.12;
	d->reliability = 0.9;
	d->max_activations_per_day = -1;
	d->available_from = INT64_MIN;
	d->available_to = INT64_MAX;
}

int
main(void)
{
	fx_flex_horizon h;
	fx_flex_der x;
	fx_der d;
	const char *why;
	int s;

	if (fx_time_parse_rfc3339("2026-01-15T17:00:00Z", 20, &t0, &why) != 0)
		return 1;

	/* fraction */
	is_num(fx_flex_fraction(0, 100, 25, 75), 0.5, 0, "fraction: inside");
	is_num(fx_flex_fraction(0, 100, -50, 50), 0.5, 0, "fraction: head");
	is_num(fx_flex_fraction(0, 100, 100, 200), 0, 0, "fraction: after");
	is_num(fx_flex_fraction(0, 100, INT64_MIN, INT64_MAX), 1, 0,
	    "fraction: unbounded");
	is_num(fx_flex_fraction(5, 5, 0, 10), 0, 0, "fraction: empty slot");

	/* an unconstrained DER: every slot whole, its capacity, 1..4 slots */
	horizon(&h, t0);
	der(&d);
	ok(fx_flex_candidate(&d, &h, &x) == FX_CAND_OK, "plain: a candidate");
	for (s = 0; s < 4; s++)
		ok(x.avail[s] == 1 && x.cap[s] == 100, "plain: slot %d whole", s);
	ok(x.min_slots == 1 && x.max_slots == 4 && x.max_starts == -1,
	    "plain: runs of 1..4 slots, any number");
	is_num(x.rel, 0.9, 0, "plain: reliability");
	is_num(x.price, 0.12, 0, "plain: price");
	ok(x.aggregator == 0 && x.type_pref == 0, "plain: left to the caller");
	ok(fx_flex_candidate_room(&x, 4) == FX_CAND_OK, "plain: room");

	/* ready 5 min into the first slot: two thirds of it */
	d.response_time_s = 300;
	fx_flex_candidate(&d, &h, &x);
	is_num(x.avail[0], 2.0 / 3, 1e-12, "response 5 min: 2/3 of slot 0");
	is_num(x.avail[1], 1, 0, "response 5 min: slot 1 whole");
	/* ready after the horizon */
	d.response_time_s = 3600;
	ok(fx_flex_candidate(&d, &h, &x) == FX_CAND_RESPONSE,
	    "response 60 min: too slow");
	d.response_time_s = 0;

	/* available 17:25-17:40: a third of slot 1, two thirds of slot 2 */
	d.available_from = t0 + 25 * MIN;
	d.available_to = t0 + 40 * MIN;
	fx_flex_candidate(&d, &h, &x);
	ok(x.avail[0] == 0 && x.avail[3] == 0, "window: slots 0 and 3 shut");
	is_num(x.avail[1], 1.0 / 3, 1e-12, "window: 1/3 of slot 1");
	is_num(x.avail[2], 2.0 / 3, 1e-12, "window: 2/3 of slot 2");
	/* available only before the horizon */
	d.available_from = t0 - 60 * MIN;
	d.available_to = t0;
	ok(fx_flex_candidate(&d, &h, &x) == FX_CAND_UNAVAILABLE,
	    "window: before the horizon, unavailable");
	/* open in the horizon but ready only after it shuts: response */
	d.available_from = t0;
	d.available_to = t0 + 10 * MIN;
	d.response_time_s = 900;
	ok(fx_flex_candidate(&d, &h, &x) == FX_CAND_RESPONSE,
	    "window: open, but shut before it is ready");
	der(&d);

	/* duration 5 min: a third of any slot, runs of one slot */
	d.duration_min = 5;
	fx_flex_candidate(&d, &h, &x);
	is_num(x.avail[2], 1.0 / 3, 1e-12, "duration 5 min: 1/3 a slot");
	ok(x.min_slots == 1 && x.max_slots == 1, "duration 5 min: one slot");
	/* 40 min at least, 50 at most: runs of 3 slots, 40 min */
	d.duration_min = 50;
	d.min_duration_min = 40;
	fx_flex_candidate(&d, &h, &x);
	ok(x.min_slots == 3 && x.max_slots == 3, "40..50 min: three slots");
	is_num(x.min_hours, 40.0 / 60, 1e-12, "40..50 min: min_hours");
	der(&d);

	/* room: a level of 30 kW at least */
	d.min_kw = 30;
	d.max_activations_per_day = 2;
	fx_flex_candidate(&d, &h, &x);
	ok(x.max_starts == 2, "max activations carried");
	is_num(x.min_kw, 30, 0, "min_kw carried");
	for (s = 0; s < 4; s++)
		x.cap[s] = 29.9;
	ok(fx_flex_candidate_room(&x, 4) == FX_CAND_BOOKED,
	    "room: no slot takes 30 kW: booked");
	x.cap[3] = 30;
	ok(fx_flex_candidate_room(&x, 4) == FX_CAND_OK, "room: slot 3 does");
	x.avail[3] = 0;
	ok(fx_flex_candidate_room(&x, 4) == FX_CAND_BOOKED,
	    "room: but slot 3 is shut");
	x.max_starts = 0;
	ok(fx_flex_candidate_room(&x, 4) == FX_CAND_ACTIVATIONS,
	    "room: no activation left comes first");
	return done();
}
