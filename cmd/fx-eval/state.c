/*
 * state.c - fx-eval's scorer of fx-classify's states and state changes.
 *
 * Slices.  A predicted `state` record (horizon >= 1) waits in its
 * feeder's list, ordered by slice start, until the observed `state`
 * record (horizon 0) of the same slice arrives; the pair goes into the
 * 3x3 confusion matrix of its group (model, feeder, horizon).  An observed
 * slice drops the predictions of older slices, which were never observed,
 * as unmatched.  A prediction of a slice already observed is matched at
 * once against the feeder's last ST_RECENT observed slices.
 *
 * Events.  Each feeder keeps its episodes - maximal runs of consecutive
 * observed slices at state 2 (and, apart, at state >= 1) - as onset and
 * end only, its observed time, and, per model, the list of its
 * state_change records (time, previous and new state).  At the end of the
 * input the feeder's state timeline of each model is replayed against the
 * episodes: an episode is caught when the feeder was already at the
 * state at its onset; an escalation is a false alarm when no episode
 * overlaps the alarm window after it.  None of this grows with the number
 * of slices, only with the number of episodes and state changes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "eval.h"
#include "json.h"
#include "timeutil.h"

/* The most horizons a predicted state may have, and the most predicted
 * slices a feeder keeps waiting (the oldest go as unmatched). */
#define ST_MAXH 96
#define ST_MAXPEND 4096

struct st_pend {
	fx_time start, end;
	unsigned model;
	unsigned h;		/* 1.. */
	int state;
};

/* A slice group's counts. */
struct cm {
	unsigned long long c[3][3];	/* [actual][predicted] */
	unsigned long long unmatched, unresolved;
};

struct change {
	fx_time t;
	int prev, next;
	unsigned long long seq;	/* order of arrival */
};

/* A model's part of one feeder. */
struct sf {
	int used;		/* the model classified the feeder */
	unsigned nh;		/* horizons of cm */
	struct cm *cm;		/* [h - 1] */
	struct change *ch;
	size_t nch, capch;
};

struct smodel {
	char *name;
	size_t nf;		/* entries of sf: feeders by index */
	struct sf *sf;
};

struct st_stats st_stats;
static struct smodel *models;
static size_t nmodels;
static unsigned long long seq;

static int
in_range(fx_time t)
{
	return (!ev_opt.has_from || t >= ev_opt.from) &&
	    (!ev_opt.has_to || t < ev_opt.to);
}

static unsigned
model_index(const char *name)
{
	size_t i;

	for (i = 0; i < nmodels; i++)
		if (strcmp(models[i].name, name) == 0)
			return (unsigned)i;
	models = fx_xrealloc(models, (nmodels + 1) * sizeof *models);
	memset(&models[nmodels], 0, sizeof *models);
	models[nmodels].name = fx_xstrdup(name);
	return (unsigned)nmodels++;
}

/* Model mi's part of feeder f, with room for nh horizons. */
static struct sf *
sf_of(unsigned mi, const struct ev_feeder *f, unsigned nh)
{
	struct smodel *md = &models[mi];
	struct sf *g;

	if (f->idx >= md->nf) {
		size_t nf = f->idx + 1 > 2 * md->nf ? f->idx + 1 : 2 * md->nf;

		md->sf = fx_xrealloc(md->sf, nf * sizeof *md->sf);
		memset(md->sf + md->nf, 0, (nf - md->nf) * sizeof *md->sf);
		md->nf = nf;
	}
	g = &md->sf[f->idx];
	g->used = 1;
	if (nh > g->nh) {
		g->cm = fx_xrealloc(g->cm, nh * sizeof *g->cm);
		memset(g->cm + g->nh, 0, (nh - g->nh) * sizeof *g->cm);
		g->nh = nh;
	}
	return g;
}

static struct cm *
cm_of(const struct ev_feeder *f, const struct st_pend *p)
{
	return &models[p->model].sf[f->idx].cm[p->h - 1];
}

/* ---- reading the records ---- */

/* rec[key] as a string: 1, 0 when absent or null (*s = dflt), -1 when
 * of another type. */
