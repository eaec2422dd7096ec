/*
 * heap.h - an indexed binary min-heap of pointers.
 *
 * Each element holds its own index in the heap (a size_t member named to
 * the heap by its offset), so that it can be removed, or put back in
 * order after its key changed, in O(log n) without a search.  Used for
 * the event loop's timers (common/http.c) and fx-bpp's expiring tables.
 */
#ifndef FX_HEAP_H
#define FX_HEAP_H

#include <stddef.h>

typedef struct fx_heap {
	void **v;		/* v[0] the least */
	size_t n, cap;
	int (*before)(const void *a, const void *b);	/* strict order */
	size_t pos_off;		/* offset of the element's size_t index */
} fx_heap;

/* An empty heap of elements of type T, ordered by BEFORE, whose index is
 * T's member MEMBER (a size_t). */
#define FX_HEAP_INIT(before, T, member) \
	{ NULL, 0, 0, (before), offsetof(T, member) }

void fx_heap_push(fx_heap *h, void *e);
/* Takes e, which must be in h, out. */
void fx_heap_remove(fx_heap *h, void *e);
/* Puts e, which must be in h, back in order after its key changed. */
void fx_heap_fix(fx_heap *h, void *e);
/* The least element, or NULL. */
void *fx_heap_top(const fx_heap *h);
/* Frees the array (not the elements) and empties h. */
void fx_heap_free(fx_heap *h);

#endif
