/*
 * merkle.h - RFC 6962 Merkle tree hashing with SHA-256 (section 2.1), its
 * inclusion and consistency proofs, and their verification as RFC 9162
 * sections 2.1.3.2 and 2.1.4.2 give it.
 *
 * The tree over entries d[0..n) hashes each entry into a leaf hash
 *   LH(d) = SHA-256(0x00 || d),   and pairs of nodes as
 *   NH(l, r) = SHA-256(0x01 || l || r).
 * Its root MTH over the leaf hashes is SHA-256("") for n = 0, the leaf
 * hash itself for n = 1, else NH(MTH(first k), MTH(the other n - k)) with
 * k the largest power of two below n.  A hash is 32 raw bytes.
 *
 * A proof is an array of hashes stored back to back (32 bytes each), the
 * one nearest the leaves first, as RFC 6962 lists them.  No proof for a
 * tree of fewer than 2^64 leaves has more than FX_MERKLE_MAX_PROOF.
 *
 * SHA-256 runs on an OpenSSL context each thread makes at its first hash
 * and keeps.  Should OpenSSL be unable to hash (no SHA-256 in its
 * providers), the process exits 1 with a message, as on out of memory:
 * the hashing calls therefore cannot fail.
 */
#ifndef FX_MERKLE_H
#define FX_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define FX_MERKLE_HASH_LEN 32
#define FX_MERKLE_MAX_PROOF 65	/* hashes; a consistency proof's worst */

/* LH(data[0..len)) into out. */
void fx_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32]);

/* NH(left, right) into out (which may be left or right). */
void fx_merkle_node_hash(const uint8_t left[32], const uint8_t right[32],
    uint8_t out[32]);

/* The root of the empty tree, SHA-256(""). */
void fx_merkle_empty_root(uint8_t out[32]);

/*
 * MTH of the n leaf hashes leaves[0 .. 32 n) (borrowed) into out, in
 * O(n) time and O(log n) memory.
 */
void fx_merkle_root(const uint8_t *leaves, uint64_t n, uint8_t out[32]);

/*
 * A tree built one leaf at a time: the roots of its perfect subtrees (a
 * "compact range" over [0, size)), node[level] standing for the 2^level
 * leaves of that bit of size.  2 KiB, no allocation: a plain value the
 * caller may copy, and an fx_merkle_tree_init() is all it needs.
 */
typedef struct fx_merkle_tree {
	uint64_t size;		/* leaves pushed */
	uint8_t node[64][32];	/* node[l] is set when bit l of size is */
} fx_merkle_tree;

void fx_merkle_tree_init(fx_merkle_tree *t);

/*
 * Appends a leaf hash (borrowed): one NH per trailing 1 bit of the old
 * size, so one on average.  Returns 0, or -1 (t unchanged) when t holds
 * 2^64 - 1 leaves already.
 */
int fx_merkle_tree_push(fx_merkle_tree *t, const uint8_t leaf[32]);

/*
 * The same, and done[l] (l < *ndone) set to the root of the perfect
 * subtree of 2^l leaves that ends with this leaf: the leaf itself, then
 * one more for each level the push merged, so *ndone = 1 + the number of
 * trailing 0 bits of the new size.  done must have room for 64 hashes.
 * Stores keep the high ones to make proofs without reading every leaf.
 */
int fx_merkle_tree_push_done(fx_merkle_tree *t, const uint8_t leaf[32],
    uint8_t done[][32], unsigned *ndone);

/* MTH of the t->size leaves pushed so far into out; t is unchanged. */
void fx_merkle_tree_root(const fx_merkle_tree *t, uint8_t out[32]);

/*
 * Where proof generation gets leaf hashes: writes the leaf hash of entry
 * index (< the tree size asked about) into out and returns 0, or nonzero
 * when it cannot (then the generator fails with "leaf N: cannot read").
 */
typedef int (*fx_merkle_leaf_fn)(void *ctx, uint64_t index, uint8_t out[32]);

/*
 * Where proof generation may get the root of a perfect subtree, the 2^level
 * leaves from index << level (level >= 1), without reading them: writes it
 * into out and returns 0, or returns nonzero when it does not have it (then
 * the generator hashes the two halves, down to the leaves).  A NULL one is
 * a source with no such roots.  It must give true roots: a wrong one makes
 * proofs that do not verify (never one that verifies falsely).
 */
