/*
 * test_feeders.c - the feeder_id -> state table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeders.h"
#include "tap.h"

struct state {
	long n;
	double sum;
	char *note;		/* something hung off the state */
	char pad[5];		/* an odd size: 8 + 8 + 8 + 5 */
};

static long freed;

static void
free_state(void *p)
{
	struct state *s = p;

	free(s->note);
	s->note = NULL;
	freed++;
}

static void
test_small(void)
{
	fx_feeders *t = fx_feeders_new(sizeof(struct state), free_state);
	struct state *a, *b;
	int created = -1;

	ok(fx_feeders_count(t) == 0, "a new table is empty");
	ok(fx_feeders_find(t, "F1", 2) == NULL, "find in an empty table is NULL");
	a = fx_feeders_get(t, "F1", 2, &created);
	ok(a != NULL && created == 1, "get creates F1");
	ok(a->n == 0 && a->sum == 0 && a->note == NULL, "its state is zeroed");
	a->n = 7;
	a->note = strdup("x");
	b = fx_feeders_get(t, "F1", 2, &created);
	ok(b == a && created == 0, "get again returns the same state, not created");
	ok(fx_feeders_find(t, "F1", 2) == a, "find returns it");
	ok(fx_feeders_find(t, "F1x", 2) == a, "only len bytes of id count");
	ok(fx_feeders_find(t, "F", 1) == NULL, "a prefix is another id");
	ok(fx_feeders_find(t, "F10", 3) == NULL, "a longer id is another id");
	ok(fx_feeders_get(t, "F10", 3, NULL) != a, "F10 is separate (created NULL)");
	ok(fx_feeders_get(t, "", 0, &created) != NULL && created == 1,
	    "the empty id is an id");
	ok(fx_feeders_get(t, "a\0b", 3, &created) != NULL && created == 1 &&
	    fx_feeders_find(t, "a\0c", 3) == NULL &&
	    fx_feeders_find(t, "a", 1) == NULL, "ids may hold NUL bytes");
	ok(fx_feeders_count(t) == 4, "count 4");
	is_str(fx_feeders_id(t, 0), "F1", "id 0 is F1");
	is_str(fx_feeders_id(t, 1), "F10", "id 1 is F10");
	is_str(fx_feeders_id(t, 2), "", "id 2 is \"\"");
	ok(memcmp(fx_feeders_id(t, 3), "a\0b", 4) == 0, "id 3 is a\\0b, terminated");
	ok(fx_feeders_state(t, 0) == a && ((struct state *)fx_feeders_state(t, 0))->n
	    == 7, "state 0 is F1's");
	freed = 0;
	fx_feeders_free(t);
	ok(freed == 4, "free_state called once per entry (%ld)", freed);
	fx_feeders_free(NULL);

	{
		static char longid[100000];
		int good = 1;

		t = fx_feeders_new(8, NULL);
		memset(longid, 'L', sizeof longid);
		for (size_t i = 0; i < 20; i++) {
			longid[0] = (char)('a' + i);	/* distinct long ids */
			a = fx_feeders_get(t, longid, sizeof longid - i * 1000,
			    NULL);
			good &= a != NULL;
			fx_feeders_get(t, "short", 5, NULL);
		}
		for (size_t i = 0; i < 20; i++) {
			size_t k = i ? i + 1 : 0;	/* "short" is 1 */

			longid[0] = (char)('a' + i);
			good &= fx_feeders_find(t, longid, sizeof longid - i * 1000) ==
			    fx_feeders_state(t, k) &&
			    memcmp(fx_feeders_id(t, k), longid,
			    sizeof longid - i * 1000) == 0 &&
			    fx_feeders_id(t, k)[sizeof longid - i * 1000] == '\0';
		}
		ok(good && fx_feeders_count(t) == 21,
		    "ids up to 100 kB are stored whole");
		fx_feeders_free(t);
	}

	t = fx_feeders_new(0, NULL);
	a = fx_feeders_get(t, "x", 1, NULL);
	b = fx_feeders_get(t, "y", 1, NULL);
	ok(a && b && a != b, "state_size 0 still gives distinct states");
	fx_feeders_free(t);
}

