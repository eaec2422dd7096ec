/* jschema.c - see jschema.h */
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "jschema.h"

#define MAX_DEPTH 512		/* schemas applied to one path, nested */
#define SUBJECT_MAX 60		/* bytes of a quoted value in a message */

/* Instance types, as a mask. */
enum {
	T_NULL = 1, T_BOOLEAN = 2, T_OBJECT = 4, T_ARRAY = 8, T_NUMBER = 16,
	T_INTEGER = 32, T_STRING = 64,
	T_NONE = 128		/* "type": [], which nothing has */
};

static const char *const type_names[] = {
	"null", "boolean", "object", "array", "number", "integer", "string"
};
static const char *const type_articles[] = {
	"null", "a boolean", "an object", "an array", "a number", "an integer",
	"a string"
};

enum {
	F_NONE, F_DATE_TIME, F_DATE, F_TIME, F_UUID, F_URI, F_EMAIL, F_IPV4,
	F_DURATION
};

static const struct {
	const char *name, *what;	/* what: "not <what> 'x'" */
} formats[] = {
	[F_DATE_TIME] = { "date-time", "a date-time" },
	[F_DATE] = { "date", "a date" },
	[F_TIME] = { "time", "a time" },
	[F_UUID] = { "uuid", "a uuid" },
	[F_URI] = { "uri", "a uri" },
	[F_EMAIL] = { "email", "an email address" },
	[F_IPV4] = { "ipv4", "an ipv4 address" },
	[F_DURATION] = { "duration", "a duration" },
};

/* Number keywords present, as a mask. */
enum {
	N_MIN = 1, N_MAX = 2, N_EXMIN = 4, N_EXMAX = 8, N_MULT = 16
};

struct regex {
	regex_t re;
	char *src;		/* the ECMA-262 text, for messages */
};

struct prop {
	jv key;
	const char *name;	/* key's bytes */
	int len;
	struct node *schema;
};

struct patprop {
	struct regex *re;
	struct node *schema;
};

/* dependentRequired / dependentSchemas / dependencies, one member. */
struct dep {
	jv key;
	jv *names;
	int nnames;
	struct node *schema;
};

/* Groups of keywords a node has, so that checking skips the others. */
enum {
	H_REF = 1, H_TYPE = 2, H_CONST = 4, H_ENUM = 8, H_NUMBER = 16,
	H_STRING = 32, H_ARRAY = 64, H_OBJECT = 128, H_ALL = 256, H_ANY = 512,
	H_ONE = 1024, H_NOT = 2048, H_IF = 4096
};

struct node {
	char *loc;		/* "#/properties/a": the schema's location */
	int boolean;		/* 1 true, 0 false, -1 an object schema */
	unsigned has;		/* H_* */
	struct node *ref;
	unsigned types;		/* T_* mask, 0 when there is no type */
	int has_const;
	jv const_v;
	jv *enum_v;
	int nenum;

	unsigned numflags;	/* N_* */
	double minimum, maximum, exmin, exmax, multiple;

	long min_len, max_len;	/* -1: none */
	struct regex *pattern;
	int format;

	struct node **prefix;
	int nprefix;
	struct node *items;	/* the items after prefix */
	long min_items, max_items;
	int unique;
	struct node *contains;
	long min_contains, max_contains;

	struct prop *props;	/* sorted by name, for bsearch */
	int nprops;
	struct patprop *patprops;
	int npatprops;
	struct node *addl;
	jv *required;
	int nrequired;
	struct node *names;
	long min_props, max_props;
	struct dep *deps;
	int ndeps;

	struct node **all, **any, **one;
	int nall, nany, none;
	struct node *not_, *if_, *then_, *else_;

	int mark;		/* cycle search */
	struct node *next;	/* every node of the schema */
};

struct fx_jschema {
	struct node *root;
	struct node *nodes;
	jv unknown;
};

/* ---- a string map ---- */

struct map {
	char **keys;
	void **vals;
	size_t cap, n;
};

static size_t
hash_str(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void *
map_get(const struct map *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash_str(key) & (m->cap - 1); m->keys[i];
	    i = (i + 1) & (m->cap - 1))
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	return NULL;
}

/* Adds key (copied) -> val (not NULL); key must not be there. */
static void
map_put(struct map *m, const char *key, void *val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct map bigger = { NULL, NULL, m->cap ? 2 * m->cap : 64, 0 };

		bigger.keys = fx_xcalloc(bigger.cap, sizeof *bigger.keys);
		bigger.vals = fx_xcalloc(bigger.cap, sizeof *bigger.vals);
		for (i = 0; i < m->cap; i++) {
			size_t j;

			if (m->keys[i] == NULL)
				continue;
			for (j = hash_str(m->keys[i]) & (bigger.cap - 1);
			    bigger.keys[j]; j = (j + 1) & (bigger.cap - 1))
				;
			bigger.keys[j] = m->keys[i];
			bigger.vals[j] = m->vals[i];
		}
		bigger.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = bigger;
	}
	for (i = hash_str(key) & (m->cap - 1); m->keys[i];
	    i = (i + 1) & (m->cap - 1))
		;
	m->keys[i] = fx_xstrdup(key);
	m->vals[i] = val;
	m->n++;
}

static void
map_free(struct map *m, int free_vals)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->keys[i]);
		if (free_vals)
			free(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
}

/* ---- text helpers ---- */

/* Copies src into dst (size bytes), cut at a UTF-8 character boundary
 * and ended with "..." when it does not fit. */
static void
copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	n = size - 4;
	while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
		n--;
	memcpy(dst, src, n);
	memcpy(dst + n, "...", 4);
}

/* A value as the subject of a message: a string's text, anything else's
 * JSON, at most SUBJECT_MAX bytes, control characters shown as '?'. */
static void
subject(jv v, char out[SUBJECT_MAX + 4])
{
	jv text = jv_get_kind(v) == JV_KIND_STRING ? jv_copy(v) :
	    jv_dump_string(jv_copy(v), 0);
	const char *s = jv_string_value(text);
	int n = jv_string_length_bytes(jv_copy(text)), i;

	for (i = 0; i < n && i < SUBJECT_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (i < n) {	/* cut before the character s[i] is part of */
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	jv_free(text);
}

static void
escape_token(fx_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '~')
			fx_buf_put(b, "~0", 2);
		else if (s[i] == '/')
			fx_buf_put(b, "~1", 2);
		else
			fx_buf_putc(b, s[i]);
	}
}

/* ptr + "/" + the escaped token, newly allocated. */
static char *
join(const char *ptr, const char *tok, size_t n)
{
	fx_buf b = FX_BUF_INIT;

	fx_buf_puts(&b, ptr);
	fx_buf_putc(&b, '/');
	escape_token(&b, tok, n);
	fx_buf_cstr(&b);
	return b.data;
}

static char *
join_index(const char *ptr, int i)
{
	char tok[16];

	snprintf(tok, sizeof tok, "%d", i);
	return join(ptr, tok, strlen(tok));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* URI %-decoding of s, newly allocated; NULL when it would hold a NUL. */
static char *
pct_decode(const char *s)
{
	char *out = fx_xmalloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
			if (*o++ == '\0') {
				free(out);
				return NULL;
			}
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* Appends the UTF-8 encoding of code point c. */
static void
put_utf8(fx_buf *b, uint32_t c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	fx_buf_put(b, u, n);
}

/* Decodes the UTF-8 character at *p (before end), advancing *p.  jv
 * strings are valid UTF-8; a stray byte reads as itself. */
static uint32_t
get_utf8(const char **p, const char *end)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t c = s[0];
	int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0, i;

	if (n > 0 && (const char *)s + n < end) {
		c &= 0x3f >> n;
		for (i = 1; i <= n; i++)
			c = c << 6 | (s[i] & 0x3f);
		*p += n + 1;
		return c;
	}
	*p += 1;
	return c;
}

/* ---- URI references (RFC 3986 section 5) ---- */

struct uri {
	const char *scheme, *auth, *path, *query, *frag;
	size_t nscheme, nauth, npath, nquery, nfrag;
};

static void
uri_split(const char *s, struct uri *u)
{
	const char *p = s;

	memset(u, 0, sizeof *u);
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
		    *p == '.')
			p++;
		if (*p == ':') {
			u->scheme = s;
			u->nscheme = (size_t)(p - s);
			s = p + 1;
		}
	}
	if (s[0] == '/' && s[1] == '/') {
		u->auth = s += 2;
		u->nauth = strcspn(s, "/?#");
		s += u->nauth;
	}
	u->path = s;
	u->npath = strcspn(s, "?#");
	s += u->npath;
	if (*s == '?') {
		u->query = ++s;
		u->nquery = strcspn(s, "#");
		s += u->nquery;
	}
	if (*s == '#') {
		u->frag = ++s;
		u->nfrag = strlen(s);
	}
}

/* Appends path with its "." and ".." segments removed (5.2.4). */
static void
put_path(fx_buf *b, const char *path, size_t n)
{
	fx_buf in = FX_BUF_INIT;
	size_t start = b->len;
	const char *p;

	fx_buf_put(&in, path, n);
	p = fx_buf_cstr(&in);
	while (*p) {
		if (strncmp(p, "../", 3) == 0)
			p += 3;
		else if (strncmp(p, "./", 2) == 0)
			p += 2;
		else if (strncmp(p, "/./", 3) == 0)
			p += 2;
		else if (strcmp(p, "/.") == 0)
			p = "/";
		else if (strncmp(p, "/../", 4) == 0 || strcmp(p, "/..") == 0) {
			p = p[3] ? p + 3 : "/";
			while (b->len > start && b->data[b->len - 1] != '/')
				b->len--;
			if (b->len > start)
				b->len--;
		} else if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			p += strlen(p);
		else {
			size_t seg = 1 + strcspn(p + 1, "/");

			if (*p != '/')
				seg = strcspn(p, "/");
			fx_buf_put(b, p, seg);
			p += seg;
		}
	}
	fx_buf_free(&in);
}

/* ref resolved against base, newly allocated.  An empty base leaves a
 * relative reference relative. */
static char *
uri_resolve(const char *base, const char *ref)
{
	struct uri b, r;
	fx_buf out = FX_BUF_INIT;
	const char *query = NULL;
	size_t nquery = 0;

	uri_split(base, &b);
	uri_split(ref, &r);
	if (r.scheme) {
		fx_buf_put(&out, r.scheme, r.nscheme + 1);
		if (r.auth) {
			fx_buf_puts(&out, "//");
			fx_buf_put(&out, r.auth, r.nauth);
		}
		put_path(&out, r.path, r.npath);
		query = r.query, nquery = r.nquery;
	} else {
		if (b.scheme)
			fx_buf_put(&out, b.scheme, b.nscheme + 1);
		if (r.auth) {
			fx_buf_puts(&out, "//");
			fx_buf_put(&out, r.auth, r.nauth);
			put_path(&out, r.path, r.npath);
			query = r.query, nquery = r.nquery;
		} else {
			if (b.auth) {
				fx_buf_puts(&out, "//");
				fx_buf_put(&out, b.auth, b.nauth);
			}
			if (r.npath == 0) {
				fx_buf_put(&out, b.path, b.npath);
				if (r.query)
					query = r.query, nquery = r.nquery;
				else
					query = b.query, nquery = b.nquery;
			} else if (r.path[0] == '/') {
				put_path(&out, r.path, r.npath);
				query = r.query, nquery = r.nquery;
			} else {
				fx_buf merged = FX_BUF_INIT;
				size_t keep = b.npath;

				while (keep > 0 && b.path[keep - 1] != '/')
					keep--;
				if (b.auth && b.npath == 0)
					fx_buf_putc(&merged, '/');
				fx_buf_put(&merged, b.path, keep);
				fx_buf_put(&merged, r.path, r.npath);
				put_path(&out, merged.data, merged.len);
				fx_buf_free(&merged);
				query = r.query, nquery = r.nquery;
			}
		}
	}
	if (query) {
		fx_buf_putc(&out, '?');
		fx_buf_put(&out, query, nquery);
	}
	if (r.frag) {
		fx_buf_putc(&out, '#');
		fx_buf_put(&out, r.frag, r.nfrag);
	}
	fx_buf_cstr(&out);
	return out.data;
}

