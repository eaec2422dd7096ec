/*
 * registry.h - the Beckn subscribers a participant knows: who they are
 * (subscriber id, BAP / BPP / BG), where (callback URL), which wire profile
 * they speak, and the Ed25519 keys their signatures are checked with.
 *
 * Entries have the shape of a Beckn registry's /lookup answer (v1
 * registry.yaml, Subscription): subscriber_id, url, type, domain, key_id,
 * signing_public_key, valid_from, valid_until, status; FLUXEON adds an
 * optional "beckn_version" ("2.0.0" or "1.1.0", default 2.0.0).  A local
 * file holds a JSON array of them, or an object {"subscribers": [...]};
 * a real registry's /lookup answer is read with fx_registry_add().
 *
 * One subscriber may have several keys (one entry each, by key_id): a key
 * is trusted between valid_from and valid_until while its status is
 * SUBSCRIBED.
 */
#ifndef FX_REGISTRY_H
#define FX_REGISTRY_H

#include <stddef.h>
#include <jv.h>

#include "timeutil.h"

typedef struct fx_subscriber {
	char subscriber_id[128];
	char type[8];			/* BAP, BPP or BG */
	char url[512];
	char domain[128];
	char key_id[128];
	char signing_public_key[64];	/* base64 of 32 bytes */
	fx_time valid_from, valid_until;	/* INT64_MIN / MAX: open */
	char status[24];
	int profile;			/* FX_BECKN_V2 or FX_BECKN_V1 */
} fx_subscriber;

typedef struct fx_registry fx_registry;

fx_registry *fx_registry_new(void);
void fx_registry_free(fx_registry *r);

/*
 * Adds one subscription (borrowed jv object).  Every field is checked:
 * subscriber_id, url (http or https), type, key_id and
 * signing_public_key (base64 of 32 bytes) are required; times are RFC
 * 3339; status defaults to SUBSCRIBED.  A later entry with the same
 * subscriber and key id replaces the earlier.  0, or -1 and why.
 */
int fx_registry_add(fx_registry *r, jv sub, char *err, size_t errlen);

/* Adds every subscription of the file at path; on a bad entry -1 with
 * "path: [i] (subscriber_id X): reason" and nothing of the file added. */
int fx_registry_load(fx_registry *r, const char *path, char *err,
    size_t errlen);

/*
 * The entry of subscriber_id with key_id whose key is trusted at now:
 * NULL with the reason in why ("unknown subscriber", "unknown key id",
 * "key not valid until ...", "key expired at ...", "status EXPIRED").
 */
const fx_subscriber *fx_registry_key(const fx_registry *r,
    const char *subscriber_id, const char *key_id, fx_time now, char *why,
    size_t whylen);

/* The first entry of subscriber_id (for its URL and profile), or NULL. */
const fx_subscriber *fx_registry_find(const fx_registry *r,
    const char *subscriber_id);

/* The number of entries, and entry i (0 <= i < count), in load order. */
int fx_registry_count(const fx_registry *r);
const fx_subscriber *fx_registry_at(const fx_registry *r, int i);

/* An entry as a /lookup Subscription object (new jv). */
jv fx_registry_entry_json(const fx_subscriber *s);

#endif
