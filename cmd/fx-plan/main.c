/*
 * fx-plan - how much flexibility each feeder needs, and the best DERs to
 * supply it (SRS R27-R33).
 *
 * Reads the stream; keeps each feeder's latest forecast, the DER catalog
 * (files given with --catalog or in the config, then `catalog` records,
 * newest entry wins) and the operator's `control` actions.  On a
 * `state_change` to Alert or Critical (a rise) it writes a `plan` record:
 * the required volume per slot of the forecast horizon, and the DERs,
 * kW per slot and activations that supply it at least weighted cost,
 * solved as a MILP with GLPK within a time limit (greedy merit order when
 * the limit passes with no integer solution).  With auto-dispatch off
 * for the feeder the plan waits for an operator's approve_plan.  What
 * cannot be covered raises an `alert` record.  Every input record is
 * passed through.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "ndjson.h"
#include "plan.h"

struct settings set;
fx_catalog *catalog;
fx_feeders *feeders, *derstates;
fx_config *config;

static struct {
	int strict, errors_inline, quiet, verbose;
} opt;

static fx_writer *out;
static fx_buf ob;
static const char *in_name;
static long in_line;
static unsigned long long n_in, n_pass, n_rej, n_plans, n_dispatch,
    n_pending, n_none, n_alerts, n_der_rej, n_refused;

/* plans waiting for an operator */
static struct planrec *pending;
static int npending, cappending;

static void expire_pending(fx_time t);

enum {
	O_CATALOG = 256, O_ERRORS_INLINE, O_GREEDY, O_MAX_FC_AGE, O_NO_AUTO,
	O_SHARE, O_STRICT, O_TIME_LIMIT, O_WEIGHTS
};

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-plan [-hqv] [-c config] [--catalog file] [--errors-inline]\n"
"               [--greedy] [--max-forecast-age dur] [--no-auto-dispatch]\n"
"               [--share x] [--strict] [--time-limit ms]\n"
"               [--weights cost=x,reliability=x,curtailment=x] [file ...]\n");
	exit(st);
}

static void
finish_output(void)
{
	if (out != NULL && fx_writer_close(out) != 0)
		exit(FX_EXIT_FAIL);
	out = NULL;
}

static void __attribute__((format(printf, 1, 2)))
reject(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n_rej++;
	fx_error_at(in_name, in_line, "%s", msg);
	if (opt.errors_inline) {
		fx_record_error(&ob, PROG, in_name, in_line > 0 ? in_line : 1,
		    msg);
		fx_writer_record(out, &ob);
	}
	if (opt.strict) {
		finish_output();
		exit(FX_EXIT_FAIL);
	}
}

static void
pass(const fx_line *ln)
{
	n_pass++;
	fx_writer_pass(out, ln);
}

static void
free_feeder(void *p)
{
	struct feeder *fs = p;

	free(fs->booked);
}

static void
free_derstate(void *p)
{
	struct derstate *ds = p;

	free(ds->booked);
}

static struct feeder *
feeder_get(const char *id)
{
	int created;
	struct feeder *fs = fx_feeders_get(feeders, id, strlen(id), &created);

	if (created)
		fs->auto_dispatch = -1;
	return fs;
}

/* ---- records ---- */

static void
do_forecast(const fx_line *ln, jv rec)
{
	fx_forecast fc;
	struct feeder *fs;
	char err[256];

	if (fx_record_forecast(rec, &fc, err, sizeof err) != 0) {
		reject("forecast: %s", err);
		return;
	}
	/* plans whose horizon this instant has passed expire first */
	expire_pending(fc.issued_at);
	fs = feeder_get(fc.feeder_id);
	fs->fc = fc;
	snprintf(fs->fc_model, sizeof fs->fc_model, "%s", fc.model);
	fs->fc.model = fs->fc_model;
	fs->fc.feeder_id = NULL;	/* borrowed from rec: not kept */
	fs->has_fc = 1;
	pass(ln);
}

