/*
 * flex.h - the flexibility allocation problem and its solvers (R29-R33).
 *
 * A feeder needs required_kw[s] of relief in each slot s of a horizon of
 * nslots slots (average kW over the slot).  DER d may run in slot s when
 * avail[s] > 0 and cap[s] >= on_kw_d = max(min_kw_d, FX_FLEX_ON_KW):
 * avail is the fraction of the slot it can deliver (less than 1 when its
 * response time ends inside the slot, or its maximum duration is shorter
 * than a slot).  A DER is dispatched in activations: a run of
 * min_slots..max_slots consecutive slots at one level of q kW (what an
 * order to an aggregator asks for: this DER, this window, this many kW).
 * In slot s of a run it is expected to deliver rel * avail[s] * q kW on
 * average and runs avail[s] * hours[s] hours.  Two activations of one DER
 * neither overlap nor touch (they would be one), and there are at most
 * max_starts of them.
 *
 * The mixed-integer programme: for every DER d and every run r = [a, b)
 * it could make (each slot allowed, min_slots <= b - a <= max_slots, and
 * its slots' hours summing to min_hours at least), a
 * binary z_r (the activation happens) and its level q_r kW:
 *
 *   minimise  sum_r q_r sum_{s in r} c_ds + w_unmet sum_s hours_s unmet_s
 *     c_ds = hours_s avail_ds (w_cost price_d + w_reliability (1 - rel_d)
 *            + type_pref_d), the per-kWh part floored at 1e-6
 *   subject to
 *     sum_{r covering s} rel_d avail_ds q_r + unmet_s >= required_s (cover)
 *     on_kw_d z_r <= q_r <= cap_r z_r, cap_r = min_{s in r} cap_ds  (level)
 *     for each DER and slot s: the runs covering s and those starting at
 *            s + 1 sum to at most 1                  (no overlap or touch)
 *     sum_{r of d} z_r <= max_starts_d                       (activations)
 *     sum_{d in a} sum_{r covering s} rel_d avail_ds q_r
 *            <= agg_share required_s      (one aggregator's share of the
 *            need, for every aggregator a, when agg_share < 1)
 *     0 <= unmet_s <= required_s
 *
 * solved by GLPK's branch and cut within a time limit, with the greedy
 * allocation below given to it as the first incumbent; when the limit
 * passes the best integer solution found is returned, and if GLPK has
 * none (or fails) the greedy one.  A zero allocation is always feasible,
 * so every problem has a solution.
 *
 * The greedy allocation takes DERs in merit order (objective cost per
 * expected kWh, then der index) and gives each an activation (in up to
 * four rounds while need is left, within max_starts, never over or next
 * to its earlier ones):
 * the run and level with the largest net benefit (w_unmet times the
 * unmet expected energy it covers, less its cost), the level being what
 * the neediest slot of the run still lacks, within on_kw, the capacity
 * and the aggregator's remaining share; a DER whose cost per expected
 * kWh exceeds w_unmet is not used.
 *
 * An allocation is given as kW per DER and slot (nders * nslots): the
 * level of the activation covering the slot, else 0.
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
	double min_hours;	/* and a run lasts this long at least (0: no
				 * more than min_slots says; for slots of
				 * unequal length) */
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
