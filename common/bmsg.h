/*
 * bmsg.h - Beckn messages for demand flexibility, in the two wire profiles
 * FLUXEON speaks: v2.0.0 LTS (camelCase context, message.contract) and
 * v1.1.1 (snake_case context, message.intent / catalog / order).
 *
 * A BAP (fx-beckn) and a BPP (fx-bpp) exchange, for each activation of one
 * DER (one transaction, one contract or order):
 *
 *   search/discover -> on_search/on_discover    offers (fx_boffer)
 *   select, init, confirm -> on_select, ...     the order (fx_border)
 *   status -> on_status                         progress, delivered kWh
 *   update -> on_update                         COMPLETE: closed with the
 *                                               delivered volume
 *   cancel -> on_cancel
 *
 * Beckn has no COMPLETE action: the SRS's COMPLETE / ON_COMPLETE is an
 * update whose contract (v2) has status COMPLETE, or whose order (v1.1)
 * has status COMPLETE and a fulfillment in state COMPLETED, carrying the
 * delivered kWh.  The demand-flexibility terms travel as the DEG examples
 * carry them: load capacity in kW, availability window, maximum duration,
 * response time, incentive per kWh, reliability, baseline and delivered
 * energy, plus the DER's identity and public key (R38) and its signed
 * participation (R51).  schemas/beckn/README.md maps every field.
 *
 * Builders return a new jv object (the whole message: context and
 * message); readers borrow the message and fill a C struct, returning 0,
 * or -1 with a lowercase reason naming the JSON path in err.  Strings in
 * the structs are NUL-terminated and truncated to their arrays (readers
 * refuse longer ones rather than truncate).
 */
#ifndef FX_BMSG_H
#define FX_BMSG_H

#include <stddef.h>
#include <jv.h>

#include "timeutil.h"

enum { FX_BECKN_V1 = 1, FX_BECKN_V2 = 2 };

/* Actions, requests then their callbacks (FX_BA_ON_X = FX_BA_X + 7). */
enum {
	FX_BA_SEARCH, FX_BA_SELECT, FX_BA_INIT, FX_BA_CONFIRM, FX_BA_STATUS,
	FX_BA_UPDATE, FX_BA_CANCEL,
	FX_BA_ON_SEARCH, FX_BA_ON_SELECT, FX_BA_ON_INIT, FX_BA_ON_CONFIRM,
	FX_BA_ON_STATUS, FX_BA_ON_UPDATE, FX_BA_ON_CANCEL,
	FX_BA_N
};
#define FX_BA_CALLBACK(a) ((a) + FX_BA_ON_SEARCH)

/* The action's wire name in a profile ("discover" in v2, "search" in
 * v1.1), or NULL for an action out of range. */
const char *fx_bmsg_action_name(int profile, int action);
/* The action named name in profile, or -1. */
int fx_bmsg_action(int profile, const char *name);
/* "v2" or "v1.1" into a profile, or -1. */
int fx_bmsg_profile(const char *name);

#define FX_BMSG_ID 128
#define FX_BMSG_URI 512

/* A message's context. */
typedef struct fx_bctx {
	int profile;
	int action;
	char domain[FX_BMSG_ID];
	char version[16];	/* "2.0.0"; "1.1.0" by default in v1.1 */
	char bap_id[FX_BMSG_ID], bap_uri[FX_BMSG_URI];
	char bpp_id[FX_BMSG_ID], bpp_uri[FX_BMSG_URI];
	char transaction_id[40], message_id[40];	/* UUIDs */
	fx_time timestamp;
	int64_t ttl_ms;		/* 0: none */
	char country[8], city[32];	/* location codes; "" for none */
} fx_bctx;

/* The default domain of demand flexibility in each profile. */
#define FX_BMSG_DOMAIN_V2 "beckn.one:DEG:demand-flexibility:1.0"
#define FX_BMSG_DOMAIN_V1 "flexibility"

/* A new random (version 4) UUID into out[37].  Exits 1 if OpenSSL has no
 * random bytes. */
void fx_bmsg_uuid(char out[37]);

/* Sets c for a new message of action in profile: the defaults above, a
 * fresh message id, the timestamp now; transaction id, BAP and BPP are
 * the caller's. */
void fx_bmsg_ctx_init(fx_bctx *c, int profile, int action);

/* The context as a jv object of its profile. */
jv fx_bmsg_context(const fx_bctx *c);

/*
 * Reads msg's context (borrowed), expecting the profile c->profile: the
 * action (any known one; -1 is refused), ids, URIs, timestamp, ttl.
 * Required: action, version, transaction id, message id, timestamp, BAP
 * id and URI; BPP id and URI from a BPP's callbacks and their requests'
 * answers.
 */
int fx_bmsg_read_context(jv msg, fx_bctx *c, char *err, size_t errlen);

/* What a BAP asks for in discovery. */
typedef struct fx_bintent {
	char feeder_id[FX_BMSG_ID];
	double lat, lon;	/* NAN: not given */
	fx_time start, end;	/* the window */
	double kw;		/* the most needed in a slot */
} fx_bintent;

