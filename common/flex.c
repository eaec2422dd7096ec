/*
 * flex.c - the flexibility allocation MILP (GLPK) and the greedy
 * merit-order allocation.  The model is written out in flex.h.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glpk.h>

#include "err.h"
#include "flex.h"

#define TOL 1e-6		/* kW: what counts as zero, and slack in checks */
#define MIN_COEF 1e-6		/* per kWh: the floor of a DER's objective cost */
#define GREEDY_ROUNDS 4		/* activations a DER may get from the greedy */

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static double
on_kw(const fx_flex_der *d)
{
	return d->min_kw > FX_FLEX_ON_KW ? d->min_kw : FX_FLEX_ON_KW;
}

/* May DER d be on in slot s at all? */
static int
allowed(const fx_flex_der *d, int s)
{
	return d->avail[s] > 0 && d->cap[s] >= on_kw(d) && d->max_starts != 0;
}

/* Is a run of d over [a, a + len) long enough in hours? */
static int
long_enough(const fx_flex_problem *p, const fx_flex_der *d, int a, int len)
{
	double h = 0;
	int t;

	if (d->min_hours <= 0)
		return 1;
	for (t = a; t < a + len; t++)
		h += p->hours[t];
	return h >= d->min_hours - 1e-9;
}

/* Objective cost per kWh the DER runs. */
static double
per_kwh(const fx_flex_problem *p, const fx_flex_der *d)
{
	double c = p->w_cost * d->price + p->w_reliability * (1 - d->rel) +
	    d->type_pref;

	return c > MIN_COEF ? c : MIN_COEF;
}

static double
coef(const fx_flex_problem *p, const fx_flex_der *d, int s)
{
	return p->hours[s] * d->avail[s] * per_kwh(p, d);
}

static double
cover(const fx_flex_der *d, int s)
{
	return d->rel * d->avail[s];
}

int
fx_flex_validate(const fx_flex_problem *p, char *err, size_t errlen)
{
	int d, s;

	if (p->nslots < 1 || p->nslots > FX_FLEX_MAX_SLOTS) {
		snprintf(err, errlen, "slots: %d, want 1 to %d", p->nslots,
		    FX_FLEX_MAX_SLOTS);
		return -1;
	}
	for (s = 0; s < p->nslots; s++)
		if (!(p->hours[s] > 0 && p->hours[s] < 1e6) ||
		    !(p->required_kw[s] >= 0 && p->required_kw[s] < 1e12)) {
			snprintf(err, errlen, "slot %d: bad length or "
			    "required volume", s);
			return -1;
		}
	if (p->nders < 0 || (p->nders > 0 && p->ders == NULL) ||
	    p->naggs < 0 || !(p->agg_share > 0 && p->agg_share <= 1) ||
	    !(p->w_cost >= 0 && p->w_cost < 1e9) ||
	    !(p->w_reliability >= 0 && p->w_reliability < 1e9) ||
	    !(p->w_unmet >= 0 && p->w_unmet < 1e9) || p->time_limit_ms <= 0) {
		snprintf(err, errlen, "bad problem parameters");
		return -1;
	}
	for (d = 0; d < p->nders; d++) {
		const fx_flex_der *x = &p->ders[d];

		if (x->aggregator < 0 || x->aggregator >= p->naggs ||
		    !(x->rel > 0 && x->rel <= 1) ||
		    !(x->price >= 0 && x->price < 1e9) ||
		    !(fabs(x->type_pref) < 1e9) ||
		    !(x->min_kw >= 0 && x->min_kw < 1e12) ||
		    !(x->min_hours >= 0 && x->min_hours < 1e6) ||
		    x->min_slots < 1 || x->max_slots < x->min_slots) {
			snprintf(err, errlen, "DER %d: bad parameters", d);
			return -1;
		}
		for (s = 0; s < p->nslots; s++)
			if (!(x->cap[s] >= 0 && x->cap[s] < 1e12) ||
			    !(x->avail[s] >= 0 && x->avail[s] <= 1)) {
				snprintf(err, errlen, "DER %d slot %d: bad "
				    "capacity or availability", d, s);
				return -1;
			}
	}
	return 0;
}

