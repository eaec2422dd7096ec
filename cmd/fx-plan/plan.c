/*
 * plan.c - from a state change to a flexibility plan: the required
 * volume per slot (R27), the DERs that can supply it (R28, R31), the
 * allocation (common/flex.c, R29-R32) and the plan record (R33).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "flexder.h"
#include "json.h"
#include "plan.h"

const char *const excluded_names[EX_NONE] = {
	"unavailable", "response_time", "activations", "booked"
};

static const char *const q_names[] = { "p50", "hi80", "hi95" };
static const char *const t_names[] = { "alert", "critical" };


/*
 * Auto-dispatch, first found: a control for the feeder; a control for
 * all feeders or --no-auto-dispatch; the feeder's config entry; the
 * config's defaults; plan.auto_dispatch; on.
 */
int
feeder_auto(const struct feeder *fs, const char *feeder_id)
{
	jv f;
	int on;

	if (fs->auto_dispatch >= 0)
		return fs->auto_dispatch;
	if (set.auto_forced >= 0)
		return set.auto_forced;
	f = fx_config_feeder(config, feeder_id);
	if (fx_json_bool(f, "auto_dispatch", &on) != 1) {
		jv_free(f);
		f = fx_config_section(config, "defaults");
		if (fx_json_bool(f, "auto_dispatch", &on) != 1)
			on = set.auto_dispatch;
	}
	jv_free(f);
	return on;
}

/* The most kW the bookings hold at once within [start, end): a DER's
 * capacity taken. */
static double
peak_kw(const struct booking *b, int n, fx_time start, fx_time end)
{
	double peak = 0;
	int i, j;

	/* the total is piecewise constant, changing only where a booking
	 * starts: look at the slot's start and each start inside it */
	for (i = -1; i < n; i++) {
		fx_time t = i < 0 ? start : b[i].start;
		double kw = 0;

		if (t < start || t >= end)
			continue;
		for (j = 0; j < n; j++)
			if (b[j].start <= t && b[j].end > t)
				kw += b[j].kw;
		if (kw > peak)
			peak = kw;
	}
	return peak;
}

/* The bookings' average kW over [start, end): relief already bought. */
static double
mean_kw(const struct booking *b, int n, fx_time start, fx_time end)
{
	double kw = 0;
	int i;

	for (i = 0; i < n; i++) {
		fx_time x = b[i].start > start ? b[i].start : start;
		fx_time y = b[i].end < end ? b[i].end : end;

		if (y > x)
			kw += b[i].kw * (double)(y - x) / (double)(end - start);
	}
	return kw;
}

/* Does a booking end where [start, end) begins or begin where it ends?
 * (A run there would lengthen that activation.) */
static int
touches(const struct booking *b, int n, fx_time start, fx_time end)
{
	int i;

	for (i = 0; i < n; i++)
		if (b[i].end == start || b[i].start == end)
			return 1;
	return 0;
}

/* Drops bookings over before t. */
static void
prune(struct booking *b, int *n, fx_time t)
{
	int i, k = 0;

	for (i = 0; i < *n; i++)
		if (b[i].end > t)
			b[k++] = b[i];
	*n = k;
}

static void
add_booking(struct booking **b, int *n, int *cap, fx_time start,
    fx_time end, double kw)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*b = fx_xrealloc(*b, (unsigned long)*cap * sizeof **b);
	}
	(*b)[*n].start = start;
	(*b)[*n].end = end;
	(*b)[(*n)++].kw = kw;
}

static int64_t
day_of(fx_time t)
{
	return t >= 0 ? t / FX_MS_PER_DAY : -((-t - 1) / FX_MS_PER_DAY) - 1;
}

static int *
day_count(struct derstate *ds, int64_t day, int create)
{
	int i, old = 0;

	for (i = 0; i < DAYS_KEPT; i++) {
		if (ds->starts[i] > 0 && ds->day[i] == day)
			return &ds->starts[i];
		if (ds->starts[i] == 0 || ds->day[i] < ds->day[old])
			old = i;
	}
	if (!create)
		return NULL;
	for (i = 0; i < DAYS_KEPT; i++)
		if (ds->starts[i] == 0) {
			old = i;
			break;
		}
	ds->day[old] = day;
	ds->starts[old] = 0;
	return &ds->starts[old];
}

