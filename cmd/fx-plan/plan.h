/*
 * plan.h - fx-plan's state and the planning step (plan.c), shared with
 * main.c (records in and out, options, operator control).
 */
#ifndef FX_PLAN_H
#define FX_PLAN_H

#include "buf.h"
#include "catalog.h"
#include "config.h"
#include "feeders.h"
#include "flex.h"
#include "record.h"
#include "timeutil.h"

#define PROG "fx-plan"

enum { Q_P50, Q_HI80, Q_HI95 };
enum { T_ALERT, T_CRITICAL };

struct policy {
	int quantile;		/* Q_* */
	int target;		/* T_* */
};

/* What the operator can change while running (control records). */
struct weights {
	double cost, reliability, curtailment;
	double type_pref[FX_DER_NTYPES];
};

struct booking {
	fx_time start, end;
	double kw;
};

/* Per feeder. */
struct feeder {
	int has_fc;
	fx_forecast fc;		/* feeder_id and model point into fc_model */
	char fc_model[32];
	int auto_dispatch;	/* -1: the configured default */
	double alert_kw, critical_kw;	/* from the last state_change; 0: none */
	struct booking *booked;	/* expected relief from dispatched plans */
	int nbooked, capbooked;
	int plans;
};

/* Per DER (by der_id), what earlier dispatched plans took of it. */
#define DAYS_KEPT 4
struct derstate {
	struct booking *booked;
	int nbooked, capbooked;
	int64_t day[DAYS_KEPT];	/* UTC days with activations booked */
	int starts[DAYS_KEPT];	/* activations starting that day */
};

struct alloc {
	char *der_id, *aggregator_id;
	int type;
	double rel, price, response_s;
	double kw[FX_FLEX_MAX_SLOTS];
	double avail[FX_FLEX_MAX_SLOTS];	/* fraction of the slot it runs */
	int priority;		/* 1: the most expected energy */
	double kwh, expected_kwh, cost;
};

struct planrec {
	char *plan_id, *event_id, *feeder_id;
	fx_time issued_at;
	int state, prev_state;
	const char *status;	/* dispatch, pending_approval, approved, ... */
	char reason[320];
	int has_fc;
	fx_time fc_issued;
	struct policy pol;
	double target_kw;
	int nslots;
	fx_time start[FX_FLEX_MAX_SLOTS], end[FX_FLEX_MAX_SLOTS];
	double hours[FX_FLEX_MAX_SLOTS];
	double forecast_kw[FX_FLEX_MAX_SLOTS], booked_kw[FX_FLEX_MAX_SLOTS];
	double required_kw[FX_FLEX_MAX_SLOTS], unmet_kw[FX_FLEX_MAX_SLOTS];
	int nalloc;
	struct alloc *alloc;
	struct weights w;
	double agg_share;
	const char *solver, *solver_status;
	double solve_ms, objective, gap;
	int candidates;
	int excluded[5];	/* EX_* */
	char detected_at_wall[FX_TIME_MAX_TEXT];
	fx_time planned_at_wall;
	char *decided_by;	/* approve / reject: the operator */
	fx_time decided_at;
	char *replaces;		/* re-planned at approval: the plan approved */
	int no_need;		/* the forecast asks for nothing */
	char *detected_wall;	/* the change, kept to re-plan at approval */
};

enum { EX_UNAVAILABLE, EX_RESPONSE, EX_ACTIVATIONS, EX_BOOKED, EX_NONE };
extern const char *const excluded_names[EX_NONE];

/* Settings (options over config over defaults), read by plan.c. */
struct settings {
	struct weights w;
	struct policy alert, critical;
	double agg_share;
	int time_limit_ms;
	int greedy_only;
	int auto_dispatch;	/* built-in or plan.auto_dispatch */
	int auto_forced;	/* -1, or --no-auto-dispatch / a control for all */
	fx_time max_fc_age;
};

extern struct settings set;
extern fx_catalog *catalog;
extern fx_feeders *feeders, *derstates;
extern fx_config *config;

/* The state_change's facts plan() needs. */
struct change {
	const char *event_id, *feeder_id, *detected_at_wall;
	fx_time t;
	int prev, next;
};

/*
 * Plans for a state change on fs: fills pr (owned by the caller; free
 * with planrec_free) and, when the plan is dispatched (auto-dispatch on,
 * or `approved` set: an operator's approval re-planned), books its DERs.
 * Returns 0, or -1 on an internal failure (reason in err).
 */
int plan(struct feeder *fs, const struct change *c, int approved,
    struct planrec *pr, char *err, size_t errlen);
/* When pr can no longer be approved as it stands (relief was
 * booked for its feeder, or its DERs' capacity, activations or
 * neighbouring slots, while it waited; a DER left the catalog): a
 * description into why, and 1. */
int conflicts(const struct planrec *pr, char *why, size_t whylen);
/* Books pr's DERs and relief (a dispatched or approved plan). */
void book(const struct planrec *pr);
void planrec_put(fx_buf *b, const struct planrec *pr);
void planrec_free(struct planrec *pr);
int feeder_auto(const struct feeder *fs, const char *feeder_id);

#endif
