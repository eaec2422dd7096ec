/* record.c - see record.h */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "record.h"

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
