/* registry.c - see registry.h */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "bmsg.h"
#include "err.h"
#include "json.h"
#include "registry.h"

struct fx_registry {
	fx_subscriber *s;
	int n, cap;
};

fx_registry *
fx_registry_new(void)
{
	return fx_xcalloc(1, sizeof(fx_registry));
}

void
fx_registry_free(fx_registry *r)
{
	if (r == NULL)
		return;
	free(r->s);
	free(r);
}

__attribute__((format(printf, 3, 4))) static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* obj[key] as a string into out: 1, 0 when absent, -1 wrong or long. */
static int
field(jv o, const char *key, char *out, size_t n)
{
	jv v = fx_json_get(o, key);
	int rc;

	if (jv_get_kind(v) == JV_KIND_NULL)
		rc = 0;
	else if (jv_get_kind(v) != JV_KIND_STRING ||
	    (size_t)jv_string_length_bytes(jv_copy(v)) >= n)
		rc = -1;
	else {
		snprintf(out, n, "%s", jv_string_value(v));
		rc = strlen(out) == (size_t)jv_string_length_bytes(jv_copy(v)) ?
		    1 : -1;
	}
	jv_free(v);
	return rc;
}

static int
parse(jv o, fx_subscriber *s, char *err, size_t errlen)
{
	static const char *const req[] = { "subscriber_id", "url", "type",
	    "key_id", "signing_public_key" };
	char *dst[5];
	size_t sz[5];
	char t[64], ver[16];
	uint8_t key[40];
	size_t klen, i;
	const char *why;

	memset(s, 0, sizeof *s);
	dst[0] = s->subscriber_id; sz[0] = sizeof s->subscriber_id;
	dst[1] = s->url; sz[1] = sizeof s->url;
	dst[2] = s->type; sz[2] = sizeof s->type;
	dst[3] = s->key_id; sz[3] = sizeof s->key_id;
	dst[4] = s->signing_public_key; sz[4] = sizeof s->signing_public_key;
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return bad(err, errlen, "not a JSON object");
	for (i = 0; i < 5; i++) {
		int rc = field(o, req[i], dst[i], sz[i]);

		if (rc != 1)
			return bad(err, errlen, "%s: %s", req[i], rc == 0 ?
			    "missing" : "not a string of its size");
		if (dst[i][0] == '\0')
			return bad(err, errlen, "%s: empty", req[i]);
	}
	if (strchr(s->subscriber_id, '|') || strchr(s->key_id, '|') ||
	    strchr(s->subscriber_id, '"') || strchr(s->key_id, '"'))
		return bad(err, errlen, "subscriber_id and key_id may not hold "
		    "'|' or '\"'");
	if (strncmp(s->url, "http://", 7) != 0 &&
	    strncmp(s->url, "https://", 8) != 0)
		return bad(err, errlen, "url: not http(s) '%s'", s->url);
	if (strcmp(s->type, "BAP") != 0 && strcmp(s->type, "BPP") != 0 &&
	    strcmp(s->type, "BG") != 0)
		return bad(err, errlen, "type: '%s' is not BAP, BPP or BG",
		    s->type);
	if (fx_b64_decode(s->signing_public_key,
	    strlen(s->signing_public_key), key, sizeof key, &klen) != 0 ||
	    klen != 32)
		return bad(err, errlen, "signing_public_key: not the base64 "
		    "of a 32-byte Ed25519 key");
	if (field(o, "domain", s->domain, sizeof s->domain) < 0)
		return bad(err, errlen, "domain: not a string");
	s->valid_from = INT64_MIN;
	s->valid_until = INT64_MAX;
	if (field(o, "valid_from", t, sizeof t) == 1 &&
	    fx_time_parse_rfc3339(t, strlen(t), &s->valid_from, &why) != 0)
		return bad(err, errlen, "valid_from: %s", why);
	if (field(o, "valid_until", t, sizeof t) == 1 &&
	    fx_time_parse_rfc3339(t, strlen(t), &s->valid_until, &why) != 0)
		return bad(err, errlen, "valid_until: %s", why);
	if (s->valid_from != INT64_MIN && s->valid_until != INT64_MAX &&
	    s->valid_from > s->valid_until)
		return bad(err, errlen, "valid_from is after valid_until");
	switch (field(o, "status", s->status, sizeof s->status)) {
	case 0: strcpy(s->status, "SUBSCRIBED"); break;
	case -1: return bad(err, errlen, "status: not a string");
	}
	s->profile = FX_BECKN_V2;
	switch (field(o, "beckn_version", ver, sizeof ver)) {
	case 1:
		if ((s->profile = fx_bmsg_profile(ver)) < 0)
			return bad(err, errlen, "beckn_version: '%s' is not "
			    "2.0.0 or 1.1.0", ver);
		break;
	case -1: return bad(err, errlen, "beckn_version: not a string");
	}
	return 0;
}

