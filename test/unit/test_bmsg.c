/*
 * test_bmsg - Beckn messages of both profiles: every message built reads
 * back to what was put in; the context and ACK shapes of each profile;
 * ISO 8601 durations; readers refuse what is missing or malformed.
 *
 * With FX_BMSG_DUMP=DIR set, every message built is also written to
 * DIR/<profile>-<action>.json, which test/beckn.bats validates against
 * the official OpenAPI documents in ../shared/beckn.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "tap.h"
#include "bmsg.h"
#include "bsign.h"
#include "json.h"

static const char *dump_dir;

static void
dump(int profile, const char *name, jv msg)
{
	char path[512];
	FILE *f;
	jv s;

	if (dump_dir == NULL)
		return;
	snprintf(path, sizeof path, "%s/%s-%s.json", dump_dir,
	    profile == FX_BECKN_V2 ? "v2" : "v1", name);
	s = jv_dump_string(jv_copy(msg), 0);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s\n", jv_string_value(s));
		fclose(f);
	}
	jv_free(s);
}

static void
ctx(fx_bctx *c, int profile, int action)
{
	fx_bmsg_ctx_init(c, profile, action);
	strcpy(c->bap_id, "bap.fluxeon.test");
	strcpy(c->bap_uri, "http://127.0.0.1:9000/beckn");
	if (action >= FX_BA_ON_SEARCH || action != FX_BA_SEARCH) {
		strcpy(c->bpp_id, "bpp.aggregator.test");
		strcpy(c->bpp_uri, "http://127.0.0.1:9001/beckn");
	}
	strcpy(c->transaction_id, "6f1c3a9e-2b7d-4e0f-9a51-0c8d2e4b7a10");
	c->timestamp = 1763390000000LL;	/* 2025-11-17T14:33:20Z */
	strcpy(c->country, "GBR");
}

static fx_boffer
offer(int i)
{
	fx_boffer d;

	memset(&d, 0, sizeof d);
	snprintf(d.der_id, sizeof d.der_id, "did:fx:bat-%04d", i);
	snprintf(d.provider_id, sizeof d.provider_id, "agg-1");
	snprintf(d.offer_id, sizeof d.offer_id, "offer-%d", i);
	snprintf(d.name, sizeof d.name, "Battery %d", i);
	snprintf(d.type, sizeof d.type, i % 2 ? "ev" : "battery");
	d.capacity_kw = 50 + i;
	d.min_kw = 5.5;
	d.price_per_kwh = 0.125 + i / 1000.0;
	snprintf(d.currency, sizeof d.currency, "GBP");
	d.response_ms = 30000;
	d.avail_from = 1763402400000LL;
	d.avail_until = 1763416800000LL;
	d.max_duration_ms = 7200000;
	d.max_per_day = 2;
	d.min_duration_ms = 1800000;
	d.reliability = 0.95;
	snprintf(d.der_pubkey, sizeof d.der_pubkey,
	    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	snprintf(d.feeders, sizeof d.feeders, i % 2 ? "F0001,F0002" : "F0001");
	return d;
}

static fx_border
order(void)
{
	fx_border o;

	fx_border_init(&o);
	strcpy(o.der_id, "did:fx:bat-0001");
	strcpy(o.provider_id, "agg-1");
	strcpy(o.offer_id, "offer-1");
	o.kw = 42.5;
	o.start = 1763402400000LL;
	o.end = 1763406000000LL;
	strcpy(o.feeder_id, "F0001");
	strcpy(o.event_id, "F0001@2025-11-17T18:00:00Z#1");
	strcpy(o.plan_id, "F0001@2025-11-17T18:00:00Z#1/1");
	strcpy(o.obp_id, "OBP-20251117-0001");
	return o;
}

static int
same_offer(const fx_boffer *a, const fx_boffer *b)
{
	return strcmp(a->der_id, b->der_id) == 0 &&
	    strcmp(a->provider_id, b->provider_id) == 0 &&
	    strcmp(a->offer_id, b->offer_id) == 0 &&
	    strcmp(a->name, b->name) == 0 && strcmp(a->type, b->type) == 0 &&
	    fabs(a->capacity_kw - b->capacity_kw) < 1e-9 &&
	    fabs(a->min_kw - b->min_kw) < 1e-9 &&
	    fabs(a->price_per_kwh - b->price_per_kwh) < 1e-9 &&
	    strcmp(a->currency, b->currency) == 0 &&
	    a->response_ms == b->response_ms &&
	    a->avail_from == b->avail_from &&
	    a->avail_until == b->avail_until &&
	    a->max_duration_ms == b->max_duration_ms &&
	    a->max_per_day == b->max_per_day &&
	    a->min_duration_ms == b->min_duration_ms &&
	    fabs(a->reliability - b->reliability) < 1e-9 &&
	    strcmp(a->der_pubkey, b->der_pubkey) == 0 &&
	    strcmp(a->feeders, b->feeders) == 0;
}

static int
same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || fabs(a - b) < 1e-9;
}

