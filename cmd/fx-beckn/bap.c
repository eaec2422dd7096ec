/*
 * bap.c - fx-beckn's buyer: see bap.h and fx-beckn(1).
 *
 * Each plan to dispatch gets one discovery transaction per BPP of the
 * registry; when every BPP has answered, or the discovery deadline has
 * passed, each activation becomes an order in its own transaction, run
 * step by step (select, init, confirm, and once active, status and the
 * COMPLETE); every step waits for its callback up to a deadline.  A NACK,
 * a refused or unreachable BPP, a decline or a missed deadline before
 * the order is confirmed moves the activation to its next candidate DER;
 * with none left, it fails and an alert is written.  A confirmation that
 * comes after its deadline (the activation having moved on) is
 * cancelled, so that one need never has two confirmed orders.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "b64.h"
#include "bap.h"
#include "err.h"
#include "feeders.h"
#include "flexder.h"
#include "json.h"

#define MAX_TRIED 16

struct plan;

enum { A_WAITING, A_ORDERING, A_ACTIVE, A_COMPLETING, A_DONE };

typedef struct act {
	struct plan *p;
	bap *b;
	fx_border o;		/* the order as asked for and as it stands */
	const fx_subscriber *bpp;
	char der_pub[64];
	double offer_price;
	char txn[40];
	int state;		/* A_* */
	int await;		/* the callback awaited, or -1 */
	uint64_t timer;
	int attempts;
	char tried[MAX_TRIED][FX_BMSG_ID];
	fx_time initiated, confirm_sent, confirmed;
	int confirm_sent_set;
	int last_action;	/* the request last sent */
	int book;		/* its booking, or -1 */
	int retries;		/* of that request, after transport errors */
	int participation_ok;	/* -1 not checked, 0 bad, 1 verified */
	int live;		/* from the optimiser on the live offers */
	int obp_by_bpp;		/* obp_id is the BPP's */
	int later;		/* its status or COMPLETE held back */
	int later_action;
	fx_time later_since;
	int reported;		/* an on_status written: with what */
	double reported_kwh;
	char reported_progress[sizeof ((fx_border *)0)->progress];
} act;

typedef struct plan {
	bap *b;
	char plan_id[FX_BMSG_ID], event_id[FX_BMSG_ID], feeder_id[FX_BMSG_ID];
	fx_time detected_wall;	/* INT64_MIN when the plan has none */
	int asked, answered;
	fx_boffer *offers;
	const fx_subscriber **offer_bpp;
	int noffers;
	act **acts;
	int nacts;
	uint64_t timer;
	int ordering;		/* discovery over */
	fx_time window_start, window_end;
	double max_kw;
	int unreachable;	/* BPPs not reached in this discovery */
	int kept;		/* rediscoveries for an unreachable network */
	/* the plan's problem, to run the optimiser again on the offers
	 * discovery brings back (R37): nslots 0 when the plan lacks it */
	fx_flex_horizon hz;
	double required_kw[FX_FLEX_MAX_SLOTS];
	double w_cost, w_rel, w_unmet, type_pref[FX_DER_NTYPES];
	double agg_share;
	int greedy;		/* the plan was made by the greedy alone */
	char why_none[320];	/* the live optimiser allocated nothing */
	int reused;		/* offers from a recent discovery */
} plan;

/* A discovery every BPP answered: its offers, reused for another plan
 * of the feeder within --catalog-max-age and its window. */
typedef struct recent {
	char feeder_id[FX_BMSG_ID];
	fx_time at;		/* when it was over (wall clock) */
	fx_time window_start, window_end;
	fx_boffer *offers;
	const fx_subscriber **offer_bpp;
	int noffers;
} recent;

/* transaction id -> what it belongs to */
typedef struct txn_ref {
	plan *p;		/* discovery */
	const fx_subscriber *bpp;
	act *a;			/* an order */
	int retries;		/* of the discovery */
	char txn[40];
	int attempt;		/* an order's: its attempt, DER key, start */
	char der_pub[64];
	fx_time initiated;
} txn_ref;

/* kW held on a DER over a window by this process's attempts and orders */
typedef struct booking {
	char der_id[FX_BMSG_ID];
	fx_time start, end;
	double kw;
	int live;
} booking;

struct bap {
	const bap_config *cfg;
	booking *books;
	int nbooks;
	fx_loop *loop;
	fx_writer *out;
	fx_feeders *txns;
	plan **plans;
	int nplans;
	int busy;
	int inflight;		/* requests not yet answered */
	recent *recents;
	int nrecents;
	int confirming;		/* activations in discovery or ordering */
	act **later;		/* status and COMPLETE requests held back */
	int nlater;
	uint64_t later_timer;
	bap_stats st;
};

/* A status or COMPLETE request waits at most this long while other
 * activations are still being discovered or ordered. */
#define LATER_MAX_MS 1000
#define LATER_TICK_MS 20

static int
is_confirming(int state)
{
	return state == A_WAITING || state == A_ORDERING;
}

/* Sets a's state, keeping count of the activations not yet confirmed. */
static void
set_state(act *a, int state)
{
	a->b->confirming += is_confirming(state) - is_confirming(a->state);
	a->state = state;
}

static void act_next(act *a, const char *why);
static void release(act *a);
static void act_step(act *a);

bap *
bap_new(const bap_config *cfg, fx_loop *loop, fx_writer *out)
{
	bap *b = fx_xcalloc(1, sizeof *b);

	b->cfg = cfg;
	b->loop = loop;
	b->out = out;
	b->txns = fx_feeders_new(sizeof(txn_ref), NULL);
	return b;
}

void
bap_free(bap *b)
{
	int i, j;

	if (b == NULL)
		return;
	for (i = 0; i < b->nplans; i++) {
		plan *p = b->plans[i];

		for (j = 0; j < p->nacts; j++)
			free(p->acts[j]);
		free(p->acts);
		free(p->offers);
		free(p->offer_bpp);
		free(p);
	}
	free(b->plans);
	free(b->later);
	for (i = 0; i < b->nrecents; i++) {
		free(b->recents[i].offers);
		free(b->recents[i].offer_bpp);
	}
	free(b->recents);
	free(b->books);
	fx_feeders_free(b->txns);
	free(b);
}

int
bap_busy(const bap *b)
{
	return b->busy + b->inflight;
}

const bap_stats *
bap_get_stats(const bap *b)
{
	return &b->st;
}

/* ---- records ---- */

static void
put_str(fx_buf *r, const char *k, const char *v)
{
	fx_buf_putc(r, ',');
	fx_buf_jstr(r, k, strlen(k));
	fx_buf_putc(r, ':');
	fx_buf_jstr(r, v, strlen(v));
}

static void
put_time(fx_buf *r, const char *k, fx_time t)
{
	fx_buf_putc(r, ',');
	fx_buf_jstr(r, k, strlen(k));
	fx_buf_putc(r, ':');
	fx_buf_time(r, t);
}

static void
put_num(fx_buf *r, const char *k, double v)
{
	fx_buf_putc(r, ',');
	fx_buf_jstr(r, k, strlen(k));
	fx_buf_putc(r, ':');
	if (isnan(v))
		fx_buf_puts(r, "null");
	else
		fx_buf_num(r, round(v * 1000) / 1000);
}

static void
emit(bap *b, fx_buf *r)
{
	fx_buf_putc(r, '}');
	fx_writer_record(b->out, r);
	fx_writer_flush(b->out);
	fx_buf_free(r);
}

static void
beckn_rec(bap *b, const char *dir, int profile, int action, const char *txn,
    const char *msgid, const char *peer, const char *sig, const char *schema,
    long http, const char *ack, const char *error, const char *payload,
    size_t plen)
{
	fx_buf r = FX_BUF_INIT;

	fx_buf_puts(&r, "{\"type\":\"beckn\"");
	put_str(&r, "direction", dir);
	put_str(&r, "profile", profile == FX_BECKN_V1 ? "v1.1" : "v2");
	if (action >= 0)
		put_str(&r, "action", fx_bmsg_action_name(profile, action));
	if (txn != NULL && *txn)
		put_str(&r, "transaction_id", txn);
	if (msgid != NULL && *msgid)
		put_str(&r, "message_id", msgid);
	put_str(&r, "bap_id", b->cfg->id);
	if (peer != NULL)
		put_str(&r, "bpp_id", peer);
	put_time(&r, "timestamp", fx_time_now());
	if (sig != NULL)
		put_str(&r, "signature", sig);
	if (schema != NULL)
		put_str(&r, "schema", schema);
	fx_buf_puts(&r, ",\"http_status\":");
	fx_buf_int(&r, http);
	if (ack != NULL)
		put_str(&r, "ack", ack);
	if (error != NULL && *error)
		put_str(&r, "error", error);
	if (b->cfg->payloads && payload != NULL) {
		char e[64];
		jv v = fx_json_parse(payload, plen, e, sizeof e);

		fx_buf_puts(&r, ",\"payload\":");
		if (jv_is_valid(v))
			fx_buf_jv(&r, v);
		else
			fx_buf_jstr(&r, payload, plen);
		jv_free(v);
	}
	emit(b, &r);
}

