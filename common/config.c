/* config.c - see config.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "json.h"

struct fx_config {
	char *path;
	jv root;
	jv defaults;
	jv feeders;	/* object: id -> entry */
	jv ids;		/* array of ids in file order */
};

static int
check_feeder(const char *path, const char *id, jv entry, jv defaults,
    char *err, size_t errlen)
{
	double lim = 1, a = 0.8, cr = 0.95;
	const char *what = id ? id : "defaults";

	if (jv_get_kind(entry) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "%s: feeder '%s': not an object", path,
		    what);
		return -1;
	}
	fx_json_num(defaults, "alert_ratio", &a);
	fx_json_num(defaults, "critical_ratio", &cr);
	/* Negated comparisons also refuse NaN (fx_json_parse rejects
	 * "nan", but libjq 1.6 alone would read it). */
	if (fx_json_num(entry, "limit_kw", &lim) < 0 || !(lim > 0)) {
		snprintf(err, errlen, "%s: feeder '%s': limit_kw must be a "
		    "number > 0", path, what);
		return -1;
	}
	if (fx_json_num(entry, "alert_ratio", &a) < 0 ||
	    fx_json_num(entry, "critical_ratio", &cr) < 0 || !(a > 0) ||
	    !(cr >= a)) {
		snprintf(err, errlen, "%s: feeder '%s': want numbers "
		    "0 < alert_ratio <= critical_ratio", path, what);
		return -1;
	}
	return 0;
}

fx_config *
fx_config_load(const char *path, char *err, size_t errlen)
{
	fx_config *c = fx_xcalloc(1, sizeof *c);
	jv fs;

	if (path == NULL) {
		path = getenv("FX_CONFIG");
		if (path != NULL && *path == '\0')
			path = NULL;
	}
	c->root = jv_object();
	c->feeders = jv_object();
	c->ids = jv_array();
	c->defaults = jv_object();
	c->path = fx_xstrdup(path ? path : "(defaults)");
	if (path == NULL)
		return c;
	jv_free(c->root);
	c->root = fx_json_load(path, err, errlen);
	if (!jv_is_valid(c->root)) {
		c->root = jv_object();
		goto fail;
	}
	if (jv_get_kind(c->root) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "%s: configuration must be a JSON object",
		    path);
		goto fail;
	}
	{
		jv d = fx_json_get(c->root, "defaults");

		if (jv_get_kind(d) == JV_KIND_OBJECT) {
			jv_free(c->defaults);
			c->defaults = d;
		} else if (jv_get_kind(d) != JV_KIND_NULL) {
			jv_free(d);
			snprintf(err, errlen, "%s: \"defaults\" must be an object",
			    path);
			goto fail;
		} else
			jv_free(d);
	}
	{
		jv none = jv_object();
		int rc = check_feeder(path, NULL, c->defaults, none, err,
		    errlen);

		jv_free(none);
		if (rc)
			goto fail;
	}
	fs = fx_json_get(c->root, "feeders");
	if (jv_get_kind(fs) == JV_KIND_ARRAY) {
		int i, n = jv_array_length(jv_copy(fs));

		for (i = 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(fs), i);
			const char *id = fx_json_str(e, "id");

			if (id == NULL || *id == '\0') {
				snprintf(err, errlen, "%s: feeders[%d]: no "
				    "string \"id\"", path, i);
				jv_free(e);
				jv_free(fs);
				goto fail;
			}
			if (jv_object_has(jv_copy(c->feeders), jv_string(id))) {
				snprintf(err, errlen, "%s: feeder '%s' is "
				    "configured twice", path, id);
				jv_free(e);
				jv_free(fs);
				goto fail;
			}
			c->ids = jv_array_append(c->ids, jv_string(id));
			c->feeders = jv_object_set(c->feeders, jv_string(id), e);
		}
	} else if (jv_get_kind(fs) == JV_KIND_OBJECT) {
		int bad = 0;

		jv_object_foreach(fs, k, e) {
			if (bad || jv_get_kind(e) != JV_KIND_OBJECT ||
			    jv_string_length_bytes(jv_copy(k)) == 0) {
				if (!bad)
					snprintf(err, errlen, "%s: feeder '%s': %s",
					    path, jv_string_value(k),
					    jv_get_kind(e) != JV_KIND_OBJECT ?
					    "not an object" : "empty id");
				bad = 1;
				jv_free(k);
				jv_free(e);
				continue;
			}
			c->ids = jv_array_append(c->ids, jv_copy(k));
			if (fx_json_str(e, "id") == NULL)
				e = jv_object_set(e, jv_string("id"), jv_copy(k));
			c->feeders = jv_object_set(c->feeders, k, e);
		}
		if (bad) {
			jv_free(fs);
			goto fail;
		}
	} else if (jv_get_kind(fs) != JV_KIND_NULL) {
		snprintf(err, errlen, "%s: \"feeders\" must be an array or an "
		    "object", path);
		jv_free(fs);
		goto fail;
	}
	jv_free(fs);
	{
		size_t i, n = fx_config_nfeeders(c);

		for (i = 0; i < n; i++) {
			const char *id = fx_config_feeder_id(c, i);
			jv e = fx_config_feeder(c, id);
			int rc = check_feeder(path, id, e, c->defaults, err,
			    errlen);

			jv_free(e);
			if (rc)
				goto fail;
		}
	}
	return c;
fail:
	fx_config_free(c);
	return NULL;
}

void
fx_config_free(fx_config *c)
{
	if (c == NULL)
		return;
	jv_free(c->root);
	jv_free(c->defaults);
	jv_free(c->feeders);
	jv_free(c->ids);
	free(c->path);
	free(c);
}

const char *
fx_config_path(const fx_config *c)
{
	return c->path;
}

jv
fx_config_root(const fx_config *c)
{
	return jv_copy(c->root);
}

jv
fx_config_section(const fx_config *c, const char *name)
{
	jv v = fx_json_get(c->root, name);

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_object();
	}
	return v;
}

jv
fx_config_feeder(const fx_config *c, const char *feeder_id)
{
	jv v = fx_json_get(c->feeders, feeder_id);

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_object();
	}
	return v;
}

size_t
fx_config_nfeeders(const fx_config *c)
{
	return (size_t)jv_array_length(jv_copy(c->ids));
}

const char *
fx_config_feeder_id(const fx_config *c, size_t i)
{
	jv id = jv_array_get(jv_copy(c->ids), (int)i);
	const char *s = jv_string_value(id);

	jv_free(id);	/* c->ids keeps the string alive */
	return s;
}

double
fx_config_num(const fx_config *c, const char *feeder_id, const char *key,
    double dflt)
{
	double v = dflt;

	if (feeder_id != NULL) {
		jv e = fx_json_get(c->feeders, feeder_id);
		int rc = jv_get_kind(e) == JV_KIND_OBJECT ?
		    fx_json_num(e, key, &v) : 0;

		jv_free(e);
		if (rc == 1)
			return v;
	}
	fx_json_num(c->defaults, key, &v);
	return v;
}
