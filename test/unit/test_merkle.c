/*
 * test_merkle.c - RFC 6962 Merkle hashing, proofs and their verification.
 *
 * The references are independent of common/merkle.c: the roots of the
 * RFC 6962 test tree as published in transparency-dev/merkle, the proof
 * vectors of that repository (in ../shared, skipped when absent), and the
 * recursive definitions of RFC 6962 section 2.1 written out below with
 * OpenSSL's SHA-256 called directly, against which the iterative code is
 * compared for every tree of up to 64 (proofs) or 1000 (roots) leaves.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "b64.h"
#include "json.h"
#include "merkle.h"
#include "tap.h"

/* TAP "ok N # skip reason": the test counts as passed. */
static void
skip(const char *why)
{
	printf("ok %d # skip %s\n", ++tap_n, why);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A deterministic generator (xorshift64*) for the random trees. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			printf("Bail out! bad hex in the test: %s\n", s);
			exit(1);
		}
		out[i] = (uint8_t)v;
	}
}

/* ---- the recursive definitions of RFC 6962 section 2.1 ---- */

/* SHA-256 for the references: OpenSSL's digest looked up once (the
 * one-shot SHA256() looks it up on every call, three times slower). */
static EVP_MD *ref_md;

static void
ref_sha256(const void *p, size_t n, uint8_t out[32])
{
	if (ref_md == NULL && (ref_md = EVP_MD_fetch(NULL, "SHA256",
	    NULL)) == NULL) {
		printf("Bail out! no SHA-256 in OpenSSL\n");
		exit(1);
	}
	if (!EVP_Digest(p, n, out, NULL, ref_md, NULL)) {
		printf("Bail out! SHA-256 failed\n");
		exit(1);
	}
}

static void
ref_leaf(const void *d, size_t n, uint8_t out[32])
{
	uint8_t *buf = malloc(n + 1);

	buf[0] = 0x00;
	memcpy(buf + 1, d, n);
	ref_sha256(buf, n + 1, out);
	free(buf);
}

static void
ref_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	ref_sha256(buf, 65, out);
}

/* The largest power of two k < n, n >= 2, the plain way. */
static uint64_t
ref_split(uint64_t n)
{
	uint64_t k = 1;

	while (k <= (n - 1) / 2)
		k <<= 1;
	return k;
}

/* MTH(D[n]) over leaf hashes. */
static void
ref_mth(const uint8_t *leaves, uint64_t n, uint8_t out[32])
{
	uint8_t l[32], r[32];
	uint64_t k;

	if (n == 0) {
		ref_sha256("", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves, 32);
		return;
	}
	k = ref_split(n);
	ref_mth(leaves, k, l);
	ref_mth(leaves + 32 * k, n - k, r);
	ref_node(l, r, out);
}

/* PATH(m, D[n]), appended at proof + 32 * *len. */
static void
ref_path(uint64_t m, const uint8_t *leaves, uint64_t n, uint8_t *proof,
    size_t *len)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = ref_split(n);
	if (m < k) {
		ref_path(m, leaves, k, proof, len);
		ref_mth(leaves + 32 * k, n - k, proof + 32 * (*len)++);
	} else {
		ref_path(m - k, leaves + 32 * k, n - k, proof, len);
		ref_mth(leaves, k, proof + 32 * (*len)++);
	}
}

/* SUBPROOF(m, D[n], b). */
static void
ref_subproof(uint64_t m, const uint8_t *leaves, uint64_t n, int b,
    uint8_t *proof, size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			ref_mth(leaves, n, proof + 32 * (*len)++);
		return;
	}
	k = ref_split(n);
	if (m <= k) {
		ref_subproof(m, leaves, k, b, proof, len);
		ref_mth(leaves + 32 * k, n - k, proof + 32 * (*len)++);
	} else {
		ref_subproof(m - k, leaves + 32 * k, n - k, 0, proof, len);
		ref_mth(leaves, k, proof + 32 * (*len)++);
	}
}

/* The lengths of the two, by the same recursion without hashing. */
static size_t
ref_path_len(uint64_t m, uint64_t n)
{
	uint64_t k;

	if (n <= 1)
		return 0;
	k = ref_split(n);
	return 1 + (m < k ? ref_path_len(m, k) : ref_path_len(m - k, n - k));
}

static size_t
ref_subproof_len(uint64_t m, uint64_t n, int b)
{
	uint64_t k;

	if (m == n)
		return !b;
	k = ref_split(n);
	return 1 + (m <= k ? ref_subproof_len(m, k, b) :
	    ref_subproof_len(m - k, n - k, 0));
}

/* ---- the leaf source handed to the generators ---- */

typedef struct source {
	const uint8_t *leaves;
	uint64_t n;
	uint64_t reads;
	uint64_t fail_at;	/* UINT64_MAX: never fail */
} source;

static int
read_leaf(void *ctx, uint64_t i, uint8_t out[32])
{
	source *s = ctx;

	if (i >= s->n || i == s->fail_at)
		return -1;
	s->reads++;
	memcpy(out, s->leaves + 32 * i, 32);
	return 0;
}