static int
same_order(const fx_border *a, const fx_border *b, int with_ids)
{
	return strcmp(a->order_id, b->order_id) == 0 &&
	    strcmp(a->der_id, b->der_id) == 0 &&
	    strcmp(a->offer_id, b->offer_id) == 0 &&
	    same_num(a->kw, b->kw) && a->start == b->start &&
	    a->end == b->end &&
	    (!with_ids || (strcmp(a->feeder_id, b->feeder_id) == 0 &&
	    strcmp(a->event_id, b->event_id) == 0 &&
	    strcmp(a->plan_id, b->plan_id) == 0 &&
	    strcmp(a->obp_id, b->obp_id) == 0)) &&
	    same_num(a->price_per_kwh, b->price_per_kwh) &&
	    same_num(a->quote, b->quote) && a->status == b->status &&
	    strcmp(a->progress, b->progress) == 0 &&
	    same_num(a->delivered_kwh, b->delivered_kwh) &&
	    strcmp(a->participation, b->participation) == 0 &&
	    a->signed_at == b->signed_at;
}

static void
test_profile(int profile)
{
	const char *pn = profile == FX_BECKN_V2 ? "v2" : "v1.1";
	fx_bctx c, r;
	fx_bintent in, back;
	fx_boffer offs[3], *got;
	fx_border o, ro;
	char err[256];
	int n, i, a;
	jv m;

	/* search */
	ctx(&c, profile, FX_BA_SEARCH);
	memset(&in, 0, sizeof in);
	strcpy(in.feeder_id, "F0001");
	in.lat = 52.2053;
	in.lon = 0.1218;
	in.start = 1763402400000LL;
	in.end = 1763406000000LL;
	in.kw = 120.5;
	m = fx_bmsg_search(&c, &in);
	dump(profile, fx_bmsg_action_name(profile, FX_BA_SEARCH), m);
	r.profile = profile;
	ok(fx_bmsg_read_context(m, &r, err, sizeof err) == 0 &&
	    r.action == FX_BA_SEARCH && strcmp(r.message_id, c.message_id)
	    == 0 && strcmp(r.transaction_id, c.transaction_id) == 0 &&
	    r.timestamp == c.timestamp && r.ttl_ms == 30000 &&
	    strcmp(r.bap_uri, c.bap_uri) == 0 &&
	    strcmp(r.country, "GBR") == 0,
	    "%s search: the context reads back (%s)", pn, err);
	ok(fx_bmsg_read_search(m, &r, &back, err, sizeof err) == 0 &&
	    back.start == in.start && back.end == in.end &&
	    fabs(back.lat - in.lat) < 1e-6 && fabs(back.lon - in.lon) < 1e-6,
	    "%s search: window and place read back (%s)", pn, err);
	if (profile == FX_BECKN_V1)
		ok(fabs(back.kw - 120.5) < 1e-9,
		    "v1.1 search: kW in the intent");
	ok(strcmp(back.feeder_id, "F0001") == 0, "%s search: the feeder "
	    "reads back", pn);
	jv_free(m);

	/* on_search */
	ctx(&c, profile, FX_BA_ON_SEARCH);
	for (i = 0; i < 3; i++)
		offs[i] = offer(i);
	m = fx_bmsg_on_search(&c, "agg-1", "Aggregator One", offs, 3);
	dump(profile, fx_bmsg_action_name(profile, FX_BA_ON_SEARCH), m);
	ok(fx_bmsg_read_context(m, &r, err, sizeof err) == 0 &&
	    r.action == FX_BA_ON_SEARCH && strcmp(r.bpp_id, c.bpp_id) == 0,
	    "%s on_search: context (%s)", pn, err);
	ok(fx_bmsg_read_on_search(m, &r, &got, &n, err, sizeof err) == 0 &&
	    n == 3, "%s on_search: three offers (%s)", pn, err);
	for (i = 0; i < 3 && n == 3; i++)
		ok(same_offer(&got[i], &offs[i]), "%s on_search: offer %d "
		    "reads back whole", pn, i);
	free(got);
	jv_free(m);

	/* the order through its life */
	for (a = FX_BA_SELECT; a < FX_BA_N; a++) {
		if (a == FX_BA_ON_SEARCH)
			continue;
		ctx(&c, profile, a);
		o = order();
		if (a >= FX_BA_ON_INIT || a == FX_BA_CONFIRM ||
		    a == FX_BA_UPDATE) {
			o.price_per_kwh = 0.125;
			strcpy(o.currency, "GBP");
			o.quote = 5.3125;
		}
		if (a == FX_BA_ON_CONFIRM || a == FX_BA_STATUS ||
		    a == FX_BA_ON_STATUS || a == FX_BA_UPDATE ||
		    a == FX_BA_ON_UPDATE || a == FX_BA_CANCEL ||
		    a == FX_BA_ON_CANCEL) {
			strcpy(o.order_id, "0b0e3c62-5a0f-4f5e-8f9e-3f0a1d2c4b5e");
			o.status = FX_BORDER_ACTIVE;
		}
		if (a == FX_BA_ON_CONFIRM) {
			strcpy(o.participation, "c2lnbmF0dXJl");
			o.signed_at = 1763390001000LL;
		}
		if (a == FX_BA_ON_STATUS)
			strcpy(o.progress, "IN_PROGRESS");
		if (a == FX_BA_UPDATE || a == FX_BA_ON_UPDATE) {
			o.status = FX_BORDER_COMPLETE;
			strcpy(o.progress, "COMPLETED");
			o.delivered_kwh = 40.25;
		}
		if (a == FX_BA_ON_CANCEL)
			o.status = FX_BORDER_CANCELLED;
		m = fx_bmsg_order(&c, &o);
		dump(profile, fx_bmsg_action_name(profile, a), m);
		ok(fx_bmsg_read_context(m, &r, err, sizeof err) == 0 &&
		    r.action == a, "%s %s: context (%s)", pn,
		    fx_bmsg_action_name(profile, a), err);
		if (profile == FX_BECKN_V1 && (a == FX_BA_STATUS ||
		    a == FX_BA_CANCEL))
			ok(fx_bmsg_read_order(m, &r, &ro, err, sizeof err) == 0 &&
			    strcmp(ro.order_id, o.order_id) == 0,
			    "v1.1 %s: the order id", fx_bmsg_action_name(profile,
			    a));
		else
			ok(fx_bmsg_read_order(m, &r, &ro, err, sizeof err) == 0 &&
			    same_order(&ro, &o, 1), "%s %s: the order reads "
			    "back whole (%s)", pn, fx_bmsg_action_name(profile,
			    a), err);
		jv_free(m);
	}

	/* ACK and NACK, v2's counter-signed over {"status":...} */
	{
		char *priv, *pub, *cs;
		fx_bsign_key *k;
		const char *req = "{\"context\":{}}";

		fx_bsign_keygen(&priv, &pub, err, sizeof err);
		k = fx_bsign_key_new(priv, err, sizeof err);
		cs = fx_bsign_countersign(k, "bpp.aggregator.test", "k1",
		    "{\"status\":\"ACK\"}", 16, req, strlen(req), c.message_id,
		    1763390000, 1763390030, err, sizeof err);
		m = fx_bmsg_ack(profile, 1, NULL, NULL, cs);
		free(cs);
		fx_bsign_key_free(k);
		fx_bsign_secret_free(priv);
		free(pub);
	}
	{
		char code[64], msg[128];
		int ack = -1;

		dump(profile, "ack", m);
		ok(fx_bmsg_read_ack(m, profile, &ack, code, sizeof code, msg,
		    sizeof msg, err, sizeof err) == 0 && ack == 1 && !code[0],
		    "%s: ACK", pn);
		jv_free(m);
		{
			char *priv, *pub, *cs;
			fx_bsign_key *k;
			const char *req = "{\"context\":{}}";

			fx_bsign_keygen(&priv, &pub, err, sizeof err);
			k = fx_bsign_key_new(priv, err, sizeof err);
			cs = fx_bsign_countersign(k, "bpp.aggregator.test", "k1",
			    "{\"status\":\"NACK\"}", 17, req, strlen(req),
			    c.message_id, 1763390000, 1763390030, err,
			    sizeof err);
			m = fx_bmsg_ack(profile, 0, "30001",
			    "provider not found", cs);
			free(cs);
			fx_bsign_key_free(k);
			fx_bsign_secret_free(priv);
			free(pub);
		}
		dump(profile, "nack", m);
		ok(fx_bmsg_read_ack(m, profile, &ack, code, sizeof code, msg,
		    sizeof msg, err, sizeof err) == 0 && ack == 0 &&
		    strcmp(code, "30001") == 0 &&
		    strcmp(msg, "provider not found") == 0,
		    "%s: NACK with its code and message", pn);
		jv_free(m);
	}
}