/* s without its fragment, newly allocated. */
static char *
strip_fragment(const char *s)
{
	return fx_xstrndup(s, strcspn(s, "#"));
}

/* ---- ECMA-262 patterns as POSIX extended regular expressions ---- */

/*
 * The ERE runs in the C locale, byte by byte, over UTF-8.  What ECMA-262
 * counts as one character must therefore match one whole UTF-8 sequence:
 * "." and a negated class become a lead byte followed by its continuation
 * bytes, and a literal non-ASCII character is grouped so that a quantifier
 * applies to all its bytes.  A search for a match does not depend on
 * greediness, so lazy quantifiers lose their '?', and a non-capturing
 * group becomes a plain one.
 */
#define ANY_CHAR_NEG(extra) "([^" extra "\x80-\xbf][\x80-\xbf]*)"

struct rx {
	const char *p, *end;
	fx_buf *o;
	const char *why;
};

struct cset {
	unsigned char ascii[128];
	uint32_t *wide;
	int nwide;
};

static void
cset_range(struct cset *cs, int lo, int hi)
{
	for (; lo <= hi; lo++)
		cs->ascii[lo] = 1;
}

/* Adds a class escape \d \w \s (ASCII, as ECMA-262 without the u flag,
 * but \s without the Unicode spaces). */
static void
cset_class(struct cset *cs, int cls)
{
	switch (cls) {
	case 'd':
		cset_range(cs, '0', '9');
		break;
	case 'w':
		cset_range(cs, '0', '9');
		cset_range(cs, 'A', 'Z');
		cset_range(cs, 'a', 'z');
		cs->ascii['_'] = 1;
		break;
	case 's':
		cset_range(cs, '\t', '\r');
		cs->ascii[' '] = 1;
		break;
	}
}

/*
 * Writes the ASCII members of cs as the inside of a bracket expression:
 * ']' first, ranges of the ordinary characters, then '[', '^' and '-' where
 * they cannot be read as anything but themselves.  extra (the continuation
 * bytes of a negated class) goes before them.
 */
static void
put_bracket_body(fx_buf *o, const struct cset *cs, const char *extra)
{
	int c, lo, any = 0;

	if (cs->ascii[']']) {
		fx_buf_putc(o, ']');
		any = 1;
	}
	for (c = 1; c < 128; c++) {
		if (!cs->ascii[c] || c == ']' || c == '[' || c == '^' ||
		    c == '-')
			continue;
		for (lo = c; c + 1 < 128 && cs->ascii[c + 1] && c + 1 != ']' &&
		    c + 1 != '[' && c + 1 != '^' && c + 1 != '-'; c++)
			;
		fx_buf_putc(o, (char)lo);
		if (c > lo + 1)
			fx_buf_putc(o, '-');
		if (c > lo)
			fx_buf_putc(o, (char)c);
		any = 1;
	}
	if (extra) {
		fx_buf_puts(o, extra);
		any = 1;
	}
	if (cs->ascii['[']) {
		fx_buf_putc(o, '[');
		any = 1;
	}
	if (cs->ascii['^']) {
		if (!any && cs->ascii['-']) {
			fx_buf_puts(o, "-^");
			return;
		}
		fx_buf_putc(o, '^');
	}
	if (cs->ascii['-'])
		fx_buf_putc(o, '-');
}

static int
cset_count(const struct cset *cs)
{
	int c, n = 0;

	for (c = 0; c < 128; c++)
		n += cs->ascii[c];
	return n;
}

/* A literal character outside brackets. */
static void
put_literal(fx_buf *o, uint32_t c)
{
	if (c >= 0x80) {
		fx_buf_putc(o, '(');
		put_utf8(o, c);
		fx_buf_putc(o, ')');
	} else if (strchr(".[]()*+?{}|^$\\", (int)c) != NULL) {
		fx_buf_putc(o, '\\');
		fx_buf_putc(o, (char)c);
	} else
		fx_buf_putc(o, (char)c);
}

static void
put_set(fx_buf *o, const struct cset *cs, int negate)
{
	int i, n = cset_count(cs);

	if (negate) {
		fx_buf_puts(o, "([^");
		put_bracket_body(o, cs, "\x80-\xbf");
		fx_buf_puts(o, "][\x80-\xbf]*)");
		return;
	}
	if (cs->nwide > 0)
		fx_buf_putc(o, '(');
	if (n == 1 && cs->ascii['^'])
		fx_buf_puts(o, "\\^");
	else if (n > 0) {
		fx_buf_putc(o, '[');
		put_bracket_body(o, cs, NULL);
		fx_buf_putc(o, ']');
	}
	for (i = 0; i < cs->nwide; i++) {
		if (i > 0 || n > 0)
			fx_buf_putc(o, '|');
		put_utf8(o, cs->wide[i]);
	}
	if (cs->nwide > 0)
		fx_buf_putc(o, ')');
}

static int
rx_hex(struct rx *r, int n, uint32_t *out)
{
	int i;

	if (r->end - r->p < n)
		return -1;
	for (*out = 0, i = 0; i < n; i++) {
		if (hexval(r->p[i]) < 0)
			return -1;
		*out = *out * 16 + (uint32_t)hexval(r->p[i]);
	}
	r->p += n;
	return 0;
}

/*
 * The escape after a backslash (r->p is past it): a character into *c,
 * or a class letter (d D w W s S) into *cls.  Returns 0, or -1 and
 * r->why for what a POSIX regex cannot do.
 */
static int
rx_escape(struct rx *r, int in_class, uint32_t *c, int *cls)
{
	char e;
	uint32_t lo;

	*cls = 0;
	if (r->p == r->end) {
		r->why = "a trailing backslash";
		return -1;
	}
	e = *r->p++;
	switch (e) {
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
		*cls = e;
		return 0;
	case 't': *c = '\t'; return 0;
	case 'n': *c = '\n'; return 0;
	case 'r': *c = '\r'; return 0;
	case 'f': *c = '\f'; return 0;
	case 'v': *c = '\v'; return 0;
	case 'b':
		if (in_class) {
			*c = '\b';
			return 0;
		}
		break;
	case '0':
		r->why = "\\0 (a NUL character)";
		return -1;
	case 'c':
		if (r->p < r->end && ((*r->p >= 'a' && *r->p <= 'z') ||
		    (*r->p >= 'A' && *r->p <= 'Z'))) {
			*c = (uint32_t)(*r->p++ % 32);
			return 0;
		}
		*c = '\\';	/* Annex B: the backslash is itself */
		r->p--;
		return 0;
	case 'x':
		if (rx_hex(r, 2, c) == 0) {
			if (*c == 0)
				break;
			return 0;
		}
		*c = 'x';
		return 0;
	case 'u':
		if (rx_hex(r, 4, c) != 0) {
			*c = 'u';
			return 0;
		}
		if (*c >= 0xd800 && *c <= 0xdbff && r->end - r->p >= 6 &&
		    r->p[0] == '\\' && r->p[1] == 'u') {
			r->p += 2;
			if (rx_hex(r, 4, &lo) == 0 && lo >= 0xdc00 &&
			    lo <= 0xdfff) {
				*c = 0x10000 + ((*c - 0xd800) << 10) +
				    (lo - 0xdc00);
				return 0;
			}
		}
		if (*c == 0 || (*c >= 0xd800 && *c <= 0xdfff))
			break;
		return 0;
	case 'p': case 'P':
		r->why = "Unicode property escapes (\\p, \\P)";
		return -1;
	case 'k':
		r->why = "named backreferences (\\k)";
		return -1;
	default:
		if (e >= '1' && e <= '9') {
			r->why = "backreferences (\\1 ...)";
			return -1;
		}
		r->p--;
		*c = get_utf8(&r->p, r->end);
		return 0;
	}
	if (e == 'b')
		r->why = "\\b";
	else
		r->why = "a NUL or lone surrogate escape";
	return -1;
}

/* A class "[...]" (r->p past the '['). */
static int
rx_class(struct rx *r)
{
	struct cset cs;
	int negate = 0, cls, cls2, ret = -1;
	uint32_t c, hi;

	memset(&cs, 0, sizeof cs);
	if (r->p < r->end && *r->p == '^') {
		negate = 1;
		r->p++;
	}
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		if (negate) {
			fx_buf_puts(r->o, ANY_CHAR_NEG(""));
			return 0;
		}
		r->why = "an empty class []";
		return -1;
	}
	while (r->p < r->end && *r->p != ']') {
		if (*r->p == '\\') {
			r->p++;
			if (rx_escape(r, 1, &c, &cls) != 0)
				goto out;
		} else {
			cls = 0;
			c = get_utf8(&r->p, r->end);
		}
		if (cls == 'd' || cls == 'w' || cls == 's') {
			cset_class(&cs, cls);
			continue;
		}
		if (cls != 0) {
			r->why = "\\D, \\W or \\S inside a class";
			goto out;
		}
		if (r->end - r->p >= 2 && r->p[0] == '-' && r->p[1] != ']') {
			r->p++;
			if (*r->p == '\\') {
				r->p++;
				if (rx_escape(r, 1, &hi, &cls2) != 0)
					goto out;
				if (cls2 != 0) {
					r->why = "a class escape as the end of a "
					    "range";
					goto out;
				}
			} else
				hi = get_utf8(&r->p, r->end);
			if (hi < c) {
				r->why = "a range out of order";
				goto out;
			}
			if (hi >= 0x80) {
				r->why = "a range of non-ASCII characters";
				goto out;
			}
			cset_range(&cs, (int)c, (int)hi);
			continue;
		}
		if (c < 0x80) {
			cs.ascii[c] = 1;
			continue;
		}
		if (negate) {
			r->why = "a non-ASCII character in a negated class";
			goto out;
		}
		cs.wide = fx_xrealloc(cs.wide, (unsigned long)(cs.nwide + 1) *
		    sizeof *cs.wide);
		cs.wide[cs.nwide++] = c;
	}
	if (r->p == r->end) {
		r->why = "a class without its ']'";
		goto out;
	}
	r->p++;
	if (cs.ascii[0]) {
		r->why = "a NUL character";
		goto out;
	}
	put_set(r->o, &cs, negate);
	ret = 0;
out:
	free(cs.wide);
	return ret;
}

/* One atom: a character, an escape, '.', or a class. */
static int
rx_atom(struct rx *r)
{
	struct cset cs;
	uint32_t c;
	int cls;

	if (*r->p == '.') {
		r->p++;
		fx_buf_puts(r->o, ANY_CHAR_NEG("\n\r"));
		return 0;
	}
	if (*r->p == '[') {
		r->p++;
		return rx_class(r);
	}
	if (*r->p == '\\') {
		r->p++;
		if (r->p < r->end && (*r->p == 'b' || *r->p == 'B')) {
			/* glibc's word boundaries: [A-Za-z0-9_] in the C
			 * locale, as ECMA-262's */
			fx_buf_putc(r->o, '\\');
			fx_buf_putc(r->o, *r->p++);
			return 0;
		}
		if (rx_escape(r, 0, &c, &cls) != 0)
			return -1;
		if (cls != 0) {
			memset(&cs, 0, sizeof cs);
			cset_class(&cs, cls | 0x20);
			put_set(r->o, &cs, cls < 'a');
			return 0;
		}
		put_literal(r->o, c);
		return 0;
	}
	c = get_utf8(&r->p, r->end);
	put_literal(r->o, c);
	return 0;
}

