/* json.c - see json.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"

#define MAX_DEPTH 256	/* libjq 1.6's own parsing depth limit */

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only, whatever the locale. */
static int
is_word(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' &&
	    c <= 'Z') || c == '_';
}

static int
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Checks that s[0..len) is exactly one JSON text (RFC 8259) without
 * building anything.  Returns NULL, or a reason with *at set to where
 * it went wrong.  libjq 1.6 accepts more than JSON - a NUL byte reads
 * as the number 0, "nan" as NaN, "+1", ".5", "1." and "01" as numbers -
 * and leaks a string that follows a value without a separator.
 */
static const char *
json_check(const char *s, size_t len, const char **at)
{
	const char *p = s, *end = s + len;
	char stack[MAX_DEPTH];
	int depth = 0, is_key;

value:
	while (p < end && is_ws(*p))
		p++;
	*at = p;
	if (p == end)
		return depth == 0 ? "Expected JSON value" :
		    "Unfinished JSON term at EOF";
	switch (*p) {
	case '{':
	case '[':
		if (depth == MAX_DEPTH)
			return "Exceeds depth limit for parsing";
		stack[depth++] = *p++;
		while (p < end && is_ws(*p))
			p++;
		if (p < end && *p == (stack[depth - 1] == '{' ? '}' : ']')) {
			depth--;
			p++;
			goto after;
		}
		if (stack[depth - 1] == '{')
			goto key;
		goto value;
	case '"':
		is_key = 0;
		goto string;
	case 't':
	case 'f':
	case 'n': {
		const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" :
		    "null";
		size_t n = strlen(lit);

		if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0 ||
		    (p + n < end && is_word(p[n])))
			return "Invalid literal";
		p += n;
		goto after;
	}
	default:
		if (*p != '-' && !is_digit(*p))
			return "Unexpected character";
		if (*p == '-')
			p++;
		if (p < end && *p == '0')
			p++;
		else if (p < end && is_digit(*p))
			while (p < end && is_digit(*p))
				p++;
		else
			return "Invalid numeric literal";
		if (p < end && *p == '.') {
			if (++p == end || !is_digit(*p))
				return "Invalid numeric literal";
			while (p < end && is_digit(*p))
				p++;
		}
		if (p < end && (*p == 'e' || *p == 'E')) {
			p++;
			if (p < end && (*p == '+' || *p == '-'))
				p++;
			if (p == end || !is_digit(*p))
				return "Invalid numeric literal";
			while (p < end && is_digit(*p))
				p++;
		}
		*at = p;
		if (p < end && (is_word(*p) || *p == '.' || *p == '+' ||
		    *p == '-'))
			return "Invalid numeric literal";
		goto after;
	}

key:
	while (p < end && is_ws(*p))
		p++;
	*at = p;
	if (p == end)
		return "Unfinished JSON term at EOF";
	if (*p != '"')
		return "Object keys must be strings";
	is_key = 1;

string:
	for (p++;; p++) {
		*at = p;
		if (p == end)
			return "Unfinished string at EOF";
		if (*p == '"')
			break;
		if ((unsigned char)*p < 0x20)
			return "Control character in a string";
		if (*p == '\\') {
			int i;

			if (++p == end)
				return "Unfinished string at EOF";
			*at = p;
			switch (*p) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				break;
			case 'u':
				for (i = 0; i < 4; i++)
					if (++p == end ||
					    !is_hex(*p)) {
						*at = p;
						return "Invalid \\u escape: want 4 hex digits";
					}
				break;
			default:
				return "Invalid escape";
			}
		}
	}
	p++;
	if (is_key) {
		while (p < end && is_ws(*p))
			p++;
		*at = p;
		if (p == end)
			return "Unfinished JSON term at EOF";
		if (*p != ':')
			return "Expected ':' after a key";
		p++;
		goto value;
	}

after:
	while (p < end && is_ws(*p))
		p++;
	*at = p;
	if (depth == 0)
		return p == end ? NULL : "Unexpected extra JSON values";
	if (p == end)
		return "Unfinished JSON term at EOF";
	if (*p == ',') {
		p++;
		if (stack[depth - 1] == '{')
			goto key;
		goto value;
	}
	if (*p == (stack[depth - 1] == '{' ? '}' : ']')) {
		depth--;
		p++;
		goto after;
	}
	return stack[depth - 1] == '{' ? "Expected ',' or '}'" :
	    "Expected ',' or ']'";
}

/*
 * "invalid JSON: why at line L, column C", counted as libjq does: the
 * column of the offending byte, or at EOF the bytes on the last line.
 */