/* ---- the RFC 6962 test tree ---- */

/*
 * The eight leaf inputs and the roots of the trees of their first n, as
 * published with transparency-dev/merkle (Apache-2.0), commit 417fb0c3,
 * testdata/ (and long before in certificate-transparency's
 * merkle_tree_test.cc); listed in ../shared/testvectors/rfc6962/SOURCES.md.
 */
static const char *const rfc_inputs[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const rfc_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static uint8_t rfc_leaves[8 * 32];

static void
test_rfc_tree(void)
{
	fx_merkle_tree t;
	uint8_t data[16], want[32], got[32], sub[32], arr[32], hex_back[32];
	char hex[65];
	source src = { rfc_leaves, 8, 0, UINT64_MAX };
	int i, n;

	for (i = 0; i < 8; i++) {
		size_t len = strlen(rfc_inputs[i]) / 2;

		unhex(rfc_inputs[i], data, len);
		fx_merkle_leaf_hash(data, len, rfc_leaves + 32 * i);
		ref_leaf(data, len, want);
		if (memcmp(want, rfc_leaves + 32 * i, 32) != 0)
			break;
	}
	ok(i == 8, "leaf hashes are SHA-256(0x00 || input) for the 8 RFC "
	    "6962 test inputs");

	fx_merkle_tree_init(&t);
	for (n = 0; n <= 8; n++) {
		if (n > 0)
			fx_merkle_tree_push(&t, rfc_leaves + 32 * (n - 1));
		unhex(rfc_roots[n], want, 32);
		fx_merkle_tree_root(&t, got);
		fx_merkle_root(rfc_leaves, (uint64_t)n, arr);
		fx_merkle_subtree_root(read_leaf, NULL, &src, 0, (uint64_t)n, sub,
		    NULL, 0);
		fx_merkle_hex(got, hex);
		if (!ok(memcmp(got, want, 32) == 0 && memcmp(arr, want, 32) ==
		    0 && memcmp(sub, want, 32) == 0 && t.size == (uint64_t)n,
		    "RFC 6962 test tree of %d leaves: root %.16s... by the "
		    "builder, the array and the leaf callback", n, hex))
			printf("#   want %s\n", rfc_roots[n]);
	}
	fx_merkle_empty_root(got);
	unhex(rfc_roots[0], want, 32);
	ok(memcmp(got, want, 32) == 0, "the empty tree's root is "
	    "SHA-256(\"\")");

	fx_merkle_hex(rfc_leaves, hex);
	is_str(hex, rfc_roots[1], "hex of a hash: 64 lowercase digits");
	ok(fx_merkle_unhex(rfc_roots[8], 64, hex_back) == 0 &&
	    fx_merkle_unhex("5DC9DA79A70659A9AD559CB701DED9A2AB9D823AAD2F4960"
	    "CFE370EFF4604328", 64, got) == 0 && memcmp(hex_back, got, 32) ==
	    0, "hex reads back, in either case");
	ok(fx_merkle_unhex(rfc_roots[8], 63, got) != 0 &&
	    fx_merkle_unhex("g5c9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960"
	    "cfe370eff4604328", 64, got) != 0 &&
	    fx_merkle_unhex(" 5c9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960"
	    "cfe370eff4604328", 64, got) != 0, "hex of the wrong length or "
	    "with a non-digit is refused");
}

/* ---- transparency-dev/merkle proof vectors ---- */

/* A JSON number as a tree size or index.  jq 1.6 reads numbers as
 * doubles, so the files' 2^64 - 1 arrives as 2^64: anything outside the
 * uint64 range is taken as 2^64 - 1, what it was. */
static uint64_t
json_u64(jv obj, const char *key, int *bad)
{
	double d;

	if (fx_json_num(obj, key, &d) != 1 || d < 0 || d != d) {
		*bad = 1;
		return 0;
	}
	return d >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)d;
}

/*
 * obj[key], base64 of a hash, into out; -1 with the reason in why.  Go's
 * verifier takes byte strings of any length, and the mutated files use
 * stand-ins such as "don't care 1" (12 bytes) or "" for roots and proof
 * hashes; fx_merkle takes 32-byte hashes.  So that the verifier still
 * decides such a file, a value of another length is replaced by
 * SHA-256(0xff || value): 32 bytes, equal exactly when the values are,
 * and outside the leaf, node and empty-tree domains.  The replacement is
 * noted in stood_in.  Not for leaf hashes (stood_in NULL): Go's verifier
 * checks their length, and so does this harness.
 */
