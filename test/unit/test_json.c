/*
 * test_json.c - parsing records with libjq's jv under the borrow rule.
 *
 * Run under AddressSanitizer (make check) this also proves the borrowed
 * pointers and the reference counts: a use after free or a leak fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "json.h"
#include "tap.h"

/* s copied into a buffer of exactly len bytes (no NUL after it), so
 * AddressSanitizer catches any read past len. */
static char *
exact(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	memcpy(p, s, len);
	return p;
}

static void
parse_ok(const char *s, jv_kind kind, const char *name)
{
	char err[256] = "untouched", *buf = exact(s, strlen(s));
	jv v = fx_json_parse(buf, strlen(s), err, sizeof err);

	ok(jv_is_valid(v) && jv_get_kind(v) == kind, "parse %s: %s", name,
	    jv_kind_name(kind));
	jv_free(v);
	free(buf);
}

static void
parse_bad(const char *s, size_t len, const char *want_in_reason,
    const char *name)
{
	char err[256] = "", *buf = exact(s, len);
	jv v = fx_json_parse(buf, len, err, sizeof err);

	if (!ok(!jv_is_valid(v) && strncmp(err, "invalid JSON: ", 14) == 0 &&
	    strstr(err, want_in_reason) != NULL && strchr(err, '\n') == NULL,
	    "reject %s: %s", name, err))
		printf("#   want a reason with '%s'\n", want_in_reason);
	ok(!jv_invalid_has_msg(jv_copy(v)), "  the invalid jv carries no message");
	jv_free(v);
	free(buf);
}

/* parse_bad of a C string. */
static void
bad(const char *s, const char *want_in_reason, const char *name)
{
	parse_bad(s, strlen(s), want_in_reason, name);
}

