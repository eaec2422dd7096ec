/*
 * verify.c - what a regulator runs: verify, prove, verify-proof; and
 * query, what an operator runs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "b64.h"
#include "err.h"
#include "json.h"
#include "ndjson.h"
#include "note.h"

static sqlite3 *
open_ro(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fx_error("%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
		    "cannot open");
		exit(FX_EXIT_USAGE);
	}
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *path, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fx_error("%s: not an fx-audit store (%s)", path,
		    sqlite3_errmsg(db));
		exit(FX_EXIT_USAGE);
	}
	return st;
}

static char *
meta_text(sqlite3 *db, const char *path, const char *key)
{
	sqlite3_stmt *st = prep(db, path, "SELECT value FROM meta WHERE key = ?");
	char *v = NULL;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = fx_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	fx_buf b = FX_BUF_INIT;
	char tmp[65536];
	size_t n;

	if (f == NULL)
		fx_die(FX_EXIT_USAGE, "%s: %s", path, strerror(errno));
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		fx_buf_put(&b, tmp, n);
	if (ferror(f))
		fx_die(FX_EXIT_USAGE, "%s: %s", path, strerror(errno));
	fclose(f);
	fx_buf_putc(&b, '\0');
	*len = b.len - 1;
	return b.data;
}

/* A verifier from a file or the store's own key (with a warning). */
static fx_note_verifier *
get_verifier(const char *pubkey, sqlite3 *db, const char *path, int *own)
{
	fx_note_verifier *v;
	char err[512], *k;

	*own = 0;
	if (pubkey != NULL) {
		if ((v = fx_note_verifier_load(pubkey, err, sizeof err)) ==
		    NULL)
			fx_die(FX_EXIT_USAGE, "%s", err);
		return v;
	}
	if (db == NULL || (k = meta_text(db, path, "vkey")) == NULL)
		return NULL;
	if ((v = fx_note_verifier_new(k, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "%s: the stored key: %s", path, err);
	free(k);
	*own = 1;
	return v;
}

/* ---- verify ---- */

static int failed;

static void __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	if (failed++ > 0)
		return;		/* the first failure is the one reported */
	va_start(ap, fmt);
	fprintf(stderr, "%s: verify: FAILED: ", PROG);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int
same_opt(const char *col, const char *derived)
{
	if (col == NULL || derived == NULL)
		return col == derived;
	return strcmp(col, derived) == 0;
}

/* Checks an entry's body against its row; returns 0 or -1 (reported). */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The der_ids rows of entry seq, read from ds in rowid order (positioned
 * on its next row; *more says whether it has one), against what the body
 * names, as sets.  Rows are written entry by entry, so an honest store's
 * rowid order is its entry order and no sort of the whole table is
 * needed; a row added, moved or changed behind the store's back breaks
 * that order or the set and is reported.
 */
static int
check_ders(sqlite3_stmt *ds, int *more, uint64_t seq, struct fields *f)
{
	char **rows = NULL;
	int n = 0, cap = 0, i, rc = 0;

	if (f->nders > 1)
		qsort(f->ders, (size_t)f->nders, sizeof *f->ders, cmp_str);
	if (*more && (uint64_t)sqlite3_column_int64(ds, 0) < seq) {
		fail("der_ids: a row for entry %lld, which does not name it "
		    "(or not in its place)",
		    (long long)sqlite3_column_int64(ds, 0));
		return -1;
	}
	while (*more && (uint64_t)sqlite3_column_int64(ds, 0) == seq) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			rows = fx_xrealloc(rows, (unsigned long)cap *
			    sizeof *rows);
		}
		rows[n++] = fx_xstrdup((const char *)sqlite3_column_text(ds,
		    1));
		*more = sqlite3_step(ds) == SQLITE_ROW;
	}
	if (n > 1)
		qsort(rows, (size_t)n, sizeof *rows, cmp_str);
	for (i = 0; i < n && i < f->nders; i++)
		if (strcmp(rows[i], f->ders[i]) != 0)
			break;
	if (i < n || i < f->nders) {
		if (i >= n)
			fail("entry %llu: der_ids lack %s, which its body names",
			    (unsigned long long)seq, f->ders[i]);
		else
			fail("entry %llu: der_ids differ from its body (%s)",
			    (unsigned long long)seq, i < f->nders ? f->ders[i] :
			    rows[i]);
		rc = -1;
	}
	for (i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
	return rc;
}

static int
check_body(sqlite3_stmt *st, uint64_t seq, sqlite3_stmt *ds, int *more)
{
	const char *body = (const char *)sqlite3_column_blob(st, 2);
	size_t len = (size_t)sqlite3_column_bytes(st, 2);
	char pre[64], err[256];
	const char *rec, *at, *appended;
	struct fields f;
	fx_time t;
	int n, rc = 0;
	static const int col[] = { 5, 6, 7, 8, 9, 10, 11 };
	static const char *const name[] = { "feeder_id", "obp_id",
	    "event_id", "plan_id", "order_id", "aggregator_id",
	    "transaction_id" };
	char *const *val;

	n = snprintf(pre, sizeof pre, "{\"seq\":%llu,\"appended_at\":\"",
	    (unsigned long long)seq);
	if (len < (size_t)n + 40 || memcmp(body, pre, (size_t)n) != 0 ||
	    body[len - 1] != '}') {
		fail("entry %llu: its body is not the entry %llu (it starts "
		    "'%s')", (unsigned long long)seq, (unsigned long long)seq,
		    fx_quote(body, len < 40 ? len : 40));
		return -1;
	}
	appended = body + n;
	at = memchr(appended, '"', len - (size_t)n);
	if (at == NULL || fx_time_parse_rfc3339(appended, (size_t)(at -
	    appended), &t, &rec) != 0 || t != sqlite3_column_int64(st, 12) ||
	    strncmp(at, "\",\"record\":", 11) != 0) {
		fail("entry %llu: appended_at differs from its body",
		    (unsigned long long)seq);
		return -1;
	}
	rec = at + 11;
	if (derive(rec, (size_t)(body + len - 1 - rec), &f, err,
	    sizeof err) != 0) {
		fail("entry %llu: its record is not a record: %s",
		    (unsigned long long)seq, err);
		return -1;
	}
	val = &f.feeder_id;
	if (strcmp(f.type, (const char *)sqlite3_column_text(st, 3)) != 0) {
		fail("entry %llu: column type differs from its body",
		    (unsigned long long)seq);
		rc = -1;
	} else if ((f.ts == INT64_MIN) !=
	    (sqlite3_column_type(st, 4) == SQLITE_NULL) ||
	    (f.ts != INT64_MIN && f.ts != sqlite3_column_int64(st, 4))) {
		fail("entry %llu: column ts differs from its body",
		    (unsigned long long)seq);
		rc = -1;
	} else
		for (n = 0; n < 7; n++)
			if (!same_opt((const char *)sqlite3_column_text(st,
			    col[n]), val[n])) {
				fail("entry %llu: column %s differs from its "
				    "body", (unsigned long long)seq, name[n]);
				rc = -1;
				break;
			}
	if (rc == 0)
		rc = check_ders(ds, more, seq, &f);
	fields_free(&f);
	return rc;
}

struct ext_cp {
	const char *path;
	fx_note_checkpoint cp;
	char *text;
	uint8_t root_at[32];
	int seen;
};

int
cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "enc-key", required_argument, NULL, 'K' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *pubkey = NULL, *enc_path = NULL;
	enc_key ek;
	fx_buf plain = FX_BUF_INIT;
	uint64_t envelopes = 0;
	struct ext_cp *ext = NULL;
	int next = 0, ch, own, i, ncp = 0, rc;
	sqlite3 *db;
	sqlite3_stmt *es, *cs, *ds, *ns;
	int dmore;
	uint64_t nodes_checked = 0, nodes_have = 0;
	uint8_t done[64][32];
	unsigned nd, l;
	fx_note_verifier *v;
	fx_merkle_tree tree;
	uint64_t seq = 0, pruned = 0, cp_size = 0, meta_size;
	uint8_t leaf[32], root[32];
	char err[512], *origin, *ms, b64[64];
	int have_cp;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			ext = fx_xrealloc(ext, (unsigned long)(next + 1) *
			    sizeof *ext);
			memset(&ext[next], 0, sizeof *ext);
			ext[next++].path = optarg;
			break;
		case 'd': path = optarg; break;
		case 'k': pubkey = optarg; break;
		case 'K': enc_path = optarg; break;
		case 'h': usage(0); break;
		default:
			fx_error("usage: fx-audit verify --db file "
			    "[--checkpoint file] [--enc-key file] "
			    "[--pubkey file]");
			exit(FX_EXIT_USAGE);
		}
	if (path == NULL)
		fx_die(FX_EXIT_USAGE, "verify: --db is required");
	if (enc_path != NULL && enc_key_load(enc_path, &ek, err,
	    sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	db = open_ro(path);
	origin = meta_text(db, path, "origin");
	if (origin == NULL)
		fx_die(FX_EXIT_USAGE, "%s: not an fx-audit store (no origin)",
		    path);
	v = get_verifier(pubkey, db, path, &own);
	if (v == NULL)
		fail("no key to check the checkpoints with: the store has "
		    "none and no --pubkey was given");
	else if (own)
		fx_warn("verify: checking signatures with the key stored in "
		    "%s; give --pubkey with your own copy to rule out a "
		    "rebuilt store", path);
	/* the regulator's own checkpoints */
	for (i = 0; i < next; i++) {
		size_t len;
		fx_note_result res;

		ext[i].text = read_file(ext[i].path, &len);
		if (v == NULL)
			break;
		rc = fx_note_verify(ext[i].text, len, &v, 1, &res, err,
		    sizeof err);
		if (rc != FX_NOTE_OK)
			fx_die(FX_EXIT_FAIL, "verify: FAILED: %s: not signed "
			    "by the key: %s", ext[i].path, err);
		if (fx_note_checkpoint_parse(ext[i].text, res.text_len,
		    &ext[i].cp, err, sizeof err) != 0)
			fx_die(FX_EXIT_FAIL, "verify: FAILED: %s: %s",
			    ext[i].path, err);
		if (ext[i].cp.origin_len != strlen(origin) ||
		    memcmp(ext[i].cp.origin, origin, ext[i].cp.origin_len))
			fx_die(FX_EXIT_FAIL, "verify: FAILED: %s: a checkpoint "
			    "of another log (%.*s), not %s", ext[i].path,
			    (int)ext[i].cp.origin_len, ext[i].cp.origin,
			    origin);
		if (ext[i].cp.size == 0) {
			fx_merkle_empty_root(ext[i].root_at);
			ext[i].seen = 1;
		}
	}
	es = prep(db, path, "SELECT seq, leaf, body, type, ts, feeder_id, "
	    "obp_id, event_id, plan_id, order_id, aggregator_id, "
	    "transaction_id, appended_at FROM entries ORDER BY seq");
	cs = prep(db, path, "SELECT size, root, note FROM checkpoints ORDER BY "
	    "size");
	have_cp = sqlite3_step(cs) == SQLITE_ROW;
	ds = prep(db, path, "SELECT seq, der_id FROM der_ids ORDER BY rowid");
	dmore = sqlite3_step(ds) == SQLITE_ROW;
	/* a store from before the nodes table has none until it is next
	 * appended to */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM nodes", -1, &ns,
	    NULL) == SQLITE_OK && sqlite3_step(ns) == SQLITE_ROW)
		nodes_have = (uint64_t)sqlite3_column_int64(ns, 0);
	sqlite3_finalize(ns);
	ns = NULL;
	if (nodes_have > 0)
		ns = prep(db, path, "SELECT hash FROM nodes WHERE level = ? "
		    "AND idx = ?");
	fx_merkle_tree_init(&tree);
	for (;;) {
		/* checkpoints at the current size */
		while (have_cp && (uint64_t)sqlite3_column_int64(cs, 0) ==
		    seq) {
			const char *note = (const char *)sqlite3_column_text(cs,
			    2);
			fx_note_result res;
			fx_note_checkpoint cp;

			fx_merkle_tree_root(&tree, root);
			ncp++;
			if (sqlite3_column_bytes(cs, 1) != 32 ||
			    memcmp(sqlite3_column_blob(cs, 1), root, 32) != 0)
				fail("checkpoint at size %llu: its root is not "
				    "the root of the first %llu entries",
				    (unsigned long long)seq,
				    (unsigned long long)seq);
			else if (v != NULL && (rc = fx_note_verify(note,
			    strlen(note), &v, 1, &res, err, sizeof err)) !=
			    FX_NOTE_OK)
				fail("checkpoint at size %llu: signature: %s",
				    (unsigned long long)seq, err);
			else if (v != NULL && (fx_note_checkpoint_parse(note,
			    res.text_len, &cp, err, sizeof err) != 0 ||
			    cp.size != seq || memcmp(cp.root, root, 32) != 0 ||
			    cp.origin_len != strlen(origin) ||
			    memcmp(cp.origin, origin, cp.origin_len) != 0))
				fail("checkpoint at size %llu: the signed note "
				    "does not say this size, root and origin",
				    (unsigned long long)seq);
			cp_size = seq;
			have_cp = sqlite3_step(cs) == SQLITE_ROW;
		}
		for (i = 0; i < next; i++)
			if (ext[i].cp.size == seq && !ext[i].seen) {
				fx_merkle_tree_root(&tree, ext[i].root_at);
				ext[i].seen = 1;
			}
		if (failed || sqlite3_step(es) != SQLITE_ROW)
			break;
		if ((uint64_t)sqlite3_column_int64(es, 0) != seq) {
			fail("entry %llu is missing (the next is %lld)",
			    (unsigned long long)seq,
			    (long long)sqlite3_column_int64(es, 0));
			break;
		}
		if (sqlite3_column_bytes(es, 1) != 32) {
			fail("entry %llu: its leaf hash is not 32 bytes",
			    (unsigned long long)seq);
			break;
		}
		memcpy(leaf, sqlite3_column_blob(es, 1), 32);
		if (sqlite3_column_type(es, 2) == SQLITE_NULL) {
			/* pruned: its DER rows can no longer be checked */
			pruned++;
			while (dmore && (uint64_t)sqlite3_column_int64(ds, 0) <=
			    seq)
				dmore = sqlite3_step(ds) == SQLITE_ROW;
		} else {
			uint8_t h[32];

			fx_merkle_leaf_hash(sqlite3_column_blob(es, 2),
			    (size_t)sqlite3_column_bytes(es, 2), h);
			if (memcmp(h, leaf, 32) != 0) {
				fail("entry %llu: its body does not hash to "
				    "its leaf (the body was changed)",
				    (unsigned long long)seq);
				break;
			}
			if (check_body(es, seq, ds, &dmore) != 0)
				break;
			if (enc_path != NULL) {
				const char *b = (const char *)
				    sqlite3_column_blob(es, 2);
				size_t blen = (size_t)sqlite3_column_bytes(es, 2);
				const char *rec = memmem(b, blen, ",\"record\":",
				    10);
				int nd2 = rec == NULL ? -1 : dec_record(&ek,
				    origin, seq, rec + 10, (size_t)(b + blen - 1 -
				    rec - 10), &plain, err, sizeof err);

				if (nd2 < 0) {
					fail("entry %llu: %s", (unsigned long long)
					    seq, rec == NULL ? "no record" : err);
					break;
				}
				envelopes += (uint64_t)nd2;
			}
		}
		fx_merkle_tree_push_done(&tree, leaf, done, &nd);
		seq++;
		for (l = NODE_LEVEL; l < nd && ns != NULL && !failed; l++) {
			uint64_t idx = (seq >> l) - 1;

			sqlite3_reset(ns);
			sqlite3_bind_int(ns, 1, (int)l);
			sqlite3_bind_int64(ns, 2, (sqlite3_int64)idx);
			if (sqlite3_step(ns) != SQLITE_ROW)
				fail("nodes: the root of entries [%llu, %llu) "
				    "(level %u, index %llu) is missing",
				    (unsigned long long)(seq - (1ULL << l)),
				    (unsigned long long)seq, l,
				    (unsigned long long)idx);
			else if (sqlite3_column_bytes(ns, 0) != 32 ||
			    memcmp(sqlite3_column_blob(ns, 0), done[l], 32) != 0)
				fail("nodes: the root of entries [%llu, %llu) "
				    "(level %u, index %llu) is not theirs (the "
				    "node table was changed: proofs from it "
				    "would not verify)",
				    (unsigned long long)(seq - (1ULL << l)),
				    (unsigned long long)seq, l,
				    (unsigned long long)idx);
			nodes_checked++;
		}
	}
	if (!failed && ns != NULL && nodes_have != nodes_checked)
		fail("nodes: %llu rows, but %llu entries make %llu (rows "
		    "were added)", (unsigned long long)nodes_have,
		    (unsigned long long)seq,
		    (unsigned long long)nodes_checked);
	if (!failed && ns == NULL && nodes_expected(seq) > 0)
		fx_warn("verify: %s has no subtree roots (a store from before "
		    "they were kept): proofs read every leaf until the next "
		    "append makes them", path);
	sqlite3_finalize(ns);
	if (!failed && have_cp)
		fail("checkpoint at size %lld, but the store has %llu entries "
		    "(entries were removed from its end)",
		    (long long)sqlite3_column_int64(cs, 0),
		    (unsigned long long)seq);
	if (!failed && dmore)
		fail("der_ids: a row for entry %lld, which does not name it "
		    "(or not in its place)",
		    (long long)sqlite3_column_int64(ds, 0));
	ms = meta_text(db, path, "size");
	meta_size = ms != NULL ? strtoull(ms, NULL, 10) : 0;
	if (!failed && ms != NULL && meta_size > seq)
		fail("the store recorded %llu entries but has %llu (entries "
		    "were removed from its end)", (unsigned long long)meta_size,
		    (unsigned long long)seq);
	free(ms);
	if (!failed && v != NULL && ncp == 0 && seq > 0)
		fx_warn("verify: no checkpoint: the entries are consistent "
		    "but nothing signed vouches for them");
	for (i = 0; i < next && !failed; i++) {
		if (ext[i].cp.size > seq)
			fail("%s: your checkpoint is of %llu entries, the "
			    "store has %llu (truncated)", ext[i].path,
			    (unsigned long long)ext[i].cp.size,
			    (unsigned long long)seq);
		else if (memcmp(ext[i].root_at, ext[i].cp.root, 32) != 0)
			fail("%s: the store's first %llu entries are not the "
			    "ones your checkpoint signed (a fork)", ext[i].path,
			    (unsigned long long)ext[i].cp.size);
	}
	fx_merkle_tree_root(&tree, root);
	fx_b64_encode(root, 32, b64);
	if (!failed) {
		printf("fx-audit: verify: OK: %s: %llu entries (%llu pruned), "
		    "%d checkpoints, the latest at %llu; root %s\n", origin,
		    (unsigned long long)seq, (unsigned long long)pruned, ncp,
		    (unsigned long long)cp_size, b64);
		for (i = 0; i < next; i++)
			printf("fx-audit: verify: OK: extends %s (%llu "
			    "entries)\n", ext[i].path,
			    (unsigned long long)ext[i].cp.size);
		if (enc_path != NULL)
			printf("fx-audit: verify: OK: %llu encrypted members "
			    "authenticated with key %s\n",
			    (unsigned long long)envelopes, ek.kid);
	}
	for (i = 0; i < next; i++)
		free(ext[i].text);
	free(ext);
	free(origin);
	sqlite3_finalize(es);
	sqlite3_finalize(cs);
	sqlite3_finalize(ds);
	sqlite3_close(db);
	fx_note_verifier_free(v);
	if (plain.data != NULL)
		OPENSSL_cleanse(plain.data, plain.cap);
	fx_buf_free(&plain);
	OPENSSL_cleanse(&ek, sizeof ek);
	if (fflush(stdout) != 0)
		return FX_EXIT_FAIL;
	return failed ? FX_EXIT_FAIL : 0;
}