void
fx_flex_result_free(fx_flex_result *r)
{
	free(r->kw);
	r->kw = NULL;
}

/* Unmet volume per slot of an allocation. */
static void
unmet_of(const fx_flex_problem *p, const double *kw, double *unmet)
{
	int d, s;

	for (s = 0; s < p->nslots; s++) {
		double got = 0;

		for (d = 0; d < p->nders; d++)
			got += cover(&p->ders[d], s) * kw[d * p->nslots + s];
		unmet[s] = p->required_kw[s] - got > 0 ?
		    p->required_kw[s] - got : 0;
	}
}

double
fx_flex_objective(const fx_flex_problem *p, const double *kw)
{
	double unmet[FX_FLEX_MAX_SLOTS], z = 0;
	int d, s;

	unmet_of(p, kw, unmet);
	for (d = 0; d < p->nders; d++)
		for (s = 0; s < p->nslots; s++)
			z += coef(p, &p->ders[d], s) * kw[d * p->nslots + s];
	for (s = 0; s < p->nslots; s++)
		z += p->w_unmet * p->hours[s] * unmet[s];
	return z;
}

int
fx_flex_check(const fx_flex_problem *p, const double *kw, char *err,
    size_t errlen)
{
	int d, s, S = p->nslots;

	for (d = 0; d < p->nders; d++) {
		const fx_flex_der *x = &p->ders[d];
		const double *k = kw + d * S;
		int runs = 0, len = 0;

		for (s = 0; s <= S; s++) {
			int on = s < S && k[s] > TOL;

			if (s < S && !(k[s] >= -TOL)) {
				snprintf(err, errlen, "DER %d slot %d: negative "
				    "kW %g", d, s, k[s]);
				return -1;
			}
			if (on && !allowed(x, s)) {
				snprintf(err, errlen, "DER %d slot %d: booked "
				    "where it cannot run", d, s);
				return -1;
			}
			if (on && (k[s] > x->cap[s] + TOL ||
			    k[s] < on_kw(x) - TOL)) {
				snprintf(err, errlen, "DER %d slot %d: %g kW "
				    "outside %g..%g", d, s, k[s], on_kw(x),
				    x->cap[s]);
				return -1;
			}
			if (on && len > 0 && fabs(k[s] - k[s - 1]) > TOL *
			    (1 + fabs(k[s]))) {
				snprintf(err, errlen, "DER %d slot %d: %g kW "
				    "changes the level %g of its activation",
				    d, s, k[s], k[s - 1]);
				return -1;
			}
			if (on) {
				len++;
				continue;
			}
			if (len > 0) {
				runs++;
				if (len < x->min_slots || len > x->max_slots ||
				    !long_enough(p, x, s - len, len)) {
					snprintf(err, errlen, "DER %d: a run "
					    "of %d slots ending at slot %d, "
					    "want %d to %d", d, len, s - 1,
					    x->min_slots, x->max_slots);
					return -1;
				}
			}
			len = 0;
		}
		if (x->max_starts >= 0 && runs > x->max_starts) {
			snprintf(err, errlen, "DER %d: %d activations, at "
			    "most %d", d, runs, x->max_starts);
			return -1;
		}
	}
	if (p->agg_share < 1) {
		int a;

		for (a = 0; a < p->naggs; a++)
			for (s = 0; s < S; s++) {
				double got = 0;

				for (d = 0; d < p->nders; d++)
					if (p->ders[d].aggregator == a)
						got += cover(&p->ders[d], s) *
						    kw[d * S + s];
				if (got > p->agg_share * p->required_kw[s] +
				    TOL) {
					snprintf(err, errlen, "aggregator %d "
					    "slot %d: %g kW over its share",
					    a, s, got - p->agg_share *
					    p->required_kw[s]);
					return -1;
				}
			}
	}
	return 0;
}

/* ---- greedy merit order ---- */

struct merit {
	double eff;
	int d;
};

static int
cmp_merit(const void *a, const void *b)
{
	const struct merit *x = a, *y = b;

	if (x->eff != y->eff)
		return x->eff < y->eff ? -1 : 1;
	return (x->d > y->d) - (x->d < y->d);
}