/* Activations of the DER already booked on the day of t. */
static int
starts_on(struct derstate *ds, fx_time t)
{
	int *n = ds != NULL ? day_count(ds, day_of(t), 0) : NULL;

	return n != NULL ? *n : 0;
}

void
book(const struct planrec *pr)
{
	struct feeder *fs = fx_feeders_find(feeders, pr->feeder_id,
	    strlen(pr->feeder_id));
	int a, s;

	for (a = 0; a < pr->nalloc; a++) {
		const struct alloc *al = &pr->alloc[a];
		struct derstate *ds = fx_feeders_get(derstates, al->der_id,
		    strlen(al->der_id), NULL);

		for (s = 0; s < pr->nslots; s++) {
			if (al->kw[s] <= 0)
				continue;
			add_booking(&ds->booked, &ds->nbooked, &ds->capbooked,
			    pr->start[s], pr->end[s], al->kw[s]);
			if (fs != NULL)
				add_booking(&fs->booked, &fs->nbooked,
				    &fs->capbooked, pr->start[s], pr->end[s],
				    al->rel * al->avail[s] * al->kw[s]);
			if (s == 0 || al->kw[s - 1] <= 0)
				(*day_count(ds, day_of(pr->start[s]), 1))++;
		}
	}
}

int
conflicts(const struct planrec *pr, char *why, size_t whylen)
{
	struct feeder *fs = fx_feeders_find(feeders, pr->feeder_id,
	    strlen(pr->feeder_id));
	int a, s;

	for (s = 0; fs != NULL && s < pr->nslots; s++)
		if (mean_kw(fs->booked, fs->nbooked, pr->start[s], pr->end[s]) >
		    pr->booked_kw[s] + 1e-6) {
			snprintf(why, whylen, "relief was booked for %s by "
			    "another plan meanwhile", pr->feeder_id);
			return 1;
		}

	for (a = 0; a < pr->nalloc; a++) {
		const struct alloc *al = &pr->alloc[a];
		const fx_der *der = fx_catalog_find(catalog, al->der_id);
		struct derstate *ds = fx_feeders_find(derstates, al->der_id,
		    strlen(al->der_id));
		int runs = 0;

		if (der == NULL || der->withdrawn) {
			snprintf(why, whylen, "%s has left the catalog",
			    al->der_id);
			return 1;
		}
		for (s = 0; s < pr->nslots; s++) {
			double used = ds == NULL ? 0 : peak_kw(ds->booked,
			    ds->nbooked, pr->start[s], pr->end[s]);

			if (al->kw[s] <= 0)
				continue;
			runs += s == 0 || al->kw[s - 1] <= 0;
			if (ds != NULL && used <= 0 && ((s == 0 ||
			    al->kw[s - 1] <= 0) || s == pr->nslots - 1 ||
			    al->kw[s + 1] <= 0) && touches(ds->booked,
			    ds->nbooked, pr->start[s], pr->end[s])) {
				snprintf(why, whylen, "%s was booked next to "
				    "this plan's activation meanwhile",
				    al->der_id);
				return 1;
			}
			if (used + al->kw[s] > der->capacity_kw + 1e-6) {
				snprintf(why, whylen, "%s has %g kW of %g left "
				    "in a slot the plan books %g kW", al->der_id,
				    der->capacity_kw - used > 0 ?
				    der->capacity_kw - used : 0,
				    der->capacity_kw, al->kw[s]);
				return 1;
			}
		}
		if (der->max_activations_per_day >= 0 &&
		    starts_on(ds, pr->start[0]) + runs >
		    der->max_activations_per_day) {
			snprintf(why, whylen, "%s has no activation left today",
			    al->der_id);
			return 1;
		}
	}
	return 0;
}

void
planrec_free(struct planrec *pr)
{
	int a;

	free(pr->plan_id);
	free(pr->event_id);
	free(pr->feeder_id);
	for (a = 0; a < pr->nalloc; a++) {
		free(pr->alloc[a].der_id);
		free(pr->alloc[a].aggregator_id);
	}
	free(pr->alloc);
	free(pr->decided_by);
	free(pr->replaces);
	free(pr->detected_wall);
	memset(pr, 0, sizeof *pr);
}

