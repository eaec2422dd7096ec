/*
 * bpp.h - fx-bpp's aggregator, apart from HTTP: one request in, the
 * synchronous answer out, and the callbacks to send (main.c sends them
 * through common/http after their delay, signed).
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
	double nack_rate, decline_rate, silent_rate;
	double partial;			/* delivered share; < 0: reliability */
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

/* The synchronous answer. */
typedef struct bpp_answer {
	int status;		/* HTTP status */
	fx_buf body;		/* JSON */
	char *www_authenticate;	/* for a 401, else NULL */
	bpp_callback *cb;	/* at most one */
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

/* Logs a callback's delivery (direction out): its HTTP status (0: not
 * delivered) and the BAP's ACK or NACK. */
void bpp_log_callback(bpp *b, const bpp_callback *cb, int status,
    const char *body, size_t len, const char *error, FILE *log);

/* Counters for the summary line. */
typedef struct bpp_stats {
	unsigned long long requests, acks, nacks, unauthorized, invalid,
	    callbacks, callbacks_failed, orders, declined;
} bpp_stats;
const bpp_stats *bpp_get_stats(const bpp *b);

/* The DER's public key (base64) that its participation signatures
 * verify with: a new string. */
char *bpp_der_public_key(bpp *b, const char *der_id);

#endif