typedef int (*fx_merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
    uint8_t out[32]);

/*
 * MTH of the leaves [begin, end) read through leaf(ctx, i), each at most
 * once, and the perfect aligned subtrees node(ctx, ...) has, into out
 * (SHA-256("") when begin == end).  Returns 0, or -1 with the reason in err
 * when begin > end or a leaf cannot be read.
 */
int fx_merkle_subtree_root(fx_merkle_leaf_fn leaf, fx_merkle_node_fn node,
    void *ctx, uint64_t begin, uint64_t end, uint8_t out[32], char *err,
    size_t errlen);

/*
 * PATH(index, D[size]) of RFC 6962 section 2.1.1: the inclusion proof of
 * leaf index in the tree of the first size leaves, into proof (room for
 * FX_MERKLE_MAX_PROOF hashes), its count in *nproof.  Reads each of the
 * size leaves once except leaf index, less those under the subtree roots
 * node gives: with every root of 2^8 leaves and up, about 256 leaves and
 * 2 log2(size) roots.  Returns 0, or -1 with the reason in err when index
 * >= size or a leaf cannot be read.
 */
int fx_merkle_inclusion_proof(fx_merkle_leaf_fn leaf, fx_merkle_node_fn node,
    void *ctx, uint64_t index, uint64_t size, uint8_t *proof,
    size_t *nproof, char *err, size_t errlen);

/*
 * PROOF(size1, D[size2]) of RFC 6962 section 2.1.2: the consistency proof
 * between the trees of the first size1 and size2 leaves, into proof (room
 * for FX_MERKLE_MAX_PROOF hashes), its count in *nproof; empty when size1
 * == size2.  Reads at most size2 leaves, each once, less those under
 * the subtree roots node gives.  Returns 0, or -1 with
 * the reason in err when size1 > size2, when size1 is 0 (every tree
 * extends the empty one: there is nothing to prove, and no proof
 * verifies) or when a leaf cannot be read.
 */
int fx_merkle_consistency_proof(fx_merkle_leaf_fn leaf,
    fx_merkle_node_fn node, void *ctx,
    uint64_t size1, uint64_t size2, uint8_t *proof, size_t *nproof,
    char *err, size_t errlen);

/*
 * Verifies that leaf hash `leaf` is entry index of the tree of size
 * leaves whose root is root, by the proof of nproof hashes (RFC 9162
 * section 2.1.3.2).  Returns 0 when it is, else -1 with the reason in err:
 * index not below size, a proof of the wrong length for (index, size), or
 * a root that differs from the one the proof leads to.  All borrowed.
 */
int fx_merkle_verify_inclusion(const uint8_t leaf[32], uint64_t index,
    uint64_t size, const uint8_t *proof, size_t nproof,
    const uint8_t root[32], char *err, size_t errlen);

/*
 * Verifies that the tree of size2 leaves with root root2 extends the tree
 * of size1 leaves with root root1, by the proof of nproof hashes (RFC 9162
 * section 2.1.4.2).  Equal sizes verify with an empty proof and equal
 * roots.  Returns 0 when it does, else -1 with the reason in err: size1 >
 * size2; size1 == 0, even with size2 == 0 (as the transparency-dev/merkle
 * vectors want: the caller accepts any tree after an empty one, and
 * checks an empty tree's root itself); a proof of the wrong length; or
 * roots the proof does not lead to.  All borrowed.
 */
int fx_merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const uint8_t *proof, size_t nproof, const uint8_t root1[32],
    const uint8_t root2[32], char *err, size_t errlen);

/* The number of hashes in PATH(index, D[size]), index < size. */
size_t fx_merkle_inclusion_len(uint64_t index, uint64_t size);
/* The number of hashes in PROOF(size1, D[size2]), 0 < size1 <= size2. */
size_t fx_merkle_consistency_len(uint64_t size1, uint64_t size2);

/* The 64 lowercase hex digits of h into out, NUL-terminated. */
void fx_merkle_hex(const uint8_t h[32], char out[65]);

/*
 * Reads exactly 64 hex digits (either case) s[0..len) into out.  Returns
 * 0, or -1 (out unspecified) on any other text.
 */
int fx_merkle_unhex(const char *s, size_t len, uint8_t out[32]);

#endif