static const char *
order_status(const act *a)
{
	switch (a->o.status) {
	case FX_BORDER_ACTIVE: return "active";
	case FX_BORDER_COMPLETE: return "completed";
	case FX_BORDER_CANCELLED: return "cancelled";
	}
	return "pending";
}

static void
order_rec(bap *b, act *a, const char *status, const char *reason)
{
	fx_buf r = FX_BUF_INIT;
	double h = a->o.end > a->o.start ? (double)(a->o.end - a->o.start) /
	    3600000 : 0;

	fx_buf_puts(&r, "{\"type\":\"order\"");
	if (a->o.order_id[0])
		put_str(&r, "order_id", a->o.order_id);
	if (a->o.obp_id[0]) {
		put_str(&r, "obp_id", a->o.obp_id);
		put_str(&r, "obp_id_by", a->obp_by_bpp ? "aggregator" :
		    "fluxeon");
	}
	put_str(&r, "plan_id", a->p->plan_id);
	if (a->p->event_id[0])
		put_str(&r, "event_id", a->p->event_id);
	put_str(&r, "feeder_id", a->p->feeder_id);
	put_str(&r, "der_id", a->o.der_id);
	fx_buf_puts(&r, ",\"der_ids\":[");
	fx_buf_jstr(&r, a->o.der_id, strlen(a->o.der_id));
	fx_buf_putc(&r, ']');
	if (a->bpp != NULL)
		put_str(&r, "aggregator_id", a->bpp->subscriber_id);
	if (a->txn[0])
		put_str(&r, "transaction_id", a->txn);
	put_str(&r, "status", status);
	put_time(&r, "start", a->o.start);
	put_time(&r, "end", a->o.end);
	put_num(&r, "kw", a->o.kw);
	put_num(&r, "requested_kwh", a->o.kw * h);
	put_num(&r, "delivered_kwh", a->o.delivered_kwh);
	put_num(&r, "price_per_kwh", !isnan(a->o.price_per_kwh) ?
	    a->o.price_per_kwh : a->offer_price);
	if (!isnan(a->o.quote)) {
		put_num(&r, "quote", a->o.quote);
		put_num(&r, "price", a->o.quote);
	}
	if (a->o.currency[0])
		put_str(&r, "currency", a->o.currency);
	fx_buf_puts(&r, ",\"timestamps\":{");
	fx_buf_puts(&r, "\"initiation\":");
	fx_buf_time(&r, a->initiated);
	if (a->confirm_sent_set)
		put_time(&r, "confirmation_sent", a->confirm_sent);
	if (a->confirmed != INT64_MIN)
		put_time(&r, "confirmation", a->confirmed);
	if (a->o.status == FX_BORDER_ACTIVE || a->o.status ==
	    FX_BORDER_COMPLETE)
		put_time(&r, "activation", a->o.start);
	if (a->o.status == FX_BORDER_COMPLETE)
		put_time(&r, "completion", fx_time_now());
	fx_buf_putc(&r, '}');
	if (a->confirm_sent_set && a->p->detected_wall != INT64_MIN)
		put_num(&r, "detection_to_confirm_ms",
		    (double)(a->confirm_sent - a->p->detected_wall));
	fx_buf_puts(&r, ",\"attempt\":");
	fx_buf_int(&r, a->attempts);
	put_str(&r, "allocation", a->live ? "live" : "plan");
	if (a->der_pub[0])
		put_str(&r, "der_public_key", a->der_pub);
	if (a->o.participation[0]) {
		/* the settlement evidence (fx-audit obp): what the DER signed,
		 * with what, and whether it verified */
		char *text = fx_bmsg_participation(&a->o);

		fx_buf_puts(&r, ",\"evidence\":{\"kind\":\"der_participation\","
		    "\"der_id\":");
		fx_buf_jstr(&r, a->o.der_id, strlen(a->o.der_id));
		put_str(&r, "public_key", a->der_pub);
		put_str(&r, "signed_text", text);
		put_str(&r, "signature", a->o.participation);
		put_str(&r, "algorithm", "ed25519");
		fx_buf_puts(&r, a->participation_ok == 1 ? ",\"verified\":true}" :
		    ",\"verified\":false}");
		free(text);
		fx_buf_puts(&r, ",\"participation\":{");
		fx_buf_puts(&r, "\"signature\":");
		fx_buf_jstr(&r, a->o.participation, strlen(a->o.participation));
		if (a->o.signed_at != INT64_MIN)
			put_time(&r, "signed_at", a->o.signed_at);
		fx_buf_puts(&r, a->participation_ok == 1 ? ",\"verified\":true" :
		    ",\"verified\":false");
		fx_buf_putc(&r, '}');
	}
	if (reason != NULL && *reason)
		put_str(&r, "reason", reason);
	emit(b, &r);
}

static void
alert_rec(bap *b, plan *p, act *a, const char *what)
{
	fx_buf r = FX_BUF_INIT;

	b->st.alerts++;
	fx_buf_puts(&r, "{\"type\":\"alert\"");
	put_str(&r, "severity", "critical");
	put_str(&r, "source", "fx-beckn");
	put_str(&r, "feeder_id", p->feeder_id);
	put_time(&r, "timestamp", fx_time_now());
	if (p->event_id[0])
		put_str(&r, "event_id", p->event_id);
	put_str(&r, "plan_id", p->plan_id);
	put_str(&r, "what", what);
	if (a != NULL) {
		char act_text[300], t0[FX_TIME_MAX_TEXT], t1[FX_TIME_MAX_TEXT];

		fx_time_format(a->o.start, t0);
		fx_time_format(a->o.end, t1);
		snprintf(act_text, sizeof act_text, "no order for %.3f kW "
		    "from %s to %s: the operator must find relief", a->o.kw,
		    t0, t1);
		put_str(&r, "action", act_text);
		put_num(&r, "unmet_kwh", a->o.kw * (double)(a->o.end -
		    a->o.start) / 3600000);
	}
	emit(b, &r);
}

/* The catalog record of one BPP's offers for a plan. */
static void
catalog_rec(bap *b, plan *p, const fx_subscriber *bpp)
{
	fx_buf r = FX_BUF_INIT;
	int i, n = 0;

	fx_buf_puts(&r, "{\"type\":\"catalog\"");
	put_str(&r, "aggregator_id", bpp->subscriber_id);
	/* what it offers for this feeder, not its whole offer: no
	 * "complete", which would withdraw its DERs of other feeders */
	put_str(&r, "feeder_id", p->feeder_id);
	put_time(&r, "received_at", fx_time_now());
	put_str(&r, "source", "fx-beckn");
	put_str(&r, "plan_id", p->plan_id);
	fx_buf_puts(&r, ",\"ders\":[");
	for (i = 0; i < p->noffers; i++) {
		const fx_boffer *o = &p->offers[i];
		const char *f = o->feeders;

		if (p->offer_bpp[i] != bpp)
			continue;
		if (n++)
			fx_buf_putc(&r, ',');
		fx_buf_puts(&r, "{\"der_id\":");
		fx_buf_jstr(&r, o->der_id, strlen(o->der_id));
		put_str(&r, "aggregator_id", bpp->subscriber_id);
		put_str(&r, "type", strcmp(o->type, "EV") == 0 ||
		    strcmp(o->type, "HVAC") == 0 || strcmp(o->type, "battery") ==
		    0 ? o->type : "other");
		fx_buf_puts(&r, ",\"location\":{\"feeders\":[");
		if (*f == '\0')
			fx_buf_jstr(&r, p->feeder_id, strlen(p->feeder_id));
		while (*f) {
			size_t k = strcspn(f, ",");

			fx_buf_jstr(&r, f, k);
			f += k;
			if (*f == ',') {
				f++;
				fx_buf_putc(&r, ',');
			}
		}
		fx_buf_puts(&r, "]}");
		put_num(&r, "capacity_kw", o->capacity_kw);
		put_num(&r, "response_time_s", (double)o->response_ms / 1000);
		put_num(&r, "duration_min", o->max_duration_ms > 0 ?
		    (double)o->max_duration_ms / 60000 : 1440);
		put_num(&r, "price_per_kwh", o->price_per_kwh);
		put_num(&r, "reliability", o->reliability > 0 ? o->reliability :
		    1);
		fx_buf_puts(&r, ",\"constraints\":{\"min_kw\":");
		fx_buf_num(&r, o->min_kw <= o->capacity_kw ? o->min_kw : 0);
		if (o->max_per_day > 0) {
			fx_buf_puts(&r, ",\"max_activations_per_day\":");
			fx_buf_int(&r, o->max_per_day);
		}
		if (o->min_duration_ms > 0 && (o->max_duration_ms <= 0 ||
		    o->min_duration_ms <= o->max_duration_ms))
			put_num(&r, "min_duration_min",
			    (double)o->min_duration_ms / 60000);
		put_time(&r, "available_from", o->avail_from);
		put_time(&r, "available_to", o->avail_until);
		fx_buf_putc(&r, '}');
		if (o->der_pubkey[0]) {
			fx_buf_puts(&r, ",\"crypto_proof\":{\"public_key\":");
			fx_buf_jstr(&r, o->der_pubkey, strlen(o->der_pubkey));
			fx_buf_putc(&r, '}');
		}
		fx_buf_putc(&r, '}');
	}
	fx_buf_putc(&r, ']');
	emit(b, &r);
}