static int
start_result(const fx_flex_problem *p, fx_flex_result *r, char *err,
    size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->gap = -1;
	if (fx_flex_validate(p, err, errlen) != 0)
		return -1;
	r->kw = fx_xcalloc((unsigned long)(p->nders > 0 ? p->nders : 1) *
	    (unsigned long)p->nslots, sizeof *r->kw);
	return 0;
}

static void
finish_result(const fx_flex_problem *p, fx_flex_result *r)
{
	unmet_of(p, r->kw, r->unmet_kw);
	r->objective = fx_flex_objective(p, r->kw);
}

/*
 * After the greedy pass: each DER, most expensive first, gives back what
 * the others cover anyway: its whole activation, slots at either end
 * (keeping its minimum length), or level (down to on_kw), wherever every
 * slot it serves stays covered.  Unmet volume never grows; cost falls.
 */
static void
trim(const fx_flex_problem *p, double *kw, const struct merit *order)
{
	int S = p->nslots, i, s;
	double surplus[FX_FLEX_MAX_SLOTS];

	for (s = 0; s < S; s++) {
		double got = 0;
		int d;

		for (d = 0; d < p->nders; d++)
			got += cover(&p->ders[d], s) * kw[d * S + s];
		surplus[s] = got - p->required_kw[s];
	}
	for (i = p->nders - 1; i >= 0; i--) {
		const fx_flex_der *x = &p->ders[order[i].d];
		double *k = kw + order[i].d * S, q, cut = DBL_MAX;
		int a, b, all = 1;

		for (a = 0; a < S && k[a] <= 0; a++)
			;
		if (a == S)
			continue;
		for (b = a; b < S && k[b] > 0; b++)
			;
		q = k[a];
		for (s = a; s < b; s++)
			all &= surplus[s] >= cover(x, s) * q - TOL;
		if (all) {
			for (s = a; s < b; s++) {
				surplus[s] -= cover(x, s) * q;
				k[s] = 0;
			}
			continue;
		}
		while (b - a > x->min_slots && long_enough(p, x, a + 1,
		    b - a - 1) && surplus[a] >= cover(x, a) * q - TOL) {
			surplus[a] -= cover(x, a) * q;
			k[a++] = 0;
		}
		while (b - a > x->min_slots && long_enough(p, x, a,
		    b - a - 1) && surplus[b - 1] >= cover(x, b - 1) * q - TOL) {
			surplus[b - 1] -= cover(x, b - 1) * q;
			k[--b] = 0;
		}
		for (s = a; s < b; s++)
			if (surplus[s] / cover(x, s) < cut)
				cut = surplus[s] / cover(x, s);
		if (cut > 0 && q - cut < on_kw(x))
			cut = q - on_kw(x);
		if (cut > TOL)
			for (s = a; s < b; s++) {
				surplus[s] -= cover(x, s) * cut;
				k[s] = q - cut;
			}
	}
}

