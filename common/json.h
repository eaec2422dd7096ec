/*
 * json.h - reading JSON with libjq's jv, under one ownership rule.
 *
 * THE RULE.  libjq's jv_* functions consume (free) their jv arguments.
 * The fx_json_* functions below do the opposite: they BORROW every jv
 * argument and never free it.  What they return is either
 *   - a jv, which is a new reference the caller must jv_free(), or
 *   - a C pointer into the argument (a string), valid while the argument
 *     is alive and unchanged.
 * Each function says which.  Keep the two styles apart: wrap jv_* calls
 * in jv_copy() when the caller still needs the value afterwards.
 *
 * Writing JSON goes through buf.h (fx_buf_jstr, fx_buf_num, ...), which is
 * faster than building jv values for output.
 */
#ifndef FX_JSON_H
#define FX_JSON_H

#include <stddef.h>
#include <jv.h>

#include "buf.h"

/*
 * Parses exactly one JSON value from s[0..len).  On failure returns an
 * invalid jv (no message attached) and writes a one-line reason into
 * err (size errlen), e.g. "invalid JSON: Unfinished string at EOF ...".
 * Returns a new reference.
 */
jv fx_json_parse(const char *s, size_t len, char *err, size_t errlen);

/*
 * Parses a record line: a JSON object with a string "type".  Returns the
 * object (new reference) and points *type at its type (borrowed from the
 * object); on failure an invalid jv and a reason in err.
 */
jv fx_json_parse_record(const char *s, size_t len, const char **type,
    char *err, size_t errlen);

/*
 * Reads and parses the JSON file at path.  Returns the value (new
 * reference), or an invalid jv with "path: reason" in err (the system's
 * reason when it cannot be read, the parser's when it is not JSON).
 */
jv fx_json_load(const char *path, char *err, size_t errlen);

/* obj[key] as a new reference (jv_invalid() when obj is not an object,
 * jv_null() when the key is absent). */
jv fx_json_get(jv obj, const char *key);

/* obj[key] as a C string borrowed from obj, or NULL if absent or not a
 * string. */
const char *fx_json_str(jv obj, const char *key);

/*
 * Typed getters.  Return 1 and set *out when obj[key] has the type,
 * 0 when the key is absent or null (*out unchanged), -1 when present with
 * another type (*out unchanged).
 */
int fx_json_num(jv obj, const char *key, double *out);
int fx_json_bool(jv obj, const char *key, int *out);

/* Name of a jv kind for messages: "object", "number", ... */
const char *fx_json_kind(jv v);

/*
 * A fast look at the top-level members of an object line, without
 * building values: for hot record types whose fields a program reads
 * many of.  fields[i].key names a member to find (plain ASCII); on return
 * fields[i].kind says what it is (FX_JS_ABSENT when missing; a later
 * duplicate wins, as in libjq) and v, len its text: a string's bytes
 * without the quotes, a number's or literal's text, an object's or
 * array's whole text.
 *
 * Returns 1 when s[0..len) is exactly one JSON object per RFC 8259 whose
 * strings, at any depth, are plain ASCII without escapes (so v, len are
 * the string's value); 0 otherwise (or when n > 64), and then the caller
 * parses with fx_json_parse_record(), which either accepts the line or
 * says what is wrong.  A 1 is never given to text fx_json_parse() rejects.
 */
enum { FX_JS_ABSENT, FX_JS_STRING, FX_JS_NUMBER, FX_JS_TRUE, FX_JS_FALSE,
	FX_JS_NULL, FX_JS_OBJECT, FX_JS_ARRAY };

typedef struct fx_jfield {
	const char *key;	/* in */
	int kind;		/* out: FX_JS_* */
	const char *v;		/* out: into s */
	size_t len;
} fx_jfield;

int fx_json_scan(const char *s, size_t len, fx_jfield *fields, int n);

/*
 * The elements of an array text that fx_json_scan() gave (a field of kind
 * FX_JS_ARRAY, so already checked): *it starts at f->v, and each call sets
 * *elem to the next element (key NULL; kind, v, len as fx_json_scan sets
 * them) and returns 1, or returns 0 after the last.  Text not from
 * fx_json_scan() gives 0 where it stops being JSON.
 */
int fx_json_array_next(const char **it, const char *end, fx_jfield *elem);

/* A scanned number field as a double: 1 and *out, or 0 when the field is
 * not a number (absent, or another kind). */
int fx_jfield_num(const fx_jfield *f, double *out);

/* Appends v as compact JSON to b (borrowed). */
void fx_buf_jv(fx_buf *b, jv v);

#endif
