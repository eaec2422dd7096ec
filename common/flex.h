/*
 * flex.h - the flexibility allocation problem and its solvers (R29-R33).
 *
 * A feeder needs required_kw[s] of relief in each slot s of a horizon of
 * nslots slots (average kW over the slot).  DER d may run in slot s when
 * avail[s] > 0: avail is the fraction of the slot it can deliver (less
 * than 1 when its response time ends inside the slot or its maximum
 * duration is shorter than a slot).  Booked at x kW in slot s it is
 * expected to deliver reliability * avail[s] * x kW on average over the
 * slot, and it runs for avail[s] * hours[s] hours of it.
 *
 * The mixed-integer programme (columns per DER and slot where it may run:
 * x kW, u on/off, y start):
 *
 *   minimise  sum_ds c_ds x_ds + w_unmet sum_s hours_s unmet_s
 *     c_ds = hours_s avail_ds (w_cost price_d + w_reliability (1 - rel_d)
 *            + type_pref_d), floored at 1e-6 per kWh
 *   subject to
 *     sum_d rel_d avail_ds x_ds + unmet_s >= required_s     (cover)
 *     on_kw_d u_ds <= x_ds <= cap_ds u_ds                   (capacity;
 *            on_kw_d = max(min_kw_d, FX_FLEX_ON_KW), so a DER is on in a
 *            slot exactly when it is booked a positive kW there)
 *     y_ds >= u_ds - u_d,s-1 ;  y_ds <= u_ds                (start)
 *     u_dt >= y_ds for t = s .. s + min_slots_d - 1         (min duration;
 *            y_ds = 0 where that run would leave the horizon or cross a
 *            slot the DER cannot run in)
 *     sum of u_d over any max_slots_d + 1 consecutive slots
 *            <= max_slots_d                                 (max duration)
 *     sum_s y_ds <= max_starts_d                            (activations)
 *     sum_{d in a} rel_d avail_ds x_ds <= agg_share required_s
 *                                                           (one aggregator's
 *            share of the need, for every aggregator a, when agg_share < 1)
 *     0 <= unmet_s <= required_s
 *
 * solved by GLPK's branch and cut within a time limit, with the greedy
 * merit-order allocation below given to it as the first incumbent; when
 * the limit passes the best integer solution found is returned, and if
 * GLPK has none (or fails) the greedy one.  A zero allocation is always
 * feasible, so every problem has a solution.
 *
 * The greedy allocation takes DERs in merit order (objective cost per
 * expected kWh, then der index) and gives each one activation: the
 * contiguous run of min_slots..max_slots slots that covers the most of
 * what is still unmet, booking in each slot what is still needed (at
 * least min_kw, at most the capacity and the aggregator's remaining
 * share); a DER whose cost per expected kWh exceeds w_unmet is not used.
 *
 * Not thread-safe (GLPK is not).
 */
#ifndef FX_FLEX_H
#define FX_FLEX_H

#define FX_FLEX_MAX_SLOTS 16
#define FX_FLEX_ON_KW 0.001	/* the least a DER that is on is booked */

typedef struct fx_flex_der {
	int aggregator;		/* 0 .. naggs-1 */
	double rel;		/* reliability, 0 < rel <= 1 */
	double price;		/* per kWh */
	double type_pref;	/* added per kWh to the objective (may be < 0) */
	double min_kw;		/* lowest kW when on (0: none) */
	int min_slots;		/* shortest run, >= 1 */
	int max_slots;		/* longest run, >= min_slots */
	int max_starts;		/* activations allowed in the horizon; < 0: any */
	double cap[FX_FLEX_MAX_SLOTS];	/* kW it can give in slot s */
	double avail[FX_FLEX_MAX_SLOTS];	/* 0..1, see above */
} fx_flex_der;

typedef struct fx_flex_problem {
	int nslots;		/* 1 .. FX_FLEX_MAX_SLOTS */
	double hours[FX_FLEX_MAX_SLOTS];
	double required_kw[FX_FLEX_MAX_SLOTS];	/* >= 0 */
	int nders;
	const fx_flex_der *ders;
	int naggs;
	double agg_share;	/* 0 < share <= 1; 1: no limit */
	double w_cost, w_reliability, w_unmet;	/* >= 0 */
	int time_limit_ms;	/* > 0 */
} fx_flex_problem;

enum { FX_FLEX_NONE, FX_FLEX_MILP, FX_FLEX_GREEDY };

typedef struct fx_flex_result {
	double *kw;		/* nders * nslots, row-major by DER; owned */
	double unmet_kw[FX_FLEX_MAX_SLOTS];
	double objective;
	double gap;		/* relative MIP gap; < 0 when unknown */
	double solve_ms;
	int solver;		/* FX_FLEX_* */
	const char *status;	/* static text: "optimal", "time_limit", ... */
} fx_flex_result;

/*
 * Checks a problem's data (the ranges above).  Returns 0, or -1 with the
 * reason in err.
 */
int fx_flex_validate(const fx_flex_problem *p, char *err, size_t errlen);

/*
 * Solves p (valid) into r: the MILP within p->time_limit_ms, else the
 * greedy allocation.  r->kw is allocated here; free it with
 * fx_flex_result_free().  Returns 0; -1 only when p is invalid (with the
 * reason in err).
 */
int fx_flex_solve(const fx_flex_problem *p, fx_flex_result *r,
    char *err, size_t errlen);

/* The greedy merit-order allocation alone (same contract). */
int fx_flex_greedy(const fx_flex_problem *p, fx_flex_result *r,
    char *err, size_t errlen);

void fx_flex_result_free(fx_flex_result *r);

/*
 * The objective of an allocation kw (nders * nslots), unmet volume
 * included (derived from kw).
 */
double fx_flex_objective(const fx_flex_problem *p, const double *kw);

/*
 * Checks that kw satisfies every constraint of p (within 1e-6 kW).
 * Returns 0, or -1 with the first violation in err.
 */
int fx_flex_check(const fx_flex_problem *p, const double *kw, char *err,
    size_t errlen);

#endif