/* ---- prove, verify-proof ---- */

struct leafctx {
	sqlite3_stmt *st;
	sqlite3_stmt *node;	/* NULL: the store has no nodes table */
};

static int
leaf_of(void *ctx, uint64_t index, uint8_t out[32])
{
	struct leafctx *c = ctx;
	int rc = -1;

	sqlite3_reset(c->st);
	sqlite3_bind_int64(c->st, 1, (sqlite3_int64)index);
	if (sqlite3_step(c->st) == SQLITE_ROW &&
	    sqlite3_column_bytes(c->st, 0) == 32) {
		memcpy(out, sqlite3_column_blob(c->st, 0), 32);
		rc = 0;
	}
	return rc;
}

static int
node_of(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct leafctx *c = ctx;
	int rc = -1;

	if (c->node == NULL)
		return -1;
	sqlite3_reset(c->node);
	sqlite3_bind_int(c->node, 1, (int)level);
	sqlite3_bind_int64(c->node, 2, (sqlite3_int64)index);
	if (sqlite3_step(c->node) == SQLITE_ROW &&
	    sqlite3_column_bytes(c->node, 0) == 32) {
		memcpy(out, sqlite3_column_blob(c->node, 0), 32);
		rc = 0;
	}
	return rc;
}

static void
put_b64(fx_buf *b, const uint8_t *p, size_t n)
{
	char tmp[128];

	fx_b64_encode(p, n, tmp);
	fx_buf_jstr(b, tmp, strlen(tmp));
}