/* One DER as a BPP offers it: the DER catalog model of the SRS (7). */
typedef struct fx_boffer {
	char der_id[FX_BMSG_ID];	/* universal identity */
	char provider_id[FX_BMSG_ID];	/* the aggregator */
	char offer_id[FX_BMSG_ID];
	char name[FX_BMSG_ID];
	char type[16];			/* battery, ev, hvac, ... */
	double capacity_kw, min_kw;
	double price_per_kwh;
	char currency[8];
	int64_t response_ms;
	fx_time avail_from, avail_until;
	int64_t max_duration_ms;	/* 0: none */
	int64_t min_duration_ms;	/* shortest run; 0: none */
	int max_per_day;		/* 0: no limit */
	double reliability;		/* 0..1 */
	char der_pubkey[64];		/* base64 Ed25519, "" if none */
	char feeders[256];		/* feeders it relieves, comma-separated;
					 * "" if not said */
} fx_boffer;

/* The state of an order (a v2 contract). */
enum { FX_BORDER_DRAFT, FX_BORDER_ACTIVE, FX_BORDER_COMPLETE,
	FX_BORDER_CANCELLED };
const char *fx_border_status_name(int status);

/* One order: one DER's activation. */
typedef struct fx_border {
	char order_id[FX_BMSG_ID];	/* the BPP's; "" before on_confirm */
	char der_id[FX_BMSG_ID], provider_id[FX_BMSG_ID];
	char offer_id[FX_BMSG_ID];
	double kw;
	fx_time start, end;
	char feeder_id[FX_BMSG_ID], event_id[FX_BMSG_ID];
	char plan_id[FX_BMSG_ID], obp_id[FX_BMSG_ID];
	double price_per_kwh;		/* NAN: not quoted yet */
	char currency[8];
	double quote;			/* total quoted; NAN: none */
	int status;			/* FX_BORDER_* */
	char progress[24];		/* fulfillment state: PENDING,
					 * IN_PROGRESS, COMPLETED, ... */
	double delivered_kwh;		/* NAN: not reported */
	char participation[512];	/* the DER's signed participation:
					 * base64 Ed25519 over the text that
					 * fx_bmsg_participation() gives; "" */
	fx_time signed_at;		/* INT64_MIN: none */
	char reason[FX_BMSG_ID];	/* a cancellation's or decline's */
} fx_border;

/* Sets o to an empty order (NANs, INT64_MIN, DRAFT, "PENDING"). */
void fx_border_init(fx_border *o);

/*
 * The text a DER signs to take part (R38, R51): one line per field,
 *   fluxeon-participation/1 LF der_id LF order_id LF obp_id LF kw LF
 *   start LF end LF signed_at
 * (kw with up to 6 decimals, times RFC 3339), into a new string.
 */
char *fx_bmsg_participation(const fx_border *o);

/* search / discover with the intent. */
jv fx_bmsg_search(const fx_bctx *c, const fx_bintent *in);
int fx_bmsg_read_search(jv msg, const fx_bctx *c, fx_bintent *in,
    char *err, size_t errlen);

/* on_search / on_discover with the provider's n offers. */
jv fx_bmsg_on_search(const fx_bctx *c, const char *provider_id,
    const char *provider_name, const fx_boffer *offers, int n);
/* The offers of an on_search into a new array (*offers, *n; free()). */
int fx_bmsg_read_on_search(jv msg, const fx_bctx *c, fx_boffer **offers,
    int *n, char *err, size_t errlen);

/* select, init, confirm, update, cancel and every on_* but on_search:
 * the order as c->action carries it.  status carries the order id only
 * (v1.1 order_id; v2 the contract's id and commitment). */
jv fx_bmsg_order(const fx_bctx *c, const fx_border *o);
int fx_bmsg_read_order(jv msg, const fx_bctx *c, fx_border *o, char *err,
    size_t errlen);

/*
 * The synchronous answer to a request: ACK, or NACK with a Beckn error
 * code and message.  v1.1: {"message":{"ack":{"status":..}},"error":{..}};
 * v2: {"status":..,"signature":COUNTER,"error":{"errorCode","errorMessage"}}
 * with COUNTER the counter-signature (bsign.h) the caller passes, or ""
 * for a v2 answer that cannot be signed (then it fails the official
 * schema's required signature, which the caller must know).
 */
jv fx_bmsg_ack(int profile, int ack, const char *code, const char *message,
    const char *counter_signature);
/* Reads an answer: *ack 1 or 0, code and message of a NACK ("" if none). */
int fx_bmsg_read_ack(jv body, int profile, int *ack, char *code,
    size_t codelen, char *message, size_t msglen, char *err, size_t errlen);

/* ISO 8601 durations as Beckn carries them ("PT15M", "PT2H30M", "P1D"):
 * format ms (rounded down to seconds) into out[32]; parse into *ms. */
void fx_bmsg_duration(int64_t ms, char out[32]);
int fx_bmsg_parse_duration(const char *s, int64_t *ms);

#endif
