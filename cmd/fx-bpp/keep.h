/*
 * keep.h - fx-bpp's tables of ids held until a time: the message ids
 * seen (for replays) and the transactions.
 *
 * A hash table (FNV-1a, chained, grown and shrunk by halves) whose
 * entries can be removed, beside a min-heap of the entries by the time
 * after which they may be forgotten, so that forgetting costs O(log n)
 * an entry and never scans the table.  Each entry's state is a zeroed
 * block of the size given at creation; a pointer to it stays valid until
 * the entry is dropped or pruned.  (common/feeders has no removal, and
 * a table of everything ever seen grows without bound.)
 */
#ifndef FX_BPP_KEEP_H
#define FX_BPP_KEEP_H

#include <stddef.h>

#include "timeutil.h"

typedef struct keep keep;

/* A table whose states are state_size bytes. */
keep *keep_new(size_t state_size);
void keep_free(keep *k);

/* The state for id (len bytes), or NULL if absent.  Borrowed. */
void *keep_find(const keep *k, const char *id, size_t len);

/* The state for id, created zeroed if absent (then *created = 1 when
 * created is not NULL), to be forgotten once the time is past until;
 * an entry already there keeps its own time.  Borrowed. */
void *keep_get(keep *k, const char *id, size_t len, fx_time until,
    int *created);

/* Sets the time after which the entry of state (from keep_get or
 * keep_find) may be forgotten. */
void keep_until(keep *k, void *state, fx_time until);

/* Removes the entry of state now; state is then invalid.  Not counted
 * as forgotten. */
void keep_drop(keep *k, void *state);

/* Forgets the entries whose time is before now, earliest first, at most
 * max of them; returns how many. */
size_t keep_prune(keep *k, fx_time now, size_t max);

/* The entries held, and those keep_prune() has forgotten so far. */
size_t keep_count(const keep *k);
unsigned long long keep_forgotten(const keep *k);

#endif