int
cmd_prove(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "obp", required_argument, NULL, 'o' },
		{ "seq", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *obp = NULL;
	long long want = -1;
	sqlite3 *db;
	sqlite3_stmt *q, *cs;
	struct leafctx lc;
	fx_buf b = FX_BUF_INIT;
	char *origin, *end, err[256];
	int ch, n = 0;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'd': path = optarg; break;
		case 'o': obp = optarg; break;
		case 's':
			errno = 0;
			want = strtoll(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || want < 0)
				fx_die(FX_EXIT_USAGE, "--seq: not an entry "
				    "number '%s'", fx_quote(optarg,
				    strlen(optarg)));
			break;
		case 'h': usage(0); break;
		default:
			fx_error("usage: fx-audit prove --db file (--seq n | "
			    "--obp id)");
			exit(FX_EXIT_USAGE);
		}
	if (path == NULL || (want < 0) == (obp == NULL))
		fx_die(FX_EXIT_USAGE, "prove: --db and one of --seq or --obp "
		    "are required");
	db = open_ro(path);
	origin = meta_text(db, path, "origin");
	if (origin == NULL)
		fx_die(FX_EXIT_USAGE, "%s: not an fx-audit store", path);
	lc.st = prep(db, path, "SELECT leaf FROM entries WHERE seq = ?");
	if (sqlite3_prepare_v2(db, "SELECT hash FROM nodes WHERE level = ? "
	    "AND idx = ?", -1, &lc.node, NULL) != SQLITE_OK)
		lc.node = NULL;
	cs = prep(db, path, "SELECT size, root, note FROM checkpoints ORDER BY "
	    "size DESC LIMIT 1");
	if (sqlite3_step(cs) != SQLITE_ROW)
		fx_die(FX_EXIT_FAIL, "%s: no checkpoint yet: run fx-audit "
		    "checkpoint", path);
	if (obp != NULL) {
		q = prep(db, path, "SELECT seq, body FROM entries WHERE obp_id "
		    "= ? ORDER BY seq");
		sqlite3_bind_text(q, 1, obp, -1, SQLITE_STATIC);
	} else {
		q = prep(db, path, "SELECT seq, body FROM entries WHERE seq = ?");
		sqlite3_bind_int64(q, 1, want);
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(q, 0);
		uint64_t size = (uint64_t)sqlite3_column_int64(cs, 0);
		uint8_t proof[32 * FX_MERKLE_MAX_PROOF], leaf[32];
		size_t np, k;

		if (seq >= size)
			fx_die(FX_EXIT_FAIL, "%s: entry %llu is after the latest "
			    "checkpoint (%llu): run fx-audit checkpoint", path,
			    (unsigned long long)seq, (unsigned long long)size);
		if (sqlite3_column_type(q, 1) == SQLITE_NULL)
			fx_die(FX_EXIT_FAIL, "%s: entry %llu was pruned: its "
			    "body is gone", path, (unsigned long long)seq);
		if (fx_merkle_inclusion_proof(leaf_of, node_of, &lc, seq, size, proof,
		    &np, err, sizeof err) != 0 || leaf_of(&lc, seq, leaf) != 0)
			fx_die(FX_EXIT_FAIL, "%s: entry %llu: %s", path,
			    (unsigned long long)seq, err);
		fx_buf_puts(&b, "{\"format\":\"fluxeon-audit-proof/1\","
		    "\"origin\":");
		fx_buf_jstr(&b, origin, strlen(origin));
		fx_buf_puts(&b, ",\"seq\":");
		fx_buf_int(&b, (int64_t)seq);
		fx_buf_puts(&b, ",\"entry\":");
		fx_buf_jstr(&b, sqlite3_column_blob(q, 1),
		    (size_t)sqlite3_column_bytes(q, 1));
		fx_buf_puts(&b, ",\"leaf_hash\":");
		put_b64(&b, leaf, 32);
		fx_buf_puts(&b, ",\"tree_size\":");
		fx_buf_int(&b, (int64_t)size);
		fx_buf_puts(&b, ",\"root\":");
		put_b64(&b, sqlite3_column_blob(cs, 1), 32);
		fx_buf_puts(&b, ",\"inclusion\":[");
		for (k = 0; k < np; k++) {
			if (k > 0)
				fx_buf_putc(&b, ',');
			put_b64(&b, proof + 32 * k, 32);
		}
		fx_buf_puts(&b, "],\"checkpoint\":");
		fx_buf_jstr(&b, (const char *)sqlite3_column_text(cs, 2),
		    (size_t)sqlite3_column_bytes(cs, 2));
		fx_buf_puts(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		b.len = 0;
		n++;
	}
	if (n == 0)
		fx_die(FX_EXIT_FAIL, "%s: no entry %s", path, obp != NULL ?
		    "with that OBP ID" : "with that number");
	fx_buf_free(&b);
	free(origin);
	sqlite3_finalize(q);
	sqlite3_finalize(cs);
	sqlite3_finalize(lc.st);
	sqlite3_finalize(lc.node);
	sqlite3_close(db);
	if (fflush(stdout) != 0 || ferror(stdout))
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	return 0;
}

