/*
 * catalog.c - DER catalog entries: parsing, validation, newest-wins store.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "err.h"
#include "feeders.h"
#include "json.h"

static const char *const type_names[FX_DER_NTYPES] = {
	"battery", "EV", "HVAC", "other"
};

const char *
fx_der_type_name(int type)
{
	return type >= 0 && type < FX_DER_NTYPES ? type_names[type] : "other";
}

int
fx_der_type_parse(const char *name)
{
	int i;

	for (i = 0; i < FX_DER_NTYPES; i++)
		if (strcasecmp(name, type_names[i]) == 0)
			return i;
	return -1;
}

void
fx_der_clear(fx_der *d)
{
	int i;

	free(d->der_id);
	free(d->aggregator_id);
	for (i = 0; i < d->nfeeders; i++)
		free(d->feeders[i]);
	free(d->feeders);
	free(d->entry);
	memset(d, 0, sizeof *d);
}

int
fx_der_serves(const fx_der *d, const char *feeder_id)
{
	int i;

	for (i = 0; i < d->nfeeders; i++)
		if (strcmp(d->feeders[i], feeder_id) == 0)
			return 1;
	return 0;
}

/* obj[key] as a number in [lo, hi] (hi_open: < hi); 1 found, 0 absent,
 * -1 bad (err set). */
static int
num_in(jv obj, const char *where, const char *key, double lo, int lo_open,
    double hi, double *out, char *err, size_t errlen)
{
	double v;
	int rc = fx_json_num(obj, key, &v);

	if (rc == 0)
		return 0;
	if (rc < 0 || !isfinite(v) || v < lo || (lo_open && v == lo) ||
	    v > hi) {
		jv x = fx_json_get(obj, key);

		if (rc < 0)
			snprintf(err, errlen, "%s%s: not a number (%s)", where,
			    key, fx_json_kind(x));
		else
			snprintf(err, errlen, "%s%s: %g out of range (%s%g to "
			    "%g)", where, key, v, lo_open ? "above " : "", lo,
			    hi);
		jv_free(x);
		return -1;
	}
	*out = v;
	return 1;
}

static int
need_num(jv obj, const char *key, double lo, int lo_open, double hi,
    double *out, char *err, size_t errlen)
{
	int rc = num_in(obj, "", key, lo, lo_open, hi, out, err, errlen);

	if (rc == 0)
		snprintf(err, errlen, "%s: missing", key);
	return rc == 1 ? 0 : -1;
}

static char *
need_str(jv obj, const char *key, char *err, size_t errlen)
{
	const char *s = fx_json_str(obj, key);

	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "%s: missing, empty or not a string",
		    key);
		return NULL;
	}
	return fx_xstrdup(s);
}

static int
add_feeder(fx_der *d, jv id, char *err, size_t errlen)
{
	if (jv_get_kind(id) != JV_KIND_STRING ||
	    jv_string_length_bytes(jv_copy(id)) == 0) {
		snprintf(err, errlen, "location: a feeder id is not a "
		    "non-empty string");
		return -1;
	}
	d->feeders = fx_xrealloc(d->feeders, (unsigned long)(d->nfeeders +
	    1) * sizeof *d->feeders);
	d->feeders[d->nfeeders++] = fx_xstrdup(jv_string_value(id));
	return 0;
}

static int
parse_location(jv entry, fx_der *d, char *err, size_t errlen)
{
	jv loc = fx_json_get(entry, "location"), v;
	int rc = 0, i, n;

	if (jv_get_kind(loc) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "location: missing or not an object");
		jv_free(loc);
		return -1;
	}
	v = fx_json_get(loc, "feeder_id");
	if (jv_get_kind(v) != JV_KIND_NULL)
		rc = add_feeder(d, v, err, errlen);
	jv_free(v);
	v = fx_json_get(loc, "feeders");
	if (rc == 0 && jv_get_kind(v) == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n && rc == 0; i++) {
			jv f = jv_array_get(jv_copy(v), i);

			rc = add_feeder(d, f, err, errlen);
			jv_free(f);
		}
	} else if (rc == 0 && jv_get_kind(v) != JV_KIND_NULL) {
		snprintf(err, errlen, "location: feeders: not an array");
		rc = -1;
	}
	jv_free(v);
	jv_free(loc);
	if (rc == 0 && d->nfeeders == 0) {
		snprintf(err, errlen, "location: no feeder_id or feeders");
		rc = -1;
	}
	return rc;
}

