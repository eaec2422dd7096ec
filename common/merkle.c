/* merkle.c - see merkle.h */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "err.h"
#include "merkle.h"

/*
 * One digest context per thread, reused: OpenSSL's one-shot SHA256()
 * looks the algorithm up on every call and runs at a third of the speed,
 * which a store of millions of entries would feel.
 */
static _Thread_local EVP_MD *sha256;
static _Thread_local EVP_MD_CTX *mdctx;

static void
openssl_die(const char *what)
{
	char reason[256];

	ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
	fx_die(FX_EXIT_FAIL, "sha-256: %s: %s", what, reason);
}

/* SHA-256(prefix || a || b) into out; prefix < 0 for none. */
static void
digest(int prefix, const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[32])
{
	unsigned char p = (unsigned char)prefix;
	unsigned int n;

	if (mdctx == NULL) {
		if ((sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
			openssl_die("cannot fetch the algorithm");
		if ((mdctx = EVP_MD_CTX_new()) == NULL)
			openssl_die("cannot make a context");
	}
	if (!EVP_DigestInit_ex2(mdctx, sha256, NULL) ||
	    (prefix >= 0 && !EVP_DigestUpdate(mdctx, &p, 1)) ||
	    (alen > 0 && !EVP_DigestUpdate(mdctx, a, alen)) ||
	    (blen > 0 && !EVP_DigestUpdate(mdctx, b, blen)) ||
	    !EVP_DigestFinal_ex(mdctx, out, &n) || n != 32)
		openssl_die("hashing failed");
}

__attribute__((format(printf, 3, 4))) static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
fx_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32])
{
	digest(0x00, data, len, NULL, 0, out);
}

void
fx_merkle_node_hash(const uint8_t left[32], const uint8_t right[32],
    uint8_t out[32])
{
	digest(0x01, left, 32, right, 32, out);
}

void
fx_merkle_empty_root(uint8_t out[32])
{
	digest(-1, NULL, 0, NULL, 0, out);
}

void
fx_merkle_tree_init(fx_merkle_tree *t)
{
	t->size = 0;
}

int
fx_merkle_tree_push_done(fx_merkle_tree *t, const uint8_t leaf[32],
    uint8_t done[][32], unsigned *ndone)
{
	uint8_t h[32];
	unsigned level = 0;

	if (t->size == UINT64_MAX)
		return -1;
	memcpy(h, leaf, 32);
	if (done != NULL)
		memcpy(done[0], h, 32);
	/* each 1 bit carried out of the size merges two equal subtrees;
	 * a size below 2^64 - 1 has a 0 bit, so level stays below 64 */
	while (t->size >> level & 1) {
		fx_merkle_node_hash(t->node[level], h, h);
		level++;
		if (done != NULL)
			memcpy(done[level], h, 32);
	}
	memcpy(t->node[level], h, 32);
	t->size++;
	if (ndone != NULL)
		*ndone = level + 1;
	return 0;
}

int
fx_merkle_tree_push(fx_merkle_tree *t, const uint8_t leaf[32])
{
	return fx_merkle_tree_push_done(t, leaf, NULL, NULL);
}

void
fx_merkle_tree_root(const fx_merkle_tree *t, uint8_t out[32])
{
	uint8_t h[32];
	unsigned level;
	int have = 0;

	if (t->size == 0) {
		fx_merkle_empty_root(out);
		return;
	}
	/* the smallest subtree is the rightmost: fold right to left */
	for (level = 0; level < 64; level++) {
		if (!(t->size >> level & 1))
			continue;
		if (have)
			fx_merkle_node_hash(t->node[level], h, h);
		else
			memcpy(h, t->node[level], 32);
		have = 1;
	}
	memcpy(out, h, 32);
}

void
fx_merkle_root(const uint8_t *leaves, uint64_t n, uint8_t out[32])
{
	fx_merkle_tree t;
	uint64_t i;

	fx_merkle_tree_init(&t);
	for (i = 0; i < n; i++)
		fx_merkle_tree_push(&t, leaves + i * 32);
	fx_merkle_tree_root(&t, out);
}

/* MTH(D[lo:hi]) for hi - lo >= 1, from the node roots where it can. */
static int
subtree(fx_merkle_leaf_fn leaf, fx_merkle_node_fn node, void *ctx,
    uint64_t lo, uint64_t hi, uint8_t out[32])
{
	uint64_t n = hi - lo, k;
	uint8_t right[32];

	if (n == 1)
		return leaf(ctx, lo, out) != 0 ? -1 : 0;
	if ((n & (n - 1)) == 0 && lo % n == 0 &&
	    node(ctx, (unsigned)__builtin_ctzll(n), lo / n, out) == 0)
		return 0;
	for (k = 1; k < n - k; k <<= 1)
		;	/* k, the largest power of two below n */
	if (subtree(leaf, node, ctx, lo, lo + k, out) != 0 ||
	    subtree(leaf, node, ctx, lo + k, hi, right) != 0)
		return -1;
	fx_merkle_node_hash(out, right, out);
	return 0;
}

