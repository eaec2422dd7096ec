/*
 * fx-ingest - real telemetry and exogenous data in, canonical reading and
 * exo records out.
 *
 * Reads CSV (libcsv, through csvin) or NDJSON.  Columns, or keys, are
 * mapped to record fields with unit conversion and time zones.  Duplicates
 * are dropped, rows out of order within a reorder window are put back in
 * order, gaps are reported, and readings can be resampled onto a fixed
 * grid.  A bad value is reported as "file:line: reason" and skipped.
 *
 * Accounting: every input row yields a fixed number of candidate records
 * (one per feeder column, plus one exo record when exogenous columns are
 * mapped; an NDJSON record is one).  Each candidate is accepted, rejected
 * or dropped as a duplicate, and the summary at EOF shows that the three
 * add up to the candidates read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "feeders.h"
#include "json.h"
#include "ndjson.h"
#include "timeutil.h"

#include "ingest.h"

const char *const reason_name[NREASON] = { "not a number", "empty",
    "not finite", "out of range", "not a boolean", "no feeder",
    "bad timestamp", "nonexistent local time", "ambiguous local time",
    "out of order", "too few columns", "malformed quoting", "line too long",
    "bad record" };

struct unit {
	const char *name;
	double mul;
	int energy;
};

static const struct unit load_units[] = { { "W", 0.001, 0 }, { "kW", 1, 0 },
    { "MW", 1000, 0 }, { "Wh", 0.001, 1 }, { "kWh", 1, 1 },
    { "MWh", 1000, 1 }, { NULL, 0, 0 } };
static const struct unit kva_units[] = { { "VA", 0.001, 0 }, { "kVA", 1, 0 },
    { "MVA", 1000, 0 }, { NULL, 0, 0 } };
static const struct unit volt_units[] = { { "V", 1, 0 }, { "kV", 1000, 0 },
    { NULL, 0, 0 } };
static const struct unit cur_units[] = { { "A", 1, 0 }, { "kA", 1000, 0 },
    { NULL, 0, 0 } };

struct options opt = { .header = 1 };
struct input in;
struct zone zone;

unsigned long long n_rows, n_in, n_acc, n_dup, n_out, n_gaps;
static unsigned long long n_rej, n_reason[NREASON];
fx_writer *out;
static fx_writer *rejw;
fx_buf ob = FX_BUF_INIT, scratch = FX_BUF_INIT;
fx_feeders *readings, *exos, *sources;
struct series *const_series, *global_exo;
int status;

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-ingest [-hnq] [-c config] [-d delim] [-f feeder] [-l column]\n"
"                 [-t column] [-u unit] [-w column[=feeder],...] [-z zone]\n"
"                 [--ambiguous infer|earlier|later|reject]\n"
"                 [--current-col column] [--current-unit A|kA]\n"
"                 [--errors-inline] [--event-col column] [--exo-only]\n"
"                 [--exo-per-feeder] [--feeder-col column]\n"
"                 [--format auto|csv|ndjson] [--gap dur]\n"
"                 [--holiday-col column] [--interval dur] [--kva-col column]\n"
"                 [--kva-unit VA|kVA|MVA] [--max-gap dur] [--max-kw kw]\n"
"                 [--max-line bytes] [--min-kw kw] [--reject file]\n"
"                 [--reorder-window dur] [--resample dur] [--source name]\n"
"                 [--stamp start|end] [--strict] [--temp-col column]\n"
"                 [--temp-unit C|F|K]\n"
"                 [--time-format iso|epoch-s|epoch-ms] [--voltage-col column]\n"
"                 [--voltage-unit V|kV] [--wide-all] [file ...]\n");
	exit(st);
}

/* The subject of a message: at most 60 bytes, control characters shown
 * as escapes.  Two calls may be live at once. */
const char *
quote(const char *s, size_t n)
{
	static char buf[2][128];
	static int which;
	char *o = buf[which ^= 1], *start = o;
	size_t i;

	for (i = 0; i < n && o - start < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r' || c == '\t') {
			*o++ = '\\';
			*o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f)
			*o++ = '?';
		else
			*o++ = (char)c;
	}
	if (i < n) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return start;
}

