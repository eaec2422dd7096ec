/*
 * test_beckn_schemas - FLUXEON's Beckn message schemas (schemas/beckn/v2,
 * schemas/beckn/v1.1) under FLUXEON's own validator, common/jschema, as
 * fx-bpp and fx-beckn are to use them: every schema compiles with its
 * defs.json registered by $id, and leaves no keyword unenforced; every
 * message common/bmsg builds (the fixtures of test_bmsg) is valid against
 * the schema of its profile and action; messages missing what FLUXEON
 * needs, or with the wrong formats, are refused with the reason expected.
 *
 * The schemas are read from $FX_ROOT/schemas/beckn, or from
 * ./schemas/beckn (make test runs the unit tests from the repo root).
 * test/beckn-schemas.bats checks the same schemas with python3-jsonschema.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "tap.h"
#include "bmsg.h"
#include "bsign.h"
#include "jschema.h"
#include "json.h"

#define NSCHEMA (FX_BA_N + 1)	/* the actions, then ack.json */
#define ACK FX_BA_N

static const char *root = ".";
static fx_jschema *schemas[3][NSCHEMA];	/* [profile][action] */

static const char *
dir_of(int profile)
{
	return profile == FX_BECKN_V2 ? "v2" : "v1.1";
}

static const char *
schema_name(int profile, int i)
{
	return i == ACK ? "ack" : fx_bmsg_action_name(profile, i);
}

static jv
load(int profile, const char *name)
{
	char path[1024], err[512];
	jv v;

	snprintf(path, sizeof path, "%s/schemas/beckn/%s/%s.json", root,
	    dir_of(profile), name);
	v = fx_json_load(path, err, sizeof err);
	if (!jv_is_valid(v))
		printf("#   %s\n", err);
	return v;
}

/* Compiles every schema of profile with its defs.json as a resource. */
static void
compile_profile(int profile)
{
	fx_jschema_resource res;
	char err[512];
	int i;

	res.uri = NULL;		/* its own $id */
	res.doc = load(profile, "defs");
	if (!ok(jv_get_kind(res.doc) == JV_KIND_OBJECT, "%s/defs.json loads",
	    dir_of(profile)))
		printf("#   run from the repo root, or set FX_ROOT to it\n");
	for (i = 0; i < NSCHEMA; i++) {
		const char *name = schema_name(profile, i);
		jv doc = load(profile, name), unknown;
		fx_jschema *s;

		err[0] = '\0';
		s = fx_jschema_new_with(doc, "", &res, 1, err, sizeof err);
		schemas[profile][i] = s;
		if (!ok(s != NULL, "%s/%s.json compiles with defs.json",
		    dir_of(profile), name)) {
			printf("#   %s\n", err);
			continue;
		}
		unknown = fx_jschema_unknown(s);
		if (!ok(jv_array_length(jv_copy(unknown)) == 0,
		    "%s/%s.json: every keyword enforced", dir_of(profile),
		    name)) {
			jv d = jv_dump_string(jv_copy(unknown), 0);

			printf("#   %s\n", jv_string_value(d));
			jv_free(d);
		}
		jv_free(unknown);
	}
	jv_free(res.doc);
}

/* Validates msg (consumed) against the schema of profile and action i:
 * 0 valid, else the number of errors, the first few in e. */
static int
check(int profile, int i, jv msg, fx_jschema_error *e, int max)
{
	int n = -1;

	if (schemas[profile][i] != NULL)
		n = fx_jschema_validate(schemas[profile][i], msg, e, max);
	jv_free(msg);
	return n;
}

static void
valid(int profile, int i, jv msg, const char *what)
{
	fx_jschema_error e[4];
	int n = check(profile, i, msg, e, 4), k;

	if (!ok(n == 0, "%s %s: %s is valid", dir_of(profile),
	    schema_name(profile, i), what))
		for (k = 0; k < n && k < 4; k++)
			printf("#   %s\n", e[k].message);
}

/* msg is refused, one of its errors being the message want (or beginning
 * with it). */
static void
refused(int profile, int i, jv msg, const char *want, const char *what)
{
	fx_jschema_error e[8];
	int n = check(profile, i, msg, e, 8), k, found = 0;

	for (k = 0; k < n && k < 8; k++)
		found |= strncmp(e[k].message, want, strlen(want)) == 0;
	if (!ok(found, "%s %s: %s is refused: %s", dir_of(profile),
	    schema_name(profile, i), what, want))
		for (k = 0; k < n && k < 8; k++)
			printf("#   got %s\n", e[k].message);
}

/* ---- the fixtures of test_bmsg ---- */