/* ---- sending ---- */

struct sent {
	bap *b;
	act *a;			/* NULL for a discovery */
	plan *p;
	const fx_subscriber *bpp;
	int profile, action;
	char txn[40], msgid[40];
};

static void send_step(act *a, int action);
static int send_search(bap *b, plan *p, const fx_subscriber *bpp,
    const char *txn);
static void discovery_done(plan *p);

static void
on_search_retry(fx_loop *l, void *ctx)
{
	txn_ref *t = ctx;

	(void)l;
	if (!t->p->ordering && send_search(t->p->b, t->p, t->bpp, t->txn) !=
	    0) {
		t->p->answered++;
		t->p->unreachable++;
		if (t->p->answered >= t->p->asked)
			discovery_done(t->p);
	}
}

/* A discovery not reached or failed by the server: asked again after
 * 200 ms, then 400 ms, if its deadline allows.  1 if it will be. */
static int
retry_search(bap *b, const char *txn)
{
	txn_ref *t = fx_feeders_find(b->txns, txn, strlen(txn));

	if (t == NULL || t->retries >= 2)
		return 0;
	fx_loop_timer(b->loop, 200L << t->retries, on_search_retry, t);
	t->retries++;
	return 1;
}

static void
retry_step(fx_loop *l, void *ctx)
{
	act *a = ctx;
	int n = a->retries;

	(void)l;
	a->timer = 0;
	send_step(a, a->last_action);
	a->retries = n;		/* send_step starts a new count */
}

static void
on_answer(const fx_http_res *res, void *ctx)
{
	struct sent *s = ctx;
	char code[64], msg[256], e[256], why[400];
	int ack = 0, ok = 0;
	jv v;

	s->b->inflight--;
	if (res->status > 0) {
		v = fx_json_parse(res->body, res->len, e, sizeof e);
		ok = jv_is_valid(v) && fx_bmsg_read_ack(v, s->profile, &ack,
		    code, sizeof code, msg, sizeof msg, e, sizeof e) == 0;
		jv_free(v);
	}
	if (res->status == 0)
		snprintf(why, sizeof why, "%s", res->error);
	else if (!ok)
		snprintf(why, sizeof why, "HTTP %ld, no ACK or NACK in the "
		    "answer", res->status);
	else if (!ack)
		snprintf(why, sizeof why, "NACK %s: %s", code, msg);
	else
		why[0] = '\0';
	beckn_rec(s->b, "out", s->profile, s->action, s->txn, s->msgid,
	    s->bpp->subscriber_id, "signed", "ok", res->status, ok ? (ack ?
	    "ACK" : "NACK") : NULL, why, NULL, 0);
	if (!(ok && ack)) {
		act *a = s->a;

		/* not reached, or a server error: the same step again, a
		 * new message id, after 200 ms then 400 ms */
		if (a != NULL && a->state != A_DONE &&
		    strcmp(a->txn, s->txn) == 0 && a->last_action == s->action
		    && (res->status == 0 || res->status >= 500) &&
		    a->retries < 2) {
			if (a->timer)
				fx_loop_cancel(s->b->loop, a->timer);
			a->timer = fx_loop_timer(s->b->loop, 200L << a->retries,
			    retry_step, a);
			a->retries++;
		} else if (a != NULL && a->state == A_ORDERING &&
		    strcmp(a->txn, s->txn) == 0)
			act_next(a, why);
		else if (s->a == NULL && s->p != NULL && !s->p->ordering &&
		    (res->status == 0 || res->status >= 500) &&
		    retry_search(s->b, s->txn))
			;	/* asked again */
		else if (s->a == NULL && s->p != NULL && !s->p->ordering) {
			s->p->answered++;
			if (res->status == 0 || res->status >= 500)
				s->p->unreachable++;
			if (s->p->answered >= s->p->asked)
				discovery_done(s->p);
		}
	}
	free(s);
}

/* Signs msg (consumed) and POSTs it to the BPP; the answer comes to
 * on_answer.  Returns 0, or -1 when it fails its own schema (not sent). */
static int
send_msg(bap *b, plan *p, act *a, const fx_subscriber *bpp, int profile,
    int action, jv msg, const char *txn, const char *msgid, char *why,
    size_t n)
{
	int64_t now = fx_time_now() / 1000;
	char err[256], url[800], *auth, *hdr;
	const char *headers[3];
	struct sent *s;
	int checked;
	jv str;
	size_t ul = strlen(bpp->url);

	if (fx_bschema_check(b->cfg->schemas, profile, action, msg, &checked,
	    why, n) != 0) {
		jv_free(msg);
		return -1;
	}
	str = jv_dump_string(msg, 0);
	auth = fx_bsign_sign(b->cfg->key, b->cfg->id, b->cfg->key_id,
	    jv_string_value(str), strlen(jv_string_value(str)), now, now + 30,
	    err, sizeof err);
	if (auth == NULL) {
		snprintf(why, n, "signing: %s", err);
		jv_free(str);
		return -1;
	}
	hdr = fx_xmalloc(strlen(auth) + 20);
	sprintf(hdr, "Authorization: %s", auth);
	headers[0] = "Content-Type: application/json";
	headers[1] = hdr;
	headers[2] = NULL;
	snprintf(url, sizeof url, "%s%s%s", bpp->url, ul > 0 &&
	    bpp->url[ul - 1] == '/' ? "" : "/", fx_bmsg_action_name(profile,
	    action));
	s = fx_xcalloc(1, sizeof *s);
	b->inflight++;
	s->b = b;
	s->a = a;
	s->p = p;
	s->bpp = bpp;
	s->profile = profile;
	s->action = action;
	snprintf(s->txn, sizeof s->txn, "%s", txn);
	snprintf(s->msgid, sizeof s->msgid, "%s", msgid);
	fx_http_post(b->loop, url, headers, jv_string_value(str),
	    strlen(jv_string_value(str)), (long)b->cfg->step_ms, on_answer, s);
	free(hdr);
	free(auth);
	jv_free(str);
	return 0;
}

static void
ctx_for(bap *b, fx_bctx *c, int profile, int action, const char *txn,
    const fx_subscriber *bpp)
{
	fx_bmsg_ctx_init(c, profile, action);
	snprintf(c->bap_id, sizeof c->bap_id, "%s", b->cfg->id);
	snprintf(c->bap_uri, sizeof c->bap_uri, "%s", b->cfg->uri);
	snprintf(c->transaction_id, sizeof c->transaction_id, "%s", txn);
	if (bpp != NULL && action != FX_BA_SEARCH) {
		snprintf(c->bpp_id, sizeof c->bpp_id, "%s", bpp->subscriber_id);
		snprintf(c->bpp_uri, sizeof c->bpp_uri, "%s", bpp->url);
	}
	if (bpp != NULL && bpp->domain[0])
		snprintf(c->domain, sizeof c->domain, "%s", bpp->domain);
}

/* ---- the order of one activation ---- */

static void
on_step_timeout(fx_loop *l, void *ctx)
{
	act *a = ctx;
	char why[200];

	(void)l;
	a->timer = 0;
	snprintf(why, sizeof why, "no %s from %s within %lld ms",
	    fx_bmsg_action_name(a->bpp->profile, a->await),
	    a->bpp->subscriber_id, (long long)a->p->b->cfg->step_ms);
	if (a->state == A_ORDERING)
		act_next(a, why);
	else if (a->state == A_COMPLETING || a->state == A_ACTIVE) {
		/* the order stands; its completion is not known */
		order_rec(a->p->b, a, "active", why);
		set_state(a, A_DONE);
		a->p->b->busy--;
	}
}

static void
resend_status(fx_loop *l, void *ctx)
{
	act *a = ctx;

	(void)l;
	a->timer = 0;
	send_step(a, FX_BA_STATUS);
}

static void
wait_for(act *a, int callback)
{
	a->await = callback;
	if (a->timer)
		fx_loop_cancel(a->b->loop, a->timer);
	a->timer = fx_loop_timer(a->b->loop, (long)a->b->cfg->step_ms,
	    on_step_timeout, a);
}

/* Sends the activation's next request (its state says which). */
static void
send_step(act *a, int action)
{
	bap *b = a->b;
	fx_bctx c;
	char why[400];
	jv m;

	ctx_for(b, &c, a->bpp->profile, action, a->txn, a->bpp);
	a->last_action = action;
	a->retries = 0;
	if (action == FX_BA_CONFIRM) {
		a->confirm_sent = fx_time_now();
		a->confirm_sent_set = 1;
		if (a->p->detected_wall != INT64_MIN) {
			double ms = (double)(a->confirm_sent -
			    a->p->detected_wall);

			if (ms > b->st.sla_ms_max)
				b->st.sla_ms_max = ms;
		}
	}
	m = fx_bmsg_order(&c, &a->o);
	wait_for(a, FX_BA_CALLBACK(action));
	if (send_msg(b, a->p, a, a->bpp, a->bpp->profile, action, m, a->txn,
	    c.message_id, why, sizeof why) != 0) {
		fx_error("internal error: %s for %s not sent: %s",
		    fx_bmsg_action_name(a->bpp->profile, action), a->o.der_id,
		    why);
		if (a->state == A_ORDERING)
			act_next(a, why);
	}
}

