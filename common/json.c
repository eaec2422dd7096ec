/* json.c - see json.h */
#include <stdio.h>
#include <string.h>

#include "json.h"

jv
fx_json_parse(const char *s, size_t len, char *err, size_t errlen)
{
	jv v;

	if (len > 0x7fffffff) {
		snprintf(err, errlen, "invalid JSON: value too large");
		return jv_invalid();
	}
	v = jv_parse_sized(s, (int)len);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		if (jv_get_kind(msg) == JV_KIND_STRING)
			snprintf(err, errlen, "invalid JSON: %s",
			    jv_string_value(msg));
		else
			snprintf(err, errlen, "invalid JSON");
		jv_free(msg);
		return jv_invalid();
	}
	return v;
}

jv
fx_json_parse_record(const char *s, size_t len, const char **type,
    char *err, size_t errlen)
{
	jv v = fx_json_parse(s, len, err, errlen);

	if (!jv_is_valid(v))
		return v;
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "record is a JSON %s, not an object",
		    fx_json_kind(v));
		jv_free(v);
		return jv_invalid();
	}
	*type = fx_json_str(v, "type");
	if (*type == NULL) {
		snprintf(err, errlen, "record has no string \"type\"");
		jv_free(v);
		return jv_invalid();
	}
	return v;
}

jv
fx_json_get(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(obj), jv_string(key));
}

const char *
fx_json_str(jv obj, const char *key)
{
	jv v = fx_json_get(obj, key);
	const char *s = NULL;

	/* obj still holds a reference to the string, so the pointer stays
	 * valid after our reference is dropped. */
	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);
	jv_free(v);
	return s;
}

int
fx_json_num(jv obj, const char *key, double *out)
{
	jv v = fx_json_get(obj, key);
	int rc;

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		rc = 0;
		break;
	case JV_KIND_NUMBER:
		*out = jv_number_value(v);
		rc = 1;
		break;
	default:
		rc = -1;
	}
	jv_free(v);
	return rc;
}

int
fx_json_bool(jv obj, const char *key, int *out)
{
	jv v = fx_json_get(obj, key);
	int rc;

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		rc = 0;
		break;
	case JV_KIND_TRUE:
		*out = 1;
		rc = 1;
		break;
	case JV_KIND_FALSE:
		*out = 0;
		rc = 1;
		break;
	default:
		rc = -1;
	}
	jv_free(v);
	return rc;
}

const char *
fx_json_kind(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID: return "invalid";
	case JV_KIND_NULL: return "null";
	case JV_KIND_FALSE:
	case JV_KIND_TRUE: return "boolean";
	case JV_KIND_NUMBER: return "number";
	case JV_KIND_STRING: return "string";
	case JV_KIND_ARRAY: return "array";
	case JV_KIND_OBJECT: return "object";
	}
	return "unknown";
}

void
fx_buf_jv(fx_buf *b, jv v)
{
	jv s = jv_dump_string(jv_copy(v), 0);

	fx_buf_puts(b, jv_string_value(s));
	jv_free(s);
}
