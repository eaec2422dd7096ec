/*
 * store.c - the audit store on SQLite: schema, append, frontier,
 * checkpoints, leaf reads.  See audit.h for the entry format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "audit.h"
#include "err.h"
#include "json.h"
#include "note.h"

static const char schema[] =
"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);\n"
"CREATE TABLE IF NOT EXISTS entries(\n"
"  seq INTEGER PRIMARY KEY,\n"
"  leaf BLOB NOT NULL,\n"
"  body BLOB,\n"
"  type TEXT NOT NULL,\n"
"  ts INTEGER,\n"
"  feeder_id TEXT, obp_id TEXT, event_id TEXT, plan_id TEXT,\n"
"  order_id TEXT, aggregator_id TEXT, transaction_id TEXT,\n"
"  appended_at INTEGER NOT NULL);\n"
"CREATE TABLE IF NOT EXISTS der_ids(seq INTEGER NOT NULL,"
" der_id TEXT NOT NULL);\n"
/* the roots of the tree's perfect subtrees of 2^NODE_LEVEL leaves and
 * up, written as they complete: proofs read these, not every leaf */
"CREATE TABLE IF NOT EXISTS nodes(level INTEGER NOT NULL,"
" idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY(level, idx))"
" WITHOUT ROWID;\n"
"CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY,"
" root BLOB NOT NULL, note TEXT NOT NULL, created_at INTEGER NOT NULL);\n"
"CREATE INDEX IF NOT EXISTS entries_obp ON entries(obp_id)"
" WHERE obp_id IS NOT NULL;\n"
/* time ranges are on the record's time, else the append time */
"CREATE INDEX IF NOT EXISTS entries_feeder_time ON"
" entries(feeder_id, COALESCE(ts, appended_at));\n"
"CREATE INDEX IF NOT EXISTS entries_time ON"
" entries(COALESCE(ts, appended_at));\n"
"CREATE INDEX IF NOT EXISTS entries_tx ON entries(transaction_id)"
" WHERE transaction_id IS NOT NULL;\n"
"CREATE INDEX IF NOT EXISTS entries_agg ON entries(aggregator_id)"
" WHERE aggregator_id IS NOT NULL;\n"
"CREATE INDEX IF NOT EXISTS entries_event ON entries(event_id)"
" WHERE event_id IS NOT NULL;\n"
"CREATE INDEX IF NOT EXISTS entries_plan ON entries(plan_id)"
" WHERE plan_id IS NOT NULL;\n"
"CREATE INDEX IF NOT EXISTS der_ids_der ON der_ids(der_id);\n"
"CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
/* the one update allowed: pruning a body, all else unchanged */
"CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries"
" WHEN NOT (NEW.body IS NULL AND NEW.seq IS OLD.seq AND"
" NEW.leaf IS OLD.leaf AND NEW.type IS OLD.type AND NEW.ts IS OLD.ts AND"
" NEW.feeder_id IS OLD.feeder_id AND NEW.obp_id IS OLD.obp_id AND"
" NEW.event_id IS OLD.event_id AND NEW.plan_id IS OLD.plan_id AND"
" NEW.order_id IS OLD.order_id AND"
" NEW.aggregator_id IS OLD.aggregator_id AND"
" NEW.transaction_id IS OLD.transaction_id AND"
" NEW.appended_at IS OLD.appended_at)"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
/* INSERT OR REPLACE deletes without the delete triggers: refuse it */
"CREATE TRIGGER IF NOT EXISTS entries_no_replace BEFORE INSERT ON entries"
" WHEN EXISTS (SELECT 1 FROM entries WHERE seq = NEW.seq)"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
"CREATE TRIGGER IF NOT EXISTS checkpoints_no_replace BEFORE INSERT ON"
" checkpoints WHEN EXISTS (SELECT 1 FROM checkpoints WHERE"
" size = NEW.size)"
" BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;\n"
"CREATE TRIGGER IF NOT EXISTS der_ids_no_delete BEFORE DELETE ON der_ids"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
"CREATE TRIGGER IF NOT EXISTS der_ids_no_update BEFORE UPDATE ON der_ids"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
"CREATE TRIGGER IF NOT EXISTS nodes_no_delete BEFORE DELETE ON nodes"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
"CREATE TRIGGER IF NOT EXISTS nodes_no_update BEFORE UPDATE ON nodes"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
"CREATE TRIGGER IF NOT EXISTS nodes_no_replace BEFORE INSERT ON nodes"
" WHEN EXISTS (SELECT 1 FROM nodes WHERE level = NEW.level AND"
" idx = NEW.idx)"
" BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
"CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON"
" checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only');"
" END;\n"
"CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON"
" checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only');"
" END;\n";

