/*
 * test_flex.c - the flexibility allocation solvers (common/flex.c)
 * against an exhaustive search, and hand-built cases in which each
 * constraint of the model in flex.h binds.
 *
 * The reference.  Which slots a DER is on in fixes every integer of the
 * model: two activations of a DER may not touch, so each maximal block
 * of on slots is one activation.  The search enumerates, per DER, every
 * on/off pattern the model allows: on only in slots where it may run
 * (avail > 0, cap >= on_kw = max(min_kw, FX_FLEX_ON_KW), max_starts !=
 * 0), every block min_slots..max_slots long and inside the horizon, at
 * most max_starts blocks when max_starts >= 0.  Given one pattern per
 * DER what is left is a linear programme in the level q_r of each
 * activation r and the unmet volume of each slot:
 *
 *   minimise  sum_r q_r sum_{s in r} c_ds + sum_s w_unmet hours_s unmet_s
 *   subject to
 *     sum_{r covering s} rel_d avail_ds q_r + unmet_s >= required_s,
 *     on_kw_d <= q_r <= min_{s in r} cap_ds, 0 <= unmet_s <= required_s,
 *     and for each aggregator a and slot s (when agg_share < 1)
 *     sum_{r of a covering s} rel_d avail_ds q_r <= agg_share required_s
 *
 * and the optimum is the least of its optima over all combinations of
 * patterns.  The LP is built here once per instance, with a level
 * column for every run any DER may make, fixed at 0 unless the
 * combination being tried has it, and solved by GLPK's dual simplex
 * from the last basis; every 32nd combination, and the best, is solved
 * again from scratch in an LP holding only its runs, and the two must
 * agree.  Instances are drawn by a seeded splitmix64 and kept small
 * enough to enumerate (3-7 DERs and 1-4 slots, every tenth 9-10 DERs
 * with a few patterns each; at most BUDGET combinations).
 *
 * Against it fx_flex_solve must report "optimal" with the same objective
 * (1e-6 relative); fx_flex_greedy must be no better than the MILP; both
 * allocations must pass fx_flex_check and a check written here (the
 * model above, read off the kW), and their objectives and unmet volumes
 * must equal fx_flex_objective and those computed here.  Every third
 * instance is run again with the objective's weights times 1e4.
 *
 * Then hand-built cases, each small enough to work out on paper, in
 * which one constraint binds and the MILP's allocation shows it
 * (capacity, min_kw, avail < 1, slots a DER cannot run in, min and max
 * duration, activations, one level per activation, no touching
 * activations, the aggregator share, the unmet penalty, reliability,
 * type_pref, no volume, no DERs); fx_flex_check on allocations that
 * break one constraint each; fx_flex_validate, fx_flex_solve and
 * fx_flex_greedy on invalid problems; and a 300-DER problem with a 1 ms
 * limit, which must still give a feasible answer no worse than the
 * greedy one.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "flex.h"
#include "tap.h"

#define RTOL 1e-6		/* relative, on objectives */
#define KWTOL 1e-6		/* kW, as fx_flex_check */
#define MAXD 10			/* DERs the reference enumerates */
#define MAXS 4			/* slots the reference enumerates */
#define MAXA 3			/* aggregators in random instances */
#define NRANDOM 400
#define BUDGET 5000		/* pattern combinations per instance */

struct inst {
	fx_flex_problem p;
	fx_flex_der d[MAXD];
};

/* ---- a deterministic PRNG (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
unif(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rnd() >> 11) * 0x1p-53;
}

static int
irand(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

/* ---- the model as flex.h writes it, independently of flex.c ---- */

static double
ref_on_kw(const fx_flex_der *x)
{
	return fmax(x->min_kw, FX_FLEX_ON_KW);
}

static int
ref_allowed(const fx_flex_der *x, int s)
{
	return x->avail[s] > 0 && x->cap[s] >= ref_on_kw(x) &&
	    x->max_starts != 0;
}

/* Objective per kW booked in slot s. */
static double
ref_coef(const fx_flex_problem *p, const fx_flex_der *x, int s)
{
	double c = p->w_cost * x->price + p->w_reliability * (1 - x->rel) +
	    x->type_pref;

	return p->hours[s] * x->avail[s] * fmax(c, 1e-6);
}

static double
ref_cover(const fx_flex_der *x, int s)
{
	return x->rel * x->avail[s];
}

/* Is on/off pattern m (bit s: on in slot s) one the DER may run? */
static int
pattern_ok(const fx_flex_der *x, int S, unsigned m)
{
	int s, runs = 0, len = 0;

	for (s = 0; s <= S; s++) {
		if (s < S && (m >> s & 1)) {
			if (!ref_allowed(x, s))
				return 0;
			len++;
			continue;
		}
		if (len > 0) {
			runs++;
			if (len < x->min_slots || len > x->max_slots)
				return 0;
		}
		len = 0;
	}
	return x->max_starts < 0 || runs <= x->max_starts;
}

static int
patterns(const fx_flex_der *x, int S, unsigned *pat)
{
	unsigned m;
	int n = 0;

	for (m = 0; m < 1u << S; m++)
		if (pattern_ok(x, S, m))
			pat[n++] = m;
	return n;
}

static double
ref_objective(const fx_flex_problem *p, const double *kw)
{
	double z = 0;
	int d, s;

	for (s = 0; s < p->nslots; s++) {
		double got = 0;

		for (d = 0; d < p->nders; d++) {
			double k = kw[d * p->nslots + s];

			z += ref_coef(p, &p->ders[d], s) * k;
			got += ref_cover(&p->ders[d], s) * k;
		}
		if (got < p->required_kw[s])
			z += p->w_unmet * p->hours[s] *
			    (p->required_kw[s] - got);
	}
	return z;
}

/* Does kw satisfy the model (within KWTOL)?  0, or -1 and why in err. */
static int
ref_feasible(const fx_flex_problem *p, const double *kw, char *err,
    size_t errlen)
{
	int S = p->nslots, d, s, a;

	for (d = 0; d < p->nders; d++) {
		const fx_flex_der *x = &p->ders[d];
		unsigned m = 0;

		for (s = 0; s < S; s++) {
			double k = kw[d * S + s];

			if (!isfinite(k) || k < -KWTOL) {
				snprintf(err, errlen, "DER %d slot %d: %g kW",
				    d, s, k);
				return -1;
			}
			if (k <= KWTOL)
				continue;
			m |= 1u << s;
			if (k < ref_on_kw(x) - KWTOL || k > x->cap[s] + KWTOL) {
				snprintf(err, errlen, "DER %d slot %d: %g kW "
				    "outside %g..%g", d, s, k, ref_on_kw(x),
				    x->cap[s]);
				return -1;
			}
		}
		if (!pattern_ok(x, S, m)) {
			snprintf(err, errlen, "DER %d: on/off pattern %#x "
			    "not allowed", d, m);
			return -1;
		}
		for (s = 1; s < S; s++)
			if ((m >> s & 1) && (m >> (s - 1) & 1) &&
			    fabs(kw[d * S + s] - kw[d * S + s - 1]) > KWTOL *
			    (1 + fabs(kw[d * S + s]))) {
				snprintf(err, errlen, "DER %d slot %d: the "
				    "level changes within an activation", d, s);
				return -1;
			}
	}
	if (p->agg_share < 1)
		for (a = 0; a < p->naggs; a++)
			for (s = 0; s < S; s++) {
				double got = 0;

				for (d = 0; d < p->nders; d++)
					if (p->ders[d].aggregator == a)
						got += ref_cover(&p->ders[d],
						    s) * kw[d * S + s];
				if (got > p->agg_share * p->required_kw[s] +
				    KWTOL) {
					snprintf(err, errlen, "aggregator %d "
					    "slot %d over its share", a, s);
					return -1;
				}
			}
	return 0;
}