int
fx_merkle_subtree_root(fx_merkle_leaf_fn leaf, fx_merkle_node_fn node,
    void *ctx, uint64_t begin, uint64_t end, uint8_t out[32], char *err,
    size_t errlen)
{
	fx_merkle_tree t;
	uint8_t h[32];
	uint64_t i;

	if (begin > end)
		return fail(err, errlen, "subtree [%llu, %llu) is backwards",
		    (unsigned long long)begin, (unsigned long long)end);
	if (node != NULL && begin < end) {
		/* depth at most 2 * 64: each level down halves the range */
		if (subtree(leaf, node, ctx, begin, end, out) != 0)
			return fail(err, errlen, "subtree [%llu, %llu): a leaf "
			    "cannot be read", (unsigned long long)begin,
			    (unsigned long long)end);
		return 0;
	}
	/* MTH of a list does not depend on where it sits in a bigger tree */
	fx_merkle_tree_init(&t);
	for (i = begin; i < end; i++) {
		if (leaf(ctx, i, h) != 0)
			return fail(err, errlen, "leaf %llu: cannot read",
			    (unsigned long long)i);
		fx_merkle_tree_push(&t, h);
	}
	fx_merkle_tree_root(&t, out);
	return 0;
}

static uint64_t
split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

static unsigned
bitlen(uint64_t x)
{
	return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x);
}

size_t
fx_merkle_inclusion_len(uint64_t index, uint64_t size)
{
	unsigned inner = bitlen(index ^ (size - 1));

	return inner + (size_t)__builtin_popcountll(inner < 64 ?
	    index >> inner : 0);
}

/*
 * A consistency proof is the inclusion proof, in the new tree, of the
 * largest perfect subtree that ends at size1, after that subtree's own
 * hash unless size1 is a power of two (then it is the old root).
 */
size_t
fx_merkle_consistency_len(uint64_t size1, uint64_t size2)
{
	unsigned level;
	uint64_t index;

	if (size1 == size2)
		return 0;
	level = (unsigned)__builtin_ctzll(size1);
	index = (size1 - 1) >> level;
	return (index != 0) + fx_merkle_inclusion_len(index,
	    ((size2 - 1) >> level) + 1);
}

/* Reverses the n hashes of p: the generators find them top down. */
static void
reverse(uint8_t *p, size_t n)
{
	uint8_t t[32];
	size_t i;

	for (i = 0; i < n / 2; i++) {
		memcpy(t, p + 32 * i, 32);
		memcpy(p + 32 * i, p + 32 * (n - 1 - i), 32);
		memcpy(p + 32 * (n - 1 - i), t, 32);
	}
}

int
fx_merkle_inclusion_proof(fx_merkle_leaf_fn leaf, fx_merkle_node_fn node,
    void *ctx, uint64_t index, uint64_t size, uint8_t *proof,
    size_t *nproof, char *err, size_t errlen)
{
	uint64_t lo = 0, hi = size, k;
	size_t n = 0;

	*nproof = 0;
	if (index >= size)
		return fail(err, errlen, "leaf %llu is not in a tree of %llu",
		    (unsigned long long)index, (unsigned long long)size);
	/* PATH(m, D[lo:hi]) = PATH(m, one side) : MTH(the other side) */
	while (hi - lo > 1) {
		k = split(hi - lo);
		if (index - lo < k) {
			if (fx_merkle_subtree_root(leaf, node, ctx, lo + k, hi,
			    proof + 32 * n, err, errlen) != 0)
				return -1;
			hi = lo + k;
		} else {
			if (fx_merkle_subtree_root(leaf, node, ctx, lo, lo + k,
			    proof + 32 * n, err, errlen) != 0)
				return -1;
			lo += k;
		}
		n++;
	}
	reverse(proof, n);
	*nproof = n;
	return 0;
}