/* A quantifier {n}, {n,}, {n,m} at r->p: its length, or 0. */
static size_t
brace_quantifier(const char *p, const char *end)
{
	const char *q = p + 1;
	int digits = 0;

	while (q < end && *q >= '0' && *q <= '9')
		q++, digits++;
	if (digits == 0)
		return 0;
	if (q < end && *q == ',')
		for (q++; q < end && *q >= '0' && *q <= '9'; q++)
			;
	if (q < end && *q == '}')
		return (size_t)(q + 1 - p);
	return 0;
}

/*
 * "(?!X)" just before a final "$": at the end of the text no character
 * follows, so a lookahead for one character always holds and can go.
 * The project's note formats end so.  Returns 1 when it went.
 */
static int
rx_final_lookahead(struct rx *r)
{
	struct rx probe = *r;
	fx_buf scratch = FX_BUF_INIT;
	int ok;

	probe.p = r->p + 3;
	probe.o = &scratch;
	ok = probe.p < r->end && strchr(")(|^$*+?{", *probe.p) == NULL && !(*probe.p == '\\' && probe.p + 1 < r->end &&
	    (probe.p[1] == 'b' || probe.p[1] == 'B')) &&
	    rx_atom(&probe) == 0 && probe.p + 2 == r->end &&
	    probe.p[0] == ')' && probe.p[1] == '$';
	fx_buf_free(&scratch);
	if (ok)
		r->p = probe.p + 1;
	return ok;
}

/* Translates the pattern s[0..n) into out.  Returns 0, or -1 with a
 * static reason in *why. */
static int
ecma_to_ere(const char *s, size_t n, fx_buf *out, const char **why)
{
	struct rx r = { s, s + n, out, NULL };
	size_t q;

	if (memchr(s, '\0', n) != NULL) {
		*why = "a NUL character";
		return -1;
	}
	while (r.p < r.end) {
		switch (*r.p) {
		case '|':
		case ')':
		case '^':
		case '$':
			fx_buf_putc(out, *r.p++);
			continue;
		case '(':
			if (r.end - r.p >= 3 && r.p[1] == '?') {
				if (r.p[2] == ':') {
					r.p += 3;
				} else if (r.p[2] == '<' && r.end - r.p >= 4 &&
				    r.p[3] != '=' && r.p[3] != '!') {
					const char *gt = memchr(r.p, '>',
					    (size_t)(r.end - r.p));

					if (gt == NULL) {
						*why = "an unfinished group name";
						return -1;
					}
					r.p = gt + 1;
				} else if (r.p[2] == '!' &&
				    rx_final_lookahead(&r)) {
					continue;
				} else {
					*why = "lookaround ((?=, (?!, (?<=, "
					    "(?<!)";
					return -1;
				}
			} else
				r.p++;
			fx_buf_putc(out, '(');
			continue;
		case '*':
		case '+':
		case '?':
			fx_buf_putc(out, *r.p++);
			if (r.p < r.end && *r.p == '?')
				r.p++;
			continue;
		case '{':
			if ((q = brace_quantifier(r.p, r.end)) > 0) {
				fx_buf_put(out, r.p, q);
				r.p += q;
				if (r.p < r.end && *r.p == '?')
					r.p++;
			} else {
				fx_buf_puts(out, "\\{");
				r.p++;
			}
			continue;
		}
		if (rx_atom(&r) != 0) {
			*why = r.why;
			return -1;
		}
	}
	fx_buf_cstr(out);
	return 0;
}

/* ---- formats ---- */

static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* RFC 3339 full-date, exactly 10 bytes. */
static int
is_full_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

	if (y < 0 || m < 1 || m > 12 || d < 1 || s[4] != '-' || s[7] != '-')
		return 0;
	if (m == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1];
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM), 'z' as 'Z';
 * second 60 only at 23:59 UTC. */
static int
is_full_time(const char *s, size_t n)
{
	const char *p = s + 8, *end = s + n;
	int h, m, sec, oh = 0, om = 0, sign = 0, utc;

	if (n < 9 || s[2] != ':' || s[5] != ':')
		return 0;
	h = digits(s, 2), m = digits(s + 3, 2), sec = digits(s + 6, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return 0;
	if (*p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			;
		if (p == s + 9)
			return 0;
	}
	if (end - p == 1 && (*p == 'Z' || *p == 'z'))
		;
	else if (end - p == 6 && (*p == '+' || *p == '-') && p[3] == ':') {
		sign = *p == '+' ? 1 : -1;
		oh = digits(p + 1, 2), om = digits(p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return 0;
	} else
		return 0;
	if (sec == 60) {
		utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) %
		    1440;
		return utc == 23 * 60 + 59;
	}
	return 1;
}

static int
is_date_time(const char *s, size_t n)
{
	return n > 11 && (s[10] == 'T' || s[10] == 't') && is_full_date(s) &&
	    is_full_time(s + 11, n - 11);
}

static int
is_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hexval(s[i]) < 0)
			return 0;
	}
	return 1;
}

/* RFC 3986 URI: a scheme, ':', then only the characters a URI may hold,
 * with '%' starting two hex digits. */
static int
is_uri(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' &&
	    s[0] <= 'Z')))
		return 0;
	while (i < n && s[i] != ':') {
		char c = s[i++];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
			return 0;
	}
	if (i == n)
		return 0;
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 ||
			    hexval(s[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (c >= 0x7f || c <= 0x20 ||
		    strchr("\"<>\\^`{|}", c) != NULL)
			return 0;
	}
	return 1;
}

static int
is_atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

/* An RFC 1123 host name: labels of letters, digits and '-', not at their
 * ends, separated by dots. */
static int
is_hostname(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-') {
			if ((label == 0 && c == '-') || ++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

/* local@domain: a dot-atom or quoted local part; a host name or an
 * address literal in brackets. */
static int
is_email(const char *s, size_t n)
{
	const char *at = NULL;
	size_t i, nlocal;

	for (i = n; i > 0; i--)
		if (s[i - 1] == '@') {
			at = s + i - 1;
			break;
		}
	if (at == NULL || at == s || at == s + n - 1)
		return 0;
	nlocal = (size_t)(at - s);
	if (s[0] == '"') {
		if (nlocal < 2 || s[nlocal - 1] != '"')
			return 0;
		for (i = 1; i + 1 < nlocal; i++)
			if ((unsigned char)s[i] < 0x20 ||
			    (unsigned char)s[i] >= 0x7f)
				return 0;
	} else {
		for (i = 0; i < nlocal; i++) {
			if (s[i] == '.') {
				if (i == 0 || i + 1 == nlocal ||
				    s[i + 1] == '.')
					return 0;
			} else if (!is_atext(s[i]))
				return 0;
		}
	}
	at++;
	n -= nlocal + 1;
	if (at[0] == '[')
		return n > 2 && at[n - 1] == ']' &&
		    memchr(at + 1, '[', n - 2) == NULL &&
		    memchr(at + 1, ']', n - 2) == NULL;
	return is_hostname(at, n);
}

/* Dotted decimal, four numbers 0-255 without leading zeros. */
static int
is_ipv4(const char *s, size_t n)
{
	size_t i = 0;
	int part, len, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		for (len = 0, v = 0; i < n && s[i] >= '0' && s[i] <= '9' &&
		    len < 4; i++, len++)
			v = v * 10 + (s[i] - '0');
		if (len == 0 || len > 3 || v > 255 ||
		    (len > 1 && s[i - len] == '0'))
			return 0;
	}
	return i == n;
}

/*
 * ISO 8601 duration: P then years, months, days in that order, each
 * optional, then T and hours, minutes, seconds, or weeks alone: P1Y2M,
 * P3D, PT15M, P1DT12H, P2W.  The last number may have a fraction
 * (PT0.5S).
 */
static int
is_duration(const char *s, size_t n)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	const char *p = s + 1, *end = s + n, *u = date_units;
	int any = 0, frac, in_time = 0;

	if (n < 3 || s[0] != 'P')
		return 0;
	if (end[-1] == 'W') {
		for (; p < end - 1; p++)
			if (*p < '0' || *p > '9')
				return 0;
		return p > s + 1;
	}
	while (p < end) {
		const char *num = p;

		if (*p == 'T') {
			if (in_time || p + 1 == end)
				return 0;
			in_time = 1;
			u = time_units;
			p++;
			continue;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == num)
			return 0;
		frac = 0;
		if (p < end && (*p == '.' || *p == ',')) {
			const char *f = ++p;

			while (p < end && *p >= '0' && *p <= '9')
				p++;
			if (p == f)
				return 0;
			frac = 1;
		}
		if (p == end)
			return 0;
		while (*u && *u != *p)
			u++;
		if (*u == '\0')
			return 0;
		u++;
		p++;
		any = 1;
		if (frac && p != end)
			return 0;
	}
	return any && end[-1] != 'T';
}

static int
format_ok(int format, const char *s, size_t n)
{
	switch (format) {
	case F_DATE_TIME:
		return is_date_time(s, n);
	case F_DATE:
		return n == 10 && is_full_date(s);
	case F_TIME:
		return is_full_time(s, n);
	case F_UUID:
		return is_uuid(s, n);
	case F_URI:
		return is_uri(s, n);
	case F_EMAIL:
		return is_email(s, n);
	case F_IPV4:
		return is_ipv4(s, n);
	case F_DURATION:
		return is_duration(s, n);
	}
	return 1;
}

/* ---- compiling ---- */

struct loc {
	int doc;
	char *ptr;
};

struct doc {
	jv root;
	char *uri;		/* "" when it has none */
};

struct cctx {
	fx_jschema *s;
	struct doc *docs;
	int ndocs;
	struct map memo;	/* "doc:pointer" -> struct node * */
	struct map res;		/* absolute URI -> struct loc * */
	struct map anchors;	/* URI#name -> struct loc * */
	struct node **tail;	/* where the next node goes in s->nodes */
	char *err;
	size_t errlen;
	int failed;
};

__attribute__((format(printf, 2, 3))) static void *
cerr(struct cctx *c, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (c->failed++)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (c->err != NULL && c->errlen > 0)
		copy_cut(c->err, c->errlen, text);
	return NULL;
}

static void
note_unknown(struct cctx *c, const char *loc, const char *what)
{
	char line[1200];

	snprintf(line, sizeof line, "%s: %s", loc, what);
	c->s->unknown = jv_array_append(c->s->unknown, jv_string(line));
}

/* "$schema" naming draft-04 to draft-07 (whose $ref hides its siblings). */
static int
is_old_draft(const char *uri)
{
	return strstr(uri, "draft-04") || strstr(uri, "draft-05") ||
	    strstr(uri, "draft-06") || strstr(uri, "draft-07") ||
	    strstr(uri, "draft-03");
}

/* A string member of obj, borrowed from it, or NULL. */
static const char *
member_str(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	const char *s = NULL;

	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);	/* obj keeps the string alive */
	jv_free(v);
	return s;
}

static int
has_member(jv obj, const char *key)
{
	return jv_object_has(jv_copy(obj), jv_string(key));
}

/* The kind of obj[key], JV_KIND_INVALID when absent. */
static jv_kind
member_kind(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	jv_kind kind = jv_get_kind(v);

	jv_free(v);
	return kind;
}

/*
 * What a schema object v changes for itself and below: $schema the
 * dialect, $id the base URI (*base replaced, the old one freed).  In
 * draft-07 a $ref hides a sibling $id.
 */