/* ---- the LP left once every DER's pattern is fixed ---- */

static void
set_bounds(glp_prob *lp, int col, double lo, double hi)
{
	if (hi > lo)
		glp_set_col_bnds(lp, col, GLP_DB, lo, hi);
	else
		glp_set_col_bnds(lp, col, GLP_FX, lo, lo);
}

/* Is [a, a + len) a run the DER may make? */
static int
run_ok(const fx_flex_der *x, int a, int len)
{
	int t;

	if (len < x->min_slots || len > x->max_slots)
		return 0;
	for (t = a; t < a + len; t++)
		if (!ref_allowed(x, t))
			return 0;
	return 1;
}

/* Is [a, a + len) one of the maximal runs of on slots of pattern m? */
static int
is_run(unsigned m, int S, int a, int len)
{
	int t;

	for (t = a; t < a + len; t++)
		if (!(m >> t & 1))
			return 0;
	return (a == 0 || !(m >> (a - 1) & 1)) &&
	    (a + len == S || !(m >> (a + len) & 1));
}

/* The next run of pattern m from slot *a on: 1 and [*a, *a + *len), or
 * 0 when there is none. */
static int
next_run(unsigned m, int S, int *a, int *len)
{
	int s = *a;

	while (s < S && !(m >> s & 1))
		s++;
	if (s >= S)
		return 0;
	*a = s;
	while (s < S && (m >> s & 1))
		s++;
	*len = s - *a;
	return 1;
}

static double
run_cap(const fx_flex_der *x, int a, int len)
{
	double c = x->cap[a];
	int t;

	for (t = a + 1; t < a + len; t++)
		c = fmin(c, x->cap[t]);
	return c;
}

/*
 * The LP in the levels of runs and the unmet volumes.  With pats NULL:
 * a level column for every run a DER may make, fixed at 0, its column
 * number in col; else only the runs of pats[d], free within their
 * bounds.
 */
static glp_prob *
build_lp(const fx_flex_problem *p, const unsigned *pats,
    int col[][MAXS][MAXS + 1])
{
	struct {
		int d, a, len;
	} c[MAXD * MAXS * MAXS];
	glp_prob *lp = glp_create_prob();
	int S = p->nslots, ind[MAXD * MAXS * MAXS + 2], nc = 0, n, d, a, len;
	int i, s, g, row;
	double val[MAXD * MAXS * MAXS + 2];

	glp_set_obj_dir(lp, GLP_MIN);
	for (d = 0; d < p->nders; d++) {
		const fx_flex_der *x = &p->ders[d];

		for (a = 0; a < S; a++)
			for (len = 1; a + len <= S; len++) {
				double z = 0;
				int t;

				if (pats ? !is_run(pats[d], S, a, len) :
				    !run_ok(x, a, len))
					continue;
				i = glp_add_cols(lp, 1);
				if (col != NULL)
					col[d][a][len] = i;
				for (t = a; t < a + len; t++)
					z += ref_coef(p, x, t);
				glp_set_obj_coef(lp, i, z);
				if (pats)
					set_bounds(lp, i, ref_on_kw(x),
					    run_cap(x, a, len));
				else
					glp_set_col_bnds(lp, i, GLP_FX, 0, 0);
				c[nc].d = d;
				c[nc].a = a;
				c[nc++].len = len;
			}
	}
	for (s = 0; s < S; s++) {
		i = glp_add_cols(lp, 1);	/* nc + 1 + s */
		set_bounds(lp, i, 0, p->required_kw[s]);
		glp_set_obj_coef(lp, i, p->w_unmet * p->hours[s]);
	}
	/* g -1: the cover row; g >= 0: aggregator g's share */
	for (s = 0; s < S; s++)
		for (g = -1; g < (p->agg_share < 1 ? p->naggs : 0); g++) {
			n = 0;
			for (i = 0; i < nc; i++) {
				const fx_flex_der *x = &p->ders[c[i].d];

				if (c[i].a <= s && s < c[i].a + c[i].len &&
				    (g < 0 || x->aggregator == g)) {
					ind[++n] = i + 1;
					val[n] = ref_cover(x, s);
				}
			}
			if (g < 0) {	/* cover */
				ind[++n] = nc + 1 + s;
				val[n] = 1;
			} else if (n == 0)
				continue;
			row = glp_add_rows(lp, 1);
			if (g < 0)
				glp_set_row_bnds(lp, row, GLP_LO,
				    p->required_kw[s], 0);
			else
				glp_set_row_bnds(lp, row, GLP_UP, 0,
				    p->agg_share * p->required_kw[s]);
			glp_set_mat_row(lp, row, n, ind, val);
		}
	return lp;
}

/* The optimum, HUGE_VAL when infeasible, NAN when GLPK fails. */
static double
lp_value(glp_prob *lp, const glp_smcp *sm)
{
	int rc = glp_simplex(lp, sm);

	if (rc != 0) {
		glp_std_basis(lp);
		rc = glp_simplex(lp, sm);
	}
	if (rc == 0 && glp_get_status(lp) == GLP_OPT)
		return glp_get_obj_val(lp);
	if (rc == 0 && (glp_get_status(lp) == GLP_NOFEAS ||
	    glp_get_prim_stat(lp) == GLP_NOFEAS))
		return HUGE_VAL;
	return NAN;
}

/* ---- the exhaustive search ---- */

struct ref {
	const fx_flex_problem *p;
	int npat[MAXD];
	unsigned pat[MAXD][1 << MAXS];
	int col[MAXD][MAXS][MAXS + 1];
	unsigned cur[MAXD], best_pat[MAXD];
	glp_prob *lp;
	glp_smcp warm, cold;
	double best;
	long leaves, colds, disagree, failed;
};

/* Frees (on) or fixes at 0 the levels of DER d's runs in pattern m. */
static void
set_pattern(struct ref *R, int d, unsigned m, int on)
{
	const fx_flex_der *x = &R->p->ders[d];
	int S = R->p->nslots, a, len;

	for (a = 0; next_run(m, S, &a, &len); a += len)
		if (on)
			set_bounds(R->lp, R->col[d][a][len], ref_on_kw(x),
			    run_cap(x, a, len));
		else
			glp_set_col_bnds(R->lp, R->col[d][a][len], GLP_FX, 0,
			    0);
}

/* The current combination solved again from scratch: must agree. */
static void
cold_check(struct ref *R, const unsigned *pats, double z)
{
	glp_prob *lp = build_lp(R->p, pats, NULL);
	double c = lp_value(lp, &R->cold);

	glp_delete_prob(lp);
	R->colds++;
	if (isnan(c) || isinf(c) != isinf(z) || (!isinf(z) &&
	    fabs(c - z) > RTOL * fmax(1, fabs(c)))) {
		R->disagree++;
		printf("# warm %.17g, cold %.17g\n", z, c);
	}
}

