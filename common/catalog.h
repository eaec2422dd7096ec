/*
 * catalog.h - the DER catalog (SRS section 7): what flexibility can be
 * bought, from whom, where, at what price and under which constraints.
 *
 * An entry is a JSON object:
 *   der_id           non-empty string, the DER's universal identity
 *   aggregator_id    non-empty string
 *   type             "battery", "EV", "HVAC" or "other" (any case)
 *   location         { "feeder_id": "F001" } or { "feeders": [ ... ] }:
 *                    the feeders it can relieve (other members allowed)
 *   capacity_kw      > 0
 *   response_time_s  >= 0, activation latency
 *   duration_min     > 0, longest activation
 *   price_per_kwh    >= 0
 *   constraints      optional object: min_kw (0 <= .. <= capacity_kw),
 *                    min_duration_min (0 < .. <= duration_min),
 *                    max_activations_per_day (integer >= 0),
 *                    available_from / available_to (RFC 3339, from < to)
 *   reliability      optional, 0 < r <= 1: the share of booked energy it
 *                    has historically delivered (default 1)
 *   crypto_proof     optional object (public key or proof metadata)
 * Unknown members are kept (in the entry's text) and ignored.
 *
 * A catalog document is an array of entries, a single entry, or an object
 * with "ders": [entries] (a `catalog` record, or a catalog file); when
 * such an object has "complete": true and an "aggregator_id", it is that
 * aggregator's whole offer: its entries not in it are withdrawn.  Newest
 * wins: an entry replaces the one with the same der_id unless that one
 * was seen later (a catalog's `seen` time: a catalog record's
 * received_at; files are seen at time 0, so any record overrides them).
 */
#ifndef FX_CATALOG_H
#define FX_CATALOG_H

#include <stddef.h>
#include <jv.h>

#include "timeutil.h"

enum { FX_DER_BATTERY, FX_DER_EV, FX_DER_HVAC, FX_DER_OTHER, FX_DER_NTYPES };

typedef struct fx_der {
	char *der_id, *aggregator_id;	/* owned */
	int type;			/* FX_DER_* */
	char **feeders;			/* owned */
	int nfeeders;
	double capacity_kw, response_time_s, duration_min, price_per_kwh;
	double min_kw;			/* 0 when not constrained */
	double min_duration_min;	/* 0 when not constrained */
	int max_activations_per_day;	/* -1 when not constrained */
	fx_time available_from, available_to;	/* INT64_MIN / INT64_MAX */
	double reliability;
	char *entry;			/* the entry as compact JSON, owned */
	fx_time seen;			/* when the catalog gave it */
	int withdrawn;
} fx_der;

/* "battery", "EV", "HVAC", "other". */
const char *fx_der_type_name(int type);
/* FX_DER_* for a name (any case), or -1. */
int fx_der_type_parse(const char *name);

/*
 * Parses one entry (borrowed) into d (zeroed by the caller or cleared).
 * Returns 0, or -1 with "field: what is wrong" in err and d left empty.
 */
int fx_der_parse(jv entry, fx_der *d, char *err, size_t errlen);
void fx_der_clear(fx_der *d);

/* Does d relieve feeder_id? */
int fx_der_serves(const fx_der *d, const char *feeder_id);

typedef struct fx_catalog fx_catalog;

fx_catalog *fx_catalog_new(void);
void fx_catalog_free(fx_catalog *c);

/*
 * Adds a catalog document (borrowed; forms above) seen at `seen`.  Each
 * bad entry is reported on stderr as "name:line: ders[i]: reason" (no
 * line when line is 0) and skipped; the rest are used.  Sets *accepted
 * and *rejected (either may be NULL).  Returns 0, or -1 when doc is not
 * a catalog document at all (reason in err; nothing added).
 */
int fx_catalog_add(fx_catalog *c, jv doc, fx_time seen, const char *name,
    long line, int *accepted, int *rejected, char *err, size_t errlen);

/*
 * Loads a catalog file: one JSON document, or NDJSON (one document per
 * line).  Returns the number of entries rejected (reported as above), or
 * -1 when the file cannot be read or holds no catalog (reason in err).
 */
int fx_catalog_load(fx_catalog *c, const char *path, char *err,
    size_t errlen);

/* Entries ever added, in first-seen order, withdrawn ones included
 * (check ->withdrawn); pointers stay valid until the next add. */
size_t fx_catalog_count(const fx_catalog *c);
const fx_der *fx_catalog_get(const fx_catalog *c, size_t i);
/* The entry for der_id, or NULL (withdrawn ones included). */
const fx_der *fx_catalog_find(const fx_catalog *c, const char *der_id);

#endif