/* An `alert` when a rise to Alert or Critical is not fully covered. */
static void
put_alert(const struct planrec *pr)
{
	double req = 0, unmet = 0, exp = 0;
	char what[512], action[512];
	int s, a;

	if (pr->no_need)
		return;
	for (s = 0; s < pr->nslots; s++) {
		req += pr->required_kw[s] * pr->hours[s];
		unmet += pr->unmet_kw[s] * pr->hours[s];
	}
	for (a = 0; a < pr->nalloc; a++)
		exp += pr->alloc[a].expected_kwh;
	if (pr->nalloc == 0) {
		snprintf(what, sizeof what, "%s turned %s and no flexibility "
		    "is planned for it", pr->feeder_id, pr->state >= 2 ?
		    "Critical" : "Alert");
		snprintf(action, sizeof action, "no plan: %s", pr->reason);
	} else if (unmet >= 0.0005) {
		snprintf(what, sizeof what, "%s needs %.3f kWh of flexibility "
		    "over the horizon and %.3f kWh of it cannot be covered",
		    pr->feeder_id, req, unmet);
		snprintf(action, sizeof action, "plan %s %s %d DERs for %.3f "
		    "kWh expected", pr->plan_id,
		    strcmp(pr->status, "pending_approval") == 0 ?
		    "proposes (awaiting approval)" : "books", pr->nalloc, exp);
	} else
		return;
	n_alerts++;
	fx_buf_puts(&ob, "{\"type\":\"alert\",\"severity\":");
	fx_buf_puts(&ob, pr->state >= 2 ? "\"critical\"" : "\"warning\"");
	fx_buf_puts(&ob, ",\"feeder_id\":");
	fx_buf_jstr(&ob, pr->feeder_id, strlen(pr->feeder_id));
	fx_buf_puts(&ob, ",\"timestamp\":");
	fx_buf_time(&ob, pr->decided_by != NULL ? pr->decided_at :
	    pr->issued_at);
	fx_buf_puts(&ob, ",\"source\":\"fx-plan\",\"event_id\":");
	fx_buf_jstr(&ob, pr->event_id, strlen(pr->event_id));
	fx_buf_puts(&ob, ",\"plan_id\":");
	fx_buf_jstr(&ob, pr->plan_id, strlen(pr->plan_id));
	fx_buf_puts(&ob, ",\"what\":");
	fx_buf_jstr(&ob, what, strlen(what));
	fx_buf_puts(&ob, ",\"action\":");
	fx_buf_jstr(&ob, action, strlen(action));
	fx_buf_puts(&ob, ",\"unmet_kwh\":");
	fx_buf_fixed(&ob, unmet, 3);
	fx_buf_putc(&ob, '}');
	fx_writer_record(out, &ob);
}

static void
emit_plan(const struct planrec *pr)
{
	planrec_put(&ob, pr);
	fx_writer_record(out, &ob);
	/* a plan goes on at once, not with the next block: the buyer's
	 * 5-second clock runs from the state change */
	fx_writer_flush(out);
	n_plans++;
	if (strcmp(pr->status, "dispatch") == 0 ||
	    strcmp(pr->status, "approved") == 0)
		n_dispatch++;
	else if (strcmp(pr->status, "pending_approval") == 0)
		n_pending++;
	else if (strcmp(pr->status, "none") == 0)
		n_none++;
	if (opt.verbose)
		fprintf(stderr, "%s: %s: %s, %d DERs, %s %s in %.1f ms\n", PROG,
		    pr->plan_id, pr->status, pr->nalloc, pr->solver,
		    pr->solver_status, pr->solve_ms);
}

/* Pending plans whose horizon ended before t, with no decision. */
static void
expire_pending(fx_time t)
{
	int i = 0;

	while (i < npending) {
		struct planrec *pr = &pending[i];

		if (t < pr->end[pr->nslots - 1]) {
			i++;
			continue;
		}
		pr->status = "expired";
		snprintf(pr->reason, sizeof pr->reason, "no operator decision "
		    "before the plan's horizon ended");
		emit_plan(pr);
		planrec_free(pr);
		*pr = pending[--npending];
	}
}

static int
get_int(jv rec, const char *key, int lo, int hi, int *v)
{
	double d;

	if (fx_json_num(rec, key, &d) != 1 || d != floor(d) || d < lo ||
	    d > hi)
		return -1;
	*v = (int)d;
	return 0;
}

