/*
 * feeders.h - the per-feeder table: feeder_id -> a program's state.
 *
 * An open-addressing hash table (FNV-1a, linear probing, kept under 70%
 * full) over entries stored in insertion order, so iteration is
 * deterministic: feeders come out in the order they were first seen.
 * Each entry's state is a zeroed block of the size given at creation;
 * pointers to it stay valid for the table's life (states are allocated
 * in chunks and never move).  Lookups cost O(1) expected at any size;
 * 100,000 feeders is ordinary.
 */
#ifndef FX_FEEDERS_H
#define FX_FEEDERS_H

#include <stddef.h>

typedef struct fx_feeders fx_feeders;

/*
 * A table whose states are state_size bytes.  free_state, if not NULL,
 * is called on each state by fx_feeders_free() to release what the
 * program hung off it (not the block itself).
 */
fx_feeders *fx_feeders_new(size_t state_size, void (*free_state)(void *));
void fx_feeders_free(fx_feeders *t);

/* The state for id (len bytes), or NULL if absent.  Borrowed. */
void *fx_feeders_find(fx_feeders *t, const char *id, size_t len);

/* The state for id, created zeroed if absent (then *created = 1 when
 * created is not NULL).  Borrowed; valid until fx_feeders_free(). */
void *fx_feeders_get(fx_feeders *t, const char *id, size_t len,
    int *created);

size_t fx_feeders_count(const fx_feeders *t);

/* The i-th feeder in insertion order (0 <= i < count): its id
 * (NUL-terminated, borrowed) and state. */
const char *fx_feeders_id(const fx_feeders *t, size_t i);
void *fx_feeders_state(const fx_feeders *t, size_t i);

#endif