static double
quantile_of(const fx_fstep *st, int q)
{
	return q == Q_P50 ? st->p50 : q == Q_HI80 ? st->hi80 : st->hi95;
}

static int
cmp_alloc(const void *pa, const void *pb)
{
	const struct alloc *a = pa, *b = pb;

	if (a->expected_kwh != b->expected_kwh)
		return a->expected_kwh > b->expected_kwh ? -1 : 1;
	return strcmp(a->der_id, b->der_id);
}

static void
say_levels(struct planrec *pr, const char *what)
{
	snprintf(pr->reason, sizeof pr->reason, "the forecast %s stays at "
	    "or below the %s level (%g kW) in every slot%s",
	    q_names[pr->pol.quantile], t_names[pr->pol.target], pr->target_kw,
	    what);
}

int
plan(struct feeder *fs, const struct change *c, int approved,
    struct planrec *pr, char *err, size_t errlen)
{
	const fx_forecast *fc = &fs->fc;
	fx_flex_problem p;
	fx_flex_result r;
	fx_flex_der *fd = NULL;
	fx_flex_horizon hz;
	const fx_der **src = NULL;
	double need = 0, step_min = 15;
	const char **aggs = NULL;
	size_t i;
	int s, n = 0, naggs = 0, d, k, rc = 0;
	char idbuf[64];

	memset(pr, 0, sizeof *pr);
	fs->plans++;
	pr->event_id = fx_xstrdup(c->event_id);
	pr->feeder_id = fx_xstrdup(c->feeder_id);
	snprintf(idbuf, sizeof idbuf, "/%d", fs->plans);
	pr->plan_id = fx_xmalloc(strlen(c->event_id) + strlen(idbuf) + 1);
	strcpy(pr->plan_id, c->event_id);
	strcat(pr->plan_id, idbuf);
	pr->issued_at = c->t;
	pr->state = c->next;
	pr->prev_state = c->prev;
	pr->pol = c->next >= 2 ? set.critical : set.alert;
	pr->target_kw = pr->pol.target == T_ALERT ? fs->alert_kw :
	    fs->critical_kw;
	pr->w = set.w;
	pr->agg_share = set.agg_share;
	pr->solver = "none";
	pr->solver_status = "not_run";
	pr->gap = -1;
	pr->status = "none";
	snprintf(pr->detected_at_wall, sizeof pr->detected_at_wall, "%s",
	    c->detected_at_wall != NULL ? c->detected_at_wall : "");
	pr->detected_wall = fx_xstrdup(pr->detected_at_wall);
	pr->planned_at_wall = fx_time_now();
	if (!fs->has_fc) {
		snprintf(pr->reason, sizeof pr->reason, "no forecast for the "
		    "feeder yet");
		return 0;
	}
	pr->has_fc = 1;
	pr->fc_issued = fc->issued_at;
	if (c->t - fc->issued_at > set.max_fc_age) {
		char ts[FX_TIME_MAX_TEXT];

		fx_time_format(fc->issued_at, ts);
		snprintf(pr->reason, sizeof pr->reason, "the latest forecast "
		    "(issued %s) is older than %lld min", ts,
		    (long long)(set.max_fc_age / 60000));
		return 0;
	}
	/* the slots: the forecast's steps still ahead */
	for (k = 0; k < fc->nsteps && pr->nslots < FX_FLEX_MAX_SLOTS; k++) {
		const fx_fstep *st = &fc->steps[k];
		fx_time a = st->start > c->t ? st->start : c->t;

		if (st->end <= c->t)
			continue;
		step_min = (double)(st->end - st->start) / 60000.0;
		s = pr->nslots++;
		pr->start[s] = a;
		pr->end[s] = st->end;
		pr->hours[s] = (double)(st->end - a) / 3600000.0;
		pr->forecast_kw[s] = quantile_of(st, pr->pol.quantile);
		prune(fs->booked, &fs->nbooked, c->t);
		pr->booked_kw[s] = mean_kw(fs->booked, fs->nbooked, a,
		    st->end);
		pr->required_kw[s] = pr->forecast_kw[s] - pr->target_kw -
		    pr->booked_kw[s];
		if (pr->required_kw[s] < 0)
			pr->required_kw[s] = 0;
		pr->unmet_kw[s] = pr->required_kw[s];
		need += pr->required_kw[s];
	}
	if (pr->nslots == 0) {
		snprintf(pr->reason, sizeof pr->reason, "the latest forecast "
		    "has no step after the change");
		return 0;
	}
	if (!(pr->target_kw > 0)) {
		snprintf(pr->reason, sizeof pr->reason, "no %s level for the "
		    "feeder", t_names[pr->pol.target]);
		return 0;
	}
	if (need <= 0) {
		int booked = 0;

		for (s = 0; s < pr->nslots; s++)
			booked |= pr->booked_kw[s] > 0;
		say_levels(pr, booked ? ", once the relief already booked "
		    "for it is counted" : "");
		pr->no_need = 1;
		return 0;
	}

