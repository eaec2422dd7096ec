/* bmsg.c - see bmsg.h; the field mapping is in schemas/beckn/README.md */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "bmsg.h"
#include "buf.h"
#include "err.h"
#include "json.h"

/* the JSON-LD contexts the v2 attribute objects name (DEG's DF context) */
#define CORE_CTX "https://raw.githubusercontent.com/beckn/protocol-" \
	"specifications-new/refs/heads/draft/schema/core/v2/context.jsonld"
#define DF_CTX "https://raw.githubusercontent.com/beckn/protocol-" \
	"specifications-new/refs/heads/draft/schema/DemandFlexibility/v1/" \
	"context.jsonld"

static const char *const names[FX_BA_N] = {
	"search", "select", "init", "confirm", "status", "update", "cancel",
	"on_search", "on_select", "on_init", "on_confirm", "on_status",
	"on_update", "on_cancel"
};

const char *
fx_bmsg_action_name(int profile, int action)
{
	if (action < 0 || action >= FX_BA_N)
		return NULL;
	if (profile == FX_BECKN_V2 && action == FX_BA_SEARCH)
		return "discover";
	if (profile == FX_BECKN_V2 && action == FX_BA_ON_SEARCH)
		return "on_discover";
	return names[action];
}

int
fx_bmsg_action(int profile, const char *name)
{
	int a;

	for (a = 0; a < FX_BA_N; a++)
		if (strcmp(fx_bmsg_action_name(profile, a), name) == 0)
			return a;
	return -1;
}

int
fx_bmsg_profile(const char *name)
{
	if (strcmp(name, "v2") == 0 || strcmp(name, "2.0.0") == 0)
		return FX_BECKN_V2;
	if (strcmp(name, "v1.1") == 0 || strcmp(name, "1.1.1") == 0 ||
	    strcmp(name, "1.1.0") == 0)
		return FX_BECKN_V1;
	return -1;
}

const char *
fx_border_status_name(int status)
{
	static const char *const s[] = { "DRAFT", "ACTIVE", "COMPLETE",
	    "CANCELLED" };

	return status >= 0 && status <= FX_BORDER_CANCELLED ? s[status] :
	    "DRAFT";
}

void
fx_bmsg_uuid(char out[37])
{
	unsigned char r[16];

	if (RAND_bytes(r, sizeof r) != 1)
		fx_die(FX_EXIT_FAIL, "no random bytes from OpenSSL");
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);	/* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

void
fx_bmsg_ctx_init(fx_bctx *c, int profile, int action)
{
	memset(c, 0, sizeof *c);
	c->profile = profile;
	c->action = action;
	snprintf(c->domain, sizeof c->domain, "%s", profile == FX_BECKN_V2 ?
	    FX_BMSG_DOMAIN_V2 : FX_BMSG_DOMAIN_V1);
	snprintf(c->version, sizeof c->version, "%s", profile == FX_BECKN_V2 ?
	    "2.0.0" : "1.1.0");
	fx_bmsg_uuid(c->message_id);
	c->timestamp = fx_time_now();
	c->ttl_ms = 30000;
}

static int is_uuid(const char *s);

static int
is_http(const char *s)
{
	return (strncmp(s, "http://", 7) == 0 && s[7] != '\0') ||
	    (strncmp(s, "https://", 8) == 0 && s[8] != '\0');
}

/* ---- durations ---- */

void
fx_bmsg_duration(int64_t ms, char out[32])
{
	int64_t s = ms / 1000, d, h, m;
	int n;

	if (s <= 0) {
		snprintf(out, 32, "PT0S");
		return;
	}
	d = s / 86400;
	h = s % 86400 / 3600;
	m = s % 3600 / 60;
	s %= 60;
	n = snprintf(out, 32, "P");
	if (d)
		n += snprintf(out + n, (size_t)(32 - n), "%lldD", (long long)d);
	if (h || m || s)
		n += snprintf(out + n, (size_t)(32 - n), "T");
	if (h)
		n += snprintf(out + n, (size_t)(32 - n), "%lldH", (long long)h);
	if (m)
		n += snprintf(out + n, (size_t)(32 - n), "%lldM", (long long)m);
	if (s)
		snprintf(out + n, (size_t)(32 - n), "%lldS", (long long)s);
}

