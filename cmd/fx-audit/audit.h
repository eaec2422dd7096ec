/*
 * audit.h - fx-audit's store (store.c) and commands (main.c, verify.c).
 *
 * The store is one SQLite file.  Entry number seq (0, 1, ...) is leaf seq
 * of an RFC 6962 Merkle tree whose leaf hash is SHA-256(0x00 || body),
 * body being the entry's canonical bytes:
 *
 *   {"seq":N,"appended_at":"RFC 3339 wall time","record":RECORD}
 *
 * RECORD the record line exactly as it was read.  The columns beside the
 * body (type, time, feeder, ids) are derived from it and re-derived by
 * verify; der_ids holds every DER identity an entry names; nodes the roots
 * of the tree's perfect subtrees of 2^NODE_LEVEL entries and up, which
 * proofs read instead of every leaf.  Checkpoints
 * are signed notes (C2SP signed-note) over tlog-checkpoint bodies.
 * Triggers refuse UPDATE and DELETE, but for pruning: setting a body past
 * retention to NULL, its leaf hash kept.
 */
#ifndef FX_AUDIT_H
#define FX_AUDIT_H

#include <stdint.h>
#include <sqlite3.h>

#include "buf.h"
#include "merkle.h"
#include "timeutil.h"

#define PROG "fx-audit"
#define AUDIT_FORMAT "fluxeon-audit/1"
/* the nodes table keeps the roots of perfect subtrees of 2^NODE_LEVEL
 * leaves and up: a proof reads at most about 2^NODE_LEVEL leaves */
#define NODE_LEVEL 8

/* An AES-256 key for encryption at rest (crypt.c). */
typedef struct enc_key {
	uint8_t key[32];
	char kid[9];		/* hex of SHA-256(key)[:4] */
} enc_key;

typedef struct store {
	sqlite3 *db;
	const char *path;
	char origin[128];
	fx_merkle_tree tree;	/* the frontier at `size` entries */
	uint64_t size;
	uint64_t last_checkpoint;	/* size of the latest checkpoint */
	sqlite3_stmt *ins, *insder, *leafq, *insnode, *nodeq;
	fx_buf body;
	const enc_key *enc;	/* NULL: nothing encrypted */
	char **enc_members;	/* top-level members to encrypt */
	int nenc;
	fx_buf encrec;
} store;

/* Index fields of a record (pointers into a parse; see derive()). */
struct fields {
	char type[64];
	fx_time ts;		/* INT64_MIN: none */
	char *feeder_id, *obp_id, *event_id, *plan_id, *order_id;
	char *aggregator_id, *transaction_id;
	char **ders;
	int nders;
};

/* Opens (creating when create is set) the store; exits 2 on failure. */
void store_open(store *s, const char *path, int create, const char *origin);
void store_close(store *s);
/* Derives the index fields of a record body (a JSON object text);
 * returns 0, or -1 with the reason. */
int derive(const char *rec, size_t len, struct fields *f, char *err,
    size_t errlen);
/* The same by libjq alone: what derive() does for records its fast scan
 * does not take (escapes, non-ASCII), and its reference in the tests. */
int derive_jv(const char *rec, size_t len, struct fields *f, char *err,
    size_t errlen);
void fields_free(struct fields *f);
/* Appends one record (its exact text); the caller holds a transaction. */
int store_append(store *s, const char *rec, size_t len, fx_time wall,
    char *err, size_t errlen);
/* Begins a write transaction, checking no other writer appended since
 * the store was opened (exits 1 if one did). */
void store_begin(store *s);
/* Saves the frontier (in the caller's transaction). */
void store_save_frontier(store *s);
/* Signs and stores a checkpoint of the current size; returns 0 or -1. */
int store_checkpoint(store *s, void *signer, fx_time wall, char *err,
    size_t errlen);
/* The leaf hash of entry index (an fx_merkle_leaf_fn over a store). */
int store_leaf(void *ctx, uint64_t index, uint8_t out[32]);
int store_exec(store *s, const char *sql);
/* The root of perfect subtree (level, index) from the nodes table (an
 * fx_merkle_node_fn over a store): 0, or -1 when it has none. */
int store_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);
/* Rows the nodes table has for a tree of size entries. */
uint64_t nodes_expected(uint64_t size);

/* The canonical body of an entry into b. */
void entry_body(fx_buf *b, uint64_t seq, fx_time wall, const char *rec,
    size_t len);

/* crypt.c: encryption at rest.  enc_member_ok: 0, or -1 (and why) when
 * a member may not be encrypted (it makes an index column). */
int enc_member_ok(const char *name, char *err, size_t errlen);
/* Loads a key file (base64 of 32 bytes, mode 0600): 0, or -1 and why. */
int enc_key_load(const char *path, enc_key *k, char *err, size_t errlen);
/* Writes a new random key to a new 0600 file: 0, or -1 and why. */
int enc_key_generate(const char *path, char *err, size_t errlen);
/* out = rec (a valid JSON object) with each top-level member named in
 * members replaced by its envelope for entry seq of log origin; returns
 * how many were (0: out is rec).  Cannot fail but for OpenSSL (exit 1). */
int enc_record(const enc_key *k, const char *origin, uint64_t seq,
    const char *rec, size_t len, char *const *members, int nmembers,
    fx_buf *out);
/* out = rec with every envelope decrypted; returns how many, or -1 with
 * the member and what is wrong in err (another key, not authentic). */
int dec_record(const enc_key *k, const char *origin, uint64_t seq,
    const char *rec, size_t len, fx_buf *out, char *err, size_t errlen);

void usage(int status) __attribute__((noreturn));
int cmd_verify(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_verify_proof(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_prune(int argc, char **argv);
int cmd_obp(int argc, char **argv);

#endif