static void
do_state_change(const fx_line *ln, jv rec)
{
	struct change c;
	struct feeder *fs;
	struct planrec pr;
	const char *ts;
	const char *why;
	char err[256];
	double v;

	memset(&c, 0, sizeof c);
	c.event_id = fx_json_str(rec, "event_id");
	c.feeder_id = fx_json_str(rec, "feeder_id");
	c.detected_at_wall = fx_json_str(rec, "detected_at_wall");
	ts = fx_json_str(rec, "timestamp");
	if (c.event_id == NULL || *c.event_id == '\0') {
		reject("state_change: event_id: missing, empty or not a "
		    "string");
		return;
	}
	if (c.feeder_id == NULL || *c.feeder_id == '\0') {
		reject("state_change: feeder_id: missing, empty or not a "
		    "string");
		return;
	}
	if (ts == NULL) {
		reject("state_change: timestamp: missing or not a string");
		return;
	}
	if (fx_time_parse_rfc3339(ts, strlen(ts), &c.t, &why) != 0) {
		reject("state_change: timestamp: %s '%s'", why,
		    fx_quote(ts, strlen(ts)));
		return;
	}
	if (get_int(rec, "prev_state", 0, 2, &c.prev) != 0 ||
	    get_int(rec, "new_state", 0, 2, &c.next) != 0) {
		reject("state_change: prev_state and new_state: want 0, 1 "
		    "or 2");
		return;
	}
	fs = feeder_get(c.feeder_id);
	if (fx_json_num(rec, "alert_kw", &v) == 1 && v > 0)
		fs->alert_kw = v;
	if (fx_json_num(rec, "critical_kw", &v) == 1 && v > 0)
		fs->critical_kw = v;
	if (fs->alert_kw <= 0 || fs->critical_kw <= 0) {
		double limit = fx_config_num(config, c.feeder_id, "limit_kw",
		    1000);

		if (fs->alert_kw <= 0)
			fs->alert_kw = limit * fx_config_num(config,
			    c.feeder_id, "alert_ratio", 0.8);
		if (fs->critical_kw <= 0)
			fs->critical_kw = limit * fx_config_num(config,
			    c.feeder_id, "critical_ratio", 0.95);
	}
	expire_pending(c.t);
	pass(ln);
	if (c.next < 1 || c.next <= c.prev)
		return;
	if (plan(fs, &c, 0, &pr, err, sizeof err) != 0) {
		fx_error("%s: internal error: %s", c.event_id, err);
		finish_output();
		exit(FX_EXIT_FAIL);
	}
	emit_plan(&pr);
	put_alert(&pr);
	if (strcmp(pr.status, "pending_approval") == 0) {
		if (npending == cappending) {
			cappending = cappending ? 2 * cappending : 8;
			pending = fx_xrealloc(pending, (unsigned long)cappending *
			    sizeof *pending);
		}
		pending[npending++] = pr;
	} else
		planrec_free(&pr);
}

static void
do_catalog(const fx_line *ln, jv rec)
{
	char err[256];
	const char *ts = fx_json_str(rec, "received_at"), *why;
	fx_time seen = 0;
	int acc, rej;

	if (ts != NULL && fx_time_parse_rfc3339(ts, strlen(ts), &seen,
	    &why) != 0) {
		reject("catalog: received_at: %s '%s'", why,
		    fx_quote(ts, strlen(ts)));
		return;
	}
	if (fx_catalog_add(catalog, rec, seen, in_name, in_line, &acc, &rej,
	    err, sizeof err) != 0) {
		reject("catalog: %s", err);
		return;
	}
	n_der_rej += (unsigned long long)rej;
	pass(ln);
	if (rej > 0 && opt.strict) {
		fx_error("--strict: a bad catalog entry");
		finish_output();
		exit(FX_EXIT_FAIL);
	}
}

/* ---- operator control (R30, policies) ---- */