/* The greedy allocation into kw (zeroed, nders * nslots). */
static void
greedy(const fx_flex_problem *p, double *kw)
{
	int S = p->nslots, i, s, round, added;
	double need[FX_FLEX_MAX_SLOTS];
	double *aggleft = fx_xmalloc((unsigned long)(p->naggs > 0 ?
	    p->naggs : 1) * (unsigned long)S * sizeof *aggleft);
	struct merit *order = fx_xmalloc((unsigned long)(p->nders > 0 ?
	    p->nders : 1) * sizeof *order);

	for (s = 0; s < S; s++)
		need[s] = p->required_kw[s];
	for (i = 0; i < p->naggs * S; i++)
		aggleft[i] = p->agg_share < 1 ?
		    p->agg_share * p->required_kw[i % S] : DBL_MAX;
	for (i = 0; i < p->nders; i++) {
		order[i].eff = per_kwh(p, &p->ders[i]) / p->ders[i].rel;
		order[i].d = i;
	}
	qsort(order, (size_t)p->nders, sizeof *order, cmp_merit);
	/* rounds: a DER may add an activation while need is left */
	for (round = 0, added = 1; round < GREEDY_ROUNDS && added; round++)
	for (i = 0, added = 0; i < p->nders; i++) {
		const fx_flex_der *x = &p->ders[order[i].d];
		const double *mine = kw + order[i].d * S;
		double *al = aggleft + x->aggregator * S;
		double best = 0, best_q = 0;
		int a, len, best_a = -1, best_len = 0, runs = 0;

		if (order[i].eff > p->w_unmet)
			break;		/* unmet volume is cheaper from here */
		for (s = 0; s < S; s++)
			runs += mine[s] > 0 && (s == 0 || mine[s - 1] <= 0);
		if (x->max_starts >= 0 && runs >= x->max_starts)
			continue;
		for (a = 0; a < S; a++)
			for (len = x->min_slots; len <= x->max_slots &&
			    a + len <= S; len++) {
				double lo = on_kw(x), hi = DBL_MAX, q = 0;
				double net = 0;
				int t, ok = 1;

				/* not over or next to its own activations */
				for (t = a > 0 ? a - 1 : 0; t < S && t <= a + len;
				    t++)
					if (mine[t] > 0)
						ok = 0;
				for (t = a; t < a + len && ok; t++) {
					double c = cover(x, t);

					if (!allowed(x, t)) {
						ok = 0;
						break;
					}
					if (x->cap[t] < hi)
						hi = x->cap[t];
					if (al[t] / c < hi)
						hi = al[t] / c;
					if (need[t] / c > q)
						q = need[t] / c;
				}
				if (!ok || hi < lo - TOL ||
				    !long_enough(p, x, a, len))
					continue;
				if (q < lo)
					q = lo;
				if (q > hi)
					q = hi;
				for (t = a; t < a + len; t++) {
					double c = cover(x, t);
					double got = c * q < need[t] ? c * q :
					    need[t];

					net += p->w_unmet * p->hours[t] * got -
					    coef(p, x, t) * q;
				}
				if (net > best + 1e-9) {
					best = net;
					best_a = a;
					best_len = len;
					best_q = q;
				}
			}
		if (best_a < 0)
			continue;
		added = 1;
		for (s = best_a; s < best_a + best_len; s++) {
			double c = cover(x, s);

			kw[order[i].d * S + s] = best_q;
			need[s] = need[s] - c * best_q > 0 ?
			    need[s] - c * best_q : 0;
			if (p->agg_share < 1)
				al[s] = al[s] - c * best_q > 0 ?
				    al[s] - c * best_q : 0;
		}
	}
	trim(p, kw, order);
	free(order);
	free(aggleft);
}

int
fx_flex_greedy(const fx_flex_problem *p, fx_flex_result *r, char *err,
    size_t errlen)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (start_result(p, r, err, errlen) != 0)
		return -1;
	greedy(p, r->kw);
	finish_result(p, r);
	r->solver = FX_FLEX_GREEDY;
	r->status = "greedy";
	r->solve_ms = ms_since(&t0);
	return 0;
}

/* ---- the MILP ---- */

struct run {
	int d, a, len;		/* DER, first slot, slots */
	int z, q;		/* columns */
};

struct milp {
	const fx_flex_problem *p;
	struct run *runs;
	int nruns;
	int *wc;		/* unmet column per slot */
	double *heur;		/* the greedy solution, by column (1-based) */
	int gave;
	double k;		/* kW per unit of the model (see build) */
	double bound;		/* best lower bound seen; -DBL_MAX: none */
	jmp_buf fail;
};

static void
on_glpk_error(void *info)
{
	struct milp *m = info;

	longjmp(m->fail, 1);
}

static void
callback(glp_tree *tree, void *info)
{
	struct milp *m = info;
	int best;

	switch (glp_ios_reason(tree)) {
	case GLP_IHEUR:
		if (!m->gave) {
			m->gave = 1;
			glp_ios_heur_sol(tree, m->heur);
		}
		break;
	case GLP_ISELECT:
	case GLP_IBINGO:
	case GLP_IBRANCH:
		if ((best = glp_ios_best_node(tree)) != 0) {
			double b = glp_ios_node_bound(tree, best);

			if (b > m->bound)
				m->bound = b;
		}
		break;
	default:
		break;
	}
}