void
save_raw(void)
{
	if (rejw == NULL || in.saved || in.raw == NULL)
		return;
	in.saved = 1;
	if (in.term != NULL) {
		fx_writer_put(rejw, in.raw, in.rawlen);
		fx_writer_put(rejw, *in.term ? in.term : "\n",
		    *in.term ? strlen(in.term) : 1);
	} else
		fx_writer_put(rejw, in.raw, in.rawlen);
}

static void
finish_outputs(void)
{
	if (fx_writer_close(out) != 0)
		status = FX_EXIT_FAIL;
	if (rejw != NULL && fx_writer_close(rejw) != 0)
		status = FX_EXIT_FAIL;
}

/* Exits in the middle of the input, keeping what was written so far. */
__attribute__((noreturn)) void
quit(int st)
{
	finish_outputs();
	exit(st);
}

/*
 * Rejects nrec candidate records of the current row for reason r: the
 * message on stderr (and inline with --errors-inline), the raw row to
 * --reject.  With --strict, ends the program.
 */
__attribute__((format(printf, 3, 4))) void
reject(enum reason r, unsigned long long nrec, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n_reason[r] += nrec;
	n_rej += nrec;
	in.bad = 1;
	fx_error_at(in.name, in.line, "%s", msg);
	if (opt.errors_inline) {
		fx_buf_puts(&ob, "{\"type\":\"error\",\"program\":\"" PROG
		    "\",\"input\":");
		fx_buf_jstr(&ob, in.name, strlen(in.name));
		fx_buf_puts(&ob, ",\"line\":");
		fx_buf_int(&ob, in.line > 0 ? in.line : 1);
		fx_buf_puts(&ob, ",\"reason\":");
		fx_buf_jstr(&ob, msg, strlen(msg));
		fx_buf_putc(&ob, '}');
		fx_writer_record(out, &ob);
	}
	if (opt.strict) {
		save_raw();
		quit(FX_EXIT_FAIL);
	}
}

/* Options. */

static int64_t
duration_arg(const char *s, const char *name, int zero_ok)
{
	int64_t ms;

	if (zero_ok && strcmp(s, "0") == 0)
		return 0;
	if (fx_duration_parse(s, &ms) != 0) {
		fx_error("bad duration '%s' for %s (want e.g. 900, 15m, 1h30m)",
		    s, name);
		exit(FX_EXIT_USAGE);
	}
	return ms;
}

static int
choice_arg(const char *s, const char *name, const char *const *choices)
{
	char list[128];
	size_t len = 0;
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(s, choices[i]) == 0)
			return i;
	for (i = 0; choices[i] != NULL; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
		    i ? ", " : "", choices[i]);
	fx_error("bad value '%s' for %s (want %s)", s, name, list);
	exit(FX_EXIT_USAGE);
}

static double
number_arg(const char *s, const char *name)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(x)) {
		fx_error("bad number '%s' for %s", s, name);
		exit(FX_EXIT_USAGE);
	}
	return x;
}

static void
wide_arg(char *s)
{
	char *tok, *eq;

	for (tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ",")) {
		struct wide *w;

		opt.wide = fx_xrealloc(opt.wide, (opt.nwide + 1) *
		    sizeof *opt.wide);
		w = &opt.wide[opt.nwide++];
		memset(w, 0, sizeof *w);
		w->spec = tok;
		if ((eq = strchr(tok, '=')) != NULL) {
			*eq = '\0';
			w->id = eq + 1;
			if (*w->id == '\0') {
				fx_error("empty feeder name in --wide '%s='",
				    tok);
				exit(FX_EXIT_USAGE);
			}
		}
		if (*tok == '\0') {
			fx_error("empty column in --wide");
			exit(FX_EXIT_USAGE);
		}
	}
}

/* Decimal places of x if it is a short decimal (at most 6), else -1. */
static int
decimals(double x)
{
	double p = 1;
	int d;

	for (d = 0; d <= 6; d++, p *= 10) {
		double r = x * p;

		if (fabs(r) < 1e15 && fabs(r - nearbyint(r)) <= 1e-9 *
		    fmax(1, fabs(r)))
			return d;
	}
	return -1;
}