static int
read_weights(jv w, struct weights *dst, const char *where, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "cost", "reliability",
	    "curtailment" };
	double *vals[] = { &dst->cost, &dst->reliability, &dst->curtailment };
	double v;
	jv tp;
	int i;

	if (jv_get_kind(w) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "%s: not an object", where);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		int rc = fx_json_num(w, keys[i], &v);

		if (rc < 0 || (rc == 1 && !(v >= 0 && v < 1e9))) {
			snprintf(err, errlen, "%s: %s: want a number >= 0",
			    where, keys[i]);
			return -1;
		}
		if (rc == 1)
			*vals[i] = v;
	}
	tp = fx_json_get(w, "type_preference");
	if (jv_get_kind(tp) == JV_KIND_OBJECT) {
		jv_object_foreach(tp, k, x) {
			int t = fx_der_type_parse(jv_string_value(k));

			if (t < 0 || jv_get_kind(x) != JV_KIND_NUMBER ||
			    !(fabs(jv_number_value(x)) < 1e9)) {
				snprintf(err, errlen, "%s: type_preference: "
				    "want battery, EV, HVAC or other with a "
				    "number, not %s", where,
				    fx_quote(jv_string_value(k),
				    strlen(jv_string_value(k))));
				jv_free(k);
				jv_free(x);
				jv_free(tp);
				return -1;
			}
			dst->type_pref[t] = jv_number_value(x);
			jv_free(k);
			jv_free(x);
		}
	} else if (jv_get_kind(tp) != JV_KIND_NULL) {
		snprintf(err, errlen, "%s: type_preference: not an object",
		    where);
		jv_free(tp);
		return -1;
	}
	jv_free(tp);
	return 0;
}

static struct planrec *
find_pending(const char *plan_id)
{
	int i;

	for (i = 0; i < npending; i++)
		if (strcmp(pending[i].plan_id, plan_id) == 0)
			return &pending[i];
	return NULL;
}

/* A well-formed control fx-plan will not act on: a warning, passed on. */
static void __attribute__((format(printf, 2, 3)))
refuse(const fx_line *ln, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n_refused++;
	fx_warn("%s:%ld: %s", in_name, in_line, msg);
	pass(ln);
}

/*
 * An operator's decision on a pending plan.  Approved as it stands when
 * its DERs are still free; when others booked them meanwhile, planned
 * again now (latest forecast, current bookings) and dispatched as the
 * operator's approval, naming the plan it replaces.
 */
static void
decide(struct planrec *pr, int approve, const char *user, fx_time t)
{
	char why[256], err[256];

	pr->decided_by = fx_xstrdup(user);
	pr->decided_at = t;
	pr->reason[0] = '\0';
	/* (a plan whose horizon t has passed expired before this) */
	if (!approve)
		pr->status = "rejected";
	else if (conflicts(pr, why, sizeof why)) {
		struct feeder *fs = feeder_get(pr->feeder_id);
		struct planrec np;
		struct change c;

		c.event_id = pr->event_id;
		c.feeder_id = pr->feeder_id;
		c.detected_at_wall = pr->detected_wall;
		c.t = t;
		c.prev = pr->prev_state;
		c.next = pr->state;
		if (plan(fs, &c, 1, &np, err, sizeof err) != 0) {
			fx_error("%s: internal error: %s", pr->plan_id, err);
			finish_output();
			exit(FX_EXIT_FAIL);
		}
		np.decided_by = fx_xstrdup(user);
		np.decided_at = t;
		np.replaces = fx_xstrdup(pr->plan_id);
		if (np.reason[0] == '\0')
			snprintf(np.reason, sizeof np.reason, "planned again "
			    "at approval: %s", why);
		pr->status = "superseded";
		snprintf(pr->reason, sizeof pr->reason, "approved, but %s: "
		    "planned again as %s", why, np.plan_id);
		emit_plan(pr);
		emit_plan(&np);
		put_alert(&np);
		planrec_free(&np);
		planrec_free(pr);
		*pr = pending[--npending];
		return;
	} else {
		pr->status = "approved";
		book(pr);
	}
	emit_plan(pr);
	planrec_free(pr);
	*pr = pending[--npending];
}