int
fx_bmsg_parse_duration(const char *s, int64_t *ms)
{
	int64_t total = 0;
	int in_time = 0, any = 0;

	if (s == NULL || *s++ != 'P')
		return -1;
	while (*s != '\0') {
		double v;
		char *end;

		if (*s == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			s++;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -1;
		v = strtod(s, &end);
		if (end == s || v < 0 || v > 1e9)
			return -1;
		switch (*end) {
		case 'D': if (in_time) return -1; total += (int64_t)(v * 86400e3); break;
		case 'W': if (in_time) return -1; total += (int64_t)(v * 604800e3); break;
		case 'H': if (!in_time) return -1; total += (int64_t)(v * 3600e3); break;
		case 'M': if (!in_time) return -1; total += (int64_t)(v * 60e3); break;
		case 'S': if (!in_time) return -1; total += (int64_t)(v * 1e3); break;
		default: return -1;
		}
		any = 1;
		s = end + 1;
	}
	if (!any)
		return -1;
	*ms = total;
	return 0;
}

/* ---- building ---- */

static jv
obj(void)
{
	return jv_object();
}

static jv
set(jv o, const char *k, jv v)
{
	return jv_object_set(o, jv_string(k), v);
}

static jv
sets(jv o, const char *k, const char *v)
{
	return set(o, k, jv_string(v));
}

static jv
time_str(fx_time t)
{
	char b[FX_TIME_MAX_TEXT];

	fx_time_format(t, b);
	return jv_string(b);
}

static jv
dur_str(int64_t ms)
{
	char b[32];

	fx_bmsg_duration(ms, b);
	return jv_string(b);
}

/* A number as a v1.1 DecimalValue: a string of up to 6 decimals, no
 * exponent, trailing zeros dropped. */
static jv
dec_str(double v)
{
	char b[64];
	size_t n;

	snprintf(b, sizeof b, "%.6f", v);
	n = strlen(b);
	while (n > 1 && b[n - 1] == '0')
		b[--n] = '\0';
	if (n > 1 && b[n - 1] == '.')
		b[--n] = '\0';
	if (strcmp(b, "-0") == 0)
		strcpy(b, "0");
	return jv_string(b);
}

static jv
attrs(const char *type)
{
	return sets(sets(obj(), "@context", DF_CTX), "@type", type);
}

jv
fx_bmsg_context(const fx_bctx *c)
{
	int v2 = c->profile == FX_BECKN_V2;
	jv o = obj();

	o = sets(o, "domain", c->domain);
	if (c->country[0] || c->city[0]) {
		jv loc = obj();

		if (c->country[0])
			loc = set(loc, "country", sets(obj(), "code",
			    c->country));
		if (c->city[0])
			loc = set(loc, "city", sets(obj(), "code", c->city));
		o = set(o, "location", loc);
	}
	o = sets(o, "action", fx_bmsg_action_name(c->profile, c->action));
	o = sets(o, "version", c->version);
	o = sets(o, v2 ? "bapId" : "bap_id", c->bap_id);
	o = sets(o, v2 ? "bapUri" : "bap_uri", c->bap_uri);
	if (c->bpp_id[0])
		o = sets(o, v2 ? "bppId" : "bpp_id", c->bpp_id);
	if (c->bpp_uri[0])
		o = sets(o, v2 ? "bppUri" : "bpp_uri", c->bpp_uri);
	o = sets(o, v2 ? "transactionId" : "transaction_id",
	    c->transaction_id);
	o = sets(o, v2 ? "messageId" : "message_id", c->message_id);
	o = set(o, "timestamp", time_str(c->timestamp));
	if (c->ttl_ms > 0)
		o = set(o, "ttl", dur_str(c->ttl_ms));
	return o;
}

/* v1.1 tags: [{descriptor:{code:group}, list:[{descriptor:{code},value}]}] */
static jv
tag(jv list, const char *code, jv value)
{
	return jv_array_append(list, set(set(obj(), "descriptor",
	    sets(obj(), "code", code)), "value", value));
}

static jv
taggroup(const char *code, jv list)
{
	return jv_array_append(jv_array(), set(set(obj(), "descriptor",
	    sets(obj(), "code", code)), "list", list));
}

jv
fx_bmsg_search(const fx_bctx *c, const fx_bintent *in)
{
	jv msg = obj(), intent = obj();

	if (c->profile == FX_BECKN_V2) {
		char expr[512], a[FX_TIME_MAX_TEXT], b[FX_TIME_MAX_TEXT];

		fx_time_format(in->start, a);
		fx_time_format(in->end, b);
		/* Intent has no DF fields: the window and volume go in the
		 * JSONPath filter over the offered resources */
		snprintf(expr, sizeof expr, "$[?(@.resourceAttributes."
		    "availabilityParameters.availableFrom <= '%s' && "
		    "@.resourceAttributes.availabilityParameters.availableUntil "
		    ">= '%s' && @.resourceAttributes.loadCapacity."
		    "currentAvailable > 0%s%s%s)]", a, b, in->feeder_id[0] ?
		    " && @.resourceAttributes.feeders[*] == '" : "",
		    in->feeder_id, in->feeder_id[0] ? "'" : "");
		intent = sets(intent, "textSearch", "demand flexibility");
		intent = set(intent, "filters", sets(sets(obj(), "type",
		    "jsonpath"), "expression", expr));
		if (!isnan(in->lat) && !isnan(in->lon)) {
			jv pt = set(sets(obj(), "type", "Point"), "coordinates",
			    jv_array_append(jv_array_append(jv_array(),
			    jv_number(in->lon)), jv_number(in->lat)));

			intent = set(intent, "spatial", jv_array_append(
			    jv_array(), set(set(sets(sets(obj(), "op",
			    "S_DWITHIN"), "targets", "$['availableAt'][*]['geo']"),
			    "geometry", pt), "distanceMeters",
			    jv_number(5000))));
		}
		msg = set(msg, "intent", intent);
	} else {
		jv stops = jv_array(), ful, list = jv_array(), start;

		start = set(sets(obj(), "type", "start"), "time",
		    set(obj(), "timestamp", time_str(in->start)));
		if (!isnan(in->lat) && !isnan(in->lon)) {
			char gps[64];

			snprintf(gps, sizeof gps, "%.6f,%.6f", in->lat,
			    in->lon);
			start = set(start, "location", sets(obj(), "gps", gps));
		}
		stops = jv_array_append(stops, start);
		stops = jv_array_append(stops, set(sets(obj(), "type", "end"),
		    "time", set(obj(), "timestamp", time_str(in->end))));
		ful = set(sets(obj(), "type", "DEMAND_RESPONSE"), "stops",
		    stops);
		intent = set(intent, "descriptor", sets(obj(), "name",
		    "demand flexibility"));
		intent = set(intent, "fulfillment", ful);
		intent = set(intent, "item", set(obj(), "quantity",
		    set(obj(), "selected", set(obj(), "measure",
		    set(sets(obj(), "unit", "kW"), "value",
		    dec_str(in->kw))))));
		if (in->feeder_id[0])
			list = tag(list, "feeder_id", jv_string(in->feeder_id));
		list = tag(list, "required_kw", dec_str(in->kw));
		intent = set(intent, "tags", taggroup("flex_request", list));
		msg = set(msg, "intent", intent);
	}
	return set(set(obj(), "context", fx_bmsg_context(c)), "message", msg);
}

static jv
v2_resource(const fx_boffer *d)
{
	jv r = sets(obj(), "id", d->der_id), a = attrs(
	    "DemandFlexibilityResource"), avail = obj(), cap = obj();

	r = set(r, "descriptor", sets(sets(obj(), "name", d->name[0] ?
	    d->name : d->der_id), "code", d->type));
	a = sets(a, "derType", d->type);
	cap = set(cap, "min", jv_number(d->min_kw));
	cap = set(cap, "max", jv_number(d->capacity_kw));
	cap = sets(cap, "unit", "kW");
	cap = set(cap, "currentAvailable", jv_number(d->capacity_kw));
	a = set(a, "loadCapacity", cap);
	a = set(a, "responseTime", dur_str(d->response_ms));
	avail = set(avail, "availableFrom", time_str(d->avail_from));
	avail = set(avail, "availableUntil", time_str(d->avail_until));
	if (d->max_duration_ms > 0)
		avail = set(avail, "maxDuration", dur_str(d->max_duration_ms));
	if (d->max_per_day > 0 || d->min_duration_ms > 0) {
		jv oc = obj();

		if (d->max_per_day > 0)
			oc = set(oc, "maxEventsPerDay",
			    jv_number(d->max_per_day));
		if (d->min_duration_ms > 0)
			oc = set(oc, "minDuration",
			    dur_str(d->min_duration_ms));
		avail = set(avail, "operationalConstraints", oc);
	}
	a = set(a, "availabilityParameters", avail);
	a = set(a, "reliability", jv_number(d->reliability));
	if (d->der_pubkey[0])
		a = sets(a, "derPublicKey", d->der_pubkey);
	if (d->feeders[0]) {
		jv fl = jv_array();
		const char *p = d->feeders;

		while (*p) {
			size_t n = strcspn(p, ",");

			fl = jv_array_append(fl, jv_string_sized(p, (int)n));
			p += n + (p[n] == ',');
		}
		a = set(a, "feeders", fl);
	}
	return set(r, "resourceAttributes", a);
}

static jv
v2_offer(const fx_boffer *d, const char *provider_id,
    const char *provider_name)
{
	jv o = sets(obj(), "id", d->offer_id[0] ? d->offer_id : d->der_id);
	jv inc = obj(), cons;

	o = set(o, "provider", set(sets(obj(), "id", provider_id),
	    "descriptor", sets(obj(), "name", provider_name)));
	o = set(o, "resourceIds", jv_array_append(jv_array(),
	    jv_string(d->der_id)));
	cons = set(sets(obj(), "id", "incentive"), "status", sets(obj(),
	    "code", "OFFERED"));
	inc = set(inc, "rate", jv_number(d->price_per_kwh));
	inc = sets(inc, "currency", d->currency);
	inc = sets(inc, "type", "per_kWh_reduced");
	cons = set(cons, "considerationAttributes", set(attrs(
	    "DemandFlexibilityIncentive"), "incentiveDetails", inc));
	o = set(o, "considerations", jv_array_append(jv_array(), cons));
	o = set(o, "validity", set(set(obj(), "startDate",
	    time_str(d->avail_from)), "endDate", time_str(d->avail_until)));
	return o;
}

static jv
v1_item(const fx_boffer *d)
{
	jv it = sets(obj(), "id", d->der_id), list = jv_array(), q;
	char b[64];

	it = set(it, "descriptor", sets(sets(obj(), "name", d->name[0] ?
	    d->name : d->der_id), "code", d->type));
	it = set(it, "price", set(sets(obj(), "currency", d->currency),
	    "value", dec_str(d->price_per_kwh)));
	q = set(obj(), "available", set(obj(), "measure", set(sets(obj(),
	    "unit", "kW"), "value", dec_str(d->capacity_kw))));
	q = set(q, "minimum", set(obj(), "measure", set(sets(obj(), "unit",
	    "kW"), "value", dec_str(d->min_kw))));
	it = set(it, "quantity", q);
	it = set(it, "fulfillment_ids", jv_array_append(jv_array(),
	    jv_string("demand_response")));
	it = set(it, "time", set(obj(), "range", set(set(obj(), "start",
	    time_str(d->avail_from)), "end", time_str(d->avail_until))));
	list = tag(list, "der_type", jv_string(d->type));
	snprintf(b, sizeof b, "%lld", (long long)(d->response_ms / 1000));
	list = tag(list, "response_time_s", jv_string(b));
	if (d->max_duration_ms > 0) {
		fx_bmsg_duration(d->max_duration_ms, b);
		list = tag(list, "max_duration", jv_string(b));
	}
	if (d->max_per_day > 0) {
		snprintf(b, sizeof b, "%d", d->max_per_day);
		list = tag(list, "max_events_per_day", jv_string(b));
	}
	if (d->min_duration_ms > 0) {
		fx_bmsg_duration(d->min_duration_ms, b);
		list = tag(list, "min_duration", jv_string(b));
	}
	list = tag(list, "reliability", dec_str(d->reliability));
	if (d->der_pubkey[0])
		list = tag(list, "der_public_key", jv_string(d->der_pubkey));
	if (d->offer_id[0])
		list = tag(list, "offer_id", jv_string(d->offer_id));
	if (d->feeders[0])
		list = tag(list, "feeders", jv_string(d->feeders));
	return set(it, "tags", taggroup("der", list));
}

jv
fx_bmsg_on_search(const fx_bctx *c, const char *provider_id,
    const char *provider_name, const fx_boffer *offers, int n)
{
	jv msg = obj();
	int i;

	if (c->profile == FX_BECKN_V2) {
		jv cat = obj(), res = jv_array(), off = jv_array();

		cat = sets(cat, "id", provider_id);
		cat = set(cat, "descriptor", sets(obj(), "name",
		    provider_name));
		cat = set(cat, "provider", set(sets(obj(), "id", provider_id),
		    "descriptor", sets(obj(), "name", provider_name)));
		if (c->bpp_id[0])
			cat = sets(cat, "bppId", c->bpp_id);
		if (c->bpp_uri[0])
			cat = sets(cat, "bppUri", c->bpp_uri);
		for (i = 0; i < n; i++) {
			res = jv_array_append(res, v2_resource(&offers[i]));
			off = jv_array_append(off, v2_offer(&offers[i],
			    provider_id, provider_name));
		}
		cat = set(cat, "resources", res);
		cat = set(cat, "offers", off);
		msg = set(msg, "catalogs", jv_array_append(jv_array(), cat));
	} else {
		jv prov = obj(), items = jv_array();

		prov = sets(prov, "id", provider_id);
		prov = set(prov, "descriptor", sets(obj(), "name",
		    provider_name));
		prov = set(prov, "fulfillments", jv_array_append(jv_array(),
		    sets(sets(obj(), "id", "demand_response"), "type",
		    "DEMAND_RESPONSE")));
		for (i = 0; i < n; i++)
			items = jv_array_append(items, v1_item(&offers[i]));
		prov = set(prov, "items", items);
		msg = set(msg, "catalog", set(set(obj(), "descriptor",
		    sets(obj(), "name", provider_name)), "providers",
		    jv_array_append(jv_array(), prov)));
	}
	return set(set(obj(), "context", fx_bmsg_context(c)), "message", msg);
}

char *
fx_bmsg_participation(const fx_border *o)
{
	char s[FX_TIME_MAX_TEXT], e[FX_TIME_MAX_TEXT], t[FX_TIME_MAX_TEXT];
	fx_buf b = FX_BUF_INIT;
	char kw[64];

	fx_time_format(o->start, s);
	fx_time_format(o->end, e);
	if (o->signed_at != INT64_MIN)
		fx_time_format(o->signed_at, t);
	else
		t[0] = '\0';
	snprintf(kw, sizeof kw, "%.6f", o->kw);
	fx_buf_puts(&b, "fluxeon-participation/1\n");
	fx_buf_puts(&b, o->der_id);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, o->order_id);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, o->obp_id);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, kw);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, s);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, e);
	fx_buf_putc(&b, '\n');
	fx_buf_puts(&b, t);
	{
		char *out = fx_xstrdup(fx_buf_cstr(&b));

		fx_buf_free(&b);
		return out;
	}
}