static void
check_error(char *err, size_t errlen, const char *s, const char *end,
    const char *at, const char *why)
{
	const char *q;
	long line = 1, col = 0;
	char what[16] = "";

	for (q = s; q < at; q++) {
		if (*q == '\n')
			line++, col = 0;
		else
			col++;
	}
	if (strcmp(why, "Expected JSON value") == 0) {
		snprintf(err, errlen, "invalid JSON: %s", why);
		return;
	}
	if (at < end) {
		unsigned char c = (unsigned char)*at;

		col++;
		if (strcmp(why, "Unexpected character") == 0) {
			if (c > 0x20 && c < 0x7f && c != '\'')
				snprintf(what, sizeof what, " '%c'", c);
			else
				snprintf(what, sizeof what, " (byte 0x%02x)", c);
		}
	}
	snprintf(err, errlen, "invalid JSON: %s%s at line %ld, column %ld",
	    why, what, line, col);
}

jv
fx_json_parse(const char *s, size_t len, char *err, size_t errlen)
{
	struct jv_parser *p;
	jv v, next;
	const char *why, *at;

	if (len > 0x7fffffff) {
		snprintf(err, errlen, "invalid JSON: value too large");
		return jv_invalid();
	}
	/*
	 * libjq only ever sees valid JSON: it accepts some text that is
	 * not (above), and leaks on some that is invalid.  The reasons
	 * are worded as libjq's where it has one.
	 */
	if ((why = json_check(s, len, &at)) != NULL) {
		check_error(err, errlen, s, s + len, at, why);
		return jv_invalid();
	}
	/*
	 * Not jv_parse_sized(): libjq 1.6 appends "(while parsing '...')"
	 * with the whole input to its messages (and, before Debian's
	 * security fixes, read s as a C string - past len when s is not
	 * NUL-terminated there).  What can still fail here are libjq's
	 * own limits.
	 */
	p = jv_parser_new(0);
	jv_parser_set_buf(p, s, (int)len, 0);
	v = jv_parser_next(p);
	if (jv_is_valid(v)) {
		next = jv_parser_next(p);
		if (jv_is_valid(next) || jv_invalid_has_msg(jv_copy(next))) {
			jv_free(v);
			v = jv_is_valid(next) ? jv_invalid() : next;
			if (jv_is_valid(next))
				jv_free(next);
		} else
			jv_free(next);
	}
	jv_parser_free(p);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		snprintf(err, errlen, "invalid JSON: %s",
		    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) :
		    "libjq could not parse it");
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
	jv v;

	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	/* jv_object_get() says "absent" with jv_invalid(). */
	v = jv_object_get(jv_copy(obj), jv_string(key));
	return jv_is_valid(v) ? v : jv_null();
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

jv
fx_json_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL, why[512];
	size_t cap = 0, n = 0, k;
	jv v;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return jv_invalid();
	}
	do {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 65536;
			data = fx_xrealloc(data, cap + 1);
		}
		k = fread(data + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path,
		    strerror(errno));
		fclose(f);
		free(data);
		return jv_invalid();
	}
	fclose(f);
	data[n] = '\0';
	v = fx_json_parse(data, n, why, sizeof why);
	free(data);
	if (!jv_is_valid(v))
		snprintf(err, errlen, "%s: %s", path, why);
	return v;
}

/* ---- fx_json_scan ---- */

static const char *
js_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* After the opening quote: the closing quote, or NULL (an escape, a
 * control character, a byte >= 0x80, or the end). */
static const char *
js_str(const char *p, const char *e)
{
	for (; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p;
		if (c == '\\' || c < 0x20 || c >= 0x80)
			return NULL;
	}
	return NULL;
}