static void
do_control(const fx_line *ln, jv rec)
{
	const char *action = fx_json_str(rec, "action");
	const char *role = fx_json_str(rec, "role");
	const char *user = fx_json_str(rec, "user");
	const char *feeder = fx_json_str(rec, "feeder_id");
	const char *ts = fx_json_str(rec, "timestamp"), *why;
	jv params;
	fx_time t = 0;
	char err[256];
	int on, known;

	if (action == NULL) {
		reject("control: action: missing or not a string");
		return;
	}
	known = strcmp(action, "set_weights") == 0 ||
	    strcmp(action, "set_auto_dispatch") == 0 ||
	    strcmp(action, "approve_plan") == 0 ||
	    strcmp(action, "reject_plan") == 0;
	if (!known) {		/* for another program */
		pass(ln);
		return;
	}
	if (user == NULL || *user == '\0') {
		reject("control: %s: user: missing, empty or not a string",
		    action);
		return;
	}
	if (ts == NULL || fx_time_parse_rfc3339(ts, strlen(ts), &t,
	    &why) != 0) {
		reject("control: %s: timestamp: missing or not RFC 3339",
		    action);
		return;
	}
	params = fx_json_get(rec, "params");
	if (jv_get_kind(params) != JV_KIND_OBJECT) {
		jv_free(params);
		reject("control: %s: params: missing or not an object",
		    action);
		return;
	}
	expire_pending(t);
	/* well formed but refused: passed on, so the audit trail has it */
	if (role == NULL || (strcmp(role, "operator") != 0 &&
	    strcmp(role, "admin") != 0)) {
		jv_free(params);
		refuse(ln, "control: %s by %s: role %s may not do this "
		    "(operator or admin)", action, fx_quote(user, strlen(user)),
		    role == NULL ? "(missing)" : fx_quote(role, strlen(role)));
		return;
	}
	if (strcmp(action, "set_weights") == 0) {
		struct weights w = set.w;

		if (read_weights(params, &w, "control: set_weights: params",
		    err, sizeof err) != 0) {
			jv_free(params);
			refuse(ln, "%s", err);
			return;
		}
		set.w = w;
		if (opt.verbose)
			fprintf(stderr, "%s: weights set by %s: cost %g, "
			    "reliability %g, curtailment %g\n", PROG, user,
			    w.cost, w.reliability, w.curtailment);
	} else if (strcmp(action, "set_auto_dispatch") == 0) {
		if (fx_json_bool(params, "enabled", &on) != 1) {
			jv_free(params);
			refuse(ln, "control: set_auto_dispatch: params.enabled: "
			    "missing or not a boolean");
			return;
		}
		if (feeder != NULL && *feeder != '\0')
			feeder_get(feeder)->auto_dispatch = on;
		else {
			size_t i;

			set.auto_forced = on;
			for (i = 0; i < fx_feeders_count(feeders); i++)
				((struct feeder *)fx_feeders_state(feeders,
				    i))->auto_dispatch = -1;
		}
	} else {
		const char *id = fx_json_str(params, "plan_id");
		struct planrec *pr = id != NULL ? find_pending(id) : NULL;

		if (id == NULL) {
			jv_free(params);
			refuse(ln, "control: %s: params.plan_id: missing or not "
			    "a string", action);
			return;
		}
		if (pr == NULL) {
			refuse(ln, "control: %s: no plan %s awaits approval",
			    action, fx_quote(id, strlen(id)));
			jv_free(params);
			return;
		}
		jv_free(params);
		pass(ln);
		decide(pr, strcmp(action, "approve_plan") == 0, user, t);
		return;
	}
	jv_free(params);
	pass(ln);
}

static void
do_line(const fx_line *ln)
{
	const char *type;
	char err[512];
	jv rec;

	/* the bulk of a stream is readings and features: pass them unread */
	if (fx_record_is(ln->text, ln->len, "reading") == 1 ||
	    fx_record_is(ln->text, ln->len, "features") == 1 ||
	    fx_record_is(ln->text, ln->len, "state") == 1) {
		pass(ln);
		return;
	}
	rec = fx_json_parse_record(ln->text, ln->len, &type, err, sizeof err);
	if (!jv_is_valid(rec)) {
		jv_free(rec);
		reject("%s", err);
		return;
	}
	if (strcmp(type, "forecast") == 0)
		do_forecast(ln, rec);
	else if (strcmp(type, "state_change") == 0)
		do_state_change(ln, rec);
	else if (strcmp(type, "catalog") == 0)
		do_catalog(ln, rec);
	else if (strcmp(type, "control") == 0)
		do_control(ln, rec);
	else
		pass(ln);
	jv_free(rec);
}

static void
run_input(const char *path)
{
	fx_reader *r = fx_reader_open(path, 0);
	fx_line ln;
	int rc;

	if (r == NULL)
		exit(FX_EXIT_FAIL);
	fx_reader_tie(r, out);
	in_name = fx_reader_name(r);
	while ((rc = fx_reader_next(r, &ln)) != FX_LINE_EOF) {
		in_line = ln.lineno;
		if (rc == FX_LINE_TOOLONG) {
			n_in++;
			reject("line too long");
			continue;
		}
		if (ln.len == 0)
			continue;
		n_in++;
		do_line(&ln);
	}
	fx_reader_close(r);
}