void
fx_border_init(fx_border *o)
{
	memset(o, 0, sizeof *o);
	o->kw = NAN;
	o->price_per_kwh = NAN;
	o->quote = NAN;
	o->delivered_kwh = NAN;
	o->start = o->end = INT64_MIN;
	o->signed_at = INT64_MIN;
	o->status = FX_BORDER_DRAFT;
	strcpy(o->progress, "PENDING");
}

static int
is_uuid(const char *s)
{
	int i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static jv
v2_contract(const fx_bctx *c, const fx_border *o)
{
	jv k = obj(), com = obj(), ca = attrs("DemandFlexibilityActivation");
	jv ev = obj(), res;
	int cb = c->action >= FX_BA_ON_SEARCH;
	int action = cb ? c->action - FX_BA_ON_SEARCH : c->action;

	if (o->order_id[0])
		k = sets(k, "id", o->order_id);
	if (o->reason[0])
		k = set(k, "descriptor", sets(obj(), "shortDesc", o->reason));
	com = sets(com, "id", "activation");
	com = set(com, "status", set(obj(), "descriptor", sets(obj(), "code",
	    o->status == FX_BORDER_ACTIVE ? "ACTIVE" : o->status ==
	    FX_BORDER_DRAFT ? "DRAFT" : "CLOSED")));
	res = set(sets(obj(), "id", o->der_id), "quantity", set(sets(obj(),
	    "unit", "kW"), "value", jv_number(isnan(o->kw) ? 0 : o->kw)));
	com = set(com, "resources", jv_array_append(jv_array(), res));
	com = set(com, "offer", set(sets(obj(), "id", o->offer_id[0] ?
	    o->offer_id : o->der_id), "resourceIds", jv_array_append(
	    jv_array(), jv_string(o->der_id))));
	if (!isnan(o->kw)) {
		ca = set(ca, "requestedReduction", jv_number(o->kw));
		ca = sets(ca, "requestedReductionUnit", "kW");
	}
	if (o->start != INT64_MIN)
		ca = set(ca, "activationTime", time_str(o->start));
	if (o->start != INT64_MIN && o->end != INT64_MIN)
		ca = set(ca, "duration", dur_str(o->end - o->start));
	if (o->event_id[0])
		ev = sets(ev, "eventId", o->event_id);
	if (o->feeder_id[0])
		ev = sets(ev, "feederId", o->feeder_id);
	if (o->plan_id[0])
		ev = sets(ev, "planId", o->plan_id);
	if (o->obp_id[0])
		ev = sets(ev, "obpId", o->obp_id);
	ca = set(ca, "eventDetails", ev);
	com = set(com, "commitmentAttributes", ca);
	k = set(k, "commitments", jv_array_append(jv_array(), com));
	if (!isnan(o->price_per_kwh)) {
		jv pa = attrs("DemandFlexibilityIncentive"), inc = obj();

		inc = set(inc, "rate", jv_number(o->price_per_kwh));
		inc = sets(inc, "currency", o->currency);
		inc = sets(inc, "type", "per_kWh_reduced");
		pa = set(pa, "incentiveDetails", inc);
		if (!isnan(o->quote))
			pa = set(pa, "total", jv_number(o->quote));
		k = set(k, "consideration", jv_array_append(jv_array(),
		    set(set(sets(obj(), "id", "incentive"), "status",
		    sets(obj(), "code", isnan(o->quote) ? "OFFERED" :
		    "QUOTED")), "considerationAttributes", pa)));
	}
	if (o->participation[0]) {
		jv pa = attrs("DERParticipation");

		pa = sets(pa, "signature", o->participation);
		if (o->signed_at != INT64_MIN)
			pa = set(pa, "signedAt", time_str(o->signed_at));
		k = set(k, "participants", jv_array_append(jv_array(),
		    set(set(sets(obj(), "id", o->der_id), "descriptor",
		    sets(obj(), "code", "DER")), "participantAttributes", pa)));
	}
	if (action == FX_BA_STATUS || action == FX_BA_UPDATE || cb ||
	    !isnan(o->delivered_kwh)) {
		jv pf = sets(obj(), "id", "delivery"), pa;

		pf = set(pf, "status", sets(obj(), "code", o->progress));
		pf = set(pf, "commitmentIds", jv_array_append(jv_array(),
		    jv_string("activation")));
		pa = attrs("DemandFlexibilityPerformance");
		if (!isnan(o->delivered_kwh)) {
			pa = set(pa, "deliveredEnergy", jv_number(
			    o->delivered_kwh));
			pa = sets(pa, "deliveredEnergyUnit", "kWh");
		}
		pf = set(pf, "performanceAttributes", pa);
		if (action != FX_BA_SELECT && action != FX_BA_INIT)
			k = set(k, "performance", jv_array_append(jv_array(),
			    pf));
		else
			jv_free(pf);
	}
	k = set(k, "status", sets(obj(), "code",
	    fx_border_status_name(o->status)));
	return k;
}

static jv
v1_order(const fx_bctx *c, const fx_border *o)
{
	jv ord = obj(), item, ful, stops = jv_array(), list = jv_array();
	jv state;
	char b[64];

	if (o->order_id[0])
		ord = sets(ord, "id", o->order_id);
	/* v1.1 has no DRAFT order status: a draft carries none */
	if (o->status != FX_BORDER_DRAFT)
		ord = sets(ord, "status", fx_border_status_name(o->status));
	ord = set(ord, "provider", sets(obj(), "id", o->provider_id));
	item = sets(obj(), "id", o->der_id);
	if (!isnan(o->kw))
		item = set(item, "quantity", set(obj(), "selected",
		    set(obj(), "measure", set(sets(obj(), "unit", "kW"),
		    "value", dec_str(o->kw)))));
	if (!isnan(o->price_per_kwh))
		item = set(item, "price", set(sets(obj(), "currency",
		    o->currency), "value", dec_str(o->price_per_kwh)));
	item = set(item, "fulfillment_ids", jv_array_append(jv_array(),
	    jv_string("demand_response")));
	ord = set(ord, "items", jv_array_append(jv_array(), item));
	if (o->start != INT64_MIN)
		stops = jv_array_append(stops, set(sets(obj(), "type", "start"),
		    "time", set(obj(), "timestamp", time_str(o->start))));
	if (o->end != INT64_MIN)
		stops = jv_array_append(stops, set(sets(obj(), "type", "end"),
		    "time", set(obj(), "timestamp", time_str(o->end))));
	ful = set(sets(sets(obj(), "id", "demand_response"), "type",
	    "DEMAND_RESPONSE"), "stops", stops);
	state = set(obj(), "descriptor", sets(obj(), "code", o->progress));
	ful = set(ful, "state", state);
	if (!isnan(o->delivered_kwh)) {
		jv dl = jv_array();

		dl = tag(dl, "delivered_kwh", dec_str(o->delivered_kwh));
		ful = set(ful, "tags", taggroup("delivery", dl));
	}
	ord = set(ord, "fulfillments", jv_array_append(jv_array(), ful));
	if (!isnan(o->quote))
		ord = set(ord, "quote", set(obj(), "price", set(sets(obj(),
		    "currency", o->currency), "value", dec_str(o->quote))));
	if (o->feeder_id[0])
		list = tag(list, "feeder_id", jv_string(o->feeder_id));
	if (o->event_id[0])
		list = tag(list, "event_id", jv_string(o->event_id));
	if (o->plan_id[0])
		list = tag(list, "plan_id", jv_string(o->plan_id));
	if (o->obp_id[0])
		list = tag(list, "obp_id", jv_string(o->obp_id));
	if (o->offer_id[0])
		list = tag(list, "offer_id", jv_string(o->offer_id));
	if (o->participation[0]) {
		list = tag(list, "der_participation", jv_string(
		    o->participation));
		if (o->signed_at != INT64_MIN) {
			fx_time_format(o->signed_at, b);
			list = tag(list, "der_signed_at", jv_string(b));
		}
	}
	if (o->reason[0])
		list = tag(list, "reason", jv_string(o->reason));
	return set(ord, "tags", taggroup("fluxeon", list));
}

jv
fx_bmsg_order(const fx_bctx *c, const fx_border *o)
{
	jv msg = obj();

	if (c->profile == FX_BECKN_V2)
		msg = set(msg, "contract", v2_contract(c, o));
	else if (c->action == FX_BA_STATUS)
		msg = sets(msg, "order_id", o->order_id);
	else if (c->action == FX_BA_CANCEL) {
		msg = sets(msg, "order_id", o->order_id);
		if (o->reason[0])
			msg = set(msg, "descriptor", sets(obj(), "name",
			    o->reason));
	} else {
		if (c->action == FX_BA_UPDATE)
			msg = sets(msg, "update_target", "order.fulfillments");
		msg = set(msg, "order", v1_order(c, o));
	}
	return set(set(obj(), "context", fx_bmsg_context(c)), "message", msg);
}

jv
fx_bmsg_ack(int profile, int ack, const char *code, const char *message,
    const char *counter_signature)
{
	jv o = obj();

	if (profile == FX_BECKN_V2) {
		o = sets(o, "status", ack ? "ACK" : "NACK");
		o = sets(o, "signature", counter_signature != NULL ?
		    counter_signature : "");
		if (!ack || (code != NULL && *code))
			o = set(o, "error", sets(sets(obj(), "errorCode",
			    code != NULL ? code : ""), "errorMessage",
			    message != NULL ? message : ""));
	} else {
		o = set(o, "message", set(obj(), "ack", sets(obj(), "status",
		    ack ? "ACK" : "NACK")));
		if (!ack || (code != NULL && *code))
			o = set(o, "error", sets(sets(obj(), "code",
			    code != NULL ? code : ""), "message",
			    message != NULL ? message : ""));
	}
	return o;
}

/* ---- reading ---- */

__attribute__((format(printf, 3, 4))) static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * v at a path of keys separated by '/', a number indexing an array: a
 * new reference, jv_null() when absent.
 */
static jv
at(jv v, const char *path)
{
	jv cur = jv_copy(v);
	char key[128];

	while (*path != '\0') {
		size_t n = strcspn(path, "/");

		if (n >= sizeof key) {
			jv_free(cur);
			return jv_null();
		}
		memcpy(key, path, n);
		key[n] = '\0';
		path += n + (path[n] == '/');
		if (jv_get_kind(cur) == JV_KIND_OBJECT)
			cur = jv_object_get(cur, jv_string(key));
		else if (jv_get_kind(cur) == JV_KIND_ARRAY && key[0] >= '0' &&
		    key[0] <= '9')
			cur = jv_array_get(cur, atoi(key));
		else {
			jv_free(cur);
			return jv_null();
		}
		if (!jv_is_valid(cur)) {
			jv_free(cur);
			return jv_null();
		}
	}
	return cur;
}

/* A string at path into out (size n): 1, 0 when absent, -1 when not a
 * string or too long. */
static int
str_at(jv v, const char *path, char *out, size_t n)
{
	jv s = at(v, path);
	int rc;

	if (jv_get_kind(s) == JV_KIND_NULL)
		rc = 0;
	else if (jv_get_kind(s) != JV_KIND_STRING ||
	    (size_t)jv_string_length_bytes(jv_copy(s)) >= n)
		rc = -1;
	else {
		memcpy(out, jv_string_value(s), (size_t)
		    jv_string_length_bytes(jv_copy(s)) + 1);
		rc = 1;
	}
	jv_free(s);
	return rc;
}

/* A number at path, or a numeric string (v1.1 DecimalValue): 1 and *out,
 * 0 absent, -1 otherwise. */
static int
num_at(jv v, const char *path, double *out)
{
	jv x = at(v, path);
	int rc = -1;

	if (jv_get_kind(x) == JV_KIND_NULL)
		rc = 0;
	else if (jv_get_kind(x) == JV_KIND_NUMBER) {
		*out = jv_number_value(x);
		rc = isfinite(*out) ? 1 : -1;
	} else if (jv_get_kind(x) == JV_KIND_STRING) {
		/* a DecimalValue: [+-]?([0-9]*[.])?[0-9]+, nothing else
		 * strtod would take (hex, exponents, inf, blanks) */
		const char *s = jv_string_value(x), *p = s;
		int digits = 0;

		if (*p == '+' || *p == '-')
			p++;
		for (; *p >= '0' && *p <= '9'; p++)
			digits++;
		if (*p == '.')
			for (p++, digits = 0; *p >= '0' && *p <= '9'; p++)
				digits++;
		if (*p == '\0' && digits > 0 && strlen(s) < 64) {
			*out = strtod(s, NULL);
			rc = isfinite(*out) ? 1 : -1;
		}
	}
	jv_free(x);
	return rc;
}

static int
time_at(jv v, const char *path, fx_time *out)
{
	char b[64];
	const char *why;
	int rc = str_at(v, path, b, sizeof b);

	if (rc != 1)
		return rc;
	return fx_time_parse_rfc3339(b, strlen(b), out, &why) == 0 ? 1 : -1;
}

static int
dur_at(jv v, const char *path, int64_t *out)
{
	char b[64];
	int rc = str_at(v, path, b, sizeof b);

	if (rc != 1)
		return rc;
	return fx_bmsg_parse_duration(b, out) == 0 ? 1 : -1;
}

/* The value of code in the v1.1 tag group group of tags (borrowed) into
 * out: 1, 0 when absent, -1 too long or not a string. */
static int
tag_at(jv tags, const char *group, const char *code, char *out, size_t n)
{
	int rc = 0;

	if (jv_get_kind(tags) != JV_KIND_ARRAY)
		return 0;
	jv_array_foreach(tags, i, g) {
		const char *gc;
		jv list;

		(void)i;
		gc = NULL;
		{
			jv d = at(g, "descriptor/code");

			if (jv_get_kind(d) == JV_KIND_STRING &&
			    strcmp(jv_string_value(d), group) == 0)
				gc = group;
			jv_free(d);
		}
		if (gc == NULL || rc != 0) {
			jv_free(g);
			continue;
		}
		list = at(g, "list");
		if (jv_get_kind(list) == JV_KIND_ARRAY)
			jv_array_foreach(list, j, t) {
				jv d = at(t, "descriptor/code");

				(void)j;
				if (rc == 0 && jv_get_kind(d) == JV_KIND_STRING &&
				    strcmp(jv_string_value(d), code) == 0)
					rc = str_at(t, "value", out, n);
				jv_free(d);
				jv_free(t);
			}
		jv_free(list);
		jv_free(g);
	}
	return rc;
}

int
fx_bmsg_read_context(jv msg, fx_bctx *c, char *err, size_t errlen)
{
	int v2 = c->profile == FX_BECKN_V2, profile = c->profile;
	char action[FX_BMSG_ID], ttl[32];
	jv ctx;
	int rc;

	memset(c, 0, sizeof *c);
	c->profile = profile;
	c->action = -1;
	if (jv_get_kind(msg) != JV_KIND_OBJECT)
		return bad(err, errlen, "/: not a JSON object");
	ctx = at(msg, "context");
	if (jv_get_kind(ctx) != JV_KIND_OBJECT) {
		jv_free(ctx);
		return bad(err, errlen, "/context: missing");
	}
#define REQ(key, field) do { \
		rc = str_at(ctx, key, c->field, sizeof c->field); \
		if (rc != 1) { \
			jv_free(ctx); \
			return bad(err, errlen, "/context/%s: %s", key, \
			    rc == 0 ? "missing" : "not a string of its size"); \
		} \
	} while (0)
#define OPT(key, field) do { \
		if (str_at(ctx, key, c->field, sizeof c->field) < 0) { \
			jv_free(ctx); \
			return bad(err, errlen, "/context/%s: not a string " \
			    "of its size", key); \
		} \
	} while (0)
	if (str_at(ctx, "action", action, sizeof action) != 1) {
		jv_free(ctx);
		return bad(err, errlen, "/context/action: missing or not a "
		    "string");
	}
	c->action = fx_bmsg_action(profile, action);
	if (c->action < 0) {
		jv_free(ctx);
		return bad(err, errlen, "/context/action: '%s' is not a %s "
		    "action FLUXEON takes", action, v2 ? "v2.0.0" : "v1.1");
	}
	OPT("domain", domain);
	REQ("version", version);
	if (v2 ? strcmp(c->version, "2.0.0") != 0 :
	    strncmp(c->version, "1.1.", 4) != 0) {
		jv_free(ctx);
		return bad(err, errlen, "/context/version: '%s' is not %s",
		    c->version, v2 ? "2.0.0" : "1.1.x");
	}
	REQ(v2 ? "bapId" : "bap_id", bap_id);
	REQ(v2 ? "bapUri" : "bap_uri", bap_uri);
	OPT(v2 ? "bppId" : "bpp_id", bpp_id);
	OPT(v2 ? "bppUri" : "bpp_uri", bpp_uri);
	REQ(v2 ? "transactionId" : "transaction_id", transaction_id);
	REQ(v2 ? "messageId" : "message_id", message_id);
	OPT("location/country/code", country);
	OPT("location/city/code", city);