static void flush_later(bap *b);

static void
on_later(fx_loop *l, void *ctx)
{
	bap *b = ctx;

	(void)l;
	b->later_timer = 0;
	flush_later(b);
}

/* Sends the requests held back once no activation is being discovered
 * or ordered, or once they have waited LATER_MAX_MS. */
static void
flush_later(bap *b)
{
	fx_time now = fx_time_now();
	int i, k = 0;

	for (i = 0; i < b->nlater; i++) {
		act *a = b->later[i];

		if (!a->later)
			continue;	/* taken back */
		if (b->confirming > 0 && now - a->later_since < LATER_MAX_MS) {
			b->later[k++] = a;
			continue;
		}
		a->later = 0;
		send_step(a, a->later_action);
	}
	b->nlater = k;
	if (k > 0 && !b->later_timer)
		b->later_timer = fx_loop_timer(b->loop, LATER_TICK_MS, on_later,
		    b);
}

/*
 * A confirmed order's status or COMPLETE: sent now, unless activations
 * are still being discovered or ordered, whose requests go first (the
 * 5-second SLA is detection to CONFIRM); then held back until none is,
 * LATER_MAX_MS at most.  Meanwhile it awaits no callback.
 */
static void
send_later(act *a, int action)
{
	bap *b = a->b;

	if (b->confirming == 0) {
		send_step(a, action);
		return;
	}
	a->await = -1;
	a->later = 1;
	a->later_action = action;
	a->later_since = fx_time_now();
	b->later = fx_xrealloc(b->later, (unsigned long)(b->nlater + 1) *
	    sizeof *b->later);
	b->later[b->nlater++] = a;
	if (!b->later_timer)
		b->later_timer = fx_loop_timer(b->loop, LATER_TICK_MS, on_later,
		    b);
}

static int
tried(const act *a, const char *der)
{
	int i;

	for (i = 0; i < a->attempts && i < MAX_TRIED; i++)
		if (strcmp(a->tried[i], der) == 0)
			return 1;
	return 0;
}

static int
serves(const fx_boffer *o, const char *feeder)
{
	const char *f = o->feeders;
	size_t n = strlen(feeder);

	if (*f == '\0')
		return 0;
	while (*f) {
		size_t k = strcspn(f, ",");

		if (k == n && strncmp(f, feeder, n) == 0)
			return 1;
		f += k + (f[k] == ',');
	}
	return 0;
}

/* kW of der held over [start, end) by other attempts and orders: the
 * sum of every overlapping booking (at most the peak they reach) */
static double
booked(const bap *b, const char *der, fx_time start, fx_time end)
{
	double kw = 0;
	int i;

	for (i = 0; i < b->nbooks; i++)
		if (b->books[i].live && b->books[i].start < end &&
		    b->books[i].end > start &&
		    strcmp(b->books[i].der_id, der) == 0)
			kw += b->books[i].kw;
	return kw;
}

static void
release(act *a)
{
	if (a->book >= 0)
		a->b->books[a->book].live = 0;
	a->book = -1;
}

static void
hold(act *a)
{
	bap *b = a->b;
	booking *k;

	release(a);
	b->books = fx_xrealloc(b->books, (unsigned long)(b->nbooks + 1) *
	    sizeof *b->books);
	k = &b->books[b->nbooks];
	snprintf(k->der_id, sizeof k->der_id, "%s", a->o.der_id);
	k->start = a->o.start;
	k->end = a->o.end;
	k->kw = a->o.kw;
	k->live = 1;
	a->book = b->nbooks++;
}

/* Can offer o run activation a, with what others hold of it? */
static int
fits(const act *a, const fx_boffer *o)
{
	return o->capacity_kw - booked(a->b, o->der_id, a->o.start, a->o.end)
	    + 1e-9 >= a->o.kw && o->min_kw <= a->o.kw + 1e-9
	    && o->avail_from <= a->o.start && o->avail_until >= a->o.end &&
	    (o->max_duration_ms <= 0 || o->max_duration_ms >= a->o.end -
	    a->o.start) && o->min_duration_ms <= a->o.end - a->o.start;
}

/* OBP-<yyyymmddThhmmssmmmZ, the UTC time now>-<8 random hex digits>:
 * sortable by time, unique by the random part (schemas/records/order). */
static void
obp_id(char out[FX_BMSG_ID])
{
	fx_time now = fx_time_now();
	time_t sec = (time_t)(now / 1000);
	struct tm tm;
	char c[32];
	unsigned char r[4];

	gmtime_r(&sec, &tm);
	strftime(c, sizeof c, "%Y%m%dT%H%M%S", &tm);
	if (RAND_bytes(r, sizeof r) != 1)
		fx_die(FX_EXIT_FAIL, "no random bytes from OpenSSL");
	snprintf(out, FX_BMSG_ID, "OBP-%s%03dZ-%02x%02x%02x%02x", c,
	    (int)(now % 1000), r[0], r[1], r[2], r[3]);
}

/* No (further) attempt at a: it fails, with an alert. */
static void
act_fail(act *a, const char *why)
{
	plan *p = a->p;
	char what[600];

	if (a->timer) {
		fx_loop_cancel(a->b->loop, a->timer);
		a->timer = 0;
	}
	a->await = -1;	/* a late callback no longer revives it */
	release(a);
	set_state(a, A_DONE);
	a->b->busy--;
	a->b->st.failed++;
	/* after attempts, the last one's failed record stands */
	if (a->attempts == 0)
		order_rec(a->b, a, "failed", why);
	snprintf(what, sizeof what, "%s: no Beckn order for %.3f kW "
	    "after %d attempt%s: %s", p->feeder_id, a->o.kw,
	    a->attempts, a->attempts == 1 ? "" : "s", why);
	alert_rec(a->b, p, a, what);
}

/* Starts the next attempt of a: the DER the plan chose if it is offered,
 * else the cheapest other one offered that serves the feeder and fits. */
static void
act_start(act *a, const char *planned)
{
	plan *p = a->p;
	int i, best = -1;

	for (i = 0; i < p->noffers; i++) {
		const fx_boffer *o = &p->offers[i];

		if (tried(a, o->der_id) || !fits(a, o))
			continue;
		if (planned != NULL && strcmp(o->der_id, planned) == 0) {
			best = i;
			break;
		}
		if (!serves(o, p->feeder_id))
			continue;
		if (best < 0 || o->price_per_kwh < p->offers[best].price_per_kwh
		    || (o->price_per_kwh == p->offers[best].price_per_kwh &&
		    strcmp(o->der_id, p->offers[best].der_id) < 0))
			best = i;
	}
	if (best < 0 || a->attempts >= a->b->cfg->max_attempts ||
	    a->attempts >= MAX_TRIED) {
		act_fail(a, a->attempts == 0 ? "no DER offered serves the "
		    "feeder and can run it" : best < 0 ? "no other DER offered "
		    "serves the feeder and can run it" : "--max-attempts "
		    "reached");
		return;
	}
	snprintf(a->tried[a->attempts++], FX_BMSG_ID, "%s",
	    p->offers[best].der_id);
	a->bpp = p->offer_bpp[best];
	snprintf(a->o.der_id, sizeof a->o.der_id, "%s", p->offers[best].der_id);
	snprintf(a->o.offer_id, sizeof a->o.offer_id, "%s",
	    p->offers[best].offer_id);
	snprintf(a->o.provider_id, sizeof a->o.provider_id, "%s",
	    p->offers[best].provider_id);
	snprintf(a->der_pub, sizeof a->der_pub, "%s",
	    p->offers[best].der_pubkey);
	a->offer_price = p->offers[best].price_per_kwh;
	a->o.order_id[0] = '\0';
	a->o.price_per_kwh = NAN;
	a->o.quote = NAN;
	a->o.status = FX_BORDER_DRAFT;
	a->o.participation[0] = '\0';
	a->confirm_sent_set = 0;
	a->confirmed = INT64_MIN;
	a->participation_ok = -1;
	obp_id(a->o.obp_id);
	a->obp_by_bpp = 0;
	fx_bmsg_uuid(a->txn);
	{
		txn_ref *t = fx_feeders_get(a->b->txns, a->txn, strlen(a->txn),
		    NULL);

		t->a = a;
		t->bpp = a->bpp;
		t->attempt = a->attempts;
		snprintf(t->der_pub, sizeof t->der_pub, "%s", a->der_pub);
		t->initiated = fx_time_now();
	}
	set_state(a, A_ORDERING);
	a->initiated = fx_time_now();
	hold(a);
	send_step(a, FX_BA_SELECT);
}