static int
json_hash(jv obj, const char *key, uint8_t out[32], char *why, size_t n,
    char *stood_in, size_t sn)
{
	const char *s = fx_json_str(obj, key);
	uint8_t buf[257];
	size_t len;

	if (s == NULL) {
		snprintf(why, n, "%s is not a string", key);
		return -1;
	}
	if (fx_b64_decode(s, strlen(s), buf + 1, sizeof buf - 1, &len) != 0) {
		snprintf(why, n, "%s is not base64", key);
		return -1;
	}
	if (len == 32) {
		memcpy(out, buf + 1, 32);
		return 0;
	}
	if (stood_in == NULL) {
		snprintf(why, n, "%s has %zu bytes, not 32", key, len);
		return -1;
	}
	buf[0] = 0xff;
	ref_sha256(buf, len + 1, out);
	if (stood_in[0] == '\0')
		snprintf(stood_in, sn, "; %s of %zu bytes stood in", key, len);
	return 0;
}

/* obj.proof (null or an array of base64 hashes) into proof. */
static int
json_proof(jv obj, uint8_t *proof, size_t *nproof, char *why, size_t n,
    char *stood_in, size_t sn)
{
	jv arr = fx_json_get(obj, "proof");
	int i, len, rc = 0;

	*nproof = 0;
	if (jv_get_kind(arr) == JV_KIND_NULL) {
		jv_free(arr);
		return 0;
	}
	if (jv_get_kind(arr) != JV_KIND_ARRAY ||
	    (len = jv_array_length(jv_copy(arr))) > FX_MERKLE_MAX_PROOF) {
		snprintf(why, n, "proof is not an array of at most %d",
		    FX_MERKLE_MAX_PROOF);
		jv_free(arr);
		return -1;
	}
	for (i = 0; i < len && rc == 0; i++) {
		jv item = jv_array_get(jv_copy(arr), i), wrap;
		char key[32];

		/* reuse json_hash through a one-member object */
		snprintf(key, sizeof key, "proof[%d]", i);
		wrap = jv_object_set(jv_object(), jv_string(key), item);
		rc = json_hash(wrap, key, proof + 32 * i, why, n, stood_in,
		    sn);
		jv_free(wrap);
	}
	*nproof = (size_t)len;
	jv_free(arr);
	return rc;
}

typedef struct vstats {
	int files, accepted, rejected, happy, regenerated, stood_in;
} vstats;

/*
 * One vector file: verify it and check the outcome against wantErr (and
 * a happy-path.json against wantErr false).  A happy path on the RFC test
 * tree also has its proof regenerated and compared byte for byte.
 */
static void
vector_file(const char *path, const char *rel, int consistency, vstats *st)
{
	char err[256], why[256] = "", stood[96] = "";
	uint8_t proof[FX_MERKLE_MAX_PROOF * 32], gen[FX_MERKLE_MAX_PROOF * 32];
	uint8_t a[32], b[32];
	size_t nproof, ngen;
	int want_err, bad = 0, rc = -1, happy;
	uint64_t x = 0, y = 0;
	jv v = fx_json_load(path, err, sizeof err);

	st->files++;
	if (!jv_is_valid(v)) {
		ok(0, "%s: %s", rel, err);
		jv_free(v);
		return;
	}
	happy = strstr(rel, "happy-path") != NULL;
	if (fx_json_bool(v, "wantErr", &want_err) != 1) {
		ok(0, "%s: no wantErr", rel);
		jv_free(v);
		return;
	}
	if (consistency) {
		x = json_u64(v, "size1", &bad);
		y = json_u64(v, "size2", &bad);
		if (bad)
			snprintf(why, sizeof why, "bad size");
		else if (json_hash(v, "root1", a, why, sizeof why, stood,
		    sizeof stood) == 0 && json_hash(v, "root2", b, why,
		    sizeof why, stood, sizeof stood) == 0 && json_proof(v,
		    proof, &nproof, why, sizeof why, stood, sizeof stood) == 0)
			rc = fx_merkle_verify_consistency(x, y, proof, nproof,
			    a, b, why, sizeof why);
	} else {
		x = json_u64(v, "leafIdx", &bad);
		y = json_u64(v, "treeSize", &bad);
		if (bad)
			snprintf(why, sizeof why, "bad index or size");
		else if (json_hash(v, "leafHash", a, why, sizeof why, NULL,
		    0) == 0 && json_hash(v, "root", b, why,
		    sizeof why, stood, sizeof stood) == 0 && json_proof(v,
		    proof, &nproof, why, sizeof why, stood, sizeof stood) == 0)
			rc = fx_merkle_verify_inclusion(a, x, y, proof, nproof,
			    b, why, sizeof why);
	}
	if (rc == 0)
		st->accepted++;
	else
		st->rejected++;
	if (stood[0] != '\0')
		st->stood_in++;
	if (happy) {
		st->happy++;
		ok(!want_err && rc == 0 && stood[0] == '\0', "%s: verifies",
		    rel);
	} else if (want_err)
		ok(rc != 0, "%s: rejected (%s%s)", rel, why, stood);
	else
		ok(rc == 0, "%s: verifies (wantErr false%s)", rel, stood);
	if (rc != 0 && !want_err)
		printf("#   %s\n", why);

	/* regenerate happy proofs over the RFC test tree */
	if (rc == 0 && y <= 8 && y > 0) {
		source src = { rfc_leaves, y, 0, UINT64_MAX };
		uint8_t root[32];

		fx_merkle_root(rfc_leaves, y, root);
		if (memcmp(root, b, 32) == 0 &&
		    (consistency || memcmp(a, rfc_leaves + 32 * x, 32) == 0)) {
			int g = consistency ?
			    fx_merkle_consistency_proof(read_leaf, NULL, &src, x, y,
			    gen, &ngen, err, sizeof err) :
			    fx_merkle_inclusion_proof(read_leaf, NULL, &src, x, y,
			    gen, &ngen, err, sizeof err);

			ok(g == 0 && ngen == nproof && memcmp(gen, proof,
			    32 * nproof) == 0, "%s: the proof generated over "
			    "the RFC test tree is the file's", rel);
			st->regenerated++;
		}
	}
	jv_free(v);
}