static void
test_parse(void)
{
	char err[16], long_text[3000];
	jv v;
	size_t i;

	parse_ok("{\"type\":\"reading\",\"load_kw\":12.5}", JV_KIND_OBJECT, "object");
	parse_ok("[1,2,3]", JV_KIND_ARRAY, "array");
	parse_ok("\"x\"", JV_KIND_STRING, "string");
	parse_ok("-1.5e3", JV_KIND_NUMBER, "number");
	parse_ok("true", JV_KIND_TRUE, "true");
	parse_ok("false", JV_KIND_FALSE, "false");
	parse_ok("null", JV_KIND_NULL, "null");
	parse_ok("  {\"a\" : [ ] }\t\r\n", JV_KIND_OBJECT, "object with blanks");
	parse_ok("{\"s\":\"caf\xc3\xa9 \\u00e9 \\ud834\\udd1e\"}", JV_KIND_OBJECT,
	    "unicode escapes");

	bad("", "", "empty input");
	bad("   ", "", "blanks only");
	bad("{", "Unfinished JSON term at EOF at line 1, column 1",
	    "unfinished object (libjq's words)");
	bad("{\"a\":1", "", "unfinished object after a value");
	bad("\"abc", "", "unfinished string");
	bad("{\"a\":1}}", "", "extra brace");
	bad("{\"a\":1} {\"b\":2}", "extra", "two values");
	bad("1 2", "extra", "two numbers");
	bad("{a:1}", "", "unquoted key");
	bad("[1,]", "", "trailing comma");
	bad("tru", "", "truncated literal");
	bad("{\"a\":1}x", "", "trailing junk");
	bad("{\"a\":\"\x01\"}", "", "raw control character in a string");
	parse_bad("{\"a\":1}\0{\"b\":2}", 15, "", "a NUL byte after the value");
	bad("\"a\\qb\"", "Invalid escape", "bad escape");
	bad("\"\\u12G4\"", "Invalid \\u escape: want 4 hex digits",
	    "bad \\u escape");
	bad("{\"a\" 1}", "", "missing colon");
	bad("{1:2}", "Object keys must be strings",
	    "number as a key");
	bad("[1}", "", "mismatched close");
	bad("{\"a\":1]", "Expected ',' or '}' at line 1, "
	    "column 7", "mismatched close in object");
	bad("[1,2]\n  x", "Unexpected extra JSON values at line 2, column 3",
	    "line and column of the error");
	/* libjq 1.6 takes these for numbers; RFC 8259 does not. */
	bad("nan", "Invalid literal at line 1, column 1", "nan");
	bad("[NaN]", "Unexpected character 'N' at line 1, column 2",
	    "NaN");
	bad("-nan", "Invalid numeric literal", "-nan");
	parse_bad("\0", 1, "Unexpected character (byte 0x00) at line 1, column 1",
	    "a NUL byte (libjq: 0)");
	parse_bad("[1,\0]", 5, "Unexpected character (byte 0x00) at line 1, "
	    "column 4", "a NUL byte in an array");
	parse_bad("{\"a\":\0}", 7, "Unexpected character", "a NUL byte as a value");
	bad("+1", "Unexpected character '+'", "+1");
	bad(".5", "Unexpected character '.'", ".5");
	bad("1.", "Invalid numeric literal", "1.");
	bad("01", "Invalid numeric literal at line 1, column 2", "01");
	bad("-", "Invalid numeric literal", "-");
	bad("1e", "Invalid numeric literal", "1e");
	bad("1e+", "Invalid numeric literal", "1e+");
	bad("0x10", "Invalid numeric literal", "0x10");
	bad("Infinity", "Unexpected character 'I'", "Infinity");
	bad("truex", "Invalid literal", "truex");
	bad("nul", "Invalid", "nul");
	bad("1.5e", "", "1.5e");
	bad("-Infinity", "Invalid numeric literal", "-Infinity");
	bad("[1e5x]", "", "1e5x");
	/* libjq 1.6 leaks the second string here (ASan would say), so
	 * these are answered without it. */
	bad("[\"a\" \"b\"]", "Expected ',' or ']'", "two strings in an array");
	bad("{\"a\":\"x\" \"b\":1}", "Expected ',' or '}'",
	    "two strings in an object");
	bad("{\"a\" \"b\"}", "Expected ':' after a key",
	    "a string after a key");
	bad("[1,\n \"a\" \"b\"]", "Expected ',' or ']' at line 2, "
	    "column 6", "line and column, counted as libjq does");
	bad("[1 \"b\"]", "Expected ',' or ']'", "a string after a number");
	bad("[1,{\"\":{\"\":[]}},\"\",0.\"\"", "Invalid numeric literal",
	    "a string after \"0.\" (libjq reads 0. as a number, then leaks)");
	bad("{\n", "Unfinished JSON term at EOF at line 2, column 0",
	    "EOF after a newline: libjq's line and column");
	bad("\"a\" \"b\"", "Unexpected extra JSON values",
	    "two strings");
	parse_ok("[-0,0.5,1e5,1E-5,-1.5e+300,123456789012345678901234567890]",
	    JV_KIND_ARRAY, "every number form");
	parse_ok("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00aF\"", JV_KIND_STRING,
	    "every escape");
	for (i = 0; i < 256; i++)
		long_text[i] = '[';
	for (i = 0; i < 256; i++)
		long_text[256 + i] = ']';
	v = fx_json_parse(long_text, 512, err, sizeof err);
	ok(jv_get_kind(v) == JV_KIND_ARRAY, "256 levels of nesting parse");
	jv_free(v);
	long_text[256] = '[';
	long_text[512] = ']';
	parse_bad(long_text, 513, "Exceeds depth limit", "257 levels of nesting");
	for (i = 0; i < sizeof long_text; i++)
		long_text[i] = i % 2 ? '[' : ' ';
	parse_bad(long_text, sizeof long_text, "", "3000 bytes of unfinished arrays");

	/* Only len bytes count. */
	v = fx_json_parse("{\"a\":1}garbage", 7, err, sizeof err);
	ok(jv_get_kind(v) == JV_KIND_OBJECT, "only the first len bytes are parsed");
	jv_free(v);
	v = fx_json_parse("[1,2]", 3, err, sizeof err);
	ok(!jv_is_valid(v), "a prefix that is not a value fails");
	jv_free(v);

	/* A small err buffer gets a truncated, terminated reason. */
	memset(err, 'X', sizeof err);
	v = fx_json_parse("{", 1, err, sizeof err);
	ok(!jv_is_valid(v) && memchr(err, '\0', sizeof err) != NULL &&
	    strncmp(err, "invalid JSON: ", 14) == 0,
	    "a 16-byte err buffer gets a terminated reason ('%s')", err);
	jv_free(v);
}