static void
act_next(act *a, const char *why)
{
	if (a->timer) {
		fx_loop_cancel(a->b->loop, a->timer);
		a->timer = 0;
	}
	order_rec(a->b, a, "failed", why);
	release(a);
	set_state(a, A_WAITING);
	act_start(a, NULL);
}

/* After discovery: the first attempt of each activation. */
static void
act_step(act *a)
{
	if (a->state != A_WAITING || a->attempts != 0)
		return;
	if (a->p->why_none[0])
		act_fail(a, a->p->why_none);
	else
		act_start(a, a->o.der_id[0] ? a->tried[MAX_TRIED - 1] : NULL);
}

/* A new activation of p, not yet tried: der (the one chosen for it),
 * kw over [start, end). */
static act *
new_act(plan *p, const char *der, double kw, fx_time start, fx_time end)
{
	act *a = fx_xcalloc(1, sizeof *a);

	a->p = p;
	a->b = p->b;
	a->await = -1;
	a->initiated = fx_time_now();
	a->book = -1;
	a->offer_price = NAN;
	a->confirmed = INT64_MIN;
	fx_border_init(&a->o);
	a->state = A_WAITING;
	p->b->confirming++;
	a->o.kw = kw;
	a->o.start = start;
	a->o.end = end;
	/* the DER chosen, kept for the first attempt */
	snprintf(a->o.der_id, sizeof a->o.der_id, "%s", der);
	snprintf(a->tried[MAX_TRIED - 1], FX_BMSG_ID, "%s", der);
	snprintf(a->o.feeder_id, sizeof a->o.feeder_id, "%s", p->feeder_id);
	snprintf(a->o.event_id, sizeof a->o.event_id, "%s", p->event_id);
	snprintf(a->o.plan_id, sizeof a->o.plan_id, "%s", p->plan_id);
	return a;
}

static int
planned(const plan *p, const char *der)
{
	int i;

	for (i = 0; i < p->nacts; i++)
		if (strcmp(p->acts[i]->tried[MAX_TRIED - 1], der) == 0)
			return 1;
	return 0;
}

/* An offer as a catalog DER (borrowing its strings): what catalog_rec
 * writes. */
static void
offer_der(const fx_boffer *o, fx_der *d)
{
	memset(d, 0, sizeof *d);
	d->der_id = (char *)o->der_id;
	d->aggregator_id = (char *)o->provider_id;
	d->type = fx_der_type_parse(o->type);
	if (d->type < 0)
		d->type = FX_DER_OTHER;
	d->capacity_kw = o->capacity_kw;
	d->response_time_s = (double)o->response_ms / 1000;
	d->duration_min = o->max_duration_ms > 0 ?
	    (double)o->max_duration_ms / 60000 : 1440;
	d->price_per_kwh = o->price_per_kwh;
	d->min_kw = o->min_kw <= o->capacity_kw ? o->min_kw : 0;
	d->max_activations_per_day = o->max_per_day > 0 ? o->max_per_day : -1;
	if (o->min_duration_ms > 0 && (o->max_duration_ms <= 0 ||
	    o->min_duration_ms <= o->max_duration_ms))
		d->min_duration_min = (double)o->min_duration_ms / 60000;
	d->available_from = o->avail_from;
	d->available_to = o->avail_until;
	d->reliability = o->reliability > 0 ? o->reliability : 1;
}

/* Is offer i the one of its DER to use: none cheaper, none as cheap
 * before it (a DER two BPPs offer)? */
static int
first_of_der(const plan *p, int i)
{
	const fx_boffer *o = &p->offers[i];
	int j;

	for (j = 0; j < p->noffers; j++)
		if (j != i && strcmp(p->offers[j].der_id, o->der_id) == 0 &&
		    (p->offers[j].price_per_kwh < o->price_per_kwh ||
		    (p->offers[j].price_per_kwh == o->price_per_kwh && j < i)))
			return 0;
	return 1;
}

/*
 * Runs the optimiser again on the offers discovery brought back (R37):
 * the plan's slots, need, weights and aggregator share, with the offers
 * as DERs (what this process already holds of each taken off), as
 * fx-plan does on its catalog.  Its activations replace the plan's; when
 * it allocates nothing, the plan's fail with the reason.  When it cannot
 * run (a plan out of range), the plan's activations stand.
 */
static void
replan_live(plan *p)
{
	bap *b = p->b;
	int ns = p->hz.nslots, n = 0, naggs = 0, cand = 0, i, k, s, d;
	int ex[FX_CAND_BOOKED + 1] = { 0 };
	fx_flex_der *fd = fx_xcalloc((size_t)p->noffers, sizeof *fd);
	int *src = fx_xcalloc((size_t)p->noffers, sizeof *src);
	const fx_subscriber **aggs = fx_xcalloc((size_t)p->noffers,
	    sizeof *aggs);
	fx_flex_problem pb;
	fx_flex_result r;
	act **acts = NULL;
	int nacts = 0;
	char err[256];

	for (i = 0; i < p->noffers; i++) {
		const fx_boffer *o = &p->offers[i];
		fx_flex_der *x = &fd[n];
		fx_der der;
		int why;

		if ((!serves(o, p->feeder_id) && !planned(p, o->der_id)) ||
		    !first_of_der(p, i))
			continue;
		cand++;
		offer_der(o, &der);
		why = fx_flex_candidate(&der, &p->hz, x);
		if (why == FX_CAND_OK) {
			for (s = 0; s < ns; s++) {
				x->cap[s] -= booked(b, o->der_id, p->hz.start[s],
				    p->hz.end[s]);
				if (x->cap[s] < 0)
					x->cap[s] = 0;
			}
			why = fx_flex_candidate_room(x, ns);
		}
		if (why != FX_CAND_OK) {
			ex[why]++;
			continue;
		}
		for (k = 0; k < naggs; k++)
			if (aggs[k] == p->offer_bpp[i])
				break;
		if (k == naggs)
			aggs[naggs++] = p->offer_bpp[i];
		x->aggregator = k;
		x->type_pref = p->type_pref[der.type];
		src[n++] = i;
	}
	memset(&pb, 0, sizeof pb);
	pb.nslots = ns;
	memcpy(pb.hours, p->hz.hours, sizeof pb.hours);
	memcpy(pb.required_kw, p->required_kw, sizeof pb.required_kw);
	pb.nders = n;
	pb.ders = fd;
	pb.naggs = naggs > 0 ? naggs : 1;
	pb.agg_share = p->agg_share;
	pb.w_cost = p->w_cost;
	pb.w_reliability = p->w_rel;
	pb.w_unmet = p->w_unmet;
	pb.time_limit_ms = b->cfg->solve_ms > 0 ? b->cfg->solve_ms : 1;
	if (n == 0) {
		snprintf(p->why_none, sizeof p->why_none, cand == 0 ? "no DER "
		    "offered serves the feeder" : "none of the %d DERs offered "
		    "for the feeder can run in the plan's slots (%d unavailable, "
		    "%d too slow to respond, %d out of activations, %d fully "
		    "booked)", cand, ex[FX_CAND_UNAVAILABLE],
		    ex[FX_CAND_RESPONSE], ex[FX_CAND_ACTIVATIONS],
		    ex[FX_CAND_BOOKED]);
		goto out;
	}
	if ((b->cfg->solve_ms > 0 ? fx_flex_solve(&pb, &r, err, sizeof err) :
	    fx_flex_greedy(&pb, &r, err, sizeof err)) != 0) {
		fx_warn("plan %s: the optimiser cannot run on the live offers "
		    "(%s): the plan's activations stand", p->plan_id, err);
		goto out;
	}
	/* each run of slots at one level is an activation */
	for (d = 0; d < n; d++)
		for (s = 0; s < ns; s++) {
			double q = r.kw[d * ns + s];
			int e = s + 1;

			if (!(q > 0))
				continue;
			while (e < ns && fabs(r.kw[d * ns + e] - q) <= 1e-9)
				e++;
			acts = fx_xrealloc(acts, (unsigned long)(nacts + 1) *
			    sizeof *acts);
			acts[nacts] = new_act(p, p->offers[src[d]].der_id, q,
			    p->hz.start[s], p->hz.end[e - 1]);
			acts[nacts++]->live = 1;
			s = e - 1;
		}
	fx_flex_result_free(&r);
	if (nacts == 0) {
		snprintf(p->why_none, sizeof p->why_none, "the optimiser, run "
		    "again on the %d DERs offered that can run, allocates "
		    "none of them: none is worth its cost against unmet "
		    "volume (curtailment weight %g per kWh)", n, p->w_unmet);
		goto out;
	}
	/* the live allocation replaces the plan's (none started yet) */
	for (i = 0; i < p->nacts; i++) {
		b->confirming--;
		free(p->acts[i]);
	}
	free(p->acts);
	b->busy += nacts - p->nacts;
	b->st.activations += (unsigned long long)nacts;
	b->st.activations -= (unsigned long long)p->nacts;
	p->acts = acts;
	p->nacts = nacts;
	acts = NULL;
	b->st.reoptimised++;
out:
	free(acts);
	free(fd);
	free(src);
	free(aggs);
}