static int
json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && (n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0 ? 1 : d->d_type ==
	    DT_DIR || d->d_type == DT_UNKNOWN);
}

/* Every *.json under dir, depth first in name order. */
static void
vector_dir(const char *dir, const char *rel, int consistency, vstats *st)
{
	struct dirent **list;
	int i, n = scandir(dir, &list, json_name, alphasort);

	if (n < 0) {
		ok(0, "%s: cannot read", dir);
		return;
	}
	for (i = 0; i < n; i++) {
		char path[4400], sub[4400];
		struct stat sb;

		snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
		snprintf(sub, sizeof sub, "%s/%s", rel, list[i]->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			vector_dir(path, sub, consistency, st);
		else if (S_ISREG(sb.st_mode))
			vector_file(path, sub, consistency, st);
		free(list[i]);
	}
	free(list);
}

static void
test_vectors(void)
{
	const char *env = getenv("FX_SHARED");
	char dir[4096], sub[4200];
	struct stat sb;
	vstats inc = { 0 }, con = { 0 };

	snprintf(dir, sizeof dir, "%s/testvectors/rfc6962",
	    env && *env ? env : "../shared");
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		char why[4200];

		snprintf(why, sizeof why, "%s not present (fixtures only in "
		    "the dev tree; FX_SHARED names the shared directory)", dir);
		skip(why);
		return;
	}
	snprintf(sub, sizeof sub, "%s/inclusion", dir);
	vector_dir(sub, "inclusion", 0, &inc);
	snprintf(sub, sizeof sub, "%s/consistency", dir);
	vector_dir(sub, "consistency", 1, &con);
	ok(inc.files > 0 && inc.happy > 0 && con.files > 0 && con.happy > 0,
	    "vectors read: inclusion %d files (%d accepted, %d rejected, %d "
	    "happy paths, %d regenerated, %d with stand-ins), consistency %d "
	    "(%d accepted, %d rejected, %d happy, %d regenerated, %d with "
	    "stand-ins)", inc.files, inc.accepted, inc.rejected, inc.happy,
	    inc.regenerated, inc.stood_in, con.files, con.accepted,
	    con.rejected, con.happy, con.regenerated, con.stood_in);
}

/* ---- generated proofs over random trees ---- */

/*
 * Flips bits of buf[0..n) (whole hashes) one at a time and counts the
 * flips for which check still passes (each should fail): every bit when
 * `every`, else one bit of each hash, its place turning with the hash and
 * with salt, so that over all the (m, n) every byte of a hash is hit (a
 * comparison that missed some bytes would still be caught).
 */
#define FLIP(buf, n, every, salt, check, passed, flips) do {		\
	size_t fbit_;							\
	for (fbit_ = 0; fbit_ < 8 * (size_t)(n); fbit_++) {		\
		size_t fh_ = fbit_ / 256, fb_ = fbit_ % 256;		\
		if (!(every) && fb_ != (8 * (fh_ * 11 + (salt)) +	\
		    fh_ + (salt)) % 256)				\
			continue;					\
		(buf)[fbit_ / 8] ^= (uint8_t)(1u << (fbit_ % 8));	\
		if ((check) == 0)					\
			(passed)++;					\
		(buf)[fbit_ / 8] ^= (uint8_t)(1u << (fbit_ % 8));	\
		(flips)++;						\
	}								\
} while (0)