/* Invalid text that ends right before an unmapped page: nothing may be
 * read past len (libjq 1.6 once read on to a NUL for its message). */
static void
test_guard_page(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)(2 * pg), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), err[256];
	const char *cases[] = { "{\"a\":", "[1,2", "\"abc", "tru", "{\"a\":1}x",
	    "12", "{\"type\":\"reading\"}" };
	size_t i;
	int good = 1;

	if (m == MAP_FAILED || mprotect(m + pg, (size_t)pg, PROT_NONE) != 0) {
		ok(0, "mmap a guard page");
		return;
	}
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = strlen(cases[i]);
		char *s = m + pg - n;
		jv v;

		memcpy(s, cases[i], n);
		v = fx_json_parse(s, n, err, sizeof err);
		good &= jv_is_valid(v) == (i >= 5);
		jv_free(v);
	}
	ok(good, "text ending at an unmapped page parses without reading past it");
	munmap(m, (size_t)(2 * pg));
}

static void
record_ok(const char *s, const char *want_type)
{
	char err[256] = "";
	const char *type = NULL;
	jv v = fx_json_parse_record(s, strlen(s), &type, err, sizeof err);

	if (!ok(jv_get_kind(v) == JV_KIND_OBJECT && type &&
	    strcmp(type, want_type) == 0, "record %s: type %s", s, want_type))
		printf("#   err %s\n", err);
	jv_free(v);
}

static void
record_bad(const char *s, const char *want)
{
	char err[256] = "";
	const char *type = NULL;
	jv v = fx_json_parse_record(s, strlen(s), &type, err, sizeof err);

	if (!ok(!jv_is_valid(v) && strstr(err, want) != NULL,
	    "record %s rejected: %s", s, err))
		printf("#   want '%s'\n", want);
	jv_free(v);
}

static void
test_record(void)
{
	record_ok("{\"type\":\"reading\",\"feeder_id\":\"F1\"}", "reading");
	record_ok("{\"feeder_id\":\"F1\",\"type\":\"exo\"}", "exo");
	record_ok("{\"type\":\"\"}", "");
	record_bad("[1,2]", "record is a JSON array, not an object");
	record_bad("42", "record is a JSON number, not an object");
	record_bad("\"reading\"", "record is a JSON string, not an object");
	record_bad("null", "record is a JSON null, not an object");
	record_bad("true", "record is a JSON boolean, not an object");
	record_bad("{}", "no string \"type\"");
	record_bad("{\"feeder_id\":\"F1\"}", "no string \"type\"");
	record_bad("{\"type\":7}", "no string \"type\"");
	record_bad("{\"type\":null}", "no string \"type\"");
	record_bad("{\"type\":[\"reading\"]}", "no string \"type\"");
	record_bad("{\"type\":\"reading\"", "invalid JSON: ");
	record_bad("", "invalid JSON: ");
}

