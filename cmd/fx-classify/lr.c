/* lr.c - fx-classify's inputs, rules, logistic regression and model file;
 * see classify.h */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "buf.h"
#include "classify.h"
#include "err.h"
#include "json.h"

const char *const cl_input_name[CL_NIN] = {
	"intercept", "p50", "hi80", "hi95", "lo80", "now_mean", "now_max",
	"trend", "alert_level", "horizon", "tod_sin", "tod_cos",
	"temperature", "spike", "rise1h", "max4h", "yday", "week"
};

void
cl_inputs(const cl_slice *s, double x[CL_NIN])
{
	double c = s->critical_kw > 0 ? s->critical_kw : 1;

	x[0] = 1;
	x[1] = s->p50 / c;
	x[2] = s->hi80 / c;
	x[3] = s->hi95 / c;
	x[4] = s->lo80 / c;
	x[5] = s->now_mean / c;
	x[6] = s->now_max / c;
	x[7] = (s->p50 - s->now_mean) / c;
	x[8] = s->alert_kw / c;
	x[9] = s->nsteps > 0 ? (double)s->horizon / s->nsteps : 0;
	x[10] = s->tod_sin;
	x[11] = s->tod_cos;
	x[12] = s->has_temp ? (s->temp_c - 15) / 10 : 0;
	x[13] = s->spike / 2.0;
	x[14] = s->rise1h / c;
	x[15] = s->max4h / c;
	x[16] = s->yday / c;
	x[17] = s->week / c;
}

/* Standardised inputs. */
static void
scale(const cl_model *m, const double *x, double *z)
{
	int j;

	z[0] = 1;
	for (j = 1; j < CL_NIN; j++)
		z[j] = (x[j] - m->mean[j]) / m->sd[j];
}

static void
softmax(const double eta[CL_K], double p[CL_K])
{
	double mx = eta[0], sum = 0;
	int k;

	for (k = 1; k < CL_K; k++)
		if (eta[k] > mx)
			mx = eta[k];
	for (k = 0; k < CL_K; k++)
		sum += p[k] = exp(eta[k] - mx);
	for (k = 0; k < CL_K; k++)
		p[k] /= sum;
}

static void
probs_z(const cl_model *m, const double z[CL_NIN], double p[CL_K])
{
	double eta[CL_K];
	int j, k;

	for (k = 0; k < CL_K; k++) {
		eta[k] = 0;
		for (j = 0; j < CL_NIN; j++)
			eta[k] += m->coef[k][j] * z[j];
	}
	softmax(eta, p);
}

void
cl_probs(const cl_model *m, const double x[CL_NIN], double p[CL_K])
{
	double z[CL_NIN];

	scale(m, x, z);
	probs_z(m, z, p);
}

int
cl_decide(const cl_model *m, const double p[CL_K])
{
	double ta = m ? m->t_alert : 0.5, tc = m ? m->t_critical : 0.5;

	if (p[2] >= tc)
		return 2;
	if (p[1] + p[2] >= ta)
		return 1;
	return 0;
}

void
cl_rules(const cl_slice *s, double p[CL_K])
{
	double sd = (s->hi80 - s->lo80) / (2 * 1.2815515655446004);
	double ge1, ge2;

	if (sd > 0 && isfinite(sd)) {
		ge2 = gsl_cdf_ugaussian_P((s->p50 - s->critical_kw) / sd);
		ge1 = gsl_cdf_ugaussian_P((s->p50 - s->alert_kw) / sd);
	} else {
		ge2 = s->p50 >= s->critical_kw;
		ge1 = s->p50 >= s->alert_kw;
	}
	if (ge1 < ge2)
		ge1 = ge2;
	p[2] = ge2;
	p[1] = ge1 - ge2;
	p[0] = 1 - ge1;
}

