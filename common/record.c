/* record.c - see record.h */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "record.h"
#include "window.h"

static int
get_time(jv rec, fx_time *t, char *err, size_t errlen)
{
	const char *ts = fx_json_str(rec, "timestamp"), *why;

	if (ts == NULL) {
		jv v = fx_json_get(rec, "timestamp");

		snprintf(err, errlen, jv_get_kind(v) == JV_KIND_NULL ?
		    "timestamp: missing" : "timestamp: not a string");
		jv_free(v);
		return -1;
	}
	if (fx_time_parse_rfc3339(ts, strlen(ts), t, &why) != 0) {
		snprintf(err, errlen, "timestamp: %s '%.64s'", why, ts);
		return -1;
	}
	return 0;
}

int
fx_record_reading(jv rec, fx_reading *out, char *err, size_t errlen)
{
	const char *id = fx_json_str(rec, "feeder_id");
	int rc;

	if (id == NULL || *id == '\0') {
		snprintf(err, errlen, "feeder_id: missing or not a non-empty "
		    "string");
		return -1;
	}
	out->feeder_id = id;
	out->feeder_len = strlen(id);
	if (get_time(rec, &out->t, err, errlen) != 0)
		return -1;
	rc = fx_json_num(rec, "load_kw", &out->load_kw);
	if (rc != 1 || !isfinite(out->load_kw)) {
		snprintf(err, errlen, rc == 0 ? "load_kw: missing" :
		    "load_kw: not a number");
		return -1;
	}
	return 0;
}

int
fx_record_exo(jv rec, fx_exo *out, char *err, size_t errlen)
{
	double d;
	int rc;

	memset(out, 0, sizeof *out);
	out->feeder_id = fx_json_str(rec, "feeder_id");
	if (get_time(rec, &out->t, err, errlen) != 0)
		return -1;
	rc = fx_json_num(rec, "temperature_c", &out->temperature_c);
	if (rc < 0 || (rc == 1 && !isfinite(out->temperature_c))) {
		snprintf(err, errlen, "temperature_c: not a number");
		return -1;
	}
	out->has_temperature = rc == 1;
	if ((rc = fx_json_bool(rec, "holiday_flag", &out->holiday_flag)) < 0) {
		snprintf(err, errlen, "holiday_flag: not a boolean");
		return -1;
	}
	out->has_holiday = rc == 1;
	if ((rc = fx_json_bool(rec, "event_flag", &out->event_flag)) < 0) {
		snprintf(err, errlen, "event_flag: not a boolean");
		return -1;
	}
	out->has_event = rc == 1;
	rc = fx_json_num(rec, "dow", &d);
	if (rc < 0 || (rc == 1 && (d != floor(d) || d < 0 || d > 6))) {
		snprintf(err, errlen, "dow: not an integer 0-6");
		return -1;
	}
	out->has_dow = rc == 1;
	out->dow = rc == 1 ? (int)d : 0;
	return 0;
}

/* The first 60 bytes of s with control characters shown as '?'. */
static const char *
shown(const char *s, char *o, size_t olen)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 60 && i + 1 < olen; i++) {
		unsigned char c = (unsigned char)s[i];

		o[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	o[i] = '\0';
	return o;
}

static int
read_time(jv obj, const char *key, const char *where, fx_time *t, char *err,
    size_t errlen)
{
	const char *v = fx_json_str(obj, key), *why;
	char tmp[64];

	if (v == NULL) {
		snprintf(err, errlen, "%s%s: missing or not a string", where,
		    key);
		return -1;
	}
	if (fx_time_parse_rfc3339(v, strlen(v), t, &why) != 0) {
		snprintf(err, errlen, "%s%s: %s '%s'", where, key, why,
		    shown(v, tmp, sizeof tmp));
		return -1;
	}
	return 0;
}

static int
read_fstep(jv st, int i, fx_fstep *s, char *err, size_t errlen)
{
	static const char *const num[] = { "p50", "lo80", "hi80", "lo95",
	    "hi95" };
	double *dst[] = { &s->p50, &s->lo80, &s->hi80, &s->lo95, &s->hi95 };
	char where[32];
	int k;

	snprintf(where, sizeof where, "steps[%d].", i);
	if (jv_get_kind(st) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "steps[%d]: not an object", i);
		return -1;
	}
	if (read_time(st, "start", where, &s->start, err, errlen) != 0 ||
	    read_time(st, "end", where, &s->end, err, errlen) != 0)
		return -1;
	if (s->end <= s->start) {
		snprintf(err, errlen, "steps[%d]: end is not after start", i);
		return -1;
	}
	for (k = 0; k < 5; k++) {
		int rc = fx_json_num(st, num[k], dst[k]);

		if (rc != 1 || !isfinite(*dst[k]) || fabs(*dst[k]) > FX_WINDOW_MAX_ABS) {
			snprintf(err, errlen, "steps[%d].%s: %s", i, num[k],
			    rc == 0 ? "missing" : rc < 0 ? "not a number" :
			    "out of range");
			return -1;
		}
	}
	if (!(s->lo95 <= s->lo80 && s->lo80 <= s->p50 && s->p50 <= s->hi80 &&
	    s->hi80 <= s->hi95)) {
		snprintf(err, errlen, "steps[%d]: bounds out of order: want "
		    "lo95 <= lo80 <= p50 <= hi80 <= hi95", i);
		return -1;
	}
	return 0;
}

