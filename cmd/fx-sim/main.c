/*
 * fx-sim - synthetic feeder load curves (SRS R1-R5).
 *
 * For each time step from the start to the end, writes an exo record
 * (temperature and calendar) when one is due, then one reading per feeder
 * in feeder order, in the same form fx-ingest gives real telemetry.  The
 * load of a feeder is its profile's calendar shape between base_kw and
 * peak_kw, plus temperature-driven HVAC, an evening EV-charging bump,
 * AR(1) noise and the injected spikes.  Offline it runs as fast as it can;
 * online (--online, --speed) it paces the steps to the wall clock and
 * flushes each one.  The same arguments and seed give the same bytes.
 * The model is described in fx-sim(1).
 *
 * This file holds the options, main and the output loop; the model is in
 * model.c, the settings, spikes, events and holidays in scenario.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "ndjson.h"
#include "timeutil.h"

#include "sim.h"

#define MAX_FEEDERS	1000000

static void
usage(int status)
{
	fputs("usage: fx-sim [-hv] [-c file] [-d duration | -e time] "
	    "[-f ndjson | csv] [-n feeders]\n"
	    "\t[-p profile] [--electrical] [--exo-csv file] "
	    "[--exo-interval duration]\n"
	    "\t[--holiday date] [--no-exo] [--noise frac] [--online] "
	    "[--scenario file]\n"
	    "\t[--seed n] [--source name] [--speed n] [--spike spec] "
	    "[--start time]\n"
	    "\t[--step duration] [--tz zone]\n",
	    status ? stderr : stdout);
	exit(status);
}

/* Sleeps until the wall-clock instant of simulated time t. */
static void
pace(const struct sim *s, const struct timespec *t0, fx_time t)
{
	double ns = (double)(t - s->start) * 1e6 / s->speed;
	struct timespec due;
	long long whole = (long long)(ns / 1e9);

	due.tv_sec = t0->tv_sec + (time_t)whole;
	due.tv_nsec = t0->tv_nsec + (long)(ns - (double)whole * 1e9);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) ==
	    EINTR)
		;
}

static void
put_text(fx_writer *w, const char *s)
{
	fx_writer_put(w, s, strlen(s));
}

static void
put_bool(fx_buf *b, int v)
{
	if (v)
		fx_buf_put(b, "true", 4);
	else
		fx_buf_put(b, "false", 5);
}

/* What the records of one step share. */
struct stepinfo {
	fx_time t;
	uint64_t stepno;
	struct slow sl;
	int dow, holiday;
	double heat_deg, cool_deg;	/* below heating_below_c, above cooling_above_c */
	char text[FX_TIME_MAX_TEXT];	/* the time, for CSV */
	size_t textlen;
	fx_buf json;			/* "time","load_kw": for NDJSON */
};

/* The load of feeder i at the step; advances its noise. */
static double
feeder_load(const struct sim *s, struct feeder *f, const struct stepinfo *st)
{
	double shape = st->sl.shape[f->profile], model, hvac;

	hvac = f->heat * st->heat_deg + f->cool * st->cool_deg;
	model = f->base + f->span * shape + hvac * (0.5 + 0.5 * shape) +
	    f->ev_kw * f->ev_amp * st->sl.ev;
	if (s->noise > 0) {
		f->z = s->noise_phi * f->z + s->noise_innov *
		    gsl_ran_gaussian_ziggurat(f->rng, 1);
		model *= 1 + s->noise * f->z;
	}
	if (f->nspikes > 0)
		model += spike_at(f, st->t);
	return model;
}