#define U1 "6f1c3a9e-2b7d-4e0f-9a51-0c8d2e4b7a10"
#define U2 "0b0e3c62-5a0f-4f5e-8f9e-3f0a1d2c4b5e"

static void
test_refusals(void)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"context\":{}}",
		"{\"context\":{\"action\":\"buy\",\"version\":\"2.0.0\"}}",
		"{\"context\":{\"action\":\"discover\",\"version\":\"1.1.0\"}}",
		"{\"context\":{\"action\":\"discover\",\"version\":\"2.0.0\","
		    "\"bapId\":\"a\",\"bapUri\":\"http://b\",\"transactionId\":\"" U1 "\","
		    "\"messageId\":\"" U2 "\",\"timestamp\":\"yesterday\"}}",
		"{\"context\":{\"action\":\"on_discover\",\"version\":\"2.0.0\","
		    "\"bapId\":\"a\",\"bapUri\":\"http://b\",\"transactionId\":\"" U1 "\","
		    "\"messageId\":\"" U2 "\",\"timestamp\":\"2025-01-01T00:00:00Z\"}}",
		"{\"context\":{\"action\":\"discover\",\"version\":\"2.0.0\","
		    "\"bapId\":7,\"bapUri\":\"http://b\",\"transactionId\":\"" U1 "\","
		    "\"messageId\":\"" U2 "\",\"timestamp\":\"2025-01-01T00:00:00Z\"}}",
		"{\"context\":{\"action\":\"discover\",\"version\":\"2.0.0\","
		    "\"bapId\":\"a\",\"bapUri\":\"http://b\",\"transactionId\":\"" U1 "\","
		    "\"messageId\":\"" U2 "\",\"timestamp\":\"2025-01-01T00:00:00Z\","
		    "\"ttl\":\"30 seconds\"}}",
		"{\"context\":{\"action\":\"discover\",\"version\":\"2.0.0\","
		    "\"bapId\":\"a\",\"bapUri\":\"http://b\",\"transactionId\":\"t-1\","
		    "\"messageId\":\"" U2 "\",\"timestamp\":\"2025-01-01T00:00:00Z\"}}",
		"{\"context\":{\"action\":\"discover\",\"version\":\"2.0.0\","
		    "\"bapId\":\"a\",\"bapUri\":\"ftp://b\",\"transactionId\":\"" U1 "\","
		    "\"messageId\":\"" U2 "\",\"timestamp\":\"2025-01-01T00:00:00Z\"}}",
	};
	static const char *const why[] = { "not a JSON object",
	    "/context: missing", "/context/action: missing",
	    "'buy' is not a v2.0.0 action", "/context/version: '1.1.0'",
	    "/context/timestamp", "/context/bppId: missing in a callback",
	    "/context/bapId: not a string", "/context/ttl",
	    "/context/transactionId: not a uuid 't-1'",
	    "/context/bapUri: not an http(s) URL" };
	char err[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		jv m = jv_parse(bad[i]);
		fx_bctx c;

		c.profile = FX_BECKN_V2;
		err[0] = '\0';
		ok(fx_bmsg_read_context(m, &c, err, sizeof err) == -1 &&
		    strstr(err, why[i]) != NULL, "refused: %s (%s)", why[i],
		    err);
		jv_free(m);
	}
	/* an on_discover whose resource has no offer, and one with no kW */
	{
		fx_bctx c;
		fx_boffer d = offer(1), *got;
		int n;
		jv m, cat;

		ctx(&c, FX_BECKN_V2, FX_BA_ON_SEARCH);
		m = fx_bmsg_on_search(&c, "agg-1", "A", &d, 1);
		cat = jv_getpath(jv_copy(m), jv_parse("[\"message\",\"catalogs\",0]"));
		cat = jv_object_set(cat, jv_string("offers"), jv_array());
		m = jv_setpath(m, jv_parse("[\"message\",\"catalogs\",0]"), cat);
		c.profile = FX_BECKN_V2;
		ok(fx_bmsg_read_on_search(m, &c, &got, &n, err, sizeof err) == -1
		    && strstr(err, "/message/catalogs/0/resources/0: no offer "
		    "names it") != NULL, "on_discover: a resource no offer "
		    "names (%s)", err);
		jv_free(m);
	}
}