	/* the candidates */
	memset(&hz, 0, sizeof hz);
	hz.nslots = pr->nslots;
	memcpy(hz.start, pr->start, sizeof hz.start);
	memcpy(hz.end, pr->end, sizeof hz.end);
	memcpy(hz.hours, pr->hours, sizeof hz.hours);
	hz.step_min = step_min;
	hz.now = c->t;
	fd = fx_xcalloc(fx_catalog_count(catalog) + 1, sizeof *fd);
	src = fx_xcalloc(fx_catalog_count(catalog) + 1, sizeof *src);
	aggs = fx_xcalloc(fx_catalog_count(catalog) + 1, sizeof *aggs);
	for (i = 0; i < fx_catalog_count(catalog); i++) {
		const fx_der *der = fx_catalog_get(catalog, i);
		struct derstate *ds;
		fx_flex_der *x = &fd[n];
		int why;

		if (der->withdrawn || !fx_der_serves(der, c->feeder_id))
			continue;
		pr->candidates++;
		ds = fx_feeders_find(derstates, der->der_id,
		    strlen(der->der_id));
		why = fx_flex_candidate(der, &hz, x);
		if (why == FX_CAND_OK && ds != NULL) {
			prune(ds->booked, &ds->nbooked, c->t);
			for (s = 0; s < pr->nslots; s++) {
				double held = peak_kw(ds->booked, ds->nbooked,
				    pr->start[s], pr->end[s]);

				x->cap[s] -= held;
				if (x->cap[s] < 0)
					x->cap[s] = 0;
				/* next to one of its activations: a run here
				 * would lengthen that one past what it was
				 * booked for */
				if (held <= 0 && touches(ds->booked,
				    ds->nbooked, pr->start[s], pr->end[s]))
					x->avail[s] = 0;
			}
		}
		if (why == FX_CAND_OK && x->max_starts >= 0) {
			x->max_starts -= starts_on(ds, c->t);
			if (x->max_starts < 0)
				x->max_starts = 0;
		}
		if (why == FX_CAND_OK)
			why = fx_flex_candidate_room(x, pr->nslots);
		if (why != FX_CAND_OK) {
			pr->excluded[why == FX_CAND_UNAVAILABLE ? EX_UNAVAILABLE :
			    why == FX_CAND_RESPONSE ? EX_RESPONSE :
			    why == FX_CAND_ACTIVATIONS ? EX_ACTIVATIONS :
			    EX_BOOKED]++;
			continue;
		}
		for (k = 0; k < naggs; k++)
			if (strcmp(aggs[k], der->aggregator_id) == 0)
				break;
		if (k == naggs)
			aggs[naggs++] = der->aggregator_id;
		x->aggregator = k;
		x->type_pref = set.w.type_pref[der->type];
		src[n++] = der;
	}