/* ---- configuration ---- */

static void
config_error(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fx_error("%s: %s", fx_config_path(config), msg);
	exit(FX_EXIT_USAGE);
}

static void
read_policy(jv sec, const char *name, struct policy *pol)
{
	jv p = fx_json_get(sec, name);
	const char *q, *t;

	if (jv_get_kind(p) == JV_KIND_NULL) {
		jv_free(p);
		return;
	}
	if (jv_get_kind(p) != JV_KIND_OBJECT)
		config_error("plan.%s: not an object", name);
	q = fx_json_str(p, "quantile");
	t = fx_json_str(p, "target");
	{
		jv qv = fx_json_get(p, "quantile"), tv = fx_json_get(p,
		    "target");
		int bad = (jv_get_kind(qv) != JV_KIND_NULL && q == NULL) ||
		    (jv_get_kind(tv) != JV_KIND_NULL && t == NULL);

		jv_free(qv);
		jv_free(tv);
		if (bad)
			config_error("plan.%s: quantile and target are "
			    "strings", name);
	}
	if (q != NULL) {
		if (strcmp(q, "p50") == 0)
			pol->quantile = Q_P50;
		else if (strcmp(q, "hi80") == 0)
			pol->quantile = Q_HI80;
		else if (strcmp(q, "hi95") == 0)
			pol->quantile = Q_HI95;
		else
			config_error("plan.%s.quantile: want p50, hi80 or "
			    "hi95, not %s", name, fx_quote(q, strlen(q)));
	}
	if (t != NULL) {
		if (strcmp(t, "alert") == 0)
			pol->target = T_ALERT;
		else if (strcmp(t, "critical") == 0)
			pol->target = T_CRITICAL;
		else
			config_error("plan.%s.target: want alert or critical, "
			    "not %s", name, fx_quote(t, strlen(t)));
	}
	jv_free(p);
}

static void
load_catalog(const char *path)
{
	char err[512];
	int rej = fx_catalog_load(catalog, path, err, sizeof err);

	if (rej < 0) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	n_der_rej += (unsigned long long)rej;
	if (rej > 0 && opt.strict) {
		fx_error("--strict: %d bad entries in %s", rej, path);
		exit(FX_EXIT_FAIL);
	}
}

/* A catalog path from the config: relative to the config file. */
static void
load_config_catalog(const char *p)
{
	const char *cfg = fx_config_path(config), *slash;
	char *full;

	if (p[0] == '/' || (slash = strrchr(cfg, '/')) == NULL) {
		load_catalog(p);
		return;
	}
	full = fx_xmalloc((size_t)(slash - cfg) + strlen(p) + 2);
	memcpy(full, cfg, (size_t)(slash - cfg) + 1);
	strcpy(full + (slash - cfg) + 1, p);
	load_catalog(full);
	free(full);
}