static void
search(struct ref *R, int d)
{
	int k;

	if (d == R->p->nders) {
		double z = lp_value(R->lp, &R->warm);

		if (isnan(z))
			R->failed++;
		else if (R->leaves % 32 == 0)
			cold_check(R, R->cur, z);
		R->leaves++;
		if (z < R->best) {
			R->best = z;
			memcpy(R->best_pat, R->cur, sizeof R->cur);
		}
		return;
	}
	for (k = 0; k < R->npat[d]; k++) {
		R->cur[d] = R->pat[d][k];
		set_pattern(R, d, R->cur[d], 1);
		search(R, d + 1);
		set_pattern(R, d, R->cur[d], 0);
	}
	R->cur[d] = 0;
}

static double
exhaustive(const fx_flex_problem *p, struct ref *R)
{
	int d;

	memset(R, 0, sizeof *R);
	R->p = p;
	R->best = HUGE_VAL;
	for (d = 0; d < p->nders; d++)
		R->npat[d] = patterns(&p->ders[d], p->nslots, R->pat[d]);
	glp_init_smcp(&R->warm);
	R->warm.msg_lev = GLP_MSG_OFF;
	R->warm.meth = GLP_DUALP;
	glp_init_smcp(&R->cold);
	R->cold.msg_lev = GLP_MSG_OFF;
	R->lp = build_lp(p, NULL, R->col);
	search(R, 0);
	glp_delete_prob(R->lp);
	R->lp = NULL;
	cold_check(R, R->best_pat, R->best);
	return R->best;
}

/* ---- random instances ---- */

static void
rand_der(fx_flex_der *x, const fx_flex_problem *p, int restricted)
{
	int S = p->nslots, s, r;

	memset(x, 0, sizeof *x);
	x->aggregator = irand(p->naggs);
	x->rel = irand(4) == 0 ? 1 : unif(0.4, 1);
	x->price = unif(0, 20);
	x->type_pref = irand(3) == 0 ? unif(-4, 3) : 0;
	x->min_kw = irand(3) == 0 ? unif(1, 40) : 0;
	if (restricted) {
		x->min_slots = x->max_slots = S - irand(S < 3 ? S : 3);
		x->max_starts = 1;
	} else {
		x->min_slots = 1 + irand(S < 3 ? S : 3);
		x->max_slots = x->min_slots + irand(S - x->min_slots + 1);
		r = irand(12);
		x->max_starts = r < 5 ? -1 : r < 9 ? 1 : r < 11 ? 2 : 0;
	}
	for (s = 0; s < S; s++) {
		double u = unif(0, 1);

		x->avail[s] = u < 0.15 ? 0 : u < 0.35 ? unif(0.3, 1) : 1;
		x->cap[s] = irand(10) == 0 ? unif(0, 1 + x->min_kw) :
		    unif(2, 80);
	}
}

static void
rand_problem(fx_flex_problem *p, int S)
{
	static const double len[] = { 0.25, 0.5, 1 };
	int s;

	memset(p, 0, sizeof *p);
	p->nslots = S;
	for (s = 0; s < S; s++) {
		p->hours[s] = irand(4) == 0 ? unif(0.2, 1.5) : len[irand(3)];
		p->required_kw[s] = irand(8) == 0 ? 0 : unif(5, 120);
	}
	p->naggs = 1 + irand(MAXA);
	p->agg_share = irand(2) ? 1 : unif(0.3, 0.95);
	p->w_cost = unif(0.5, 2);
	p->w_reliability = irand(3) == 0 ? 0 : unif(0, 5);
	p->w_unmet = unif(2, 40);
	p->time_limit_ms = 10000;
}

/* An instance whose patterns multiply to at most BUDGET combinations. */
static void
rand_instance(struct inst *in, uint64_t seed, int big)
{
	unsigned pat[1 << MAXS];
	double combos = 1;
	int r = 0, d, tries, n;

	rng_state = seed;
	if (!big)
		r = irand(10);
	rand_problem(&in->p, big ? 3 + irand(2) : r == 0 ? 1 : r < 3 ? 2 :
	    r < 6 ? 3 : 4);
	in->p.nders = big ? 9 + irand(2) : 3 + irand(5);
	in->p.ders = in->d;
	for (d = 0; d < in->p.nders; d++)
		for (tries = 0;; tries++) {
			rand_der(&in->d[d], &in->p, big || tries >= 20);
			if (tries >= 40)
				in->d[d].max_starts = 0;
			n = patterns(&in->d[d], in->p.nslots, pat);
			if (combos * n <= BUDGET) {
				combos *= n;
				break;
			}
		}
}

/* ---- reporting ---- */

static void
dump(const fx_flex_problem *p, const double *kw, const char *what)
{
	int d, s;

	printf("# slots %d aggs %d share %g w %g %g %g\n#  hours", p->nslots,
	    p->naggs, p->agg_share, p->w_cost, p->w_reliability,
	    p->w_unmet);
	for (s = 0; s < p->nslots; s++)
		printf(" %g", p->hours[s]);
	printf("\n#  required");
	for (s = 0; s < p->nslots; s++)
		printf(" %.17g", p->required_kw[s]);
	printf("\n");
	for (d = 0; d < p->nders; d++) {
		const fx_flex_der *x = &p->ders[d];

		printf("#  DER %d: agg %d rel %.17g price %.17g pref %.17g "
		    "min_kw %.17g slots %d..%d starts %d\n#   cap/avail",
		    d, x->aggregator, x->rel, x->price, x->type_pref,
		    x->min_kw, x->min_slots, x->max_slots, x->max_starts);
		for (s = 0; s < p->nslots; s++)
			printf(" %.17g/%.17g", x->cap[s], x->avail[s]);
		if (kw != NULL) {
			printf("\n#   %s kW", what);
			for (s = 0; s < p->nslots; s++)
				printf(" %.17g", kw[d * p->nslots + s]);
		}
		printf("\n");
	}
}

/* The checks every result must pass: fx_flex_check and ours, and its
 * objective as fx_flex_objective and as computed here. */
static void
check_result(const fx_flex_problem *p, const fx_flex_result *r,
    const char *name, const char *solver)
{
	char err[256], lbl[256];
	int s, fine = 1;

	err[0] = '\0';
	ok(fx_flex_check(p, r->kw, err, sizeof err) == 0, "%s: %s passes "
	    "fx_flex_check %s", name, solver, err);
	err[0] = '\0';
	if (!ok(ref_feasible(p, r->kw, err, sizeof err) == 0, "%s: %s is "
	    "feasible (checked here) %s", name, solver, err))
		dump(p, r->kw, solver);
	snprintf(lbl, sizeof lbl, "%s: %s objective is fx_flex_objective",
	    name, solver);
	is_num(fx_flex_objective(p, r->kw), r->objective, 1e-9, lbl);
	snprintf(lbl, sizeof lbl, "%s: %s objective as computed here",
	    name, solver);
	is_num(r->objective, ref_objective(p, r->kw), 1e-9, lbl);
	for (s = 0; s < p->nslots; s++) {
		double got = 0;
		int d;

		for (d = 0; d < p->nders; d++)
			got += ref_cover(&p->ders[d], s) * r->kw[d * p->nslots +
			    s];
		if (fabs(r->unmet_kw[s] - fmax(p->required_kw[s] - got, 0)) >
		    1e-9 * fmax(1, p->required_kw[s]))
			fine = 0;
	}
	ok(fine, "%s: %s unmet_kw is what the allocation leaves", name,
	    solver);
}