static void
test_generated(void)
{
	enum { MAXN = 64 };
	uint8_t leaves[MAXN * 32], roots[(MAXN + 1) * 32];
	uint8_t proof[FX_MERKLE_MAX_PROOF * 32], ref[FX_MERKLE_MAX_PROOF * 32];
	char err[256];
	uint64_t n, m, i;
	size_t np, nref;
	int bit;

	for (i = 0; i < MAXN * 32; i++)
		leaves[i] = (uint8_t)next();
	for (n = 0; n <= MAXN; n++)
		ref_mth(leaves, n, roots + 32 * n);

	for (n = 1; n <= MAXN; n++) {
		const uint8_t *root = roots + 32 * n;
		long gen_bad = 0, verify_bad = 0, flips = 0, passed = 0;
		int reads_bad = 0, every = n <= 8;

		for (m = 0; m < n; m++) {
			source src = { leaves, n, 0, UINT64_MAX };
			uint8_t leaf[32], r[32];

			nref = 0;
			ref_path(m, leaves, n, ref, &nref);
			if (fx_merkle_inclusion_proof(read_leaf, NULL, &src, m, n,
			    proof, &np, err, sizeof err) != 0 || np != nref ||
			    memcmp(proof, ref, 32 * np) != 0 ||
			    np != fx_merkle_inclusion_len(m, n))
				gen_bad++;
			if (src.reads != n - 1)
				reads_bad = 1;
			memcpy(leaf, leaves + 32 * m, 32);
			memcpy(r, root, 32);
			if (fx_merkle_verify_inclusion(leaf, m, n, proof, np,
			    r, err, sizeof err) != 0)
				verify_bad++;
#define CHECK fx_merkle_verify_inclusion(leaf, m, n, proof, np, r, NULL, 0)
			FLIP(proof, 32 * np, every, m, CHECK, passed, flips);
			FLIP(r, 32, every, m, CHECK, passed, flips);
			FLIP(leaf, 32, every, m, CHECK, passed, flips);
#undef CHECK
			for (bit = 0; bit < 64; bit++, flips++)
				if (fx_merkle_verify_inclusion(leaf,
				    m ^ (uint64_t)1 << bit, n, proof, np, r,
				    NULL, 0) == 0)
					passed++;
			/* a proof one hash short or long */
			if (np > 0 && fx_merkle_verify_inclusion(leaf, m, n,
			    proof, np - 1, r, NULL, 0) == 0)
				passed++;
			if (fx_merkle_verify_inclusion(leaf, m, n, proof,
			    np + 1, r, NULL, 0) == 0)
				passed++;
			flips += 2;
		}
		ok(gen_bad == 0 && verify_bad == 0 && passed == 0 &&
		    !reads_bad, "n=%llu: every inclusion proof is RFC 6962's "
		    "PATH and verifies; %ld flips (%s) of the proof, root, "
		    "leaf or index, and proofs a hash short or long, all fail",
		    (unsigned long long)n, flips, every ? "every bit" :
		    "a bit of each hash");
		if (gen_bad || verify_bad || passed || reads_bad)
			printf("#   generated wrong %ld, not verified %ld, "
			    "tampered passed %ld, reads wrong %d\n", gen_bad,
			    verify_bad, passed, reads_bad);
	}

	for (n = 1; n <= MAXN; n++) {
		const uint8_t *root2 = roots + 32 * n;
		long gen_bad = 0, verify_bad = 0, flips = 0, passed = 0;
		int reads_bad = 0, every = n <= 8;

		for (m = 1; m <= n; m++) {
			source src = { leaves, n, 0, UINT64_MAX };
			uint8_t r1[32], r2[32];

			nref = 0;
			if (m < n)
				ref_subproof(m, leaves, n, 1, ref, &nref);
			if (fx_merkle_consistency_proof(read_leaf, NULL, &src, m, n,
			    proof, &np, err, sizeof err) != 0 || np != nref ||
			    memcmp(proof, ref, 32 * np) != 0 ||
			    np != fx_merkle_consistency_len(m, n))
				gen_bad++;
			if (src.reads > n)
				reads_bad = 1;
			memcpy(r1, roots + 32 * m, 32);
			memcpy(r2, root2, 32);
			if (fx_merkle_verify_consistency(m, n, proof, np, r1,
			    r2, err, sizeof err) != 0)
				verify_bad++;
#define CHECK fx_merkle_verify_consistency(m, n, proof, np, r1, r2, NULL, 0)
			FLIP(proof, 32 * np, every, m, CHECK, passed, flips);
			FLIP(r1, 32, every, m, CHECK, passed, flips);
			FLIP(r2, 32, every, m, CHECK, passed, flips);
#undef CHECK
			/* another old size: m's bits flipped */
			for (bit = 0; bit < 64; bit++, flips++)
				if (fx_merkle_verify_consistency(
				    m ^ (uint64_t)1 << bit, n, proof, np, r1,
				    r2, NULL, 0) == 0)
					passed++;
			if (np > 0 && fx_merkle_verify_consistency(m, n, proof,
			    np - 1, r1, r2, NULL, 0) == 0)
				passed++;
			if (fx_merkle_verify_consistency(m, n, proof, np + 1,
			    r1, r2, NULL, 0) == 0)
				passed++;
			flips += 2;
		}
		ok(gen_bad == 0 && verify_bad == 0 && passed == 0 &&
		    !reads_bad, "n=%llu: every consistency proof from 1..%llu "
		    "is RFC 6962's PROOF and verifies; %ld flips (%s) of the "
		    "proof, either root or the old size, and proofs a hash "
		    "short or long, all fail", (unsigned long long)n,
		    (unsigned long long)n, flips, every ? "every bit" :
		    "a bit of each hash");
		if (gen_bad || verify_bad || passed || reads_bad)
			printf("#   generated wrong %ld, not verified %ld, "
			    "tampered passed %ld, reads wrong %d\n", gen_bad,
			    verify_bad, passed, reads_bad);
	}
}