int
fx_record_forecast(jv rec, fx_forecast *out, char *err, size_t errlen)
{
	jv arr, model;
	int n, i;

	out->feeder_id = fx_json_str(rec, "feeder_id");
	if (out->feeder_id == NULL || *out->feeder_id == '\0') {
		snprintf(err, errlen, "feeder_id: missing, empty or not a "
		    "string");
		return -1;
	}
	if (read_time(rec, "issued_at", "", &out->issued_at, err,
	    errlen) != 0)
		return -1;
	model = fx_json_get(rec, "model");
	if (jv_get_kind(model) != JV_KIND_NULL &&
	    jv_get_kind(model) != JV_KIND_STRING) {
		jv_free(model);
		snprintf(err, errlen, "model: not a string");
		return -1;
	}
	jv_free(model);
	out->model = fx_json_str(rec, "model");
	if (out->model == NULL)
		out->model = "";
	arr = fx_json_get(rec, "steps");
	if (jv_get_kind(arr) != JV_KIND_ARRAY ||
	    (n = jv_array_length(jv_copy(arr))) < 1 ||
	    n > FX_FORECAST_MAX_STEPS) {
		jv_free(arr);
		snprintf(err, errlen, "steps: not an array of 1 to %d steps",
		    FX_FORECAST_MAX_STEPS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		jv st = jv_array_get(jv_copy(arr), i);
		int rc = read_fstep(st, i, &out->steps[i], err, errlen);

		jv_free(st);
		if (rc != 0) {
			jv_free(arr);
			return -1;
		}
	}
	jv_free(arr);
	out->nsteps = n;
	return 0;
}

const char *
fx_record_peek_type(const char *text, size_t textlen, size_t *len)
{
	static const char prefix[] = "{\"type\":\"";
	const char *p, *end = text + textlen;

	if (textlen < sizeof prefix || memcmp(text, prefix,
	    sizeof prefix - 1) != 0)
		return NULL;
	p = text + sizeof prefix - 1;
	while (p < end && *p != '"' && *p != '\\')
		p++;
	if (p >= end || *p != '"')
		return NULL;
	*len = (size_t)(p - (text + sizeof prefix - 1));
	return text + sizeof prefix - 1;
}

int
fx_record_is(const char *text, size_t textlen, const char *type)
{
	size_t n;
	const char *t = fx_record_peek_type(text, textlen, &n);

	if (t == NULL)
		return -1;
	return n == strlen(type) && memcmp(t, type, n) == 0;
}

void
fx_record_error(fx_buf *b, const char *program, const char *input,
    long line, const char *reason)
{
	fx_buf_puts(b, "{\"type\":\"error\"");
	fx_buf_jkey(b, "program");
	fx_buf_jstr(b, program, strlen(program));
	fx_buf_jkey(b, "input");
	fx_buf_jstr(b, input, strlen(input));
	fx_buf_jkey(b, "line");
	fx_buf_int(b, line);
	fx_buf_jkey(b, "reason");
	fx_buf_jstr(b, reason, strlen(reason));
	fx_buf_putc(b, '}');
}

/*
 * The fast path.  A flat object is scanned once; each value is classified
 * and checked against the JSON grammar (RFC 8259), so a line this accepts
 * is one libjq accepts with the same meaning.  Returns 1 parsed, 0 "ask
 * libjq" (escapes, nesting, bytes >= 0x80, too long an id), -1 invalid.
 */
enum { V_STR, V_NUM, V_LIT };

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* A plain string at p (after the quote): its end quote, or NULL when it
 * needs libjq (*hard = 1: escapes, non-ASCII) or is invalid (*hard = 0). */
static const char *
scan_str(const char *p, const char *end, int *hard)
{
	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p;
		if (c == '\\' || c >= 0x80) {
			*hard = 1;
			return NULL;
		}
		if (c < 0x20) {
			*hard = 0;
			return NULL;
		}
		p++;
	}
	*hard = 0;
	return NULL;
}