static int
is_optimal(const fx_flex_result *r)
{
	return r->status != NULL && strcmp(r->status, "optimal") == 0 &&
	    r->solver == FX_FLEX_MILP;
}

/* ---- 1, 2: random instances against the exhaustive search ---- */

struct tally {
	long instances, big, leaves, colds, disagree, failed, optimal;
	long used, runs, unmet;
};

/* One instance against the exhaustive search. */
static void
random_case(const fx_flex_problem *p, const char *name, struct tally *t)
{
	static struct ref R;
	fx_flex_result r, g;
	char err[256] = "", lbl[256];
	double want;
	int rc, rcg, s;

	want = exhaustive(p, &R);
	t->instances++;
	t->big += p->nders >= 9;
	t->colds += R.colds;
	t->leaves += R.leaves;
	t->disagree += R.disagree;
	t->failed += R.failed;
	rc = fx_flex_solve(p, &r, err, sizeof err);
	rcg = fx_flex_greedy(p, &g, err, sizeof err);
	if (!ok(rc == 0 && rcg == 0, "%s (%d DERs x %d slots): both solvers "
	    "return 0 %s", name, p->nders, p->nslots, err)) {
		fx_flex_result_free(&r);
		fx_flex_result_free(&g);
		return;
	}
	if (!ok(is_optimal(&r), "%s: MILP status optimal (%s, solver %d)",
	    name, r.status ? r.status : "(null)", r.solver))
		dump(p, NULL, NULL);
	t->optimal += is_optimal(&r);
	snprintf(lbl, sizeof lbl, "%s: MILP objective is the exhaustive "
	    "optimum", name);
	if (!is_num(r.objective, want, RTOL, lbl)) {
		dump(p, r.kw, "MILP");
		printf("#  optimal patterns");
		for (s = 0; s < p->nders; s++)
			printf(" %#x", R.best_pat[s]);
		printf("\n");
	}
	if (!ok(g.objective >= r.objective - RTOL * fmax(1,
	    fabs(r.objective)), "%s: greedy %.9g no better than MILP %.9g",
	    name, g.objective, r.objective))
		dump(p, g.kw, "greedy");
	check_result(p, &r, name, "MILP");
	check_result(p, &g, name, "greedy");
	for (s = 0; s < p->nslots; s++)
		t->unmet += r.unmet_kw[s] > 1e-6;
	for (s = 0; s < p->nders * p->nslots; s++) {
		t->used += r.kw[s] > 0;
		t->runs += r.kw[s] > 0 && (s % p->nslots == 0 ||
		    r.kw[s - 1] == 0);
	}
	fx_flex_result_free(&r);
	fx_flex_result_free(&g);
}

/*
 * NRANDOM instances, every tenth with 9-10 DERs; then every third again
 * with the objective's weights (w_cost, w_reliability, w_unmet,
 * type_pref) times 1e4: the same problem in other money, well inside the
 * ranges fx_flex_validate accepts, whose objectives reach 1e7; and each
 * one again with every kW value times 1e5 (the model's own unit must keep
 * GLPK's absolute tolerances from mattering).
 */
static void
test_random(void)
{
	struct tally t, big;
	struct inst in;
	char name[64];
	int i, d;

	memset(&t, 0, sizeof t);
	memset(&big, 0, sizeof big);
	for (i = 0; i < NRANDOM; i++) {
		rand_instance(&in, 7000 + (uint64_t)i, i % 10 == 9);
		snprintf(name, sizeof name, "rand %d", i);
		random_case(&in.p, name, &t);
	}
	for (i = 0; i < NRANDOM; i += 3) {
		rand_instance(&in, 7000 + (uint64_t)i, i % 10 == 9);
		in.p.w_cost *= 1e4;
		in.p.w_reliability *= 1e4;
		in.p.w_unmet *= 1e4;
		for (d = 0; d < in.p.nders; d++)
			in.d[d].type_pref *= 1e4;
		snprintf(name, sizeof name, "rand %d, weights x 1e4", i);
		random_case(&in.p, name, &big);
	}
	/* and each in MW-scale feeders: every kW value times 1e5 */
	for (i = 0; i < NRANDOM; i++) {
		rand_instance(&in, 7000 + (uint64_t)i, i % 10 == 9);
		for (d = 0; d < in.p.nslots; d++)
			in.p.required_kw[d] *= 1e5;
		for (d = 0; d < in.p.nders; d++) {
			int s;

			in.d[d].min_kw *= 1e5;
			for (s = 0; s < in.p.nslots; s++)
				in.d[d].cap[s] *= 1e5;
		}
		snprintf(name, sizeof name, "rand %d, kW x 1e5", i);
		random_case(&in.p, name, &big);
	}
	ok(t.disagree + big.disagree == 0 && t.failed + big.failed == 0,
	    "the reference: %ld of %ld LPs solved again from scratch agree "
	    "(%ld disagree, %ld GLPK failures)", t.colds + big.colds,
	    t.leaves + big.leaves, t.disagree + big.disagree,
	    t.failed + big.failed);
	printf("# %ld instances (%ld with 9-10 DERs), %ld pattern "
	    "combinations, %ld optimal; the MILP booked %ld DER-slots in "
	    "%ld activations and left %ld slots short\n", t.instances, t.big,
	    t.leaves, t.optimal, t.used, t.runs, t.unmet);
	printf("# weights x 1e4 or kW x 1e5: %ld instances, %ld optimal\n",
	    big.instances, big.optimal);
	ok(t.big >= 10 && t.unmet > 0 && t.runs > 0 && t.used > t.runs,
	    "the instances include 9-10 DERs, unmet volume, activations "
	    "over several slots");
}

/* ---- 3: hand-built cases ---- */

/* S slots of an hour, no volume, D DERs of aggregator 0 at price 1 that
 * may run anywhere at up to 100 kW; w_unmet 100. */
static void
base(struct inst *in, int S, int D)
{
	int d, s;

	memset(in, 0, sizeof *in);
	in->p.nslots = S;
	for (s = 0; s < S; s++)
		in->p.hours[s] = 1;
	in->p.nders = D;
	in->p.ders = D > 0 ? in->d : NULL;
	in->p.naggs = 1;
	in->p.agg_share = 1;
	in->p.w_cost = 1;
	in->p.w_unmet = 100;
	in->p.time_limit_ms = 10000;
	for (d = 0; d < D; d++) {
		fx_flex_der *x = &in->d[d];

		x->rel = 1;
		x->price = 1;
		x->min_slots = 1;
		x->max_slots = S;
		x->max_starts = -1;
		for (s = 0; s < S; s++) {
			x->cap[s] = 100;
			x->avail[s] = 1;
		}
	}
}

/* Solves in by both solvers; checks both results, and that the MILP is
 * optimal and the greedy no better.  Returns the MILP result. */