static void
enter_resource(jv v, char **base, int *draft7)
{
	const char *sch, *id;
	char *abs;

	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return;
	if ((sch = member_str(v, "$schema")) != NULL)
		*draft7 = is_old_draft(sch) != 0;
	if ((id = member_str(v, "$id")) == NULL || (*draft7 &&
	    has_member(v, "$ref")))
		return;
	abs = uri_resolve(*base, id);
	free(*base);
	*base = strip_fragment(abs);
	free(abs);
}

/* Registers key -> (doc, ptr) in m; the first registration wins. */
static void
put_loc(struct map *m, const char *key, int doc, const char *ptr)
{
	struct loc *l;

	if (map_get(m, key) != NULL)
		return;
	l = fx_xmalloc(sizeof *l);
	l->doc = doc;
	l->ptr = fx_xstrdup(ptr);
	map_put(m, key, l);
}

static void
free_locs(struct map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->vals[i] != NULL)
			free(((struct loc *)m->vals[i])->ptr);
	map_free(m, 1);
}

/* Is a member of this key's value a map of names to schemas? */
static int
is_schema_map(const char *key)
{
	return strcmp(key, "properties") == 0 ||
	    strcmp(key, "patternProperties") == 0 ||
	    strcmp(key, "$defs") == 0 || strcmp(key, "definitions") == 0 ||
	    strcmp(key, "dependentSchemas") == 0 ||
	    strcmp(key, "dependencies") == 0;
}

/* Members whose values are data, not schemas. */
static int
is_data_keyword(const char *key)
{
	return strcmp(key, "enum") == 0 || strcmp(key, "const") == 0 ||
	    strcmp(key, "default") == 0 || strcmp(key, "examples") == 0 ||
	    strcmp(key, "example") == 0;
}

/*
 * Registers the $id and $anchor of every subschema of v (borrowed, at
 * ptr of doc) under their absolute URIs.  names: v's members are names
 * (of properties, definitions), not keywords.
 */
static void
scan_ids(struct cctx *c, jv v, int doc, const char *ptr, const char *base,
    int draft7, int names)
{
	char *mybase = fx_xstrdup(base), *child;
	const char *id, *anchor;
	jv_kind kind = jv_get_kind(v);
	int i, n;

	if (kind == JV_KIND_OBJECT && !names) {
		enter_resource(v, &mybase, &draft7);
		if ((id = member_str(v, "$id")) != NULL && !(draft7 &&
		    has_member(v, "$ref"))) {
			char *abs = uri_resolve(base, id);
			const char *hash = strchr(abs, '#');

			/* "#name" (draft-07) is a plain-name anchor only */
			if (id[0] != '#')
				put_loc(&c->res, mybase, doc, ptr);
			if (hash != NULL && hash[1] != '\0')
				put_loc(&c->anchors, abs, doc, ptr);
			free(abs);
		}
		if ((anchor = member_str(v, "$anchor")) != NULL) {
			fx_buf key = FX_BUF_INIT;

			fx_buf_puts(&key, mybase);
			fx_buf_putc(&key, '#');
			fx_buf_puts(&key, anchor);
			put_loc(&c->anchors, fx_buf_cstr(&key), doc, ptr);
			fx_buf_free(&key);
		}
	}
	if (kind == JV_KIND_OBJECT) {
		int it;

		for (it = jv_object_iter(v); jv_object_iter_valid(v, it);
		    it = jv_object_iter_next(v, it)) {
			jv k = jv_object_iter_key(v, it);
			jv m = jv_object_iter_value(v, it);
			const char *key = jv_string_value(k);

			if (names || !is_data_keyword(key)) {
				child = join(ptr, key,
				    (size_t)jv_string_length_bytes(jv_copy(k)));
				scan_ids(c, m, doc, child, mybase, draft7,
				    !names && is_schema_map(key));
				free(child);
			}
			jv_free(k);
			jv_free(m);
		}
	} else if (kind == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n; i++) {
			jv m = jv_array_get(jv_copy(v), i);

			child = join_index(ptr, i);
			scan_ids(c, m, doc, child, mybase, draft7, 0);
			free(child);
			jv_free(m);
		}
	}
	free(mybase);
}

/*
 * Follows the JSON pointer ptr (tokens escaped, already %-decoded) from
 * the root of doc.  Returns the value (new reference) and the base URI
 * (newly allocated) and dialect its parent gives it, or an invalid jv.
 */
static jv
walk(struct cctx *c, int doc, const char *ptr, char **base, int *draft7)
{
	jv v = jv_copy(c->docs[doc].root);
	const char *p = ptr;
	fx_buf tok = FX_BUF_INIT;

	*base = fx_xstrdup(c->docs[doc].uri);
	*draft7 = 0;
	while (*p == '/') {
		jv_kind kind = jv_get_kind(v);

		enter_resource(v, base, draft7);
		tok.len = 0;
		for (p++; *p && *p != '/'; p++) {
			if (*p == '~') {
				if (p[1] != '0' && p[1] != '1')
					goto bad;
				fx_buf_putc(&tok, p[1] == '0' ? '~' : '/');
				p++;
			} else
				fx_buf_putc(&tok, *p);
		}
		fx_buf_cstr(&tok);
		if (kind == JV_KIND_OBJECT) {
			jv key = jv_string_sized(tok.data, (int)tok.len);

			if (!jv_object_has(jv_copy(v), jv_copy(key))) {
				jv_free(key);
				goto bad;
			}
			v = jv_object_get(v, key);
		} else if (kind == JV_KIND_ARRAY) {
			char *end;
			long i = strtol(tok.data, &end, 10);

			if (tok.len == 0 || *end != '\0' || tok.data[0] < '0' ||
			    tok.data[0] > '9' || (tok.data[0] == '0' &&
			    tok.len > 1) || i >= jv_array_length(jv_copy(v)))
				goto bad;
			v = jv_array_get(v, (int)i);
		} else
			goto bad;
	}
	if (*p != '\0')
		goto bad;
	fx_buf_free(&tok);
	return v;
bad:
	fx_buf_free(&tok);
	jv_free(v);
	free(*base);
	*base = NULL;
	return jv_invalid();
}

static struct node *compile(struct cctx *c, jv v, int doc, const char *ptr,
    const char *base, int draft7);

/* The node a location of a document names, compiled. */
static struct node *
compile_at(struct cctx *c, int doc, const char *ptr)
{
	char *base;
	int draft7;
	jv v = walk(c, doc, ptr, &base, &draft7);
	struct node *n;

	if (!jv_is_valid(v))
		return NULL;
	n = compile(c, v, doc, ptr, base, draft7);
	jv_free(v);
	free(base);
	return n;
}

/* The schema that ref (the $ref at kwloc) names, resolved against base. */
static struct node *
resolve_ref(struct cctx *c, const char *kwloc, const char *base,
    const char *ref)
{
	char *abs = uri_resolve(base, ref), *hash = strchr(abs, '#');
	char *frag = pct_decode(hash ? hash + 1 : "");
	struct loc *l;
	struct node *n = NULL;

	if (hash)
		*hash = '\0';
	if (frag == NULL) {
		cerr(c, "%s: '%s' does not resolve: a NUL in its fragment",
		    kwloc, ref);
	} else if (frag[0] != '\0' && frag[0] != '/') {
		fx_buf key = FX_BUF_INIT;

		fx_buf_puts(&key, abs);
		fx_buf_putc(&key, '#');
		fx_buf_puts(&key, frag);
		if ((l = map_get(&c->anchors, fx_buf_cstr(&key))) == NULL)
			cerr(c, "%s: '%s' does not resolve: no anchor '%s'",
			    kwloc, ref, frag);
		else if ((n = compile_at(c, l->doc, l->ptr)) == NULL)
			cerr(c, "%s: '%s' does not resolve", kwloc, ref);
		fx_buf_free(&key);
	} else if ((l = map_get(&c->res, abs)) == NULL) {
		cerr(c, "%s: '%s' does not resolve: no document '%s'", kwloc,
		    ref, abs);
	} else {
		fx_buf ptr = FX_BUF_INIT;

		fx_buf_puts(&ptr, l->ptr);
		fx_buf_puts(&ptr, frag);
		if ((n = compile_at(c, l->doc, fx_buf_cstr(&ptr))) == NULL)
			cerr(c, "%s: '%s' does not resolve", kwloc, ref);
		fx_buf_free(&ptr);
	}
	free(frag);
	free(abs);
	return n;
}

/* A number that is a non-negative integer, as a long into *out. */
static int
get_count(struct cctx *c, jv v, const char *kwloc, long *out)
{
	double d;
	char s[SUBJECT_MAX + 4];

	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		d = jv_number_value(v);
		if (d >= 0 && d == floor(d)) {
			*out = d > 1e18 ? (long)1e18 : (long)d;
			return 0;
		}
	}
	subject(v, s);
	cerr(c, "%s: not a non-negative integer '%s'", kwloc, s);
	return -1;
}

static int
get_number(struct cctx *c, jv v, const char *kwloc, double *out)
{
	char s[SUBJECT_MAX + 4];

	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		*out = jv_number_value(v);
		return 0;
	}
	subject(v, s);
	cerr(c, "%s: not a number '%s'", kwloc, s);
	return -1;
}

static struct regex *
compile_regex(struct cctx *c, jv v, const char *kwloc)
{
	fx_buf ere = FX_BUF_INIT;
	struct regex *re;
	const char *why;
	char s[SUBJECT_MAX + 4], reason[128];
	int rc;

	subject(v, s);
	if (jv_get_kind(v) != JV_KIND_STRING)
		return cerr(c, "%s: not a string '%s'", kwloc, s);
	if (ecma_to_ere(jv_string_value(v),
	    (size_t)jv_string_length_bytes(jv_copy(v)), &ere, &why) != 0) {
		fx_buf_free(&ere);
		return cerr(c, "%s: unsupported regular expression '%s': %s",
		    kwloc, s, why);
	}
	re = fx_xmalloc(sizeof *re);
	if ((rc = regcomp(&re->re, ere.data, REG_EXTENDED | REG_NOSUB)) !=
	    0) {
		regerror(rc, &re->re, reason, sizeof reason);
		if (reason[0] >= 'A' && reason[0] <= 'Z')
			reason[0] = (char)(reason[0] - 'A' + 'a');
		free(re);
		fx_buf_free(&ere);
		return cerr(c, "%s: not a regular expression '%s': %s", kwloc,
		    s, reason);
	}
	fx_buf_free(&ere);
	re->src = fx_xstrdup(jv_string_value(v));
	return re;
}

static void
free_regex(struct regex *re)
{
	if (re == NULL)
		return;
	regfree(&re->re);
	free(re->src);
	free(re);
}

/* A member that is a schema: kw's value v at ptr/kw. */
static struct node *
compile_member(struct cctx *c, jv v, int doc, const char *ptr,
    const char *kw, const char *base, int draft7)
{
	char *child = join(ptr, kw, strlen(kw));
	struct node *n = compile(c, v, doc, child, base, draft7);

	free(child);
	return n;
}

/* An array of schemas: kw's value v; *out and *count set. */
static int
compile_list(struct cctx *c, jv v, int doc, const char *ptr, const char *kw,
    const char *kwloc, const char *base, int draft7, int nonempty,
    struct node ***out, int *count)
{
	char *dir, *child;
	int i, n;

	if (jv_get_kind(v) != JV_KIND_ARRAY ||
	    (nonempty && jv_array_length(jv_copy(v)) == 0)) {
		cerr(c, "%s: not %sarray of schemas", kwloc,
		    nonempty ? "a non-empty " : "an ");
		return -1;
	}
	n = jv_array_length(jv_copy(v));
	*out = fx_xcalloc((unsigned long)n + 1, sizeof **out);
	*count = n;
	dir = join(ptr, kw, strlen(kw));
	for (i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(v), i);