/* Appends one reading to rec (without its newline). */
static void
format_reading(const struct sim *s, size_t i, double load,
    const struct stepinfo *st, fx_buf *rec)
{
	const struct feeder *f = &s->feeders[i];

	if (s->csv) {
		fx_buf_put(rec, st->text, st->textlen);
		fx_buf_putc(rec, ',');
		fx_buf_put(rec, f->csvid.data, f->csvid.len);
	} else {
		fx_buf_put(rec, f->prefix.data, f->prefix.len);
		fx_buf_put(rec, st->json.data, st->json.len);
	}
	fx_buf_fixed(rec, load, 3);
	if (s->electrical) {
		double kva = fabs(load) / f->pf, v, amps;
		double u = unit_hash(s->seed ^ 0x766f6c74, i, st->stepno) - 0.5;

		/* The voltage sags with the load: 2% above nominal with no
		 * load, 2% below at peak_kw, and a little noise. */
		v = f->vnom * (1.02 - 0.04 * load / (f->peak > 0 ? f->peak : 1) +
		    0.004 * u);
		if (v < 0.5 * f->vnom)
			v = 0.5 * f->vnom;
		amps = kva * 1000 / (sqrt(3) * v);
		fx_buf_puts(rec, s->csv ? "," : ",\"kva\":");
		fx_buf_fixed(rec, kva, 3);
		fx_buf_puts(rec, s->csv ? "," : ",\"voltage_v\":");
		fx_buf_fixed(rec, v, 1);
		fx_buf_puts(rec, s->csv ? "," : ",\"current_a\":");
		fx_buf_fixed(rec, amps, 2);
	}
	if (!s->csv)
		fx_buf_put(rec, s->suffix.data, s->suffix.len);
}

/* Appends the step's exo record to rec, as CSV or NDJSON. */
static void
format_exo(const struct sim *s, const struct stepinfo *st, int csv,
    fx_buf *rec)
{
	int event = event_at(s, st->t);
	char text[FX_TIME_MAX_TEXT];

	if (csv) {
		fx_buf_put(rec, text, fx_time_format(st->t, text));
		fx_buf_putc(rec, ',');
		fx_buf_fixed(rec, st->sl.temp, 2);
		fx_buf_puts(rec, st->holiday ? ",true" : ",false");
		fx_buf_puts(rec, event ? ",true," : ",false,");
		fx_buf_int(rec, st->dow);
		return;
	}
	fx_buf_puts(rec, "{\"type\":\"exo\",\"timestamp\":");
	fx_buf_time(rec, st->t);
	fx_buf_puts(rec, ",\"temperature_c\":");
	fx_buf_fixed(rec, st->sl.temp, 2);
	fx_buf_puts(rec, ",\"holiday_flag\":");
	put_bool(rec, st->holiday);
	fx_buf_puts(rec, ",\"event_flag\":");
	put_bool(rec, event);
	fx_buf_puts(rec, ",\"dow\":");
	fx_buf_int(rec, st->dow);
	fx_buf_put(rec, s->suffix.data, s->suffix.len);
}

/*
 * The main loop: every step from start to end, the exo record when due
 * (to exo_out if not NULL, else into out unless it is CSV), then each
 * feeder's reading.  Online, each step waits for its wall-clock time and
 * is flushed.  Counts what it writes in *nreadings and *nexo.
 */