static void
make_conv(int i, const char *name, const struct unit *u, const char *dflt)
{
	struct conv *cv = &opt.conv[i];
	const char *want = opt.unit[i] ? opt.unit[i] : dflt;
	char list[128];
	size_t len = 0;
	int j;

	for (j = 0; u[j].name != NULL; j++)
		if (strcmp(u[j].name, want) == 0)
			break;
	if (u[j].name == NULL) {
		for (j = 0; u[j].name != NULL; j++)
			len += (size_t)snprintf(list + len, sizeof list - len,
			    "%s%s", j ? ", " : "", u[j].name);
		fx_error("bad unit '%s' for %s (want %s)", want, name, list);
		exit(FX_EXIT_USAGE);
	}
	cv->mul = u[j].mul;
	cv->add = 0;
	if (u[j].energy) {
		if (opt.interval == 0) {
			fx_error("--unit %s is energy per interval: give "
			    "--interval", want);
			exit(FX_EXIT_USAGE);
		}
		cv->mul *= 3600000.0 / (double)opt.interval;
	}
	cv->dec = decimals(cv->mul);
	cv->ident = cv->mul == 1;
}

static void
make_temp_conv(void)
{
	static const char *const units[] = { "C", "F", "K", NULL };
	struct conv *cv = &opt.conv[C_TEMP];

	switch (opt.unit[C_TEMP] ? choice_arg(opt.unit[C_TEMP],
	    "--temp-unit", units) : 0) {
	case 0:
		*cv = (struct conv){ 1, 0, 0, 1, 0 };
		break;
	case 1:
		*cv = (struct conv){ 1, 0, -1, 0, 1 };
		break;
	default:
		*cv = (struct conv){ 1, -273.15, 2, 0, 0 };
	}
}

/* --tz: an IANA zone, or a fixed offset: +HH, +HHMM or +HH:MM. */
static void
open_zone(const char *name)
{
	const char *p = name + 1;
	char err[512];
	int h = -1, m = 0;

	zone.set = 1;
	if ((*name == '+' || *name == '-') && isdigit((unsigned char)p[0]) &&
	    isdigit((unsigned char)p[1])) {
		h = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)p[0]) &&
		    isdigit((unsigned char)p[1])) {
			m = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	if (h >= 0 && *p == '\0' && p[-1] != ':' && h <= 23 && m <= 59) {
		zone.fixed = (*name == '-' ? -1 : 1) * (h * 3600 + m * 60);
		return;
	}
	if ((zone.tz = fx_tz_open(name, err, sizeof err)) == NULL) {
		fx_error("--tz: %s", err);
		exit(FX_EXIT_USAGE);
	}
}

static void
load_config(void)
{
	char err[512];
	fx_config *cf = fx_config_load(opt.config, err, sizeof err);
	jv sec;
	double x;
	int rc;

	if (cf == NULL) {
		fx_error("%s", err);
		exit(FX_EXIT_USAGE);
	}
	sec = fx_config_section(cf, "ingest");
	if ((rc = fx_json_num(sec, "min_kw", &x)) > 0 && !opt.have_min)
		opt.min_kw = x;
	if (rc >= 0 && (rc = fx_json_num(sec, "max_kw", &x)) > 0 &&
	    !opt.have_max)
		opt.max_kw = x;
	if (rc < 0) {
		fx_error("%s: ingest: min_kw and max_kw must be numbers",
		    fx_config_path(cf));
		exit(FX_EXIT_USAGE);
	}
	jv_free(sec);
	fx_config_free(cf);
}

enum {
	O_AMBIGUOUS = 256, O_CURRENT_COL, O_CURRENT_UNIT, O_ERRORS_INLINE,
	O_EVENT_COL, O_EXO_ONLY, O_EXO_PER_FEEDER, O_FEEDER_COL, O_FORMAT,
	O_GAP, O_HOLIDAY_COL, O_INTERVAL, O_KVA_COL, O_KVA_UNIT, O_MAX_GAP,
	O_MAX_KW, O_MAX_LINE, O_MIN_KW, O_REJECT, O_REORDER, O_RESAMPLE,
	O_SOURCE, O_STAMP, O_STRICT, O_TEMP_COL, O_TEMP_UNIT, O_TIME_FORMAT,
	O_VOLTAGE_COL, O_VOLTAGE_UNIT, O_WIDE_ALL
};