static void
test_getters(void)
{
	char err[256];
	const char *text = "{\"s\":\"hello\",\"n\":12.5,\"i\":-3,\"t\":true,"
	    "\"f\":false,\"z\":null,\"a\":[1],\"o\":{\"k\":\"v\"},\"e\":\"\","
	    "\"u\":\"\\u00e9t\\u00e9\"}";
	jv obj = fx_json_parse(text, strlen(text), err, sizeof err), g, arr;
	const char *s, *e, *u, *k;
	double d = -99;
	int b = -99, i;

	ok(jv_get_kind(obj) == JV_KIND_OBJECT, "parse the getter sample");

	g = fx_json_get(obj, "n");
	ok(jv_get_kind(g) == JV_KIND_NUMBER && jv_number_value(g) == 12.5,
	    "get: present key, new reference");
	jv_free(g);
	g = fx_json_get(obj, "missing");
	ok(jv_get_kind(g) == JV_KIND_NULL, "get: absent key is null (got %s)",
	    fx_json_kind(g));
	jv_free(g);
	g = fx_json_get(obj, "z");
	ok(jv_get_kind(g) == JV_KIND_NULL, "get: explicit null is null");
	jv_free(g);
	arr = fx_json_get(obj, "a");
	g = fx_json_get(arr, "x");
	ok(jv_get_kind(g) == JV_KIND_INVALID, "get on an array is invalid");
	jv_free(g);
	jv_free(arr);
	g = fx_json_get(jv_null(), "x");
	ok(jv_get_kind(g) == JV_KIND_INVALID, "get on null is invalid");
	jv_free(g);

	s = fx_json_str(obj, "s");
	e = fx_json_str(obj, "e");
	u = fx_json_str(obj, "u");
	is_str(s, "hello", "str: a string");
	is_str(e, "", "str: an empty string");
	is_str(u, "\xc3\xa9t\xc3\xa9", "str: unicode escapes decoded to UTF-8");
	ok(fx_json_str(obj, "n") == NULL, "str: a number is NULL");
	ok(fx_json_str(obj, "z") == NULL, "str: null is NULL");
	ok(fx_json_str(obj, "missing") == NULL, "str: absent is NULL");
	ok(fx_json_str(obj, "o") == NULL, "str: an object is NULL");
	ok(fx_json_str(jv_null(), "s") == NULL, "str: on a non-object is NULL");
	g = fx_json_get(obj, "o");
	k = fx_json_str(g, "k");
	jv_free(g);	/* obj still holds "o", so k stays valid */

	ok(fx_json_num(obj, "n", &d) == 1 && d == 12.5, "num: 1 and the value");
	ok(fx_json_num(obj, "i", &d) == 1 && d == -3, "num: negative integer");
	d = -99;
	ok(fx_json_num(obj, "missing", &d) == 0 && d == -99,
	    "num: absent is 0, out unchanged");
	ok(fx_json_num(obj, "z", &d) == 0 && d == -99, "num: null is 0, unchanged");
	ok(fx_json_num(obj, "s", &d) == -1 && d == -99,
	    "num: a string is -1, unchanged");
	ok(fx_json_num(obj, "t", &d) == -1 && d == -99, "num: a boolean is -1");
	ok(fx_json_num(obj, "a", &d) == -1 && d == -99, "num: an array is -1");
	ok(fx_json_num(jv_null(), "n", &d) == 0 && d == -99,
	    "num: on a non-object is 0");

	ok(fx_json_bool(obj, "t", &b) == 1 && b == 1, "bool: true is 1, 1");
	ok(fx_json_bool(obj, "f", &b) == 1 && b == 0, "bool: false is 1, 0");
	b = -99;
	ok(fx_json_bool(obj, "missing", &b) == 0 && b == -99, "bool: absent is 0");
	ok(fx_json_bool(obj, "z", &b) == 0 && b == -99, "bool: null is 0");
	ok(fx_json_bool(obj, "n", &b) == -1 && b == -99, "bool: a number is -1");
	ok(fx_json_bool(obj, "s", &b) == -1 && b == -99, "bool: a string is -1");

	/* Churn the allocator, then read the borrowed pointers. */
	for (i = 0; i < 1000; i++) {
		const char *other = "{\"s\":\"other\",\"x\":[1,2,3]}";
		jv t = fx_json_parse(other, strlen(other), err, sizeof err);
		const char *o = fx_json_str(t, "s");

		if (o == NULL || strcmp(o, "other") != 0)
			break;
		jv_free(t);
	}
	ok(i == 1000, "1000 other parses and frees");
	ok(s && strcmp(s, "hello") == 0 && e && *e == '\0' && u &&
	    strcmp(u, "\xc3\xa9t\xc3\xa9") == 0 && k && strcmp(k, "v") == 0,
	    "borrowed strings are still valid while the object lives");
	jv_free(obj);
}