static const char *
scan_num(const char *p, const char *end)
{
	const char *s = p;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static int
flat_reading(const char *text, size_t len, fx_reading *out, char *err,
    size_t errlen)
{
	const char *p = text, *end = text + len, *why;
	const char *type = NULL, *id = NULL, *ts = NULL, *kw = NULL;
	size_t typelen = 0, idlen = 0, tslen = 0, kwlen = 0;
	int kwkind = -1, hard;

	p = skip_ws(p, end);
	if (p >= end || *p++ != '{')
		return 0;
	p = skip_ws(p, end);
	if (p < end && *p == '}')
		return 0;
	for (;;) {
		const char *k, *ke, *v, *ve;
		int kind;

		if (p >= end || *p != '"')
			return 0;
		k = p + 1;
		if ((ke = scan_str(k, end, &hard)) == NULL)
			return 0;	/* libjq explains what is wrong */
		p = skip_ws(ke + 1, end);
		if (p >= end || *p++ != ':')
			return 0;
		p = skip_ws(p, end);
		if (p >= end)
			return 0;
		v = p;
		if (*p == '"') {
			v = p + 1;
			if ((ve = scan_str(v, end, &hard)) == NULL)
				return 0;	/* libjq explains what is wrong */
			p = ve + 1;
			kind = V_STR;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			if ((ve = scan_num(p, end)) == NULL)
				return 0;
			p = ve;
			kind = V_NUM;
		} else if ((size_t)(end - p) >= 4 && (memcmp(p, "true", 4) == 0
		    || memcmp(p, "null", 4) == 0)) {
			ve = p += 4;
			kind = V_LIT;
		} else if ((size_t)(end - p) >= 5 && memcmp(p, "false", 5) == 0) {
			ve = p += 5;
			kind = V_LIT;
		} else
			return 0;	/* nesting, or invalid: libjq says */
		/* Later duplicates win, as in libjq. */
		if (ke - k == 4 && memcmp(k, "type", 4) == 0) {
			type = kind == V_STR ? v : NULL;
			typelen = (size_t)(ve - v);
		} else if (ke - k == 9 && memcmp(k, "feeder_id", 9) == 0) {
			id = kind == V_STR ? v : NULL;
			idlen = (size_t)(ve - v);
		} else if (ke - k == 9 && memcmp(k, "timestamp", 9) == 0) {
			ts = kind == V_STR ? v : NULL;
			tslen = (size_t)(ve - v);
		} else if (ke - k == 7 && memcmp(k, "load_kw", 7) == 0) {
			kw = v;
			kwlen = (size_t)(ve - v);
			kwkind = kind;
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			break;
		return 0;
	}
	if (skip_ws(p + 1, end) != end)
		return 0;
	if (type == NULL || typelen != 7 || memcmp(type, "reading", 7) != 0)
		return 0;	/* unusual: let libjq and the slow path say */
	if (id == NULL || idlen == 0 || idlen >= sizeof out->id_store ||
	    ts == NULL || kwkind != V_NUM || kwlen >= 64)
		return 0;
	memcpy(out->id_store, id, idlen);
	out->id_store[idlen] = '\0';
	out->feeder_id = out->id_store;
	out->feeder_len = idlen;
	if (fx_time_parse_rfc3339(ts, tslen, &out->t, &why) != 0) {
		snprintf(err, errlen, "timestamp: %s '%.*s'", why,
		    (int)(tslen > 64 ? 64 : tslen), ts);
		return -1;
	}
	{
		char num[64];

		memcpy(num, kw, kwlen);
		num[kwlen] = '\0';
		out->load_kw = strtod(num, NULL);
	}
	if (!isfinite(out->load_kw)) {
		snprintf(err, errlen, "load_kw: not a number");
		return -1;
	}
	return 1;
}

int
fx_record_parse_reading(const char *text, size_t len, fx_reading *out,
    jv *hold, char *err, size_t errlen)
{
	const char *type;
	int rc = flat_reading(text, len, out, err, errlen);

	*hold = jv_invalid();
	if (rc == 1)
		return 0;
	if (rc == -1)
		return -1;
	*hold = fx_json_parse_record(text, len, &type, err, errlen);
	if (!jv_is_valid(*hold))
		return -1;
	if (strcmp(type, "reading") != 0) {
		snprintf(err, errlen, "type: not a reading '%.32s'", type);
		return -1;
	}
	return fx_record_reading(*hold, out, err, errlen);
}