static const struct option longopts[] = {
	{ "ambiguous", required_argument, NULL, O_AMBIGUOUS },
	{ "config", required_argument, NULL, 'c' },
	{ "current-col", required_argument, NULL, O_CURRENT_COL },
	{ "current-unit", required_argument, NULL, O_CURRENT_UNIT },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "errors-inline", no_argument, NULL, O_ERRORS_INLINE },
	{ "event-col", required_argument, NULL, O_EVENT_COL },
	{ "exo-only", no_argument, NULL, O_EXO_ONLY },
	{ "exo-per-feeder", no_argument, NULL, O_EXO_PER_FEEDER },
	{ "feeder", required_argument, NULL, 'f' },
	{ "feeder-col", required_argument, NULL, O_FEEDER_COL },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "gap", required_argument, NULL, O_GAP },
	{ "help", no_argument, NULL, 'h' },
	{ "holiday-col", required_argument, NULL, O_HOLIDAY_COL },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "kva-col", required_argument, NULL, O_KVA_COL },
	{ "kva-unit", required_argument, NULL, O_KVA_UNIT },
	{ "load-col", required_argument, NULL, 'l' },
	{ "max-gap", required_argument, NULL, O_MAX_GAP },
	{ "max-kw", required_argument, NULL, O_MAX_KW },
	{ "max-line", required_argument, NULL, O_MAX_LINE },
	{ "min-kw", required_argument, NULL, O_MIN_KW },
	{ "no-header", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "reject", required_argument, NULL, O_REJECT },
	{ "reorder-window", required_argument, NULL, O_REORDER },
	{ "resample", required_argument, NULL, O_RESAMPLE },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "stamp", required_argument, NULL, O_STAMP },
	{ "strict", no_argument, NULL, O_STRICT },
	{ "temp-col", required_argument, NULL, O_TEMP_COL },
	{ "temp-unit", required_argument, NULL, O_TEMP_UNIT },
	{ "time-col", required_argument, NULL, 't' },
	{ "time-format", required_argument, NULL, O_TIME_FORMAT },
	{ "tz", required_argument, NULL, 'z' },
	{ "unit", required_argument, NULL, 'u' },
	{ "voltage-col", required_argument, NULL, O_VOLTAGE_COL },
	{ "voltage-unit", required_argument, NULL, O_VOLTAGE_UNIT },
	{ "wide", required_argument, NULL, 'w' },
	{ "wide-all", no_argument, NULL, O_WIDE_ALL },
	{ NULL, 0, NULL, 0 }
};