/* Edge cases of the contracts, on the RFC test tree. */
static void
test_edges(void)
{
	uint8_t proof[FX_MERKLE_MAX_PROOF * 32], r3[32], r8[32], other[32];
	uint8_t scratch[32];
	char err[256];
	size_t np = 99;
	source src = { rfc_leaves, 8, 0, UINT64_MAX };

	fx_merkle_root(rfc_leaves, 3, r3);
	fx_merkle_root(rfc_leaves, 8, r8);
	memcpy(other, r3, 32);
	other[31] ^= 1;

	ok(fx_merkle_inclusion_proof(read_leaf, NULL, &src, 8, 8, proof, &np, err,
	    sizeof err) == -1 && np == 0 && strstr(err, "not in a tree") !=
	    NULL, "inclusion proof of a leaf past the size: %s", err);
	src.fail_at = 5;
	ok(fx_merkle_inclusion_proof(read_leaf, NULL, &src, 0, 8, proof, &np, err,
	    sizeof err) == -1 && strcmp(err, "leaf 5: cannot read") == 0,
	    "a leaf the callback cannot read fails the proof: %s", err);
	ok(fx_merkle_consistency_proof(read_leaf, NULL, &src, 2, 8, proof, &np, err,
	    sizeof err) == -1 && strcmp(err, "leaf 5: cannot read") == 0,
	    "  and the consistency proof");
	ok(fx_merkle_subtree_root(read_leaf, NULL, &src, 4, 8, scratch, err,
	    sizeof err) == -1 && fx_merkle_subtree_root(read_leaf, NULL, &src, 3, 2,
	    scratch, err, sizeof err) == -1 && strstr(err, "backwards") !=
	    NULL, "  and the subtree root; a backwards range is refused");
	src.fail_at = UINT64_MAX;
	src.reads = 0;

	ok(fx_merkle_consistency_proof(read_leaf, NULL, &src, 5, 3, proof, &np, err,
	    sizeof err) == -1 && strstr(err, "above") != NULL,
	    "consistency proof to a smaller tree is refused: %s", err);
	ok(fx_merkle_consistency_proof(read_leaf, NULL, &src, 0, 3, proof, &np, err,
	    sizeof err) == -1 && strstr(err, "empty tree") != NULL,
	    "consistency proof from the empty tree is refused: %s", err);
	ok(fx_merkle_consistency_proof(read_leaf, NULL, &src, 3, 3, proof, &np, err,
	    sizeof err) == 0 && np == 0 && src.reads == 0,
	    "consistency proof between equal sizes is empty, reads nothing");
	ok(fx_merkle_verify_consistency(3, 3, proof, 0, r3, r3, err,
	    sizeof err) == 0, "equal sizes and roots, empty proof: verifies");
	ok(fx_merkle_verify_consistency(3, 3, proof, 0, r3, other, err,
	    sizeof err) == -1, "equal sizes, different roots: %s", err);
	ok(fx_merkle_verify_consistency(3, 3, r3, 1, r3, r3, err,
	    sizeof err) == -1, "equal sizes, a proof given: %s", err);
	fx_merkle_empty_root(other);
	ok(fx_merkle_verify_consistency(0, 0, proof, 0, other, other, err,
	    sizeof err) == -1 && fx_merkle_consistency_proof(read_leaf, NULL, &src,
	    0, 0, proof, &np, err, sizeof err) == -1, "two empty trees: no "
	    "proof, as the transparency-dev vectors want: %s", err);
	ok(fx_merkle_verify_consistency(0, 8, r8, 1, r3, r8, err,
	    sizeof err) == -1 && strstr(err, "empty tree") != NULL,
	    "from the empty tree: %s", err);
	ok(fx_merkle_verify_consistency(8, 3, proof, 0, r8, r3, err,
	    sizeof err) == -1, "old size above new: %s", err);
	ok(fx_merkle_verify_inclusion(rfc_leaves, 0, 0, proof, 0, r3, err,
	    sizeof err) == -1, "inclusion in the empty tree: %s", err);
	ok(fx_merkle_verify_inclusion(rfc_leaves, 0, 1, proof, 0, rfc_leaves,
	    err, sizeof err) == 0, "a one-leaf tree: the leaf is the root, "
	    "the proof empty");
	ok(fx_merkle_verify_inclusion(rfc_leaves, 0, 8, proof, 2, r8, err,
	    sizeof err) == -1 && strstr(err, "want 3") != NULL,
	    "a proof of the wrong length is named so: %s", err);
}