/* The feeder's recent discovery, or NULL. */
static recent *
recent_of(bap *b, const char *feeder)
{
	int i;

	for (i = 0; i < b->nrecents; i++)
		if (strcmp(b->recents[i].feeder_id, feeder) == 0)
			return &b->recents[i];
	return NULL;
}

/* p's discovery, complete, kept for --catalog-max-age. */
static void
remember(plan *p)
{
	bap *b = p->b;
	recent *r;
	size_t n = (size_t)p->noffers;

	if (b->cfg->catalog_max_age_ms <= 0)
		return;
	if ((r = recent_of(b, p->feeder_id)) == NULL) {
		b->recents = fx_xrealloc(b->recents, (unsigned long)
		    (b->nrecents + 1) * sizeof *b->recents);
		r = &b->recents[b->nrecents++];
		memset(r, 0, sizeof *r);
		snprintf(r->feeder_id, sizeof r->feeder_id, "%s", p->feeder_id);
	}
	free(r->offers);
	free(r->offer_bpp);
	r->at = fx_time_now();
	r->window_start = p->window_start;
	r->window_end = p->window_end;
	r->noffers = p->noffers;
	r->offers = fx_xmalloc((n + 1) * sizeof *r->offers);
	r->offer_bpp = fx_xmalloc((n + 1) * sizeof *r->offer_bpp);
	if (n > 0) {
		memcpy(r->offers, p->offers, n * sizeof *r->offers);
		memcpy(r->offer_bpp, p->offer_bpp, n * sizeof *r->offer_bpp);
	}
}

/* Takes the feeder's recent discovery for p when policy allows: no
 * older than --catalog-max-age, its window covering p's.  Returns 1 if
 * it did. */
static int
reuse(plan *p)
{
	bap *b = p->b;
	recent *r;
	size_t n;

	if (b->cfg->catalog_max_age_ms <= 0 ||
	    (r = recent_of(b, p->feeder_id)) == NULL ||
	    fx_time_now() - r->at > b->cfg->catalog_max_age_ms ||
	    p->window_start < r->window_start || p->window_end > r->window_end)
		return 0;
	n = (size_t)r->noffers;
	p->offers = fx_xmalloc((n + 1) * sizeof *p->offers);
	p->offer_bpp = fx_xmalloc((n + 1) * sizeof *p->offer_bpp);
	if (n > 0) {
		memcpy(p->offers, r->offers, n * sizeof *p->offers);
		memcpy(p->offer_bpp, r->offer_bpp, n * sizeof *p->offer_bpp);
	}
	p->noffers = r->noffers;
	p->reused = 1;
	b->st.catalogs_reused++;
	return 1;
}

static void start_discovery(plan *p);

static void
on_rediscover(fx_loop *l, void *ctx)
{
	plan *p = ctx;

	(void)l;
	p->timer = 0;
	start_discovery(p);
}

/*
 * Discovery over (every BPP answered, or the deadline): the orders start.
 * But when no BPP could be reached at all (NFR11), the plan is kept and
 * discovery tried again every 5 s while its window has not ended, with
 * an alert the first time; the orders then start with what comes.
 */
static void
discovery_done(plan *p)
{
	bap *b = p->b;
	int i;

	if (p->ordering)
		return;
	if (p->timer) {
		fx_loop_cancel(b->loop, p->timer);
		p->timer = 0;
	}
	if (p->noffers == 0 && p->asked > 0 && p->unreachable >= p->asked &&
	    fx_time_now() + 5000 < p->window_end) {
		if (p->kept++ == 0)
			alert_rec(b, p, NULL, "the Beckn network is unreachable "
			    "(no aggregator answered): the plan is kept and "
			    "its discovery tried again every 5 s until its "
			    "window ends");
		p->timer = fx_loop_timer(b->loop, 5000, on_rediscover, p);
		return;
	}
	p->ordering = 1;
	if (!p->reused && p->asked > 0 && p->answered >= p->asked &&
	    p->unreachable == 0)
		remember(p);
	if (b->cfg->reoptimise && p->hz.nslots > 0 && p->noffers > 0)
		replan_live(p);
	for (i = 0; i < p->nacts; i++)
		act_step(p->acts[i]);
}

static void
on_discovery_deadline(fx_loop *l, void *ctx)
{
	plan *p = ctx;

	(void)l;
	p->timer = 0;
	discovery_done(p);
}

/* ---- plans ---- */

static int
num(jv o, const char *k, double *v)
{
	return fx_json_num(o, k, v) == 1;
}

static int
tm(jv o, const char *k, fx_time *t)
{
	const char *s = fx_json_str(o, k), *why;

	return s != NULL && fx_time_parse_rfc3339(s, strlen(s), t, &why) == 0;
}

/* Sends plan p's discovery to bpp in transaction txn: 0, or -1 when it
 * could not be made (an internal error, reported). */
static int
send_search(bap *b, plan *p, const fx_subscriber *bpp, const char *txn)
{
	fx_bintent in;
	fx_bctx c;
	char why[400];

	memset(&in, 0, sizeof in);
	snprintf(in.feeder_id, sizeof in.feeder_id, "%s", p->feeder_id);
	in.lat = in.lon = NAN;
	in.start = p->window_start;
	in.end = p->window_end;
	in.kw = p->max_kw;
	ctx_for(b, &c, bpp->profile, FX_BA_SEARCH, txn, bpp);
	if (send_msg(b, p, NULL, bpp, bpp->profile, FX_BA_SEARCH,
	    fx_bmsg_search(&c, &in), txn, c.message_id, why, sizeof why) !=
	    0) {
		fx_error("internal error: search not sent: %s", why);
		return -1;
	}
	return 0;
}

/* One discovery transaction per BPP of the registry, with its deadline;
 * with none, the orders start at once. */
static void
start_discovery(plan *p)
{
	bap *b = p->b;
	int i;

	p->asked = p->answered = p->unreachable = 0;
	for (i = 0; i < fx_registry_count(b->cfg->registry); i++) {
		const fx_subscriber *bpp = fx_registry_at(b->cfg->registry, i);
		txn_ref *t;
		char txn[40];
		int j, dup = 0;

		if (strcmp(bpp->type, "BPP") != 0)
			continue;
		/* one entry per subscriber, whichever key */
		for (j = 0; j < i; j++)
			if (strcmp(fx_registry_at(b->cfg->registry, j)->
			    subscriber_id, bpp->subscriber_id) == 0)
				dup = 1;
		if (dup)
			continue;
		fx_bmsg_uuid(txn);
		t = fx_feeders_get(b->txns, txn, strlen(txn), NULL);
		t->p = p;
		t->bpp = bpp;
		snprintf(t->txn, sizeof t->txn, "%s", txn);
		p->asked++;
		if (send_search(b, p, bpp, txn) != 0)
			p->asked--;
	}
	if (p->asked == 0) {
		p->ordering = 1;
		for (i = 0; i < p->nacts; i++)
			act_step(p->acts[i]);
	} else
		p->timer = fx_loop_timer(b->loop, (long)b->cfg->discovery_ms,
		    on_discovery_deadline, p);
}

/* The plan's problem, for the live optimiser (replan_live): its slots
 * (start, end, required_kw), weights and aggregator share; p->hz.nslots
 * stays 0 when any is missing or out of range. */
static void
read_problem(plan *p, jv r)
{
	static const char *const types[FX_DER_NTYPES] = { "battery", "EV",
	    "HVAC", "other" };
	jv slots = fx_json_get(r, "slots"), w = fx_json_get(r, "weights");
	jv tp = fx_json_get(w, "type_preference");
	fx_time issued;
	int64_t step = 0;
	int n = 0, ok, t;

	ok = tm(r, "issued_at", &issued) && jv_get_kind(slots) ==
	    JV_KIND_ARRAY && num(w, "cost", &p->w_cost) && p->w_cost >= 0 &&
	    num(w, "reliability", &p->w_rel) && p->w_rel >= 0 &&
	    num(w, "curtailment", &p->w_unmet) && p->w_unmet >= 0;
	for (t = 0; ok && t < FX_DER_NTYPES; t++)
		ok = num(tp, types[t], &p->type_pref[t]);
	p->agg_share = 1;
	if (ok && fx_json_num(r, "max_aggregator_share", &p->agg_share) ==
	    1 && !(p->agg_share > 0 && p->agg_share <= 1))
		ok = 0;
	if (ok)
		jv_array_foreach(slots, i, x) {
			(void)i;
			if (!ok || n >= FX_FLEX_MAX_SLOTS ||
			    !tm(x, "start", &p->hz.start[n]) ||
			    !tm(x, "end", &p->hz.end[n]) ||
			    p->hz.end[n] <= p->hz.start[n] ||
			    (n > 0 && p->hz.start[n] < p->hz.end[n - 1]) ||
			    !num(x, "required_kw", &p->required_kw[n]) ||
			    !(p->required_kw[n] >= 0 &&
			    isfinite(p->required_kw[n])))
				ok = 0;
			else {
				int64_t len = p->hz.end[n] - p->hz.start[n];

				p->hz.hours[n] = (double)len / 3600000;
				if (len > step)
					step = len;
				n++;
			}
			jv_free(x);
		}
	if (ok && n > 0) {
		p->hz.nslots = n;
		p->hz.step_min = (double)step / 60000;
		p->hz.now = issued;
	} else
		p->hz.nslots = 0;
	jv_free(tp);
	jv_free(w);
	jv_free(slots);
}