static void
solve_case(const struct inst *in, const char *name, fx_flex_result *r)
{
	fx_flex_result g;
	char err[256] = "";

	if (!ok(fx_flex_solve(&in->p, r, err, sizeof err) == 0 &&
	    fx_flex_greedy(&in->p, &g, err, sizeof err) == 0,
	    "%s: both solvers return 0 %s", name, err)) {
		printf("Bail out! %s\n", name);
		exit(1);
	}
	ok(is_optimal(r), "%s: MILP optimal (%s)", name,
	    r->status ? r->status : "(null)");
	if (in->p.nslots <= MAXS) {
		static struct ref R;
		char lbl[256];

		snprintf(lbl, sizeof lbl, "%s: MILP objective is the "
		    "exhaustive optimum", name);
		is_num(r->objective, exhaustive(&in->p, &R), RTOL, lbl);
	}
	check_result(&in->p, r, name, "MILP");
	check_result(&in->p, &g, name, "greedy");
	ok(g.objective >= r->objective - RTOL * fmax(1, fabs(r->objective)),
	    "%s: greedy %g no better than MILP %g", name, g.objective,
	    r->objective);
	fx_flex_result_free(&g);
}

/* The MILP's kW for DER d equals want[0..S-1] (1e-6 relative). */
static void
is_kw(const struct inst *in, const fx_flex_result *r, int d,
    const double *want, const char *name)
{
	int S = in->p.nslots, s, pass = 1;

	for (s = 0; s < S; s++)
		if (fabs(r->kw[d * S + s] - want[s]) > 1e-6 * fmax(1,
		    fabs(want[s])))
			pass = 0;
	if (!ok(pass, "%s", name)) {
		printf("#   got ");
		for (s = 0; s < S; s++)
			printf(" %.17g", r->kw[d * S + s]);
		printf("\n#  want ");
		for (s = 0; s < S; s++)
			printf(" %.17g", want[s]);
		printf("\n");
	}
}

static void
test_capacity(void)
{
	struct inst in;
	fx_flex_result r;

	/* 100 kW needed; A is cheap but gives 30 kW at most */
	base(&in, 1, 2);
	in.p.required_kw[0] = 100;
	in.d[0].cap[0] = 30;
	in.d[1].price = 2;
	solve_case(&in, "capacity", &r);
	is_kw(&in, &r, 0, (double[]){ 30 }, "capacity: the cheap DER is "
	    "booked at its 30 kW");
	is_kw(&in, &r, 1, (double[]){ 70 }, "capacity: the dearer one gives "
	    "the other 70");
	is_num(r.objective, 30 + 2 * 70, 1e-9, "capacity: objective 170");
	fx_flex_result_free(&r);
}

static void
test_min_kw(void)
{
	struct inst in;
	fx_flex_result r;

	/* 10 kW needed from a DER that cannot run below 25 */
	base(&in, 1, 1);
	in.p.required_kw[0] = 10;
	in.d[0].min_kw = 25;
	solve_case(&in, "min_kw", &r);
	is_kw(&in, &r, 0, (double[]){ 25 }, "min_kw: booked 25 kW for a "
	    "10 kW need");
	is_num(r.unmet_kw[0], 0, 1e-9, "min_kw: nothing unmet");
	is_num(r.objective, 25, 1e-9, "min_kw: objective 25");
	fx_flex_result_free(&r);

	/* the same DER where its minimum is dearer than leaving it unmet */
	in.p.w_unmet = 2;
	solve_case(&in, "min_kw, cheap unmet", &r);
	is_kw(&in, &r, 0, (double[]){ 0 }, "min_kw: not booked when 25 kW "
	    "cost more than 10 kW unmet");
	is_num(r.objective, 20, 1e-9, "min_kw, cheap unmet: objective 20");
	fx_flex_result_free(&r);
}

static void
test_avail(void)
{
	struct inst in;
	fx_flex_result r;

	/* half the slot: 60 kW booked covers 30 kW on average */
	base(&in, 1, 1);
	in.p.required_kw[0] = 30;
	in.d[0].avail[0] = 0.5;
	solve_case(&in, "avail 0.5", &r);
	is_kw(&in, &r, 0, (double[]){ 60 }, "avail 0.5: 60 kW booked for "
	    "30 kW");
	is_num(r.unmet_kw[0], 0, 1e-9, "avail 0.5: nothing unmet");
	is_num(r.objective, 30, 1e-9, "avail 0.5: paid for half an hour");
	fx_flex_result_free(&r);

	/* and its capacity then covers only half as much */
	in.d[0].cap[0] = 40;
	solve_case(&in, "avail 0.5, cap 40", &r);
	is_kw(&in, &r, 0, (double[]){ 40 }, "avail 0.5, cap 40: booked "
	    "its 40 kW");
	is_num(r.unmet_kw[0], 10, 1e-9, "avail 0.5, cap 40: 10 kW unmet");
	fx_flex_result_free(&r);
}

static void
test_not_allowed(void)
{
	struct inst in;
	fx_flex_result r;

	/* A is cheap but cannot run in slot 1 */
	base(&in, 2, 2);
	in.p.required_kw[0] = in.p.required_kw[1] = 50;
	in.d[0].avail[1] = 0;
	in.d[1].price = 2;
	solve_case(&in, "avail 0", &r);
	is_kw(&in, &r, 0, (double[]){ 50, 0 }, "avail 0: the cheap DER is "
	    "off where it cannot run");
	is_kw(&in, &r, 1, (double[]){ 0, 50 }, "avail 0: the dearer one "
	    "runs there");
	is_num(r.objective, 150, 1e-9, "avail 0: objective 150");
	fx_flex_result_free(&r);

	/* capacity below min_kw: cannot run either */
	base(&in, 2, 1);
	in.p.required_kw[0] = 30;
	in.p.required_kw[1] = 5;
	in.d[0].min_kw = 20;
	in.d[0].cap[1] = 10;
	solve_case(&in, "cap < min_kw", &r);
	is_kw(&in, &r, 0, (double[]){ 30, 0 }, "cap < min_kw: off in the "
	    "slot whose capacity is below min_kw");
	is_num(r.unmet_kw[1], 5, 1e-9, "cap < min_kw: its 5 kW are unmet");
	is_num(r.objective, 30 + 500, 1e-9, "cap < min_kw: objective 530");
	fx_flex_result_free(&r);
}