static void
ctx(fx_bctx *c, int profile, int action)
{
	fx_bmsg_ctx_init(c, profile, action);
	strcpy(c->bap_id, "bap.fluxeon.test");
	strcpy(c->bap_uri, "http://127.0.0.1:9000/beckn");
	if (action != FX_BA_SEARCH) {
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
	d.reliability = 0.95;
	snprintf(d.der_pubkey, sizeof d.der_pubkey,
	    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	return d;
}

/* The order as test_bmsg carries it in action a. */
static fx_border
order(int a)
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
	if (a >= FX_BA_ON_INIT || a == FX_BA_CONFIRM || a == FX_BA_UPDATE) {
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
	return o;
}

/* The message bmsg builds for action a (or ACK, NACK as ACK + 1). */
static jv
build(int profile, int a)
{
	fx_bctx c;

	if (a == ACK) {
		char *priv, *pub, *cs, err[256];
		fx_bsign_key *k;
		const char *req = "{\"context\":{}}";
		jv m;

		fx_bsign_keygen(&priv, &pub, err, sizeof err);
		k = fx_bsign_key_new(priv, err, sizeof err);
		cs = fx_bsign_countersign(k, "bpp.aggregator.test", "k1",
		    "{\"status\":\"ACK\"}", 16, req, strlen(req),
		    "0c7d1f3e-8a4b-4c2d-9e6f-1a2b3c4d5e6f", 1763390000,
		    1763390030, err, sizeof err);
		m = fx_bmsg_ack(profile, 1, NULL, NULL, cs);
		free(cs);
		fx_bsign_key_free(k);
		fx_bsign_secret_free(priv);
		free(pub);
		return m;
	}
	if (a == ACK + 1)
		return fx_bmsg_ack(profile, 0, "30001", "provider not found",
		    "Signature keyId=\"bpp.aggregator.test|k1|ed25519\","
		    "algorithm=\"ed25519\",created=\"1763390000\",expires="
		    "\"1763390030\",headers=\"(created) (expires) digest\","
		    "signature=\"c2ln\"");
	ctx(&c, profile, a);
	if (a == FX_BA_SEARCH) {
		fx_bintent in;

		memset(&in, 0, sizeof in);
		strcpy(in.feeder_id, "F0001");
		in.lat = 52.2053;
		in.lon = 0.1218;
		in.start = 1763402400000LL;
		in.end = 1763406000000LL;
		in.kw = 120.5;
		return fx_bmsg_search(&c, &in);
	}
	if (a == FX_BA_ON_SEARCH) {
		fx_boffer offs[3];
		int i;

		for (i = 0; i < 3; i++)
			offs[i] = offer(i);
		return fx_bmsg_on_search(&c, "agg-1", "Aggregator One", offs,
		    3);
	}
	{
		fx_border o = order(a);

		return fx_bmsg_order(&c, &o);
	}
}

/* ---- edits ---- */

static jv
path(const char *json)
{
	return jv_parse(json);
}

static jv
set(jv m, const char *p, jv v)
{
	return jv_setpath(m, path(p), v);
}

static jv
del(jv m, const char *p)
{
	jv paths = jv_array_append(jv_array(), path(p));

	return jv_delpaths(m, paths);
}

/* ---- the tests ---- */

static void
test_built(int profile)
{
	int a;

	for (a = 0; a < FX_BA_N; a++)
		valid(profile, a, build(profile, a), "the message bmsg builds");
	valid(profile, ACK, build(profile, ACK), "bmsg's ACK");
	valid(profile, ACK, build(profile, ACK + 1), "bmsg's NACK");
}

static void
test_refused_v2(void)
{
	const int P = FX_BECKN_V2;
	jv m;

	m = set(build(P, FX_BA_CONFIRM), "[\"context\",\"transactionId\"]",
	    jv_string("txn-1"));
	refused(P, FX_BA_CONFIRM, m,
	    "/context/transactionId: not a uuid 'txn-1'", "a non-UUID id");
	m = del(build(P, FX_BA_SELECT), "[\"context\",\"transactionId\"]");
	refused(P, FX_BA_SELECT, m,
	    "/context: required property 'transactionId' missing",
	    "no transaction id");
	m = set(build(P, FX_BA_STATUS), "[\"context\",\"timestamp\"]",
	    jv_string("2025-11-17 14:33"));
	refused(P, FX_BA_STATUS, m, "/context/timestamp: not a date-time "
	    "'2025-11-17 14:33'", "a timestamp not RFC 3339");
	m = set(build(P, FX_BA_ON_INIT), "[\"context\",\"ttl\"]",
	    jv_string("30s"));
	refused(P, FX_BA_ON_INIT, m, "/context/ttl: '30s' does not match "
	    "pattern '^P(", "a ttl not ISO 8601");
	m = set(build(P, FX_BA_CONFIRM), "[\"context\",\"action\"]",
	    jv_string("init"));
	refused(P, FX_BA_CONFIRM, m, "/context/action: not 'confirm' "
	    "'init'", "another action");
	m = del(build(P, FX_BA_ON_SELECT), "[\"context\",\"bppId\"]");
	refused(P, FX_BA_ON_SELECT, m,
	    "/context: required property 'bppId' missing",
	    "a callback without its BPP");
	m = del(build(P, FX_BA_CONFIRM), "[\"message\",\"contract\","
	    "\"commitments\",0,\"resources\",0,\"id\"]");
	refused(P, FX_BA_CONFIRM, m, "/message/contract/commitments/0/"
	    "resources/0: required property 'id' missing", "no DER id");
	m = set(build(P, FX_BA_CONFIRM), "[\"message\",\"contract\","
	    "\"commitments\",0,\"resources\",0,\"quantity\",\"value\"]",
	    jv_string("42.5"));
	refused(P, FX_BA_CONFIRM, m, "/message/contract/commitments/0/"
	    "resources/0/quantity/value: not a number '42.5'",
	    "kW as a string");
	m = del(build(P, FX_BA_INIT), "[\"message\",\"contract\","
	    "\"commitments\",0,\"commitmentAttributes\",\"activationTime\"]");
	refused(P, FX_BA_INIT, m, "/message/contract/commitments/0/"
	    "commitmentAttributes: required property 'activationTime' "
	    "missing", "no activation time");
	m = del(build(P, FX_BA_ON_SEARCH), "[\"message\",\"catalogs\",0,"
	    "\"resources\",1,\"resourceAttributes\",\"availabilityParameters\","
	    "\"availableUntil\"]");
	refused(P, FX_BA_ON_SEARCH, m, "/message/catalogs/0/resources/1/"
	    "resourceAttributes/availabilityParameters: required property "
	    "'availableUntil' missing", "a resource without its window");
	m = del(build(P, FX_BA_ON_SEARCH), "[\"message\",\"catalogs\",0,"
	    "\"resources\",0,\"resourceAttributes\",\"loadCapacity\"]");
	refused(P, FX_BA_ON_SEARCH, m, "/message/catalogs/0/resources/0/"
	    "resourceAttributes: required property 'loadCapacity' missing",
	    "a resource without its kW");
	m = del(build(P, FX_BA_UPDATE), "[\"message\",\"contract\","
	    "\"performance\"]");
	refused(P, FX_BA_UPDATE, m, "/message/contract: required property "
	    "'performance' missing", "a COMPLETE without the delivered kWh");
	m = set(build(P, FX_BA_ON_STATUS), "[\"message\",\"contract\","
	    "\"extra\"]", jv_true());
	refused(P, FX_BA_ON_STATUS, m,
	    "/message/contract: property 'extra' not allowed",
	    "a member the closed Contract does not have");
	refused(P, ACK, fx_bmsg_ack(P, 1, NULL, NULL, ""), "/signature: '' "
	    "does not match pattern '^Signature keyId=",
	    "an ACK without its counter-signature");
	/* the context is open, as the official one is */
	m = set(build(P, FX_BA_ON_CONFIRM), "[\"context\",\"networkId\"]",
	    jv_string("fluxeon.example/df"));
	m = set(m, "[\"context\",\"x-trace\"]", jv_string("abc"));
	valid(P, FX_BA_ON_CONFIRM, m, "a context with members FLUXEON does "
	    "not write");
}

static void
test_refused_v1(void)
{
	const int P = FX_BECKN_V1;
	jv m;

	m = set(build(P, FX_BA_SEARCH), "[\"context\",\"message_id\"]",
	    jv_string("msg-1"));
	refused(P, FX_BA_SEARCH, m, "/context/message_id: not a uuid 'msg-1'",
	    "a non-UUID id");
	m = del(build(P, FX_BA_ON_CONFIRM), "[\"context\",\"transaction_id\"]");
	refused(P, FX_BA_ON_CONFIRM, m,
	    "/context: required property 'transaction_id' missing",
	    "no transaction id");
	m = set(build(P, FX_BA_CONFIRM), "[\"context\",\"version\"]",
	    jv_string("2.0.0"));
	refused(P, FX_BA_CONFIRM, m, "/context/version: '2.0.0' does not "
	    "match pattern '^1\\.1\\.[0-9]+$'", "version 2.0.0");
	m = set(build(P, FX_BA_CANCEL), "[\"context\",\"action\"]",
	    jv_string("status"));
	refused(P, FX_BA_CANCEL, m, "/context/action: not 'cancel' "
	    "'status'", "another action");
	m = set(build(P, FX_BA_ON_SEARCH), "[\"message\",\"catalog\","
	    "\"providers\",0,\"items\",1,\"tags\",0,\"list\",2,\"value\"]",
	    jv_string("2 hours"));
	refused(P, FX_BA_ON_SEARCH, m, "/message/catalog/providers/0/items/1/"
	    "tags/0/list/2/value: '2 hours' does not match pattern '^P(",
	    "a der tag's max_duration not ISO 8601");
	m = del(build(P, FX_BA_CONFIRM), "[\"message\",\"order\",\"items\",0,"
	    "\"id\"]");
	refused(P, FX_BA_CONFIRM, m,
	    "/message/order/items/0: required property 'id' missing",
	    "no DER id");
	m = set(build(P, FX_BA_CONFIRM), "[\"message\",\"order\",\"items\",0,"
	    "\"quantity\",\"selected\",\"measure\",\"value\"]",
	    jv_number(42.5));
	refused(P, FX_BA_CONFIRM, m, "/message/order/items/0/quantity/"
	    "selected/measure/value: not a string '42.5'",
	    "kW as a number, not a DecimalValue");
	m = del(build(P, FX_BA_ON_SEARCH), "[\"message\",\"catalog\","
	    "\"providers\",0,\"items\",2,\"time\",\"range\"]");
	refused(P, FX_BA_ON_SEARCH, m, "/message/catalog/providers/0/items/2/"
	    "time: required property 'range' missing",
	    "an item without its window");
	m = del(build(P, FX_BA_ON_SEARCH), "[\"message\",\"catalog\","
	    "\"providers\",0,\"items\",0,\"quantity\",\"available\","
	    "\"measure\",\"value\"]");
	refused(P, FX_BA_ON_SEARCH, m, "/message/catalog/providers/0/items/0/"
	    "quantity/available/measure: required property 'value' missing",
	    "an item without its kW");
	m = set(build(P, FX_BA_ON_INIT), "[\"message\",\"order\",\"items\",0,"
	    "\"price\",\"value\"]", jv_string("0.125 GBP"));
	refused(P, FX_BA_ON_INIT, m, "/message/order/items/0/price/value: "
	    "'0.125 GBP' does not match pattern '^[+-]?([0-9]*[.])?[0-9]+$'",
	    "a price that is not a DecimalValue");
	m = jv_setpath(build(P, FX_BA_SELECT), path("[\"message\",\"order\","
	    "\"fulfillments\",0,\"stops\"]"), jv_parse("[{\"type\":\"end\","
	    "\"time\":{\"timestamp\":\"2025-11-17T19:00:00Z\"}},{\"type\":"
	    "\"start\",\"time\":{\"timestamp\":\"2025-11-17T18:00:00Z\"}}]"));
	refused(P, FX_BA_SELECT, m, "/message/order/fulfillments/0/stops/0/"
	    "type: not 'start' 'end'", "the window's stops out of order");
	m = del(build(P, FX_BA_ON_UPDATE), "[\"message\",\"order\","
	    "\"fulfillments\",0,\"tags\"]");
	refused(P, FX_BA_ON_UPDATE, m, "/message/order/fulfillments/0: "
	    "required property 'tags' missing",
	    "a COMPLETE without the delivered kWh");
	refused(P, ACK, jv_parse("{\"message\":{\"ack\":{}}}"),
	    "/message/ack: required property 'status' missing",
	    "an answer without its status");
	/* objects are open, as the official ones are */
	m = set(build(P, FX_BA_ON_CONFIRM), "[\"message\",\"order\","
	    "\"payments\"]", jv_parse("[{\"type\":\"POST-FULFILLMENT\"}]"));
	valid(P, FX_BA_ON_CONFIRM, m, "an order with members FLUXEON does not "
	    "write");
}

int
main(void)
{
	int p, i;

	if (getenv("FX_ROOT") != NULL && *getenv("FX_ROOT") != '\0')
		root = getenv("FX_ROOT");
	compile_profile(FX_BECKN_V2);
	compile_profile(FX_BECKN_V1);
	test_built(FX_BECKN_V2);
	test_built(FX_BECKN_V1);
	test_refused_v2();
	test_refused_v1();
	for (p = 0; p < 3; p++)
		for (i = 0; i < NSCHEMA; i++)
			fx_jschema_free(schemas[p][i]);
	return done();
}
