/*
 * bpp.c - fx-bpp's aggregator: checks each request (signature, schema,
 * context, replay), answers ACK or NACK, and holds each transaction's
 * order through select, init, confirm, status, update (COMPLETE) and
 * cancel, making the callback each one gets.  See bpp.h and fx-bpp(1).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"
#include "bpp.h"
#include "err.h"
#include "json.h"
#include "keep.h"

/* Beckn error codes (BECKN-005 ranges: 10xxx gateway, 20xxx BAP,
 * 30xxx BPP context and message errors, 40xxx business errors). */
#define E_CONTEXT "30000"	/* invalid context */
#define E_SIGNATURE "30016"	/* invalid signature */
#define E_SCHEMA "30001"	/* invalid request */
#define E_UNKNOWN_ITEM "30004"	/* item not found */
#define E_UNKNOWN_TXN "30009"	/* no such transaction or order */
#define E_STATE "30010"		/* action out of order */
#define E_REPLAY "30011"	/* message id seen before */
#define E_STALE "30012"		/* message past its ttl */
#define E_TERMS "40002"		/* quantity or window not available */
#define E_INJECTED "50001"	/* sandbox: injected NACK */
#define E_DOWN "50002"		/* sandbox: down */

enum { ST_NONE, ST_SELECTED, ST_INITED, ST_CONFIRMED, ST_DECLINED,
	ST_COMPLETE, ST_CANCELLED };

typedef struct txn {
	int stage;
	int profile;
	fx_border o;
	char bap_id[FX_BMSG_ID], bap_uri[FX_BMSG_URI];
} txn;

typedef struct der_key {
	fx_bsign_key *key;
	char pub[64];
} der_key;

/* A callback due: its context and what its message is made of, taken
 * when the request was answered (the transaction may change or be
 * forgotten before the callback is made). */
struct bpp_job {
	fx_bctx c;		/* the callback's context (reply_ctx) */
	fx_time now;		/* of the request */
	union {
		fx_bintent in;	/* a discover's (search's) */
		fx_border o;	/* the order, as the request left it */
	} u;
};

struct bpp {
	const bpp_config *cfg;
	keep *txns, *seen;	/* transaction id -> txn, message id -> - */
	fx_feeders *keys;
	uint64_t rng;
	bpp_stats st;
};

static void
free_der_key(void *p)
{
	fx_bsign_key_free(((der_key *)p)->key);
}

bpp *
bpp_new(const bpp_config *cfg)
{
	bpp *b = fx_xcalloc(1, sizeof *b);

	b->cfg = cfg;
	b->txns = keep_new(sizeof(txn));
	b->seen = keep_new(0);
	b->keys = fx_feeders_new(sizeof(der_key), free_der_key);
	b->rng = cfg->seed ? cfg->seed : 0x9e3779b97f4a7c15ULL;
	return b;
}

void
bpp_free(bpp *b)
{
	if (b == NULL)
		return;
	keep_free(b->txns);
	keep_free(b->seen);
	fx_feeders_free(b->keys);
	free(b);
}

const bpp_stats *
bpp_get_stats(bpp *b)
{
	b->st.ids = keep_count(b->seen);
	b->st.ids_forgotten = keep_forgotten(b->seen);
	b->st.txns = keep_count(b->txns);
	b->st.txns_forgotten = keep_forgotten(b->txns);
	return &b->st;
}

size_t
bpp_prune(bpp *b, fx_time now, size_t max)
{
	return keep_prune(b->seen, now, max) + keep_prune(b->txns, now, max);
}