#undef REQ
#undef OPT
	if (!is_uuid(c->transaction_id) || !is_uuid(c->message_id)) {
		jv_free(ctx);
		return bad(err, errlen, "/context/%s: not a uuid '%s'",
		    !is_uuid(c->transaction_id) ? (v2 ? "transactionId" :
		    "transaction_id") : (v2 ? "messageId" : "message_id"),
		    !is_uuid(c->transaction_id) ? c->transaction_id :
		    c->message_id);
	}
	if (!is_http(c->bap_uri) || (c->bpp_uri[0] && !is_http(c->bpp_uri))) {
		jv_free(ctx);
		return bad(err, errlen, "/context/%s: not an http(s) URL",
		    !is_http(c->bap_uri) ? (v2 ? "bapUri" : "bap_uri") :
		    (v2 ? "bppUri" : "bpp_uri"));
	}
	if (time_at(ctx, "timestamp", &c->timestamp) != 1) {
		jv_free(ctx);
		return bad(err, errlen, "/context/timestamp: missing or not "
		    "an RFC 3339 time");
	}
	rc = str_at(ctx, "ttl", ttl, sizeof ttl);
	if (rc < 0 || (rc == 1 && fx_bmsg_parse_duration(ttl, &c->ttl_ms))) {
		jv_free(ctx);
		return bad(err, errlen, "/context/ttl: not an ISO 8601 "
		    "duration");
	}
	jv_free(ctx);
	if (c->action >= FX_BA_ON_SEARCH && (!c->bpp_id[0] || !c->bpp_uri[0]))
		return bad(err, errlen, "/context/%s: missing in a callback",
		    !c->bpp_id[0] ? (v2 ? "bppId" : "bpp_id") :
		    (v2 ? "bppUri" : "bpp_uri"));
	return 0;
}

