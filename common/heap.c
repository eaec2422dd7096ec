/*
 * heap.c - an indexed binary min-heap of pointers (see heap.h).
 */
#include <stdlib.h>

#include "err.h"
#include "heap.h"

#define MIN_CAP 16

static size_t *
pos_of(const fx_heap *h, void *e)
{
	return (size_t *)(void *)((char *)e + h->pos_off);
}

static void
put(fx_heap *h, size_t i, void *e)
{
	h->v[i] = e;
	*pos_of(h, e) = i;
}

static void
up(fx_heap *h, size_t i)
{
	void *e = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!h->before(e, h->v[parent]))
			break;
		put(h, i, h->v[parent]);
		i = parent;
	}
	put(h, i, e);
}

static void
down(fx_heap *h, size_t i)
{
	void *e = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->before(h->v[c + 1], h->v[c]))
			c++;
		if (!h->before(h->v[c], e))
			break;
		put(h, i, h->v[c]);
		i = c;
	}
	put(h, i, e);
}

void
fx_heap_push(fx_heap *h, void *e)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : MIN_CAP;
		h->v = fx_xrealloc(h->v, h->cap * sizeof *h->v);
	}
	put(h, h->n++, e);
	up(h, h->n - 1);
}

void
fx_heap_remove(fx_heap *h, void *e)
{
	size_t i = *pos_of(h, e);
	void *last = h->v[--h->n];

	if (i < h->n) {
		put(h, i, last);
		up(h, i);
		down(h, *pos_of(h, last));
	}
	/* give memory back when it has emptied */
	if (h->cap > MIN_CAP && h->n < h->cap / 4) {
		h->cap /= 2;
		h->v = fx_xrealloc(h->v, h->cap * sizeof *h->v);
	}
}

void
fx_heap_fix(fx_heap *h, void *e)
{
	up(h, *pos_of(h, e));
	down(h, *pos_of(h, e));
}

void *
fx_heap_top(const fx_heap *h)
{
	return h->n > 0 ? h->v[0] : NULL;
}

void
fx_heap_free(fx_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