int
cl_top(const cl_model *m, const double x[CL_NIN], int k, int idx[],
    double contrib[], int n)
{
	double z[CL_NIN], c[CL_NIN];
	int used[CL_NIN] = { 0 }, i, j, got = 0;

	scale(m, x, z);
	/* against Normal: what moved class k's log-odds */
	for (j = 1; j < CL_NIN; j++)
		c[j] = (m->coef[k][j] - m->coef[0][j]) * z[j];
	for (i = 0; i < n; i++) {
		int best = -1;

		for (j = 1; j < CL_NIN; j++)
			if (!used[j] && (best < 0 || fabs(c[j]) > fabs(c[best])))
				best = j;
		if (best < 0)
			break;
		used[best] = 1;
		idx[got] = best;
		contrib[got++] = c[best];
	}
	return got;
}

/* ---- training ---- */

#define NP ((CL_K - 1) * CL_NIN)	/* free parameters */
#define NPAIR ((CL_K - 1) * CL_K / 2)	/* class pairs k <= q of the Hessian */
#define NCHUNK 8	/* the samples' parts, summed in this order */
/*
 * The Hessian from at most about this many samples: every hstride-th,
 * counted hstride times.  The gradient and the loss use every sample, so
 * the fit converges to the same optimum; only the steps' directions are
 * approximate (sub-sampled Newton), which costs an iteration or two where
 * the Hessian is most of the work.
 */
#define HESS_MAX 1000000

/*
 * One part of the samples' sums: the loss and, when want, the gradient
 * and the upper triangles of the Hessian's blocks.  The blocks of a
 * sample are multiples of the one matrix z z': c_kq z z', so each sample
 * adds z_j z_l once per pair (k, q) for l >= j only.
 */
struct part {
	const double *z;		/* standardised inputs, CL_NIN a row */
	const cl_sample *s;
	size_t lo, hi;
	const double *b;
	int want;
	size_t hstride;			/* the Hessian's samples: i % hstride == 0 */
	double total;
	double g[NP];
	double a[NPAIR][CL_NIN][CL_NIN];
};

/* A thread's share: parts t, t + T, t + 2T ... */
struct share {
	struct part *pt;
	int t, nt;
};

static void *part_run(void *arg);

static void *
share_run(void *arg)
{
	struct share *sh = arg;
	int c;

	for (c = sh->t; c < NCHUNK; c += sh->nt)
		part_run(&sh->pt[c]);
	return NULL;
}

static void *
part_run(void *arg)
{
	struct part *pt = arg;
	const double *b = pt->b;
	size_t i;
	int j, l, k, q, pq;

	pt->total = 0;
	if (pt->want) {
		memset(pt->g, 0, sizeof pt->g);
		memset(pt->a, 0, sizeof pt->a);
	}
	for (i = pt->lo; i < pt->hi; i++) {
		const double *z = pt->z + i * CL_NIN;
		double eta[CL_K], p[CL_K], c[NPAIR], w = pt->s[i].w;
		int y = pt->s[i].y;

		eta[0] = 0;
		for (k = 1; k < CL_K; k++) {
			eta[k] = 0;
			for (j = 0; j < CL_NIN; j++)
				eta[k] += b[(k - 1) * CL_NIN + j] * z[j];
		}
		softmax(eta, p);
		pt->total -= w * log(fmax(p[y], 1e-300));
		if (!pt->want)
			continue;
		for (k = 1; k < CL_K; k++) {
			double r = w * (p[k] - (y == k));

			for (j = 0; j < CL_NIN; j++)
				pt->g[(k - 1) * CL_NIN + j] += r * z[j];
		}
		if (i % pt->hstride != 0)
			continue;
		for (k = 1, pq = 0; k < CL_K; k++)
			for (q = k; q < CL_K; q++)
				c[pq++] = (double)pt->hstride * w * p[k] *
				    ((k == q) - p[q]);
		for (j = 0; j < CL_NIN; j++)
			for (l = j; l < CL_NIN; l++) {
				double zz = z[j] * z[l];

				for (pq = 0; pq < NPAIR; pq++)
					pt->a[pq][j][l] += c[pq] * zz;
			}
	}
	return NULL;
}