/* Finds 'YYYY...' after key in a filter expression. */
static int
expr_time(const char *expr, const char *key, fx_time *t)
{
	const char *p = strstr(expr, key), *q, *why;

	if (p == NULL || (p = strchr(p, '\'')) == NULL ||
	    (q = strchr(p + 1, '\'')) == NULL)
		return -1;
	return fx_time_parse_rfc3339(p + 1, (size_t)(q - p - 1), t, &why);
}

int
fx_bmsg_read_search(jv msg, const fx_bctx *c, fx_bintent *in, char *err,
    size_t errlen)
{
	memset(in, 0, sizeof *in);
	in->lat = in->lon = NAN;
	in->start = INT64_MIN;
	in->end = INT64_MIN;
	in->kw = NAN;
	if (c->profile == FX_BECKN_V2) {
		char expr[1024];
		double lon, lat;

		jv intent = at(msg, "message/intent");
		int kind = jv_get_kind(intent);

		jv_free(intent);
		if (kind != JV_KIND_OBJECT)
			return bad(err, errlen, "/message/intent: missing");
		if (str_at(msg, "message/intent/filters/expression", expr,
		    sizeof expr) == 1) {
			const char *f = strstr(expr, "feeders[*] == '"), *q;

			if (expr_time(expr, "availableFrom <=", &in->start) ||
			    expr_time(expr, "availableUntil >=", &in->end))
				in->start = in->end = INT64_MIN;
			if (f != NULL && (q = strchr(f + 15, '\'')) != NULL &&
			    (size_t)(q - f - 15) < sizeof in->feeder_id) {
				memcpy(in->feeder_id, f + 15, (size_t)(q - f - 15));
				in->feeder_id[q - f - 15] = '\0';
			}
		}
		if (num_at(msg, "message/intent/spatial/0/geometry/"
		    "coordinates/0", &lon) == 1 && num_at(msg,
		    "message/intent/spatial/0/geometry/coordinates/1", &lat)
		    == 1) {
			in->lat = lat;
			in->lon = lon;
		}
	} else {
		jv tags;
		char b[64];

		jv intent = at(msg, "message/intent");
		int kind = jv_get_kind(intent);

		jv_free(intent);
		if (kind != JV_KIND_OBJECT)
			return bad(err, errlen, "/message/intent: missing");
		if (time_at(msg, "message/intent/fulfillment/stops/0/time/"
		    "timestamp", &in->start) < 0 || time_at(msg,
		    "message/intent/fulfillment/stops/1/time/timestamp",
		    &in->end) < 0)
			return bad(err, errlen, "/message/intent/fulfillment/"
			    "stops: a time is not RFC 3339");
		if (num_at(msg, "message/intent/item/quantity/selected/"
		    "measure/value", &in->kw) < 0)
			return bad(err, errlen, "/message/intent/item/quantity: "
			    "not a number");
		if (str_at(msg, "message/intent/fulfillment/stops/0/location/"
		    "gps", b, sizeof b) == 1 &&
		    sscanf(b, "%lf,%lf", &in->lat, &in->lon) != 2)
			in->lat = in->lon = NAN;
		tags = at(msg, "message/intent/tags");
		tag_at(tags, "flex_request", "feeder_id", in->feeder_id,
		    sizeof in->feeder_id);
		jv_free(tags);
	}
	return 0;
}