static void
parse_options(int argc, char **argv)
{
	static const char *const formats[] = { "auto", "csv", "ndjson", NULL };
	static const char *const tfmts[] = { "iso", "epoch-s", "epoch-ms",
	    NULL };
	static const char *const ambs[] = { "infer", "earlier", "later",
	    "reject", NULL };
	static const char *const stamps[] = { "start", "end", NULL };
	const char *gap = NULL, *max_gap = NULL, *interval = NULL;
	int ch;

	opt.min_kw = -1e6;
	opt.max_kw = 1e6;
	while ((ch = getopt_long(argc, argv, "c:d:f:hl:nqt:u:w:z:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': opt.config = optarg; break;
		case 'd':
			if (strcmp(optarg, "tab") == 0 ||
			    strcmp(optarg, "\\t") == 0)
				opt.delim = '\t';
			else if (strlen(optarg) == 1 && *optarg != '"' &&
			    *optarg != '\n' && *optarg != '\r')
				opt.delim = (unsigned char)*optarg;
			else {
				fx_error("bad delimiter '%s' (want one "
				    "character or 'tab')", optarg);
				exit(FX_EXIT_USAGE);
			}
			break;
		case 'f': opt.feeder = optarg; break;
		case 'h': usage(FX_EXIT_OK); break;
		case 'l': opt.colspec[C_LOAD] = optarg; break;
		case 'n': opt.header = 0; break;
		case 'q': opt.quiet = 1; break;
		case 't': opt.colspec[C_TIME] = optarg; break;
		case 'u': opt.unit[C_LOAD] = optarg; break;
		case 'w': wide_arg(optarg); break;
		case 'z': opt.tzname = optarg; break;
		case O_AMBIGUOUS:
			opt.ambiguous = choice_arg(optarg, "--ambiguous", ambs);
			break;
		case O_CURRENT_COL: opt.colspec[C_CUR] = optarg; break;
		case O_CURRENT_UNIT: opt.unit[C_CUR] = optarg; break;
		case O_ERRORS_INLINE: opt.errors_inline = 1; break;
		case O_EVENT_COL: opt.colspec[C_EVENT] = optarg; break;
		case O_EXO_ONLY: opt.exo_only = 1; break;
		case O_EXO_PER_FEEDER: opt.exo_per_feeder = 1; break;
		case O_FEEDER_COL: opt.colspec[C_FEEDER] = optarg; break;
		case O_FORMAT:
			opt.format = choice_arg(optarg, "--format", formats);
			break;
		case O_GAP: gap = optarg; break;
		case O_HOLIDAY_COL: opt.colspec[C_HOL] = optarg; break;
		case O_INTERVAL: interval = optarg; break;
		case O_KVA_COL: opt.colspec[C_KVA] = optarg; break;
		case O_KVA_UNIT: opt.unit[C_KVA] = optarg; break;
		case O_MAX_GAP: max_gap = optarg; break;
		case O_MAX_KW:
			opt.max_kw = number_arg(optarg, "--max-kw");
			opt.have_max = 1;
			break;
		case O_MAX_LINE:
			opt.max_line = (size_t)number_arg(optarg, "--max-line");
			if (opt.max_line < 16 || opt.max_line > (1UL << 30)) {
				fx_error("--max-line: want 16 to 1073741824");
				exit(FX_EXIT_USAGE);
			}
			break;
		case O_MIN_KW:
			opt.min_kw = number_arg(optarg, "--min-kw");
			opt.have_min = 1;
			break;
		case O_REJECT: opt.reject = optarg; break;
		case O_REORDER:
			opt.window = duration_arg(optarg, "--reorder-window", 1);
			break;
		case O_RESAMPLE:
			opt.resample = duration_arg(optarg, "--resample", 0);
			break;
		case O_SOURCE: opt.source = optarg; break;
		case O_STAMP:
			opt.stamp_end = choice_arg(optarg, "--stamp", stamps);
			break;
		case O_STRICT: opt.strict = 1; break;
		case O_TEMP_COL: opt.colspec[C_TEMP] = optarg; break;
		case O_TEMP_UNIT: opt.unit[C_TEMP] = optarg; break;
		case O_TIME_FORMAT:
			opt.time_fmt = choice_arg(optarg, "--time-format",
			    tfmts);
			break;
		case O_VOLTAGE_COL: opt.colspec[C_VOLT] = optarg; break;
		case O_VOLTAGE_UNIT: opt.unit[C_VOLT] = optarg; break;
		case O_WIDE_ALL: opt.wide_all = 1; break;
		default: usage(FX_EXIT_USAGE);
		}
	}
	if (interval)
		opt.interval = duration_arg(interval, "--interval", 0);
	if (gap)
		opt.gap = duration_arg(gap, "--gap", 0);
	if (max_gap)
		opt.max_gap = duration_arg(max_gap, "--max-gap", 0);
}

static void
check_options(void)
{
	int wide = opt.nwide > 0 || opt.wide_all;
	const char *bad = NULL;

	if (opt.feeder && opt.colspec[C_FEEDER])
		bad = "--feeder and --feeder-col exclude each other";
	else if (opt.feeder && *opt.feeder == '\0')
		bad = "--feeder: empty feeder id";
	else if (wide && opt.exo_only)
		bad = "--wide and --exo-only exclude each other";
	else if (wide && (opt.feeder || opt.colspec[C_FEEDER] ||
	    opt.colspec[C_LOAD] || opt.colspec[C_KVA] || opt.colspec[C_VOLT] ||
	    opt.colspec[C_CUR]))
		bad = "--wide makes one feeder of each column: no --feeder, "
		    "--feeder-col, --load-col, --kva-col, --voltage-col or "
		    "--current-col";
	else if (wide && opt.exo_per_feeder)
		bad = "--exo-per-feeder needs one feeder per row (--feeder or "
		    "--feeder-col), not --wide";
	else if (opt.wide_all && !opt.header)
		bad = "--wide-all needs a header";
	else if (opt.stamp_end && opt.interval == 0)
		bad = "--stamp end needs --interval";
	else if (opt.min_kw >= opt.max_kw)
		bad = "--min-kw must be below --max-kw";
	else if (opt.max_gap && !opt.resample)
		bad = "--max-gap needs --resample";
	if (bad != NULL) {
		fx_error("%s", bad);
		exit(FX_EXIT_USAGE);
	}
}

static void
summary(void)
{
	char why[512];
	size_t len = 0;
	int r;

	why[0] = '\0';
	for (r = 0; r < NREASON; r++)
		if (n_reason[r] > 0)
			len += (size_t)snprintf(why + len, sizeof why - len,
			    "%s%llu %s", len ? ", " : "; rejected: ",
			    n_reason[r], reason_name[r]);
	fprintf(stderr, "%s: %llu rows read, %llu records: %llu accepted, "
	    "%llu rejected, %llu duplicates; %llu written, %llu gaps%s\n",
	    PROG, n_rows, n_in, n_acc, n_rej, n_dup, n_out, n_gaps, why);
}

/*
 * fx-ingest: each input file (or standard input) in turn, CSV or NDJSON,
 * through column mapping, validation, ordering, deduplication and
 * optional resampling, to reading and exo records on standard output;
 * errors and the summary on standard error.
 */
int
main(int argc, char **argv)
{
	int i;

	fx_err_init(PROG);
	parse_options(argc, argv);
	load_config();
	check_options();
	make_conv(C_LOAD, "--unit", load_units, "kW");
	make_conv(C_KVA, "--kva-unit", kva_units, "kVA");
	make_conv(C_VOLT, "--voltage-unit", volt_units, "V");
	make_conv(C_CUR, "--current-unit", cur_units, "A");
	make_temp_conv();
	if (opt.tzname != NULL)
		open_zone(opt.tzname);
	out = fx_writer_new(1, 0);
	if (opt.reject != NULL) {
		int fd = open(opt.reject, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0666);

		if (fd < 0) {
			fx_error("%s: %s", opt.reject, strerror(errno));
			exit(FX_EXIT_FAIL);
		}
		rejw = fx_writer_new(fd, 0);
	}
	readings = fx_feeders_new(sizeof(struct series), free_series);
	exos = fx_feeders_new(sizeof(struct series), free_series);
	sources = fx_feeders_new(sizeof(struct source), free_source);
	global_exo = series_get(exos, KIND_EXO, "", 0);
	if (opt.feeder != NULL)
		const_series = feeder_series(opt.feeder, strlen(opt.feeder));
	argc -= optind;
	argv += optind;
	for (i = 0; i < (argc ? argc : 1); i++) {
		const char *path = argc ? argv[i] : "-";
		const char *base = strrchr(path, '/');

		in.src = source_get(opt.source ? opt.source :
		    strcmp(path, "-") == 0 ? "stdin" : base ? base + 1 : path);
		if (input_format(path) == FMT_NDJSON)
			ingest_ndjson(path);
		else
			ingest_csv(path);
	}
	in.name = NULL;
	in.line = 0;
	flush_series(readings);
	flush_series(exos);
	finish_outputs();
	if (isatty(2) && !opt.quiet && n_rows >= 0x100000)
		fputc('\n', stderr);
	if (n_in != n_acc + n_rej + n_dup) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_acc + n_rej + n_dup);
		status = FX_EXIT_FAIL;
	}
	if (!opt.quiet)
		summary();
	names_clear();
	free(in.names);
	free(in.nlen);
	free(in.wide);
	free(opt.wide);
	fx_feeders_free(readings);
	fx_feeders_free(exos);
	fx_feeders_free(sources);
	fx_tz_close(zone.tz);
	fx_buf_free(&ob);
	fx_buf_free(&scratch);
	return status;
}