/* Proof lengths for big trees against the RFC recursion, counted. */
static void
test_lengths(void)
{
	uint64_t sizes[4000];
	int ns = 0, i, bad = 0, over = 0;
	size_t max_inc = 0, max_con = 0;

	sizes[ns++] = 1;
	sizes[ns++] = 2;
	sizes[ns++] = UINT64_MAX;
	sizes[ns++] = UINT64_MAX - 1;
	sizes[ns++] = (uint64_t)1 << 63;
	sizes[ns++] = ((uint64_t)1 << 63) + 1;
	while (ns < 4000) {
		uint64_t x = next();

		sizes[ns++] = x >> (next() % 64);
		if (sizes[ns - 1] == 0)
			sizes[ns - 1] = 1;
	}
	for (i = 0; i < ns; i++) {
		uint64_t n = sizes[i], m = next() % n, m1 = 1 + next() % n;
		size_t a = fx_merkle_inclusion_len(m, n);
		size_t b = fx_merkle_consistency_len(m1, n);

		if (a != ref_path_len(m, n) || b != (m1 == n ? 0 :
		    ref_subproof_len(m1, n, 1)))
			bad++;
		max_inc = a > max_inc ? a : max_inc;
		max_con = b > max_con ? b : max_con;
		if (a > 64 || b > FX_MERKLE_MAX_PROOF)
			over++;
	}
	ok(bad == 0 && over == 0, "proof lengths for %d random (index, size) "
	    "up to 2^64 - 1 match the RFC 6962 recursion, within the bound "
	    "(longest seen %zu and %zu)", ns, max_inc, max_con);
	ok(fx_merkle_consistency_len(3, UINT64_MAX) == 65 &&
	    ref_subproof_len(3, UINT64_MAX, 1) == 65 &&
	    fx_merkle_inclusion_len(0, UINT64_MAX) == 64 &&
	    ref_path_len(0, UINT64_MAX) == 64, "FX_MERKLE_MAX_PROOF (65) is "
	    "reached: PROOF(3, D[2^64 - 1]), and PATH is at most 64");
}

#ifdef __SANITIZE_ADDRESS__
#define BENCH_N 100000
#else
#define BENCH_N 1000000
#endif

/* The builder against the recursive MTH at every size up to 1000. */
static void
test_builder(void)
{
	enum { N = 1000 };
	static uint8_t leaves[N * 32];
	fx_merkle_tree t, copy;
	uint8_t a[32], b[32];
	int n, bad = 0;
	uint64_t i;
	double t0, dt;

	for (i = 0; i < N * 32; i++)
		leaves[i] = (uint8_t)next();
	fx_merkle_tree_init(&t);
	for (n = 0; n <= N; n++) {
		if (n > 0 && fx_merkle_tree_push(&t, leaves + 32 * (n - 1)) !=
		    0)
			bad++;
		fx_merkle_tree_root(&t, a);
		ref_mth(leaves, (uint64_t)n, b);
		if (memcmp(a, b, 32) != 0 || t.size != (uint64_t)n)
			bad++;
	}
	ok(bad == 0, "the incremental root equals the recursive MTH at every "
	    "size 0..%d", N);

	copy = t;
	fx_merkle_tree_push(&copy, leaves);
	fx_merkle_tree_root(&t, a);
	ref_mth(leaves, N, b);
	ok(memcmp(a, b, 32) == 0 && copy.size == N + 1, "a tree is a value: "
	    "pushing to a copy leaves the original");

	t.size = UINT64_MAX;
	ok(fx_merkle_tree_push(&t, leaves) == -1 && t.size == UINT64_MAX,
	    "a tree of 2^64 - 1 leaves refuses another");
	t.size = UINT64_MAX - 1;
	ok(fx_merkle_tree_push(&t, leaves) == 0 && t.size == UINT64_MAX,
	    "  and takes the one before");

	/* throughput, for the record: fx-audit wants >= 500,000 entries/s
	 * (a tenth of the work under AddressSanitizer, which is slow) */
	fx_merkle_tree_init(&t);
	t0 = now();
	for (i = 0; i < BENCH_N; i++) {
		uint8_t entry[128], leaf[32];

		memset(entry, (int)i, sizeof entry);
		fx_merkle_leaf_hash(entry, sizeof entry, leaf);
		fx_merkle_tree_push(&t, leaf);
	}
	fx_merkle_tree_root(&t, a);
	dt = now() - t0;
	printf("# %d entries of 128 bytes hashed and pushed in %.3f s: %.0f "
	    "entries/s%s\n", BENCH_N, dt, BENCH_N / dt, BENCH_N < 1000000 ?
	    " (sanitized build)" : "");
}

/* ---- a node source: the roots of perfect subtrees from push_done ---- */

enum { NMAX = 300, NMIN_LEVEL = 2 };

typedef struct nodes {
	source src;
	uint8_t h[9][NMAX][32];	/* h[level][index], levels NMIN_LEVEL.. */
	uint64_t have[9];	/* nodes known per level */
	uint64_t lookups;
	int corrupt;		/* give wrong roots */
} nodes;