static int
get_str(jv rec, const char *key, const char **s, const char *dflt)
{
	jv v = fx_json_get(rec, key);
	jv_kind k = jv_get_kind(v);

	jv_free(v);
	if (k == JV_KIND_NULL) {
		*s = dflt;
		return 0;
	}
	*s = fx_json_str(rec, key);
	return *s != NULL ? 1 : -1;
}

/* rec[key] as an integer in [lo, hi]: 0, or -1. */
static int
get_int(jv rec, const char *key, int lo, int hi, int *out)
{
	double x;

	if (fx_json_num(rec, key, &x) != 1 || x != floor(x) || x < lo ||
	    x > hi)
		return -1;
	*out = (int)x;
	return 0;
}

static int
get_time(jv rec, const char *key, fx_time *t)
{
	const char *s = fx_json_str(rec, key), *why;

	return s == NULL || fx_time_parse_rfc3339(s, strlen(s), t, &why) != 0 ?
	    -1 : 0;
}

static struct ev_feeder *
get_feeder(jv rec, char *err, size_t errlen)
{
	const char *id = fx_json_str(rec, "feeder_id");

	if (id == NULL || *id == '\0') {
		snprintf(err, errlen, "feeder_id: missing, empty or not a "
		    "string");
		return NULL;
	}
	return ev_feeder_get(id, strlen(id));
}

/* ---- slices ---- */

static void
count_pair(struct cm *c, int actual, int predicted)
{
	c->c[actual][predicted]++;
	st_stats.scored++;
}

static void
unmatched(struct cm *c)
{
	c->unmatched++;
	st_stats.unmatched++;
}

static void
pend_add(struct st_feeder *sf, const struct st_pend *p)
{
	size_t lo, hi;

	if (sf->n == sf->cap && sf->head > 0) {
		memmove(sf->pend, sf->pend + sf->head, (sf->n - sf->head) *
		    sizeof *sf->pend);
		sf->n -= sf->head;
		sf->head = 0;
	}
	if (sf->n == sf->cap) {
		sf->cap = sf->cap ? 2 * sf->cap : 16;
		sf->pend = fx_xrealloc(sf->pend, sf->cap * sizeof *sf->pend);
	}
	/* after the last slice that starts at or before p's start */
	lo = sf->head;
	hi = sf->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sf->pend[mid].start <= p->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(sf->pend + lo + 1, sf->pend + lo, (sf->n - lo) *
	    sizeof *sf->pend);
	sf->pend[lo] = *p;
	sf->n++;
}

/* The observed slice of f that starts at start, or NULL. */
static const struct st_obs *
recent(const struct st_feeder *sf, fx_time start)
{
	unsigned i;

	for (i = 0; i < sf->nrecent; i++)
		if (sf->recent[i].start == start)
			return &sf->recent[i];
	return NULL;
}

static void
predicted(struct ev_feeder *f, struct st_pend *p)
{
	struct st_feeder *sf = &f->st;
	const struct st_obs *o;

	st_stats.predicted++;
	if (sf->has_obs && p->start <= sf->obs_start) {
		/* its slice has been observed, or skipped */
		o = recent(sf, p->start);
		if (o != NULL && o->end == p->end)
			count_pair(cm_of(f, p), o->state, p->state);
		else
			unmatched(cm_of(f, p));
		return;
	}
	if (sf->n - sf->head == ST_MAXPEND)
		unmatched(cm_of(f, &sf->pend[sf->head++]));
	pend_add(sf, p);
}

/* Adds an observed slice to episode list k of sf. */
static void
episode(struct st_feeder *sf, int k, fx_time start, fx_time end)
{
	struct st_episode *e;

	if (sf->open[k] && sf->ep[k][sf->nep[k] - 1].end == start) {
		sf->ep[k][sf->nep[k] - 1].end = end;
		return;
	}
	if (sf->nep[k] == sf->capep[k]) {
		sf->capep[k] = sf->capep[k] ? 2 * sf->capep[k] : 8;
		sf->ep[k] = fx_xrealloc(sf->ep[k], sf->capep[k] *
		    sizeof *sf->ep[k]);
	}
	e = &sf->ep[k][sf->nep[k]++];
	e->onset = start;
	e->end = end;
	sf->open[k] = 1;
}