static void
simulate(struct sim *s, fx_writer *out, fx_writer *exo_out,
    uint64_t *nreadings, uint64_t *nexo)
{
	struct stepinfo st = { .json = FX_BUF_INIT };
	fx_buf rec = FX_BUF_INIT;
	struct timespec t0;
	int64_t local_day, last_day = INT64_MIN, slot, exo_slot = INT64_MIN;
	int exo = s->exo && (exo_out != NULL || !s->csv);
	size_t i;

	fx_buf_puts(&s->suffix, ",\"source\":");
	fx_buf_jstr(&s->suffix, s->source, strlen(s->source));
	fx_buf_putc(&s->suffix, '}');
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (st.t = s->start; st.t < s->end; st.t += s->step, st.stepno++) {
		if (st.t >= TIME_LIMIT)
			fx_die(FX_EXIT_FAIL, "time ran past the year 9999");
		if (s->online)
			pace(s, &t0, st.t);
		slow_at(s, st.t, &st.sl);
		st.heat_deg = st.sl.temp < s->heat_below ?
		    s->heat_below - st.sl.temp : 0;
		st.cool_deg = st.sl.temp > s->cool_above ?
		    st.sl.temp - s->cool_above : 0;
		local_day = floor_div(st.t + utc_offset(s, st.t),
		    FX_MS_PER_DAY);
		if (local_day != last_day) {
			/* A new local day: its calendar, and each feeder's
			 * EV amplitude (0.8 of it on weekends and holidays). */
			double scale = day_type(s, local_day) == WEEKDAY ? 1 :
			    0.8;

			st.dow = day_dow(local_day);
			st.holiday = is_holiday(s, local_day);
			for (i = 0; i < s->nfeeders; i++)
				s->feeders[i].ev_amp = scale * (0.5 +
				    unit_hash(s->seed ^ 0x6576, i,
				    (uint64_t)local_day));
			last_day = local_day;
		}
		if (s->csv)
			st.textlen = fx_time_format(st.t, st.text);
		else {
			st.json.len = 0;
			fx_buf_time(&st.json, st.t);
			fx_buf_puts(&st.json, ",\"load_kw\":");
		}

		slot = floor_div(st.t, s->exo_interval);
		if (exo && slot != exo_slot) {
			format_exo(s, &st, exo_out != NULL, &rec);
			fx_writer_record(exo_out != NULL ? exo_out : out, &rec);
			exo_slot = slot;
			(*nexo)++;
		}
		for (i = 0; i < s->nfeeders; i++) {
			format_reading(s, i, feeder_load(s, &s->feeders[i],
			    &st), &st, &rec);
			fx_writer_record(out, &rec);
		}
		*nreadings += s->nfeeders;
		if (s->online) {
			if (exo_out != NULL)
				fx_writer_flush(exo_out);
			fx_writer_flush(out);
		}
	}
	fx_buf_free(&rec);
	fx_buf_free(&st.json);
}

