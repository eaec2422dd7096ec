/*
 * keep.c - tables of ids held until a time (see keep.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
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
	struct entry **heap;	/* by until, earliest first */
	size_t capheap;
	unsigned long long forgotten;
};

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
		free(k->heap[i]);
	free(k->heap);
	free(k->buckets);
	free(k);
}

/* ---- the heap ---- */

static void
heap_set(keep *k, size_t i, struct entry *e)
{
	k->heap[i] = e;
	e->pos = i;
}

static void
heap_up(keep *k, size_t i)
{
	struct entry *e = k->heap[i];

	while (i > 0 && k->heap[(i - 1) / 2]->until > e->until) {
		heap_set(k, i, k->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(k, i, e);
}

static void
heap_down(keep *k, size_t i)
{
	struct entry *e = k->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= k->count)
			break;
		if (c + 1 < k->count && k->heap[c + 1]->until <
		    k->heap[c]->until)
			c++;
		if (k->heap[c]->until >= e->until)
			break;
		heap_set(k, i, k->heap[c]);
		i = c;
	}
	heap_set(k, i, e);
}

/* ---- the hash table ---- */

static void
rehash(keep *k, size_t nbuckets)
{
	struct entry **b = fx_xcalloc(nbuckets, sizeof *b);
	size_t i;

	for (i = 0; i < k->count; i++) {
		struct entry *e = k->heap[i];
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
	if (k->count == k->capheap) {
		k->capheap = k->capheap ? 2 * k->capheap : MIN_BUCKETS;
		k->heap = fx_xrealloc(k->heap, k->capheap * sizeof *k->heap);
	}
	heap_set(k, k->count++, e);
	heap_up(k, e->pos);
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
	heap_up(k, e->pos);
	heap_down(k, e->pos);
}

static void
remove_entry(keep *k, struct entry *e)
{
	struct entry **p = &k->buckets[e->hash & (k->nbuckets - 1)];
	struct entry *last;

	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	last = k->heap[--k->count];
	if (last != e) {
		heap_set(k, e->pos, last);
		heap_up(k, last->pos);
		heap_down(k, last->pos);
	}
	free(e);
	if (k->nbuckets > MIN_BUCKETS && k->count < k->nbuckets / 4)
		rehash(k, k->nbuckets / 2);
	if (k->capheap > MIN_BUCKETS && k->count < k->capheap / 4) {
		k->capheap /= 2;
		k->heap = fx_xrealloc(k->heap, k->capheap * sizeof *k->heap);
	}
}

void
keep_drop(keep *k, void *state)
{
	remove_entry(k, entry_of(state));
}

size_t
keep_prune(keep *k, fx_time now, size_t max)
{
	size_t n = 0;

	while (n < max && k->count > 0 && k->heap[0]->until < now) {
		remove_entry(k, k->heap[0]);
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