static void
test_min_slots(void)
{
	struct inst in;
	fx_flex_result r;

	/* need only in slot 1; slot 2 is half an hour, so the second
	 * slot of the run is cheaper there */
	base(&in, 3, 1);
	in.p.required_kw[1] = 40;
	in.p.hours[2] = 0.5;
	solve_case(&in, "min_slots 1", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 40, 0 }, "min_slots 1: runs in "
	    "slot 1 alone");
	is_num(r.objective, 40, 1e-9, "min_slots 1: objective 40");
	fx_flex_result_free(&r);

	in.d[0].min_slots = 2;
	solve_case(&in, "min_slots 2", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 40, 40 }, "min_slots 2: runs "
	    "slots 1-2 at one level");
	is_num(r.objective, 40 + 0.5 * 40, 1e-9, "min_slots 2: objective "
	    "60");
	fx_flex_result_free(&r);

	/* a run of 2 cannot start in the last slot: with need only there
	 * it must start in slot 1 */
	base(&in, 3, 1);
	in.p.required_kw[2] = 40;
	in.d[0].min_slots = 2;
	solve_case(&in, "min_slots 2, need at the end", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 40, 40 }, "min_slots 2, need at "
	    "the end: runs slots 1-2");
	is_num(r.objective, 80, 1e-9, "min_slots 2, need at the end: "
	    "objective 80");
	fx_flex_result_free(&r);

	/* nor across a slot it cannot run in: run 1-2 instead of 2-3 */
	base(&in, 4, 1);
	in.p.required_kw[2] = 40;
	in.p.hours[1] = 2;
	in.d[0].min_slots = 2;
	in.d[0].avail[3] = 0;
	solve_case(&in, "min_slots 2, blocked", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 40, 40, 0 }, "min_slots 2, slot 3 "
	    "not allowed: runs slots 1-2, though slot 1 is two hours");
	is_num(r.objective, 120, 1e-9, "min_slots 2, blocked: objective 120");
	fx_flex_result_free(&r);
}

/* A at price 1 and B at 3.5 over 3 slots needing 30, 20, 35 kW. */
static void
two_ders(struct inst *in)
{
	base(in, 3, 2);
	in->p.required_kw[0] = 30;
	in->p.required_kw[1] = 20;
	in->p.required_kw[2] = 35;
	in->d[1].price = 3.5;
}

static void
test_max_slots(void)
{
	struct inst in;
	fx_flex_result r;

	two_ders(&in);
	solve_case(&in, "max_slots 3", &r);
	is_kw(&in, &r, 0, (double[]){ 35, 35, 35 }, "max_slots 3: the cheap "
	    "DER covers all three slots at the largest need");
	is_kw(&in, &r, 1, (double[]){ 0, 0, 0 }, "max_slots 3: the dearer "
	    "one is not used");
	is_num(r.objective, 105, 1e-9, "max_slots 3: objective 105");
	fx_flex_result_free(&r);

	in.d[0].max_slots = 2;
	solve_case(&in, "max_slots 2", &r);
	is_kw(&in, &r, 0, (double[]){ 30, 0, 35 }, "max_slots 2: the cheap "
	    "DER runs twice, skipping the smallest need");
	is_kw(&in, &r, 1, (double[]){ 0, 20, 0 }, "max_slots 2: the dearer "
	    "one fills the gap");
	is_num(r.objective, 65 + 70, 1e-9, "max_slots 2: objective 135");
	fx_flex_result_free(&r);

	in.d[0].max_slots = 1;
	solve_case(&in, "max_slots 1", &r);
	is_kw(&in, &r, 0, (double[]){ 30, 0, 35 }, "max_slots 1: two runs "
	    "of one slot");
	fx_flex_result_free(&r);
}

static void
test_max_starts(void)
{
	struct inst in;
	fx_flex_result r;

	two_ders(&in);
	in.d[0].max_slots = 2;
	in.d[0].max_starts = 1;
	solve_case(&in, "max_starts 1", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 35, 35 }, "max_starts 1: one run, "
	    "the larger pair of slots");
	is_kw(&in, &r, 1, (double[]){ 30, 0, 0 }, "max_starts 1: the dearer "
	    "DER takes slot 0");
	is_num(r.objective, 70 + 105, 1e-9, "max_starts 1: objective 175");
	fx_flex_result_free(&r);

	/* three separate needs for a DER that runs a slot at a time; with
	 * two starts it takes the two largest */
	base(&in, 5, 2);
	in.p.required_kw[0] = 30;
	in.p.required_kw[2] = 20;
	in.p.required_kw[4] = 35;
	in.d[0].max_slots = 1;
	in.d[1].price = 3;
	solve_case(&in, "max_starts any", &r);
	is_kw(&in, &r, 0, (double[]){ 30, 0, 20, 0, 35 }, "max_starts any: "
	    "three runs");
	fx_flex_result_free(&r);
	in.d[0].max_starts = 2;
	solve_case(&in, "max_starts 2", &r);
	is_kw(&in, &r, 0, (double[]){ 30, 0, 0, 0, 35 }, "max_starts 2: "
	    "two runs, the largest needs");
	is_kw(&in, &r, 1, (double[]){ 0, 0, 20, 0, 0 }, "max_starts 2: the "
	    "dearer DER takes the third");
	is_num(r.objective, 65 + 60, 1e-9, "max_starts 2: objective 125");
	fx_flex_result_free(&r);

	/* max_starts 0: never; B cannot cover slots 0 and 2 apart from 1
	 * (the runs would touch it), so it runs all three at 35 */
	two_ders(&in);
	in.d[0].max_starts = 0;
	solve_case(&in, "max_starts 0", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 0, 0 }, "max_starts 0: never on");
	is_kw(&in, &r, 1, (double[]){ 35, 35, 35 }, "max_starts 0: the "
	    "other DER in one activation");
	is_num(r.objective, 3 * 35 * 3.5, 1e-9, "max_starts 0: objective "
	    "367.5");
	fx_flex_result_free(&r);
}

/* One level per activation, and two activations may not touch. */
static void
test_level(void)
{
	struct inst in;
	fx_flex_result r;

	/* 10 then 40 kW: separate runs at 10 and 40 would touch */
	base(&in, 2, 1);
	in.p.required_kw[0] = 10;
	in.p.required_kw[1] = 40;
	solve_case(&in, "level", &r);
	is_kw(&in, &r, 0, (double[]){ 40, 40 }, "level: one activation at "
	    "40 kW over both slots");
	is_num(r.objective, 80, 1e-9, "level: objective 80");
	fx_flex_result_free(&r);

	/* a dearer DER for the small slot is cheaper than the overshoot */
	base(&in, 2, 2);
	in.p.required_kw[0] = 10;
	in.p.required_kw[1] = 40;
	in.d[1].price = 1.5;
	solve_case(&in, "level, two DERs", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 40 }, "level, two DERs: the cheap "
	    "one in slot 1");
	is_kw(&in, &r, 1, (double[]){ 10, 0 }, "level, two DERs: the other "
	    "in slot 0");
	is_num(r.objective, 55, 1e-9, "level, two DERs: objective 55");
	fx_flex_result_free(&r);

	/* the capacity of a run is its least slot's */
	base(&in, 2, 2);
	in.p.required_kw[0] = in.p.required_kw[1] = 50;
	in.d[0].min_slots = 2;
	in.d[0].cap[1] = 30;
	in.d[1].price = 2;
	solve_case(&in, "run capacity", &r);
	is_kw(&in, &r, 0, (double[]){ 30, 30 }, "run capacity: the cheap "
	    "DER at the 30 kW of its smaller slot");
	is_kw(&in, &r, 1, (double[]){ 20, 20 }, "run capacity: the other "
	    "gives 20");
	is_num(r.objective, 60 + 80, 1e-9, "run capacity: objective 140");
	fx_flex_result_free(&r);
}

