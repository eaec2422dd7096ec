/*
 * timeutil.h - instants, RFC 3339 text, time zones and durations.
 *
 * An instant is an int64_t count of milliseconds since 1970-01-01T00:00:00Z
 * (fx_time).  Finer fractions of a second are truncated toward the past
 * when parsed.  The proleptic Gregorian calendar is used for all years
 * 0000-9999; there are no leap seconds (":60" is rejected).
 */
#ifndef FX_TIMEUTIL_H
#define FX_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef int64_t fx_time;

#define FX_TIME_MAX_TEXT 32	/* enough for any fx_time_format() output */
#define FX_MS_PER_DAY 86400000LL

/* Days since 1970-01-01 of a civil date (m 1-12, d 1-31), and back. */
int64_t fx_days_from_civil(int64_t y, unsigned m, unsigned d);
void fx_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* The wall clock now (for latency fields, *_at_wall; never event time). */
fx_time fx_time_now(void);
/* Day of week of an instant in UTC: 0 Sunday .. 6 Saturday (as in SRS 7). */
int fx_time_dow(fx_time t);

/*
 * Parses an ISO 8601 / RFC 3339 date-time:
 *   YYYY-MM-DD('T'|'t'|' ')HH:MM[:SS[.fraction]][Z|z|+HH:MM|-HH:MM|+HHMM|+HH]
 * or a bare date YYYY-MM-DD (midnight).  Surrounding blanks are ignored.
 * With a zone designator, *t is the instant and *zoned is 1.  Without one,
 * *t is the wall-clock reading taken as if it were UTC and *zoned is 0; pass
 * it to fx_tz_resolve() to place it in a zone.  Returns 0, or -1 with a
 * static reason in *why ("month out of range", ...).
 */
int fx_time_parse(const char *s, size_t len, fx_time *t, int *zoned,
    const char **why);

/* As fx_time_parse() but a zone designator is required (record fields). */
int fx_time_parse_rfc3339(const char *s, size_t len, fx_time *t,
    const char **why);

/*
 * Parses epoch time: a decimal number, optionally signed and fractional,
 * of seconds (unit_ms 1000) or milliseconds (unit_ms 1).  Returns 0 or -1.
 */
int fx_time_parse_epoch(const char *s, size_t len, int unit_ms, fx_time *t,
    const char **why);

/*
 * Formats t as RFC 3339 UTC into out (>= FX_TIME_MAX_TEXT bytes):
 * "2025-11-22T10:00:00Z", with ".mmm" only when t has milliseconds.
 * Returns the length (NUL not counted).  Years outside 0000-9999 are
 * clamped into the text's 4 digits' range by the caller's contract:
 * callers pass instants within it.
 */
size_t fx_time_format(fx_time t, char *out);
/* Appends t as a quoted RFC 3339 JSON string. */
void fx_buf_time(fx_buf *b, fx_time t);

/*
 * Durations: "900" (seconds), "500ms", "30s", "15m", "1h", "1d", or sums
 * such as "1h30m".  Returns 0 and *ms, or -1 (bad syntax, or not > 0).
 */
int fx_duration_parse(const char *s, int64_t *ms);

/* A duration option's value, or exits with status 2 after
 * "prog: what: not a duration > 0 's'". */
int64_t fx_opt_duration(const char *what, const char *s);

/*
 * The forecasting step for data whose readings are spacing ms apart:
 * 15 minutes for anything at 15 minutes or finer, else the smallest of
 * 20, 30 and 60 minutes that is at least spacing.  0 when spacing is
 * not positive or over an hour (too coarse to forecast the next hour).
 * fx-forecast and fx-eval both use this rule, so that a forecast and
 * the in-sample error that scales it are on the same grid.
 */
fx_time fx_step_for_spacing(fx_time spacing);

/*
 * Time zones, by IANA name ("Europe/London", "UTC"), from the system's
 * tz database (package tzdata).  The process has one zone at a time: it
 * sets TZ, so opening a second zone replaces the first.
 */

typedef struct fx_tz fx_tz;

/* Returns the zone or NULL with a reason in err (e.g. unknown zone). */
fx_tz *fx_tz_open(const char *name, char *err, size_t errlen);
void fx_tz_close(fx_tz *tz);
/* UTC offset in seconds east of Greenwich in force at instant t. */
int fx_tz_offset(fx_tz *tz, fx_time t);
/*
 * The instants whose wall-clock reading in tz is `local` (as from
 * fx_time_parse with *zoned 0).  Returns how many: 0 in a spring-forward
 * gap (the reading never happens), 1 normally, 2 in a fall-back overlap
 * (out[0] the earlier, in summer time; out[1] the later).
 */
int fx_tz_resolve(fx_tz *tz, fx_time local, fx_time out[2]);

#endif