		child = join_index(dir, i);
		(*out)[i] = compile(c, m, doc, child, base, draft7);
		free(child);
		jv_free(m);
		if ((*out)[i] == NULL)
			break;
	}
	free(dir);
	return i == n ? 0 : -1;
}

/* An array of strings, each kept as a jv. */
static int
get_names(struct cctx *c, jv v, const char *kwloc, jv **out, int *count)
{
	int i, n;

	if (jv_get_kind(v) != JV_KIND_ARRAY)
		goto bad;
	n = jv_array_length(jv_copy(v));
	for (i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(v), i);
		int str = jv_get_kind(m) == JV_KIND_STRING;

		jv_free(m);
		if (!str)
			goto bad;
	}
	*out = fx_xcalloc((unsigned long)n + 1, sizeof **out);
	*count = n;
	for (i = 0; i < n; i++)
		(*out)[i] = jv_array_get(jv_copy(v), i);
	return 0;
bad:
	cerr(c, "%s: not an array of strings", kwloc);
	return -1;
}

/* By length, then bytes: most names differ in length, and that is
 * cheaper to find than where the bytes differ. */
static int
compare_props(const void *a, const void *b)
{
	const struct prop *p = a, *q = b;

	if (p->len != q->len)
		return p->len - q->len;
	return memcmp(p->name, q->name, (size_t)p->len);
}

static int
compile_types(struct cctx *c, struct node *n, jv v, const char *kwloc)
{
	int i, k, count = 1;
	jv t = jv_copy(v);

	if (jv_get_kind(v) == JV_KIND_ARRAY)
		count = jv_array_length(jv_copy(v));
	else if (jv_get_kind(v) != JV_KIND_STRING)
		goto bad;
	for (i = 0; i < count; i++) {
		if (jv_get_kind(v) == JV_KIND_ARRAY) {
			jv_free(t);
			t = jv_array_get(jv_copy(v), i);
		}
		if (jv_get_kind(t) != JV_KIND_STRING)
			goto bad;
		for (k = 0; k < 7; k++)
			if (strcmp(jv_string_value(t), type_names[k]) == 0)
				break;
		if (k == 7) {
			char s[SUBJECT_MAX + 4];

			subject(t, s);
			cerr(c, "%s: unknown type '%s'", kwloc, s);
			jv_free(t);
			return -1;
		}
		n->types |= 1u << k;
	}
	jv_free(t);
	if (n->types == 0)
		n->types = T_NONE;
	return 0;
bad:
	jv_free(t);
	cerr(c, "%s: not a type name or an array of them", kwloc);
	return -1;
}

/* Keywords that only annotate, or that other keywords read. */
static int
is_ignored_keyword(const char *k)
{
	static const char *const list[] = {
		"$schema", "$id", "$anchor", "$dynamicAnchor", "$vocabulary",
		"$comment", "$defs", "definitions", "title", "description",
		"default", "examples", "example", "deprecated", "readOnly",
		"writeOnly", "discriminator", "xml", "externalDocs",
		"contentMediaType", "contentEncoding", "contentSchema",
		"nullable", "then", "else", "additionalItems", "minContains",
		"maxContains", NULL
	};
	int i;

	if (strncmp(k, "x-", 2) == 0)
		return 1;
	for (i = 0; list[i]; i++)
		if (strcmp(k, list[i]) == 0)
			return 1;
	return 0;
}

/* Keywords whose value maps names to schemas or to lists of names. */
enum {
	M_NONE, M_PROPS, M_PATTERNS, M_DEP_SCHEMAS, M_DEP_REQUIRED,
	M_DEPENDENCIES
};

static int
map_keyword(const char *k)
{
	if (strcmp(k, "properties") == 0)
		return M_PROPS;
	if (strcmp(k, "patternProperties") == 0)
		return M_PATTERNS;
	if (strcmp(k, "dependentSchemas") == 0)
		return M_DEP_SCHEMAS;
	if (strcmp(k, "dependentRequired") == 0)
		return M_DEP_REQUIRED;
	if (strcmp(k, "dependencies") == 0)
		return M_DEPENDENCIES;
	return M_NONE;
}

/* One keyword k with value m of object schema n. */
static int
compile_keyword(struct cctx *c, struct node *n, jv obj, const char *k, jv m,
    int doc, const char *ptr, const char *base, int draft7)
{
	char kwloc[1024], *dir, *child;
	int i, it, cnt, map;

	snprintf(kwloc, sizeof kwloc, "%s/%s", n->loc, k);
#define SCHEMA(field) \
	((n->field = compile_member(c, m, doc, ptr, k, base, draft7)) == \
	    NULL ? -1 : 0)
	if (strcmp(k, "type") == 0)
		return compile_types(c, n, m, kwloc);
	if (strcmp(k, "const") == 0) {
		n->has_const = 1;
		n->const_v = jv_copy(m);
		return 0;
	}
	if (strcmp(k, "enum") == 0) {
		if (jv_get_kind(m) != JV_KIND_ARRAY) {
			cerr(c, "%s: not an array", kwloc);
			return -1;
		}
		n->nenum = jv_array_length(jv_copy(m));
		n->enum_v = fx_xcalloc((unsigned long)n->nenum + 1,
		    sizeof *n->enum_v);
		for (i = 0; i < n->nenum; i++)
			n->enum_v[i] = jv_array_get(jv_copy(m), i);
		return 0;
	}
	if (strcmp(k, "minimum") == 0) {
		n->numflags |= N_MIN;
		return get_number(c, m, kwloc, &n->minimum);
	}
	if (strcmp(k, "maximum") == 0) {
		n->numflags |= N_MAX;
		return get_number(c, m, kwloc, &n->maximum);
	}
	if (strcmp(k, "exclusiveMinimum") == 0 ||
	    strcmp(k, "exclusiveMaximum") == 0) {
		int lower = strcmp(k, "exclusiveMinimum") == 0;

		if (jv_get_kind(m) == JV_KIND_TRUE ||
		    jv_get_kind(m) == JV_KIND_FALSE)
			return 0;	/* draft-04's form: see compile() */
		n->numflags |= lower ? N_EXMIN : N_EXMAX;
		return get_number(c, m, kwloc, lower ? &n->exmin : &n->exmax);
	}
	if (strcmp(k, "multipleOf") == 0) {
		n->numflags |= N_MULT;
		if (get_number(c, m, kwloc, &n->multiple) != 0)
			return -1;
		if (!(n->multiple > 0)) {
			cerr(c, "%s: not a number above 0", kwloc);
			return -1;
		}
		return 0;
	}
	if (strcmp(k, "minLength") == 0)
		return get_count(c, m, kwloc, &n->min_len);
	if (strcmp(k, "maxLength") == 0)
		return get_count(c, m, kwloc, &n->max_len);
	if (strcmp(k, "pattern") == 0)
		return (n->pattern = compile_regex(c, m, kwloc)) ? 0 : -1;
	if (strcmp(k, "format") == 0) {
		char s[SUBJECT_MAX + 4], what[128];

		if (jv_get_kind(m) != JV_KIND_STRING) {
			subject(m, s);
			cerr(c, "%s: not a string '%s'", kwloc, s);
			return -1;
		}
		for (i = F_NONE + 1; i <= F_DURATION; i++)
			if (strcmp(jv_string_value(m), formats[i].name) == 0)
				n->format = i;
		if (n->format == F_NONE) {
			subject(m, s);
			snprintf(what, sizeof what, "unknown format '%s'", s);
			note_unknown(c, kwloc, what);
		}
		return 0;
	}
	if (strcmp(k, "minItems") == 0)
		return get_count(c, m, kwloc, &n->min_items);
	if (strcmp(k, "maxItems") == 0)
		return get_count(c, m, kwloc, &n->max_items);
	if (strcmp(k, "minProperties") == 0)
		return get_count(c, m, kwloc, &n->min_props);
	if (strcmp(k, "maxProperties") == 0)
		return get_count(c, m, kwloc, &n->max_props);
	if (strcmp(k, "uniqueItems") == 0) {
		if (jv_get_kind(m) != JV_KIND_TRUE &&
		    jv_get_kind(m) != JV_KIND_FALSE) {
			cerr(c, "%s: not a boolean", kwloc);
			return -1;
		}
		n->unique = jv_get_kind(m) == JV_KIND_TRUE;
		return 0;
	}
	if (strcmp(k, "items") == 0) {
		if (jv_get_kind(m) == JV_KIND_ARRAY) {
			/* draft-07 tuple: the rest is additionalItems */
			jv rest;

			if (compile_list(c, m, doc, ptr, k, kwloc, base, draft7,
			    0, &n->prefix, &n->nprefix) != 0)
				return -1;
			rest = jv_object_get(jv_copy(obj),
			    jv_string("additionalItems"));
			if (jv_is_valid(rest))
				n->items = compile_member(c, rest, doc, ptr,
				    "additionalItems", base, draft7);
			i = jv_is_valid(rest) && n->items == NULL;
			jv_free(rest);
			return i ? -1 : 0;
		}
		return SCHEMA(items);
	}
	if (strcmp(k, "prefixItems") == 0) {
		jv items = jv_object_get(jv_copy(obj), jv_string("items"));

		i = jv_get_kind(items) == JV_KIND_ARRAY;
		jv_free(items);
		if (i)
			return 0;	/* draft-07 items array wins */
		return compile_list(c, m, doc, ptr, k, kwloc, base, draft7, 0,
		    &n->prefix, &n->nprefix);
	}
	if (strcmp(k, "contains") == 0) {
		static const char *const lims[] = { "minContains",
		    "maxContains" };
		long *out[2];

		if (SCHEMA(contains) != 0)
			return -1;
		n->min_contains = 1;
		out[0] = &n->min_contains;
		out[1] = &n->max_contains;
		for (i = 0; i < 2; i++) {
			jv lim = jv_object_get(jv_copy(obj), jv_string(lims[i]));
			int bad;

			snprintf(kwloc, sizeof kwloc, "%s/%s", n->loc, lims[i]);
			bad = jv_is_valid(lim) && get_count(c, lim, kwloc,
			    out[i]) != 0;
			jv_free(lim);
			if (bad)
				return -1;
		}
		return 0;
	}
	if ((map = map_keyword(k)) != M_NONE) {
		int ret = 0;

		if (jv_get_kind(m) != JV_KIND_OBJECT) {
			cerr(c, "%s: not an object", kwloc);
			return -1;
		}
		cnt = jv_object_length(jv_copy(m));
		if (map == M_PROPS)
			n->props = fx_xcalloc((unsigned long)cnt + 1,
			    sizeof *n->props);
		else if (map == M_PATTERNS)
			n->patprops = fx_xcalloc((unsigned long)cnt + 1,
			    sizeof *n->patprops);
		else {
			n->deps = fx_xrealloc(n->deps, (unsigned long)(n->ndeps +
			    cnt + 1) * sizeof *n->deps);
			memset(n->deps + n->ndeps, 0,
			    (size_t)(cnt + 1) * sizeof *n->deps);
		}
		dir = join(ptr, k, strlen(k));
		for (it = jv_object_iter(m); ret == 0 &&
		    jv_object_iter_valid(m, it); it = jv_object_iter_next(m, it)) {
			jv key = jv_object_iter_key(m, it);
			jv sub = jv_object_iter_value(m, it);
			int len = jv_string_length_bytes(jv_copy(key));
			struct node *sn = NULL;
			char subloc[1024];

			child = join(dir, jv_string_value(key), (size_t)len);
			snprintf(subloc, sizeof subloc, "%s#%s",
			    doc == 0 ? "" : c->docs[doc].uri, child);
			if (map == M_DEP_REQUIRED || (map == M_DEPENDENCIES &&
			    jv_get_kind(sub) == JV_KIND_ARRAY)) {
				struct dep *d = &n->deps[n->ndeps++];

				d->key = jv_copy(key);
				ret = get_names(c, sub, subloc, &d->names,
				    &d->nnames);
			} else if ((sn = compile(c, sub, doc, child, base,
			    draft7)) == NULL) {
				ret = -1;
			} else if (map == M_PROPS) {
				struct prop *p = &n->props[n->nprops++];

				p->key = jv_copy(key);
				p->name = jv_string_value(p->key);
				p->len = len;
				p->schema = sn;
			} else if (map == M_PATTERNS) {
				struct patprop *pp = &n->patprops[n->npatprops];

				if ((pp->re = compile_regex(c, key, subloc)) ==
				    NULL)
					ret = -1;
				else {
					pp->schema = sn;
					n->npatprops++;
				}
			} else {
				struct dep *d = &n->deps[n->ndeps++];

				d->key = jv_copy(key);
				d->schema = sn;
			}
			free(child);
			jv_free(key);
			jv_free(sub);
		}
		free(dir);
		if (n->props)
			qsort(n->props, (size_t)n->nprops, sizeof *n->props,
			    compare_props);
		return ret;
	}
	if (strcmp(k, "additionalProperties") == 0)
		return SCHEMA(addl);
	if (strcmp(k, "propertyNames") == 0)
		return SCHEMA(names);
	if (strcmp(k, "required") == 0)
		return get_names(c, m, kwloc, &n->required, &n->nrequired);
	if (strcmp(k, "allOf") == 0)
		return compile_list(c, m, doc, ptr, k, kwloc, base, draft7, 1,
		    &n->all, &n->nall);
	if (strcmp(k, "anyOf") == 0)
		return compile_list(c, m, doc, ptr, k, kwloc, base, draft7, 1,
		    &n->any, &n->nany);
	if (strcmp(k, "oneOf") == 0)
		return compile_list(c, m, doc, ptr, k, kwloc, base, draft7, 1,
		    &n->one, &n->none);
	if (strcmp(k, "not") == 0)
		return SCHEMA(not_);
	if (strcmp(k, "if") == 0) {
		jv t = jv_object_get(jv_copy(obj), jv_string("then"));
		jv e = jv_object_get(jv_copy(obj), jv_string("else"));

		i = SCHEMA(if_) != 0 ||
		    (jv_is_valid(t) && (n->then_ = compile_member(c, t, doc,
		    ptr, "then", base, draft7)) == NULL) ||
		    (jv_is_valid(e) && (n->else_ = compile_member(c, e, doc,
		    ptr, "else", base, draft7)) == NULL);
		jv_free(t);
		jv_free(e);
		return i ? -1 : 0;
	}
	if (strcmp(k, "unevaluatedProperties") == 0 ||
	    strcmp(k, "unevaluatedItems") == 0 ||
	    strcmp(k, "$dynamicRef") == 0 || strcmp(k, "$recursiveRef") == 0) {
		cerr(c, "%s: not supported", kwloc);
		return -1;
	}
	if (!is_ignored_keyword(k))
		note_unknown(c, kwloc, "unknown keyword");
	return 0;
#undef SCHEMA
}