static int
parse_time(jv obj, const char *key, fx_time *t, char *err, size_t errlen)
{
	jv v = fx_json_get(obj, key);
	const char *why;
	int rc = 0;

	if (jv_get_kind(v) == JV_KIND_STRING) {
		const char *s = jv_string_value(v);

		if (fx_time_parse_rfc3339(s, strlen(s), t, &why) != 0) {
			snprintf(err, errlen, "constraints: %s: %s '%s'", key,
			    why, fx_quote(s, strlen(s)));
			rc = -1;
		}
	} else if (jv_get_kind(v) != JV_KIND_NULL) {
		snprintf(err, errlen, "constraints: %s: not a string", key);
		rc = -1;
	}
	jv_free(v);
	return rc;
}

static int
parse_constraints(jv entry, fx_der *d, char *err, size_t errlen)
{
	jv c = fx_json_get(entry, "constraints");
	double v;
	int rc = -1;

	if (jv_get_kind(c) == JV_KIND_NULL) {
		jv_free(c);
		return 0;
	}
	if (jv_get_kind(c) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "constraints: not an object");
		goto out;
	}
	if (num_in(c, "constraints: ", "min_kw", 0, 0, d->capacity_kw,
	    &d->min_kw, err, errlen) < 0 ||
	    num_in(c, "constraints: ", "min_duration_min", 0, 1,
	    d->duration_min, &d->min_duration_min, err, errlen) < 0)
		goto out;
	switch (num_in(c, "constraints: ", "max_activations_per_day", 0, 0,
	    1e6, &v, err, errlen)) {
	case -1:
		goto out;
	case 1:
		if (v != floor(v)) {
			snprintf(err, errlen, "constraints: "
			    "max_activations_per_day: not a whole number %g",
			    v);
			goto out;
		}
		d->max_activations_per_day = (int)v;
		break;
	}
	if (parse_time(c, "available_from", &d->available_from, err,
	    errlen) != 0 || parse_time(c, "available_to", &d->available_to,
	    err, errlen) != 0)
		goto out;
	if (d->available_from >= d->available_to) {
		snprintf(err, errlen, "constraints: available_from is not "
		    "before available_to");
		goto out;
	}
	rc = 0;
out:
	jv_free(c);
	return rc;
}

int
fx_der_parse(jv entry, fx_der *d, char *err, size_t errlen)
{
	const char *type;
	jv proof;

	memset(d, 0, sizeof *d);
	d->max_activations_per_day = -1;
	d->available_from = INT64_MIN;
	d->available_to = INT64_MAX;
	d->reliability = 1;
	if (jv_get_kind(entry) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "not an object (%s)",
		    fx_json_kind(entry));
		return -1;
	}
	if ((d->der_id = need_str(entry, "der_id", err, errlen)) == NULL ||
	    (d->aggregator_id = need_str(entry, "aggregator_id", err,
	    errlen)) == NULL)
		goto bad;
	type = fx_json_str(entry, "type");
	if (type == NULL || (d->type = fx_der_type_parse(type)) < 0) {
		snprintf(err, errlen, "type: want battery, EV, HVAC or other, "
		    "not %s", type == NULL ? "(missing)" :
		    fx_quote(type, strlen(type)));
		goto bad;
	}
	if (need_num(entry, "capacity_kw", 0, 1, 1e9, &d->capacity_kw, err,
	    errlen) != 0 ||
	    need_num(entry, "response_time_s", 0, 0, 1e7, &d->response_time_s,
	    err, errlen) != 0 ||
	    need_num(entry, "duration_min", 0, 1, 1e6, &d->duration_min, err,
	    errlen) != 0 ||
	    need_num(entry, "price_per_kwh", 0, 0, 1e6, &d->price_per_kwh,
	    err, errlen) != 0 ||
	    num_in(entry, "", "reliability", 0, 1, 1, &d->reliability, err,
	    errlen) < 0)
		goto bad;
	if (parse_location(entry, d, err, errlen) != 0 ||
	    parse_constraints(entry, d, err, errlen) != 0)
		goto bad;
	proof = fx_json_get(entry, "crypto_proof");
	if (jv_get_kind(proof) != JV_KIND_NULL &&
	    jv_get_kind(proof) != JV_KIND_OBJECT) {
		jv_free(proof);
		snprintf(err, errlen, "crypto_proof: not an object");
		goto bad;
	}
	jv_free(proof);
	{
		jv s = jv_dump_string(jv_copy(entry), 0);

		d->entry = fx_xstrdup(jv_string_value(s));
		jv_free(s);
	}
	return 0;