/* A row sum_k val[k] x[ind[k]] (type, lb, ub); ind and val 1-based. */
static void
add_row(glp_prob *lp, int n, const int *ind, const double *val, int type,
    double lb, double ub)
{
	int r = glp_add_rows(lp, 1);

	glp_set_row_bnds(lp, r, type, lb, ub);
	glp_set_mat_row(lp, r, n, ind, val);
}

/* Every run each DER could make, into m->runs (by DER, then start). */
static void
enumerate_runs(struct milp *m)
{
	const fx_flex_problem *p = m->p;
	int S = p->nslots, d, a, len, cap = 64;

	m->runs = fx_xmalloc((unsigned long)cap * sizeof *m->runs);
	for (d = 0; d < p->nders; d++) {
		const fx_flex_der *x = &p->ders[d];

		for (a = 0; a < S; a++)
			for (len = x->min_slots; len <= x->max_slots &&
			    a + len <= S; len++) {
				int t;

				for (t = a; t < a + len; t++)
					if (!allowed(x, t))
						break;
				if (t < a + len)
					break;	/* longer runs cross it too */
				if (!long_enough(p, x, a, len))
					continue;
				if (m->nruns == cap) {
					cap *= 2;
					m->runs = fx_xrealloc(m->runs,
					    (unsigned long)cap *
					    sizeof *m->runs);
				}
				m->runs[m->nruns].d = d;
				m->runs[m->nruns].a = a;
				m->runs[m->nruns++].len = len;
			}
	}
}

static double
run_cap(const fx_flex_der *x, const struct run *r)
{
	double c = x->cap[r->a];
	int t;

	for (t = r->a + 1; t < r->a + r->len; t++)
		if (x->cap[t] < c)
			c = x->cap[t];
	return c;
}