static void
test_agg_share(void)
{
	struct inst in;
	fx_flex_result r;

	/* A and C of aggregator 0 may cover 60% of 100 kW; B (1) the rest */
	base(&in, 1, 3);
	in.p.required_kw[0] = 100;
	in.p.naggs = 2;
	in.p.agg_share = 0.6;
	in.d[0].cap[0] = 200;
	in.d[0].rel = 0.8;
	in.d[1].aggregator = 1;
	in.d[1].price = 2;
	in.d[2].price = 1.5;
	solve_case(&in, "agg_share 0.6", &r);
	is_kw(&in, &r, 0, (double[]){ 75 }, "agg_share 0.6: aggregator 0's "
	    "cheap DER expected to cover 60 kW (75 kW at rel 0.8)");
	is_kw(&in, &r, 2, (double[]){ 0 }, "agg_share 0.6: its other DER "
	    "stays off");
	is_kw(&in, &r, 1, (double[]){ 40 }, "agg_share 0.6: aggregator 1 "
	    "covers the other 40");
	is_num(r.objective, 75 + 80, 1e-9, "agg_share 0.6: objective 155");
	fx_flex_result_free(&r);

	/* only aggregator 0: the rest is unmet */
	in.p.nders = 1;
	solve_case(&in, "agg_share 0.6, one aggregator", &r);
	is_kw(&in, &r, 0, (double[]){ 75 }, "agg_share 0.6, one "
	    "aggregator: capped by its share");
	is_num(r.unmet_kw[0], 40, 1e-9, "agg_share 0.6, one aggregator: "
	    "40 kW unmet");
	fx_flex_result_free(&r);
}

static void
test_unmet(void)
{
	struct inst in;
	fx_flex_result r;

	/* price 4 at rel 0.5 is 8 per expected kWh */
	base(&in, 1, 1);
	in.p.required_kw[0] = 50;
	in.d[0].price = 4;
	in.d[0].rel = 0.5;
	in.p.w_unmet = 5;
	solve_case(&in, "w_unmet 5", &r);
	is_kw(&in, &r, 0, (double[]){ 0 }, "w_unmet 5: a DER at 8 per "
	    "expected kWh is not used");
	is_num(r.unmet_kw[0], 50, 1e-9, "w_unmet 5: all 50 kW unmet");
	is_num(r.objective, 250, 1e-9, "w_unmet 5: objective 250");
	fx_flex_result_free(&r);

	in.p.w_unmet = 10;
	solve_case(&in, "w_unmet 10", &r);
	is_kw(&in, &r, 0, (double[]){ 100 }, "w_unmet 10: it is");
	is_num(r.objective, 400, 1e-9, "w_unmet 10: objective 400");
	fx_flex_result_free(&r);
}

static void
test_rel(void)
{
	struct inst in;
	fx_flex_result r;

	base(&in, 1, 1);
	in.p.required_kw[0] = 40;
	in.d[0].rel = 0.5;
	solve_case(&in, "rel 0.5", &r);
	is_kw(&in, &r, 0, (double[]){ 80 }, "rel 0.5: twice the kW booked");
	is_num(r.unmet_kw[0], 0, 1e-9, "rel 0.5: nothing unmet");
	is_num(r.objective, 80, 1e-9, "rel 0.5: objective 80");
	fx_flex_result_free(&r);

	in.p.w_reliability = 1;
	solve_case(&in, "rel 0.5, w_reliability 1", &r);
	is_num(r.objective, 80 * 1.5, 1e-9, "rel 0.5, w_reliability 1: "
	    "0.5 more per kWh");
	fx_flex_result_free(&r);

	/* w_reliability moves the choice to the reliable DER */
	base(&in, 1, 2);
	in.p.required_kw[0] = 40;
	in.d[0].rel = 0.9;
	in.d[1].price = 1.2;
	solve_case(&in, "w_reliability 0", &r);
	is_kw(&in, &r, 0, (double[]){ 40 / 0.9 }, "w_reliability 0: the "
	    "cheaper, less reliable DER");
	fx_flex_result_free(&r);
	in.p.w_reliability = 5;
	solve_case(&in, "w_reliability 5", &r);
	is_kw(&in, &r, 1, (double[]){ 40 }, "w_reliability 5: the reliable "
	    "one");
	is_kw(&in, &r, 0, (double[]){ 0 }, "w_reliability 5: not the other");
	fx_flex_result_free(&r);
}

static void
test_type_pref(void)
{
	struct inst in;
	fx_flex_result r;

	base(&in, 1, 2);
	in.p.required_kw[0] = 50;
	in.d[1].price = 1.5;
	solve_case(&in, "type_pref 0", &r);
	is_kw(&in, &r, 0, (double[]){ 50 }, "type_pref 0: the cheaper DER");
	fx_flex_result_free(&r);

	in.d[0].type_pref = 1;
	solve_case(&in, "type_pref +1", &r);
	is_kw(&in, &r, 1, (double[]){ 50 }, "type_pref +1 on it: the "
	    "other");
	is_kw(&in, &r, 0, (double[]){ 0 }, "type_pref +1 on it: not it");
	is_num(r.objective, 75, 1e-9, "type_pref +1: objective 75");
	fx_flex_result_free(&r);

	in.d[0].type_pref = 0;
	in.d[1].type_pref = -1;
	solve_case(&in, "type_pref -1", &r);
	is_kw(&in, &r, 1, (double[]){ 50 }, "type_pref -1 on the dearer: "
	    "it");
	is_num(r.objective, 25, 1e-9, "type_pref -1: objective 25");
	fx_flex_result_free(&r);

	/* below zero the cost is floored at 1e-6 per kWh */
	in.d[1].type_pref = -5;
	solve_case(&in, "type_pref -5", &r);
	is_kw(&in, &r, 1, (double[]){ 50 }, "type_pref -5: it, at the "
	    "floor");
	is_num(r.objective, 50e-6, 1e-9, "type_pref -5: objective 50e-6");
	fx_flex_result_free(&r);
}

static void
test_zero(void)
{
	struct inst in;
	fx_flex_result r;
	int s;

	/* no volume: nothing booked, even with min_slots and min_kw */
	base(&in, 3, 3);
	in.p.naggs = 2;
	in.p.agg_share = 0.5;
	in.d[0].min_slots = 2;
	in.d[1].min_kw = 5;
	in.d[2].aggregator = 1;
	in.d[2].type_pref = -10;
	solve_case(&in, "no volume", &r);
	is_kw(&in, &r, 0, (double[]){ 0, 0, 0 }, "no volume: DER 0 off");
	is_kw(&in, &r, 1, (double[]){ 0, 0, 0 }, "no volume: DER 1 off");
	is_kw(&in, &r, 2, (double[]){ 0, 0, 0 }, "no volume: DER 2 off");
	is_num(r.objective, 0, 0, "no volume: objective 0");
	fx_flex_result_free(&r);

	/* no DERs: all unmet */
	base(&in, 2, 0);
	in.p.required_kw[0] = 10;
	in.p.required_kw[1] = 20;
	in.p.hours[1] = 0.5;
	solve_case(&in, "no DERs", &r);
	for (s = 0; s < 2; s++)
		is_num(r.unmet_kw[s], in.p.required_kw[s], 0, "no DERs: all "
		    "unmet");
	is_num(r.objective, 100 * 10 + 100 * 0.5 * 20, 1e-9, "no DERs: "
	    "objective 2000");
	fx_flex_result_free(&r);
}

