/*
 * test_heap.c - common/heap against a plain reference: a set of elements
 * whose least is found by a linear scan.  Random pushes, removals, key
 * changes and pops (seeded, reproducible) through growth and shrinking;
 * after each step the heap must hold the same elements, its top must be
 * a least one, every element's index must point at itself, and the heap
 * property must hold.  Ties are broken as the caller's order says (here
 * by id), so the top is the reference's exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "heap.h"
#include "tap.h"

#define N 2000

struct el {
	int key, id;
	size_t pos;
	int in;
};

static struct el els[N];

static int
before(const void *pa, const void *pb)
{
	const struct el *a = pa, *b = pb;

	return a->key < b->key || (a->key == b->key && a->id < b->id);
}

static uint32_t seed = 12345;

static uint32_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* The reference's least element, or NULL. */
static struct el *
ref_min(void)
{
	struct el *m = NULL;
	int i;

	for (i = 0; i < N; i++)
		if (els[i].in && (m == NULL || before(&els[i], m)))
			m = &els[i];
	return m;
}

static int
consistent(const fx_heap *h, size_t count)
{
	size_t i;

	if (h->n != count)
		return 0;
	for (i = 0; i < h->n; i++) {
		struct el *e = h->v[i];

		if (!e->in || e->pos != i)
			return 0;
		if (i > 0 && before(e, h->v[(i - 1) / 2]))
			return 0;
	}
	return 1;
}

int
main(void)
{
	fx_heap h = FX_HEAP_INIT(before, struct el, pos);
	size_t count = 0, maxcap = 0;
	int step, bad = 0, i;

	ok(fx_heap_top(&h) == NULL, "an empty heap has no top");
	for (i = 0; i < N; i++)
		els[i].id = i;
	for (step = 0; step < 200000 && !bad; step++) {
		/* grow for the first half, shrink in the second */
		uint32_t grow = step < 100000 ? 60 : 25;
		struct el *e = &els[rnd() % N];
		uint32_t op = rnd() % 100;

		if (op < grow) {
			if (!e->in) {
				e->key = (int)(rnd() % 500);
				e->in = 1;
				fx_heap_push(&h, e);
				count++;
			}
		} else if (op < 80) {
			if (e->in) {
				fx_heap_remove(&h, e);
				e->in = 0;
				count--;
			}
		} else if (op < 90) {
			if (e->in) {
				e->key = (int)(rnd() % 500);
				fx_heap_fix(&h, e);
			}
		} else if ((e = fx_heap_top(&h)) != NULL) {
			fx_heap_remove(&h, e);
			e->in = 0;
			count--;
		}
		if (h.cap > maxcap)
			maxcap = h.cap;
		if (!consistent(&h, count) || fx_heap_top(&h) != ref_min())
			bad = step + 1;
	}
	if (!ok(!bad, "200,000 random operations agree with the reference"))
		printf("# first wrong after step %d\n", bad);
	ok(maxcap >= 1024 && h.cap < maxcap, "it grew (to %zu) and gave memory "
	    "back (%zu for %zu)", maxcap, h.cap, h.n);
	/* pops come out in order */
	{
		struct el *e, *prev = NULL;
		int sorted = 1;

		while ((e = fx_heap_top(&h)) != NULL) {
			if (prev != NULL && before(e, prev))
				sorted = 0;
			fx_heap_remove(&h, e);
			e->in = 0;
			prev = e;
		}
		ok(sorted && h.n == 0, "emptied by pops, in order");
	}
	fx_heap_free(&h);
	ok(h.v == NULL && h.n == 0 && h.cap == 0, "freed");
	return done();
}