/* One v2 resource and its offer into d. */
static int
read_v2_resource(jv res, jv offers, fx_boffer *d, char *where,
    char *err, size_t errlen)
{
	int64_t ms;

	if (str_at(res, "id", d->der_id, sizeof d->der_id) != 1)
		return bad(err, errlen, "%s/id: missing", where);
	str_at(res, "descriptor/name", d->name, sizeof d->name);
	if (str_at(res, "resourceAttributes/derType", d->type,
	    sizeof d->type) != 1 && str_at(res, "descriptor/code", d->type,
	    sizeof d->type) != 1)
		snprintf(d->type, sizeof d->type, "other");
	if (num_at(res, "resourceAttributes/loadCapacity/currentAvailable",
	    &d->capacity_kw) != 1 && num_at(res, "resourceAttributes/"
	    "loadCapacity/max", &d->capacity_kw) != 1)
		return bad(err, errlen, "%s/resourceAttributes/loadCapacity: "
		    "no kW available", where);
	if (num_at(res, "resourceAttributes/loadCapacity/min", &d->min_kw) < 0)
		return bad(err, errlen, "%s/resourceAttributes/loadCapacity/"
		    "min: not a number", where);
	if (dur_at(res, "resourceAttributes/responseTime", &ms) == 1)
		d->response_ms = ms;
	if (time_at(res, "resourceAttributes/availabilityParameters/"
	    "availableFrom", &d->avail_from) != 1 || time_at(res,
	    "resourceAttributes/availabilityParameters/availableUntil",
	    &d->avail_until) != 1)
		return bad(err, errlen, "%s/resourceAttributes/"
		    "availabilityParameters: no availability window", where);
	if (dur_at(res, "resourceAttributes/availabilityParameters/"
	    "maxDuration", &ms) == 1)
		d->max_duration_ms = ms;
	{
		double m;

		if (num_at(res, "resourceAttributes/availabilityParameters/"
		    "operationalConstraints/maxEventsPerDay", &m) == 1)
			d->max_per_day = m >= 0 && m <= 1e6 ? (int)m : 0;
	}
	if (dur_at(res, "resourceAttributes/availabilityParameters/"
	    "operationalConstraints/minDuration", &ms) == 1)
		d->min_duration_ms = ms;
	if (num_at(res, "resourceAttributes/reliability", &d->reliability) !=
	    1)
		d->reliability = 1;
	if (!(d->reliability > 0 && d->reliability <= 1))
		return bad(err, errlen, "%s/resourceAttributes/reliability: "
		    "not in (0, 1]", where);
	str_at(res, "resourceAttributes/derPublicKey", d->der_pubkey,
	    sizeof d->der_pubkey);
	{
		jv fl = at(res, "resourceAttributes/feeders");
		size_t used = 0;

		if (jv_get_kind(fl) == JV_KIND_ARRAY)
			jv_array_foreach(fl, i, f) {
				if (jv_get_kind(f) == JV_KIND_STRING) {
					const char *t = jv_string_value(f);
					size_t n = strlen(t);

					if (used + n + 2 <= sizeof d->feeders &&
					    strchr(t, ',') == NULL) {
						if (used)
							d->feeders[used++] = ',';
						memcpy(d->feeders + used, t, n + 1);
						used += n;
					}
				}
				(void)i;
				jv_free(f);
			}
		jv_free(fl);
	}
	/* its offer: the first naming it */
	d->price_per_kwh = NAN;
	if (jv_get_kind(offers) == JV_KIND_ARRAY)
		jv_array_foreach(offers, i, o) {
			jv ids = at(o, "resourceIds");

			(void)i;
			if (isnan(d->price_per_kwh) &&
			    jv_get_kind(ids) == JV_KIND_ARRAY)
				jv_array_foreach(ids, j, id) {
					(void)j;
					if (jv_get_kind(id) == JV_KIND_STRING &&
					    strcmp(jv_string_value(id),
					    d->der_id) == 0 &&
					    isnan(d->price_per_kwh)) {
						str_at(o, "id", d->offer_id,
						    sizeof d->offer_id);
						if (num_at(o, "considerations/0/"
						    "considerationAttributes/"
						    "incentiveDetails/rate",
						    &d->price_per_kwh) != 1)
							d->price_per_kwh = 0;
						str_at(o, "considerations/0/"
						    "considerationAttributes/"
						    "incentiveDetails/currency",
						    d->currency,
						    sizeof d->currency);
					}
					jv_free(id);
				}
			jv_free(ids);
			jv_free(o);
		}
	if (isnan(d->price_per_kwh))
		return bad(err, errlen, "%s: no offer names it", where);
	return 0;
}

