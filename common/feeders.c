/* feeders.c - see feeders.h */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "feeders.h"

#define CHUNK 1024		/* entries per state chunk */
#define ID_CHUNK 65536		/* bytes per id chunk */

struct entry {
	char *id;
	size_t len;
	void *state;
};

/*
 * A slot holds the entry's hash (high 32 bits) and index + 1 (low 32
 * bits; 0: empty), so probing and growing compare hashes without
 * touching the entries - one cache miss less per step at a million
 * feeders.
 */
struct fx_feeders {
	size_t state_size;
	void (*free_state)(void *);
	struct entry *entries;	/* insertion order */
	size_t n, cap;
	uint64_t *slots;
	size_t nslots;		/* power of two */
	char **chunks;		/* state storage */
	size_t nchunks;
	char **idchunks;	/* id storage: ids packed, never moved */
	size_t nidchunks;
	char *idcur;		/* the chunk being filled */
	size_t idfree;		/* bytes left in it */
};

static uint32_t
fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

fx_feeders *
fx_feeders_new(size_t state_size, void (*free_state)(void *))
{
	fx_feeders *t = fx_xcalloc(1, sizeof *t);

	/* Round up so every state is aligned for any type. */
	t->state_size = state_size ? (state_size + 15) & ~(size_t)15 : 16;
	t->free_state = free_state;
	t->nslots = 64;
	t->slots = fx_xcalloc(t->nslots, sizeof *t->slots);
	return t;
}

void
fx_feeders_free(fx_feeders *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->free_state)
		for (i = 0; i < t->n; i++)
			t->free_state(t->entries[i].state);
	for (i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	for (i = 0; i < t->nidchunks; i++)
		free(t->idchunks[i]);
	free(t->idchunks);
	free(t->chunks);
	free(t->entries);
	free(t->slots);
	free(t);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t
probe(const fx_feeders *t, const char *id, size_t len, uint32_t h)
{
	size_t mask = t->nslots - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		uint64_t s = t->slots[i];
		const struct entry *e;

		if (s == 0)
			return i;
		if ((uint32_t)(s >> 32) != h)
			continue;
		e = &t->entries[(uint32_t)s - 1];
		if (e->len == len && memcmp(e->id, id, len) == 0)
			return i;
	}
}

void *
fx_feeders_find(fx_feeders *t, const char *id, size_t len)
{
	uint64_t s = t->slots[probe(t, id, len, fnv1a(id, len))];

	return s ? t->entries[(uint32_t)s - 1].state : NULL;
}

static void
grow(fx_feeders *t)
{
	uint64_t *old = t->slots;
	size_t i, oldn = t->nslots, mask;

	t->nslots *= 2;
	mask = t->nslots - 1;
	t->slots = fx_xcalloc(t->nslots, sizeof *t->slots);
	for (i = 0; i < oldn; i++) {
		size_t j;

		if (old[i] == 0)
			continue;
		/* Ids are unique: the first empty slot is the place. */
		for (j = (uint32_t)(old[i] >> 32) & mask; t->slots[j];
		    j = (j + 1) & mask)
			;
		t->slots[j] = old[i];
	}
	free(old);
}

/* A new block of size bytes, freed with the table. */
static char *
id_block(fx_feeders *t, size_t size)
{
	t->idchunks = fx_xrealloc(t->idchunks,
	    (t->nidchunks + 1) * sizeof *t->idchunks);
	return t->idchunks[t->nidchunks++] = fx_xmalloc(size);
}

/* A copy of id (len bytes and a NUL), packed with the others. */
static char *
store_id(fx_feeders *t, const char *id, size_t len)
{
	char *p;

	if (len + 1 > ID_CHUNK / 4)	/* a long one gets its own block */
		p = id_block(t, len + 1);
	else {
		if (len + 1 > t->idfree) {
			t->idcur = id_block(t, ID_CHUNK);
			t->idfree = ID_CHUNK;
		}
		p = t->idcur + (ID_CHUNK - t->idfree);
		t->idfree -= len + 1;
	}
	memcpy(p, id, len);
	p[len] = '\0';
	return p;
}

void *
fx_feeders_get(fx_feeders *t, const char *id, size_t len, int *created)
{
	uint32_t h = fnv1a(id, len);
	size_t slot = probe(t, id, len, h);
	struct entry *e;

	if (created)
		*created = 0;
	if (t->slots[slot])
		return t->entries[(uint32_t)t->slots[slot] - 1].state;
	if (t->n == UINT32_MAX - 1)
		fx_die(FX_EXIT_FAIL, "too many feeders");
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->entries = fx_xrealloc(t->entries, t->cap * sizeof *t->entries);
	}
	if (t->n % CHUNK == 0) {
		t->chunks = fx_xrealloc(t->chunks,
		    (t->nchunks + 1) * sizeof *t->chunks);
		t->chunks[t->nchunks++] = fx_xcalloc(CHUNK, t->state_size);
	}
	e = &t->entries[t->n];
	e->id = store_id(t, id, len);
	e->len = len;
	e->state = t->chunks[t->n / CHUNK] + (t->n % CHUNK) * t->state_size;
	t->n++;
	t->slots[slot] = (uint64_t)h << 32 | (uint32_t)t->n;
	if (t->n * 10 > t->nslots * 7)
		grow(t);
	if (created)
		*created = 1;
	return e->state;
}

size_t
fx_feeders_count(const fx_feeders *t)
{
	return t->n;
}

const char *
fx_feeders_id(const fx_feeders *t, size_t i)
{
	return t->entries[i].id;
}

void *
fx_feeders_state(const fx_feeders *t, size_t i)
{
	return t->entries[i].state;
}