bad:
	fx_der_clear(d);
	return -1;
}

/* ---- the store ---- */

struct slot {
	size_t index;
};

struct fx_catalog {
	fx_der *ders;
	size_t n, cap;
	fx_feeders *byid;	/* der_id -> struct slot */
};

fx_catalog *
fx_catalog_new(void)
{
	fx_catalog *c = fx_xcalloc(1, sizeof *c);

	c->byid = fx_feeders_new(sizeof(struct slot), NULL);
	return c;
}

void
fx_catalog_free(fx_catalog *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		fx_der_clear(&c->ders[i]);
	free(c->ders);
	fx_feeders_free(c->byid);
	free(c);
}

size_t
fx_catalog_count(const fx_catalog *c)
{
	return c->n;
}

const fx_der *
fx_catalog_get(const fx_catalog *c, size_t i)
{
	return i < c->n ? &c->ders[i] : NULL;
}

const fx_der *
fx_catalog_find(const fx_catalog *c, const char *der_id)
{
	struct slot *s = fx_feeders_find(c->byid, der_id, strlen(der_id));

	return s != NULL ? &c->ders[s->index] : NULL;
}

static void
store(fx_catalog *c, fx_der *d)
{
	int created;
	struct slot *s = fx_feeders_get(c->byid, d->der_id,
	    strlen(d->der_id), &created);

	if (!created) {
		if (d->seen < c->ders[s->index].seen) {
			fx_der_clear(d);	/* older than what we have */
			return;
		}
		fx_der_clear(&c->ders[s->index]);
		c->ders[s->index] = *d;
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->ders = fx_xrealloc(c->ders, c->cap * sizeof *c->ders);
	}
	s->index = c->n;
	c->ders[c->n++] = *d;
}

static int
add_entry(fx_catalog *c, jv entry, fx_time seen, const char *name,
    long line, int i, int *acc, int *rej)
{
	fx_der d;
	char why[256];

	if (fx_der_parse(entry, &d, why, sizeof why) != 0) {
		const char *id = fx_json_str(entry, "der_id");

		if (id != NULL)
			fx_error_at(name, line, "ders[%d] (der_id %s): %s", i,
			    fx_quote(id, strlen(id)), why);
		else
			fx_error_at(name, line, "ders[%d]: %s", i, why);
		(*rej)++;
		return -1;
	}
	d.seen = seen;
	store(c, &d);
	(*acc)++;
	return 0;
}