static int
node_of(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	nodes *c = ctx;

	if (level < NMIN_LEVEL || level >= 9 || index >= c->have[level])
		return -1;
	/* only subtrees inside the tree being asked about are given, as a
	 * store has them: it never asks for others */
	if ((index + 1) << level > c->src.n)
		return -1;
	c->lookups++;
	memcpy(out, c->h[level][index], 32);
	if (c->corrupt)
		out[0] ^= 1;
	return 0;
}

static int
node_leaf(void *ctx, uint64_t i, uint8_t out[32])
{
	return read_leaf(&((nodes *)ctx)->src, i, out);
}

static void
test_node_source(void)
{
	static nodes c;
	static uint8_t leaves[NMAX * 32];
	uint8_t done[64][32], ref[32], proof[FX_MERKLE_MAX_PROOF * 32];
	uint8_t plain[FX_MERKLE_MAX_PROOF * 32], root[32], leaf[32];
	fx_merkle_tree t;
	char err[256];
	uint64_t n, m, i, maxreads = 0;
	size_t np, nplain;
	unsigned nd, l;
	long done_bad = 0, incl_bad = 0, cons_bad = 0;

	for (i = 0; i < NMAX * 32; i++)
		leaves[i] = (uint8_t)next();
	fx_merkle_tree_init(&t);
	for (i = 0; i < NMAX; i++) {
		fx_merkle_tree_push_done(&t, leaves + 32 * i, done, &nd);
		if (nd != 1 + (unsigned)__builtin_ctzll(i + 1))
			done_bad++;
		for (l = 0; l < nd; l++) {
			uint64_t w = (uint64_t)1 << l;

			ref_mth(leaves + 32 * (i + 1 - w), w, ref);
			if (memcmp(done[l], ref, 32) != 0)
				done_bad++;
			if (l >= NMIN_LEVEL && l < 9)
				memcpy(c.h[l][c.have[l]++], done[l], 32);
		}
	}
	ok(done_bad == 0, "push_done: each finished subtree's root is its "
	    "MTH (%ld wrong)", done_bad);

	for (n = 1; n <= NMAX; n++) {
		c.src = (source){ leaves, n, 0, UINT64_MAX };
		for (m = 0; m < n; m++) {
			source bare = { leaves, n, 0, UINT64_MAX };

			c.src.reads = 0;
			if (fx_merkle_inclusion_proof(node_leaf, node_of, &c, m,
			    n, proof, &np, err, sizeof err) != 0 ||
			    fx_merkle_inclusion_proof(read_leaf, NULL, &bare, m,
			    n, plain, &nplain, err, sizeof err) != 0 ||
			    np != nplain || memcmp(proof, plain, 32 * np) != 0)
				incl_bad++;
			if (c.src.reads > maxreads)
				maxreads = c.src.reads;
			bare.reads = 0;
			if (fx_merkle_consistency_proof(node_leaf, node_of, &c,
			    m + 1, n, proof, &np, err, sizeof err) != 0 ||
			    fx_merkle_consistency_proof(read_leaf, NULL, &bare,
			    m + 1, n, plain, &nplain, err, sizeof err) != 0 ||
			    np != nplain || memcmp(proof, plain, 32 * np) != 0)
				cons_bad++;
		}
	}
	ok(incl_bad == 0, "node source: every inclusion proof up to %d "
	    "leaves is the one from the leaves alone (%ld differ)", NMAX,
	    incl_bad);
	ok(cons_bad == 0, "node source: every consistency proof likewise "
	    "(%ld differ)", cons_bad);
	/* below level 2 there are no roots: at most 2 * (4 - 1) leaves for
	 * the path's two partial sides, whatever the size */
	ok(maxreads <= 6, "node source: at most 6 leaves read for a proof "
	    "(%llu)", (unsigned long long)maxreads);

	/* a wrong root makes a proof that fails, never a false one */
	c.src = (source){ leaves, NMAX, 0, UINT64_MAX };
	c.corrupt = 1;
	ref_mth(leaves, NMAX, root);
	memcpy(leaf, leaves + 32 * 100, 32);
	ok(fx_merkle_inclusion_proof(node_leaf, node_of, &c, 100, NMAX, proof,
	    &np, err, sizeof err) == 0 && fx_merkle_verify_inclusion(leaf, 100,
	    NMAX, proof, np, root, err, sizeof err) == -1,
	    "node source: a corrupt root gives a proof that does not verify");
	c.corrupt = 0;
	c.src.fail_at = 2;
	ok(fx_merkle_inclusion_proof(node_leaf, node_of, &c, 0, NMAX, proof,
	    &np, err, sizeof err) == -1 && strstr(err, "cannot be read"),
	    "node source: an unreadable leaf fails the proof (%s)", err);
}

int
main(void)
{
	double t0 = now();

	test_rfc_tree();
	test_vectors();
	test_edges();
	test_lengths();
	test_generated();
	test_builder();
	test_node_source();
	EVP_MD_free(ref_md);
	printf("# %.2f s\n", now() - t0);
	return done();
}