static void
read_config(void)
{
	jv sec = fx_config_section(config, "plan"), v;
	double x;
	char err[512];
	int rc, b;
	size_t fi;

	v = fx_config_root(config);
	{
		jv root = v;

		v = fx_json_get(root, "plan");
		jv_free(root);
	}
	if (jv_get_kind(v) != JV_KIND_NULL && jv_get_kind(v) != JV_KIND_OBJECT)
		config_error("plan: not an object");
	jv_free(v);
	for (fi = 0; fi < fx_config_nfeeders(config); fi++) {
		const char *id = fx_config_feeder_id(config, fi);

		v = fx_config_feeder(config, id);
		if (fx_json_bool(v, "auto_dispatch", &b) < 0)
			config_error("feeder %s: auto_dispatch: not a boolean",
			    fx_quote(id, strlen(id)));
		jv_free(v);
	}
	v = fx_config_section(config, "defaults");
	if (fx_json_bool(v, "auto_dispatch", &b) < 0)
		config_error("defaults.auto_dispatch: not a boolean");
	jv_free(v);

	if ((rc = fx_json_num(sec, "time_limit_ms", &x)) < 0 ||
	    (rc == 1 && !(x >= 1 && x <= 600000 && x == floor(x))))
		config_error("plan.time_limit_ms: want a whole number of "
		    "milliseconds, 1 to 600000");
	if (rc == 1)
		set.time_limit_ms = (int)x;
	if ((rc = fx_json_num(sec, "max_aggregator_share", &x)) < 0 ||
	    (rc == 1 && !(x > 0 && x <= 1)))
		config_error("plan.max_aggregator_share: want a number in "
		    "(0, 1]");
	if (rc == 1)
		set.agg_share = x;
	if ((rc = fx_json_bool(sec, "auto_dispatch", &b)) < 0)
		config_error("plan.auto_dispatch: not a boolean");
	if (rc == 1)
		set.auto_dispatch = b;
	v = fx_json_get(sec, "max_forecast_age");
	if (jv_get_kind(v) == JV_KIND_STRING) {
		int64_t ms;

		if (fx_duration_parse(jv_string_value(v), &ms) != 0 || ms <= 0)
			config_error("plan.max_forecast_age: not a duration "
			    "> 0");
		set.max_fc_age = ms;
	} else if (jv_get_kind(v) != JV_KIND_NULL)
		config_error("plan.max_forecast_age: not a duration string");
	jv_free(v);
	v = fx_json_get(sec, "weights");
	if (jv_get_kind(v) != JV_KIND_NULL &&
	    read_weights(v, &set.w, "plan.weights", err, sizeof err) != 0)
		config_error("%s", err);
	jv_free(v);
	v = fx_json_get(sec, "type_preference");
	if (jv_get_kind(v) != JV_KIND_NULL) {
		jv w = jv_object_set(jv_object(), jv_string("type_preference"),
		    jv_copy(v));

		if (read_weights(w, &set.w, "plan", err, sizeof err) != 0)
			config_error("%s", err);
		jv_free(w);
	}
	jv_free(v);
	read_policy(sec, "alert", &set.alert);
	read_policy(sec, "critical", &set.critical);
	v = fx_json_get(sec, "catalog");
	if (jv_get_kind(v) == JV_KIND_STRING)
		load_config_catalog(jv_string_value(v));
	else if (jv_get_kind(v) == JV_KIND_ARRAY) {
		jv_array_foreach(v, i, p) {
			if (jv_get_kind(p) != JV_KIND_STRING)
				config_error("plan.catalog[%d]: not a string",
				    i);
			load_config_catalog(jv_string_value(p));
			jv_free(p);
		}
	} else if (jv_get_kind(v) != JV_KIND_NULL)
		config_error("plan.catalog: want a file name or a list of them");
	jv_free(v);
	jv_free(sec);
}

static void
parse_weights_opt(const char *arg)
{
	char *copy = fx_xstrdup(arg), *tok, *save = NULL, *end;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		double v;
		int t;

		if (eq == NULL)
			goto bad;
		*eq = '\0';
		errno = 0;
		v = strtod(eq + 1, &end);
		if (end == eq + 1 || *end != '\0' || errno != 0 ||
		    !(fabs(v) < 1e9))
			goto bad;
		if (strcmp(tok, "cost") == 0 && v >= 0)
			set.w.cost = v;
		else if (strcmp(tok, "reliability") == 0 && v >= 0)
			set.w.reliability = v;
		else if (strcmp(tok, "curtailment") == 0 && v >= 0)
			set.w.curtailment = v;
		else if ((t = fx_der_type_parse(tok)) >= 0)
			set.w.type_pref[t] = v;
		else
			goto bad;
	}
	free(copy);
	return;
bad:
	free(copy);
	fx_error("--weights: want name=number pairs (cost, reliability, "
	    "curtailment >= 0; battery, EV, HVAC, other), not '%s'",
	    fx_quote(arg, strlen(arg)));
	exit(FX_EXIT_USAGE);
}