static int
read_v1_item(jv it, const char *provider, fx_boffer *d, char *where,
    char *err, size_t errlen)
{
	jv tags = at(it, "tags");
	char b[64];
	int64_t ms;
	double v;

	snprintf(d->provider_id, sizeof d->provider_id, "%s", provider);
	if (str_at(it, "id", d->der_id, sizeof d->der_id) != 1) {
		jv_free(tags);
		return bad(err, errlen, "%s/id: missing", where);
	}
	str_at(it, "descriptor/name", d->name, sizeof d->name);
	if (tag_at(tags, "der", "der_type", d->type, sizeof d->type) != 1 &&
	    str_at(it, "descriptor/code", d->type, sizeof d->type) != 1)
		snprintf(d->type, sizeof d->type, "other");
	if (num_at(it, "quantity/available/measure/value", &d->capacity_kw) !=
	    1) {
		jv_free(tags);
		return bad(err, errlen, "%s/quantity/available: no kW", where);
	}
	if (num_at(it, "quantity/minimum/measure/value", &d->min_kw) < 0)
		d->min_kw = 0;
	if (num_at(it, "price/value", &d->price_per_kwh) != 1)
		d->price_per_kwh = 0;
	str_at(it, "price/currency", d->currency, sizeof d->currency);
	if (time_at(it, "time/range/start", &d->avail_from) != 1 ||
	    time_at(it, "time/range/end", &d->avail_until) != 1) {
		jv_free(tags);
		return bad(err, errlen, "%s/time/range: no availability "
		    "window", where);
	}
	if (tag_at(tags, "der", "response_time_s", b, sizeof b) == 1 &&
	    (v = atof(b)) >= 0 && v <= 1e9)
		d->response_ms = (int64_t)(v * 1000);
	if (tag_at(tags, "der", "max_duration", b, sizeof b) == 1 &&
	    fx_bmsg_parse_duration(b, &ms) == 0)
		d->max_duration_ms = ms;
	if (tag_at(tags, "der", "max_events_per_day", b, sizeof b) == 1 &&
	    (v = atof(b)) >= 0 && v <= 1e6)
		d->max_per_day = (int)v;
	if (tag_at(tags, "der", "min_duration", b, sizeof b) == 1 &&
	    fx_bmsg_parse_duration(b, &ms) == 0)
		d->min_duration_ms = ms;
	d->reliability = 1;
	if (tag_at(tags, "der", "reliability", b, sizeof b) == 1 &&
	    (v = atof(b)) >= 0 && v <= 1)
		d->reliability = v;
	tag_at(tags, "der", "der_public_key", d->der_pubkey,
	    sizeof d->der_pubkey);
	tag_at(tags, "der", "offer_id", d->offer_id, sizeof d->offer_id);
	tag_at(tags, "der", "feeders", d->feeders, sizeof d->feeders);
	jv_free(tags);
	return 0;
}

int
fx_bmsg_read_on_search(jv msg, const fx_bctx *c, fx_boffer **offers,
    int *n, char *err, size_t errlen)
{
	fx_boffer *out = NULL;
	int cnt = 0, cap = 0, rc = 0;
	char where[128];

	*offers = NULL;
	*n = 0;
	if (c->profile == FX_BECKN_V2) {
		jv cats = at(msg, "message/catalogs");

		if (jv_get_kind(cats) != JV_KIND_ARRAY) {
			jv_free(cats);
			return bad(err, errlen, "/message/catalogs: missing");
		}
		jv_array_foreach(cats, ci, cat) {
			jv res = at(cat, "resources"), offs = at(cat, "offers");
			char prov[FX_BMSG_ID] = "";

			if (str_at(cat, "provider/id", prov, sizeof prov) != 1)
				str_at(cat, "id", prov, sizeof prov);
			if (jv_get_kind(res) == JV_KIND_ARRAY)
				jv_array_foreach(res, ri, r) {
					if (rc == 0) {
						if (cnt == cap) {
							cap = cap ? 2 * cap : 16;
							out = fx_xrealloc(out,
							    (unsigned long)cap *
							    sizeof *out);
						}
						memset(&out[cnt], 0, sizeof *out);
						snprintf(out[cnt].provider_id,
						    sizeof out[cnt].provider_id,
						    "%s", prov);
						snprintf(where, sizeof where,
						    "/message/catalogs/%d/"
						    "resources/%d", ci, ri);
						rc = read_v2_resource(r, offs,
						    &out[cnt], where, err,
						    errlen);
						cnt++;
					}
					jv_free(r);
				}
			jv_free(res);
			jv_free(offs);
			jv_free(cat);
		}
		jv_free(cats);
	} else {
		jv provs = at(msg, "message/catalog/providers");

		if (jv_get_kind(provs) != JV_KIND_ARRAY) {
			jv_free(provs);
			return bad(err, errlen, "/message/catalog/providers: "
			    "missing");
		}
		jv_array_foreach(provs, pi, p) {
			jv items = at(p, "items");
			char prov[FX_BMSG_ID] = "";

			str_at(p, "id", prov, sizeof prov);
			if (jv_get_kind(items) == JV_KIND_ARRAY)
				jv_array_foreach(items, ii, it) {
					if (rc == 0) {
						if (cnt == cap) {
							cap = cap ? 2 * cap : 16;
							out = fx_xrealloc(out,
							    (unsigned long)cap *
							    sizeof *out);
						}
						memset(&out[cnt], 0, sizeof *out);
						snprintf(where, sizeof where,
						    "/message/catalog/providers/"
						    "%d/items/%d", pi, ii);
						rc = read_v1_item(it, prov,
						    &out[cnt], where, err,
						    errlen);
						cnt++;
					}
					jv_free(it);
				}
			jv_free(items);
			jv_free(p);
		}
		jv_free(provs);
	}
	if (rc != 0) {
		free(out);
		return -1;
	}
	*offers = out;
	*n = cnt;
	return 0;
}

static int
status_of(const char *s)
{
	int i;

	for (i = 0; i <= FX_BORDER_CANCELLED; i++)
		if (strcmp(s, fx_border_status_name(i)) == 0)
			return i;
	return -1;
}

/* A too long or mistyped optional field: frees the object being read
 * (unless it is the message) and says which. */
static int
order_bad(jv held, char *err, size_t errlen, const char *path)
{
	jv_free(held);
	return bad(err, errlen, "%s: not a string, or too long", path);
}