/*
 * The penalised loss at coefficients b (classes 1..K-1), and when g and h
 * are not NULL its gradient and Hessian.  The samples are cut into
 * NCHUNK parts whatever the number of threads, and the parts' sums added
 * in order, so that the result does not depend on the machine.
 */
static double
loss(const double *z, const cl_sample *s, size_t n, const double *b,
    double lambda, double *g, double *h, int nthreads)
{
	static struct part pt[NCHUNK];
	struct share sh[NCHUNK];
	pthread_t tid[NCHUNK];
	double total = 0;
	int c, j, l, k, q, pq, nt;

	for (c = 0; c < NCHUNK; c++) {
		pt[c].z = z;
		pt[c].s = s;
		pt[c].lo = n * (size_t)c / NCHUNK;
		pt[c].hi = n * (size_t)(c + 1) / NCHUNK;
		pt[c].b = b;
		pt[c].want = g != NULL;
		pt[c].hstride = n > HESS_MAX ? (n + HESS_MAX - 1) / HESS_MAX : 1;
	}
	/* thread t takes parts t, t + nt ...; this one is thread 0; when a
	 * thread cannot be made, fewer share the parts */
	nt = nthreads < 1 ? 1 : nthreads > NCHUNK ? NCHUNK : nthreads;
	for (;;) {
		for (c = 0; c < nt; c++) {
			sh[c].pt = pt;
			sh[c].t = c;
			sh[c].nt = nt;
		}
		for (c = 1; c < nt; c++)
			if (pthread_create(&tid[c], NULL, share_run, &sh[c]) != 0)
				break;
		if (c == nt)
			break;
		while (--c >= 1)
			pthread_join(tid[c], NULL);
		nt = 1;
	}
	share_run(&sh[0]);
	for (c = 1; c < nt; c++)
		pthread_join(tid[c], NULL);
	if (g) {
		memset(g, 0, NP * sizeof *g);
		memset(h, 0, NP * NP * sizeof *h);
	}
	for (c = 0; c < NCHUNK; c++) {
		total += pt[c].total;
		if (!g)
			continue;
		for (j = 0; j < NP; j++)
			g[j] += pt[c].g[j];
		for (k = 1, pq = 0; k < CL_K; k++)
			for (q = k; q < CL_K; q++, pq++) {
				double *blk = h + (size_t)(k - 1) * CL_NIN * NP +
				    (size_t)(q - 1) * CL_NIN;

				for (j = 0; j < CL_NIN; j++)
					for (l = 0; l < CL_NIN; l++)
						blk[(size_t)j * NP + l] += l >= j ?
						    pt[c].a[pq][j][l] :
						    pt[c].a[pq][l][j];
			}
	}
	for (k = 1; k < CL_K; k++)
		for (j = 1; j < CL_NIN; j++) {
			double v = b[(k - 1) * CL_NIN + j];

			total += 0.5 * lambda * v * v;
			if (g) {
				g[(k - 1) * CL_NIN + j] += lambda * v;
				h[((k - 1) * CL_NIN + j) * (NP + 1)] += lambda;
			}
		}
	if (g) {
		/* the lower blocks from the upper, and a little on every
		 * diagonal so that a constant input cannot make it singular */
		for (j = 0; j < NP; j++) {
			for (l = 0; l < j; l++)
				h[j * NP + l] = h[l * NP + j];
			h[j * NP + j] += 1e-9 * (1 + h[j * NP + j]);
		}
	}
	return total;
}