int
main(int argc, char *argv[])
{
	enum { O_ELECTRICAL = 256, O_EXO_CSV, O_EXO_INTERVAL, O_HOLIDAY,
	    O_NO_EXO, O_NOISE, O_ONLINE, O_SCENARIO, O_SEED, O_SOURCE,
	    O_SPEED, O_SPIKE, O_START, O_STEP, O_TZ };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "electrical", no_argument, NULL, O_ELECTRICAL },
		{ "end", required_argument, NULL, 'e' },
		{ "exo-csv", required_argument, NULL, O_EXO_CSV },
		{ "exo-interval", required_argument, NULL, O_EXO_INTERVAL },
		{ "feeders", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "holiday", required_argument, NULL, O_HOLIDAY },
		{ "no-exo", no_argument, NULL, O_NO_EXO },
		{ "noise", required_argument, NULL, O_NOISE },
		{ "online", no_argument, NULL, O_ONLINE },
		{ "profile", required_argument, NULL, 'p' },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "seed", required_argument, NULL, O_SEED },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "speed", required_argument, NULL, O_SPEED },
		{ "spike", required_argument, NULL, O_SPIKE },
		{ "start", required_argument, NULL, O_START },
		{ "step", required_argument, NULL, O_STEP },
		{ "tz", required_argument, NULL, O_TZ },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	/* Settings that the configuration's "sim" section may also give. */
	enum { P_START, P_DURATION, P_END, P_STEP, P_SEED, P_NOISE,
	    P_NOISE_TAU, P_EXO_INTERVAL, P_PROFILE, P_SOURCE, P_TZ, NPARAMS };
	static const char *const pnames[] = { "start", "duration", "end",
	    "step", "seed", "noise", "noise_tau", "exo_interval", "profile",
	    "source", "tz", NULL };
	static const char *const simkeys[] = { "start", "duration", "end",
	    "step", "seed", "noise", "noise_tau", "exo_interval", "profile",
	    "source", "tz", "location", "hvac", "spikes", "events",
	    "holidays", NULL };
	struct param cli[NPARAMS] = { { 0 } }, par[NPARAMS] = { { 0 } };
	char *cfgtexts[NPARAMS] = { 0 };
	struct sim sim = { 0 }, *s = &sim;
	const char *cfgpath = NULL, *format = "ndjson", *nfeeders = NULL;
	const char *speed = NULL, *exo_csv = NULL, *scenario_path = NULL;
	const char *sim_profile = NULL;
	char nwhere[64] = "-n", fwhere[64] = "-f";
	const char **cli_spikes = NULL, **cli_holidays = NULL;
	size_t ncli_spikes = 0, ncli_holidays = 0, nspikedefs = 0, i;
	struct spikedef *spikedefs = NULL;
	fx_config *cfg;
	jv simsec, scenario = jv_invalid(), root, defaults;
	char err[1024], optname[64];
	int c, li, cli_profile = -1, online = 0, no_exo = 0;
	fx_writer *out, *exo_out = NULL;
	uint64_t nreadings = 0, nexo = 0;
	int status = FX_EXIT_OK;

	fx_err_init("fx-sim");
	opterr = 0;
	for (;;) {
		li = -1;
		c = getopt_long(argc, argv, ":c:d:e:f:hn:p:v", longopts, &li);
		if (c == -1)
			break;
		if (li >= 0)
			snprintf(optname, sizeof optname, "--%s",
			    longopts[li].name);
		else
			snprintf(optname, sizeof optname, "-%c", c);
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			set_param(&cli[P_DURATION], optarg, fx_xstrdup(optname));
			break;
		case 'e':
			set_param(&cli[P_END], optarg, fx_xstrdup(optname));
			break;
		case 'f':
			format = optarg;
			snprintf(fwhere, sizeof fwhere, "%s", optname);
			break;
		case 'h':
			usage(FX_EXIT_OK);
			break;
		case 'n':
			nfeeders = optarg;
			snprintf(nwhere, sizeof nwhere, "%s", optname);
			break;
		case 'p':
			set_param(&cli[P_PROFILE], optarg, fx_xstrdup(optname));
			break;
		case 'v':
			s->verbose = 1;
			break;
		case O_ELECTRICAL:
			s->electrical = 1;
			break;
		case O_EXO_CSV:
			exo_csv = optarg;
			break;
		case O_EXO_INTERVAL:
			set_param(&cli[P_EXO_INTERVAL], optarg,
			    fx_xstrdup(optname));
			break;
		case O_HOLIDAY:
			cli_holidays = fx_xrealloc(cli_holidays,
			    (ncli_holidays + 1) * sizeof *cli_holidays);
			cli_holidays[ncli_holidays++] = optarg;
			break;
		case O_NO_EXO:
			no_exo = 1;
			break;
		case O_NOISE:
			set_param(&cli[P_NOISE], optarg, fx_xstrdup(optname));
			break;
		case O_ONLINE:
			online = 1;
			break;
		case O_SCENARIO:
			scenario_path = optarg;
			break;
		case O_SEED:
			set_param(&cli[P_SEED], optarg, fx_xstrdup(optname));
			break;
		case O_SOURCE:
			set_param(&cli[P_SOURCE], optarg, fx_xstrdup(optname));
			break;
		case O_SPEED:
			speed = optarg;
			break;
		case O_SPIKE:
			cli_spikes = fx_xrealloc(cli_spikes,
			    (ncli_spikes + 1) * sizeof *cli_spikes);
			cli_spikes[ncli_spikes++] = optarg;
			break;
		case O_START:
			set_param(&cli[P_START], optarg, fx_xstrdup(optname));
			break;
		case O_STEP:
			set_param(&cli[P_STEP], optarg, fx_xstrdup(optname));
			break;
		case O_TZ:
			set_param(&cli[P_TZ], optarg, fx_xstrdup(optname));
			break;
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				fx_error("option '%s' needs a value",
				    argv[optind - 1]);
			else
				fx_error("option '-%c' needs a value", optopt);
			usage(FX_EXIT_USAGE);
			break;
		default:
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				fx_error("unknown option '-%c'", optopt);
			else if (optopt != 0)
				fx_error("option '%.*s' takes no value",
				    (int)strcspn(argv[optind - 1], "="),
				    argv[optind - 1]);
			else
				fx_error("unknown option '%s'",
				    argv[optind - 1]);
			usage(FX_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fx_error("unexpected argument '%s'", argv[optind]);
		usage(FX_EXIT_USAGE);
	}
	if (cli[P_DURATION].text != NULL && cli[P_END].text != NULL)
		fx_die(FX_EXIT_USAGE, "%s and %s cannot be used together",
		    cli[P_DURATION].where, cli[P_END].where);

	/* The configuration, then the command line over it. */
	if ((cfg = fx_config_load(cfgpath, err, sizeof err)) == NULL) {
		fx_die(FX_EXIT_USAGE, "%s", err);
	}
	simsec = fx_config_section(cfg, "sim");
	{
		char *w = xasprintf("%s: sim", fx_config_path(cfg));
		jv r = fx_config_root(cfg), v = fx_json_get(r, "sim");

		if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_OBJECT &&
		    jv_get_kind(v) != JV_KIND_NULL)
			fx_die(FX_EXIT_USAGE, "%s: not an object '%s'", w,
			    jv_text(v));
		jv_free(v);
		jv_free(r);

		check_keys(simsec, w, simkeys);
		free(w);
	}
	config_params(simsec, fx_config_path(cfg), pnames, par, cfgtexts);
	if (cli[P_DURATION].text != NULL || cli[P_END].text != NULL) {
		set_param(&par[P_DURATION], NULL, NULL);
		set_param(&par[P_END], NULL, NULL);
	} else if (par[P_DURATION].text != NULL && par[P_END].text != NULL)
		fx_die(FX_EXIT_USAGE, "%s and %s cannot be used together",
		    par[P_DURATION].where, par[P_END].where);
	for (i = 0; i < NPARAMS; i++)
		if (cli[i].text != NULL)
			set_param(&par[i], cli[i].text, cli[i].where);

	if (strcmp(format, "csv") == 0)
		s->csv = 1;
	else if (strcmp(format, "ndjson") != 0)
		fx_die(FX_EXIT_USAGE, "%s: unknown format '%s' (want ndjson or "
		    "csv)", fwhere, format);
	if (par[P_TZ].text != NULL &&
	    (s->tz = fx_tz_open(par[P_TZ].text, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: %s", par[P_TZ].where, err);
	s->tz_key = INT64_MIN;

	s->step = par[P_STEP].text ? param_seconds(&par[P_STEP]) : MS_PER_MIN;
	s->exo_interval = par[P_EXO_INTERVAL].text ?
	    param_seconds(&par[P_EXO_INTERVAL]) : 15 * MS_PER_MIN;
	s->exo = !no_exo;
	s->seed = 1;
	if (par[P_SEED].text && parse_uint(par[P_SEED].text, &s->seed) != 0)
		fx_die(FX_EXIT_USAGE, "%s: not a non-negative integer '%s'",
		    par[P_SEED].where, par[P_SEED].text);
	s->noise = 0.02;
	if (par[P_NOISE].text && (parse_num(par[P_NOISE].text, &s->noise) ||
	    s->noise < 0 || s->noise >= 1))
		fx_die(FX_EXIT_USAGE, "%s: not a number in [0, 1) '%s'",
		    par[P_NOISE].where, par[P_NOISE].text);
	{
		int64_t tau = par[P_NOISE_TAU].text ?
		    param_duration(&par[P_NOISE_TAU]) : 10 * MS_PER_MIN;

		s->noise_phi = exp(-(double)s->step / (double)tau);
		s->noise_innov = sqrt(1 - s->noise_phi * s->noise_phi);
	}
	s->source = fx_xstrdup(par[P_SOURCE].text ? par[P_SOURCE].text : "sim");
	/* --profile overrides the feeders' own; sim.profile only fills in
	 * for feeders without one. */
	if (par[P_PROFILE].text != NULL) {
		int p = lookup_profile(par[P_PROFILE].text);

		if (p < 0)
			fx_die(FX_EXIT_USAGE, "%s: unknown profile '%s' (want "
			    "residential, commercial, industrial or mixed)",
			    par[P_PROFILE].where, par[P_PROFILE].text);
		if (cli[P_PROFILE].text != NULL)
			cli_profile = p;
		else
			sim_profile = par[P_PROFILE].text;
	}
	if (speed != NULL) {
		if (parse_num(speed, &s->speed) != 0 || s->speed <= 0)
			fx_die(FX_EXIT_USAGE, "--speed: not a positive number "
			    "'%s'", speed);
		online = 1;
	} else
		s->speed = 1;
	s->online = online;

	if (par[P_START].text != NULL && strcmp(par[P_START].text, "now") == 0) {
		struct timespec now;
		fx_time t;

		clock_gettime(CLOCK_REALTIME, &now);
		t = (fx_time)now.tv_sec * MS_PER_SEC + now.tv_nsec / 1000000;
		s->start = floor_div(t, s->step) * s->step;
	} else if (par[P_START].text != NULL)
		s->start = param_time(s, &par[P_START]);
	else
		s->start = 1736121600000LL;	/* 2025-01-06T00:00:00Z, a Monday */
	if (par[P_END].text != NULL) {
		s->end = param_time(s, &par[P_END]);
		if (s->end <= s->start)
			fx_die(FX_EXIT_USAGE, "%s: not after the start '%s'",
			    par[P_END].where, par[P_END].text);
	} else if (par[P_DURATION].text != NULL) {
		int64_t d = param_duration(&par[P_DURATION]);

		if (d >= TIME_LIMIT - s->start)
			fx_die(FX_EXIT_USAGE, "%s: runs past the year 9999 '%s'",
			    par[P_DURATION].where, par[P_DURATION].text);
		s->end = s->start + d;
	} else if (online)
		s->end = INT64_MAX;	/* online without an end: forever */
	else
		s->end = s->start + FX_MS_PER_DAY;

	/* Temperature model defaults (a temperate northern climate). */
	s->mean_c = 11;
	s->seasonal_c = 7;
	s->diurnal_c = 4;
	s->coldest_doy = 20;
	s->wx_sd = 1.5;
	s->heat_below = 15;
	s->cool_above = 22;
	config_model(s, simsec, fx_config_path(cfg));

	/* Feeders: -n, else the configured ones, else one. */
	if (nfeeders != NULL) {
		uint64_t n;

		if (parse_uint(nfeeders, &n) != 0 || n < 1 || n > MAX_FEEDERS)
			fx_die(FX_EXIT_USAGE, "%s: not an integer in 1..%d '%s'",
			    nwhere, MAX_FEEDERS, nfeeders);
		s->nfeeders = (size_t)n;
	} else if ((s->nfeeders = fx_config_nfeeders(cfg)) == 0)
		s->nfeeders = 1;
	s->feeders = fx_xcalloc(s->nfeeders, sizeof *s->feeders);
	root = fx_config_root(cfg);
	defaults = fx_json_get(root, "defaults");
	{
		int width = 3;
		size_t n;
		for (n = s->nfeeders; n >= 1000; n /= 10)
			width++;
		for (i = 0; i < s->nfeeders; i++) {
			struct feeder *f = &s->feeders[i];

			if (nfeeders != NULL || fx_config_nfeeders(cfg) == 0)
				f->id = xasprintf("F%0*zu", width, i + 1);
			else
				f->id = fx_xstrdup(fx_config_feeder_id(cfg, i));
			f->idlen = strlen(f->id);
			setup_feeder(s, cfg, defaults, f, i, cli_profile,
			    sim_profile);
		}
	}

	/* Spikes, events and holidays: configuration, scenario, command
	 * line, all together. */
	{
		char *w = xasprintf("%s: sim.", fx_config_path(cfg));

		parse_lists(s, simsec, w, &spikedefs, &nspikedefs);
		free(w);
	}
	if (scenario_path != NULL) {
		char *w = xasprintf("%s: ", scenario_path);

		scenario = load_scenario(scenario_path);
		parse_lists(s, scenario, w, &spikedefs, &nspikedefs);
		free(w);
	}
	for (i = 0; i < ncli_spikes; i++)
		parse_spike_spec(s, cli_spikes[i], "--spike", &spikedefs,
		    &nspikedefs);
	for (i = 0; i < ncli_holidays; i++)
		add_holiday(s, parse_holiday("--holiday", cli_holidays[i]));
	if (s->nholidays > 0)
		qsort(s->holidays, s->nholidays, sizeof *s->holidays, cmp_day);
	place_spikes(s, spikedefs, nspikedefs);

	/* The model's shared state. */
	init_norm(s);
	s->wx_rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(s->wx_rng, (unsigned long)(mix64(s->seed ^
	    0x77656174686572ULL) & 0xffffffffUL));
	s->wx_phi = exp(-1.0 / 12);	/* 12-hour time constant */
	s->wx_hour = floor_div(s->start, MS_PER_HOUR);
	s->wx0 = s->wx_sd * gsl_ran_gaussian_ziggurat(s->wx_rng, 1);
	s->wx1 = s->wx_phi * s->wx0 + s->wx_sd * sqrt(1 - s->wx_phi *
	    s->wx_phi) * gsl_ran_gaussian_ziggurat(s->wx_rng, 1);

	/* Output. */
	out = fx_writer_new(1, 0);
	if (exo_csv != NULL && s->exo) {
		int fd = open(exo_csv, O_WRONLY | O_CREAT | O_TRUNC, 0666);

		if (fd < 0)
			fx_die(FX_EXIT_FAIL, "%s: %s", exo_csv, strerror(errno));
		exo_out = fx_writer_new(fd, 0);
		put_text(exo_out,
		    "timestamp,temperature_c,holiday_flag,event_flag,dow\n");
	}
	if (s->csv) {
		put_text(out, s->electrical ?
		    "timestamp,feeder_id,load_kw,kva,voltage_v,current_a\n" :
		    "timestamp,feeder_id,load_kw\n");
	}
	simulate(s, out, exo_out, &nreadings, &nexo);

	if (exo_out != NULL && fx_writer_close(exo_out) != 0)
		status = FX_EXIT_FAIL;
	if (fx_writer_close(out) != 0)
		status = FX_EXIT_FAIL;
	if (s->verbose || isatty(2))
		fprintf(stderr, "fx-sim: %llu readings, %llu exo records for "
		    "%zu feeder%s\n", (unsigned long long)nreadings,
		    (unsigned long long)nexo, s->nfeeders,
		    s->nfeeders == 1 ? "" : "s");

	/* Release everything, so leak checkers see a clean exit. */
	for (i = 0; i < s->nfeeders; i++) {
		struct feeder *f = &s->feeders[i];

		free(f->id);
		free(f->spikes);
		gsl_rng_free(f->rng);
		fx_buf_free(&f->prefix);
		fx_buf_free(&f->csvid);
	}
	for (i = 0; i < nspikedefs; i++) {
		free(spikedefs[i].feeder);
		free(spikedefs[i].where);
	}
	for (i = 0; i < NPARAMS; i++) {
		free(par[i].where);
		free(cfgtexts[i]);
	}
	free(spikedefs);
	free(cli_spikes);
	free(cli_holidays);
	free(s->feeders);
	free(s->holidays);
	free(s->events);
	free(s->source);
	fx_buf_free(&s->suffix);
	gsl_rng_free(s->wx_rng);
	fx_tz_close(s->tz);
	jv_free(scenario);
	jv_free(defaults);
	jv_free(root);
	jv_free(simsec);
	fx_config_free(cfg);
	return status;
}