static void
observed(struct ev_feeder *f, fx_time start, fx_time end, int state)
{
	struct st_feeder *sf = &f->st;
	int k;

	if (sf->has_obs && start <= sf->obs_start) {
		/* a repeat, or out of order: its predictions have gone */
		st_stats.obs_old++;
		return;
	}
	/* predictions of slices before it were never observed */
	while (sf->head < sf->n && sf->pend[sf->head].start < start)
		unmatched(cm_of(f, &sf->pend[sf->head++]));
	while (sf->head < sf->n && sf->pend[sf->head].start == start) {
		const struct st_pend *p = &sf->pend[sf->head++];

		if (p->end == end)
			count_pair(cm_of(f, p), state, p->state);
		else
			unmatched(cm_of(f, p));
	}
	if (sf->head == sf->n)
		sf->head = sf->n = 0;
	sf->recent[sf->next].start = start;
	sf->recent[sf->next].end = end;
	sf->recent[sf->next].state = state;
	sf->next = (sf->next + 1) % ST_RECENT;
	if (sf->nrecent < ST_RECENT)
		sf->nrecent++;
	for (k = 0; k < 2; k++)
		if (state >= k + 1)
			episode(sf, k, start, end);
		else
			sf->open[k] = 0;
	sf->has_obs = 1;
	sf->obs_start = start;
	sf->obs_end = end;
	if (in_range(start))
		sf->span += end - start;
}

int
st_state(jv rec, char *err, size_t errlen)
{
	struct ev_feeder *f;
	struct st_pend p;
	const char *model;
	int h;

	if (get_time(rec, "slice_start", &p.start) != 0 ||
	    get_time(rec, "slice_end", &p.end) != 0 || p.end <= p.start) {
		snprintf(err, errlen, "slice_start, slice_end: want RFC 3339 "
		    "times, start before end");
		return -1;
	}
	if (get_int(rec, "horizon", 0, ST_MAXH, &h) != 0) {
		snprintf(err, errlen, "horizon: not an integer 0 to %d",
		    ST_MAXH);
		return -1;
	}
	if (get_int(rec, "state", 0, 2, &p.state) != 0) {
		snprintf(err, errlen, "state: not 0, 1 or 2");
		return -1;
	}
	if (get_str(rec, "model", &model, "") < 0) {
		snprintf(err, errlen, "model: not a string");
		return -1;
	}
	if ((f = get_feeder(rec, err, errlen)) == NULL)
		return -1;
	if (h == 0) {
		observed(f, p.start, p.end, p.state);
		return 0;
	}
	p.h = (unsigned)h;
	p.model = model_index(model);
	if (!in_range(p.start)) {
		sf_of(p.model, f, 0);	/* the feeder is the model's */
		st_stats.outside++;
		return 0;
	}
	sf_of(p.model, f, p.h);
	predicted(f, &p);
	return 0;
}

int
st_change(jv rec, char *err, size_t errlen)
{
	struct ev_feeder *f;
	struct change c;
	const char *model;
	struct sf *g;

	if (get_time(rec, "timestamp", &c.t) != 0) {
		snprintf(err, errlen, "timestamp: missing or not an RFC 3339 "
		    "time");
		return -1;
	}
	if (get_int(rec, "prev_state", 0, 2, &c.prev) != 0) {
		snprintf(err, errlen, "prev_state: not 0, 1 or 2");
		return -1;
	}
	if (get_int(rec, "new_state", 0, 2, &c.next) != 0) {
		snprintf(err, errlen, "new_state: not 0, 1 or 2");
		return -1;
	}
	if (get_str(rec, "model", &model, "") < 0) {
		snprintf(err, errlen, "model: not a string");
		return -1;
	}
	if ((f = get_feeder(rec, err, errlen)) == NULL)
		return -1;
	c.seq = seq++;
	g = sf_of(model_index(model), f, 0);
	if (g->nch == g->capch) {
		g->capch = g->capch ? 2 * g->capch : 16;
		g->ch = fx_xrealloc(g->ch, g->capch * sizeof *g->ch);
	}
	g->ch[g->nch++] = c;
	return 0;
}

void
st_finish(void)
{
	size_t i, j;

	for (i = 0; i < ev_feeder_count(); i++) {
		struct ev_feeder *f = ev_feeder_at(i);
		struct st_feeder *sf = &f->st;

		for (j = sf->head; j < sf->n; j++) {
			cm_of(f, &sf->pend[j])->unresolved++;
			st_stats.unresolved++;
		}
		sf->head = sf->n = 0;
	}
}