/* fx_flex_check against allocations that break one constraint each
 * (aggregator 0's share is 40 kW a slot, as is aggregator 1's). */
static void
test_check(void)
{
	struct inst in;
	double kw[3 * 3];
	char err[256];
	int k;

	for (k = 0; k < 9; k++) {
		const char *what = "";

		base(&in, 3, 3);
		in.p.required_kw[0] = in.p.required_kw[1] = 50;
		in.p.required_kw[2] = 50;
		in.p.naggs = 2;
		in.p.agg_share = 0.8;
		in.d[0].min_slots = 2;
		in.d[0].max_slots = 2;
		in.d[1].min_kw = 10;
		in.d[1].max_starts = 1;
		in.d[1].avail[2] = 0;
		in.d[2].aggregator = 1;
		memset(kw, 0, sizeof kw);
		kw[0] = kw[1] = 20;	/* DER 0: run 0-1 */
		kw[3] = 10;		/* DER 1: slot 0 */
		kw[6] = kw[7] = kw[8] = 30;	/* DER 2: all */
		switch (k) {
		case 0:
			what = "a feasible allocation";
			break;
		case 1:
			in.d[2].cap[1] = 25, what = "over capacity";
			break;
		case 2:
			kw[3] = 5, what = "below min_kw";
			break;
		case 3:
			kw[3] = 0, kw[5] = 10, what = "on where avail is 0";
			break;
		case 4:
			kw[1] = 0, what = "a run shorter than min_slots";
			break;
		case 5:
			kw[2] = 20, what = "a run longer than max_slots";
			break;
		case 6:
			in.d[1].avail[2] = 1;
			kw[5] = 10, what = "more starts than max_starts";
			break;
		case 7:
			kw[6] = kw[7] = kw[8] = 45;
			what = "over the aggregator's share";
			break;
		case 8:
			kw[1] = 25, what = "a level that changes within a run";
			break;
		}
		err[0] = '\0';
		if (k == 0) {
			ok(fx_flex_check(&in.p, kw, err, sizeof err) == 0 &&
			    ref_feasible(&in.p, kw, err, sizeof err) == 0,
			    "check: %s passes %s", what, err);
			continue;
		}
		ok(fx_flex_check(&in.p, kw, err, sizeof err) == -1 &&
		    err[0] != '\0', "check: %s is rejected (%s)", what, err);
		ok(ref_feasible(&in.p, kw, err, sizeof err) == -1,
		    "check here: %s is rejected", what);
	}
}

/* ---- 4: invalid problems ---- */

static void
test_validate(void)
{
	static const char *what[] = {
		"nslots 0", "nslots > FX_FLEX_MAX_SLOTS", "nslots < 0",
		"negative required", "rel 0", "rel > 1", "min_slots 0",
		"max_slots < min_slots", "aggregator -1", "aggregator naggs",
		"agg_share 0", "agg_share > 1", "time_limit_ms 0",
		"time_limit_ms < 0"
	};
	struct inst in;
	fx_flex_result r;
	char err[256];
	int k;

	base(&in, 2, 2);
	in.p.naggs = 2;
	in.d[1].aggregator = 1;
	in.p.required_kw[0] = 10;
	err[0] = '\0';
	ok(fx_flex_validate(&in.p, err, sizeof err) == 0, "validate: the "
	    "base problem is valid %s", err);
	for (k = 0; k < (int)(sizeof what / sizeof *what); k++) {
		int rc;

		base(&in, 2, 2);
		in.p.naggs = 2;
		in.d[1].aggregator = 1;
		in.p.required_kw[0] = 10;
		switch (k) {
		case 0: in.p.nslots = 0; break;
		case 1: in.p.nslots = FX_FLEX_MAX_SLOTS + 1; break;
		case 2: in.p.nslots = -1; break;
		case 3: in.p.required_kw[1] = -1; break;
		case 4: in.d[1].rel = 0; break;
		case 5: in.d[0].rel = 1.01; break;
		case 6: in.d[0].min_slots = 0; break;
		case 7: in.d[1].min_slots = 2, in.d[1].max_slots = 1; break;
		case 8: in.d[0].aggregator = -1; break;
		case 9: in.d[1].aggregator = 2; break;
		case 10: in.p.agg_share = 0; break;
		case 11: in.p.agg_share = 1.5; break;
		case 12: in.p.time_limit_ms = 0; break;
		case 13: in.p.time_limit_ms = -5; break;
		}
		err[0] = '\0';
		ok(fx_flex_validate(&in.p, err, sizeof err) == -1 &&
		    err[0] != '\0', "validate: %s rejected (%s)", what[k], err);
		err[0] = '\0';
		memset(&r, 0, sizeof r);
		rc = fx_flex_solve(&in.p, &r, err, sizeof err);
		ok(rc == -1 && err[0] != '\0', "solve: %s returns -1 (%s)",
		    what[k], err);
		fx_flex_result_free(&r);
		err[0] = '\0';
		memset(&r, 0, sizeof r);
		rc = fx_flex_greedy(&in.p, &r, err, sizeof err);
		ok(rc == -1 && err[0] != '\0', "greedy: %s returns -1 (%s)",
		    what[k], err);
		fx_flex_result_free(&r);
	}
}

/* ---- 5: a time limit the MILP cannot meet ---- */

static void
test_time_limit(void)
{
	fx_flex_problem p;
	fx_flex_der *ders;
	fx_flex_result r, g;
	char err[256] = "";
	int d, rc;

	rng_state = 424242;
	rand_problem(&p, 4);
	p.nders = 300;
	p.time_limit_ms = 1;
	ders = calloc((size_t)p.nders, sizeof *ders);
	if (ders == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (d = 0; d < p.nders; d++)
		rand_der(&ders[d], &p, 0);
	p.ders = ders;
	rc = fx_flex_solve(&p, &r, err, sizeof err);
	if (!ok(rc == 0 && r.kw != NULL && r.status != NULL, "time limit "
	    "1 ms, 300 DERs x 4 slots: returns 0 %s", err)) {
		free(ders);
		return;
	}
	printf("# status %s, solver %d, gap %g, %.1f ms\n", r.status,
	    r.solver, r.gap, r.solve_ms);
	ok(r.solver == FX_FLEX_MILP || r.solver == FX_FLEX_GREEDY, "time "
	    "limit: a MILP or greedy result");
	check_result(&p, &r, "time limit", "result");
	rc = fx_flex_greedy(&p, &g, err, sizeof err);
	ok(rc == 0 && r.objective <= g.objective + RTOL * fmax(1,
	    fabs(g.objective)), "time limit: no worse than greedy (%g vs "
	    "%g)", r.objective, g.objective);
	if (rc == 0)
		fx_flex_result_free(&g);
	fx_flex_result_free(&r);
	free(ders);
}

int
main(void)
{
	test_capacity();
	test_min_kw();
	test_avail();
	test_not_allowed();
	test_min_slots();
	test_max_slots();
	test_max_starts();
	test_level();
	test_agg_share();
	test_unmet();
	test_rel();
	test_type_pref();
	test_zero();
	test_check();
	test_validate();
	test_random();
	test_time_limit();
	return done();
}
