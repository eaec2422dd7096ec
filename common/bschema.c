/* bschema.c - see bschema.h */
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bschema.h"
#include "json.h"

const char *
fx_bschema_dir(char *buf, size_t n)
{
	char exe[PATH_MAX - 64];
	const char *env = getenv("FX_SCHEMA_DIR");
	ssize_t len;
	char *slash;

	if (env != NULL && *env != '\0') {
		snprintf(buf, n, "%s", env);
		return buf;
	}
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return NULL;
	exe[len] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	snprintf(buf, n, "%s/../schemas/beckn", exe);
	if (access(buf, R_OK) == 0)
		return buf;
	snprintf(buf, n, "%s/../share/fluxeon/schemas/beckn", exe);
	if (access(buf, R_OK) == 0)
		return buf;
	return NULL;
}

static int
load_profile(fx_bschemas *s, const char *dir, int profile, const char *sub,
    char *err, size_t errlen)
{
	char path[PATH_MAX], why[512];
	fx_jschema_resource res = { NULL, jv_null() };
	int a;

	snprintf(path, sizeof path, "%s/%s/defs.json", dir, sub);
	if (access(path, R_OK) == 0) {
		res.doc = fx_json_load(path, err, errlen);
		if (!jv_is_valid(res.doc)) {
			jv_free(res.doc);
			return -1;
		}
	}
	for (a = 0; a < FX_BA_N; a++) {
		jv doc;

		snprintf(path, sizeof path, "%s/%s/%s.json", dir, sub,
		    fx_bmsg_action_name(profile, a));
		if (access(path, R_OK) != 0)
			continue;
		doc = fx_json_load(path, err, errlen);
		if (!jv_is_valid(doc)) {
			jv_free(doc);
			jv_free(res.doc);
			return -1;
		}
		s->s[profile][a] = jv_get_kind(res.doc) == JV_KIND_OBJECT ?
		    fx_jschema_new_with(doc, "", &res, 1, why, sizeof why) :
		    fx_jschema_new(doc, "", why, sizeof why);
		if (s->s[profile][a] == NULL) {
			snprintf(err, errlen, "%s: %s", path, why);
			jv_free(res.doc);
			return -1;
		}
		s->n++;
	}
	jv_free(res.doc);
	return 0;
}

int
fx_bschema_load(fx_bschemas *s, const char *dir, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	if (load_profile(s, dir, FX_BECKN_V2, "v2", err, errlen) != 0 ||
	    load_profile(s, dir, FX_BECKN_V1, "v1.1", err, errlen) != 0) {
		fx_bschema_free(s);
		return -1;
	}
	return s->n;
}

int
fx_bschema_check(const fx_bschemas *s, int profile, int action, jv msg,
    int *checked, char *why, size_t whylen)
{
	fx_jschema_error e;
	const fx_jschema *sch = profile >= 0 && profile < 3 && action >= 0 &&
	    action < FX_BA_N ? s->s[profile][action] : NULL;

	*checked = sch != NULL;
	if (sch == NULL || fx_jschema_validate(sch, msg, &e, 1) == 0)
		return 0;
	snprintf(why, whylen, "%s", e.message);
	return -1;
}

void
fx_bschema_free(fx_bschemas *s)
{
	int p, a;

	for (p = 0; p < 3; p++)
		for (a = 0; a < FX_BA_N; a++) {
			fx_jschema_free(s->s[p][a]);
			s->s[p][a] = NULL;
		}
	s->n = 0;
}