int
bap_plan(bap *b, const char *rec, size_t len)
{
	char err[256];
	const char *type, *st;
	jv r = fx_json_parse_record(rec, len, &type, err, sizeof err), acts;
	plan *p;

	if (!jv_is_valid(r) || strcmp(type, "plan") != 0) {
		jv_free(r);
		return 0;
	}
	st = fx_json_str(r, "status");
	acts = fx_json_get(r, "activations");
	if (st == NULL || (strcmp(st, "dispatch") != 0 &&
	    strcmp(st, "approved") != 0) || jv_get_kind(acts) !=
	    JV_KIND_ARRAY || jv_array_length(jv_copy(acts)) == 0) {
		jv_free(acts);
		jv_free(r);
		return 0;
	}
	p = fx_xcalloc(1, sizeof *p);
	p->b = b;
	snprintf(p->plan_id, sizeof p->plan_id, "%s", fx_json_str(r, "plan_id") ?
	    fx_json_str(r, "plan_id") : "");
	snprintf(p->event_id, sizeof p->event_id, "%s", fx_json_str(r,
	    "event_id") ? fx_json_str(r, "event_id") : "");
	snprintf(p->feeder_id, sizeof p->feeder_id, "%s", fx_json_str(r,
	    "feeder_id") ? fx_json_str(r, "feeder_id") : "");
	if (!tm(r, "detected_at_wall", &p->detected_wall))
		p->detected_wall = INT64_MIN;
	p->window_start = INT64_MAX;
	p->window_end = INT64_MIN;
	jv_array_foreach(acts, k, x) {
		const char *der = fx_json_str(x, "der_id");
		double kw;
		fx_time start, end;
		act *a;

		(void)k;
		if (!num(x, "kw", &kw) || !tm(x, "start", &start) ||
		    !tm(x, "end", &end) || der == NULL || end <= start ||
		    !(kw > 0)) {
			fx_warn("plan %s: an activation without der_id, kw, start "
			    "and end: skipped", p->plan_id);
			jv_free(x);
			continue;
		}
		a = new_act(p, der, kw, start, end);
		if (a->o.start < p->window_start)
			p->window_start = a->o.start;
		if (a->o.end > p->window_end)
			p->window_end = a->o.end;
		if (a->o.kw > p->max_kw)
			p->max_kw = a->o.kw;
		p->acts = fx_xrealloc(p->acts, (unsigned long)(p->nacts + 1) *
		    sizeof *p->acts);
		p->acts[p->nacts++] = a;
		jv_free(x);
	}
	jv_free(acts);
	read_problem(p, r);
	jv_free(r);
	if (p->nacts == 0) {
		free(p->acts);
		free(p);
		return 0;
	}
	b->plans = fx_xrealloc(b->plans, (unsigned long)(b->nplans + 1) *
	    sizeof *b->plans);
	b->plans[b->nplans++] = p;
	b->st.plans++;
	b->st.activations += (unsigned long long)p->nacts;
	b->busy += p->nacts;
	if (reuse(p))
		discovery_done(p);
	else
		start_discovery(p);
	return 1;
}

/* ---- callbacks ---- */

static int
verify_participation(const act *a)
{
	uint8_t sig[80];
	size_t n;
	char *text;
	int rc;

	if (!a->der_pub[0] || !a->o.participation[0] ||
	    fx_b64_decode(a->o.participation, strlen(a->o.participation), sig,
	    sizeof sig, &n) != 0 || n != 64)
		return 0;
	text = fx_bmsg_participation(&a->o);
	rc = fx_bsign_verify_raw(a->der_pub, text, strlen(text), sig);
	free(text);
	return rc == FX_BSIGN_OK;
}

static int verify_participation(const act *a);

static void
on_order_callback(bap *b, act *a, const txn_ref *t, const fx_bctx *c, jv msg)
{
	fx_border o;
	char why[400];

	if (fx_bmsg_read_order(msg, c, &o, why, sizeof why) != 0) {
		if (a->state == A_ORDERING)
			act_next(a, why);
		return;
	}
	if (strcmp(c->transaction_id, a->txn) != 0 || c->action != a->await) {
		/* a confirmation of an attempt given up (its deadline passed,
		 * the activation moved on): cancel it at the BPP, so that one
		 * need never has two orders */
		if (c->action == FX_BA_ON_CONFIRM && o.status ==
		    FX_BORDER_ACTIVE && o.order_id[0] &&
		    (strcmp(c->transaction_id, a->txn) != 0 ||
		    (a->o.status != FX_BORDER_ACTIVE && a->o.status !=
		    FX_BORDER_COMPLETE))) {
			fx_border keep = a->o;
			char keep_txn[40], keep_pub[64];
			int keep_attempts = a->attempts, keep_ok =
			    a->participation_ok;
			fx_time keep_init = a->initiated;
			fx_bctx cc;
			const fx_subscriber *bpp = fx_registry_find(
			    b->cfg->registry, c->bpp_id);

			/* the record is of that attempt, not the current one */
			memcpy(keep_txn, a->txn, sizeof keep_txn);
			memcpy(keep_pub, a->der_pub, sizeof keep_pub);
			a->o = o;
			a->attempts = t->attempt;
			a->initiated = t->initiated;
			snprintf(a->der_pub, sizeof a->der_pub, "%s", t->der_pub);
			a->participation_ok = verify_participation(a);
			snprintf(a->o.reason, sizeof a->o.reason, "confirmed "
			    "after its deadline");
			snprintf(a->txn, sizeof a->txn, "%s", c->transaction_id);
			order_rec(b, a, "cancelled", "confirmed after its "
			    "deadline: cancelled, the need having moved on");
			if (bpp != NULL) {
				ctx_for(b, &cc, bpp->profile, FX_BA_CANCEL,
				    c->transaction_id, bpp);
				if (send_msg(b, a->p, NULL, bpp, bpp->profile,
				    FX_BA_CANCEL, fx_bmsg_order(&cc, &a->o),
				    c->transaction_id, cc.message_id, why,
				    sizeof why) != 0)
					fx_error("internal error: cancel not "
					    "sent: %s", why);
			}
			a->o = keep;
			memcpy(a->txn, keep_txn, sizeof keep_txn);
			memcpy(a->der_pub, keep_pub, sizeof keep_pub);
			a->attempts = keep_attempts;
			a->initiated = keep_init;
			a->participation_ok = keep_ok;
		}
		return;
	}
	if (a->timer) {
		fx_loop_cancel(b->loop, a->timer);
		a->timer = 0;
	}
	switch (c->action) {
	case FX_BA_ON_SELECT:
		if (strcmp(o.der_id, a->o.der_id) != 0 || isnan(o.price_per_kwh)
		    || o.price_per_kwh > a->offer_price * (1 +
		    b->cfg->price_tolerance) + 1e-9) {
			snprintf(why, sizeof why, "on_select: %s at %g, offered "
			    "%s at %g", o.der_id, o.price_per_kwh, a->o.der_id,
			    a->offer_price);
			act_next(a, why);
			return;
		}
		a->o.price_per_kwh = o.price_per_kwh;
		snprintf(a->o.currency, sizeof a->o.currency, "%s", o.currency);
		send_step(a, FX_BA_INIT);
		return;
	case FX_BA_ON_INIT:
		{
			double h = (double)(a->o.end - a->o.start) / 3600000;
			double most = a->o.kw * h * a->o.price_per_kwh * (1 +
			    b->cfg->price_tolerance) + 0.01;

			if (isnan(o.quote) || o.quote > most) {
				snprintf(why, sizeof why, "on_init: quote %g over "
				    "%g", o.quote, most);
				act_next(a, why);
				return;
			}
			a->o.quote = o.quote;
		}
		send_step(a, FX_BA_CONFIRM);
		return;
	case FX_BA_ON_CONFIRM:
		if (o.status != FX_BORDER_ACTIVE || !o.order_id[0]) {
			snprintf(why, sizeof why, "on_confirm: %s%s%s",
			    fx_border_status_name(o.status), o.reason[0] ?
			    ": " : "", o.reason);
			act_next(a, why);
			return;
		}
		snprintf(a->o.order_id, sizeof a->o.order_id, "%s", o.order_id);
		/* an OBP ID the BPP gives the pair is taken (R46): it is the
		 * one its DER signed */
		if (o.obp_id[0] && strcmp(o.obp_id, a->o.obp_id) != 0) {
			snprintf(a->o.obp_id, sizeof a->o.obp_id, "%s",
			    o.obp_id);
			a->obp_by_bpp = 1;
		}
		snprintf(a->o.participation, sizeof a->o.participation, "%s",
		    o.participation);
		a->o.signed_at = o.signed_at;
		a->o.status = FX_BORDER_ACTIVE;
		a->confirmed = fx_time_now();
		a->participation_ok = verify_participation(a);
		set_state(a, A_ACTIVE);
		b->st.ordered++;
		order_rec(b, a, "active", a->participation_ok ? NULL :
		    "the DER's participation signature does not verify");
		/* progress and delivery from the BPP's status; the COMPLETE
		 * with that delivery once the window is over */
		snprintf(a->o.progress, sizeof a->o.progress, "PENDING");
		send_later(a, FX_BA_STATUS);
		return;
	case FX_BA_ON_STATUS:
		a->o.delivered_kwh = o.delivered_kwh;
		snprintf(a->o.progress, sizeof a->o.progress, "%s", o.progress);
		if (fx_time_now() >= a->o.end ||
		    strcmp(o.progress, "COMPLETED") == 0) {
			if (isnan(a->o.delivered_kwh))
				a->o.delivered_kwh = 0;
			set_state(a, A_COMPLETING);
			a->o.status = FX_BORDER_COMPLETE;
			snprintf(a->o.progress, sizeof a->o.progress,
			    "COMPLETED");
			send_later(a, FX_BA_UPDATE);
		} else {
			/* ask again after --status-interval, or when the window
			 * ends if that is sooner; a record when what the BPP
			 * reports has changed (R43, R47) */
			int64_t wait = a->o.end - fx_time_now() + 1000;

			if (b->cfg->status_ms > 0 && wait > b->cfg->status_ms)
				wait = b->cfg->status_ms;
			if (!a->reported || strcmp(a->o.progress,
			    a->reported_progress) != 0 || !(a->o.delivered_kwh ==
			    a->reported_kwh || (isnan(a->o.delivered_kwh) &&
			    isnan(a->reported_kwh)))) {
				order_rec(b, a, order_status(a), NULL);
				a->reported = 1;
				a->reported_kwh = a->o.delivered_kwh;
				snprintf(a->reported_progress,
				    sizeof a->reported_progress, "%s",
				    a->o.progress);
			}
			a->await = FX_BA_ON_STATUS;
			a->timer = fx_loop_timer(b->loop, (long)wait,
			    resend_status, a);
		}
		return;
	case FX_BA_ON_UPDATE:
		if (!isnan(o.delivered_kwh))
			a->o.delivered_kwh = o.delivered_kwh;
		a->o.status = o.status;
		order_rec(b, a, o.status == FX_BORDER_COMPLETE ? "completed" :
		    order_status(a), NULL);
		if (o.status == FX_BORDER_COMPLETE)
			b->st.completed++;
		set_state(a, A_DONE);
		b->busy--;
		return;
	}
}