/* a + b, held within fx_time's range */
static fx_time
sat_add(fx_time a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/* xorshift64*: a uniform number in [0, 1). */
static double
uniform(bpp *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return (double)((b->rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static int
chance(bpp *b, double p)
{
	return p > 0 && uniform(b) < p;
}

/* The DER's key: seed = SHA-256("fluxeon-der-key/1" 0x00 secret der_id). */
static der_key *
der_key_of(bpp *b, const char *der_id)
{
	int created;
	der_key *k = fx_feeders_get(b->keys, der_id, strlen(der_id), &created);

	if (created) {
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		uint8_t seed[32];
		char b64[64], err[256];
		char *pub;

		if (c == NULL || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) ||
		    !EVP_DigestUpdate(c, "fluxeon-der-key/1", 18) ||
		    !EVP_DigestUpdate(c, b->cfg->der_secret, 32) ||
		    !EVP_DigestUpdate(c, der_id, strlen(der_id)) ||
		    !EVP_DigestFinal_ex(c, seed, NULL))
			fx_die(FX_EXIT_FAIL, "SHA-256: OpenSSL failed");
		EVP_MD_CTX_free(c);
		fx_b64_encode(seed, sizeof seed, b64);
		if ((k->key = fx_bsign_key_new(b64, err, sizeof err)) == NULL)
			fx_die(FX_EXIT_FAIL, "DER key: %s", err);
		pub = fx_bsign_key_public(k->key);
		snprintf(k->pub, sizeof k->pub, "%s", pub);
		free(pub);
		memset(seed, 0, sizeof seed);
		memset(b64, 0, sizeof b64);
	}
	return k;
}

char *
bpp_der_public_key(bpp *b, const char *der_id)
{
	return fx_xstrdup(der_key_of(b, der_id)->pub);
}

/* ---- the log ---- */

static void
log_rec(bpp *b, FILE *log, const char *dir, int profile, const char *action,
    const fx_bctx *c, const char *sig, const char *schema, int http,
    const char *ack, const char *error, const char *payload, size_t plen)
{
	fx_buf l = FX_BUF_INIT;

	if (log == NULL)
		return;
	fx_buf_puts(&l, "{\"type\":\"beckn\",\"direction\":");
	fx_buf_jstr(&l, dir, strlen(dir));
	fx_buf_puts(&l, ",\"profile\":");
	fx_buf_jstr(&l, profile == FX_BECKN_V1 ? "v1.1" : "v2", profile ==
	    FX_BECKN_V1 ? 4 : 2);
	fx_buf_puts(&l, ",\"action\":");
	if (action != NULL)
		fx_buf_jstr(&l, action, strlen(action));
	else
		fx_buf_puts(&l, "null");
	if (c != NULL && c->transaction_id[0]) {
		fx_buf_puts(&l, ",\"transaction_id\":");
		fx_buf_jstr(&l, c->transaction_id, strlen(c->transaction_id));
	}
	if (c != NULL && c->message_id[0]) {
		fx_buf_puts(&l, ",\"message_id\":");
		fx_buf_jstr(&l, c->message_id, strlen(c->message_id));
	}
	if (c != NULL && c->bap_id[0]) {
		fx_buf_puts(&l, ",\"bap_id\":");
		fx_buf_jstr(&l, c->bap_id, strlen(c->bap_id));
	}
	fx_buf_puts(&l, ",\"bpp_id\":");
	fx_buf_jstr(&l, b->cfg->subscriber_id, strlen(b->cfg->subscriber_id));
	fx_buf_puts(&l, ",\"timestamp\":");
	fx_buf_time(&l, fx_time_now());
	if (sig != NULL) {
		fx_buf_puts(&l, ",\"signature\":");
		fx_buf_jstr(&l, sig, strlen(sig));
	}
	if (schema != NULL) {
		fx_buf_puts(&l, ",\"schema\":");
		fx_buf_jstr(&l, schema, strlen(schema));
	}
	fx_buf_puts(&l, ",\"http_status\":");
	fx_buf_int(&l, http);
	if (ack != NULL) {
		fx_buf_puts(&l, ",\"ack\":");
		fx_buf_jstr(&l, ack, strlen(ack));
	}
	if (error != NULL && *error) {
		fx_buf_puts(&l, ",\"error\":");
		fx_buf_jstr(&l, error, strlen(error));
	}
	if (b->cfg->payloads && payload != NULL) {
		char e[64];
		jv v = fx_json_parse(payload, plen, e, sizeof e);

		/* compact, one line whatever the layout it came in */
		fx_buf_puts(&l, ",\"payload\":");
		if (jv_is_valid(v))
			fx_buf_jv(&l, v);
		else
			fx_buf_jstr(&l, payload, plen);
		jv_free(v);
	}
	fx_buf_puts(&l, "}\n");
	fwrite(l.data, 1, l.len, log);
	fflush(log);
	fx_buf_free(&l);
}

/* ---- answers ---- */

/* The NACK (or ACK) body for profile, v2 counter-signed over the body
 * without its signature ({"status":"ACK"}), as bmsg.h says. */
static void
answer(bpp *b, bpp_answer *a, int profile, int status, int ack,
    const char *code, const char *msg, const char *request, size_t reqlen,
    const char *message_id)
{
	char *cs = NULL, err[256];
	jv body, s;

	a->status = status;
	if (profile == FX_BECKN_V2 && b->cfg->key != NULL) {
		const char *plain = ack ? "{\"status\":\"ACK\"}" :
		    "{\"status\":\"NACK\"}";
		int64_t now = fx_time_now() / 1000;

		cs = fx_bsign_countersign(b->cfg->key, b->cfg->subscriber_id,
		    b->cfg->key_id, plain, strlen(plain), request, reqlen,
		    message_id != NULL && *message_id ? message_id : "none",
		    now, now + 30, err, sizeof err);
	}
	body = fx_bmsg_ack(profile, ack, code, msg, cs != NULL ? cs : "");
	free(cs);
	s = jv_dump_string(body, 0);
	a->body.len = 0;
	fx_buf_puts(&a->body, jv_string_value(s));
	jv_free(s);
	if (ack)
		b->st.acks++;
	else
		b->st.nacks++;
}

void
bpp_answer_free(bpp_answer *a)
{
	fx_buf_free(&a->body);
	free(a->www_authenticate);
	bpp_job_free(a->job);
	memset(a, 0, sizeof *a);
}

void
bpp_job_free(bpp_job *job)
{
	free(job);
}

void
bpp_callback_free(bpp_callback *cb)
{
	if (cb == NULL)
		return;
	free(cb->url);
	free(cb->body);
	free(cb);
}

/* ---- the order ---- */

static const fx_der *
der_of(bpp *b, const char *der_id)
{
	const fx_der *d = fx_catalog_find(b->cfg->catalog, der_id);

	if (d == NULL || d->withdrawn || (b->cfg->aggregator != NULL &&
	    strcmp(d->aggregator_id, b->cfg->aggregator) != 0))
		return NULL;
	return d;
}

/* The offer of d; an availability the catalog leaves open is offered as
 * the window asked for (from, to), or the next day when none was. */
static void
offer_of(bpp *b, const fx_der *d, fx_boffer *o, fx_time now, fx_time from,
    fx_time to)
{
	memset(o, 0, sizeof *o);
	snprintf(o->der_id, sizeof o->der_id, "%s", d->der_id);
	snprintf(o->provider_id, sizeof o->provider_id, "%s",
	    b->cfg->provider_id);
	snprintf(o->offer_id, sizeof o->offer_id, "offer:%s", d->der_id);
	snprintf(o->name, sizeof o->name, "%s %s", fx_der_type_name(d->type),
	    d->der_id);
	snprintf(o->type, sizeof o->type, "%s", fx_der_type_name(d->type));
	o->capacity_kw = d->capacity_kw;
	o->min_kw = d->min_kw;
	o->price_per_kwh = d->price_per_kwh;
	snprintf(o->currency, sizeof o->currency, "GBP");
	o->response_ms = (int64_t)(d->response_time_s * 1000);
	if (from == INT64_MIN || to <= from) {
		from = now / 60000 * 60000;
		to = from + 86400000;
	}
	o->avail_from = d->available_from != INT64_MIN ? d->available_from :
	    from;
	o->avail_until = d->available_to != INT64_MAX ? d->available_to : to;
	o->max_duration_ms = (int64_t)(d->duration_min * 60000);
	o->min_duration_ms = (int64_t)(d->min_duration_min * 60000);
	o->max_per_day = d->max_activations_per_day > 0 ?
	    d->max_activations_per_day : 0;
	o->reliability = d->reliability;
	snprintf(o->der_pubkey, sizeof o->der_pubkey, "%s",
	    der_key_of(b, d->der_id)->pub);
	{
		size_t used = 0;
		int i;

		for (i = 0; i < d->nfeeders; i++) {
			size_t n = strlen(d->feeders[i]);

			if (used + n + 2 > sizeof o->feeders ||
			    strchr(d->feeders[i], ',') != NULL)
				continue;
			if (used)
				o->feeders[used++] = ',';
			memcpy(o->feeders + used, d->feeders[i], n + 1);
			used += n;
		}
	}
}

/* Why the order's terms cannot be met by d, or NULL. */
static const char *
terms(const fx_der *d, const fx_border *o, char *why, size_t n)
{
	if (isnan(o->kw) || o->kw <= 0)
		return "no kW asked for";
	if (o->kw > d->capacity_kw + 1e-9) {
		snprintf(why, n, "%g kW asked, %s offers %g", o->kw, d->der_id,
		    d->capacity_kw);
		return why;
	}
	if (o->kw < d->min_kw - 1e-9) {
		snprintf(why, n, "%g kW asked, %s needs at least %g", o->kw,
		    d->der_id, d->min_kw);
		return why;
	}
	if (o->start == INT64_MIN || o->end == INT64_MIN || o->end <= o->start)
		return "no activation window";
	if (o->start < d->available_from || o->end > d->available_to)
		return "window outside the DER's availability";
	if (d->min_duration_min > 0 &&
	    (double)(o->end - o->start) < d->min_duration_min * 60000 - 1e-6) {
		snprintf(why, n, "%g minutes asked, %s runs at least %g",
		    (double)(o->end - o->start) / 60000, d->der_id,
		    d->min_duration_min);
		return why;
	}
	if ((double)(o->end - o->start) > d->duration_min * 60000 + 1e-6) {
		snprintf(why, n, "%g minutes asked, %s runs at most %g",
		    (double)(o->end - o->start) / 60000, d->der_id,
		    d->duration_min);
		return why;
	}
	return NULL;
}

/* The energy delivered by the end of [start, end) at now: the booked
 * kWh so far, times the DER's reliability (or --partial). */
static double
delivered(bpp *b, const fx_der *d, const fx_border *o, fx_time now)
{
	fx_time upto = now < o->end ? now : o->end;
	double h = upto > o->start ? (double)(upto - o->start) / 3600000 : 0;
	double share = b->cfg->partial >= 0 ? b->cfg->partial :
	    d != NULL ? d->reliability : 1;

	return round(o->kw * h * share * 1000) / 1000;
}

static const char *
progress(const fx_border *o, fx_time now)
{
	return now < o->start ? "PENDING" : now < o->end ? "IN_PROGRESS" :
	    "COMPLETED";
}

/* The context of a callback to req. */
static void
reply_ctx(bpp *b, const fx_bctx *req, int action, fx_bctx *c)
{
	fx_bmsg_ctx_init(c, req->profile, action);
	/* a callback keeps its request's message id (Beckn's rule) */
	snprintf(c->message_id, sizeof c->message_id, "%s", req->message_id);
	snprintf(c->domain, sizeof c->domain, "%s", req->domain[0] ?
	    req->domain : c->domain);
	snprintf(c->version, sizeof c->version, "%s", req->version);
	snprintf(c->bap_id, sizeof c->bap_id, "%s", req->bap_id);
	snprintf(c->bap_uri, sizeof c->bap_uri, "%s", req->bap_uri);
	snprintf(c->bpp_id, sizeof c->bpp_id, "%s", b->cfg->subscriber_id);
	snprintf(c->bpp_uri, sizeof c->bpp_uri, "%s", b->cfg->uri);
	snprintf(c->transaction_id, sizeof c->transaction_id, "%s",
	    req->transaction_id);
	snprintf(c->country, sizeof c->country, "%s", req->country);
	snprintf(c->city, sizeof c->city, "%s", req->city);
}

/* The job of the callback to req, its context made now (so its
 * timestamp is the answer's, as when it was made at once). */
static bpp_job *
new_job(bpp *b, const fx_bctx *req, fx_time now)
{
	bpp_job *job = fx_xmalloc(sizeof *job);

	reply_ctx(b, req, req->action + FX_BA_ON_SEARCH, &job->c);
	job->now = now;
	return job;
}

static jv
on_search(bpp *b, const bpp_job *job)
{
	const fx_bintent *in = &job->u.in;
	size_t i, cnt = fx_catalog_count(b->cfg->catalog);
	fx_boffer *offs = fx_xcalloc(cnt + 1, sizeof *offs);
	int k = 0;
	jv msg;

	for (i = 0; i < cnt; i++) {
		const fx_der *x = fx_catalog_get(b->cfg->catalog, i);

		if (der_of(b, x->der_id) != x)
			continue;
		/* only DERs that relieve the feeder asked about */
		if (in->feeder_id[0] && !fx_der_serves(x, in->feeder_id))
			continue;
		/* only DERs available at some time in the window */
		if (in->start != INT64_MIN && (x->available_to <= in->start ||
		    x->available_from >= in->end))
			continue;
		offer_of(b, x, &offs[k++], job->now, in->start, in->end);
	}
	msg = fx_bmsg_on_search(&job->c, b->cfg->provider_id,
	    b->cfg->provider_name, offs, k);
	free(offs);
	return msg;
}

bpp_callback *
bpp_callback_make(bpp *b, bpp_job *job)
{
	const fx_bctx *c = &job->c;
	bpp_callback *cb;
	const char *name = fx_bmsg_action_name(c->profile, c->action);
	size_t ulen = strlen(c->bap_uri);
	char why[512];
	int checked;
	jv msg, s;

	msg = c->action == FX_BA_ON_SEARCH ? on_search(b, job) :
	    fx_bmsg_order(c, &job->u.o);
	if (fx_bschema_check(&b->cfg->schemas, c->profile, c->action, msg,
	    &checked, why, sizeof why) != 0) {
		fx_error("internal error: the %s for transaction %s fails its "
		    "schema, not sent: %s", name, c->transaction_id, why);
		b->st.callbacks_failed++;
		jv_free(msg);
		bpp_job_free(job);
		return NULL;
	}
	cb = fx_xcalloc(1, sizeof *cb);
	s = jv_dump_string(msg, 0);

	cb->url = fx_xmalloc(ulen + strlen(name) + 2);
	sprintf(cb->url, "%s%s%s", c->bap_uri,
	    ulen > 0 && c->bap_uri[ulen - 1] == '/' ? "" : "/", name);
	cb->body = fx_xstrdup(jv_string_value(s));
	cb->len = strlen(cb->body);
	cb->delay_ms = b->cfg->latency_ms;
	cb->profile = c->profile;
	cb->action = c->action;
	snprintf(cb->transaction_id, sizeof cb->transaction_id, "%s",
	    c->transaction_id);
	/* a callback keeps its request's message id (reply_ctx) */
	snprintf(cb->message_id, sizeof cb->message_id, "%s",
	    c->message_id);
	jv_free(s);
	bpp_job_free(job);
	return cb;
}

/* The time after which t may be forgotten, at now: a confirmed order
 * --forget after its window ends, any other --forget after its last
 * request. */
static fx_time
txn_until(bpp *b, const txn *t, fx_time now)
{
	fx_time from = t->stage == ST_CONFIRMED && t->o.end > now ? t->o.end :
	    now;

	return sat_add(from, b->cfg->forget_ms);
}

/* Does an order action of req with o, the order it carries, on t, the
 * transaction (ST_NONE when new); returns NULL or the NACK's code with
 * why. */
static const char *
order(bpp *b, const fx_bctx *req, fx_border o, txn *t, fx_time now,
    char *why, size_t n)
{
	const fx_der *d;

	if (req->action == FX_BA_SELECT) {
		if (t->stage >= ST_CONFIRMED) {
			snprintf(why, n, "transaction %s is already confirmed",
			    req->transaction_id);
			return E_STATE;
		}
		if ((d = der_of(b, o.der_id)) == NULL) {
			snprintf(why, n, "DER %s is not offered by %s", o.der_id,
			    b->cfg->provider_id);
			return E_UNKNOWN_ITEM;
		}
		{
			const char *bad = terms(d, &o, why, n);

			if (bad != NULL) {
				if (bad != why)
					snprintf(why, n, "%s", bad);
				return E_TERMS;
			}
		}
		o.price_per_kwh = d->price_per_kwh;
		snprintf(o.currency, sizeof o.currency, "GBP");
		snprintf(o.provider_id, sizeof o.provider_id, "%s",
		    b->cfg->provider_id);
		if (!o.offer_id[0])
			snprintf(o.offer_id, sizeof o.offer_id, "offer:%s",
			    d->der_id);
		o.status = FX_BORDER_DRAFT;
		t->o = o;
		t->stage = ST_SELECTED;
	} else if (req->action == FX_BA_INIT || req->action == FX_BA_CONFIRM) {
		if (t->stage >= ST_CONFIRMED) {
			snprintf(why, n, "transaction %s is already %s",
			    req->transaction_id, t->stage == ST_DECLINED ?
			    "declined" : "confirmed");
			return E_STATE;
		}
		if (req->action == FX_BA_CONFIRM && t->stage != ST_INITED) {
			snprintf(why, n, "confirm before init in %s",
			    req->transaction_id);
			return E_STATE;
		}
		if (strcmp(o.der_id, t->o.der_id) != 0 ||
		    fabs(o.kw - t->o.kw) > 1e-9 || o.start != t->o.start ||
		    o.end != t->o.end) {
			snprintf(why, n, "%s changes the selected DER, kW or "
			    "window", fx_bmsg_action_name(req->profile,
			    req->action));
			return E_TERMS;
		}
		/* the BAP's ids (OBP, plan, ...) as it last sent them */
		memcpy(t->o.feeder_id, o.feeder_id, sizeof o.feeder_id);
		memcpy(t->o.event_id, o.event_id, sizeof o.event_id);
		memcpy(t->o.plan_id, o.plan_id, sizeof o.plan_id);
		memcpy(t->o.obp_id, o.obp_id, sizeof o.obp_id);
		t->o.quote = round(t->o.kw * (double)(t->o.end - t->o.start) /
		    3600000 * t->o.price_per_kwh * 100) / 100;
		if (req->action == FX_BA_INIT)
			t->stage = ST_INITED;
		else if (chance(b, b->cfg->decline_rate)) {
			/* an order that exists, cancelled at once */
			fx_bmsg_uuid(t->o.order_id);
			t->stage = ST_DECLINED;
			t->o.status = FX_BORDER_CANCELLED;
			snprintf(t->o.reason, sizeof t->o.reason,
			    "declined by the aggregator");
			b->st.declined++;
		} else {
			char *text, sig64[128];
			uint8_t sig[64];
			der_key *k = der_key_of(b, t->o.der_id);

			fx_bmsg_uuid(t->o.order_id);
			if (b->cfg->own_obp) {
				/* the aggregator's own id of the pair, which
				 * the DER signs and the BAP is to take */
				char u[40];

				fx_bmsg_uuid(u);
				snprintf(t->o.obp_id, sizeof t->o.obp_id,
				    "%s/%s", b->cfg->subscriber_id, u);
			}
			t->o.status = FX_BORDER_ACTIVE;
			t->o.signed_at = now;
			text = fx_bmsg_participation(&t->o);
			fx_bsign_key_sign(k->key, text, strlen(text), sig);
			fx_b64_encode(sig, sizeof sig, sig64);
			snprintf(t->o.participation, sizeof t->o.participation,
			    "%s", sig64);
			free(text);
			t->stage = ST_CONFIRMED;
			b->st.orders++;
		}
	} else {
		/* status, update, cancel: on the confirmed order */
		if (t->stage < ST_CONFIRMED || t->stage == ST_DECLINED) {
			snprintf(why, n, "transaction %s has no confirmed order",
			    req->transaction_id);
			return E_STATE;
		}
		if (o.order_id[0] && strcmp(o.order_id, t->o.order_id) != 0) {
			snprintf(why, n, "order %s is not transaction %s's",
			    o.order_id, req->transaction_id);
			return E_UNKNOWN_TXN;
		}
		d = der_of(b, t->o.der_id);
		if (req->action == FX_BA_CANCEL) {
			if (t->stage == ST_COMPLETE) {
				snprintf(why, n, "order %s is complete",
				    t->o.order_id);
				return E_STATE;
			}
			t->stage = ST_CANCELLED;
			t->o.status = FX_BORDER_CANCELLED;
			snprintf(t->o.reason, sizeof t->o.reason, "%s",
			    o.reason[0] ? o.reason : "cancelled by the BAP");
		} else if (req->action == FX_BA_UPDATE) {
			if (t->stage == ST_CANCELLED) {
				snprintf(why, n, "order %s is cancelled",
				    t->o.order_id);
				return E_STATE;
			}
			/* COMPLETE: closed with what was delivered */
			t->stage = ST_COMPLETE;
			t->o.status = FX_BORDER_COMPLETE;
			snprintf(t->o.progress, sizeof t->o.progress,
			    "COMPLETED");
			t->o.delivered_kwh = delivered(b, d, &t->o, now);
		} else if (t->stage == ST_CONFIRMED) {
			snprintf(t->o.progress, sizeof t->o.progress, "%s",
			    progress(&t->o, now));
			if (now > t->o.start)
				t->o.delivered_kwh = delivered(b, d, &t->o, now);
		}
	}
	return NULL;
}

/* Does the work of an accepted request; returns NULL (ACK, with the
 * callback's job in a unless silent) or the NACK's code with why. */
static const char *
act(bpp *b, const fx_bctx *req, jv msg, fx_time now, bpp_answer *a,
    char *why, size_t n)
{
	const char *code;
	bpp_job *job;
	fx_border o;
	txn *t;
	int created = 0;

	if (req->action == FX_BA_SEARCH) {
		fx_bintent in;

		if (fx_bmsg_read_search(msg, req, &in, why, n) != 0)
			return E_SCHEMA;
		/* the offers are made with the callback, after the answer */
		a->job = job = new_job(b, req, now);
		job->u.in = in;
		return NULL;
	}
	if (fx_bmsg_read_order(msg, req, &o, why, n) != 0)
		return E_SCHEMA;
	if (req->action == FX_BA_SELECT)
		t = keep_get(b->txns, req->transaction_id,
		    strlen(req->transaction_id), now, &created);
	else if ((t = keep_find(b->txns, req->transaction_id,
	    strlen(req->transaction_id))) == NULL) {
		snprintf(why, n, "no transaction %s here (select first)",
		    req->transaction_id);
		return E_UNKNOWN_TXN;
	}
	if (created) {
		fx_border_init(&t->o);
		t->profile = req->profile;
	}
	code = order(b, req, o, t, now, why, n);
	/* a select refused in a new transaction leaves none */
	if (t->stage == ST_NONE) {
		keep_drop(b->txns, t);
		return code;
	}
	keep_until(b->txns, t, txn_until(b, t, now));
	if (code != NULL)
		return code;
	a->job = job = new_job(b, req, now);
	job->u.o = t->o;
	return NULL;
}

static const char *
sig_status(int rc)
{
	return fx_bsign_status_name(rc);
}

void
bpp_request(bpp *b, const char *path, const char *authorization,
    const char *body, size_t len, fx_time now, bpp_answer *a, FILE *log)
{
	const bpp_config *cfg = b->cfg;
	char err[512], why[512], sig[600], schema[540];
	const char *name = path[0] == '/' ? path + 1 : path, *code;
	int profile, action, rc;
	fx_bctx c;
	fx_bsign_auth au;
	const fx_subscriber *sub;
	fx_time ttl_end;
	jv msg;

	memset(a, 0, sizeof *a);
	memset(&c, 0, sizeof c);
	b->st.requests++;
	/* a few of what has had its time, each request (main.c's timer
	 * does the rest) */
	bpp_prune(b, now, 4);
	/* the profile: by path for discovery, else by the context's version */
	profile = strcmp(name, "search") == 0 ? FX_BECKN_V1 : FX_BECKN_V2;
	msg = fx_json_parse(body, len, err, sizeof err);
	if (jv_is_valid(msg)) {
		const char *v = NULL;
		jv ctx = fx_json_get(msg, "context");

		if (jv_get_kind(ctx) == JV_KIND_OBJECT)
			v = fx_json_str(ctx, "version");
		if (v != NULL && strncmp(v, "1.1.", 4) == 0)
			profile = FX_BECKN_V1;
		else if (v != NULL && strcmp(v, "2.0.0") == 0)
			profile = FX_BECKN_V2;
		jv_free(ctx);
	}
	if (now >= cfg->down_from && now < cfg->down_to) {
		jv_free(msg);
		answer(b, a, profile, 503, 0, E_DOWN, "the aggregator is down "
		    "(sandbox --down)", body, len, NULL);
		log_rec(b, log, "in", profile, name, NULL, NULL, NULL, 503,
		    "NACK", "down", body, len);
		return;
	}
	action = fx_bmsg_action(profile, name);
	if (!jv_is_valid(msg)) {
		jv_free(msg);
		b->st.invalid++;
		answer(b, a, profile, 400, 0, E_SCHEMA, err, body, len, NULL);
		log_rec(b, log, "in", profile, name, NULL, NULL, "invalid JSON",
		    400, "NACK", err, NULL, 0);
		return;
	}
	/* the signature, before anything else is believed */
	rc = fx_bsign_parse(authorization, authorization ? strlen(
	    authorization) : 0, FX_BSIGN_AUTHORIZATION, &au, why, sizeof why);
	sub = NULL;
	if (rc == FX_BSIGN_OK && (sub = fx_registry_key(cfg->registry,
	    au.subscriber_id, au.key_id, now, why, sizeof why)) == NULL)
		rc = FX_BSIGN_BAD_PUBKEY;
	if (rc == FX_BSIGN_OK)
		rc = fx_bsign_verify(&au, sub->signing_public_key, body, len,
		    now / 1000, cfg->skew_s, why, sizeof why);
	if (rc == FX_BSIGN_OK) {
		jv ctx = fx_json_get(msg, "context");
		const char *bap = fx_json_str(ctx, profile == FX_BECKN_V2 ?
		    "bapId" : "bap_id");

		if (bap == NULL || strcmp(bap, au.subscriber_id) != 0) {
			snprintf(why, sizeof why, "signed by %s, but the "
			    "context's BAP is %s", au.subscriber_id,
			    bap != NULL ? bap : "missing");
			rc = FX_BSIGN_BAD_PUBKEY;
		}
		jv_free(ctx);
	}
	if (rc != FX_BSIGN_OK) {
		jv_free(msg);
		b->st.unauthorized++;
		answer(b, a, profile, 401, 0, E_SIGNATURE, why, body, len,
		    NULL);
		a->www_authenticate = fx_bsign_challenge(cfg->subscriber_id,
		    err, sizeof err);
		snprintf(sig, sizeof sig, "%s: %s", sig_status(rc), why);
		log_rec(b, log, "in", profile, name, NULL, sig, NULL, 401,
		    "NACK", why, body, len);
		return;
	}
	snprintf(sig, sizeof sig, "ok: %s|%s", au.subscriber_id, au.key_id);
	/* the schema of the action the path names */
	snprintf(schema, sizeof schema, "unchecked");
	if (action >= 0 && action < FX_BA_ON_SEARCH) {
		int checked;

		if (fx_bschema_check(&cfg->schemas, profile, action, msg,
		    &checked, why, sizeof why) != 0) {
			jv_free(msg);
			b->st.invalid++;
			answer(b, a, profile, 400, 0, E_SCHEMA, why, body, len,
			    NULL);
			snprintf(schema, sizeof schema, "invalid: %s", why);
			log_rec(b, log, "in", profile, name, NULL, sig, schema,
			    400, "NACK", why, body, len);
			return;
		}
		if (checked)
			snprintf(schema, sizeof schema, "ok");
	}
	c.profile = profile;
	if (fx_bmsg_read_context(msg, &c, why, sizeof why) != 0 ||
	    (c.action != action && snprintf(why, sizeof why, "/context/action:"
	    " '%s' posted to /%s", fx_bmsg_action_name(profile, c.action),
	    name) > 0) || (action >= FX_BA_ON_SEARCH && snprintf(why,
	    sizeof why, "/%s: a callback; a BPP takes requests", name) > 0) ||
	    (action < 0 && snprintf(why, sizeof why, "/%s: not a %s action",
	    name, profile == FX_BECKN_V2 ? "v2.0.0" : "v1.1") > 0)) {
		jv_free(msg);
		b->st.invalid++;
		answer(b, a, profile, 400, 0, E_CONTEXT, why, body, len,
		    c.message_id);
		log_rec(b, log, "in", profile, name, &c, sig, schema, 400,
		    "NACK", why, body, len);
		return;
	}
	/* the last moment the message can be accepted at: its timestamp
	 * plus its ttl and the skew */
	ttl_end = c.ttl_ms > 0 ? sat_add(sat_add(c.timestamp, c.ttl_ms),
	    cfg->skew_s * 1000) : INT64_MAX;
	if (now > ttl_end) {
		jv_free(msg);
		answer(b, a, profile, 400, 0, E_STALE, "the message is past its "
		    "ttl", body, len, c.message_id);
		log_rec(b, log, "in", profile, name, &c, sig, schema, 400,
		    "NACK", "stale", body, len);
		return;
	}
	{
		int created;

		/* The message id is held while the message could be
		 * accepted again, not for ever: until its ttl is past,
		 * whoever signs it; without a ttl, until this request's
		 * signature has expired (the skew included; its times are
		 * whole seconds), a replay of it being refused by the
		 * signature check after that. */
		fx_time until = c.ttl_ms > 0 ? ttl_end :
		    (au.expires + cfg->skew_s + 1) * 1000 - 1;

		(void)keep_get(b->seen, c.message_id, strlen(c.message_id),
		    until, &created);
		if (!created) {
			jv_free(msg);
			snprintf(why, sizeof why, "message %s was seen before "
			    "(a replay)", c.message_id);
			answer(b, a, profile, 400, 0, E_REPLAY, why, body, len,
			    c.message_id);
			log_rec(b, log, "in", profile, name, &c, sig, schema,
			    400, "NACK", why, body, len);
			return;
		}
	}
	if (chance(b, cfg->nack_rate)) {
		jv_free(msg);
		answer(b, a, profile, 400, 0, E_INJECTED, "sandbox: an injected "
		    "NACK (--nack-rate)", body, len, c.message_id);
		log_rec(b, log, "in", profile, name, &c, sig, schema, 400,
		    "NACK", "injected", body, len);
		return;
	}
	code = act(b, &c, msg, now, a, why, sizeof why);
	jv_free(msg);
	if (code != NULL) {
		answer(b, a, profile, 400, 0, code, why, body, len, c.message_id);
		log_rec(b, log, "in", profile, name, &c, sig, schema, 400,
		    "NACK", why, body, len);
		return;
	}
	answer(b, a, profile, 200, 1, NULL, NULL, body, len, c.message_id);
	log_rec(b, log, "in", profile, name, &c, sig, schema, 200, "ACK", NULL,
	    body, len);
	if (a->job != NULL && chance(b, cfg->silent_rate)) {
		/* never calls back */
		bpp_job_free(a->job);
		a->job = NULL;
	}
}

void
bpp_log_callback(bpp *b, const bpp_callback *cb, int status,
    const char *body, size_t len, const char *error, FILE *log)
{
	fx_bctx c;
	char e[256], code[64], msg[256];
	int ack = 0;
	const char *acks = NULL;
	jv v;

	memset(&c, 0, sizeof c);
	snprintf(c.transaction_id, sizeof c.transaction_id, "%s",
	    cb->transaction_id);
	snprintf(c.message_id, sizeof c.message_id, "%s", cb->message_id);
	b->st.callbacks++;
	if (status == 0 || status >= 300)
		b->st.callbacks_failed++;
	v = fx_json_parse(body, len, e, sizeof e);
	if (status > 0 && jv_is_valid(v) && fx_bmsg_read_ack(v, cb->profile,
	    &ack, code, sizeof code, msg, sizeof msg, e, sizeof e) == 0)
		acks = ack ? "ACK" : "NACK";
	jv_free(v);
	log_rec(b, log, "out", cb->profile, fx_bmsg_action_name(cb->profile,
	    cb->action), &c, "signed", NULL, status, acks,
	    error != NULL ? error : acks != NULL && !ack ? msg : NULL, cb->body,
	    cb->len);
}
