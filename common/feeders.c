/* feeders.c - see feeders.h */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "feeders.h"

#define CHUNK 1024	/* entries per state chunk */

struct entry {
	char *id;
	size_t len;
	uint32_t hash;
	void *state;
};

struct fx_feeders {
	size_t state_size;
	void (*free_state)(void *);
	struct entry *entries;	/* insertion order */
	size_t n, cap;
	uint32_t *slots;	/* 0 empty, else entry index + 1 */
	size_t nslots;		/* power of two */
	char **chunks;		/* state storage */
	size_t nchunks;
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
	for (i = 0; i < t->n; i++) {
		if (t->free_state)
			t->free_state(t->entries[i].state);
		free(t->entries[i].id);
	}
	for (i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->entries);
	free(t->slots);
	free(t);
}

static size_t
probe(const fx_feeders *t, const char *id, size_t len, uint32_t h)
{
	size_t mask = t->nslots - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = t->slots[i];
		const struct entry *e;

		if (s == 0)
			return i;
		e = &t->entries[s - 1];
		if (e->hash == h && e->len == len && memcmp(e->id, id, len) == 0)
			return i;
	}
}

void *
fx_feeders_find(fx_feeders *t, const char *id, size_t len)
{
	uint32_t s = t->slots[probe(t, id, len, fnv1a(id, len))];

	return s ? t->entries[s - 1].state : NULL;
}

static void
grow(fx_feeders *t)
{
	size_t i;

	free(t->slots);
	t->nslots *= 2;
	t->slots = fx_xcalloc(t->nslots, sizeof *t->slots);
	for (i = 0; i < t->n; i++) {
		struct entry *e = &t->entries[i];

		t->slots[probe(t, e->id, e->len, e->hash)] = (uint32_t)i + 1;
	}
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
		return t->entries[t->slots[slot] - 1].state;
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
	e->id = fx_xstrndup(id, len);
	e->len = len;
	e->hash = h;
	e->state = t->chunks[t->n / CHUNK] + (t->n % CHUNK) * t->state_size;
	t->slots[slot] = (uint32_t)++t->n;
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