static void
on_discovery_callback(bap *b, plan *p, const fx_subscriber *bpp,
    const fx_bctx *c, jv msg)
{
	fx_boffer *offs;
	char why[400];
	int n, i;

	if (p->ordering)
		return;		/* after the deadline: too late */
	if (fx_bmsg_read_on_search(msg, c, &offs, &n, why, sizeof why) != 0) {
		fx_warn("on_search from %s: %s", bpp->subscriber_id, why);
		n = 0;
		offs = NULL;
	}
	p->offers = fx_xrealloc(p->offers, (unsigned long)(p->noffers + n + 1) *
	    sizeof *p->offers);
	p->offer_bpp = fx_xrealloc(p->offer_bpp, (unsigned long)(p->noffers +
	    n + 1) * sizeof *p->offer_bpp);
	for (i = 0; i < n; i++) {
		p->offers[p->noffers] = offs[i];
		p->offer_bpp[p->noffers++] = bpp;
	}
	free(offs);
	catalog_rec(b, p, bpp);
	p->answered++;
	if (p->answered >= p->asked)
		discovery_done(p);
}

void
bap_callback(bap *b, fx_http_req *req)
{
	const char *auth = fx_http_req_header(req, "Authorization");
	const char *name = req->path[0] == '/' ? req->path + 1 : req->path;
	char why[512], sig[600], schema[600], e[256];
	const fx_subscriber *sub = NULL;
	fx_bsign_auth au;
	txn_ref *t = NULL;
	int rc, profile = FX_BECKN_V2, status = 200, checked;
	fx_bctx c;
	jv m;

	b->st.callbacks++;
	memset(&c, 0, sizeof c);
	m = fx_json_parse(req->body, req->len, e, sizeof e);
	if (jv_is_valid(m)) {
		jv ctx = fx_json_get(m, "context");
		const char *v = fx_json_str(ctx, "version");

		if (v != NULL && strncmp(v, "1.1.", 4) == 0)
			profile = FX_BECKN_V1;
		jv_free(ctx);
	}
	rc = fx_bsign_parse(auth, auth ? strlen(auth) : 0,
	    FX_BSIGN_AUTHORIZATION, &au, why, sizeof why);
	if (rc == FX_BSIGN_OK && (sub = fx_registry_key(b->cfg->registry,
	    au.subscriber_id, au.key_id, fx_time_now(), why, sizeof why)) ==
	    NULL)
		rc = FX_BSIGN_BAD_PUBKEY;
	if (rc == FX_BSIGN_OK)
		rc = fx_bsign_verify(&au, sub->signing_public_key, req->body,
		    req->len, fx_time_now() / 1000, 30, why, sizeof why);
	if (rc == FX_BSIGN_OK)
		snprintf(sig, sizeof sig, "ok: %s|%s", au.subscriber_id,
		    au.key_id);
	else
		snprintf(sig, sizeof sig, "%s: %s", fx_bsign_status_name(rc),
		    why);
	schema[0] = '\0';
	c.profile = profile;
	if (rc != FX_BSIGN_OK)
		status = 401;
	else if (!jv_is_valid(m)) {
		snprintf(why, sizeof why, "%s", e);
		status = 400;
	} else if (fx_bmsg_read_context(m, &c, why, sizeof why) != 0 ||
	    c.action < FX_BA_ON_SEARCH || strcmp(fx_bmsg_action_name(profile,
	    c.action), name) != 0) {
		if (why[0] == '\0' || c.action >= 0)
			snprintf(why, sizeof why, "/%s: not the callback its "
			    "context names", name);
		status = 400;
	} else if (fx_bschema_check(b->cfg->schemas, profile, c.action, m,
	    &checked, why, sizeof why) != 0) {
		snprintf(schema, sizeof schema, "invalid: %s", why);
		status = 400;
	} else if ((t = fx_feeders_find(b->txns, c.transaction_id,
	    strlen(c.transaction_id))) == NULL) {
		snprintf(why, sizeof why, "transaction %s is not one of ours",
		    c.transaction_id);
		status = 400;
	} else if (strcmp(c.bpp_id, sub->subscriber_id) != 0 ||
	    strcmp(t->bpp->subscriber_id, sub->subscriber_id) != 0) {
		snprintf(why, sizeof why, "signed by %s for transaction %s, "
		    "which is %s's", sub->subscriber_id, c.transaction_id,
		    t->bpp->subscriber_id);
		status = 401;
	}
	if (status == 200 && schema[0] == '\0')
		snprintf(schema, sizeof schema, "%s", checked ? "ok" :
		    "unchecked");
	{
		char *cs = NULL;
		const char *plain = status == 200 ? "{\"status\":\"ACK\"}" :
		    "{\"status\":\"NACK\"}";
		int64_t now = fx_time_now() / 1000;
		jv ans, s;
		char www[300];
		const char *hdr[2] = { NULL, NULL };

		if (profile == FX_BECKN_V2)
			cs = fx_bsign_countersign(b->cfg->key, b->cfg->id,
			    b->cfg->key_id, plain, strlen(plain), req->body,
			    req->len, c.message_id[0] ? c.message_id : "none",
			    now, now + 30, e, sizeof e);
		ans = fx_bmsg_ack(profile, status == 200, status == 200 ? NULL :
		    status == 401 ? "20016" : "20001", status == 200 ? NULL :
		    why, cs != NULL ? cs : "");
		free(cs);
		s = jv_dump_string(ans, 0);
		if (status == 401) {
			snprintf(www, sizeof www, "WWW-Authenticate: Signature "
			    "realm=\"%s\",headers=\"(created) (expires) "
			    "digest\"", b->cfg->id);
			hdr[0] = www;
		}
		fx_http_respond(req, status, "application/json",
		    jv_string_value(s), strlen(jv_string_value(s)), hdr);
		jv_free(s);
	}
	beckn_rec(b, "in", profile, c.action >= 0 ? c.action : -1,
	    c.transaction_id, c.message_id, sub != NULL ? sub->subscriber_id :
	    NULL, sig, schema[0] ? schema : NULL, status, status == 200 ?
	    "ACK" : "NACK", status == 200 ? NULL : why, req->body, req->len);
	if (status != 200) {
		b->st.rejected_callbacks++;
		jv_free(m);
		return;
	}
	if (t->a != NULL)
		on_order_callback(b, t->a, t, &c, m);
	else if (c.action == FX_BA_ON_SEARCH)
		on_discovery_callback(b, t->p, t->bpp, &c, m);
	jv_free(m);
}