	memset(&p, 0, sizeof p);
	p.nslots = pr->nslots;
	memcpy(p.hours, pr->hours, sizeof p.hours);
	memcpy(p.required_kw, pr->required_kw, sizeof p.required_kw);
	p.nders = n;
	p.ders = fd;
	p.naggs = naggs;
	p.agg_share = set.agg_share;
	p.w_cost = set.w.cost;
	p.w_reliability = set.w.reliability;
	p.w_unmet = set.w.curtailment;
	p.time_limit_ms = set.time_limit_ms;
	if (n == 0)
		goto nothing;
	if ((set.greedy_only ? fx_flex_greedy(&p, &r, err, errlen) :
	    fx_flex_solve(&p, &r, err, errlen)) != 0) {
		rc = -1;
		goto out;
	}
	/* made now: after the solve, not before it */
	pr->planned_at_wall = fx_time_now();
	pr->solver = r.solver == FX_FLEX_MILP ? "glpk" : "greedy";
	pr->solver_status = r.status;
	pr->solve_ms = r.solve_ms;
	pr->objective = r.objective;
	pr->gap = r.gap;
	memcpy(pr->unmet_kw, r.unmet_kw, sizeof pr->unmet_kw);
	for (d = 0; d < n; d++) {
		struct alloc *al;
		int any = 0;

		for (s = 0; s < p.nslots; s++)
			any |= r.kw[d * p.nslots + s] > 0;
		if (!any)
			continue;
		pr->alloc = fx_xrealloc(pr->alloc, (unsigned long)(pr->nalloc +
		    1) * sizeof *pr->alloc);
		al = &pr->alloc[pr->nalloc++];
		memset(al, 0, sizeof *al);
		al->der_id = fx_xstrdup(src[d]->der_id);
		al->aggregator_id = fx_xstrdup(src[d]->aggregator_id);
		al->type = src[d]->type;
		al->rel = src[d]->reliability;
		al->price = src[d]->price_per_kwh;
		al->response_s = src[d]->response_time_s;
		for (s = 0; s < p.nslots; s++) {
			double e;

			al->kw[s] = r.kw[d * p.nslots + s];
			al->avail[s] = al->kw[s] > 0 ? fd[d].avail[s] : 0;
			e = al->kw[s] * fd[d].avail[s] * p.hours[s];
			al->kwh += e;
			al->expected_kwh += al->rel * e;
			al->cost += al->price * e;
		}
	}
	fx_flex_result_free(&r);
	if (pr->nalloc > 0)
		qsort(pr->alloc, (size_t)pr->nalloc, sizeof *pr->alloc,
		    cmp_alloc);
nothing:
	for (k = 0; k < pr->nalloc; k++)
		pr->alloc[k].priority = k + 1;
	if (pr->nalloc == 0) {
		if (pr->candidates == 0)
			snprintf(pr->reason, sizeof pr->reason, "no DER in the "
			    "catalog serves the feeder");
		else if (n == 0)
			snprintf(pr->reason, sizeof pr->reason, "none of the %d "
			    "DERs serving the feeder can run in the horizon "
			    "(%d unavailable, %d too slow to respond, %d out of "
			    "activations, %d fully booked)", pr->candidates,
			    pr->excluded[EX_UNAVAILABLE],
			    pr->excluded[EX_RESPONSE],
			    pr->excluded[EX_ACTIVATIONS],
			    pr->excluded[EX_BOOKED]);
		else
			snprintf(pr->reason, sizeof pr->reason, "no allocation "
			    "of the %d DERs that can run is worth its cost "
			    "against unmet volume (curtailment weight %g per "
			    "kWh)", n, set.w.curtailment);
	} else if (approved) {
		pr->status = "approved";
		book(pr);
	} else if (feeder_auto(fs, c->feeder_id)) {
		pr->status = "dispatch";
		book(pr);
	} else {
		pr->status = "pending_approval";
		snprintf(pr->reason, sizeof pr->reason, "auto-dispatch is off "
		    "for the feeder: an operator approves or rejects the plan");
	}
out:
	free(fd);
	free(src);
	free(aggs);
	return rc;
}

/* ---- the record ---- */

static void
put_kv_num(fx_buf *b, const char *key, double v, int dec)
{
	fx_buf_jkey(b, key);
	fx_buf_fixed(b, v, dec);
}

static void
put_kv_str(fx_buf *b, const char *key, const char *v)
{
	fx_buf_jkey(b, key);
	fx_buf_jstr(b, v, strlen(v));
}

static void
put_kv_time(fx_buf *b, const char *key, fx_time t)
{
	fx_buf_jkey(b, key);
	fx_buf_time(b, t);
}