/* ---- slice results ---- */

static void
cm_merge(struct cm *to, const struct cm *a)
{
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			to->c[i][j] += a->c[i][j];
	to->unmatched += a->unmatched;
	to->unresolved += a->unresolved;
}

static void
put_array(fx_buf *b, const double *x, int n)
{
	int i;

	fx_buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			fx_buf_putc(b, ',');
		fx_buf_num(b, x[i]);
	}
	fx_buf_putc(b, ']');
}

static void
put_slice_row(const char *model, const char *feeder, unsigned h,
    const struct cm *a)
{
	static const char *const phead[3] = { NULL, "P_alert", "P_crit" };
	static const char *const rhead[3] = { NULL, "R_alert", "R_crit" };
	static const char *const fhead[3] = { NULL, "F1_alert", "F1_crit" };
	double prec[3], rec[3], f1[3];
	unsigned long long n = 0, row, col;
	fx_buf b = FX_BUF_INIT;
	int i, j, k;

	for (k = 0; k < 3; k++) {
		row = col = 0;
		for (j = 0; j < 3; j++) {
			row += a->c[k][j];
			col += a->c[j][k];
			n += a->c[k][j];
		}
		prec[k] = col > 0 ? (double)a->c[k][k] / (double)col : NAN;
		rec[k] = row > 0 ? (double)a->c[k][k] / (double)row : NAN;
		if (!isfinite(prec[k]) || !isfinite(rec[k]))
			f1[k] = NAN;
		else if (prec[k] + rec[k] == 0)
			f1[k] = 0;
		else
			f1[k] = 2 * prec[k] * rec[k] / (prec[k] + rec[k]);
	}
	ev_row_begin();
	ev_row_str("kind", NULL, "state");
	ev_row_str("model", "model", model);
	ev_row_str("feeder_id", "feeder", feeder);
	if (h > 0)
		ev_row_int("horizon", "horizon", h);
	else
		ev_row_str("horizon", "horizon", "all");
	ev_row_int("n", "n", (int64_t)n);
	fx_buf_putc(&b, '[');
	for (i = 0; i < 3; i++) {
		fx_buf_puts(&b, i ? ",[" : "[");
		for (j = 0; j < 3; j++) {
			if (j)
				fx_buf_putc(&b, ',');
			fx_buf_int(&b, (int64_t)a->c[i][j]);
		}
		fx_buf_putc(&b, ']');
	}
	fx_buf_putc(&b, ']');
	ev_row_json("confusion", b.data, b.len);
	b.len = 0;
	put_array(&b, prec, 3);
	ev_row_json("precision", b.data, b.len);
	b.len = 0;
	put_array(&b, rec, 3);
	ev_row_json("recall", b.data, b.len);
	b.len = 0;
	put_array(&b, f1, 3);
	ev_row_json("f1", b.data, b.len);
	fx_buf_free(&b);
	/* the table: Critical, then Alert */
	for (k = 2; k >= 1; k--) {
		ev_row_num(NULL, phead[k], prec[k], 3);
		ev_row_num(NULL, rhead[k], rec[k], 3);
		ev_row_num(NULL, fhead[k], f1[k], 3);
	}
	ev_row_int("unmatched", "unmatched", (int64_t)a->unmatched);
	ev_row_int("unresolved", NULL, (int64_t)a->unresolved);
	ev_row_end();
}

static void
output_slices(const struct smodel *md)
{
	unsigned maxh = 0, h, k;
	size_t i;

	for (i = 0; i < md->nf; i++) {
		const struct sf *g = &md->sf[i];
		struct cm all;

		if (g->nh == 0)
			continue;
		if (g->nh > maxh)
			maxh = g->nh;
		if (ev_opt.no_feeders)
			continue;
		memset(&all, 0, sizeof all);
		for (h = 0; h < g->nh; h++) {
			put_slice_row(md->name, ev_feeder_at(i)->id, h + 1,
			    &g->cm[h]);
			cm_merge(&all, &g->cm[h]);
		}
		put_slice_row(md->name, ev_feeder_at(i)->id, 0, &all);
	}
	if (maxh == 0)
		return;
	/* all feeders: horizon by horizon, then all horizons */
	for (h = 0; h <= maxh; h++) {
		struct cm tot;

		memset(&tot, 0, sizeof tot);
		for (i = 0; i < md->nf; i++)
			for (k = 0; k < md->sf[i].nh; k++)
				if (h == maxh || k == h)
					cm_merge(&tot, &md->sf[i].cm[k]);
		put_slice_row(md->name, "*", h < maxh ? h + 1 : 0, &tot);
	}
}