/* Sets n->has from the keywords n has. */
static void
summarize(struct node *n)
{
	unsigned h = 0;

	h |= n->ref ? H_REF : 0;
	h |= n->types ? H_TYPE : 0;
	h |= n->has_const ? H_CONST : 0;
	h |= n->enum_v ? H_ENUM : 0;
	h |= n->numflags ? H_NUMBER : 0;
	if (n->min_len >= 0 || n->max_len >= 0 || n->pattern ||
	    n->format != F_NONE)
		h |= H_STRING;
	if (n->min_items >= 0 || n->max_items >= 0 || n->unique ||
	    n->nprefix > 0 || n->items || n->contains)
		h |= H_ARRAY;
	if (n->nrequired > 0 || n->min_props >= 0 || n->max_props >= 0 ||
	    n->ndeps > 0 || n->nprops > 0 || n->npatprops > 0 || n->addl ||
	    n->names)
		h |= H_OBJECT;
	h |= n->nall ? H_ALL : 0;
	h |= n->nany ? H_ANY : 0;
	h |= n->none ? H_ONE : 0;
	h |= n->not_ ? H_NOT : 0;
	h |= n->if_ ? H_IF : 0;
	n->has = h;
}

/*
 * Compiles the schema v (borrowed) at ptr of doc, whose parent's base URI
 * and dialect are base and draft7.  One node per location: a second
 * reference to it, or a recursive one, gets the same node.
 */
static struct node *
compile(struct cctx *c, jv v, int doc, const char *ptr, const char *base,
    int draft7)
{
	char key[32], kwloc[1024], *mybase;
	fx_buf memo = FX_BUF_INIT;
	struct node *n;
	const char *ref;
	jv_kind kind = jv_get_kind(v);
	int it, ret = 0;

	if (c->failed)
		return NULL;
	snprintf(key, sizeof key, "%d:", doc);
	fx_buf_puts(&memo, key);
	fx_buf_puts(&memo, ptr);
	if ((n = map_get(&c->memo, fx_buf_cstr(&memo))) != NULL) {
		fx_buf_free(&memo);
		return n;
	}
	n = fx_xcalloc(1, sizeof *n);
	*c->tail = n;		/* in the order made, for find_cycle */
	c->tail = &n->next;
	n->loc = fx_xmalloc(strlen(c->docs[doc].uri) + strlen(ptr) + 2);
	sprintf(n->loc, "%s#%s", doc == 0 ? "" : c->docs[doc].uri, ptr);
	n->const_v = jv_invalid();
	n->min_len = n->max_len = n->min_items = n->max_items = -1;
	n->min_props = n->max_props = n->max_contains = -1;
	map_put(&c->memo, memo.data, n);
	fx_buf_free(&memo);

	if (kind == JV_KIND_TRUE || kind == JV_KIND_FALSE) {
		n->boolean = kind == JV_KIND_TRUE;
		return n;
	}
	n->boolean = -1;
	if (kind != JV_KIND_OBJECT) {
		char s[SUBJECT_MAX + 4];

		subject(v, s);
		return cerr(c, "%s: not a schema '%s'", n->loc, s);
	}
	mybase = fx_xstrdup(base);
	enter_resource(v, &mybase, &draft7);
	snprintf(kwloc, sizeof kwloc, "%s/$ref", n->loc);
	if (has_member(v, "$ref")) {
		if ((ref = member_str(v, "$ref")) == NULL)
			ret = -1, cerr(c, "%s: not a string", kwloc);
		else if ((n->ref = resolve_ref(c, kwloc, mybase, ref)) ==
		    NULL)
			ret = -1;
		if (draft7) {	/* $ref hides its siblings */
			free(mybase);
			n->has = H_REF;
			return ret == 0 ? n : NULL;
		}
	}
	for (it = jv_object_iter(v); ret == 0 && jv_object_iter_valid(v, it);
	    it = jv_object_iter_next(v, it)) {
		jv k = jv_object_iter_key(v, it);
		jv m = jv_object_iter_value(v, it);

		if (strcmp(jv_string_value(k), "$ref") != 0)
			ret = compile_keyword(c, n, v, jv_string_value(k), m,
			    doc, ptr, mybase, draft7);
		jv_free(k);
		jv_free(m);
	}
	free(mybase);
	if (ret != 0)
		return NULL;
	/* draft-04's boolean exclusiveMinimum makes minimum exclusive */
	if (member_kind(v, "exclusiveMinimum") == JV_KIND_TRUE &&
	    (n->numflags & N_MIN)) {
		n->numflags = (n->numflags & ~(unsigned)N_MIN) | N_EXMIN;
		n->exmin = n->minimum;
	}
	if (member_kind(v, "exclusiveMaximum") == JV_KIND_TRUE &&
	    (n->numflags & N_MAX)) {
		n->numflags = (n->numflags & ~(unsigned)N_MAX) | N_EXMAX;
		n->exmax = n->maximum;
	}
	if (n->types != 0 && !(n->types & T_NONE) &&
	    member_kind(v, "nullable") == JV_KIND_TRUE)
		n->types |= T_NULL;
	summarize(n);
	return n;
}

/*
 * Schemas applied to the same instance value (a $ref, allOf, ...) must
 * not reach themselves again without descending into it, or validation
 * would never end.  A depth-first search; the path so far is on stack.
 */
static int
find_cycle(struct cctx *c, struct node *n, struct node **stack, int depth)
{
	struct node *next[8];
	int i, j, count;

	if (n == NULL || n->mark == 2)
		return 0;
	if (n->mark == 1) {
		fx_buf b = FX_BUF_INIT;

		for (i = 0; i < depth && stack[i] != n; i++)
			;
		for (j = i; j < depth; j++) {
			fx_buf_putc(&b, '\'');
			fx_buf_puts(&b, stack[j]->loc);
			fx_buf_puts(&b, "' -> ");
		}
		fx_buf_putc(&b, '\'');
		fx_buf_puts(&b, n->loc);
		fx_buf_putc(&b, '\'');
		cerr(c, "%s: $ref cycle %s never descends into the instance",
		    n->loc, fx_buf_cstr(&b));
		fx_buf_free(&b);
		return -1;
	}
	n->mark = 1;
	stack[depth] = n;
	count = 0;
	next[count++] = n->ref;
	next[count++] = n->not_;
	next[count++] = n->if_;
	next[count++] = n->then_;
	next[count++] = n->else_;
	for (i = 0; i < count; i++)
		if (find_cycle(c, next[i], stack, depth + 1) != 0)
			return -1;
	for (i = 0; i < n->nall; i++)
		if (find_cycle(c, n->all[i], stack, depth + 1) != 0)
			return -1;
	for (i = 0; i < n->nany; i++)
		if (find_cycle(c, n->any[i], stack, depth + 1) != 0)
			return -1;
	for (i = 0; i < n->none; i++)
		if (find_cycle(c, n->one[i], stack, depth + 1) != 0)
			return -1;
	for (i = 0; i < n->ndeps; i++)
		if (find_cycle(c, n->deps[i].schema, stack, depth + 1) != 0)
			return -1;
	n->mark = 2;
	return 0;
}

/*
 * What a node that only wraps another one ({"$ref": X}, {"allOf": [X]},
 * with annotations at most) stands for: X, or what X stands for.
 * Validating goes straight there, and a Beckn v1 schema, which writes
 * most properties as {"allOf": [{"$ref": ...}]}, checks a third of the
 * nodes.  The chain ends: find_cycle() has ruled out cycles.
 */
static struct node *
unwrap(struct node *n)
{
	while (n != NULL && n->boolean < 0 && (n->has == H_REF ||
	    (n->has == H_ALL && n->nall == 1)))
		n = n->has == H_REF ? n->ref : n->all[0];
	return n;
}

static void
unwrap_all(fx_jschema *s)
{
	struct node *n;
	int i;

	s->root = unwrap(s->root);
	for (n = s->nodes; n; n = n->next) {
		n->ref = unwrap(n->ref);
		for (i = 0; i < n->nprefix; i++)
			n->prefix[i] = unwrap(n->prefix[i]);
		n->items = unwrap(n->items);
		n->contains = unwrap(n->contains);
		for (i = 0; i < n->nprops; i++)
			n->props[i].schema = unwrap(n->props[i].schema);
		for (i = 0; i < n->npatprops; i++)
			n->patprops[i].schema = unwrap(n->patprops[i].schema);
		n->addl = unwrap(n->addl);
		n->names = unwrap(n->names);
		for (i = 0; i < n->ndeps; i++)
			n->deps[i].schema = unwrap(n->deps[i].schema);
		for (i = 0; i < n->nall; i++)
			n->all[i] = unwrap(n->all[i]);
		for (i = 0; i < n->nany; i++)
			n->any[i] = unwrap(n->any[i]);
		for (i = 0; i < n->none; i++)
			n->one[i] = unwrap(n->one[i]);
		n->not_ = unwrap(n->not_);
		n->if_ = unwrap(n->if_);
		n->then_ = unwrap(n->then_);
		n->else_ = unwrap(n->else_);
	}
}