static void
put_weights(fx_buf *b, const struct weights *w)
{
	int t;

	fx_buf_puts(b, ",\"weights\":{\"cost\":");
	fx_buf_num(b, w->cost);
	fx_buf_puts(b, ",\"reliability\":");
	fx_buf_num(b, w->reliability);
	fx_buf_puts(b, ",\"curtailment\":");
	fx_buf_num(b, w->curtailment);
	fx_buf_puts(b, ",\"type_preference\":{");
	for (t = 0; t < FX_DER_NTYPES; t++) {
		fx_buf_jkey(b, fx_der_type_name(t));
		fx_buf_num(b, w->type_pref[t]);
	}
	fx_buf_puts(b, "}}");
}

/* One entry per activation (a run of slots) of each allocated DER. */
static void
put_activations(fx_buf *b, const struct planrec *pr)
{
	int a, s, first = 1;

	fx_buf_puts(b, ",\"activations\":[");
	for (a = 0; a < pr->nalloc; a++) {
		const struct alloc *al = &pr->alloc[a];

		for (s = 0; s < pr->nslots; s++) {
			double kw = 0, kwh = 0;
			int e;

			if (al->kw[s] <= 0 || (s > 0 && al->kw[s - 1] > 0))
				continue;
			for (e = s; e < pr->nslots && al->kw[e] > 0; e++) {
				if (al->kw[e] > kw)
					kw = al->kw[e];
			}
			/* the energy of the run: the part of each slot it runs */
			{
				int t;

				for (t = s; t < e; t++)
					kwh += al->kw[t] * al->avail[t] *
					    pr->hours[t];
			}
			if (!first)
				fx_buf_putc(b, ',');
			first = 0;
			fx_buf_puts(b, "{\"der_id\":");
			fx_buf_jstr(b, al->der_id, strlen(al->der_id));
			put_kv_str(b, "aggregator_id", al->aggregator_id);
			put_kv_str(b, "type", fx_der_type_name(al->type));
			put_kv_time(b, "start", pr->start[s]);
			put_kv_time(b, "end", pr->end[e - 1]);
			put_kv_num(b, "kw", kw, 3);
			put_kv_num(b, "kwh", kwh, 3);
			put_kv_num(b, "expected_kwh", al->rel * kwh, 3);
			put_kv_num(b, "price_per_kwh", al->price, 6);
			put_kv_num(b, "cost", al->price * kwh, 4);
			put_kv_num(b, "reliability", al->rel, 4);
			put_kv_num(b, "response_time_s", al->response_s, 3);
			fx_buf_puts(b, ",\"priority\":");
			fx_buf_int(b, al->priority);
			fx_buf_putc(b, '}');
			s = e - 1;
		}
	}
	fx_buf_putc(b, ']');
}

