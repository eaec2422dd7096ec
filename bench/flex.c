/*
 * flex.c - the flexibility allocation (common/flex) on random instances of
 * the size the SRS asks for: 500 DERs, 4 slots of 15 minutes.  Built and
 * run by bench/plan.sh.
 *
 * Usage: flex [instances [reps [limit_ms [long_ms [seed [ders]]]]]]
 * (defaults 100, 3, 200, 20000, 1, 500).  Each instance is made from its
 * own fixed-seed stream (seed, instance number), so one can be rebuilt
 * alone.  Every instance is solved reps times by fx_flex_solve at
 * limit_ms (the timed runs, all done first) and once by fx_flex_greedy;
 * then once by fx_flex_solve at long_ms (0: not at all), the reference:
 * the optimum, or the best objective and bound found in that time.
 * Every solution is checked with fx_flex_check; a failure ends the run
 * (exit 1).
 *
 * Prints a header and one tab-separated row per instance and rep; times
 * are wall-clock ms around the call (what a caller waits) and the CPU ms
 * of the process over it.  Gaps are relative to the objective: "gap" is
 * what the solver reported (-1 unknown), true_gap the limited run's
 * objective against the best known (the reference's, or the limited
 * run's if lower), bound_gap against the reference's lower bound (an
 * upper limit on the true gap), greedy_worse the greedy objective
 * against the best known.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flex.h"

#define MAXDERS 5000

static int nders = 500;
#define NSLOTS 4

/* splitmix64: small, fixed, the same everywhere */
static uint64_t rng;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double
unif(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static double
between(double lo, double hi)
{
	return lo + (hi - lo) * unif();
}

static int
pick(int lo, int hi)
{
	return lo + (int)(next() % (uint64_t)(hi - lo + 1));
}

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Instance k.  A fifth of the instances are residential feeders (EVs and
 * HVAC only, 5-15 kW), whose fleet cannot always supply 500-5000 kW, so
 * that some instances leave volume unmet; the rest mix EVs (5-11 kW),
 * HVAC (5-25 kW), commercial loads (25-100 kW) and batteries (100-300 kW).
 */
static void
make(int k, uint64_t seed, fx_flex_problem *p, fx_flex_der *ders)
{
	int d, s, residential = k % 5 == 4;

	rng = seed * 1000003ULL + (uint64_t)k;
	memset(p, 0, sizeof *p);
	memset(ders, 0, (size_t)nders * sizeof *ders);
	p->nslots = NSLOTS;
	for (s = 0; s < NSLOTS; s++) {
		p->hours[s] = 0.25;
		p->required_kw[s] = between(500, 5000);
	}
	p->nders = nders;
	p->ders = ders;
	p->naggs = pick(5, 20);
	p->agg_share = k % 2 ? 0.4 : 1.0;
	p->w_cost = 1;
	p->w_reliability = 0.1;
	p->w_unmet = 10;
	for (d = 0; d < nders; d++) {
		fx_flex_der *x = &ders[d];
		double u = unif(), cap, r;
		int ev = 0;

		if (residential)
			ev = u < 0.6, cap = between(5, 15);
		else if (u < 0.5)
			ev = 1, cap = between(5, 11);
		else if (u < 0.85)
			cap = between(5, 25);
		else if (u < 0.95)
			cap = between(25, 100);
		else
			cap = between(100, 300);
		x->aggregator = pick(0, p->naggs - 1);
		x->rel = between(0.7, 1.0);
		x->price = between(0.05, 0.60);
		for (s = 0; s < NSLOTS; s++) {
			x->cap[s] = cap;
			x->avail[s] = 1;
		}
		/* an EV that leaves: no capacity from some slot on */
		if (ev && unif() < 0.15)
			for (s = pick(1, NSLOTS - 1); s < NSLOTS; s++)
				x->cap[s] = 0;
		/* response time: too slow for slot 0, or part of it */
		r = unif();
		if (r < 0.10)
			x->avail[0] = 0;
		else if (r < 0.25)
			x->avail[0] = between(0.2, 0.95);
		else if (r < 0.30)	/* short duration: part of every slot */
			for (s = 0; s < NSLOTS; s++)
				x->avail[s] = between(0.5, 0.95);
		x->min_kw = unif() < 0.25 ? cap * between(0.1, 0.3) : 0;
		x->min_slots = pick(1, 2);
		x->max_slots = pick(x->min_slots, 4);
		x->max_starts = pick(0, 3);
		if (x->max_starts == 0)
			x->max_starts = -1;
	}
	p->time_limit_ms = 200;
}

/* Expected kW the fleet could give in slot s, every DER at capacity. */
static double
deliverable(const fx_flex_problem *p, int s)
{
	double t = 0;
	int d;

	for (d = 0; d < p->nders; d++)
		t += p->ders[d].rel * p->ders[d].avail[s] * p->ders[d].cap[s];
	return t;
}

static void
check(const char *what, int k, const fx_flex_problem *p,
    const fx_flex_result *r)
{
	char err[256];
	double z;

	if (fx_flex_check(p, r->kw, err, sizeof err) != 0) {
		fprintf(stderr, "flex: instance %d: %s: invalid solution: %s\n",
		    k, what, err);
		exit(1);
	}
	z = fx_flex_objective(p, r->kw);
	if (fabs(z - r->objective) > 1e-6 * (1 + fabs(z))) {
		fprintf(stderr, "flex: instance %d: %s: objective %.9g, "
		    "recomputed %.9g\n", k, what, r->objective, z);
		exit(1);
	}
}

static void
solve(int k, const char *what, int greedy, const fx_flex_problem *p,
    fx_flex_result *r, double *ms, double *cpu)
{
	char err[256];
	double w0 = wall_ms(), c0 = cpu_ms();
	int rc = greedy ? fx_flex_greedy(p, r, err, sizeof err) :
	    fx_flex_solve(p, r, err, sizeof err);

	*ms = wall_ms() - w0;
	*cpu = cpu_ms() - c0;
	if (rc != 0) {
		fprintf(stderr, "flex: instance %d: %s: %s\n", k, what, err);
		exit(1);
	}
	check(what, k, p, r);
}

static double
unmet_total(const fx_flex_result *r)
{
	double t = 0;
	int s;

	for (s = 0; s < NSLOTS; s++)
		t += r->unmet_kw[s];
	return t;
}

/* One limited run, kept until the reference is known. */
struct run {
	double ms, cpu, gap, obj;
	const char *status;
	int milp;
};

int
main(int argc, char **argv)
{
	static fx_flex_der ders[MAXDERS];
	fx_flex_problem p;
	fx_flex_result g, lg, r;
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int reps = argc > 2 ? atoi(argv[2]) : 3;
	int limit = argc > 3 ? atoi(argv[3]) : 200;
	int longlim = argc > 4 ? atoi(argv[4]) : 20000;
	uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
	struct run *runs;
	double *gms, *gobj, dummy;
	int k, rep, s;

	if (argc > 6)
		nders = atoi(argv[6]);
	if (n < 1 || reps < 1 || limit < 1 || longlim < 0 || nders < 1 ||
	    nders > MAXDERS) {
		fprintf(stderr, "usage: flex [instances [reps [limit_ms "
		    "[long_ms [seed [ders]]]]]]\n");
		return 2;
	}
	runs = calloc((size_t)n * (size_t)reps, sizeof *runs);
	gms = calloc((size_t)n, sizeof *gms);
	gobj = calloc((size_t)n, sizeof *gobj);
	if (runs == NULL || gms == NULL || gobj == NULL) {
		fprintf(stderr, "flex: out of memory\n");
		return 1;
	}
	/*
	 * The timed runs first, all together, so that the long reference
	 * runs (minutes) do not stretch the window in which other load
	 * can disturb them.
	 */
	for (rep = 0; rep < reps; rep++)
		for (k = 0; k < n; k++) {
			struct run *x = &runs[k * reps + rep];

			make(k, seed, &p, ders);
			p.time_limit_ms = limit;
			solve(k, "limited run", 0, &p, &r, &x->ms, &x->cpu);
			x->gap = r.gap;
			x->obj = r.objective;
			x->status = r.status;
			x->milp = r.solver == FX_FLEX_MILP;
			fx_flex_result_free(&r);
			if (rep == 0) {
				solve(k, "greedy", 1, &p, &g, &gms[k], &dummy);
				gobj[k] = g.objective;
				fx_flex_result_free(&g);
			}
		}
	printf("inst\trep\tshare\tnaggs\trequired_kw\tdeliverable_kw"
	    "\tgreedy_ms\tgreedy_obj\tlong_ms\tlong_status\tlong_obj"
	    "\tlong_gap\tlong_bound\tbest_obj\tbest_unmet_kw"
	    "\tms\tcpu_ms\tstatus\tsolver\tgap\tobj\ttrue_gap\tbound_gap"
	    "\tgreedy_worse\n");
	for (k = 0; k < n; k++) {
		double lms = 0, lcpu, req = 0, dl = 0, bound = -1, best;
		double lobj = -1, lgap = -1, unmet = -1;
		const char *lst = "-";

		make(k, seed, &p, ders);
		for (s = 0; s < NSLOTS; s++) {
			req += p.required_kw[s];
			dl += deliverable(&p, s);
		}
		if (longlim > 0) {
			p.time_limit_ms = longlim;
			solve(k, "long run", 0, &p, &lg, &lms, &lcpu);
			lobj = lg.objective;
			lgap = lg.gap;
			lst = lg.status;
			unmet = unmet_total(&lg);
			/* gap = (objective - bound) / |objective| */
			if (lg.gap >= 0)
				bound = lg.objective - lg.gap *
				    fabs(lg.objective);
			fx_flex_result_free(&lg);
		}
		for (rep = 0; rep < reps; rep++) {
			const struct run *x = &runs[k * reps + rep];

			best = lobj >= 0 && lobj < x->obj ? lobj : x->obj;
			printf("%d\t%d\t%.1f\t%d\t%.1f\t%.1f\t%.3f\t%.6f\t%.1f"
			    "\t%s\t%.6f\t%.6g\t%.6f\t%.6f\t%.1f\t%.3f\t%.3f"
			    "\t%s\t%s\t%.6g\t%.6f\t%.6g\t%.6g\t%.6g\n",
			    k, rep + 1, p.agg_share, p.naggs, req / NSLOTS,
			    dl / NSLOTS, gms[k], gobj[k], lms, lst, lobj, lgap,
			    bound, best, unmet, x->ms, x->cpu, x->status,
			    x->milp ? "milp" : "greedy", x->gap, x->obj,
			    (x->obj - best) / fabs(best),
			    bound >= 0 ? (x->obj - bound) / fabs(x->obj) : -1,
			    (gobj[k] - best) / fabs(best));
		}
		fflush(stdout);
	}
	free(runs);
	free(gms);
	free(gobj);
	return 0;
}