int
fx_bmsg_read_order(jv msg, const fx_bctx *c, fx_border *o, char *err,
    size_t errlen)
{
	char b[64];
	int rc;

	fx_border_init(o);
	if (c->profile == FX_BECKN_V2) {
		jv k = at(msg, "message/contract");
		int64_t ms;

		if (jv_get_kind(k) != JV_KIND_OBJECT) {
			jv_free(k);
			return bad(err, errlen, "/message/contract: missing");
		}
		if (str_at(k, "id", o->order_id, sizeof o->order_id) < 0)
			return order_bad(k, err, errlen, "id");
		if (o->order_id[0] && !is_uuid(o->order_id)) {
			jv_free(k);
			return bad(err, errlen, "/message/contract/id: not a "
			    "uuid");
		}
		if (str_at(k, "commitments/0/resources/0/id", o->der_id,
		    sizeof o->der_id) != 1) {
			jv_free(k);
			return bad(err, errlen, "/message/contract/commitments/"
			    "0/resources/0/id: missing");
		}
		if (str_at(k, "commitments/0/offer/id", o->offer_id, sizeof o->offer_id) < 0)
			return order_bad(k, err, errlen, "commitments/0/offer/id");
		num_at(k, "commitments/0/resources/0/quantity/value", &o->kw);
		num_at(k, "commitments/0/commitmentAttributes/"
		    "requestedReduction", &o->kw);
		if (time_at(k, "commitments/0/commitmentAttributes/"
		    "activationTime", &o->start) == 1 && dur_at(k,
		    "commitments/0/commitmentAttributes/duration", &ms) == 1)
			o->end = o->start + ms;
		if (str_at(k, "commitments/0/commitmentAttributes/eventDetails/"
		    "eventId", o->event_id, sizeof o->event_id) < 0)
			return order_bad(k, err, errlen, "commitments/0/commitmentAttributes/eventDetails/"
		    "eventId");
		if (str_at(k, "commitments/0/commitmentAttributes/eventDetails/"
		    "feederId", o->feeder_id, sizeof o->feeder_id) < 0)
			return order_bad(k, err, errlen, "commitments/0/commitmentAttributes/eventDetails/"
		    "feederId");
		if (str_at(k, "commitments/0/commitmentAttributes/eventDetails/"
		    "planId", o->plan_id, sizeof o->plan_id) < 0)
			return order_bad(k, err, errlen, "commitments/0/commitmentAttributes/eventDetails/"
		    "planId");
		if (str_at(k, "commitments/0/commitmentAttributes/eventDetails/"
		    "obpId", o->obp_id, sizeof o->obp_id) < 0)
			return order_bad(k, err, errlen, "commitments/0/commitmentAttributes/eventDetails/"
		    "obpId");
		num_at(k, "consideration/0/considerationAttributes/"
		    "incentiveDetails/rate", &o->price_per_kwh);
		if (str_at(k, "consideration/0/considerationAttributes/"
		    "incentiveDetails/currency", o->currency, sizeof o->currency) < 0)
			return order_bad(k, err, errlen, "consideration/0/considerationAttributes/"
		    "incentiveDetails/currency");
		num_at(k, "consideration/0/considerationAttributes/total",
		    &o->quote);
		if (str_at(k, "participants/0/participantAttributes/signature",
		    o->participation, sizeof o->participation) < 0)
			return order_bad(k, err, errlen, "/message/contract/"
			    "participants/0/participantAttributes/signature");
		if (str_at(k, "descriptor/shortDesc", o->reason,
		    sizeof o->reason) < 0)
			return order_bad(k, err, errlen, "/message/contract/"
			    "descriptor/shortDesc");
		time_at(k, "participants/0/participantAttributes/signedAt",
		    &o->signed_at);
		if (str_at(k, "performance/0/status/code", o->progress, sizeof o->progress) < 0)
			return order_bad(k, err, errlen, "performance/0/status/code");
		num_at(k, "performance/0/performanceAttributes/"
		    "deliveredEnergy", &o->delivered_kwh);
		rc = str_at(k, "status/code", b, sizeof b);
		if (rc == 1 && (o->status = status_of(b)) < 0) {
			jv_free(k);
			return bad(err, errlen, "/message/contract/status/code: "
			    "'%s' is not DRAFT, ACTIVE, COMPLETE or "
			    "CANCELLED", b);
		}
		if (rc != 1)
			o->status = FX_BORDER_DRAFT;
		jv_free(k);
		return 0;
	}
	if (c->action == FX_BA_STATUS || c->action == FX_BA_CANCEL) {
		if (str_at(msg, "message/order_id", o->order_id,
		    sizeof o->order_id) != 1)
			return bad(err, errlen, "/message/order_id: missing");
		if (str_at(msg, "message/descriptor/name", o->reason, sizeof o->reason) < 0)
			return order_bad(jv_null(), err, errlen, "message/descriptor/name");
		return 0;
	}
	{
		jv ord = at(msg, "message/order"), tags;

		if (jv_get_kind(ord) != JV_KIND_OBJECT) {
			jv_free(ord);
			return bad(err, errlen, "/message/order: missing");
		}
		if (str_at(ord, "id", o->order_id, sizeof o->order_id) < 0)
			return order_bad(ord, err, errlen, "id");
		if (str_at(ord, "provider/id", o->provider_id, sizeof o->provider_id) < 0)
			return order_bad(ord, err, errlen, "provider/id");
		if (str_at(ord, "items/0/id", o->der_id, sizeof o->der_id) !=
		    1) {
			jv_free(ord);
			return bad(err, errlen, "/message/order/items/0/id: "
			    "missing");
		}
		if (num_at(ord, "items/0/quantity/selected/measure/value",
		    &o->kw) < 0) {
			jv_free(ord);
			return bad(err, errlen, "/message/order/items/0/"
			    "quantity: not a number");
		}
		num_at(ord, "items/0/price/value", &o->price_per_kwh);
		if (str_at(ord, "items/0/price/currency", o->currency, sizeof o->currency) < 0)
			return order_bad(ord, err, errlen, "items/0/price/currency");
		time_at(ord, "fulfillments/0/stops/0/time/timestamp", &o->start);
		time_at(ord, "fulfillments/0/stops/1/time/timestamp", &o->end);
		if (str_at(ord, "fulfillments/0/state/descriptor/code", o->progress, sizeof o->progress) < 0)
			return order_bad(ord, err, errlen, "fulfillments/0/state/descriptor/code");
		num_at(ord, "quote/price/value", &o->quote);
		if (!o->currency[0])
			if (str_at(ord, "quote/price/currency", o->currency, sizeof o->currency) < 0)
				return order_bad(ord, err, errlen, "quote/price/currency");
		tags = at(ord, "fulfillments/0/tags");
		if (tag_at(tags, "delivery", "delivered_kwh", b, sizeof b) == 1)
			o->delivered_kwh = atof(b);
		jv_free(tags);
		tags = at(ord, "tags");
		{
			static const char *const code[] = { "feeder_id",
			    "event_id", "plan_id", "obp_id", "offer_id",
			    "der_participation", "reason" };
			char *dst[7];
			size_t sz[7], i;

			dst[0] = o->feeder_id; sz[0] = sizeof o->feeder_id;
			dst[1] = o->event_id; sz[1] = sizeof o->event_id;
			dst[2] = o->plan_id; sz[2] = sizeof o->plan_id;
			dst[3] = o->obp_id; sz[3] = sizeof o->obp_id;
			dst[4] = o->offer_id; sz[4] = sizeof o->offer_id;
			dst[5] = o->participation; sz[5] = sizeof o->participation;
			dst[6] = o->reason; sz[6] = sizeof o->reason;
			for (i = 0; i < 7; i++)
				if (tag_at(tags, "fluxeon", code[i], dst[i], sz[i]) <
				    0) {
					jv_free(tags);
					jv_free(ord);
					return bad(err, errlen, "/message/order/tags: "
					    "fluxeon %s: not a string, or too long",
					    code[i]);
				}
		}
		if (tag_at(tags, "fluxeon", "der_signed_at", b, sizeof b) == 1) {
			const char *why;

			if (fx_time_parse_rfc3339(b, strlen(b), &o->signed_at,
			    &why) != 0)
				o->signed_at = INT64_MIN;
		}
		jv_free(tags);
		rc = str_at(ord, "status", b, sizeof b);
		if (rc == 1 && (o->status = status_of(b)) < 0) {
			jv_free(ord);
			return bad(err, errlen, "/message/order/status: '%s' is "
			    "not DRAFT, ACTIVE, COMPLETE or CANCELLED", b);
		}
		if (rc != 1)
			o->status = FX_BORDER_DRAFT;
		jv_free(ord);
	}
	return 0;
}

int
fx_bmsg_read_ack(jv body, int profile, int *ack, char *code,
    size_t codelen, char *message, size_t msglen, char *err, size_t errlen)
{
	char st[16];

	code[0] = message[0] = '\0';
	if (jv_get_kind(body) != JV_KIND_OBJECT)
		return bad(err, errlen, "answer: not a JSON object");
	if (str_at(body, profile == FX_BECKN_V2 ? "status" :
	    "message/ack/status", st, sizeof st) != 1 ||
	    (strcmp(st, "ACK") != 0 && strcmp(st, "NACK") != 0))
		return bad(err, errlen, "answer: no ACK or NACK status");
	*ack = strcmp(st, "ACK") == 0;
	str_at(body, profile == FX_BECKN_V2 ? "error/errorCode" : "error/code",
	    code, codelen);
	str_at(body, profile == FX_BECKN_V2 ? "error/errorMessage" :
	    "error/message", message, msglen);
	return 0;
}
