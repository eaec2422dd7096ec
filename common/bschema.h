/*
 * bschema.h - the project's Beckn message schemas (schemas/beckn/): one
 * JSON Schema per action and profile, schemas/beckn/<v2|v1.1>/<action>.json,
 * sharing <profile>/defs.json, compiled with common/jschema.
 */
#ifndef FX_BSCHEMA_H
#define FX_BSCHEMA_H

#include <stddef.h>

#include "bmsg.h"
#include "jschema.h"

/* Compiled schemas: [profile][action], NULL where there is none. */
typedef struct fx_bschemas {
	fx_jschema *s[3][FX_BA_N];
	int n;
} fx_bschemas;

/*
 * The schema directory when none is given: $FX_SCHEMA_DIR when set, else
 * beside the running program (a build tree's bin/../schemas/beckn) or
 * where make install puts it (PREFIX/share/fluxeon/schemas/beckn).  Into
 * buf; NULL when none is.
 */
const char *fx_bschema_dir(char *buf, size_t n);

/* Compiles every schema under dir into s (zeroed first).  Returns the
 * number loaded, or -1 with "path: reason" in err. */
int fx_bschema_load(fx_bschemas *s, const char *dir, char *err,
    size_t errlen);

/* Validates msg (borrowed) as action in profile: 0 valid (or no schema:
 * then *checked is 0), -1 invalid with the first reason in why. */
int fx_bschema_check(const fx_bschemas *s, int profile, int action, jv msg,
    int *checked, char *why, size_t whylen);

void fx_bschema_free(fx_bschemas *s);

#endif
