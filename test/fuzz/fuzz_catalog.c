/*
 * fuzz_catalog.c - libFuzzer harness for the DER catalog (make fuzz).
 *
 * The input is parsed as JSON and, when it is a value, given to
 * fx_catalog_add twice (newest wins, so the second add replaces what the
 * first stored).  Checked: no crash or leak; accepted + rejected entries
 * add up to the entries offered; every stored entry keeps the ranges
 * fx_der_parse promises (capacity > 0, price >= 0, 0 < reliability <= 1,
 * min_kw <= capacity, min_duration <= duration, a feeder, available_from
 * before available_to) and its entry text parses back to an object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "catalog.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s " \
    "(line %d)\n", #c, __LINE__); abort(); } } while (0)

static void
check_entry(const fx_der *d)
{
	char err[128];
	jv e;

	CHECK(d->der_id != NULL && d->der_id[0] != '\0');
	CHECK(d->aggregator_id != NULL && d->aggregator_id[0] != '\0');
	CHECK(d->type >= 0 && d->type < FX_DER_NTYPES);
	CHECK(d->nfeeders > 0);
	CHECK(d->capacity_kw > 0 && d->price_per_kwh >= 0);
	CHECK(d->duration_min > 0 && d->response_time_s >= 0);
	CHECK(d->reliability > 0 && d->reliability <= 1);
	CHECK(d->min_kw >= 0 && d->min_kw <= d->capacity_kw);
	CHECK(d->min_duration_min <= d->duration_min);
	CHECK(d->available_from < d->available_to);
	e = fx_json_parse(d->entry, strlen(d->entry), err, sizeof err);
	CHECK(jv_get_kind(e) == JV_KIND_OBJECT);
	jv_free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	fx_catalog *c;
	jv v;
	int round, acc, rej, offered, saved, null;
	size_t i;

	if (size > 65536)
		return 0;
	v = fx_json_parse((const char *)data, size, err, sizeof err);
	if (!jv_is_valid(v)) {
		jv_free(v);
		return 0;
	}
	/* rejected entries are reported on stderr: not while fuzzing */
	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	close(null);
	c = fx_catalog_new();
	for (round = 0; round < 2; round++) {
		acc = rej = -1;
		if (fx_catalog_add(c, v, round, "fuzz", 1, &acc, &rej, err,
		    sizeof err) != 0) {
			CHECK(err[0] != '\0');
			break;
		}
		offered = 1;
		if (jv_get_kind(v) == JV_KIND_ARRAY)
			offered = jv_array_length(jv_copy(v));
		else if (jv_get_kind(v) == JV_KIND_OBJECT) {
			jv ders = jv_object_get(jv_copy(v), jv_string("ders"));

			if (jv_get_kind(ders) == JV_KIND_ARRAY)
				offered = jv_array_length(jv_copy(ders));
			jv_free(ders);
		}
		CHECK(acc >= 0 && rej >= 0 && acc + rej == offered);
		for (i = 0; i < fx_catalog_count(c); i++)
			check_entry(fx_catalog_get(c, i));
		CHECK(fx_catalog_count(c) <= (size_t)(acc > 0 ? acc : 0) ||
		    round > 0);
	}
	fx_catalog_free(c);
	jv_free(v);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	return 0;
}