/* One bundle; 0 when it holds, else -1 with the reason. */
static int
check_bundle(jv bun, fx_note_verifier *v, uint64_t *seq_out, char *err,
    size_t errlen)
{
	const char *fmt = fx_json_str(bun, "format");
	const char *entry = fx_json_str(bun, "entry");
	const char *note = fx_json_str(bun, "checkpoint");
	const char *rs = fx_json_str(bun, "root");
	double seqd, sized;
	uint8_t leaf[32], root[32], proof[32 * FX_MERKLE_MAX_PROOF];
	fx_note_result res;
	fx_note_checkpoint cp;
	size_t np = 0, got;
	char pre[48];
	jv inc;
	int n;

	if (fmt == NULL || strcmp(fmt, "fluxeon-audit-proof/1") != 0) {
		snprintf(err, errlen, "not a fluxeon-audit-proof/1 bundle");
		return -1;
	}
	if (entry == NULL || note == NULL || rs == NULL ||
	    fx_json_num(bun, "seq", &seqd) != 1 ||
	    fx_json_num(bun, "tree_size", &sized) != 1 || seqd < 0 ||
	    sized < 1 || seqd >= sized) {
		snprintf(err, errlen, "missing or bad entry, seq, tree_size, "
		    "root or checkpoint");
		return -1;
	}
	*seq_out = (uint64_t)seqd;
	if (fx_note_verify(note, strlen(note), &v, 1, &res, err, errlen) !=
	    FX_NOTE_OK)
		return -1;
	if (fx_note_checkpoint_parse(note, res.text_len, &cp, err,
	    errlen) != 0)
		return -1;
	if (fx_b64_decode(rs, strlen(rs), root, 32, &got) != 0 || got != 32 ||
	    memcmp(root, cp.root, 32) != 0 || cp.size != (uint64_t)sized) {
		snprintf(err, errlen, "the root and size are not the signed "
		    "checkpoint's");
		return -1;
	}
	n = snprintf(pre, sizeof pre, "{\"seq\":%llu,",
	    (unsigned long long)*seq_out);
	if (strncmp(entry, pre, (size_t)n) != 0) {
		snprintf(err, errlen, "the entry is not entry %llu",
		    (unsigned long long)*seq_out);
		return -1;
	}
	inc = fx_json_get(bun, "inclusion");
	if (jv_get_kind(inc) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(inc)) > FX_MERKLE_MAX_PROOF) {
		jv_free(inc);
		snprintf(err, errlen, "inclusion: not an array of hashes");
		return -1;
	}
	jv_array_foreach(inc, i, h) {
		if (jv_get_kind(h) != JV_KIND_STRING ||
		    fx_b64_decode(jv_string_value(h),
		    strlen(jv_string_value(h)), proof + 32 * np, 32,
		    &got) != 0 || got != 32) {
			jv_free(h);
			jv_free(inc);
			snprintf(err, errlen, "inclusion[%d]: not a base64 "
			    "hash", i);
			return -1;
		}
		np++;
		jv_free(h);
	}
	jv_free(inc);
	fx_merkle_leaf_hash(entry, strlen(entry), leaf);
	return fx_merkle_verify_inclusion(leaf, *seq_out, cp.size, proof, np,
	    cp.root, err, errlen);
}

