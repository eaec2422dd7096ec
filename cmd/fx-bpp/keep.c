/*
 * keep.c - tables of ids held until a time (see keep.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "heap.h"
#include "keep.h"

#define MIN_BUCKETS 64

/* An entry: this header, its state (at STATE_OFF), then its id and a
 * NUL, in one allocation. */
struct entry {
	struct entry *next;	/* in its bucket */
	fx_time until;
	size_t pos;		/* in the heap */
	uint32_t hash;
	uint32_t len;
};

#define STATE_OFF ((sizeof(struct entry) + 15) & ~(size_t)15)

struct keep {
	size_t state_size;
	struct entry **buckets;
	size_t nbuckets, count;
	fx_heap heap;		/* by until, earliest first */
	unsigned long long forgotten;
};

static int
earlier(const void *a, const void *b)
{
	return ((const struct entry *)a)->until <
	    ((const struct entry *)b)->until;
}

static uint32_t
fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void *
state_of(struct entry *e)
{
	return (char *)e + STATE_OFF;
}

static struct entry *
entry_of(void *state)
{
	return (struct entry *)(void *)((char *)state - STATE_OFF);
}

static const char *
id_of(const keep *k, const struct entry *e)
{
	return (const char *)e + STATE_OFF + k->state_size;
}

keep *
keep_new(size_t state_size)
{
	keep *k = fx_xcalloc(1, sizeof *k);
	fx_heap h = FX_HEAP_INIT(earlier, struct entry, pos);

	k->heap = h;
	k->state_size = (state_size + 15) & ~(size_t)15;
	k->nbuckets = MIN_BUCKETS;
	k->buckets = fx_xcalloc(k->nbuckets, sizeof *k->buckets);
	return k;
}

void
keep_free(keep *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->count; i++)
		free(k->heap.v[i]);
	fx_heap_free(&k->heap);
	free(k->buckets);
	free(k);
}

/* ---- the hash table ---- */

static void
rehash(keep *k, size_t nbuckets)
{
	struct entry **b = fx_xcalloc(nbuckets, sizeof *b);
	size_t i;

	for (i = 0; i < k->count; i++) {
		struct entry *e = k->heap.v[i];
		size_t j = e->hash & (nbuckets - 1);

		e->next = b[j];
		b[j] = e;
	}
	free(k->buckets);
	k->buckets = b;
	k->nbuckets = nbuckets;
}

void *
keep_find(const keep *k, const char *id, size_t len)
{
	uint32_t h = fnv1a(id, len);
	struct entry *e;

	for (e = k->buckets[h & (k->nbuckets - 1)]; e != NULL; e = e->next)
		if (e->hash == h && e->len == len &&
		    memcmp(id_of(k, e), id, len) == 0)
			return state_of(e);
	return NULL;
}

void *
keep_get(keep *k, const char *id, size_t len, fx_time until, int *created)
{
	void *s = keep_find(k, id, len);
	struct entry *e;
	size_t j;

	if (created != NULL)
		*created = s == NULL;
	if (s != NULL)
		return s;
	if (len > UINT32_MAX)
		fx_die(FX_EXIT_FAIL, "keep: an id of %zu bytes", len);
	e = fx_xcalloc(1, STATE_OFF + k->state_size + len + 1);
	e->hash = fnv1a(id, len);
	e->len = (uint32_t)len;
	e->until = until;
	memcpy((char *)e + STATE_OFF + k->state_size, id, len);
	fx_heap_push(&k->heap, e);
	k->count++;
	if (k->count > k->nbuckets)
		rehash(k, 2 * k->nbuckets);	/* takes e in too */
	else {
		j = e->hash & (k->nbuckets - 1);
		e->next = k->buckets[j];
		k->buckets[j] = e;
	}
	return state_of(e);
}

void
keep_until(keep *k, void *state, fx_time until)
{
	struct entry *e = entry_of(state);

	e->until = until;
	fx_heap_fix(&k->heap, e);
}

static void
remove_entry(keep *k, struct entry *e)
{
	struct entry **p = &k->buckets[e->hash & (k->nbuckets - 1)];

	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	fx_heap_remove(&k->heap, e);
	k->count--;
	free(e);
	if (k->nbuckets > MIN_BUCKETS && k->count < k->nbuckets / 4)
		rehash(k, k->nbuckets / 2);
}

void
keep_drop(keep *k, void *state)
{
	remove_entry(k, entry_of(state));
}

size_t
keep_prune(keep *k, fx_time now, size_t max)
{
	struct entry *e;
	size_t n = 0;

	while (n < max && (e = fx_heap_top(&k->heap)) != NULL &&
	    e->until < now) {
		remove_entry(k, e);
		n++;
	}
	k->forgotten += n;
	return n;
}

size_t
keep_count(const keep *k)
{
	return k->count;
}

unsigned long long
keep_forgotten(const keep *k)
{
	return k->forgotten;
}
