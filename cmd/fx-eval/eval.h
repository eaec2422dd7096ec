/*
 * eval.h - fx-eval's parts: the record loop, per-feeder actuals and the
 * result rows (main.c), and one scorer per kind of prediction: forecast.c
 * for forecast steps, state.c for fx-classify's states and state changes.
 *
 * main.c reads the stream, keeps each feeder's recent readings in a ring
 * of minute buckets (the actuals a scorer asks for), and hands each record
 * to the scorer of its type.  A scorer keeps its own per-feeder state in
 * struct ev_feeder, accumulates sums only, and at the end describes each
 * result group as a row of named values (ev_row_*), which main.c writes
 * as an "eval" record or as a line of the --format table.
 */
#ifndef EV_EVAL_H
#define EV_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "timeutil.h"

#define PROG "fx-eval"
#define EV_VERSION "0.1"

/* Minutes of readings each feeder keeps: at least the longest step scored,
 * and enough that a step starting before its forecast was issued (or a
 * forecast that comes a little late) still finds its readings. */
#define EV_RING_MIN 240

/* Readings that set a feeder's grid, as in fx-forecast. */
#define EV_NDETECT 16

/* ---- options (main.c) ---- */

struct ev_opts {
	fx_time from, to;	/* forecasts issued in [from, to); predicted
				 * slices starting, episodes with an onset,
				 * escalations at a time in it */
	int has_from, has_to;
	int64_t season_ms;	/* seasonal period of the MASE scale */
	int64_t alarm_ms;	/* --alarm-window */
	int table;		/* --format table */
	int no_feeders;		/* only the all-feeder groups */
	int quiet, strict;
};

extern struct ev_opts ev_opt;

/* ---- per feeder (main.c), with each scorer's part ---- */

/* One minute of readings. */
struct ev_bucket {
	double sum;
	uint32_t n;
};

/* A pending forecast step (forecast.c). */
struct fc_pend;

/* forecast.c's state of one feeder: pending steps and the MASE scale. */
struct fc_feeder {
	struct fc_pend *pend;	/* sorted by end; [head, n) live */
	size_t head, n, cap;
	/* the grid, from the first readings */
	struct { fx_time t; double v; } first[EV_NDETECT];
	int nfirst;
	int grid;		/* 0 not known yet, 1 known, -1 none */
	fx_time step;		/* grid step, ms */
	fx_time fc_step;	/* a forecast's step length seen, ms */
	int warned;
	/* the seasonal naive error over readings before --from */
	int m;			/* bins per season; 0: no scale */
	struct { int64_t k; double v; } *season;	/* m closed bins */
	int64_t cur;		/* the bin being filled */
	double cur_sum;
	long cur_n;
	int has_cur;
	double sae;		/* sum of |y[k] - y[k-m]| */
	long npairs;
};

/* A predicted slice waiting for its observed slice (state.c). */
struct st_pend;

/* An observed slice (state.c). */
struct st_obs {
	fx_time start, end;
	int state;
};

/* A run of consecutive observed slices at or above a state (state.c). */
struct st_episode {
	fx_time onset, end;
};

/* Observed slices a feeder remembers, for predictions that come after
 * the slice they predict was observed. */
#define ST_RECENT 16

/* state.c's state of one feeder. */
struct st_feeder {
	struct st_pend *pend;	/* sorted by slice start; [head, n) live */
	size_t head, n, cap;
	struct st_obs recent[ST_RECENT];	/* ring of observed slices */
	unsigned nrecent, next;
	int has_obs;
	fx_time obs_start, obs_end;	/* the latest observed slice */
	/* episodes: [0] state >= 1, [1] state 2; the last one is still
	 * open when open[] is set */
	struct st_episode *ep[2];
	size_t nep[2], capep[2];
	int open[2];
	fx_time span;		/* length of its observed slices in
				 * --from/--to, ms */
};

struct ev_feeder {
	const char *id;		/* NUL-terminated, owned by the table */
	size_t idx;		/* order of first appearance, 0 first */
	int has_last;
	fx_time last_t;		/* latest reading time */
	/* readings of minutes (newest - EV_RING_MIN, newest] by minute */
	struct ev_bucket *ring;
	int64_t newest;		/* minute index of the newest reading */
	int64_t lost;		/* latest minute with readings evicted;
				 * INT64_MIN: none */
	struct fc_feeder fc;
	struct st_feeder st;
};

/* The feeder with this id, created on first use.  Borrowed. */
struct ev_feeder *ev_feeder_get(const char *id, size_t len);
size_t ev_feeder_count(void);
struct ev_feeder *ev_feeder_at(size_t i);

/*
 * The readings of f in [start, end) (whole minutes): their sum and count.
 * Returns 0, or -1 when some of them have left the ring (the interval is
 * too old to score).
 */
int ev_actual(const struct ev_feeder *f, fx_time start, fx_time end,
    double *sum, long *n);

/* Rejects the current input record ("fx-eval: file:line: reason"). */
void ev_reject(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int64_t ev_floor_div(int64_t a, int64_t b);

/* ---- result rows (main.c) ---- */

/*
 * A row is a result group: for --format ndjson one "eval" record with
 * the values as keys in the order added; for --format table one line,
 * with the values that have a column heading.  Consecutive rows with the
 * same headings share one table.  head NULL: not in the table; key NULL:
 * not in the record.
 */
void ev_row_begin(void);
void ev_row_str(const char *key, const char *head, const char *s);
void ev_row_int(const char *key, const char *head, int64_t v);
/* x not finite: null.  dec: decimals in the table, or -1 to choose per
 * column from its largest value (about 3 significant digits). */
void ev_row_num(const char *key, const char *head, double x, int dec);
void ev_row_null(const char *key, const char *head);
void ev_row_time(const char *key, const char *head, fx_time t);
/* A JSON value written as it is (the record only, never the table). */
void ev_row_json(const char *key, const char *json, size_t len);
void ev_row_end(void);

/* ---- the forecast scorer (forecast.c) ---- */

struct fc_stats {
	unsigned long long outside;	/* forecasts outside --from/--to */
	unsigned long long steps, scored, missing, unresolved;
};

extern struct fc_stats fc_stats;

/* A forecast record: 0, or -1 with a reason in err. */
int fc_record(jv rec, char *err, size_t errlen);
/* A reading of f at t, before it enters the ring: resolves the steps
 * that end at or before t and feeds the MASE scale. */
void fc_reading(struct ev_feeder *f, fx_time t, double v);
/* End of input: the steps still pending are unresolved; the last bins
 * of the scale close. */
void fc_finish(void);
/* Writes the result rows. */
void fc_output(void);
void fc_free_feeder(struct fc_feeder *ff);
void fc_free(void);

/* ---- the state scorer (state.c) ---- */

struct st_stats {
	unsigned long long predicted;
	unsigned long long outside;	/* predicted slices outside
					 * --from/--to */
	unsigned long long scored, unmatched, unresolved;
	unsigned long long obs_old;	/* observed slices not after the
					 * feeder's latest */
};

extern struct st_stats st_stats;

/* A state record / a state_change record: 0, or -1 with a reason. */
int st_state(jv rec, char *err, size_t errlen);
int st_change(jv rec, char *err, size_t errlen);
/* End of input: the predicted slices still waiting are unresolved. */
void st_finish(void);
/* Writes the result rows: the slice groups, then the event groups. */
void st_output(void);
void st_free_feeder(struct st_feeder *sf);
void st_free(void);

#endif