static void
free_node(struct node *n)
{
	int i, j;

	free(n->loc);
	jv_free(n->const_v);
	for (i = 0; i < n->nenum; i++)
		jv_free(n->enum_v[i]);
	free(n->enum_v);
	free_regex(n->pattern);
	free(n->prefix);
	for (i = 0; i < n->nprops; i++)
		jv_free(n->props[i].key);
	free(n->props);
	for (i = 0; i < n->npatprops; i++)
		free_regex(n->patprops[i].re);
	free(n->patprops);
	for (i = 0; i < n->nrequired; i++)
		jv_free(n->required[i]);
	free(n->required);
	for (i = 0; i < n->ndeps; i++) {
		jv_free(n->deps[i].key);
		for (j = 0; j < n->deps[i].nnames; j++)
			jv_free(n->deps[i].names[j]);
		free(n->deps[i].names);
	}
	free(n->deps);
	free(n->all);
	free(n->any);
	free(n->one);
	free(n);
}

void
fx_jschema_free(fx_jschema *s)
{
	struct node *n, *next;

	if (s == NULL)
		return;
	for (n = s->nodes; n; n = next) {
		next = n->next;
		free_node(n);
	}
	jv_free(s->unknown);
	free(s);
}

/* Adds a document; its URI is uri, or its top-level $id. */
static void
add_doc(struct cctx *c, jv doc, const char *uri)
{
	struct doc *d;
	const char *id = NULL;
	char *abs;

	c->docs = fx_xrealloc(c->docs, (unsigned long)(c->ndocs + 1) *
	    sizeof *c->docs);
	d = &c->docs[c->ndocs];
	d->root = doc;
	if (uri == NULL && jv_get_kind(doc) == JV_KIND_OBJECT)
		id = member_str(doc, "$id");
	abs = uri_resolve("", uri ? uri : id ? id : "");
	d->uri = strip_fragment(abs);
	free(abs);
	put_loc(&c->res, d->uri, c->ndocs, "");
	scan_ids(c, doc, c->ndocs, "", d->uri, 0, 0);
	c->ndocs++;
}

fx_jschema *
fx_jschema_new_with(jv doc, const char *pointer,
    const fx_jschema_resource *res, int nres, char *err, size_t errlen)
{
	struct cctx c;
	struct node **stack;
	struct node *n;
	fx_jschema *s = fx_xcalloc(1, sizeof *s);
	char *ptr = NULL;
	int i, count = 0;

	memset(&c, 0, sizeof c);
	c.s = s;
	c.tail = &s->nodes;

	c.err = err;
	c.errlen = errlen;
	s->unknown = jv_array();
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!jv_is_valid(doc)) {
		jv_free(doc);
		cerr(&c, "not a JSON document");
		goto out;
	}
	add_doc(&c, doc, NULL);
	for (i = 0; i < nres; i++)
		add_doc(&c, jv_copy(res[i].doc), res[i].uri);
	if (pointer == NULL)
		pointer = "";
	if (pointer[0] == '#')
		ptr = pct_decode(pointer + 1);
	else
		ptr = fx_xstrdup(pointer);
	if (ptr == NULL || (ptr[0] != '\0' && ptr[0] != '/')) {
		cerr(&c, "not a JSON pointer '%s'", pointer);
		goto out;
	}
	s->root = compile_at(&c, 0, ptr);
	if (s->root == NULL) {
		if (!c.failed)
			cerr(&c, "'%s' names nothing in the document", pointer);
		goto out;
	}
	for (n = s->nodes; n; n = n->next)
		count++;
	stack = fx_xcalloc((unsigned long)count + 1, sizeof *stack);
	for (n = s->nodes; n && !c.failed; n = n->next)
		find_cycle(&c, n, stack, 0);
	free(stack);
	if (!c.failed)
		unwrap_all(s);
out:
	free(ptr);
	for (i = 0; i < c.ndocs; i++) {
		jv_free(c.docs[i].root);
		free(c.docs[i].uri);
	}
	free(c.docs);
	map_free(&c.memo, 0);
	free_locs(&c.res);
	free_locs(&c.anchors);
	if (c.failed) {
		fx_jschema_free(s);
		return NULL;
	}
	return s;
}

fx_jschema *
fx_jschema_new(jv doc, const char *pointer, char *err, size_t errlen)
{
	return fx_jschema_new_with(doc, pointer, NULL, 0, err, errlen);
}

jv
fx_jschema_unknown(const fx_jschema *s)
{
	return jv_copy(s->unknown);
}

/* ---- validating ---- */

/*
 * The instance location is a stack of member names (borrowed from the
 * instance) and array indices, written out as a JSON pointer only for
 * an error's message.
 */
struct frame {
	const char *key;	/* NULL for an index */
	int len;		/* key bytes, or the index */
};

struct vctx {
	fx_jschema_error *errs;
	int max, nerr;
	int quiet;		/* > 0: only whether valid matters */
	int stop;		/* max errors found */
	int depth;
	int nframes;
	struct frame frames[MAX_DEPTH + 2];
	/* for messages, here rather than on the recursion's stack */
	char s[SUBJECT_MAX + 4], s2[SUBJECT_MAX + 4], what[128];
};

/* The instance location as a JSON pointer into out (size bytes); a
 * location too long ends in "/...". */
static void
render_path(const struct vctx *x, char *out, size_t size)
{
	fx_buf b = FX_BUF_INIT;
	char tok[16];
	int i;

	for (i = 0; i < x->nframes; i++) {
		fx_buf_putc(&b, '/');
		if (x->frames[i].key)
			escape_token(&b, x->frames[i].key,
			    (size_t)x->frames[i].len);
		else {
			snprintf(tok, sizeof tok, "%d", x->frames[i].len);
			fx_buf_puts(&b, tok);
		}
	}
	copy_cut(out, size, b.len ? fx_buf_cstr(&b) : "");
	fx_buf_free(&b);
}


__attribute__((format(printf, 4, 5))) static int
fail(struct vctx *x, const struct node *n, const char *kw,
    const char *fmt, ...)
{
	char text[FX_JSCHEMA_MSG_MAX + 64], full[FX_JSCHEMA_MSG_MAX + 1200];
	char path[FX_JSCHEMA_MSG_MAX];
	fx_jschema_error *e;
	va_list ap;
	size_t room;

	if (x->quiet)
		return 1;
	if (x->errs != NULL && x->nerr < x->max) {
		e = &x->errs[x->nerr];
		va_start(ap, fmt);
		vsnprintf(text, sizeof text, fmt, ap);
		va_end(ap);
		render_path(x, e->instance, sizeof e->instance);
		snprintf(full, sizeof full, "%s%s%s", n->loc, kw ? "/" : "",
		    kw ? kw : "");
		copy_cut(e->keyword, sizeof e->keyword, full);
		/* a long location is cut rather than what is wrong */
		room = sizeof e->message - strlen(text) - 2;
		render_path(x, path, room > 40 ? room : 40);
		snprintf(full, sizeof full, "%s%s%s", path, x->nframes ? ": " :
		    "", text);
		copy_cut(e->message, sizeof e->message, full);
	}
	if (++x->nerr >= x->max)
		x->stop = 1;
	return x->stop;
}

static int check(struct vctx *x, const struct node *n, jv v);

/* check() of the member key[0..len) or, key NULL, the item len. */
static int
check_at(struct vctx *x, const struct node *n, jv v, const char *key,
    int len)
{
	int bad;

	x->frames[x->nframes].key = key;
	x->frames[x->nframes++].len = len;
	bad = check(x, n, v);
	x->nframes--;
	return bad;
}

/* Whether v is valid against n, without errors. */
static int
passes(struct vctx *x, const struct node *n, jv v)
{
	int bad;

	x->quiet++;
	bad = check(x, n, v);
	x->quiet--;
	return !bad;
}

static int
is_integer(double d)
{
	return isfinite(d) && d == floor(d);
}

static int
type_ok(unsigned types, jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		return types & T_NULL;
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		return types & T_BOOLEAN;
	case JV_KIND_OBJECT:
		return types & T_OBJECT;
	case JV_KIND_ARRAY:
		return types & T_ARRAY;
	case JV_KIND_STRING:
		return types & T_STRING;
	case JV_KIND_NUMBER:
		return (types & T_NUMBER) || ((types & T_INTEGER) &&
		    is_integer(jv_number_value(v)));
	default:
		return 0;
	}
}

static void
type_text(unsigned types, char *out, size_t size)
{
	int k, n = 0, total = 0, i;

	for (k = 0; k < 7; k++)
		total += (types >> k & 1) != 0;
	out[0] = '\0';
	if (total == 0) {
		snprintf(out, size, "of any type (type is [])");
		return;
	}
	/* the named types first, null last */
	for (i = 1; i <= 7; i++) {
		k = i % 7;
		if (!(types >> k & 1))
			continue;
		n++;
		snprintf(out + strlen(out), size - strlen(out), "%s%s",
		    n == 1 ? "" : n == total ? " or " : ", ", type_articles[k]);
	}
}

static int
multiple_of(double x, double m)
{
	double q;

	if (is_integer(x) && is_integer(m) && fabs(x) < 9007199254740992.0 &&
	    m < 9007199254740992.0)
		return fmod(x, m) == 0;
	q = x / m;
	if (!isfinite(q))
		return 0;
	if (fabs(q) >= 1e9)
		return fmod(x, m) == 0;
	return fabs(q - nearbyint(q)) < 1e-9;
}

/*
 * In the checks below, bad says whether something failed.  FAIL reports
 * an error of n's; SUB notes a failed subschema.  Both return at once
 * when only validity matters or enough errors are in.
 */
#define FAIL(...) do { bad = 1; if (fail(x, n, __VA_ARGS__)) return 1; } \
	while (0)
#define SUB(expr) do { if (expr) { bad = 1; \
	if (x->quiet || x->stop) return 1; } } while (0)

/* A number beyond limit: "<what> <limit> '<value>'". */
static int
fail_number(struct vctx *x, const struct node *n, const char *kw,
    const char *what, double limit, jv v)
{
	fx_fmt_num(x->what, limit);
	subject(v, x->s);
	return fail(x, n, kw, "%s %s '%s'", what, x->what, x->s);
}

#define FAIL_NUMBER(kw, what, limit) do { bad = 1; \
	if (fail_number(x, n, kw, what, limit, v)) return 1; } while (0)

static int
check_number(struct vctx *x, const struct node *n, jv v)
{
	double d = jv_number_value(v);
	int bad = 0;

	if ((n->numflags & N_MIN) && d < n->minimum)
		FAIL_NUMBER("minimum", "less than the minimum", n->minimum);
	if ((n->numflags & N_EXMIN) && d <= n->exmin)
		FAIL_NUMBER("exclusiveMinimum", "not greater than", n->exmin);
	if ((n->numflags & N_MAX) && d > n->maximum)
		FAIL_NUMBER("maximum", "greater than the maximum", n->maximum);
	if ((n->numflags & N_EXMAX) && d >= n->exmax)
		FAIL_NUMBER("exclusiveMaximum", "not less than", n->exmax);
	if ((n->numflags & N_MULT) && !multiple_of(d, n->multiple))
		FAIL_NUMBER("multipleOf", "not a multiple of", n->multiple);
	return bad;
}
#undef FAIL_NUMBER