int
fx_merkle_consistency_proof(fx_merkle_leaf_fn leaf, fx_merkle_node_fn node,
    void *ctx,
    uint64_t size1, uint64_t size2, uint8_t *proof, size_t *nproof,
    char *err, size_t errlen)
{
	uint64_t lo = 0, hi = size2, k;
	size_t n = 0;
	int whole = 1;	/* RFC 6962's b: D[lo:hi] is still a prefix */

	*nproof = 0;
	if (size1 > size2)
		return fail(err, errlen, "old size %llu is above new size %llu",
		    (unsigned long long)size1, (unsigned long long)size2);
	if (size1 == 0)
		return fail(err, errlen, "no consistency proof from the empty "
		    "tree");
	if (size1 == size2)
		return 0;
	/* SUBPROOF(m, D[lo:hi], b), m counted from 0 like lo and hi */
	for (;;) {
		if (size1 == hi) {
			if (!whole) {
				if (fx_merkle_subtree_root(leaf, node, ctx, lo, hi,
				    proof + 32 * n, err, errlen) != 0)
					return -1;
				n++;
			}
			break;
		}
		k = split(hi - lo);
		if (size1 - lo <= k) {
			if (fx_merkle_subtree_root(leaf, node, ctx, lo + k, hi,
			    proof + 32 * n, err, errlen) != 0)
				return -1;
			hi = lo + k;
		} else {
			if (fx_merkle_subtree_root(leaf, node, ctx, lo, lo + k,
			    proof + 32 * n, err, errlen) != 0)
				return -1;
			lo += k;
			whole = 0;
		}
		n++;
	}
	reverse(proof, n);
	*nproof = n;
	return 0;
}

int
fx_merkle_verify_inclusion(const uint8_t leaf[32], uint64_t index,
    uint64_t size, const uint8_t *proof, size_t nproof,
    const uint8_t root[32], char *err, size_t errlen)
{
	uint64_t fn, sn;
	uint8_t r[32];
	size_t i, want;

	if (index >= size)
		return fail(err, errlen, "leaf %llu is not in a tree of %llu",
		    (unsigned long long)index, (unsigned long long)size);
	if (nproof != (want = fx_merkle_inclusion_len(index, size)))
		return fail(err, errlen, "inclusion proof has %zu hashes, "
		    "want %zu", nproof, want);
	/* RFC 9162 section 2.1.3.2, steps 2 to 5 */
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, 32);
	for (i = 0; i < nproof; i++) {
		const uint8_t *p = proof + 32 * i;

		if (sn == 0)
			return fail(err, errlen, "inclusion proof is too long");
		if ((fn & 1) || fn == sn) {
			fx_merkle_node_hash(p, r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			fx_merkle_node_hash(r, p, r);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return fail(err, errlen, "inclusion proof is too short");
	if (memcmp(r, root, 32) != 0)
		return fail(err, errlen, "inclusion proof leads to another "
		    "root");
	return 0;
}

int
fx_merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const uint8_t *proof, size_t nproof, const uint8_t root1[32],
    const uint8_t root2[32], char *err, size_t errlen)
{
	const uint8_t *first;
	uint64_t fn, sn;
	uint8_t fr[32], sr[32];
	size_t i, want;

	if (size1 > size2)
		return fail(err, errlen, "old size %llu is above new size %llu",
		    (unsigned long long)size1, (unsigned long long)size2);
	if (size1 == 0)
		return fail(err, errlen, "no consistency proof from the empty "
		    "tree");
	if (size1 == size2) {
		if (nproof != 0)
			return fail(err, errlen, "equal sizes take an empty "
			    "proof, not %zu hashes", nproof);
		if (memcmp(root1, root2, 32) != 0)
			return fail(err, errlen, "equal sizes with different "
			    "roots");
		return 0;
	}
	if (nproof != (want = fx_merkle_consistency_len(size1, size2)))
		return fail(err, errlen, "consistency proof has %zu hashes, "
		    "want %zu", nproof, want);

	/* RFC 9162 section 2.1.4.2: when size1 is a power of two the proof
	 * starts at root1, as if it had been prepended */
	i = 0;
	if ((size1 & (size1 - 1)) == 0)
		first = root1;
	else
		first = proof + 32 * i++;
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, first, 32);
	memcpy(sr, first, 32);
	for (; i < nproof; i++) {
		const uint8_t *c = proof + 32 * i;

		if (sn == 0)
			return fail(err, errlen, "consistency proof is too "
			    "long");
		if ((fn & 1) || fn == sn) {
			fx_merkle_node_hash(c, fr, fr);
			fx_merkle_node_hash(c, sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			fx_merkle_node_hash(sr, c, sr);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return fail(err, errlen, "consistency proof is too short");
	if (memcmp(fr, root1, 32) != 0)
		return fail(err, errlen, "consistency proof leads to another "
		    "old root");
	if (memcmp(sr, root2, 32) != 0)
		return fail(err, errlen, "consistency proof leads to another "
		    "new root");
	return 0;
}

void
fx_merkle_hex(const uint8_t h[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[64] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
fx_merkle_unhex(const char *s, size_t len, uint8_t out[32])
{
	int i, hi, lo;

	if (len != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		if ((hi = hexval(s[2 * i])) < 0 ||
		    (lo = hexval(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