void
planrec_put(fx_buf *b, const struct planrec *pr)
{
	double req_kwh = 0, alloc_kwh = 0, exp_kwh = 0, unmet_kwh = 0;
	double unmet_max = 0, cost = 0;
	int s, a, ex;

	fx_buf_puts(b, "{\"type\":\"plan\",\"plan_id\":");
	fx_buf_jstr(b, pr->plan_id, strlen(pr->plan_id));
	put_kv_str(b, "event_id", pr->event_id);
	put_kv_str(b, "feeder_id", pr->feeder_id);
	put_kv_time(b, "issued_at", pr->issued_at);
	fx_buf_puts(b, ",\"state\":");
	fx_buf_int(b, pr->state);
	fx_buf_puts(b, ",\"prev_state\":");
	fx_buf_int(b, pr->prev_state);
	put_kv_str(b, "status", pr->status);
	if (pr->reason[0] != '\0')
		put_kv_str(b, "reason", pr->reason);
	if (pr->decided_by != NULL) {
		put_kv_str(b, "decided_by", pr->decided_by);
		put_kv_time(b, "decided_at", pr->decided_at);
	}
	if (pr->replaces != NULL)
		put_kv_str(b, "replaces", pr->replaces);
	if (pr->has_fc)
		put_kv_time(b, "forecast_issued_at", pr->fc_issued);
	put_kv_str(b, "quantile", q_names[pr->pol.quantile]);
	put_kv_str(b, "target", t_names[pr->pol.target]);
	put_kv_num(b, "target_kw", pr->target_kw, 3);
	fx_buf_puts(b, ",\"slots\":[");
	for (s = 0; s < pr->nslots; s++) {
		double got = 0, exp = 0;
		int first = 1;

		if (s > 0)
			fx_buf_putc(b, ',');
		fx_buf_puts(b, "{\"start\":");
		fx_buf_time(b, pr->start[s]);
		put_kv_time(b, "end", pr->end[s]);
		put_kv_num(b, "forecast_kw", pr->forecast_kw[s], 3);
		put_kv_num(b, "booked_kw", pr->booked_kw[s], 3);
		put_kv_num(b, "required_kw", pr->required_kw[s], 3);
		put_kv_num(b, "required_kwh", pr->required_kw[s] * pr->hours[s],
		    3);
		fx_buf_puts(b, ",\"allocations\":[");
		for (a = 0; a < pr->nalloc; a++) {
			const struct alloc *al = &pr->alloc[a];

			if (al->kw[s] <= 0)
				continue;
			got += al->kw[s];
			if (!first)
				fx_buf_putc(b, ',');
			first = 0;
			fx_buf_puts(b, "{\"der_id\":");
			fx_buf_jstr(b, al->der_id, strlen(al->der_id));
			put_kv_str(b, "aggregator_id", al->aggregator_id);
			put_kv_num(b, "kw", al->kw[s], 3);
			fx_buf_puts(b, ",\"priority\":");
			fx_buf_int(b, al->priority);
			fx_buf_putc(b, '}');
		}
		fx_buf_putc(b, ']');
		exp = pr->required_kw[s] - pr->unmet_kw[s];
		put_kv_num(b, "allocated_kw", got, 3);
		put_kv_num(b, "expected_kw", exp, 3);
		put_kv_num(b, "unmet_kw", pr->unmet_kw[s], 3);
		fx_buf_putc(b, '}');
		req_kwh += pr->required_kw[s] * pr->hours[s];
		unmet_kwh += pr->unmet_kw[s] * pr->hours[s];
		if (pr->unmet_kw[s] > unmet_max)
			unmet_max = pr->unmet_kw[s];
	}
	fx_buf_putc(b, ']');
	for (a = 0; a < pr->nalloc; a++) {
		alloc_kwh += pr->alloc[a].kwh;
		exp_kwh += pr->alloc[a].expected_kwh;
		cost += pr->alloc[a].cost;
	}
	put_activations(b, pr);
	put_kv_num(b, "required_kwh", req_kwh, 3);
	put_kv_num(b, "allocated_kwh", alloc_kwh, 3);
	put_kv_num(b, "expected_kwh", exp_kwh, 3);
	put_kv_num(b, "unmet_kw", unmet_max, 3);
	put_kv_num(b, "unmet_kwh", unmet_kwh, 3);
	put_kv_num(b, "cost", cost, 4);
	put_weights(b, &pr->w);
	put_kv_num(b, "max_aggregator_share", pr->agg_share, 4);
	put_kv_str(b, "solver", pr->solver);
	put_kv_str(b, "solver_status", pr->solver_status);
	put_kv_num(b, "solve_ms", pr->solve_ms, 3);
	put_kv_num(b, "objective", pr->objective, 6);
	fx_buf_puts(b, ",\"gap\":");
	if (pr->gap >= 0)
		fx_buf_fixed(b, pr->gap, 6);
	else
		fx_buf_puts(b, "null");
	fx_buf_puts(b, ",\"candidates\":");
	fx_buf_int(b, pr->candidates);
	fx_buf_puts(b, ",\"excluded\":{");
	for (ex = 0; ex < EX_NONE; ex++) {
		fx_buf_jkey(b, excluded_names[ex]);
		fx_buf_int(b, pr->excluded[ex]);
	}
	fx_buf_putc(b, '}');
	if (pr->detected_at_wall[0] != '\0')
		put_kv_str(b, "detected_at_wall", pr->detected_at_wall);
	put_kv_time(b, "planned_at_wall", pr->planned_at_wall);
	fx_buf_putc(b, '}');
}