int
cmd_verify_proof(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pubkey", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *pubkey = NULL;
	fx_note_verifier *v;
	int ch, i, own, bad = 0, good = 0;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'k': pubkey = optarg; break;
		case 'h': usage(0); break;
		default:
			fx_error("usage: fx-audit verify-proof --pubkey file "
			    "[file ...]");
			exit(FX_EXIT_USAGE);
		}
	argc -= optind;
	argv += optind;
	if (pubkey == NULL)
		fx_die(FX_EXIT_USAGE, "verify-proof: --pubkey is required (the "
		    "log's verifier key, from your own records)");
	v = get_verifier(pubkey, NULL, NULL, &own);
	for (i = 0; i < (argc ? argc : 1); i++) {
		fx_reader *r = fx_reader_open(argc ? argv[i] : "-", 0);
		fx_line ln;
		int rc;

		if (r == NULL)
			exit(FX_EXIT_USAGE);
		while ((rc = fx_reader_next(r, &ln)) != FX_LINE_EOF) {
			char err[512];
			uint64_t seq = 0;
			jv bun;

			if (rc == FX_LINE_OK && ln.len == 0)
				continue;
			bun = rc == FX_LINE_OK ? fx_json_parse(ln.text, ln.len,
			    err, sizeof err) : jv_invalid();
			if (rc != FX_LINE_OK)
				snprintf(err, sizeof err, "line too long");
			if (!jv_is_valid(bun) || check_bundle(bun, v, &seq, err,
			    sizeof err) != 0) {
				fx_error_at(fx_reader_name(r), ln.lineno,
				    "FAILED: %s", err);
				bad++;
			} else {
				printf("fx-audit: verify-proof: OK: entry %llu "
				    "is in the log\n", (unsigned long long)seq);
				good++;
			}
			jv_free(bun);
		}
		fx_reader_close(r);
	}
	fx_note_verifier_free(v);
	if (fflush(stdout) != 0)
		return FX_EXIT_FAIL;
	if (good + bad == 0)
		fx_die(FX_EXIT_FAIL, "verify-proof: no bundle");
	return bad ? FX_EXIT_FAIL : 0;
}