static void
test_kind(void)
{
	jv v;

	is_str(fx_json_kind(jv_invalid()), "invalid", "kind invalid");
	is_str(fx_json_kind(jv_null()), "null", "kind null");
	is_str(fx_json_kind(jv_true()), "boolean", "kind true");
	is_str(fx_json_kind(jv_false()), "boolean", "kind false");
	is_str(fx_json_kind(jv_number(1)), "number", "kind number");
	v = jv_string("x");
	is_str(fx_json_kind(v), "string", "kind string (borrowed)");
	jv_free(v);
	v = jv_array();
	is_str(fx_json_kind(v), "array", "kind array");
	jv_free(v);
	v = jv_object();
	is_str(fx_json_kind(v), "object", "kind object");
	jv_free(v);
}

static void
test_buf_jv(void)
{
	fx_buf b = FX_BUF_INIT;
	char err[256];
	const char *text = "{\"type\":\"x\",\"a\":[1,2.5,\"s\",null,true],"
	    "\"o\":{},\"u\":\"\xc3\xa9\\n\"}";
	jv v = fx_json_parse(text, strlen(text), err, sizeof err), back;

	fx_buf_puts(&b, "[");
	fx_buf_jv(&b, v);
	fx_buf_puts(&b, ",");
	fx_buf_jv(&b, v);	/* v is borrowed: still usable */
	fx_buf_puts(&b, "]");
	is_str(fx_buf_cstr(&b), "[{\"type\":\"x\",\"a\":[1,2.5,\"s\",null,true],"
	    "\"o\":{},\"u\":\"\xc3\xa9\\n\"},{\"type\":\"x\",\"a\":[1,2.5,\"s\","
	    "null,true],\"o\":{},\"u\":\"\xc3\xa9\\n\"}]",
	    "fx_buf_jv appends compact JSON and borrows v");
	back = fx_json_parse(b.data, b.len, err, sizeof err);
	ok(jv_get_kind(back) == JV_KIND_ARRAY &&
	    jv_equal(jv_array_get(jv_copy(back), 0), jv_copy(v)),
	    "and it parses back equal");
	jv_free(back);
	jv_free(v);
	b.len = 0;
	fx_buf_jv(&b, jv_null());
	is_str(fx_buf_cstr(&b), "null", "fx_buf_jv of null");
	fx_buf_free(&b);
}

/* fx_json_scan: what it finds, and that it says 1 only for text that
 * fx_json_parse accepts. */