static void
build(struct milp *m, glp_prob *lp)
{
	const fx_flex_problem *p = m->p;
	int S = p->nslots, s, t, n, i, j, first;
	int cap = 2 * m->nruns + S + 4;
	int *ind = fx_xmalloc((unsigned long)cap * sizeof *ind);
	double *val = fx_xmalloc((unsigned long)cap * sizeof *val);

	/*
	 * The model's unit of power is k kW, k the largest need or capacity:
	 * levels and volumes are then at most 1, so big capacities do not
	 * meet GLPK's absolute tolerances (a z of 1e-6 letting q run free).
	 * The objective keeps its value: costs per unit are k times those
	 * per kW.
	 */
	m->k = 1;
	for (s = 0; s < S; s++)
		if (p->required_kw[s] > m->k)
			m->k = p->required_kw[s];
	for (i = 0; i < m->nruns; i++)
		if (run_cap(&p->ders[m->runs[i].d], &m->runs[i]) > m->k)
			m->k = run_cap(&p->ders[m->runs[i].d], &m->runs[i]);
	glp_set_obj_dir(lp, GLP_MIN);
	for (i = 0; i < m->nruns; i++) {
		struct run *r = &m->runs[i];
		const fx_flex_der *x = &p->ders[r->d];
		double c = 0;

		r->z = glp_add_cols(lp, 2);
		r->q = r->z + 1;
		glp_set_col_kind(lp, r->z, GLP_BV);
		glp_set_col_bnds(lp, r->q, GLP_DB, 0, run_cap(x, r) / m->k);
		for (t = r->a; t < r->a + r->len; t++)
			c += coef(p, x, t);
		glp_set_obj_coef(lp, r->q, c * m->k);
		/* on_kw z <= q <= cap z */
		ind[1] = r->q, val[1] = 1;
		ind[2] = r->z, val[2] = -run_cap(x, r) / m->k;
		add_row(lp, 2, ind, val, GLP_UP, 0, 0);
		val[2] = -on_kw(x) / m->k;
		add_row(lp, 2, ind, val, GLP_LO, 0, 0);
	}
	for (s = 0; s < S; s++) {
		m->wc[s] = glp_add_cols(lp, 1);
		if (p->required_kw[s] > 0)
			glp_set_col_bnds(lp, m->wc[s], GLP_DB, 0,
			    p->required_kw[s] / m->k);
		else
			glp_set_col_bnds(lp, m->wc[s], GLP_FX, 0, 0);
		glp_set_obj_coef(lp, m->wc[s], p->w_unmet * p->hours[s] *
		    m->k);
	}
	/* cover */
	for (s = 0; s < S; s++) {
		n = 0;
		for (i = 0; i < m->nruns; i++) {
			const struct run *r = &m->runs[i];

			if (r->a <= s && s < r->a + r->len) {
				ind[++n] = r->q;
				val[n] = cover(&p->ders[r->d], s);
			}
		}
		ind[++n] = m->wc[s];
		val[n] = 1;
		add_row(lp, n, ind, val, GLP_LO, p->required_kw[s] / m->k, 0);
	}
	/* per DER: no overlap or touch; activations */
	for (first = 0; first < m->nruns; first = j) {
		const fx_flex_der *x = &p->ders[m->runs[first].d];

		for (j = first; j < m->nruns &&
		    m->runs[j].d == m->runs[first].d; j++)
			;
		for (s = 0; s < S; s++) {
			n = 0;
			for (i = first; i < j; i++) {
				const struct run *r = &m->runs[i];

				if ((r->a <= s && s < r->a + r->len) ||
				    r->a == s + 1) {
					ind[++n] = r->z;
					val[n] = 1;
				}
			}
			if (n > 1)
				add_row(lp, n, ind, val, GLP_UP, 0, 1);
		}
		if (x->max_starts > 0 && j - first > x->max_starts) {
			n = 0;
			for (i = first; i < j; i++) {
				ind[++n] = m->runs[i].z;
				val[n] = 1;
			}
			add_row(lp, n, ind, val, GLP_UP, 0, x->max_starts);
		}
	}
	if (p->agg_share < 1) {
		int a;

		for (a = 0; a < p->naggs; a++)
			for (s = 0; s < S; s++) {
				n = 0;
				for (i = 0; i < m->nruns; i++) {
					const struct run *r = &m->runs[i];

					if (p->ders[r->d].aggregator == a &&
					    r->a <= s && s < r->a + r->len) {
						ind[++n] = r->q;
						val[n] = cover(&p->ders[r->d], s);
					}
				}
				if (n > 0)
					add_row(lp, n, ind, val, GLP_UP, 0,
					    p->agg_share * p->required_kw[s] /
					    m->k);
			}
	}
	free(ind);
	free(val);
}

/* The greedy allocation kw as a column vector for glp_ios_heur_sol. */
static void
heur_vector(struct milp *m, const double *kw, int ncols)
{
	const fx_flex_problem *p = m->p;
	double unmet[FX_FLEX_MAX_SLOTS];
	int S = p->nslots, i, s;

	m->heur = fx_xcalloc((unsigned long)ncols + 1, sizeof *m->heur);
	for (i = 0; i < m->nruns; i++) {
		const struct run *r = &m->runs[i];
		const double *k = kw + r->d * S;
		int t, match = (r->a == 0 || k[r->a - 1] <= TOL) &&
		    (r->a + r->len == S || k[r->a + r->len] <= TOL);

		/* [a, a + len) is one of the DER's greedy activations:
		 * every run of the allocation must be given, or GLPK takes
		 * an incumbent that is not feasible */
		for (t = r->a; t < r->a + r->len && match; t++)
			match = k[t] > TOL;
		if (match) {
			m->heur[r->z] = 1;
			m->heur[r->q] = k[r->a] / m->k;
		}
	}
	unmet_of(p, kw, unmet);
	for (s = 0; s < S; s++)
		m->heur[m->wc[s]] = unmet[s] / m->k;
}