/* The id of feeder i: similar prefixes and lengths on purpose. */
static size_t
make_id(char *buf, size_t i)
{
	switch (i % 4) {
	case 0: return (size_t)sprintf(buf, "F%zu", i);
	case 1: return (size_t)sprintf(buf, "F%zu", i * 10);	/* F10, F50 ... */
	case 2: return (size_t)sprintf(buf, "feeder/%08zx", i);
	default: return (size_t)sprintf(buf, "SUB-%zu-F%zu", i % 97, i);
	}
}

static void
test_many(size_t n)
{
	fx_feeders *t = fx_feeders_new(sizeof(struct state), free_state);
	struct state **seen = malloc(n * sizeof *seen);
	char *ids = malloc(n * 32), id[64];
	size_t *lens = malloc(n * sizeof *lens);
	size_t i, len, made = 0, bad_new = 0, bad_find = 0, bad_order = 0;
	size_t bad_align = 0, bad_absent = 0;
	clock_t c0;
	double secs_insert, secs_find;

	/* make_id() never repeats: case 0 numbers are 0 mod 4, case 1's
	 * (10i, i = 1 mod 4) are 2 mod 4; the absent ids below, 1 mod 4. */
	for (i = 0; i < n; i++)
		lens[i] = make_id(ids + 32 * i, i);
	c0 = clock();
	for (i = 0; i < n; i++) {
		int created;
		struct state *s;

		s = fx_feeders_get(t, ids + 32 * i, lens[i], &created);
		made += created;
		if (!created || s->n != 0 || s->sum != 0 || s->note != NULL)
			bad_new++;
		if ((uintptr_t)s % 16 != 0)
			bad_align++;
		s->n = (long)i;
		s->sum = (double)i / 2;
		seen[i] = s;
	}
	secs_insert = (double)(clock() - c0) / CLOCKS_PER_SEC;
	c0 = clock();
	for (i = 0; i < n; i++) {
		struct state *s = fx_feeders_find(t, ids + 32 * i, lens[i]);

		if (s != seen[i] || s->n != (long)i || s->sum != (double)i / 2)
			bad_find++;
	}
	secs_find = (double)(clock() - c0) / CLOCKS_PER_SEC;
	for (i = 0; i < n; i += 1000)
		seen[i]->note = malloc(10);
	for (i = 0; i < fx_feeders_count(t); i++) {
		len = lens[i];
		if (strlen(fx_feeders_id(t, i)) != len ||
		    memcmp(fx_feeders_id(t, i), ids + 32 * i, len + 1) != 0 ||
		    fx_feeders_state(t, i) != seen[i])
			bad_order++;
	}
	for (i = 0; i < 10000; i++) {
		len = (size_t)sprintf(id, "G%zu", i);
		if (fx_feeders_find(t, id, len) != NULL)
			bad_absent++;
		len = (size_t)sprintf(id, "F%zu", n * 10 + i * 4 + 1);
		if (fx_feeders_find(t, id, len) != NULL)
			bad_absent++;
	}
	ok(made == n && fx_feeders_count(t) == n, "%zu ids inserted, all new", n);
	ok(bad_new == 0, "%zu: every state created zeroed (%zu bad)", n, bad_new);
	ok(bad_align == 0, "%zu: every state 16-byte aligned (%zu bad)", n,
	    bad_align);
	ok(bad_find == 0, "%zu: all found, at their first pointer, with the "
	    "values written (%zu bad)", n, bad_find);
	ok(bad_order == 0, "%zu: iteration in insertion order (%zu bad)", n,
	    bad_order);
	ok(bad_absent == 0, "%zu: 20000 absent ids are NULL (%zu bad)", n,
	    bad_absent);
	printf("# %zu feeders: %.3f s CPU to insert, %.3f s to find\n", n,
	    secs_insert, secs_find);
	/* a diagnostic only: the time is the benchmarks' to judge, not a
	 * test's (it failed once on a loaded machine) */
	freed = 0;
	fx_feeders_free(t);
	ok(freed == (long)n, "%zu: free_state called once per entry (%ld)", n,
	    freed);
	free(seen);
	free(ids);
	free(lens);
}

int
main(void)
{
	test_small();
	test_many(100000);
	test_many(1000000);
	return done();
}