static void
test_scan(void)
{
	static const char *const good[] = {
		"{}", " { } ", "{\"a\":1}", "{\"a\":[1,{\"b\":[]}],\"c\":null}",
		"{\"x\":-0.5e+3,\"y\":true,\"z\":false}",
	};
	static const char *const fallback[] = {
		"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}",
		"{\"a\":1.}", "{\"a\":-}", "{\"a\":tru}", "{\"a\":\"x\\n\"}",
		"{\"a\":\"\xc3\xa9\"}", "{\"a\":1} x", "{\"a\":[1,]}", "{\"a\":{\"b\"}}",
		"{\"a\":\"\x01\"}", "{\"a\":1e}", "{'a':1}", "{\"a\":[1 2]}",
	};
	fx_jfield f[4] = { { "type", 0, 0, 0 }, { "n", 0, 0, 0 },
	    { "o", 0, 0, 0 }, { "gone", 0, 0, 0 } };
	const char *rec = "{\"type\":\"features\",\"n\":2,\"o\":{\"k\":[1,2]},"
	    "\"n\":-3.5e2}";
	char err[128], deep[300];
	double d = 0;
	size_t i;

	ok(fx_json_scan(rec, strlen(rec), f, 4) == 1, "scan: a record");
	ok(f[0].kind == FX_JS_STRING && f[0].len == 8 &&
	    memcmp(f[0].v, "features", 8) == 0, "scan: a string's bytes");
	ok(fx_jfield_num(&f[1], &d) == 1 && d == -350, "scan: the later "
	    "duplicate wins, as a number");
	ok(f[2].kind == FX_JS_OBJECT && f[2].len == 11 &&
	    memcmp(f[2].v, "{\"k\":[1,2]}", 11) == 0, "scan: an object's text");
	ok(f[3].kind == FX_JS_ABSENT && fx_jfield_num(&f[3], &d) == 0,
	    "scan: an absent member");
	ok(fx_jfield_num(&f[0], &d) == 0, "scan: a string is not a number");
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		jv v = fx_json_parse(good[i], strlen(good[i]), err, sizeof err);

		ok(fx_json_scan(good[i], strlen(good[i]), f, 4) == 1 &&
		    jv_is_valid(v), "scan accepts valid '%s'", good[i]);
		jv_free(v);
	}
	for (i = 0; i < sizeof fallback / sizeof fallback[0]; i++)
		ok(fx_json_scan(fallback[i], strlen(fallback[i]), f, 4) == 0,
		    "scan leaves '%s' to the parser", fallback[i]);
	/* nesting past 64 levels goes to the parser, 60 is fine */
	memcpy(deep, "{\"a\":", 5);
	for (i = 0; i < 80; i++) {
		deep[5 + i] = '[';
		deep[5 + 80 + i] = ']';
	}
	deep[165] = '}';
	ok(fx_json_scan(deep, 166, f, 4) == 0, "scan: deep nesting falls "
	    "back");
	memmove(deep + 5, deep + 25, 120);	/* 60 of each */
	deep[125] = '}';
	ok(fx_json_scan(deep, 126, f, 4) == 1, "scan: 60 levels are fine");
	/* the elements of a scanned array */
	{
		const char *arr = "{\"a\":[ \"x\" ,{\"b\":[1,2]}, -3 ,[],null ],"
		    "\"e\":[]}";
		static const int kinds[] = { FX_JS_STRING, FX_JS_OBJECT,
		    FX_JS_NUMBER, FX_JS_ARRAY, FX_JS_NULL };
		static const char *const texts[] = { "x", "{\"b\":[1,2]}",
		    "-3", "[]", "null" };
		fx_jfield af[2] = { { "a", 0, 0, 0 }, { "e", 0, 0, 0 } }, el;
		const char *it;
		int n = 0, same = 1;

		ok(fx_json_scan(arr, strlen(arr), af, 2) == 1, "array: scanned");
		it = af[0].v;
		while (fx_json_array_next(&it, af[0].v + af[0].len, &el)) {
			if (n >= 5 || el.kind != kinds[n] ||
			    el.len != strlen(texts[n]) ||
			    memcmp(el.v, texts[n], el.len) != 0)
				same = 0;
			n++;
		}
		ok(n == 5 && same, "array: five elements, their kinds and "
		    "texts (%d)", n);
		it = af[1].v;
		ok(fx_json_array_next(&it, af[1].v + af[1].len, &el) == 0,
		    "array: an empty one has none");
	}
}

int
main(void)
{
	test_scan();
	test_parse();
	test_guard_page();
	test_record();
	test_getters();
	test_kind();
	test_buf_jv();
	return done();
}