static long
code_points(const char *s, int n)
{
	long count = 0;
	int i;

	for (i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xc0) != 0x80;
	return count;
}

static int
check_string(struct vctx *x, const struct node *n, jv v)
{
	const char *str = jv_string_value(v);
	int len = jv_string_length_bytes(jv_copy(v)), bad = 0;
	char *s = x->s;
	long cp;
	regmatch_t m;

	if (n->min_len >= 0 || n->max_len >= 0) {
		cp = code_points(str, len);
		if (n->min_len >= 0 && cp < n->min_len) {
			subject(v, s);
			FAIL("minLength", "shorter than %ld character%s '%s'",
			    n->min_len, n->min_len == 1 ? "" : "s", s);
		}
		if (n->max_len >= 0 && cp > n->max_len) {
			subject(v, s);
			FAIL("maxLength", "longer than %ld character%s '%s'",
			    n->max_len, n->max_len == 1 ? "" : "s", s);
		}
	}
	if (n->pattern) {
		m.rm_so = 0;
		m.rm_eo = len;
		if (regexec(&n->pattern->re, str, 1, &m, REG_STARTEND) != 0) {
			subject(v, s);
			FAIL("pattern", "'%s' does not match pattern '%s'", s,
			    n->pattern->src);
		}
	}
	if (n->format != F_NONE && !format_ok(n->format, str, (size_t)len)) {
		subject(v, s);
		FAIL("format", "not %s '%s'", formats[n->format].what, s);
	}
	return bad;
}

static int
check_array(struct vctx *x, const struct node *n, jv v)
{
	int len = jv_array_length(jv_copy(v)), i, j, bad = 0, found;

	if (n->min_items >= 0 && len < n->min_items)
		FAIL("minItems", "fewer than %ld item%s (%d)", n->min_items,
		    n->min_items == 1 ? "" : "s", len);
	if (n->max_items >= 0 && len > n->max_items)
		FAIL("maxItems", "more than %ld item%s (%d)", n->max_items,
		    n->max_items == 1 ? "" : "s", len);
	if (n->unique) {
		for (i = 1; i < len; i++) {
			jv a = jv_array_get(jv_copy(v), i);

			for (j = 0; j < i; j++) {
				jv b = jv_array_get(jv_copy(v), j);

				if (jv_get_kind(a) == jv_get_kind(b) &&
				    jv_equal(jv_copy(a), jv_copy(b))) {
					jv_free(b);
					break;
				}
				jv_free(b);
			}
			jv_free(a);
			if (j < i)
				FAIL("uniqueItems", "items %d and %d are equal",
				    j, i);
		}
	}
	if (n->prefix || n->items) {
		for (i = 0; i < len; i++) {
			const struct node *s = i < n->nprefix ? n->prefix[i] :
			    n->items;
			jv item;

			if (s == NULL)
				break;
			item = jv_array_get(jv_copy(v), i);
			j = check_at(x, s, item, NULL, i);
			jv_free(item);
			if (j) {
				bad = 1;
				if (x->quiet || x->stop)
					return 1;
			}
		}
	}
	if (n->contains) {
		for (found = 0, i = 0; i < len; i++) {
			jv item = jv_array_get(jv_copy(v), i);

			found += passes(x, n->contains, item);
			jv_free(item);
			if (n->max_contains < 0 && found >= n->min_contains)
				break;
		}
		if (found < n->min_contains) {
			if (n->min_contains == 1)
				FAIL("contains", "no item matches contains");
			else
				FAIL("minContains", "fewer than %ld items "
				    "match contains (%d)", n->min_contains,
				    found);
		}
		if (n->max_contains >= 0 && found > n->max_contains)
			FAIL("maxContains", "more than %ld item%s match "
			    "contains (%d)", n->max_contains,
			    n->max_contains == 1 ? "" : "s", found);
	}
	return bad;
}

static const struct prop *
find_prop(const struct node *n, const char *name, int len)
{
	struct prop key;

	key.name = name;
	key.len = len;
	return bsearch(&key, n->props, (size_t)n->nprops, sizeof key,
	    compare_props);
}

/* A property's value against a schema; false says "not allowed" at the
 * object rather than "not allowed" at the property. */
static int
check_member(struct vctx *x, const struct node *s, jv val, const char *k,
    int klen)
{
	char *name = x->s;

	if (s->boolean == 0) {
		jv key = jv_string_sized(k, klen);

		subject(key, name);
		jv_free(key);
		return fail(x, s, NULL, "property '%s' not allowed", name),
		    1;
	}
	return check_at(x, s, val, k, klen);
}

static int
check_object(struct vctx *x, const struct node *n, jv v)
{
	char *s = x->s, *s2 = x->s2;
	int i, j, it, bad = 0, count;

	for (i = 0; i < n->nrequired; i++)
		if (!jv_object_has(jv_copy(v), jv_copy(n->required[i]))) {
			subject(n->required[i], s);
			FAIL("required", "required property '%s' missing", s);
		}
	if (n->min_props >= 0 || n->max_props >= 0) {
		count = jv_object_length(jv_copy(v));
		if (n->min_props >= 0 && count < n->min_props)
			FAIL("minProperties", "fewer than %ld propert%s (%d)",
			    n->min_props, n->min_props == 1 ? "y" : "ies",
			    count);
		if (n->max_props >= 0 && count > n->max_props)
			FAIL("maxProperties", "more than %ld propert%s (%d)",
			    n->max_props, n->max_props == 1 ? "y" : "ies",
			    count);
	}
	for (i = 0; i < n->ndeps; i++) {
		const struct dep *d = &n->deps[i];

		if (!jv_object_has(jv_copy(v), jv_copy(d->key)))
			continue;
		for (j = 0; j < d->nnames; j++)
			if (!jv_object_has(jv_copy(v), jv_copy(d->names[j]))) {
				subject(d->names[j], s);
				subject(d->key, s2);
				FAIL("dependentRequired", "required property "
				    "'%s' missing (required by '%s')", s, s2);
			}
		if (d->schema)
			SUB(check(x, d->schema, v));
	}
	if (n->nprops == 0 && n->npatprops == 0 && n->addl == NULL &&
	    n->names == NULL)
		return bad;
	for (it = jv_object_iter(v); jv_object_iter_valid(v, it);
	    it = jv_object_iter_next(v, it)) {
		jv k = jv_object_iter_key(v, it);
		jv val = jv_object_iter_value(v, it);
		const char *name = jv_string_value(k);
		int len = jv_string_length_bytes(jv_copy(k)), matched = 0, r = 0;
		const struct prop *p;
		regmatch_t m;

		if (n->names && !passes(x, n->names, k)) {
			subject(k, s);
			r = 1;
			if (fail(x, n, "propertyNames",
			    "property name '%s' not allowed", s))
				goto next;
		}
		if (n->nprops > 0 && (p = find_prop(n, name, len)) != NULL) {
			matched = 1;
			if (check_member(x, p->schema, val, name, len)) {
				r = 1;
				if (x->quiet || x->stop)
					goto next;
			}
		}
		for (j = 0; j < n->npatprops; j++) {
			m.rm_so = 0;
			m.rm_eo = len;
			if (regexec(&n->patprops[j].re->re, name, 1, &m,
			    REG_STARTEND) != 0)
				continue;
			matched = 1;
			if (check_member(x, n->patprops[j].schema, val, name,
			    len)) {
				r = 1;
				if (x->quiet || x->stop)
					goto next;
			}
		}
		if (!matched && n->addl && check_member(x, n->addl, val, name,
		    len))
			r = 1;
next:
		jv_free(k);
		jv_free(val);
		if (r) {
			bad = 1;
			if (x->quiet || x->stop)
				return 1;
		}
	}
	return bad;
}

static int
check_node(struct vctx *x, const struct node *n, jv v)
{
	char *s = x->s, *what = x->what;
	int i, bad = 0, count, first;

	if (n->has & H_REF)
		SUB(check(x, n->ref, v));
	if ((n->has & H_TYPE) && !type_ok(n->types, v)) {
		type_text(n->types, what, sizeof x->what);
		subject(v, s);
		fail(x, n, "type", "not %s '%s'", what, s);
		return 1;
	}
	if ((n->has & H_CONST) && !jv_equal(jv_copy(v),
	    jv_copy(n->const_v))) {
		char *want = x->s2;

		subject(n->const_v, want);
		subject(v, s);
		FAIL("const", "not '%s' '%s'", want, s);
	}
	if (n->has & H_ENUM) {
		for (i = 0; i < n->nenum; i++)
			if (jv_equal(jv_copy(v), jv_copy(n->enum_v[i])))
				break;
		if (i == n->nenum) {
			subject(v, s);
			FAIL("enum", "not an allowed value '%s'", s);
		}
	}
	switch (jv_get_kind(v)) {
	case JV_KIND_NUMBER:
		if (n->has & H_NUMBER)
			SUB(check_number(x, n, v));
		break;
	case JV_KIND_STRING:
		if (n->has & H_STRING)
			SUB(check_string(x, n, v));
		break;
	case JV_KIND_ARRAY:
		if (n->has & H_ARRAY)
			SUB(check_array(x, n, v));
		break;
	case JV_KIND_OBJECT:
		if (n->has & H_OBJECT)
			SUB(check_object(x, n, v));
		break;
	default:
		break;
	}
	if (!(n->has & (H_ALL | H_ANY | H_ONE | H_NOT | H_IF)))
		return bad;
	for (i = 0; i < n->nall; i++)
		SUB(check(x, n->all[i], v));
	if (n->nany > 0) {
		for (i = 0; i < n->nany; i++)
			if (passes(x, n->any[i], v))
				break;
		if (i == n->nany)
			FAIL("anyOf", "matches none of the schemas of anyOf");
	}
	if (n->none > 0) {
		for (count = 0, first = -1, i = 0; i < n->none; i++)
			if (passes(x, n->one[i], v)) {
				if (++count == 2)
					break;
				first = i;
			}
		if (count == 0)
			FAIL("oneOf", "matches none of the schemas of oneOf");
		if (count == 2)
			FAIL("oneOf", "matches schemas %d and %d of oneOf, not "
			    "exactly one", first, i);
	}
	if (n->not_ && passes(x, n->not_, v))
		FAIL("not", "matches the schema of not");
	if (n->if_) {
		if (passes(x, n->if_, v)) {
			if (n->then_)
				SUB(check(x, n->then_, v));
		} else if (n->else_)
			SUB(check(x, n->else_, v));
	}
	return bad;
}
#undef SUB
#undef FAIL

/* Validates v against n: 0 valid, 1 not (errors reported unless quiet). */
static int
check(struct vctx *x, const struct node *n, jv v)
{
	int bad;

	if (n->boolean == 1)
		return 0;
	if (n->boolean == 0)
		return fail(x, n, NULL, "not allowed"), 1;
	if (x->depth >= MAX_DEPTH)
		return fail(x, n, NULL, "nested too deeply"), 1;
	x->depth++;
	bad = check_node(x, n, v);
	x->depth--;
	return bad;
}

int
fx_jschema_validate(const fx_jschema *s, jv instance,
    fx_jschema_error *errs, int maxerrs)
{
	struct vctx x;

	x.errs = errs;
	x.max = maxerrs > 0 ? maxerrs : 1;
	x.nerr = 0;
	x.quiet = 0;
	x.stop = 0;
	x.depth = 0;
	x.nframes = 0;
	check(&x, s->root, instance);
	return x.nerr;
}