int
cl_train(cl_model *m, const cl_sample *s, size_t n, const cl_train_opts *o)
{
	static double g[NP], h[NP * NP];
	double b[NP] = { 0 }, nb[NP], d[NP], sw[CL_K] = { 0 }, tot = 0, cur;
	double sum[CL_NIN] = { 0 }, ss[CL_NIN] = { 0 };
	cl_sample *ws;
	double *z;
	size_t i;
	int j, k, it;

	if (n == 0) {
		fx_error("train: no samples");
		return -1;
	}
	/* class weights, applied to a copy of the samples */
	for (k = 0; k < CL_K; k++)
		m->n[k] = 0;
	for (i = 0; i < n; i++) {
		sw[s[i].y] += s[i].w;
		m->n[s[i].y]++;
		tot += s[i].w;
	}
	for (k = 0; k < CL_K; k++)
		m->class_weight[k] = o->balance && sw[k] > 0 ?
		    tot / (CL_K * sw[k]) : 1;
	ws = fx_xmalloc(n * sizeof *ws);
	memcpy(ws, s, n * sizeof *ws);
	tot = 0;
	for (i = 0; i < n; i++) {
		ws[i].w = (float)(ws[i].w * m->class_weight[ws[i].y]);
		tot += ws[i].w;
		for (j = 0; j < CL_NIN; j++) {
			sum[j] += ws[i].w * ws[i].x[j];
			ss[j] += ws[i].w * (double)ws[i].x[j] * ws[i].x[j];
		}
	}
	/* the scaler: weighted mean and sd; constant inputs are centred */
	m->mean[0] = 0;
	m->sd[0] = 1;
	for (j = 1; j < CL_NIN; j++) {
		double mu = sum[j] / tot, var = ss[j] / tot - mu * mu;

		m->mean[j] = mu;
		m->sd[j] = var > 1e-18 ? sqrt(var) : 1;
	}
	/* the standardised inputs, once */
	z = fx_xmalloc(n * CL_NIN * sizeof *z);
	for (i = 0; i < n; i++) {
		double x[CL_NIN];

		for (j = 0; j < CL_NIN; j++)
			x[j] = ws[i].x[j];
		scale(m, x, z + i * CL_NIN);
	}
	/* the penalty is per unit of weight, so that it means the same for
	 * any number of samples */
	cur = loss(z, ws, n, b, o->l2 * tot, g, h, o->threads);
	for (it = 1; it <= o->max_iter; it++) {
		gsl_matrix_view hm = gsl_matrix_view_array(h, NP, NP);
		gsl_vector_view gv = gsl_vector_view_array(g, NP);
		gsl_vector_view dv = gsl_vector_view_array(d, NP);
		double t = 1, next = cur, step = 0;
		int tries;

		if (gsl_linalg_cholesky_decomp1(&hm.matrix) != GSL_SUCCESS ||
		    gsl_linalg_cholesky_solve(&hm.matrix, &gv.vector,
		    &dv.vector) != GSL_SUCCESS) {
			fx_error("train: the Hessian is not positive definite "
			    "at iteration %d", it);
			free(ws);
			free(z);
			return -1;
		}
		for (tries = 0; tries < 30; tries++, t /= 2) {
			for (j = 0; j < NP; j++)
				nb[j] = b[j] - t * d[j];
			next = loss(z, ws, n, nb, o->l2 * tot, NULL, NULL,
			    o->threads);
			if (next <= cur)
				break;
		}
		for (j = 0; j < NP; j++) {
			step = fmax(step, fabs(t * d[j]));
			b[j] = nb[j];
		}
		if (o->verbose)
			fprintf(stderr, "fx-classify: train: iteration %d: loss "
			    "%.10g, step %.3g (%d halvings)\n", it, next / tot,
			    step, tries);
		if (cur - next <= 1e-12 * fabs(cur) || step < 1e-9) {
			cur = next;
			break;
		}
		cur = loss(z, ws, n, b, o->l2 * tot, g, h, o->threads);
	}
	for (j = 0; j < CL_NIN; j++)
		m->coef[0][j] = 0;
	for (k = 1; k < CL_K; k++)
		for (j = 0; j < CL_NIN; j++)
			m->coef[k][j] = b[(k - 1) * CL_NIN + j];
	m->l2 = o->l2;
	free(ws);
	free(z);
	return it > o->max_iter ? o->max_iter : it;
}

