/*
 * fuzz_json.c - libFuzzer harness for fx_json_parse (make fuzz).
 *
 * The input, not NUL-terminated (so AddressSanitizer sees any read past
 * it), is parsed as a value and as a record.  Checked: no crash or leak;
 * a failure has a reason starting "invalid JSON"; what is accepted, libjq
 * alone accepts too, as an equal value; a value written with fx_buf_jv
 * parses back and writes the same text again; the getters answer within
 * their contracts; when fx_json_scan says 1 the text is valid and each
 * member it found is the value libjq parsed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s " \
    "(line %d)\n", #c, __LINE__); abort(); } } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	const char *type = NULL;
	jv v, again;
	fx_buf b = FX_BUF_INIT, b2 = FX_BUF_INIT;
	double d;
	int flag;

	if (size > 65536)
		return 0;
	err[0] = '\0';
	v = fx_json_parse((const char *)data, size, err, sizeof err);
	if (!jv_is_valid(v)) {
		CHECK(strncmp(err, "invalid JSON", 12) == 0);
		jv_free(v);
	} else {
		CHECK(strcmp(fx_json_kind(v), "invalid") != 0);
		{
			/* libjq on a terminated copy (it is valid JSON, so
			 * libjq's leaks on bad text cannot happen) */
			char *copy = malloc(size + 1);
			jv alone;

			memcpy(copy, data, size);
			copy[size] = '\0';
			alone = jv_parse_sized(copy, (int)size);
			CHECK(jv_is_valid(alone));
			CHECK(jv_equal(alone, jv_copy(v)));
			free(copy);
		}
		fx_buf_jv(&b, v);
		again = fx_json_parse(b.data, b.len, err, sizeof err);
		CHECK(jv_is_valid(again));
		fx_buf_jv(&b2, again);
		CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
		jv_free(again);
		CHECK(fx_json_num(v, "load_kw", &d) >= -1);
		CHECK(fx_json_bool(v, "holiday_flag", &flag) >= -1);
		jv_free(v);
	}
	{
		fx_jfield f[3] = { { "type", 0, 0, 0 }, { "a", 0, 0, 0 },
		    { "load_kw", 0, 0, 0 } };

		if (fx_json_scan((const char *)data, size, f, 3) == 1) {
			int i;

			v = fx_json_parse((const char *)data, size, err,
			    sizeof err);
			CHECK(jv_is_valid(v) &&
			    jv_get_kind(v) == JV_KIND_OBJECT);
			for (i = 0; i < 3; i++) {
				jv m = fx_json_get(v, f[i].key);

				if (f[i].kind == FX_JS_ABSENT)
					CHECK(jv_get_kind(m) == JV_KIND_NULL);
				else if (f[i].kind == FX_JS_STRING)
					CHECK(jv_get_kind(m) == JV_KIND_STRING &&
					    (size_t)jv_string_length_bytes(
					    jv_copy(m)) == f[i].len &&
					    memcmp(jv_string_value(m), f[i].v,
					    f[i].len) == 0);
				else if (f[i].kind == FX_JS_NUMBER)
					CHECK(jv_get_kind(m) == JV_KIND_NUMBER);
				jv_free(m);
			}
			jv_free(v);
		}
	}
	err[0] = '\0';
	v = fx_json_parse_record((const char *)data, size, &type, err,
	    sizeof err);
	if (jv_is_valid(v)) {
		CHECK(jv_get_kind(v) == JV_KIND_OBJECT && type != NULL);
		CHECK(fx_json_str(v, "type") == type);
	} else
		CHECK(err[0] != '\0');
	jv_free(v);
	fx_buf_free(&b);
	fx_buf_free(&b2);
	return 0;
}
