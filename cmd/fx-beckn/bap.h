/*
 * bap.h - fx-beckn's buyer: plan records in, Beckn orders out.
 *
 * For each plan to dispatch (status dispatch or approved) it discovers
 * offers from every BPP of the registry, writes them as a catalog record
 * per aggregator, and orders each activation from the DER the plan chose
 * (or, when that one is not offered or fails, the cheapest other DER that
 * serves the feeder and can run the activation): select, init, confirm,
 * then status and the COMPLETE (update) when its window has ended.  One
 * event loop carries every plan at once.
 */
#ifndef FX_BAP_H
#define FX_BAP_H

#include <stdio.h>

#include "bmsg.h"
#include "bschema.h"
#include "bsign.h"
#include "buf.h"
#include "http.h"
#include "ndjson.h"
#include "registry.h"

typedef struct bap_config {
	const char *id, *key_id;	/* the BAP's subscriber and key id */
	fx_bsign_key *key;
	fx_registry *registry;
	fx_bschemas *schemas;
	char uri[FX_BMSG_URI];		/* where callbacks come */
	int profile_default;
	int64_t discovery_ms;		/* wait for on_search at most */
	int64_t step_ms;		/* wait for each other callback */
	int max_attempts;		/* DERs tried per activation */
	double price_tolerance;		/* accept a quote up to this share
					 * over the offer */
	int payloads;
	int reoptimise;			/* run the optimiser again on the
					 * offers discovery brings back */
	int solve_ms;			/* its time limit; 0: the greedy */
	int64_t catalog_max_age_ms;	/* reuse a feeder's complete discovery
					 * this long (0: never) */
	int64_t status_ms;		/* an active order's status asked this
					 * often in its window (0: at its end) */
} bap_config;

typedef struct bap bap;

bap *bap_new(const bap_config *cfg, fx_loop *loop, fx_writer *out);
void bap_free(bap *b);

/* A plan record (borrowed): starts its flow when it is one to dispatch.
 * Returns 1 if it started one. */
int bap_plan(bap *b, const char *rec, size_t len);

/* A request to the callback server. */
void bap_callback(bap *b, fx_http_req *req);

/* Flows not yet finished. */
int bap_busy(const bap *b);

typedef struct bap_stats {
	unsigned long long plans, activations, ordered, completed, failed,
	    alerts, callbacks, rejected_callbacks;
	unsigned long long reoptimised;
	unsigned long long catalogs_reused;	/* plans that used a recent
						 * discovery */	/* plans allocated again on live offers */
	double sla_ms_max;
} bap_stats;
const bap_stats *bap_get_stats(const bap *b);

#endif
