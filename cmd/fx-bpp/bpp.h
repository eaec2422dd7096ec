/*
 * bpp.h - fx-bpp's aggregator, apart from HTTP: one request in, the
 * synchronous answer out, and the callback due (main.c has it made
 * once the answer is out, then sends it through common/http after its
 * delay, signed).
 */
#ifndef FX_BPP_H
#define FX_BPP_H

#include <stdint.h>
#include <stdio.h>

#include "bmsg.h"
#include "bsign.h"
#include "buf.h"
#include "catalog.h"
#include "feeders.h"
#include "bschema.h"
#include "registry.h"
#include "timeutil.h"

#define PROG "fx-bpp"

typedef struct bpp_config {
	const char *subscriber_id, *key_id, *uri;
	const char *provider_id, *provider_name;
	const char *aggregator;		/* catalog entries served; NULL all */
	fx_bsign_key *key;		/* the BPP's Beckn signing key */
	uint8_t der_secret[32];		/* DER keys are derived from it */
	fx_catalog *catalog;
	fx_registry *registry;
	fx_bschemas schemas;		/* requests in, callbacks out */
	int64_t skew_s;			/* signature clock skew */
	int64_t latency_ms;		/* before each callback */
	int64_t forget_ms;		/* a transaction's grace (--forget) */
	double nack_rate, decline_rate, silent_rate;
	double partial;			/* delivered share; < 0: reliability */
	int own_obp;			/* give each order an OBP ID of its own */
	fx_time down_from, down_to;	/* answer 503 in [from, to) */
	uint64_t seed;
	int payloads;			/* log records carry the payload */
} bpp_config;

typedef struct bpp bpp;

/* A callback to send: POST body to url after delay_ms, signed. */
typedef struct bpp_callback {
	char *url;
	char *body;
	size_t len;
	int64_t delay_ms;
	int profile, action;
	char transaction_id[40], message_id[40];
} bpp_callback;

/* A callback due: what it is made of, taken when its request was
 * answered; bpp_callback_make() makes it. */
typedef struct bpp_job bpp_job;

/* The synchronous answer. */
typedef struct bpp_answer {
	int status;		/* HTTP status */
	fx_buf body;		/* JSON */
	char *www_authenticate;	/* for a 401, else NULL */
	bpp_job *job;		/* the callback due, at most one */
} bpp_answer;

/* Takes the config (owned by the caller, outliving the bpp). */
bpp *bpp_new(const bpp_config *cfg);
void bpp_free(bpp *b);

/*
 * Handles POST path with its Authorization header value (NULL when
 * absent) and body at wall time now: fills a (the caller frees with
 * bpp_answer_free), and writes one `beckn` log record per message in and
 * out to log (NULL: none).
 */
void bpp_request(bpp *b, const char *path, const char *authorization,
    const char *body, size_t len, fx_time now, bpp_answer *a, FILE *log);
void bpp_answer_free(bpp_answer *a);

/*
 * Makes the callback of job (consumed): its message built, checked
 * against its schema and dumped.  Returns it (the caller frees it with
 * bpp_callback_free) or, when the message fails its schema (a bug here,
 * reported on stderr and counted as not delivered), NULL.
 */
bpp_callback *bpp_callback_make(bpp *b, bpp_job *job);
void bpp_callback_free(bpp_callback *cb);
void bpp_job_free(bpp_job *job);

/*
 * Forgets, at most max of each, the message ids that could no longer be
 * accepted at wall time now (their signature expired or their ttl past,
 * skew included) and the transactions past their grace (--forget).
 * Returns how many were forgotten.  bpp_request() does some each time.
 */
size_t bpp_prune(bpp *b, fx_time now, size_t max);

/* Logs a callback's delivery (direction out): its HTTP status (0: not
 * delivered) and the BAP's ACK or NACK. */
void bpp_log_callback(bpp *b, const bpp_callback *cb, int status,
    const char *body, size_t len, const char *error, FILE *log);

/* Counters for the summary line; ids and txns are the message ids and
 * transactions held now, and the _forgotten ones those pruned. */
typedef struct bpp_stats {
	unsigned long long requests, acks, nacks, unauthorized, invalid,
	    callbacks, callbacks_failed, orders, declined;
	unsigned long long ids, ids_forgotten, txns, txns_forgotten;
} bpp_stats;
const bpp_stats *bpp_get_stats(bpp *b);

/* The DER's public key (base64) that its participation signatures
 * verify with: a new string. */
char *bpp_der_public_key(bpp *b, const char *der_id);

#endif
