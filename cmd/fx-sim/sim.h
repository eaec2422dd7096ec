/* fx-sim's private header: the shared structures and cross-file functions. */
#ifndef FX_SIM_H
#define FX_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "buf.h"
#include "config.h"
#include "json.h"
#include "timeutil.h"

#define MS_PER_SEC	1000LL
#define MS_PER_MIN	60000LL
#define MS_PER_HOUR	3600000LL
#define TIME_LIMIT	253402300800000LL	/* 10000-01-01T00:00:00Z */

enum { RESIDENTIAL, COMMERCIAL, INDUSTRIAL, NPROFILES, MIXED = NPROFILES };

/* Day types; a holiday is a SUNDAY. */
enum { WEEKDAY, SATURDAY, SUNDAY, NDAYTYPES };

/* A text setting, from the command line or the configuration. */
struct param {
	const char *text;	/* NULL: not given */
	char *where;		/* "--step" or "file: sim.step", for messages */
};

/* A spike as given, before feeders are resolved. */
struct spikedef {
	char *feeder;		/* "*" for every feeder */
	char *where;
	fx_time at;
	int64_t dur, ramp;	/* ramp < 0: default */
	double value;
	int ratio;		/* value is a fraction of peak_kw */
};

/* A spike of one feeder: a trapezoid, full from at to end. */
struct spike {
	fx_time rise, at, end, fall;	/* rise = at - ramp, fall = end + ramp */
	double kw;
};

struct feeder {
	char *id;
	size_t idlen;
	int profile;
	double base, span, peak;	/* span = peak - base */
	double heat, cool;		/* kW per degree C */
	double ev_kw, ev_amp;
	double pf, vnom;
	double z;			/* AR(1) noise state, unit variance */
	gsl_rng *rng;
	struct spike *spikes;
	size_t nspikes, cursor;
	fx_buf prefix;			/* {"type":"reading","feeder_id":..,"timestamp": */
	fx_buf csvid;			/* the id as a CSV field, then ',' */
};

/* Values shared by every feeder at an instant, smooth in time. */
struct slow {
	double shape[NPROFILES];	/* 0 night .. 1 typical weekday peak */
	double ev;			/* EV bump, 0..1 */
	double temp;			/* degrees C */
};

struct event {
	fx_time from, to;
};

struct sim {
	/* settings */
	fx_time start, end;		/* end exclusive; INT64_MAX: never */
	int64_t step, exo_interval;
	uint64_t seed;
	double noise, noise_phi, noise_innov;
	int exo, csv, electrical, online, verbose;
	double speed;
	char *source;
	fx_tz *tz;
	fx_buf suffix;			/* ,"source":"sim"} */
	/* temperature model */
	double mean_c, seasonal_c, diurnal_c, coldest_doy, wx_sd;
	double heat_below, cool_above;
	/* calendar */
	int64_t *holidays;		/* sorted local day numbers */
	size_t nholidays;
	struct event *events;
	size_t nevents;
	/* feeders */
	struct feeder *feeders;
	size_t nfeeders;
	int used[NPROFILES];
	double norm[NPROFILES];
	/* weather AR(1) on hourly knots */
	gsl_rng *wx_rng;
	int64_t wx_hour;
	double wx0, wx1, wx_phi;
	/* two cached minute knots of the slow values */
	int64_t kidx[2];
	int kvalid[2];
	struct slow kval[2];
	/* UTC offset cache, per quarter hour */
	int64_t tz_key;
	int tz_off;
};

static inline int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* splitmix64's finaliser: a counter-based source for day-level draws. */
static inline uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A uniform number in [0, 1) determined by (a, b, c). */
static inline double
unit_hash(uint64_t a, uint64_t b, uint64_t c)
{
	return (double)(mix64(mix64(mix64(a) ^ b) ^ c) >> 11) * 0x1.0p-53;
}

/* model.c */
int day_dow(int64_t day);
int day_type(const struct sim *s, int64_t day);
void init_norm(struct sim *s);
int64_t utc_offset(struct sim *s, fx_time t);
void slow_at(struct sim *s, fx_time t, struct slow *out);
int lookup_profile(const char *name);
void setup_feeder(struct sim *s, const fx_config *cfg, jv defaults,
    struct feeder *f, size_t index, int cli_profile, const char *sim_profile);

/* scenario.c */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *jv_text(jv v);
int parse_num(const char *s, double *out);
int parse_uint(const char *s, uint64_t *out);
int64_t param_seconds(const struct param *p);
int64_t param_duration(const struct param *p);
fx_time param_time(const struct sim *s, const struct param *p);
int64_t parse_holiday(const char *where, const char *text);
void add_holiday(struct sim *s, int64_t day);
int cmp_day(const void *a, const void *b);
int is_holiday(const struct sim *s, int64_t day);
int event_at(const struct sim *s, fx_time t);
double spike_at(struct feeder *f, fx_time t);
void check_keys(jv obj, const char *where, const char *const *allowed);
void json_number(jv obj, const char *key, const char *where, double *out);
void parse_spike_spec(const struct sim *s, const char *spec, const char *where,
    struct spikedef **list, size_t *n);
void parse_lists(struct sim *s, jv root, const char *prefix,
    struct spikedef **spikes, size_t *nspikes);
jv load_scenario(const char *path);
void place_spikes(struct sim *s, const struct spikedef *defs, size_t n);
void set_param(struct param *p, const char *text, char *where);
void config_params(jv sim, const char *cfgname, const char *const *names,
    struct param *params, char **texts);
void config_model(struct sim *s, jv sim, const char *cfgname);

#endif
