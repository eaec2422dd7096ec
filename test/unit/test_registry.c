/*
 * test_registry - Beckn subscribers from a file: what is required and
 * checked, which key is trusted when, and the lookup-shaped entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jq.h>

#include "tap.h"
#include "bmsg.h"
#include "registry.h"

#define KEY "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static const char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof path, "/tmp/test_registry.%d.json", (int)getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

int
main(void)
{
	fx_registry *r = fx_registry_new();
	const fx_subscriber *s;
	char err[512], why[256];
	const char *p;
	jv e;

	p = write_tmp("{\"subscribers\":["
	    "{\"subscriber_id\":\"bpp.a\",\"url\":\"http://127.0.0.1:9001/beckn\","
	    "\"type\":\"BPP\",\"key_id\":\"k1\",\"signing_public_key\":\"" KEY "\","
	    "\"valid_from\":\"2025-01-01T00:00:00Z\",\"valid_until\":\"2026-01-01T00:00:00Z\"},"
	    "{\"subscriber_id\":\"bpp.a\",\"url\":\"http://127.0.0.1:9001/beckn\","
	    "\"type\":\"BPP\",\"key_id\":\"k2\",\"signing_public_key\":\"" KEY "\","
	    "\"status\":\"EXPIRED\"},"
	    "{\"subscriber_id\":\"bpp.b\",\"url\":\"https://b.example/beckn\","
	    "\"type\":\"BPP\",\"key_id\":\"k1\",\"signing_public_key\":\"" KEY "\","
	    "\"beckn_version\":\"1.1.0\",\"domain\":\"flexibility\"}]}");
	ok(fx_registry_load(r, p, err, sizeof err) == 0 &&
	    fx_registry_count(r) == 3, "a file of three subscriptions (%s)",
	    err);
	ok((s = fx_registry_key(r, "bpp.a", "k1", 1750000000000LL, why,
	    sizeof why)) != NULL && s->profile == FX_BECKN_V2,
	    "bpp.a k1 trusted in 2025, v2 by default");
	ok(fx_registry_key(r, "bpp.a", "k1", 1700000000000LL, why, sizeof why)
	    == NULL && strstr(why, "not valid until 2025-01-01T00:00:00Z"),
	    "not before valid_from (%s)", why);
	ok(fx_registry_key(r, "bpp.a", "k1", 1800000000000LL, why, sizeof why)
	    == NULL && strstr(why, "expired at 2026-01-01T00:00:00Z"),
	    "not after valid_until (%s)", why);
	ok(fx_registry_key(r, "bpp.a", "k2", 1750000000000LL, why, sizeof why)
	    == NULL && strstr(why, "status EXPIRED"), "not when not "
	    "SUBSCRIBED (%s)", why);
	ok(fx_registry_key(r, "bpp.a", "k9", 1750000000000LL, why, sizeof why)
	    == NULL && strstr(why, "unknown key id"), "unknown key (%s)", why);
	ok(fx_registry_key(r, "bpp.z", "k1", 1750000000000LL, why, sizeof why)
	    == NULL && strstr(why, "unknown subscriber"), "unknown "
	    "subscriber (%s)", why);
	ok((s = fx_registry_find(r, "bpp.b")) != NULL &&
	    s->profile == FX_BECKN_V1 && strcmp(s->domain, "flexibility") == 0,
	    "bpp.b speaks v1.1");
	e = fx_registry_entry_json(s);
	{
		jv v = jv_object_get(jv_copy(e), jv_string("beckn_version"));

		ok(strcmp(jv_string_value(v), "1.1.0") == 0, "entry as JSON");
		jv_free(v);
	}
	{
		fx_registry *r2 = fx_registry_new();

		ok(fx_registry_add(r2, e, err, sizeof err) == 0 &&
		    fx_registry_count(r2) == 1 &&
		    strcmp(fx_registry_at(r2, 0)->url, s->url) == 0,
		    "the JSON entry adds back");
		fx_registry_free(r2);
	}
	jv_free(e);

	/* bad entries: the file is refused whole, naming the entry */
	{
		static const char *const bad[] = {
			"[{\"url\":\"http://x\",\"type\":\"BPP\",\"key_id\":\"k\",\"signing_public_key\":\"" KEY "\"}]",
			"[{\"subscriber_id\":\"a\",\"url\":\"ftp://x\",\"type\":\"BPP\",\"key_id\":\"k\",\"signing_public_key\":\"" KEY "\"}]",
			"[{\"subscriber_id\":\"a\",\"url\":\"http://x\",\"type\":\"SELLER\",\"key_id\":\"k\",\"signing_public_key\":\"" KEY "\"}]",
			"[{\"subscriber_id\":\"a\",\"url\":\"http://x\",\"type\":\"BPP\",\"key_id\":\"k\",\"signing_public_key\":\"c2hvcnQ=\"}]",
			"[{\"subscriber_id\":\"a|b\",\"url\":\"http://x\",\"type\":\"BPP\",\"key_id\":\"k\",\"signing_public_key\":\"" KEY "\"}]",
			"[{\"subscriber_id\":\"a\",\"url\":\"http://x\",\"type\":\"BPP\",\"key_id\":\"k\",\"signing_public_key\":\"" KEY "\",\"valid_until\":\"soon\"}]",
			"[{\"subscriber_id\":\"a\",\"url\":\"http://x\",\"type\":\"BPP\",\"key_id\":\"k\",\"signing_public_key\":\"" KEY "\",\"beckn_version\":\"0.9\"}]",
			"{\"subs\":[]}",
			"[1]",
		};
		static const char *const want[] = { "[0]: subscriber_id: missing",
		    "(subscriber_id a): url: not http(s)", "type: 'SELLER'",
		    "signing_public_key: not the base64", "may not hold '|'",
		    "valid_until:", "beckn_version: '0.9'",
		    "want an array of subscribers", "[0]: not a JSON object" };
		size_t i;

		for (i = 0; i < sizeof bad / sizeof *bad; i++) {
			fx_registry *r3 = fx_registry_new();

			p = write_tmp(bad[i]);
			ok(fx_registry_load(r3, p, err, sizeof err) == -1 &&
			    strstr(err, want[i]) != NULL &&
			    fx_registry_count(r3) == 0, "refused: %s (%s)",
			    want[i], err);
			fx_registry_free(r3);
		}
	}
	unlink(p);
	fx_registry_free(r);
	return done();
}