int
store_exec(store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fx_error("%s: %s", s->path, msg != NULL ? msg :
		    sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
prepare(store *s, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		fx_die(FX_EXIT_FAIL, "%s: %s", s->path, sqlite3_errmsg(s->db));
	return st;
}

static int
meta_get(store *s, const char *key, const void **v, int *len)
{
	sqlite3_stmt *st = prepare(s, "SELECT value FROM meta WHERE key = ?");
	static fx_buf keep;
	int rc = 0;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		keep.len = 0;
		fx_buf_put(&keep, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
		fx_buf_putc(&keep, '\0');
		*v = keep.data;
		*len = sqlite3_column_bytes(st, 0);
		rc = 1;
	}
	sqlite3_finalize(st);
	return rc;
}

static void
meta_set(store *s, const char *key, const void *v, int len, int text)
{
	sqlite3_stmt *st = prepare(s, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES (?, ?)");

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, v, len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_blob(st, 2, v, len, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		fx_die(FX_EXIT_FAIL, "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
}

int
store_leaf(void *ctx, uint64_t index, uint8_t out[32])
{
	store *s = ctx;
	int rc = -1;

	sqlite3_reset(s->leafq);
	sqlite3_bind_int64(s->leafq, 1, (sqlite3_int64)index);
	if (sqlite3_step(s->leafq) == SQLITE_ROW &&
	    sqlite3_column_bytes(s->leafq, 0) == 32) {
		memcpy(out, sqlite3_column_blob(s->leafq, 0), 32);
		rc = 0;
	}
	sqlite3_reset(s->leafq);
	return rc;
}

int
store_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	store *s = ctx;
	int rc = -1;

	if (s->nodeq == NULL)
		return -1;
	sqlite3_reset(s->nodeq);
	sqlite3_bind_int(s->nodeq, 1, (int)level);
	sqlite3_bind_int64(s->nodeq, 2, (sqlite3_int64)index);
	if (sqlite3_step(s->nodeq) == SQLITE_ROW &&
	    sqlite3_column_bytes(s->nodeq, 0) == 32) {
		memcpy(out, sqlite3_column_blob(s->nodeq, 0), 32);
		rc = 0;
	}
	sqlite3_reset(s->nodeq);
	return rc;
}

/* Stores the roots of the subtrees of NODE_LEVEL levels and up that the
 * entry making the size `size` completed (done[l], l < nd). */
static int
save_nodes(store *s, uint64_t size, uint8_t done[][32], unsigned nd)
{
	unsigned l;

	for (l = NODE_LEVEL; l < nd; l++) {
		sqlite3_reset(s->insnode);
		sqlite3_bind_int(s->insnode, 1, (int)l);
		sqlite3_bind_int64(s->insnode, 2,
		    (sqlite3_int64)((size >> l) - 1));
		sqlite3_bind_blob(s->insnode, 3, done[l], 32, SQLITE_STATIC);
		if (sqlite3_step(s->insnode) != SQLITE_DONE)
			return -1;
		sqlite3_reset(s->insnode);
	}
	return 0;
}

uint64_t
nodes_expected(uint64_t size)
{
	uint64_t n = 0;
	unsigned l;

	for (l = NODE_LEVEL; l < 64; l++)
		n += size >> l;
	return n;
}

/* A store written before the nodes table has none: they are made once,
 * from the leaves, so that proofs stop reading every leaf. */
static void
backfill_nodes(store *s)
{
	sqlite3_stmt *st;
	fx_merkle_tree t;
	uint8_t done[64][32];
	unsigned nd;
	uint64_t have = 0;

	st = prepare(s, "SELECT count(*) FROM nodes");
	if (sqlite3_step(st) == SQLITE_ROW)
		have = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (have != 0 || nodes_expected(s->size) == 0)
		return;
	store_begin(s);
	st = prepare(s, "SELECT leaf FROM entries ORDER BY seq");
	fx_merkle_tree_init(&t);
	while (t.size < s->size && sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32)
			break;
		fx_merkle_tree_push_done(&t, sqlite3_column_blob(st, 0), done,
		    &nd);
		if (save_nodes(s, t.size, done, nd) != 0)
			fx_die(FX_EXIT_FAIL, "%s: %s", s->path,
			    sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	if (t.size != s->size)
		fx_die(FX_EXIT_FAIL, "%s: entry %llu is missing or damaged (run "
		    "fx-audit verify)", s->path, (unsigned long long)t.size);
	if (store_exec(s, "COMMIT") != 0)
		exit(FX_EXIT_FAIL);
}

void
store_begin(store *s)
{
	sqlite3_stmt *st;
	uint64_t n = 0;

	/* the write lock first, then the size: two appenders never both
	 * think entry n is theirs */
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		exit(FX_EXIT_FAIL);
	st = prepare(s, "SELECT COALESCE(MAX(seq) + 1, 0) FROM entries");
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n != s->size)
		fx_die(FX_EXIT_FAIL, "%s: another process appended to the "
		    "store (it has %llu entries, this one wrote up to %llu): "
		    "one fx-audit append per store", s->path,
		    (unsigned long long)n, (unsigned long long)s->size);
}

void
store_save_frontier(store *s)
{
	char n[32];

	snprintf(n, sizeof n, "%llu", (unsigned long long)s->size);
	meta_set(s, "size", n, -1, 1);
	meta_set(s, "frontier", s->tree.node, (int)sizeof s->tree.node, 0);
}

/* Rebuilds the frontier from the leaves (a store without one). */
static void
rebuild(store *s, uint64_t n)
{
	uint8_t leaf[32];
	uint64_t i;

	fx_merkle_tree_init(&s->tree);
	for (i = 0; i < n; i++) {
		if (store_leaf(s, i, leaf) != 0)
			fx_die(FX_EXIT_FAIL, "%s: entry %llu is missing (run "
			    "fx-audit verify)", s->path, (unsigned long long)i);
		fx_merkle_tree_push(&s->tree, leaf);
	}
	s->size = n;
}

void
store_open(store *s, const char *path, int create, const char *origin)
{
	const void *v;
	int len, flags = SQLITE_OPEN_READWRITE;
	sqlite3_stmt *st;
	uint64_t n = 0;

	memset(s, 0, sizeof *s);
	s->path = path;
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		fx_error("%s: %s", path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : "cannot open");
		exit(FX_EXIT_USAGE);
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* a large page cache: the indexes of a big store would otherwise be
	 * read back and written page by page on every batch; big pages, few
	 * writes (page_size only applies to a new file) */
	if (store_exec(s, "PRAGMA page_size=16384") != 0 ||
	    store_exec(s, "PRAGMA journal_mode=WAL") != 0 ||
	    store_exec(s, "PRAGMA cache_size=-131072") != 0 ||
	    store_exec(s, "PRAGMA temp_store=MEMORY") != 0 ||
	    store_exec(s, "PRAGMA wal_autocheckpoint=16384") != 0 ||
	    store_exec(s, "BEGIN IMMEDIATE") != 0 ||
	    store_exec(s, schema) != 0)
		exit(FX_EXIT_FAIL);
	/* the schema and the meta rows in one transaction: a store is
	 * created whole or not at all */
	if (meta_get(s, "format", &v, &len)) {
		if (strcmp(v, AUDIT_FORMAT) != 0) {
			fx_error("%s: not an fx-audit store of format %s "
			    "(format %s)", path, AUDIT_FORMAT, (const char *)v);
			exit(FX_EXIT_USAGE);
		}
	} else {
		char gen[64];

		if (!create) {
			fx_error("%s: not an fx-audit store", path);
			exit(FX_EXIT_USAGE);
		}
		if (origin == NULL) {
			unsigned char r[4];

			RAND_bytes(r, sizeof r);
			snprintf(gen, sizeof gen, "fluxeon.audit/%02x%02x%02x%02x",
			    r[0], r[1], r[2], r[3]);
			origin = gen;
		}
		meta_set(s, "format", AUDIT_FORMAT, -1, 1);
		meta_set(s, "origin", origin, -1, 1);
	}
	if (store_exec(s, "COMMIT") != 0)
		exit(FX_EXIT_FAIL);
	if (meta_get(s, "origin", &v, &len))
		snprintf(s->origin, sizeof s->origin, "%s", (const char *)v);
	s->ins = prepare(s, "INSERT INTO entries(seq, leaf, body, type, ts,"
	    " feeder_id, obp_id, event_id, plan_id, order_id, aggregator_id,"
	    " transaction_id, appended_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
	s->insder = prepare(s, "INSERT INTO der_ids(seq, der_id) VALUES (?, ?)");
	s->leafq = prepare(s, "SELECT leaf FROM entries WHERE seq = ?");
	s->insnode = prepare(s, "INSERT INTO nodes(level, idx, hash) "
	    "VALUES (?, ?, ?)");
	s->nodeq = prepare(s, "SELECT hash FROM nodes WHERE level = ? AND "
	    "idx = ?");
	st = prepare(s, "SELECT COALESCE(MAX(seq) + 1, 0) FROM entries");
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = prepare(s, "SELECT COALESCE(MAX(size), 0) FROM checkpoints");
	if (sqlite3_step(st) == SQLITE_ROW)
		s->last_checkpoint = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	fx_merkle_tree_init(&s->tree);
	if (meta_get(s, "size", &v, &len) && strtoull(v, NULL, 10) == n &&
	    meta_get(s, "frontier", &v, &len) &&
	    len == (int)sizeof s->tree.node) {
		memcpy(s->tree.node, v, sizeof s->tree.node);
		s->tree.size = n;
		s->size = n;
	} else
		rebuild(s, n);
	backfill_nodes(s);
}

void
store_close(store *s)
{
	int i;

	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->insder);
	sqlite3_finalize(s->leafq);
	sqlite3_finalize(s->insnode);
	sqlite3_finalize(s->nodeq);
	fx_buf_free(&s->body);
	fx_buf_free(&s->encrec);
	for (i = 0; i < s->nenc; i++)
		free(s->enc_members[i]);
	free(s->enc_members);
	if (sqlite3_close(s->db) != SQLITE_OK)
		fx_error("%s: %s", s->path, sqlite3_errmsg(s->db));
}

/* ---- records ---- */

void
fields_free(struct fields *f)
{
	int i;

	free(f->feeder_id);
	free(f->obp_id);
	free(f->event_id);
	free(f->plan_id);
	free(f->order_id);
	free(f->aggregator_id);
	free(f->transaction_id);
	for (i = 0; i < f->nders; i++)
		free(f->ders[i]);
	free(f->ders);
	memset(f, 0, sizeof *f);
}

static char *
str_of(jv rec, const char *key)
{
	const char *v = fx_json_str(rec, key);

	return v != NULL ? fx_xstrdup(v) : NULL;
}

static void
add_der_text(struct fields *f, const char *s, size_t len)
{
	int i;

	for (i = 0; i < f->nders; i++)
		if (strlen(f->ders[i]) == len && memcmp(f->ders[i], s, len) == 0)
			return;
	f->ders = fx_xrealloc(f->ders, (unsigned long)(f->nders + 1) *
	    sizeof *f->ders);
	f->ders[f->nders++] = fx_xstrndup(s, len);
}

static void
add_der(struct fields *f, jv id)
{
	if (jv_get_kind(id) == JV_KIND_STRING)
		add_der_text(f, jv_string_value(id),
		    (size_t)jv_string_length_bytes(jv_copy(id)));
}

/* der_id of each object in rec[key][] */
static void
add_ders_of(struct fields *f, jv rec, const char *key)
{
	jv arr = fx_json_get(rec, key);

	if (jv_get_kind(arr) == JV_KIND_ARRAY)
		jv_array_foreach(arr, i, x) {
			jv id = fx_json_get(x, "der_id");

			(void)i;
			add_der(f, id);
			jv_free(id);
			jv_free(x);
		}
	jv_free(arr);
}

/*
 * The fast path: one scan of the record's top-level members and of its
 * DER lists, when it is plain ASCII.  Returns 1 when it did the work, 0 to
 * fall back to libjq.  Both paths derive the same fields (test_audit).
 */
enum { K_TYPE, K_T0, K_T1, K_T2, K_T3, K_T4, K_T5, K_FEEDER, K_OBP, K_EVENT,
	K_PLAN, K_ORDER, K_AGG, K_TX, K_DER, K_DERS, K_ACT, K_DERLIST, K_N };

static char *
scanned_str(const fx_jfield *fl)
{
	return fl->kind == FX_JS_STRING ? fx_xstrndup(fl->v, fl->len) : NULL;
}

/* The DER identities of a scanned list: its strings, or (objects) the
 * der_id of each element; anything else is no DER, as in derive(). */
static void
scanned_ders(struct fields *f, const fx_jfield *list, int objects)
{
	const char *it = list->v, *end = list->v + list->len;
	fx_jfield el, id = { "der_id", 0, 0, 0 };

	if (list->kind != FX_JS_ARRAY)
		return;
	while (fx_json_array_next(&it, end, &el))
		if (!objects && el.kind == FX_JS_STRING)
			add_der_text(f, el.v, el.len);
		else if (objects && el.kind == FX_JS_OBJECT &&
		    fx_json_scan(el.v, el.len, &id, 1) == 1 &&
		    id.kind == FX_JS_STRING)
			add_der_text(f, id.v, id.len);
}

static int
derive_fast(const char *rec, size_t len, struct fields *f)
{
	fx_jfield fl[K_N] = {
		{ "type", 0, 0, 0 }, { "timestamp", 0, 0, 0 },
		{ "issued_at", 0, 0, 0 }, { "window_start", 0, 0, 0 },
		{ "slice_start", 0, 0, 0 }, { "received_at", 0, 0, 0 },
		{ "created_at", 0, 0, 0 }, { "feeder_id", 0, 0, 0 },
		{ "obp_id", 0, 0, 0 }, { "event_id", 0, 0, 0 },
		{ "plan_id", 0, 0, 0 }, { "order_id", 0, 0, 0 },
		{ "aggregator_id", 0, 0, 0 }, { "transaction_id", 0, 0, 0 },
		{ "der_id", 0, 0, 0 }, { "der_ids", 0, 0, 0 },
		{ "activations", 0, 0, 0 }, { "ders", 0, 0, 0 }
	};
	int k;

	if (fx_json_scan(rec, len, fl, K_N) != 1 ||
	    fl[K_TYPE].kind != FX_JS_STRING ||
	    fl[K_TYPE].len >= sizeof f->type)
		return 0;
	memset(f, 0, sizeof *f);
	f->ts = INT64_MIN;
	memcpy(f->type, fl[K_TYPE].v, fl[K_TYPE].len);
	f->type[fl[K_TYPE].len] = '\0';
	for (k = K_T0; k <= K_T5; k++) {
		const char *why;

		if (fl[k].kind == FX_JS_STRING && fx_time_parse_rfc3339(fl[k].v,
		    fl[k].len, &f->ts, &why) == 0)
			break;
		f->ts = INT64_MIN;
	}
	f->feeder_id = scanned_str(&fl[K_FEEDER]);
	f->obp_id = scanned_str(&fl[K_OBP]);
	f->event_id = scanned_str(&fl[K_EVENT]);
	f->plan_id = scanned_str(&fl[K_PLAN]);
	f->order_id = scanned_str(&fl[K_ORDER]);
	f->aggregator_id = scanned_str(&fl[K_AGG]);
	f->transaction_id = scanned_str(&fl[K_TX]);
	if (fl[K_DER].kind == FX_JS_STRING)
		add_der_text(f, fl[K_DER].v, fl[K_DER].len);
	scanned_ders(f, &fl[K_DERS], 0);
	scanned_ders(f, &fl[K_ACT], 1);
	scanned_ders(f, &fl[K_DERLIST], 1);
	return 1;
}

int
derive(const char *rec, size_t len, struct fields *f, char *err,
    size_t errlen)
{
	if (derive_fast(rec, len, f))
		return 0;
	return derive_jv(rec, len, f, err, errlen);
}

int
derive_jv(const char *rec, size_t len, struct fields *f, char *err,
    size_t errlen)
{
	static const char *const tkeys[] = { "timestamp", "issued_at",
	    "window_start", "slice_start", "received_at", "created_at" };
	const char *type;
	jv r, v;
	size_t k;

	r = fx_json_parse_record(rec, len, &type, err, errlen);
	memset(f, 0, sizeof *f);
	f->ts = INT64_MIN;
	if (!jv_is_valid(r)) {
		jv_free(r);
		return -1;
	}
	snprintf(f->type, sizeof f->type, "%s", type);
	for (k = 0; k < sizeof tkeys / sizeof *tkeys; k++) {
		const char *t = fx_json_str(r, tkeys[k]), *why;

		if (t != NULL && fx_time_parse_rfc3339(t, strlen(t), &f->ts,
		    &why) == 0)
			break;
		f->ts = INT64_MIN;
	}
	f->feeder_id = str_of(r, "feeder_id");
	f->obp_id = str_of(r, "obp_id");
	f->event_id = str_of(r, "event_id");
	f->plan_id = str_of(r, "plan_id");
	f->order_id = str_of(r, "order_id");
	f->aggregator_id = str_of(r, "aggregator_id");
	f->transaction_id = str_of(r, "transaction_id");
	v = fx_json_get(r, "der_id");
	add_der(f, v);
	jv_free(v);
	v = fx_json_get(r, "der_ids");
	if (jv_get_kind(v) == JV_KIND_ARRAY)
		jv_array_foreach(v, i, x) {
			(void)i;
			add_der(f, x);
			jv_free(x);
		}
	jv_free(v);
	add_ders_of(f, r, "activations");
	add_ders_of(f, r, "ders");
	jv_free(r);
	return 0;
}

void
entry_body(fx_buf *b, uint64_t seq, fx_time wall, const char *rec,
    size_t len)
{
	b->len = 0;
	fx_buf_puts(b, "{\"seq\":");
	fx_buf_int(b, (int64_t)seq);
	fx_buf_puts(b, ",\"appended_at\":");
	fx_buf_time(b, wall);
	fx_buf_puts(b, ",\"record\":");
	fx_buf_put(b, rec, len);
	fx_buf_putc(b, '}');
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int
store_append(store *s, const char *rec, size_t len, fx_time wall,
    char *err, size_t errlen)
{
	struct fields f;
	uint8_t leaf[32], done[64][32];
	unsigned nd;
	fx_merkle_tree t;
	int i, rc = 0;

	if (derive(rec, len, &f, err, errlen) != 0)
		return -1;
	if (s->enc != NULL && enc_record(s->enc, s->origin, s->size, rec, len,
	    s->enc_members, s->nenc, &s->encrec) > 0) {
		rec = s->encrec.data;
		len = s->encrec.len;
	}
	entry_body(&s->body, s->size, wall, rec, len);
	fx_merkle_leaf_hash(s->body.data, s->body.len, leaf);
	sqlite3_reset(s->ins);
	sqlite3_bind_int64(s->ins, 1, (sqlite3_int64)s->size);
	sqlite3_bind_blob(s->ins, 2, leaf, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s->ins, 3, s->body.data, (int)s->body.len,
	    SQLITE_STATIC);
	sqlite3_bind_text(s->ins, 4, f.type, -1, SQLITE_STATIC);
	if (f.ts != INT64_MIN)
		sqlite3_bind_int64(s->ins, 5, f.ts);
	else
		sqlite3_bind_null(s->ins, 5);
	bind_opt(s->ins, 6, f.feeder_id);
	bind_opt(s->ins, 7, f.obp_id);
	bind_opt(s->ins, 8, f.event_id);
	bind_opt(s->ins, 9, f.plan_id);
	bind_opt(s->ins, 10, f.order_id);
	bind_opt(s->ins, 11, f.aggregator_id);
	bind_opt(s->ins, 12, f.transaction_id);
	sqlite3_bind_int64(s->ins, 13, wall);
	if (sqlite3_step(s->ins) != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		rc = -1;
	}
	sqlite3_reset(s->ins);
	for (i = 0; i < f.nders && rc == 0; i++) {
		sqlite3_reset(s->insder);
		sqlite3_bind_int64(s->insder, 1, (sqlite3_int64)s->size);
		sqlite3_bind_text(s->insder, 2, f.ders[i], -1, SQLITE_STATIC);
		if (sqlite3_step(s->insder) != SQLITE_DONE) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
			rc = -1;
		}
		sqlite3_reset(s->insder);
	}
	fields_free(&f);
	t = s->tree;
	if (rc == 0) {
		fx_merkle_tree_push_done(&t, leaf, done, &nd);
		if (save_nodes(s, s->size + 1, done, nd) != 0) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
			rc = -1;
		}
	}
	if (rc == 0) {
		s->tree = t;
		s->size++;
	}
	return rc;
}

int
store_checkpoint(store *s, void *signer, fx_time wall, char *err,
    size_t errlen)
{
	fx_note_signer *sg = signer;
	uint8_t root[32];
	char *text, *note, *vkey;
	size_t tlen, nlen;
	sqlite3_stmt *st;
	const void *v;
	int len, rc = 0;

	if (s->size == s->last_checkpoint && s->size > 0)
		return 0;
	/* another process (fx-audit checkpoint) may have signed this size */
	st = prepare(s, "SELECT 1 FROM checkpoints WHERE size = ?");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)s->size);
	rc = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (rc) {
		s->last_checkpoint = s->size;
		return 0;
	}
	fx_merkle_tree_root(&s->tree, root);
	text = fx_note_checkpoint_format(s->origin, s->size, root, NULL,
	    &tlen, err, errlen);
	if (text == NULL)
		return -1;
	note = fx_note_sign(text, tlen, &sg, 1, &nlen, err, errlen);
	free(text);
	if (note == NULL)
		return -1;
	st = prepare(s, "INSERT OR IGNORE INTO checkpoints(size, root, note,"
	    " created_at) VALUES (?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)s->size);
	sqlite3_bind_blob(st, 2, root, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, note, (int)nlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, wall);
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		rc = -1;
	}
	sqlite3_finalize(st);
	free(note);
	if (rc == 0 && !meta_get(s, "vkey", &v, &len)) {
		vkey = fx_note_signer_vkey(sg);
		meta_set(s, "vkey", vkey, -1, 1);
		free(vkey);
	}
	if (rc == 0)
		s->last_checkpoint = s->size;
	return rc;
}
