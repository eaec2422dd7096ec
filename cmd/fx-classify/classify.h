/*
 * classify.h - fx-classify's model: the inputs of a predicted slice, a
 * multinomial logistic regression over them, the rules used without a
 * model, training, and the model file.
 *
 * A slice's state: 2 Critical when its mean load reaches the feeder's
 * critical level (critical_ratio x limit_kw, or a derived level), 1 Alert
 * at the alert level, else 0 Normal.  The model estimates the state of a
 * slice 1..4 steps ahead from the forecast of that slice and the latest
 * observed slice, all in units of the feeder's critical level, so that
 * one model serves feeders of any size.
 */
#ifndef CL_CLASSIFY_H
#define CL_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "buf.h"

#define CL_K 3			/* classes */
#define CL_NIN 18		/* inputs, the intercept first */

extern const char *const cl_input_name[CL_NIN];

/* What the inputs are made from. */
typedef struct cl_slice {
	double alert_kw, critical_kw;	/* the feeder's levels */
	double p50, lo80, hi80, hi95;	/* forecast of the slice */
	double now_mean, now_max;	/* the latest observed slice */
	int horizon;			/* 1..4 */
	int nsteps;			/* steps in the forecast */
	double tod_sin, tod_cos;	/* of the slice */
	int has_temp;
	double temp_c;
	int spike;			/* a spike is open: 0, 1 alert, 2 critical */
	/* from the feeder's observed history (when not there: see main.c) */
	double rise1h;			/* now_mean - observed mean an hour before */
	double max4h;			/* highest observed mean in the last 4 h */
	double yday;			/* observed mean of the slice a day before */
	double week;			/* ... and a week before */
} cl_slice;

void cl_inputs(const cl_slice *s, double x[CL_NIN]);

typedef struct cl_model {
	char version[64];
	double mean[CL_NIN], sd[CL_NIN];	/* scaler (x - mean) / sd */
	double coef[CL_K][CL_NIN];		/* class 0 all zero */
	double t_alert, t_critical;	/* decision thresholds on probabilities */
	double l2;
	double class_weight[CL_K];
	int64_t n[CL_K];		/* training samples per class */
	jv doc;				/* the file as loaded (or jv_null()) */
} cl_model;

/* The class probabilities of standardised-then-linear inputs x. */
void cl_probs(const cl_model *m, const double x[CL_NIN], double p[CL_K]);

/* The state for probabilities p under m's thresholds (or 0.5 / 0.5). */
int cl_decide(const cl_model *m, const double p[CL_K]);

/*
 * Rules without a model: the slice's load as a normal variable with mean
 * p50 and the spread of the 80% interval, p[k] the probability of each
 * state's range.  (An open limit spike raises the observed slice, not
 * these.)
 */
void cl_rules(const cl_slice *s, double p[CL_K]);

/* The index of the j-th largest |contribution| to class k (j < n). */
int cl_top(const cl_model *m, const double x[CL_NIN], int k, int idx[],
    double contrib[], int n);

/* Training samples. */
typedef struct cl_sample {
	float x[CL_NIN];
	uint8_t y;
	float w;
} cl_sample;

typedef struct cl_train_opts {
	double l2;		/* penalty on standardised coefficients */
	int balance;		/* class weights N / (K N_k) */
	int max_iter;
	int verbose;
	int threads;		/* the sums over the samples in this many
				 * threads (the result does not depend on it) */
} cl_train_opts;

/*
 * Fits m (scaler, coefficients) to the n samples by Newton's method on
 * the weighted, L2-penalised multinomial log-likelihood.  Returns the
 * number of iterations, or -1 when it failed (a message on stderr).
 */
int cl_train(cl_model *m, const cl_sample *s, size_t n,
    const cl_train_opts *o);

/* Writes m's parameters as JSON members (no braces) to b: inputs,
 * classes, those of cl_model_put_params, l2. */
void cl_model_put(const cl_model *m, fx_buf *b);
/* scaler, coef, decision, class_weights, training_samples. */
void cl_model_put_params(const cl_model *m, fx_buf *b);

/* Reads scaler, coef and decision from doc (a model file, or a feeder's
 * own model in it) into m; 0, or -1 with "where: member: what" in err. */
int cl_model_parse(cl_model *m, jv doc, const char *where, char *err,
    size_t errlen);

/* Loads a model file; 0, or -1 with a reason in err. */
int cl_model_load(cl_model *m, const char *path, char *err, size_t errlen);

/*
 * The training matrix (matrix.c): training rows in a binary file, for
 * training sets too large to read as label records.  See matrix.c for
 * the layout.
 */
#define CL_ROW_BYTES (16 + 4 * (CL_NIN - 1))

typedef struct cl_row {
	int64_t start;			/* slice_start, ms */
	uint32_t feeder;		/* index into the trailer's feeders */
	uint8_t horizon, state;
	uint16_t reserved;		/* 0 */
	float x[CL_NIN - 1];		/* the inputs but the intercept */
} cl_row;

typedef struct cl_mwriter cl_mwriter;

/* Creates path and writes the header; NULL with a reason in err. */
cl_mwriter *cl_mwriter_open(const char *path, char *err, size_t errlen);
int cl_mwriter_row(cl_mwriter *w, const cl_row *r);
/* Writes the trailer (JSON text) and the end mark, closes and frees w. */
int cl_mwriter_close(cl_mwriter *w, const char *trailer, size_t len,
    char *err, size_t errlen);

typedef struct cl_matrix {
	const char *path;
	const unsigned char *map;	/* the whole file, mapped */
	size_t size;
	const unsigned char *rows;
	uint64_t nrows;
	jv header, trailer;
} cl_matrix;

/* 1 when path is a regular file that starts with the matrix mark. */
int cl_matrix_sniff(const char *path);
/* Maps and checks a matrix file (not its rows); 0, or -1 and a reason. */
int cl_matrix_open(cl_matrix *m, const char *path, char *err, size_t errlen);
/* Row i < m->nrows: its head (all but x, values unchecked); 1 when its
 * inputs are all finite; its inputs into x[0 .. CL_NIN - 2]. */
void cl_matrix_head(const cl_matrix *m, uint64_t i, cl_row *r);
int cl_matrix_finite(const cl_matrix *m, uint64_t i);
void cl_matrix_x(const cl_matrix *m, uint64_t i, float *x);
void cl_matrix_close(cl_matrix *m);

#endif
