/*
 * record.h - the typed records of the stream (DESIGN.md), read and written.
 *
 * Readers take a parsed record (jv, borrowed: see json.h) and fill a C
 * struct whose string pointers are borrowed from that record, so they are
 * valid while the record is.  They return 0, or -1 with a one-line reason
 * in err naming the field ("load_kw: not a number", ...), which the caller
 * prints as "prog: file:line: reason" and counts.
 */
#ifndef FX_RECORD_H
#define FX_RECORD_H

#include <stddef.h>
#include <jv.h>

#include "buf.h"
#include "timeutil.h"

typedef struct fx_reading {
	const char *feeder_id;	/* NUL-terminated */
	size_t feeder_len;
	fx_time t;
	double load_kw;
	char id_store[128];	/* feeder_id's storage on the fast path */
} fx_reading;

/* A "reading": feeder_id non-empty string, timestamp RFC 3339 with zone,
 * load_kw a finite number.  Other fields are not checked. */
int fx_record_reading(jv rec, fx_reading *out, char *err, size_t errlen);

/*
 * Parses a line that holds a reading, as fx_json_parse_record() and
 * fx_record_reading() would, several times faster: a flat object whose
 * values are plain strings, numbers, booleans or null is read directly;
 * anything else (escapes, nesting, non-ASCII) goes through libjq.  Invalid
 * JSON is rejected either way.  Returns 0 with *out filled, or -1 with a
 * reason in err (which says when the record is not a reading at all).
 * *hold receives the parsed jv that out's pointers borrow from, or
 * jv_invalid() when they point into out itself; the caller jv_free()s it
 * once done with *out.  text must be NUL-terminated at text[len] and is
 * not modified.
 */
int fx_record_parse_reading(const char *text, size_t len, fx_reading *out,
    jv *hold, char *err, size_t errlen);

typedef struct fx_exo {
	const char *feeder_id;	/* NULL: system-wide */
	fx_time t;
	int has_temperature, has_holiday, has_event, has_dow;
	double temperature_c;
	int holiday_flag, event_flag, dow;
} fx_exo;

/* An "exo": timestamp required; temperature_c a number, holiday_flag and
 * event_flag booleans, dow an integer 0-6, each optional. */
int fx_record_exo(jv rec, fx_exo *out, char *err, size_t errlen);

/* The most steps a forecast record may have. */
#define FX_FORECAST_MAX_STEPS 96

/* One step of a forecast: the interval [start, end) and its quantiles. */
typedef struct fx_fstep {
	fx_time start, end;
	double p50, lo80, hi80, lo95, hi95;
} fx_fstep;

typedef struct fx_forecast {
	const char *feeder_id;	/* borrowed from the record */
	const char *model;	/* borrowed; "" when absent */
	fx_time issued_at;
	int nsteps;		/* 1..FX_FORECAST_MAX_STEPS */
	fx_fstep steps[FX_FORECAST_MAX_STEPS];
} fx_forecast;

/*
 * A "forecast" (schemas/records/forecast.json): feeder_id non-empty,
 * issued_at RFC 3339, steps an array of 1 to FX_FORECAST_MAX_STEPS
 * objects each with start < end (RFC 3339) and finite p50, lo80, hi80,
 * lo95, hi95 in the order lo95 <= lo80 <= p50 <= hi80 <= hi95; model a
 * string if present.  Other fields are not checked.
 */
int fx_record_forecast(jv rec, fx_forecast *out, char *err, size_t errlen);

/*
 * A cheap look at a line's type without parsing it: when the line starts
 * with {"type":"NAME" (as every record FLUXEON writes does), returns NAME
 * and sets *len; otherwise NULL, and the caller parses the line to know.
 * The pointer is into text.
 */
const char *fx_record_peek_type(const char *text, size_t textlen, size_t *len);

/* By peeking: 1 when the line's type is `type`, 0 when it is another type,
 * -1 when the peek cannot tell (then parse the line). */
int fx_record_is(const char *text, size_t textlen, const char *type);

/* Appends an "error" record (schemas/records/error.json) to b, without
 * the trailing newline. */
void fx_record_error(fx_buf *b, const char *program, const char *input,
    long line, const char *reason);

#endif