/* ---- event results ---- */

/* The counts of one level (state >= 1, or 2) of a group. */
struct evacc {
	unsigned long long episodes, caught, late;
	unsigned long long escalations, false_alarms, unjudged;
	double *lead;		/* minutes, of the caught episodes */
	size_t nlead, caplead;
};

static void
add_lead(struct evacc *a, double min)
{
	if (a->nlead == a->caplead) {
		a->caplead = a->caplead ? 2 * a->caplead : 16;
		a->lead = fx_xrealloc(a->lead, a->caplead * sizeof *a->lead);
	}
	a->lead[a->nlead++] = min;
}

static void
evacc_merge(struct evacc *to, const struct evacc *a)
{
	size_t i;

	to->episodes += a->episodes;
	to->caught += a->caught;
	to->late += a->late;
	to->escalations += a->escalations;
	to->false_alarms += a->false_alarms;
	to->unjudged += a->unjudged;
	for (i = 0; i < a->nlead; i++)
		add_lead(to, a->lead[i]);
}

static int
cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The number of changes at or before t (ch sorted by time). */
static size_t
changes_upto(const struct change *ch, size_t n, fx_time t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ch[mid].t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Some episode of the list [onset, end] meets [t, t + w]. */
static int
episode_meets(const struct st_episode *ep, size_t n, fx_time t, fx_time w)
{
	size_t lo = 0, hi = n;

	/* the first episode that ends at or after t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ep[mid].end < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ep[lo].onset <= t + w;
}

/*
 * Scores the state timeline ch (n changes, sorted) of one feeder against
 * its episodes at level L (1: state >= 1, 2: state 2) into a.
 */
static void
score_level(const struct st_feeder *sf, const struct change *ch, size_t n,
    int L, struct evacc *a)
{
	const struct st_episode *ep = sf->ep[L - 1];
	size_t nep = sf->nep[L - 1], e, i, j;

	for (e = 0; e < nep; e++) {
		fx_time onset = ep[e].onset;

		if (!in_range(onset))
			continue;
		a->episodes++;
		i = changes_upto(ch, n, onset);
		if (i > 0 && ch[i - 1].next >= L) {
			/* caught: since when has it been at L or above?  A
			 * warning held on from the previous episode counts
			 * only from that episode's end, so that hysteresis
			 * does not lengthen the lead */
			fx_time since;

			for (j = i - 1; j > 0 && ch[j - 1].next >= L; j--)
				;
			since = ch[j].t;
			if (e > 0 && ep[e - 1].end > since)
				since = ep[e - 1].end;
			a->caught++;
			add_lead(a, (double)(onset - since) / 60000.0);
			continue;
		}
		for (j = i; j < n && ch[j].next < L; j++)
			;
		if (j < n && ch[j].t < ep[e].end)
			a->late++;
	}
	for (i = 0; i < n; i++) {
		const struct change *c = &ch[i];

		if (!in_range(c->t) || c->next < L ||
		    (L == 1 ? c->prev != 0 : c->prev >= 2))
			continue;
		if (episode_meets(ep, nep, c->t, ev_opt.alarm_ms))
			a->escalations++;
		else if (!sf->has_obs || c->t + ev_opt.alarm_ms > sf->obs_end)
			a->unjudged++;	/* its window is not all observed */
		else {
			a->escalations++;
			a->false_alarms++;
		}
	}
}

static double
ratio(unsigned long long a, unsigned long long b)
{
	return b > 0 ? (double)a / (double)b : NAN;
}

static void
put_level(const char *prefix, struct evacc *a, double days, int table)
{
	char key[64];
	double med = NAN, mean = NAN, sum = 0;
	size_t i;

#define KEY(s) (snprintf(key, sizeof key, "%s%s", prefix, (s)), key)
#define HEAD(s) (table ? (s) : NULL)
	if (a->nlead > 0) {
		qsort(a->lead, a->nlead, sizeof *a->lead, cmp_double);
		med = a->nlead % 2 ? a->lead[a->nlead / 2] :
		    (a->lead[a->nlead / 2 - 1] + a->lead[a->nlead / 2]) / 2;
		for (i = 0; i < a->nlead; i++)
			sum += a->lead[i];
		mean = sum / (double)a->nlead;
	}
	ev_row_int(KEY("episodes"), HEAD("episodes"), (int64_t)a->episodes);
	ev_row_int(KEY("caught"), HEAD("caught"), (int64_t)a->caught);
	ev_row_int(KEY("late"), HEAD("late"), (int64_t)a->late);
	ev_row_num(KEY("recall"), HEAD("recall"), ratio(a->caught,
	    a->episodes), 3);
	ev_row_num(KEY("median_lead_min"), HEAD("lead_med"), med, 1);
	ev_row_num(KEY("mean_lead_min"), HEAD("lead_mean"), mean, 1);
	ev_row_int(KEY("escalations"), HEAD("alarms"),
	    (int64_t)a->escalations);
	ev_row_int(KEY("false_alarms"), HEAD("false"),
	    (int64_t)a->false_alarms);
	ev_row_int(KEY("unjudged"), NULL, (int64_t)a->unjudged);
	ev_row_num(KEY("precision"), HEAD("precision"),
	    ratio(a->escalations - a->false_alarms, a->escalations), 3);
	if (table)
		ev_row_num(NULL, "FA/day", days > 0 ?
		    (double)a->false_alarms / days : NAN, 3);
#undef KEY
#undef HEAD
}

static void
put_event_row(const char *model, const char *feeder, struct evacc a[2],
    double days)
{
	ev_row_begin();
	ev_row_str("kind", NULL, "state_events");
	ev_row_str("model", "model", model);
	ev_row_str("feeder_id", "feeder", feeder);
	put_level("", &a[1], days, 1);
	ev_row_num("feeder_days", NULL, days, 3);
	ev_row_num("false_alarms_per_feeder_day", NULL, days > 0 ?
	    (double)a[1].false_alarms / days : NAN, 3);
	put_level("alert_", &a[0], days, 0);
	ev_row_num("alert_false_alarms_per_feeder_day", NULL, days > 0 ?
	    (double)a[0].false_alarms / days : NAN, 3);
	ev_row_end();
}

static void
output_events(struct smodel *md)
{
	struct evacc tot[2], a[2];
	double days = 0;
	size_t i;
	int k, any = 0;

	memset(tot, 0, sizeof tot);
	for (i = 0; i < md->nf; i++) {
		struct sf *g = &md->sf[i];
		const struct st_feeder *sf;
		double d;

		if (!g->used)
			continue;
		any = 1;
		sf = &ev_feeder_at(i)->st;
		if (g->nch > 1)
			qsort(g->ch, g->nch, sizeof *g->ch, cmp_change);
		memset(a, 0, sizeof a);
		for (k = 0; k < 2; k++)
			score_level(sf, g->ch, g->nch, k + 1, &a[k]);
		d = (double)sf->span / (double)FX_MS_PER_DAY;
		if (!ev_opt.no_feeders)
			put_event_row(md->name, ev_feeder_at(i)->id, a, d);
		for (k = 0; k < 2; k++) {
			evacc_merge(&tot[k], &a[k]);
			free(a[k].lead);
		}
		days += d;
	}
	if (any)
		put_event_row(md->name, "*", tot, days);
	free(tot[0].lead);
	free(tot[1].lead);
}

void
st_output(void)
{
	size_t i;

	for (i = 0; i < nmodels; i++)
		output_slices(&models[i]);
	for (i = 0; i < nmodels; i++)
		output_events(&models[i]);
}

void
st_free_feeder(struct st_feeder *sf)
{
	free(sf->pend);
	free(sf->ep[0]);
	free(sf->ep[1]);
}

void
st_free(void)
{
	size_t i, j;

	for (i = 0; i < nmodels; i++) {
		for (j = 0; j < models[i].nf; j++) {
			free(models[i].sf[j].cm);
			free(models[i].sf[j].ch);
		}
		free(models[i].sf);
		free(models[i].name);
	}
	free(models);
}