/* ---- the model file ---- */

static void
put_array(fx_buf *b, const char *key, const double *v, int n)
{
	int j;

	fx_buf_jkey(b, key);
	fx_buf_putc(b, '[');
	for (j = 0; j < n; j++) {
		if (j)
			fx_buf_putc(b, ',');
		fx_buf_num(b, v[j]);
	}
	fx_buf_putc(b, ']');
}

void
cl_model_put(const cl_model *m, fx_buf *b)
{
	int j;

	fx_buf_puts(b, "\"inputs\":[");
	for (j = 0; j < CL_NIN; j++) {
		if (j)
			fx_buf_putc(b, ',');
		fx_buf_jstr(b, cl_input_name[j], strlen(cl_input_name[j]));
	}
	fx_buf_puts(b, "],\"classes\":[\"normal\",\"alert\",\"critical\"],");
	cl_model_put_params(m, b);
	fx_buf_puts(b, ",\"l2\":");
	fx_buf_num(b, m->l2);
}

void
cl_model_put_params(const cl_model *m, fx_buf *b)
{
	int j, k;

	fx_buf_puts(b, "\"scaler\":{");
	put_array(b, "mean", m->mean, CL_NIN);
	put_array(b, "sd", m->sd, CL_NIN);
	fx_buf_puts(b, "},\"coef\":[");
	for (k = 0; k < CL_K; k++) {
		if (k)
			fx_buf_putc(b, ',');
		fx_buf_putc(b, '[');
		for (j = 0; j < CL_NIN; j++) {
			if (j)
				fx_buf_putc(b, ',');
			fx_buf_num(b, m->coef[k][j]);
		}
		fx_buf_putc(b, ']');
	}
	fx_buf_puts(b, "],\"decision\":{\"alert\":");
	fx_buf_num(b, m->t_alert);
	fx_buf_puts(b, ",\"critical\":");
	fx_buf_num(b, m->t_critical);
	fx_buf_putc(b, '}');
	put_array(b, "class_weights", m->class_weight, CL_K);
	fx_buf_puts(b, ",\"training_samples\":[");
	for (k = 0; k < CL_K; k++) {
		if (k)
			fx_buf_putc(b, ',');
		fx_buf_int(b, m->n[k]);
	}
	fx_buf_putc(b, ']');
}

/* Reads obj[key] as an array of n finite numbers. */
static int
get_array(jv obj, const char *key, double *out, int n, char *err,
    size_t errlen)
{
	jv a = fx_json_get(obj, key);
	int j;

	if (jv_get_kind(a) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(a)) != n) {
		jv_free(a);
		snprintf(err, errlen, "%s: not an array of %d numbers", key, n);
		return -1;
	}
	for (j = 0; j < n; j++) {
		jv v = jv_array_get(jv_copy(a), j);

		if (jv_get_kind(v) != JV_KIND_NUMBER ||
		    !isfinite(jv_number_value(v))) {
			jv_free(v);
			jv_free(a);
			snprintf(err, errlen, "%s[%d]: not a finite number",
			    key, j);
			return -1;
		}
		out[j] = jv_number_value(v);
		jv_free(v);
	}
	jv_free(a);
	return 0;
}

