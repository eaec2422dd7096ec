/*
 * config.h - the configuration file: one JSON object (DESIGN.md).
 *
 *   { "version": "...",
 *     "defaults": { "limit_kw": 1000, "alert_ratio": 0.8, ... },
 *     "feeders": [ { "id": "F001", "limit_kw": 500, ... }, ... ],
 *     "<section>": { ... }   e.g. "sim", "ingest", "weights", "beckn" }
 *
 * "feeders" may also be an object keyed by feeder id.  A feeder's setting
 * is looked up in its own entry, then in "defaults", then the program's
 * built-in default, so every program runs with no file at all.
 *
 * Ownership: the config owns its JSON; fx_config_* returning jv return new
 * references (see json.h for the rule).
 */
#ifndef FX_CONFIG_H
#define FX_CONFIG_H

#include <stddef.h>
#include <jv.h>

typedef struct fx_config fx_config;

/*
 * Loads path; when path is NULL, $FX_CONFIG if set and non-empty, else an
 * empty configuration (all defaults).  Checks the common structure:
 * the root is an object, "defaults" an object, feeders have unique string
 * ids, limit_kw > 0, 0 < alert_ratio <= critical_ratio.  Returns NULL and
 * writes "file: reason" into err on failure (callers exit 2).
 */
fx_config *fx_config_load(const char *path, char *err, size_t errlen);
void fx_config_free(fx_config *c);

/* The file name ("(defaults)" when there is none). */
const char *fx_config_path(const fx_config *c);
/* The whole document (new reference). */
jv fx_config_root(const fx_config *c);
/* root[name] if it is an object, else {} (new reference). */
jv fx_config_section(const fx_config *c, const char *name);

/* The feeder's own entry ({} if not configured; new reference). */
jv fx_config_feeder(const fx_config *c, const char *feeder_id);
/* Number of configured feeders and the i-th id (borrowed). */
size_t fx_config_nfeeders(const fx_config *c);
const char *fx_config_feeder_id(const fx_config *c, size_t i);

/*
 * A numeric feeder setting: the feeder's entry, else "defaults", else
 * dflt.  feeder_id may be NULL (defaults only).
 */
double fx_config_num(const fx_config *c, const char *feeder_id,
    const char *key, double dflt);

#endif