static double
number_arg(const char *what, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) {
		fx_error("%s: want a number from %g to %g, not '%s'", what, lo,
		    hi, fx_quote(s, strlen(s)));
		exit(FX_EXIT_USAGE);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "errors-inline", no_argument, NULL, O_ERRORS_INLINE },
		{ "greedy", no_argument, NULL, O_GREEDY },
		{ "max-forecast-age", required_argument, NULL, O_MAX_FC_AGE },
		{ "no-auto-dispatch", no_argument, NULL, O_NO_AUTO },
		{ "share", required_argument, NULL, O_SHARE },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "time-limit", required_argument, NULL, O_TIME_LIMIT },
		{ "weights", required_argument, NULL, O_WEIGHTS },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfg = NULL, **cats = NULL, *weights = NULL;
	double share = 0, tlim = 0;
	int64_t age = 0;
	int ch, i, ncats = 0, no_auto = 0, status = FX_EXIT_OK;
	char err[512];

	fx_err_init(PROG);
	set.w.cost = 1;
	set.w.reliability = 0.1;
	set.w.curtailment = 10;
	set.alert.quantile = Q_P50;
	set.alert.target = T_ALERT;
	set.critical.quantile = Q_HI95;
	set.critical.target = T_ALERT;
	set.agg_share = 1;
	set.time_limit_ms = 200;
	set.auto_dispatch = 1;
	set.auto_forced = -1;
	set.max_fc_age = 30 * 60000;
	cats = fx_xcalloc((size_t)argc + 1, sizeof *cats);
	while ((ch = getopt_long(argc, argv, "c:hqv", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': cfg = optarg; break;
		case 'h': usage(FX_EXIT_OK); break;
		case 'q': opt.quiet = 1; break;
		case 'v': opt.verbose = 1; break;
		case O_CATALOG: cats[ncats++] = optarg; break;
		case O_ERRORS_INLINE: opt.errors_inline = 1; break;
		case O_GREEDY: set.greedy_only = 1; break;
		case O_MAX_FC_AGE:
			age = fx_opt_duration("--max-forecast-age", optarg);
			break;
		case O_NO_AUTO: no_auto = 1; break;
		case O_SHARE:
			share = number_arg("--share", optarg, 1e-6, 1);
			break;
		case O_STRICT: opt.strict = 1; break;
		case O_TIME_LIMIT:
			tlim = number_arg("--time-limit", optarg, 1, 600000);
			if (tlim != floor(tlim)) {
				fx_error("--time-limit: want whole milliseconds, "
				    "not '%s'", fx_quote(optarg,
				    strlen(optarg)));
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_WEIGHTS: weights = optarg; break;
		default: usage(FX_EXIT_USAGE);
		}
	argc -= optind;
	argv += optind;
	if ((config = fx_config_load(cfg, err, sizeof err)) == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	catalog = fx_catalog_new();
	read_config();
	/* options over the config */
	if (weights != NULL)
		parse_weights_opt(weights);
	if (share > 0)
		set.agg_share = share;
	if (tlim > 0)
		set.time_limit_ms = (int)tlim;
	if (age > 0)
		set.max_fc_age = age;
	if (no_auto)
		set.auto_forced = 0;
	for (i = 0; i < ncats; i++)
		load_catalog(cats[i]);
	free(cats);
	out = fx_writer_new(1, 0);
	feeders = fx_feeders_new(sizeof(struct feeder), free_feeder);
	derstates = fx_feeders_new(sizeof(struct derstate), free_derstate);
	for (i = 0; i < (argc ? argc : 1); i++)
		run_input(argc ? argv[i] : "-");
	finish_output();
	if (n_in != n_pass + n_rej) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_pass + n_rej);
		status = FX_EXIT_FAIL;
	}
	if (!opt.quiet) {
		size_t k, live = 0;

		for (k = 0; k < fx_catalog_count(catalog); k++)
			live += !fx_catalog_get(catalog, k)->withdrawn;
		fprintf(stderr, "%s: %llu records in, %llu passed, %llu "
		    "rejected; %llu plans (%llu dispatched, %llu awaiting "
		    "approval, %llu without action), %llu alerts, %llu controls "
		    "refused; catalog %zu DERs, %llu entries rejected\n", PROG,
		    n_in, n_pass, n_rej, n_plans, n_dispatch, n_pending, n_none,
		    n_alerts, n_refused, live, n_der_rej);
	}
	if (n_rej > 0 && status == FX_EXIT_OK && opt.strict)
		status = FX_EXIT_FAIL;
	for (i = 0; i < npending; i++)
		planrec_free(&pending[i]);
	free(pending);
	fx_buf_free(&ob);
	fx_catalog_free(catalog);
	fx_feeders_free(feeders);
	fx_feeders_free(derstates);
	fx_config_free(config);
	return status;
}