int
cl_model_load(cl_model *m, const char *path, char *err, size_t errlen)
{
	char why[256];
	jv doc = fx_json_load(path, why, sizeof why), a;
	const char *s;
	int j, rc = -1;

	memset(m, 0, sizeof *m);
	m->doc = jv_null();
	if (!jv_is_valid(doc)) {
		snprintf(err, errlen, "%s", why);
		jv_free(doc);
		return -1;
	}
	if (jv_get_kind(doc) != JV_KIND_OBJECT ||
	    (s = fx_json_str(doc, "format")) == NULL ||
	    strcmp(s, "fluxeon-classify-model") != 0) {
		snprintf(err, errlen, "%s: not a fluxeon-classify-model file",
		    path);
		goto out;
	}
	if ((s = fx_json_str(doc, "model_version")) == NULL || *s == '\0' ||
	    strlen(s) >= sizeof m->version) {
		snprintf(err, errlen, "%s: model_version: missing or too long",
		    path);
		goto out;
	}
	strcpy(m->version, s);
	a = fx_json_get(doc, "inputs");
	if (jv_get_kind(a) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(a)) != CL_NIN) {
		jv_free(a);
		snprintf(err, errlen, "%s: inputs: want the %d inputs of this "
		    "version of fx-classify", path, CL_NIN);
		goto out;
	}
	for (j = 0; j < CL_NIN; j++) {
		jv v = jv_array_get(jv_copy(a), j);
		int same = jv_get_kind(v) == JV_KIND_STRING &&
		    strcmp(jv_string_value(v), cl_input_name[j]) == 0;

		jv_free(v);
		if (!same) {
			jv_free(a);
			snprintf(err, errlen, "%s: inputs[%d]: want \"%s\": the "
			    "model was made for other inputs", path, j,
			    cl_input_name[j]);
			goto out;
		}
	}
	jv_free(a);
	if (cl_model_parse(m, doc, path, err, errlen) != 0)
		goto out;
	m->doc = jv_copy(doc);
	rc = 0;
out:
	jv_free(doc);
	return rc;
}

int
cl_model_parse(cl_model *m, jv doc, const char *where, char *err,
    size_t errlen)
{
	char why[256];
	jv a, sc, dec;
	int j, k;

	sc = fx_json_get(doc, "scaler");
	if (get_array(sc, "mean", m->mean, CL_NIN, why, sizeof why) != 0 ||
	    get_array(sc, "sd", m->sd, CL_NIN, why, sizeof why) != 0) {
		jv_free(sc);
		snprintf(err, errlen, "%s: scaler.%s", where, why);
		return -1;
	}
	jv_free(sc);
	for (j = 0; j < CL_NIN; j++)
		if (!(m->sd[j] > 0)) {
			snprintf(err, errlen, "%s: scaler.sd[%d]: not > 0", where,
			    j);
			return -1;
		}
	a = fx_json_get(doc, "coef");
	if (jv_get_kind(a) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(a)) != CL_K) {
		jv_free(a);
		snprintf(err, errlen, "%s: coef: not %d rows", where, CL_K);
		return -1;
	}
	for (k = 0; k < CL_K; k++) {
		jv row = jv_array_get(jv_copy(a), k);
		jv wrap = jv_object_set(jv_object(), jv_string("row"), row);

		if (get_array(wrap, "row", m->coef[k], CL_NIN, why,
		    sizeof why) != 0) {
			jv_free(wrap);
			jv_free(a);
			/* why is "row: ..." or "row[j]: ...": say coef[k] */
			snprintf(err, errlen, "%s: coef[%d]%s", where, k,
			    why + 3);
			return -1;
		}
		jv_free(wrap);
	}
	jv_free(a);
	dec = fx_json_get(doc, "decision");
	if (fx_json_num(dec, "alert", &m->t_alert) != 1 ||
	    fx_json_num(dec, "critical", &m->t_critical) != 1 ||
	    !(m->t_alert > 0 && m->t_alert <= 1) ||
	    !(m->t_critical > 0 && m->t_critical <= 1)) {
		jv_free(dec);
		snprintf(err, errlen, "%s: decision: want alert and critical "
		    "probabilities in (0, 1]", where);
		return -1;
	}
	jv_free(dec);
	return 0;
}