static void
put(fx_registry *r, const fx_subscriber *s)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->s[i].subscriber_id, s->subscriber_id) == 0 &&
		    strcmp(r->s[i].key_id, s->key_id) == 0) {
			r->s[i] = *s;
			return;
		}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->s = fx_xrealloc(r->s, (unsigned long)r->cap * sizeof *r->s);
	}
	r->s[r->n++] = *s;
}

int
fx_registry_add(fx_registry *r, jv sub, char *err, size_t errlen)
{
	fx_subscriber s;

	if (parse(sub, &s, err, errlen) != 0)
		return -1;
	put(r, &s);
	return 0;
}

int
fx_registry_load(fx_registry *r, const char *path, char *err, size_t errlen)
{
	jv doc = fx_json_load(path, err, errlen), list;
	fx_subscriber *tmp = NULL;
	int n = 0, rc = 0, i;
	char why[256];

	if (!jv_is_valid(doc)) {
		jv_free(doc);
		return -1;
	}
	list = jv_get_kind(doc) == JV_KIND_OBJECT ?
	    fx_json_get(doc, "subscribers") : jv_copy(doc);
	if (jv_get_kind(list) != JV_KIND_ARRAY) {
		jv_free(list);
		jv_free(doc);
		return bad(err, errlen, "%s: want an array of subscribers, or "
		    "{\"subscribers\": [...]}", path);
	}
	tmp = fx_xcalloc((size_t)jv_array_length(jv_copy(list)) + 1,
	    sizeof *tmp);
	jv_array_foreach(list, k, e) {
		if (rc == 0 && parse(e, &tmp[n], why, sizeof why) != 0) {
			const char *id = fx_json_str(e, "subscriber_id");

			rc = bad(err, errlen, "%s: [%d]%s%s%s: %s", path, k,
			    id ? " (subscriber_id " : "", id ? id : "",
			    id ? ")" : "", why);
		}
		n++;
		jv_free(e);
	}
	if (rc == 0)
		for (i = 0; i < n; i++)
			put(r, &tmp[i]);
	free(tmp);
	jv_free(list);
	jv_free(doc);
	return rc;
}

const fx_subscriber *
fx_registry_key(const fx_registry *r, const char *subscriber_id,
    const char *key_id, fx_time now, char *why, size_t whylen)
{
	char t[FX_TIME_MAX_TEXT];
	int i, known = 0;

	for (i = 0; i < r->n; i++) {
		const fx_subscriber *s = &r->s[i];

		if (strcmp(s->subscriber_id, subscriber_id) != 0)
			continue;
		known = 1;
		if (strcmp(s->key_id, key_id) != 0)
			continue;
		if (strcmp(s->status, "SUBSCRIBED") != 0) {
			bad(why, whylen, "subscriber %s: status %s",
			    subscriber_id, s->status);
			return NULL;
		}
		if (now < s->valid_from) {
			fx_time_format(s->valid_from, t);
			bad(why, whylen, "key %s of %s: not valid until %s",
			    key_id, subscriber_id, t);
			return NULL;
		}
		if (now > s->valid_until) {
			fx_time_format(s->valid_until, t);
			bad(why, whylen, "key %s of %s: expired at %s", key_id,
			    subscriber_id, t);
			return NULL;
		}
		return s;
	}
	if (known)
		bad(why, whylen, "key %s of %s: unknown key id", key_id,
		    subscriber_id);
	else
		bad(why, whylen, "%s: unknown subscriber", subscriber_id);
	return NULL;
}

const fx_subscriber *
fx_registry_find(const fx_registry *r, const char *subscriber_id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->s[i].subscriber_id, subscriber_id) == 0)
			return &r->s[i];
	return NULL;
}

int
fx_registry_count(const fx_registry *r)
{
	return r->n;
}

const fx_subscriber *
fx_registry_at(const fx_registry *r, int i)
{
	return i >= 0 && i < r->n ? &r->s[i] : NULL;
}

jv
fx_registry_entry_json(const fx_subscriber *s)
{
	char t[FX_TIME_MAX_TEXT];
	jv o = jv_object();

	o = jv_object_set(o, jv_string("subscriber_id"),
	    jv_string(s->subscriber_id));
	o = jv_object_set(o, jv_string("url"), jv_string(s->url));
	o = jv_object_set(o, jv_string("type"), jv_string(s->type));
	if (s->domain[0])
		o = jv_object_set(o, jv_string("domain"), jv_string(s->domain));
	o = jv_object_set(o, jv_string("key_id"), jv_string(s->key_id));
	o = jv_object_set(o, jv_string("signing_public_key"),
	    jv_string(s->signing_public_key));
	if (s->valid_from != INT64_MIN) {
		fx_time_format(s->valid_from, t);
		o = jv_object_set(o, jv_string("valid_from"), jv_string(t));
	}
	if (s->valid_until != INT64_MAX) {
		fx_time_format(s->valid_until, t);
		o = jv_object_set(o, jv_string("valid_until"), jv_string(t));
	}
	o = jv_object_set(o, jv_string("status"), jv_string(s->status));
	o = jv_object_set(o, jv_string("beckn_version"), jv_string(
	    s->profile == FX_BECKN_V1 ? "1.1.0" : "2.0.0"));
	return o;
}