/* ---- query ---- */

int
cmd_query(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "aggregator", required_argument, NULL, 'a' },
		{ "db", required_argument, NULL, 'd' },
		{ "der", required_argument, NULL, 'D' },
		{ "enc-key", required_argument, NULL, 'K' },
		{ "entries", no_argument, NULL, 'E' },
		{ "event", required_argument, NULL, 'e' },
		{ "feeder", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'F' },
		{ "obp", required_argument, NULL, 'o' },
		{ "plan", required_argument, NULL, 'p' },
		{ "to", required_argument, NULL, 'T' },
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *bind[8];
	int nbind = 0, entries = 0, ch, i;
	fx_time from = INT64_MIN, to = INT64_MAX;
	fx_buf sql = FX_BUF_INIT;
	unsigned long long n = 0, pruned = 0;
	sqlite3 *db;
	sqlite3_stmt *st;
	const char *why, *enc_path = NULL;
	char *origin = NULL, err[512];
	enc_key ek;
	fx_buf plain = FX_BUF_INIT;

	fx_buf_puts(&sql, "SELECT seq, body FROM entries WHERE 1");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *col = NULL;

		switch (ch) {
		case 'a': col = "aggregator_id"; break;
		case 'd': path = optarg; continue;
		case 'D':
			if (nbind == 8)
				fx_die(FX_EXIT_USAGE, "query: too many filters");
			fx_buf_puts(&sql, " AND seq IN (SELECT seq FROM der_ids "
			    "WHERE der_id = ?)");
			bind[nbind++] = optarg;
			continue;
		case 'E': entries = 1; continue;
		case 'e': col = "event_id"; break;
		case 'f': col = "feeder_id"; break;
		case 'F':
		case 'T':
			if (fx_time_parse_rfc3339(optarg, strlen(optarg),
			    ch == 'F' ? &from : &to, &why) != 0)
				fx_die(FX_EXIT_USAGE, "--%s: %s '%s'", ch ==
				    'F' ? "from" : "to", why, fx_quote(optarg,
				    strlen(optarg)));
			continue;
		case 'o': col = "obp_id"; break;
		case 'p': col = "plan_id"; break;
		case 't': col = "type"; break;
		case 'K': enc_path = optarg; continue;
		case 'h': usage(0); break;
		default:
			fx_error("usage: fx-audit query --db file [filters]");
			exit(FX_EXIT_USAGE);
		}
		if (nbind == 8)
			fx_die(FX_EXIT_USAGE, "query: too many filters");
		fx_buf_puts(&sql, " AND ");
		fx_buf_puts(&sql, col);
		fx_buf_puts(&sql, " = ?");
		bind[nbind++] = optarg;
	}
	if (path == NULL)
		fx_die(FX_EXIT_USAGE, "query: --db is required");
	if (from != INT64_MIN)
		fx_buf_puts(&sql, " AND COALESCE(ts, appended_at) >= ?");
	if (to != INT64_MAX)
		fx_buf_puts(&sql, " AND COALESCE(ts, appended_at) < ?");
	fx_buf_puts(&sql, " ORDER BY seq");
	if (enc_path != NULL && enc_key_load(enc_path, &ek, err,
	    sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	db = open_ro(path);
	st = prep(db, path, fx_buf_cstr(&sql));
	if (enc_path != NULL && (origin = meta_text(db, path, "origin")) ==
	    NULL)
		fx_die(FX_EXIT_USAGE, "%s: not an fx-audit store", path);
	for (i = 0; i < nbind; i++)
		sqlite3_bind_text(st, i + 1, bind[i], -1, SQLITE_STATIC);
	if (from != INT64_MIN)
		sqlite3_bind_int64(st, ++i, from);
	if (to != INT64_MAX)
		sqlite3_bind_int64(st, ++i, to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		const char *rec;

		if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
			pruned++;
			continue;
		}
		if (entries) {
			fwrite(body, 1, len, stdout);
		} else {
			rec = strstr(body, ",\"record\":");
			if (rec == NULL || rec > body + len)
				continue;
			rec += 10;
			if (enc_path != NULL) {
				uint64_t seq = (uint64_t)sqlite3_column_int64(st,
				    0);

				if (dec_record(&ek, origin, seq, rec,
				    (size_t)(body + len - 1 - rec), &plain, err,
				    sizeof err) < 0)
					fx_die(FX_EXIT_FAIL, "%s: entry %llu: %s",
					    path, (unsigned long long)seq, err);
				fwrite(plain.data, 1, plain.len, stdout);
			} else
				fwrite(rec, 1, (size_t)(body + len - 1 - rec),
				    stdout);
		}
		putchar('\n');
		n++;
	}
	if (pruned > 0)
		fx_warn("query: %llu matching entries were pruned (their bodies "
		    "are past retention)", pruned);
	sqlite3_finalize(st);
	sqlite3_close(db);
	fx_buf_free(&sql);
	if (plain.data != NULL)
		OPENSSL_cleanse(plain.data, plain.cap);
	fx_buf_free(&plain);
	OPENSSL_cleanse(&ek, sizeof ek);
	free(origin);
	if (fflush(stdout) != 0 || ferror(stdout))
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	return 0;
}