int
fx_catalog_add(fx_catalog *c, jv doc, fx_time seen, const char *name,
    long line, int *accepted, int *rejected, char *err, size_t errlen)
{
	int acc = 0, rej = 0, i, n;
	jv arr;

	if (jv_get_kind(doc) == JV_KIND_OBJECT &&
	    jv_get_kind(arr = fx_json_get(doc, "ders")) != JV_KIND_NULL) {
		int complete = 0;
		const char *agg = fx_json_str(doc, "aggregator_id");

		if (jv_get_kind(arr) != JV_KIND_ARRAY) {
			snprintf(err, errlen, "ders: not an array");
			jv_free(arr);
			return -1;
		}
		if (fx_json_bool(doc, "complete", &complete) < 0) {
			snprintf(err, errlen, "complete: not a boolean");
			jv_free(arr);
			return -1;
		}
		if (complete && agg == NULL) {
			snprintf(err, errlen, "complete: true needs an "
			    "aggregator_id");
			jv_free(arr);
			return -1;
		}
		/* a complete offer withdraws what it does not repeat, unless
		 * that came later than it */
		if (complete)
			for (i = 0; i < (int)c->n; i++)
				if (strcmp(c->ders[i].aggregator_id, agg) == 0 &&
				    c->ders[i].seen <= seen)
					c->ders[i].withdrawn = 1;
	} else if (jv_get_kind(doc) == JV_KIND_OBJECT) {
		jv_free(arr);
		if (fx_json_str(doc, "der_id") == NULL) {
			snprintf(err, errlen, "not a catalog: an object with "
			    "neither ders nor der_id");
			return -1;
		}
		add_entry(c, doc, seen, name, line, 0, &acc, &rej);
		goto done;
	} else if (jv_get_kind(doc) == JV_KIND_ARRAY)
		arr = jv_copy(doc);
	else {
		snprintf(err, errlen, "not a catalog: %s", fx_json_kind(doc));
		return -1;
	}
	n = jv_array_length(jv_copy(arr));
	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(arr), i);

		add_entry(c, e, seen, name, line, i, &acc, &rej);
		jv_free(e);
	}
	jv_free(arr);
done:
	if (accepted != NULL)
		*accepted = acc;
	if (rejected != NULL)
		*rejected = rej;
	return 0;
}

int
fx_catalog_load(fx_catalog *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL, why[512];
	size_t len = 0, cap = 0, got;
	jv doc;
	int rej = 0, r, good = 0;
	long line = 0;
	char *p, *end;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? 2 * cap : 65536;
			data = fx_xrealloc(data, cap);
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	doc = fx_json_parse(data, len, why, sizeof why);
	if (jv_is_valid(doc)) {
		if (fx_catalog_add(c, doc, 0, path, 0, NULL, &rej, err,
		    errlen) != 0) {
			char tmp[256];

			snprintf(tmp, sizeof tmp, "%s", err);
			snprintf(err, errlen, "%s: %s", path, tmp);
			rej = -1;
		}
		jv_free(doc);
		free(data);
		return rej;
	}
	jv_free(doc);
	/* NDJSON (one document per line) only if the first line is JSON */
	for (p = data, end = data + len; p < end && (*p == '\n' ||
	    *p == '\r' || *p == ' ' || *p == '\t'); p++)
		;
	{
		char *nl = memchr(p, '\n', (size_t)(end - p)), lerr[16];

		doc = fx_json_parse(p, nl != NULL ? (size_t)(nl - p) :
		    (size_t)(end - p), lerr, sizeof lerr);
		if (!jv_is_valid(doc)) {
			jv_free(doc);
			snprintf(err, errlen, "%s: %s", path, why);
			free(data);
			return -1;
		}
		jv_free(doc);
	}
	for (p = data, end = data + len; p < end; p = *p == '\n' ? p + 1 : p) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), lerr[512];
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		jv d;

		line++;
		if (n == 0 || (n == 1 && p[0] == '\r')) {
			p += n;
			continue;
		}
		d = fx_json_parse(p, n, lerr, sizeof lerr);
		p += n;
		if (!jv_is_valid(d)) {
			jv_free(d);
			fx_error_at(path, line, "%s", lerr);
			rej++;
			continue;
		}
		if (fx_catalog_add(c, d, 0, path, line, NULL, &r, lerr,
		    sizeof lerr) != 0) {
			fx_error_at(path, line, "%s", lerr);
			rej++;
		} else {
			rej += r;
			good++;
		}
		jv_free(d);
	}
	free(data);
	if (good == 0) {
		snprintf(err, errlen, "%s: no catalog in it", path);
		return -1;
	}
	return rej;
}