/* readers refuse what the spec does not allow */
static void
test_reader_refusals(void)
{
	fx_bctx c;
	fx_border o = order(), r;
	char err[256], longid[300];
	jv m;

	ctx(&c, FX_BECKN_V1, FX_BA_SELECT);
	m = fx_bmsg_order(&c, &o);
	m = jv_setpath(m, jv_parse("[\"message\",\"order\",\"items\",0,"
	    "\"quantity\",\"selected\",\"measure\",\"value\"]"),
	    jv_string("0x10"));
	ok(fx_bmsg_read_order(m, &c, &r, err, sizeof err) == -1 &&
	    strstr(err, "quantity: not a number") != NULL,
	    "v1.1: a hex kW is not a DecimalValue (%s)", err);
	jv_free(m);
	ctx(&c, FX_BECKN_V2, FX_BA_CONFIRM);
	memset(longid, 'x', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	m = fx_bmsg_order(&c, &o);
	m = jv_setpath(m, jv_parse("[\"message\",\"contract\","
	    "\"commitments\",0,\"commitmentAttributes\",\"eventDetails\","
	    "\"obpId\"]"), jv_string(longid));
	ok(fx_bmsg_read_order(m, &c, &r, err, sizeof err) == -1 &&
	    strstr(err, "obpId") != NULL, "v2: a 299-byte OBP id is refused, "
	    "not cut (%s)", err);
	jv_free(m);
	/* a cancel's reason travels in v2 too */
	ctx(&c, FX_BECKN_V2, FX_BA_ON_CANCEL);
	strcpy(o.order_id, "0b0e3c62-5a0f-4f5e-8f9e-3f0a1d2c4b5e");
	o.status = FX_BORDER_CANCELLED;
	strcpy(o.reason, "declined by the aggregator");
	m = fx_bmsg_order(&c, &o);
	ok(fx_bmsg_read_order(m, &c, &r, err, sizeof err) == 0 &&
	    strcmp(r.reason, o.reason) == 0, "v2: the reason reads back");
	jv_free(m);
	/* v1.1 writes no DRAFT status */
	ctx(&c, FX_BECKN_V1, FX_BA_ON_CONFIRM);
	o = order();
	m = fx_bmsg_order(&c, &o);
	{
		jv st = jv_getpath(jv_copy(m), jv_parse("[\"message\","
		    "\"order\",\"status\"]"));

		ok(jv_get_kind(st) == JV_KIND_NULL, "v1.1: a draft order has "
		    "no status");
		jv_free(st);
	}
	jv_free(m);
}

static void
test_durations(void)
{
	static const struct { int64_t ms; const char *s; } d[] = {
		{ 0, "PT0S" }, { 1000, "PT1S" }, { 900000, "PT15M" },
		{ 7200000, "PT2H" }, { 9000000, "PT2H30M" },
		{ 86400000, "P1D" }, { 90061000, "P1DT1H1M1S" },
	};
	static const char *const badd[] = { "", "P", "PT", "15M", "PT15",
	    "PT-5M", "P1H", "PT1D", "PTT1M", "PT1M5" };
	char b[32];
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof d / sizeof *d; i++) {
		fx_bmsg_duration(d[i].ms, b);
		ok(strcmp(b, d[i].s) == 0 && (d[i].ms == 0 ||
		    (fx_bmsg_parse_duration(b, &ms) == 0 && ms == d[i].ms)),
		    "duration %lld ms is %s and back", (long long)d[i].ms, b);
	}
	ok(fx_bmsg_parse_duration("PT0.5S", &ms) == 0 && ms == 500 &&
	    fx_bmsg_parse_duration("P1W", &ms) == 0 && ms == 604800000,
	    "duration: fractions and weeks");
	for (i = 0; i < sizeof badd / sizeof *badd; i++)
		ok(fx_bmsg_parse_duration(badd[i], &ms) == -1,
		    "duration '%s' refused", badd[i]);
}

int
main(void)
{
	char u[37], v[37];

	dump_dir = getenv("FX_BMSG_DUMP");
	test_profile(FX_BECKN_V2);
	test_profile(FX_BECKN_V1);
	test_refusals();
	test_reader_refusals();
	test_durations();
	fx_bmsg_uuid(u);
	fx_bmsg_uuid(v);
	ok(strlen(u) == 36 && u[14] == '4' && strchr("89ab", u[19]) != NULL &&
	    strcmp(u, v) != 0, "uuid: version 4, variant 10, fresh (%s)", u);
	ok(strcmp(fx_bmsg_action_name(FX_BECKN_V2, FX_BA_SEARCH), "discover")
	    == 0 && strcmp(fx_bmsg_action_name(FX_BECKN_V1, FX_BA_ON_SEARCH),
	    "on_search") == 0 && fx_bmsg_action(FX_BECKN_V2, "search") == -1 &&
	    fx_bmsg_action(FX_BECKN_V1, "on_update") == FX_BA_ON_UPDATE,
	    "action names per profile");
	return done();
}
