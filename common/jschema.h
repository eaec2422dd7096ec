/*
 * jschema.h - JSON Schema validation of libjq jv values.
 *
 * A schema is compiled once (fx_jschema_new) and then validates any number
 * of instances (fx_jschema_validate).  Compiling resolves every $ref,
 * compiles every pattern, and rejects a schema it cannot honour, so a
 * validator that exists enforces everything its schema says, but unknown
 * keywords, which the specification says to ignore (fx_jschema_unknown
 * lists them).  Validating walks the instance once, with no lookups by
 * name or URI; a schema node that only wraps another ({"allOf": [{"$ref":
 * ...}]}, the Beckn v1 way) costs nothing.
 *
 * The dialect is draft 2020-12 (as OpenAPI 3.1 uses it) with the draft-07
 * forms accepted too: items as an array with additionalItems, definitions,
 * dependencies, $id "#name"; a schema resource whose $schema names draft-04
 * to draft-07 gets draft-07's rule that $ref replaces its sibling keywords.
 * OpenAPI 3.0's "nullable": true is honoured.  docs/jschema.md lists what
 * is supported and what is not.
 *
 * Threads: validating changes the reference counts of jv values the
 * schema holds (enum, const, property names), which libjq does not make
 * atomic, so one fx_jschema serves one thread at a time; compile one per
 * thread.  Nothing is global.
 */
#ifndef FX_JSCHEMA_H
#define FX_JSCHEMA_H

#include <stddef.h>
#include <jv.h>

typedef struct fx_jschema fx_jschema;

/*
 * Another document that $ref may name by URI, e.g. with
 * {"$ref": "audit-entry.json#/$defs/time"} resolved against the referring
 * resource's $id.  uri is the document's absolute URI; NULL takes the
 * document's own top-level "$id".
 */
typedef struct fx_jschema_resource {
	const char *uri;
	jv doc;
} fx_jschema_resource;

/*
 * Compiles the schema at JSON pointer `pointer` of doc: "" or "#" for the
 * whole document, "#/components/schemas/Order" or "/components/..." for one
 * of an OpenAPI document's schemas (the tokens escaped as in RFC 6901, and
 * %-escapes decoded as in a URI fragment).  doc is consumed, also on
 * failure.
 *
 * $ref "#/..." resolves within doc; other references resolve against the
 * base URI that $id sets (none for a document without a top-level $id),
 * to a subschema of doc with that $id or $anchor, or to a resource given
 * to fx_jschema_new_with().
 *
 * Returns the validator, which the caller frees with fx_jschema_free(),
 * or NULL with a one-line reason in err (size errlen) when the schema is
 * not one: "#/properties/ttl/minLength: not a non-negative integer '-1'",
 * "#/properties/a/$ref: '#/$defs/nope' does not resolve", a pattern that
 * is not a regular expression or uses what POSIX regex cannot do, a cycle
 * of $ref that never descends into the instance ("...: $ref cycle
 * '#/$defs/a' -> '#/$defs/b' -> '#/$defs/a'").  Exits 1 on out of memory.
 */
fx_jschema *fx_jschema_new(jv doc, const char *pointer, char *err,
    size_t errlen);

/*
 * As fx_jschema_new() with nres other documents that references may name.
 * doc is consumed; the resources are borrowed (the validator keeps its
 * own references to what it needs).
 */
fx_jschema *fx_jschema_new_with(jv doc, const char *pointer,
    const fx_jschema_resource *res, int nres, char *err, size_t errlen);

void fx_jschema_free(fx_jschema *s);

/* Bytes of the fields of an error, with their NUL; longer text is cut
 * at a character boundary and ends in "...". */
#define FX_JSCHEMA_LOC_MAX 256
#define FX_JSCHEMA_MSG_MAX 320

typedef struct fx_jschema_error {
	/* JSON pointer to the invalid value in the instance, "" for the
	 * instance itself: "/context/message_id". */
	char instance[FX_JSCHEMA_LOC_MAX];
	/* Where the keyword that failed is in the schema documents, after
	 * $ref: "#/components/schemas/Context/properties/message_id/format"
	 * ("URI#/..." for a keyword of another resource). */
	char keyword[FX_JSCHEMA_LOC_MAX];
	/* "/context/message_id: not a uuid 'abc'"; the instance location
	 * first, but for the instance itself, which has none. */
	char message[FX_JSCHEMA_MSG_MAX];
} fx_jschema_error;

/*
 * Validates instance (borrowed).  Returns 0 when it is valid, else the
 * number of errors found, written to errs[0..]; looking stops at
 * max(maxerrs, 1) errors, so maxerrs 0 (errs may then be NULL) asks only
 * whether the instance is valid, the fastest way.  The order is fixed:
 * a schema's $ref first, then type, const, enum, the keywords of the
 * value's type (for an object: required, the property counts, the
 * dependencies, then each member in the instance's order), then allOf,
 * anyOf, oneOf, not, if.
 *
 * Once a value has the wrong type for a schema, that schema's other
 * keywords are not checked.  anyOf, oneOf, not, contains and
 * propertyNames report one error of their own, not the reasons their
 * subschemas failed; allOf, $ref, then and else report their subschemas'
 * errors.  A value under more than 512 nested schemas is an error
 * ("nested too deeply"); reaching that takes about 256 KB of stack.
 */
int fx_jschema_validate(const fx_jschema *s, jv instance,
    fx_jschema_error *errs, int maxerrs);

/*
 * The keywords compiling met but ignores, as an array of strings (a new
 * reference): "#/components/schemas/Item/mystery: unknown keyword",
 * "#/properties/phone/format: unknown format 'phone'".  Annotations (title,
 * description, default, examples, example, deprecated, readOnly,
 * writeOnly, $comment, discriminator, xml, externalDocs, content*) and
 * OpenAPI's x-* extensions are not listed.
 */
jv fx_jschema_unknown(const fx_jschema *s);

#endif
