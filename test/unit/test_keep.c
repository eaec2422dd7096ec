/*
 * test_keep.c - fx-bpp's id table (cmd/fx-bpp/keep.c) against a plain
 * reference: an array of (id, until, value) scanned linearly.  Random
 * gets, finds, drops, time changes and prunes (seeded, reproducible),
 * through growth and shrinking; after each step the two must agree on
 * every id's presence and value, the count, and what a prune forgets
 * (the earliest first, at most max, only those whose time is past).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/fx-bpp/keep.h"
#include "tap.h"

#define IDS 1000

struct ref {
	int present;
	fx_time until;
	int value;
};

static struct ref ref[IDS];

static void
id_of(int i, char *buf, size_t n)
{
	snprintf(buf, n, "msg-%04d-%x", i, i * 2654435761u);
}

/* The reference's count. */
static size_t
ref_count(void)
{
	size_t n = 0;
	int i;

	for (i = 0; i < IDS; i++)
		n += ref[i].present;
	return n;
}

int
main(void)
{
	keep *k = keep_new(sizeof(int));
	unsigned long long forgot = 0;
	unsigned int seed = 12345;
	int step, bad = 0, i;
	char id[32];

	for (step = 0; step < 60000 && !bad; step++) {
		int op = rand_r(&seed) % 100, x = rand_r(&seed) % IDS;
		fx_time t = rand_r(&seed) % 100000;

		id_of(x, id, sizeof id);
		if (op < 45) {			/* get */
			int created = -1;
			int *v = keep_get(k, id, strlen(id), t, &created);

			if (created != !ref[x].present || v == NULL ||
			    (!created && *v != ref[x].value) ||
			    (created && *v != 0)) {
				ok(0, "step %d: get %s", step, id);
				bad = 1;
				break;
			}
			if (created) {
				ref[x].present = 1;
				ref[x].until = t;
			}
			*v = ref[x].value = step + 1;
		} else if (op < 70) {		/* find */
			int *v = keep_find(k, id, strlen(id));

			if ((v != NULL) != ref[x].present ||
			    (v != NULL && *v != ref[x].value)) {
				ok(0, "step %d: find %s", step, id);
				bad = 1;
			}
		} else if (op < 80) {		/* drop */
			int *v = keep_find(k, id, strlen(id));

			if (v != NULL)
				keep_drop(k, v);
			ref[x].present = 0;
		} else if (op < 90) {		/* a new time */
			int *v = keep_find(k, id, strlen(id));

			if (v != NULL) {
				keep_until(k, v, t);
				ref[x].until = t;
			}
		} else {			/* prune */
			size_t max = (size_t)(rand_r(&seed) % 50), n, want = 0;
			fx_time now = rand_r(&seed) % 100000, cut = INT64_MIN;

			/* the reference: the max earliest whose time is past */
			for (;;) {
				fx_time best = INT64_MAX;
				int bi = -1;

				if (want == max)
					break;
				for (i = 0; i < IDS; i++)
					if (ref[i].present && ref[i].until < now &&
					    ref[i].until < best) {
						best = ref[i].until;
						bi = i;
					}
				if (bi < 0)
					break;
				ref[bi].present = 0;
				cut = best;
				want++;
			}
			n = keep_prune(k, now, max);
			forgot += n;
			/* ties at the cut may go either way: put back in the
			 * reference what the table kept */
			for (i = 0; i < IDS; i++) {
				int *v;

				id_of(i, id, sizeof id);
				v = keep_find(k, id, strlen(id));
				if (!ref[i].present && v != NULL &&
				    ref[i].until == cut) {
					ref[i].present = 1;
					want--;
				} else if (ref[i].present && v == NULL &&
				    ref[i].until == cut) {
					ref[i].present = 0;
					want++;
				}
			}
			if (n != want) {
				ok(0, "step %d: prune forgot %zu, want %zu", step,
				    n, want);
				bad = 1;
			}
		}
		if (keep_count(k) != ref_count()) {
			ok(0, "step %d: count %zu, want %zu", step, keep_count(k),
			    ref_count());
			bad = 1;
		}
	}
	ok(!bad, "60,000 random operations agree with the reference");
	ok(keep_forgotten(k) == forgot, "forgotten: %llu", forgot);
	for (i = 0, bad = 0; i < IDS; i++) {
		int *v;

		id_of(i, id, sizeof id);
		v = keep_find(k, id, strlen(id));
		if ((v != NULL) != ref[i].present || (v && *v != ref[i].value))
			bad++;
	}
	ok(bad == 0, "at the end every id as the reference has it");
	/* everything forgotten: the table empties and shrinks, and works */
	keep_prune(k, INT64_MAX, SIZE_MAX);
	ok(keep_count(k) == 0, "all pruned");
	ok(keep_get(k, "x", 1, 5, NULL) != NULL && keep_count(k) == 1 &&
	    keep_prune(k, 5, 10) == 0 && keep_prune(k, 6, 10) == 1,
	    "an entry is kept until its time is past, not at it");
	keep_free(k);
	return done();
}