int
fx_flex_solve(const fx_flex_problem *p, fx_flex_result *r, char *err,
    size_t errlen)
{
	struct timespec t0;
	struct milp m;
	glp_prob *volatile lp = NULL;
	double *greedy_kw;
	volatile int ok = 0;
	int S = p->nslots, n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (start_result(p, r, err, errlen) != 0)
		return -1;
	n = p->nders * S;
	greedy_kw = fx_xcalloc((unsigned long)(n > 0 ? n : 1),
	    sizeof *greedy_kw);
	greedy(p, greedy_kw);
	memset(&m, 0, sizeof m);
	m.p = p;
	m.bound = -DBL_MAX;
	m.wc = fx_xcalloc((unsigned long)S, sizeof *m.wc);
	enumerate_runs(&m);
	r->status = "solver_failed";
	glp_term_out(GLP_OFF);
	glp_error_hook(on_glpk_error, &m);
	if (setjmp(m.fail) == 0) {
		glp_smcp sm;
		glp_iocp io;
		int rc;
		double left;

		lp = glp_create_prob();
		build(&m, lp);
		heur_vector(&m, greedy_kw, glp_get_num_cols(lp));
		glp_init_smcp(&sm);
		sm.msg_lev = GLP_MSG_OFF;
		left = p->time_limit_ms - ms_since(&t0);
		sm.tm_lim = left > 1 ? (int)left : 1;
		rc = glp_simplex(lp, &sm);
		left = p->time_limit_ms - ms_since(&t0);
		if (rc == GLP_ETMLIM || left < 1)
			r->status = "time_limit";
		else if (rc == 0 && glp_get_status(lp) == GLP_OPT) {
			glp_init_iocp(&io);
			io.msg_lev = GLP_MSG_OFF;
			io.tm_lim = (int)left;
			io.cb_func = callback;
			io.cb_info = &m;
			io.br_tech = GLP_BR_DTH;
			io.bt_tech = GLP_BT_BLB;
			rc = glp_intopt(lp, &io);
			n = glp_mip_status(lp);
			if ((rc == 0 || rc == GLP_ETMLIM) &&
			    (n == GLP_OPT || n == GLP_FEAS)) {
				ok = 1;
				r->status = n == GLP_OPT && rc == 0 ?
				    "optimal" : "time_limit";
			} else if (rc == GLP_ETMLIM)
				r->status = "time_limit";
		}
	} else
		lp = NULL;	/* glp_free_env() below releases it */
	glp_error_hook(NULL, NULL);
	if (ok) {
		int i, t;
		double g;

		for (i = 0; i < m.nruns; i++) {
			const struct run *rn = &m.runs[i];
			const fx_flex_der *x = &p->ders[rn->d];
			double q;

			if (glp_mip_col_val(lp, rn->z) < 0.5)
				continue;
			q = glp_mip_col_val(lp, rn->q) * m.k;
			if (q > run_cap(x, rn))
				q = run_cap(x, rn);
			if (q < on_kw(x))
				q = on_kw(x);
			for (t = rn->a; t < rn->a + rn->len; t++)
				r->kw[rn->d * S + t] = q;
		}
		r->solver = FX_FLEX_MILP;
		finish_result(p, r);
		if (strcmp(r->status, "optimal") == 0)
			r->gap = 0;
		else if (m.bound > -DBL_MAX)
			r->gap = (r->objective - m.bound) /
			    (fabs(r->objective) + DBL_EPSILON);
		if (r->gap > 0 && r->gap < 1e-9)
			r->gap = 0;
		/* numerical slack must not make a worse or invalid answer */
		g = fx_flex_objective(p, greedy_kw);
		if (fx_flex_check(p, r->kw, err, errlen) != 0 ||
		    r->objective > g + 1e-9 * (1 + fabs(g)))
			ok = 0;
	}
	if (!ok) {
		memcpy(r->kw, greedy_kw, (size_t)p->nders * (size_t)S *
		    sizeof *r->kw);
		finish_result(p, r);
		r->solver = FX_FLEX_GREEDY;
		r->gap = -1;
		r->status = strcmp(r->status, "time_limit") == 0 ?
		    "time_limit_greedy" : "solver_failed_greedy";
	}
	if (lp != NULL)
		glp_delete_prob(lp);
	else
		glp_free_env();
	free(greedy_kw);
	free(m.runs);
	free(m.wc);
	free(m.heur);
	r->solve_ms = ms_since(&t0);
	return 0;
}