static const char *
js_digits(const char *p, const char *e)
{
	const char *s = p;

	while (p < e && *p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

static const char *
js_num(const char *p, const char *e)
{
	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0')
		p++;
	else if (p >= e || *p < '1' || *p > '9' ||
	    (p = js_digits(p, e)) == NULL)
		return NULL;
	if (p < e && *p == '.' && (p = js_digits(p + 1, e)) == NULL)
		return NULL;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if ((p = js_digits(p, e)) == NULL)
			return NULL;
	}
	return p;
}

/* A value at p (not blank): its end, or NULL; *kind what it is. */
static const char *
js_value(const char *p, const char *e, int depth, int *kind)
{
	static const struct { const char *w; size_t n; int kind; } lit[] = {
		{ "true", 4, FX_JS_TRUE }, { "false", 5, FX_JS_FALSE },
		{ "null", 4, FX_JS_NULL }
	};
	size_t i;
	int k;

	if (p >= e)
		return NULL;
	if (*p == '"') {
		*kind = FX_JS_STRING;
		return (p = js_str(p + 1, e)) ? p + 1 : NULL;
	}
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		*kind = FX_JS_NUMBER;
		return js_num(p, e);
	}
	for (i = 0; i < 3; i++)
		if ((size_t)(e - p) >= lit[i].n &&
		    memcmp(p, lit[i].w, lit[i].n) == 0) {
			*kind = lit[i].kind;
			return p + lit[i].n;
		}
	if (depth >= 64 || (*p != '{' && *p != '['))
		return NULL;
	if (*p == '[') {
		*kind = FX_JS_ARRAY;
		p = js_ws(p + 1, e);
		if (p < e && *p == ']')
			return p + 1;
		for (;;) {
			if ((p = js_value(p, e, depth + 1, &k)) == NULL)
				return NULL;
			p = js_ws(p, e);
			if (p < e && *p == ']')
				return p + 1;
			if (p >= e || *p != ',')
				return NULL;
			p = js_ws(p + 1, e);
		}
	}
	*kind = FX_JS_OBJECT;
	p = js_ws(p + 1, e);
	if (p < e && *p == '}')
		return p + 1;
	for (;;) {
		if (p >= e || *p != '"' || (p = js_str(p + 1, e)) == NULL)
			return NULL;
		p = js_ws(p + 1, e);
		if (p >= e || *p != ':')
			return NULL;
		p = js_ws(p + 1, e);
		if ((p = js_value(p, e, depth + 1, &k)) == NULL)
			return NULL;
		p = js_ws(p, e);
		if (p < e && *p == '}')
			return p + 1;
		if (p >= e || *p != ',')
			return NULL;
		p = js_ws(p + 1, e);
	}
}

int
fx_json_scan(const char *s, size_t len, fx_jfield *f, int n)
{
	const char *p = s, *e = s + len;
	size_t klen[64];
	int i;

	if (n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		f[i].kind = FX_JS_ABSENT;
		f[i].v = NULL;
		f[i].len = 0;
		klen[i] = strlen(f[i].key);
	}
	p = js_ws(p, e);
	if (p >= e || *p != '{')
		return 0;
	p = js_ws(p + 1, e);
	if (p < e && *p == '}')
		return js_ws(p + 1, e) == e;
	for (;;) {
		const char *k, *ke, *v, *ve;
		int kind;

		if (p >= e || *p != '"' || (ke = js_str(p + 1, e)) == NULL)
			return 0;
		k = p + 1;
		p = js_ws(ke + 1, e);
		if (p >= e || *p != ':')
			return 0;
		v = p = js_ws(p + 1, e);
		if ((ve = js_value(p, e, 1, &kind)) == NULL)
			return 0;
		for (i = 0; i < n; i++)
			if (klen[i] == (size_t)(ke - k) &&
			    (klen[i] == 0 || f[i].key[0] == *k) &&
			    memcmp(f[i].key, k, (size_t)(ke - k)) == 0) {
				f[i].kind = kind;
				f[i].v = kind == FX_JS_STRING ? v + 1 : v;
				f[i].len = (size_t)(ve - v) -
				    (kind == FX_JS_STRING ? 2 : 0);
			}
		p = js_ws(ve, e);
		if (p < e && *p == '}')
			return js_ws(p + 1, e) == e;
		if (p >= e || *p != ',')
			return 0;
		p = js_ws(p + 1, e);
	}
}

int
fx_json_array_next(const char **it, const char *end, fx_jfield *elem)
{
	const char *p = js_ws(*it, end), *ve;
	int kind;

	if (p < end && (*p == '[' || *p == ','))
		p = js_ws(p + 1, end);
	if (p >= end || *p == ']' || (ve = js_value(p, end, 1, &kind)) == NULL)
		return 0;
	elem->key = NULL;
	elem->kind = kind;
	elem->v = kind == FX_JS_STRING ? p + 1 : p;
	elem->len = (size_t)(ve - p) - (kind == FX_JS_STRING ? 2 : 0);
	*it = ve;
	return 1;
}

int
fx_jfield_num(const fx_jfield *f, double *out)
{
	char tmp[64];

	if (f->kind != FX_JS_NUMBER || f->len >= sizeof tmp)
		return 0;
	memcpy(tmp, f->v, f->len);
	tmp[f->len] = '\0';
	*out = strtod(tmp, NULL);
	return 1;
}
