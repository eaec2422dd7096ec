/* fx-ingest: the state and the functions its files share. */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "feeders.h"
#include "ndjson.h"
#include "timeutil.h"

#define PROG	"fx-ingest"
#define NUMTXT	32		/* room for a value's JSON text */

enum { FMT_AUTO, FMT_CSV, FMT_NDJSON };
enum { TF_ISO, TF_EPOCH_S, TF_EPOCH_MS };
enum { AMB_INFER, AMB_EARLIER, AMB_LATER, AMB_REJECT };
enum { KIND_READING, KIND_EXO };
enum { F_KVA = 1, F_VOLT = 2, F_CUR = 4, F_TEMP = 8, F_HOL = 16, F_EVENT = 32 };

/* Mapped columns; the value columns' order is the item's v[] order. */
enum { C_LOAD, C_KVA, C_VOLT, C_CUR, C_TEMP, C_HOL, C_EVENT, C_TIME,
    C_FEEDER, NCOL };
extern const char *const canon[NCOL];

enum reason { R_NUMBER, R_EMPTY, R_FINITE, R_RANGE, R_FLAG, R_FEEDER,
    R_TIME, R_NOLOCAL, R_AMBIG, R_ORDER, R_COLUMNS, R_QUOTING, R_LONG,
    R_RECORD, NREASON };
extern const char *const reason_name[NREASON];

/* A value conversion: out = in * mul + add.  dec is the number of decimal
 * places mul and add carry (-1: not a short decimal), so converted decimal
 * text can be printed exactly. */
struct conv {
	double mul, add;
	int dec;
	int ident;
	int fahrenheit;		/* (x - 32) * 5 / 9, exact for whole degrees */
};

struct source {
	char *suffix;		/* ,"source":"name"} */
	size_t len;
};

/* One candidate record on its way out. */
struct item {
	fx_time t;
	const struct source *src;
	double v[4];		/* reading: load, kva, voltage, current;
				 * exo: temperature in v[0] */
	char txt[4][NUMTXT];	/* their JSON text */
	unsigned char has;	/* F_* */
	unsigned char holiday, event;
	signed char dow;	/* -1: computed at output */
};

/* A feeder's readings, or an exo series (per feeder or system-wide). */
struct series {
	char *head;		/* reading: {"type":...,"timestamp":
				 * exo: ,"feeder_id":"F001" or "" */
	size_t headlen;
	const char *id;		/* borrowed from the table */
	int kind;
	int has_in, has_out;
	fx_time last_in;	/* last row time parsed (--ambiguous infer) */
	fx_time last_out;	/* last released */
	fx_time hwm;		/* latest accepted */
	int64_t step;		/* smallest spacing released so far */
	struct item *heap;	/* reorder window, a min-heap on t */
	size_t nheap, capheap;
	struct series *exo;	/* reading series: its --exo-per-feeder one */
	/* resampling */
	struct item prev;
	int has_prev, bin_open;
	fx_time bin;		/* open bin, or the first bin still allowed */
	double sum[4], cover[4];
	const struct source *binsrc;
};

struct wide {
	const char *spec;	/* column name or position */
	const char *id;		/* feeder id; NULL: the column's name */
	int col;
	struct series *s;
};

extern struct options {
	const char *colspec[NCOL];
	struct wide *wide;
	size_t nwide;
	int wide_all;
	const char *feeder, *config, *reject, *source, *tzname;
	const char *unit[5];	/* load, kva, voltage, current, temperature */
	int format, header, delim, time_fmt, ambiguous, stamp_end;
	int exo_only, exo_per_feeder, errors_inline, strict, quiet;
	int64_t interval, resample, max_gap, window, gap;
	double min_kw, max_kw;
	int have_min, have_max;
	size_t max_line;
	struct conv conv[5];
} opt;

/* The input being read. */
extern struct input {
	const char *name;
	long line;
	const char *raw;
	size_t rawlen;
	const char *term;	/* NDJSON: the line's terminator */
	int bad, saved;
	int col[NCOL];
	struct wide *wide;
	size_t nwide;
	size_t need;		/* fields a row must have */
	unsigned long long k;	/* candidate records per row */
	int readings, exo;
	const struct source *src;
	/* header names, or NDJSON keys */
	char **names;
	size_t *nlen, nnames, capnames;
	int addkeys;
} in;

extern struct zone {
	fx_tz *tz;
	int fixed;		/* offset in seconds when tz is NULL */
	int set;
} zone;

extern unsigned long long n_rows, n_in, n_acc, n_dup, n_out, n_gaps;
extern fx_writer *out;
extern fx_buf ob, scratch;
extern fx_feeders *readings, *exos, *sources;
extern struct series *const_series, *global_exo;
extern int status;

/* main.c: messages and rejects */
const char *quote(const char *s, size_t n);
void save_raw(void);
__attribute__((noreturn)) void quit(int st);
__attribute__((format(printf, 3, 4))) void reject(enum reason r,
    unsigned long long nrec, const char *fmt, ...);

/* order.c: sources, series, the ordering stage and output */
void free_source(void *p);
const struct source *source_get(const char *name);
void free_series(void *p);
struct series *series_get(fx_feeders *t, int kind, const char *id,
    size_t len);
void offer(struct series *s, const struct item *it);
void flush_series(fx_feeders *t);

/* columns.c: values, times, rows and column mapping */
int in_bounds(int c, double x, char *want, size_t n);
int row_time(const char *s, size_t n, struct series *fs, fx_time *t,
    unsigned long long nrec);
struct series *feeder_series(const char *id, size_t len);
void ingest_row(char **f, size_t *fl, size_t nf);
void names_clear(void);
void names_add(const char *s, size_t n);
void setup_columns(int header);

/* input.c: CSV and NDJSON inputs */
int input_format(const char *path);
void ingest_csv(const char *path);
void ingest_ndjson(const char *path);

#endif
