/*
 * bpp_load - an open-loop load generator for fx-bpp (bench/bpp.sh).
 *
 *   bpp_load --key file --id bap_id --to url [-c inflight] [-d dur]
 *            [-r rate] [--bpp-id id] [--catalog file] [--cutoff dur]
 *            [--der id] [--feeder id] [--grace dur] [--key-id id]
 *            [--label text] [--select share] [--server-pid pid]
 *            [--warmup dur]
 *   bpp_load --serve [--key file] [--port-file file]
 *   bpp_load --micro --key file --id bap_id [-n count] [--schemas dir]
 *
 * Load: builds every request of the run ahead of time, each distinct and
 * validly signed (fx_bmsg + fx_bsign_sign, so signing is not in the
 * measured client path): v2 discover by default, for --feeder (F001) over
 * the hour an hour ahead, each with a fresh UUID message id and
 * transaction id, the context timestamped at build time with a ttl of a
 * minute plus twice the run (warm-up, duration, cutoff: longer than the
 * build and the run, short enough that fx-bpp forgets the message ids
 * of earlier runs during a benchmark, as it would in service), the
 * signature valid for the whole run and ten minutes more; with
 * --select SHARE that share of them are v2 selects of --der (default
 * did:fx:bat-0001 of --catalog, default samples/ders.json), half its
 * capacity for 30 minutes an hour ahead, each in a transaction of its own.
 * Then it fires them at rate req/s, open loop: request i is due at
 * t0 + i/rate (a timerfd wakes the loop at that nanosecond), sent once
 * due and fewer than inflight are unanswered, and its latency runs from
 * that scheduled time to its answer, so a server that falls behind shows
 * as queueing rather than as a client that slows down (no coordinated
 * omission).  The first --warmup of requests (1 s) open the connections
 * and are not counted.  The same process answers the BPP's signed
 * callbacks (on_discover, on_select) on its own server, 127.0.0.1 on a
 * free port named as bapUri, at once with a constant ACK, unverified, and
 * counts them: the callback traffic is part of the load, as in
 * production.  A transaction id's last 12 hex digits are the request's
 * index, so each callback's latency (scheduled send to callback) is known;
 * the callbacks' mean size and the offers ("derType" members) in the
 * first are reported.
 * After the last answer it waits up to --grace (3 s) for callbacks.  A
 * server that cannot keep up is given --cutoff (10 s) after the last
 * request was due: then what is unanswered is cancelled and what is
 * unsent stays so, both counted, their latency infinite (a percentile
 * that falls among them is null).  Then it prints one JSON line on
 * stdout: offered and achieved rate (every answer, warm-up requests'
 * included, from the end of the warm-up to the last answer), answers by
 * status, ACKs, NACKs, errors, latency p50/p90/p99/max (exact
 * nearest-rank percentiles of the sorted samples), the same from the
 * actual send (fx_http_res.total_ms, answered requests only), how late
 * sends left (lag_), callback counts and latency (cb_), and, between the
 * end of the warm-up and the end of the run, the CPU time of the client
 * and, with --server-pid, of the server, and the time each waited,
 * runnable, for its CPU (/proc/PID/schedstat: other processes on the same
 * CPU show there).
 *
 * --serve: the baseline server, a plain HTTP server on the same event
 * loop (common/http) that does no Beckn work: every POST is answered 200
 * with the same bytes, a v2 ACK with a counter-signature made once at
 * start (a random key unless --key), and no callback.  Writes its port to
 * --port-file; runs until SIGINT or SIGTERM.
 *
 * --micro: in-process cost of the signature steps on a discover body, in
 * µs an operation (median of 5 rounds of -n): BLAKE2b-512 digest, sign,
 * countersign, header parse, verify, JSON parse, and with --schemas the
 * request's schema check.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "bmsg.h"
#include "bschema.h"
#include "bsign.h"
#include "buf.h"
#include "catalog.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "note.h"
#include "timeutil.h"

#define PROG "bpp_load"

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: bpp_load --key file --id bap_id --to url [-c inflight] [-d dur]\n"
"                [-r rate] [--bpp-id id] [--catalog file] [--cutoff dur]\n"
"                [--der id] [--feeder id] [--grace dur] [--key-id id]\n"
"                [--label text] [--select share] [--server-pid pid]\n"
"                [--warmup dur]\n"
"       bpp_load --serve [--key file] [--port-file file]\n"
"       bpp_load --micro --key file --id bap_id [-n count] [--schemas dir]\n");
	exit(st);
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * From /proc/PID/schedstat (pid 0: this process): the seconds it ran on
 * a CPU and the seconds it waited, runnable, for one (other processes
 * on its CPU show there).  0, or -1 when unknown.
 */
static int
sched_s(long pid, double *run, double *wait)
{
	char path[64];
	unsigned long long r, w;
	FILE *f;
	int n;

	if (pid < 0)
		return -1;
	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/schedstat");
	else
		snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fscanf(f, "%llu %llu", &r, &w);
	fclose(f);
	if (n != 2)
		return -1;
	*run = (double)r / 1e9;
	*wait = (double)w / 1e9;
	return 0;
}

static fx_bsign_key *
read_key(const char *path)
{
	char err[512], *text;
	fx_bsign_key *k;

	if ((text = fx_note_secret_read(path, "signing key", err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if ((k = fx_bsign_key_new(text, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: %s", path, err);
	fx_note_key_free(text);
	return k;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p of them <= it, of n
 * sorted samples (n > 0). */
static int64_t
pct(const int64_t *v, size_t n, double p)
{
	size_t k = (size_t)ceil(p * (double)n);

	return v[k == 0 ? 0 : k - 1];
}

/* ---- the requests ---- */

enum { K_DISCOVER, K_SELECT };

struct req {
	char *body;
	size_t len;
	char *auth;		/* "Authorization: Signature ..." */
	int kind;
	int64_t sent_ns;	/* 0: not sent */
	int64_t done_ns;	/* 0: not answered */
	int64_t cb_ns;		/* 0: no callback (yet) */
	uint64_t id;		/* fx_http_post's */
	double total_ms;	/* fx_http_res.total_ms */
	int status;		/* HTTP; 0 transport error */
	int ack;
};

static struct {
	fx_loop *loop;
	const char *to;
	char url[2][700];	/* discover, select */
	struct req *r;
	size_t n, nwarm, next, answered;
	size_t inflight, max_inflight;
	int64_t t0;		/* request i is due at t0 + i / rate */
	double rate;
	int tfd;
	int sending_done, stop;
	uint64_t callbacks, callbacks_early, callbacks_unknown, expect100;
	uint64_t callback_bytes;
	int first_offers;	/* "derType" members in the first callback */
	const char *feeder;	/* the discover intent's */
	uint64_t nack_reports;
	int64_t grace_ns, end_ns, stop_ns;
	uint64_t cut;		/* requests cancelled at the cutoff */
	int64_t ttl_ms;		/* the requests' context ttl */
	long server_pid;		/* -1: none */
	/* the measured window: CPU and runqueue wait seconds, client's and
	 * server's, at its start [0] and end [1] */
	double crun[2], cwait[2], srun[2], swait[2];
	int sok[2];
	int64_t open_ns, last_ns;	/* the window's start, its last answer */
	uint64_t win_answers;		/* answers in it, warm-up's included */
	char cb_ack[64];
} ld;

static int64_t
due_ns(size_t i)
{
	return ld.t0 + (int64_t)((double)i * 1e9 / ld.rate);
}

/* The transaction id: a fresh version 4 UUID whose last 12 hex digits
 * are the index (so still unique, and a callback names its request). */
static void
txn_id(char out[37], size_t i)
{
	fx_bmsg_uuid(out);
	snprintf(out + 24, 13, "%012zx", i);
}

static void
build(size_t i, int kind, const fx_bsign_key *k, const char *bap_id,
    const char *key_id, const char *bpp_id, const char *bap_uri,
    const fx_der *der, int64_t created, int64_t expires)
{
	struct req *q = &ld.r[i];
	fx_time now = fx_time_now();
	fx_time start = (now / 60000 + 60) * 60000;	/* an hour ahead */
	char err[256], *sig;
	fx_bctx c;
	jv msg, s;

	fx_bmsg_ctx_init(&c, FX_BECKN_V2, kind == K_SELECT ? FX_BA_SELECT :
	    FX_BA_SEARCH);
	snprintf(c.bap_id, sizeof c.bap_id, "%s", bap_id);
	snprintf(c.bap_uri, sizeof c.bap_uri, "%s", bap_uri);
	snprintf(c.bpp_id, sizeof c.bpp_id, "%s", bpp_id);
	snprintf(c.bpp_uri, sizeof c.bpp_uri, "%s", ld.to);
	txn_id(c.transaction_id, i);
	c.ttl_ms = ld.ttl_ms;
	if (kind == K_DISCOVER) {
		fx_bintent in;

		memset(&in, 0, sizeof in);
		snprintf(in.feeder_id, sizeof in.feeder_id, "%s", ld.feeder);
		in.lat = in.lon = NAN;
		in.start = start;
		in.end = start + 3600000;
		in.kw = 50;
		msg = fx_bmsg_search(&c, &in);
	} else {
		fx_border o;
		double minutes = der->duration_min < 30 ? der->duration_min :
		    30;

		fx_border_init(&o);
		snprintf(o.der_id, sizeof o.der_id, "%s", der->der_id);
		snprintf(o.provider_id, sizeof o.provider_id, "%s",
		    der->aggregator_id);
		snprintf(o.offer_id, sizeof o.offer_id, "offer:%s",
		    der->der_id);
		o.kw = der->capacity_kw / 2 > der->min_kw ?
		    der->capacity_kw / 2 : der->min_kw;
		o.start = start;
		o.end = start + (fx_time)(minutes * 60000);
		snprintf(o.feeder_id, sizeof o.feeder_id, "%s", ld.feeder);
		msg = fx_bmsg_order(&c, &o);
	}
	s = jv_dump_string(msg, 0);
	q->body = fx_xstrdup(jv_string_value(s));
	q->len = strlen(q->body);
	q->kind = kind;
	jv_free(s);
	if ((sig = fx_bsign_sign(k, bap_id, key_id, q->body, q->len, created,
	    expires, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "sign: %s", err);
	q->auth = fx_xmalloc(strlen(sig) + 16);
	sprintf(q->auth, "Authorization: %s", sig);
	free(sig);
}

/* ---- the run ---- */

static void pump(void);

static void
on_answer(const fx_http_res *res, void *ctx)
{
	struct req *q = ctx;

	q->done_ns = mono_ns();
	if (ld.open_ns != 0 && !ld.stop && res->status != 0) {
		ld.win_answers++;
		ld.last_ns = q->done_ns;
	}
	q->total_ms = res->total_ms;
	q->status = (int)res->status;
	/* the answer's top-level status member: exact for fx-bpp's v2
	 * answers, {"status":"ACK",...}; "NACK" does not match */
	q->ack = res->status == 200 && res->len > 0 && memmem(res->body,
	    res->len, "\"status\":\"ACK\"", 14) != NULL;
	if (!q->ack && ld.nack_reports++ < 3)
		fx_warn("request %zu: HTTP %ld%s%s: %.*s", (size_t)(q - ld.r),
		    res->status, res->error[0] ? ": " : "", res->error,
		    (int)(res->len < 300 ? res->len : 300),
		    res->body != NULL ? res->body : "");
	ld.inflight--;
	ld.answered++;
	pump();
}

static void
send_one(size_t i)
{
	struct req *q = &ld.r[i];
	const char *headers[3];

	headers[0] = "Content-Type: application/json";
	headers[1] = q->auth;
	headers[2] = NULL;
	q->sent_ns = mono_ns();
	ld.inflight++;
	q->id = fx_http_post(ld.loop, ld.url[q->kind], headers, q->body, q->len,
	    10000, on_answer, q);
}

static void
arm(int64_t at_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = at_ns / 1000000000;
	its.it_value.tv_nsec = at_ns % 1000000000;
	if (timerfd_settime(ld.tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		fx_die(FX_EXIT_FAIL, "timerfd_settime: %s", strerror(errno));
}

/* Sends what is due, as far as the in-flight limit allows, and sets the
 * timer for the next one. */
static void
pump(void)
{
	int64_t now = mono_ns();

	while (ld.next < ld.n && due_ns(ld.next) <= now &&
	    ld.inflight < ld.max_inflight)
		send_one(ld.next++);
	if (ld.next < ld.n) {
		if (ld.inflight < ld.max_inflight)
			arm(due_ns(ld.next));
	} else
		ld.sending_done = 1;
}

static void
on_tick(fx_loop *l, int fd, void *ctx)
{
	uint64_t ticks;

	(void)ctx;
	if (read(fd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
		fx_die(FX_EXIT_FAIL, "timerfd: %s", strerror(errno));
	(void)l;
	pump();
}

/* The measured window opens when the warm-up is over (by the clock: a
 * server behind may not have let the first counted request out yet). */
static void
open_window(fx_loop *l, void *ctx)
{
	(void)l;
	(void)ctx;
	ld.open_ns = mono_ns();
	sched_s(0, &ld.crun[0], &ld.cwait[0]);
	ld.sok[0] = sched_s(ld.server_pid, &ld.srun[0], &ld.swait[0]) == 0;
}

static void
close_window(void)
{
	ld.stop_ns = mono_ns();
	sched_s(0, &ld.crun[1], &ld.cwait[1]);
	ld.sok[1] = sched_s(ld.server_pid, &ld.srun[1], &ld.swait[1]) == 0;
	ld.stop = 1;
}

/* After the last answer: until every ACKed request has had its callback,
 * or the grace period is over; then the measured window closes. */
static void
on_linger(fx_loop *l, void *ctx)
{
	size_t i, acks = 0;

	(void)ctx;
	if (ld.stop)
		return;
	if (!ld.sending_done || ld.answered < ld.n) {
		fx_loop_timer(l, 10, on_linger, NULL);
		return;
	}
	if (ld.end_ns == 0)
		ld.end_ns = mono_ns();
	for (i = 0; i < ld.n; i++)
		acks += ld.r[i].ack;
	if (ld.callbacks >= acks || mono_ns() - ld.end_ns > ld.grace_ns) {
		close_window();
		return;
	}
	fx_loop_timer(l, 2, on_linger, NULL);
}

/* The cutoff, --cutoff after the last request was due: what is still
 * unanswered is cancelled, what is unsent stays so, and the run ends. */
static void
on_cutoff(fx_loop *l, void *ctx)
{
	size_t i;

	(void)ctx;
	if (ld.stop)
		return;
	for (i = 0; i < ld.next; i++)
		if (ld.r[i].done_ns == 0 && fx_http_cancel(l, ld.r[i].id) == 0)
			ld.cut++;
	ld.next = ld.n;
	close_window();
}

/* The index in a callback's transaction id, or -1. */
static long long
callback_index(const char *body, size_t len)
{
	static const char key[] = "\"transactionId\":\"";
	const char *p = memmem(body, len, key, sizeof key - 1);
	char hex[13];
	char *end;
	unsigned long long v;

	if (p == NULL || (size_t)(body + len - p) < sizeof key - 1 + 37)
		return -1;
	p += sizeof key - 1;
	if (p[36] != '"')
		return -1;
	memcpy(hex, p + 24, 12);
	hex[12] = '\0';
	v = strtoull(hex, &end, 16);
	if (*end != '\0')
		return -1;
	return (long long)v;
}

static void
on_callback(fx_http_req *req, void *ctx)
{
	long long i = callback_index(req->body, req->len);

	(void)ctx;
	if (fx_http_req_header(req, "Expect") != NULL)
		ld.expect100++;
	if (ld.callbacks++ == 0) {
		const char *p = req->body, *end = req->body + req->len;

		while ((p = memmem(p, (size_t)(end - p), "\"derType\":", 10)) !=
		    NULL) {
			ld.first_offers++;
			p += 10;
		}
	}
	ld.callback_bytes += req->len;
	if (i >= 0 && (size_t)i < ld.n && ld.r[i].sent_ns != 0) {
		if (ld.r[i].cb_ns == 0)
			ld.r[i].cb_ns = mono_ns();
		if (ld.r[i].done_ns == 0)
			ld.callbacks_early++;
	} else
		ld.callbacks_unknown++;
	fx_http_respond(req, 200, "application/json", ld.cb_ack,
	    strlen(ld.cb_ack), NULL);
}

static void
put_ms(fx_buf *b, const char *name, double ms)
{
	fx_buf_puts(b, ",\"");
	fx_buf_puts(b, name);
	fx_buf_puts(b, "\":");
	fx_buf_fixed(b, ms, 3);
}

/* ns as ms, INT64_MAX (no answer) as null */
static void
put_ns(fx_buf *b, const char *name, int64_t ns)
{
	if (ns == INT64_MAX) {
		fx_buf_puts(b, ",\"");
		fx_buf_puts(b, name);
		fx_buf_puts(b, "\":null");
	} else
		put_ms(b, name, (double)ns / 1e6);
}

static void
put_u(fx_buf *b, const char *name, uint64_t v)
{
	fx_buf_puts(b, ",\"");
	fx_buf_puts(b, name);
	fx_buf_puts(b, "\":");
	fx_buf_int(b, (int64_t)v);
}

/* p50, p90, p99 and max of v[0..n) in ns as NAME_p50_ms ..., null where
 * it is INT64_MAX (no answer); nothing for n == 0. */
static void
put_dist(fx_buf *b, const char *name, int64_t *v, size_t n)
{
	char key[64];

	if (n == 0)
		return;
	qsort(v, n, sizeof *v, cmp_i64);
	snprintf(key, sizeof key, "%sp50_ms", name);
	put_ns(b, key, pct(v, n, 0.50));
	snprintf(key, sizeof key, "%sp90_ms", name);
	put_ns(b, key, pct(v, n, 0.90));
	snprintf(key, sizeof key, "%sp99_ms", name);
	put_ns(b, key, pct(v, n, 0.99));
	snprintf(key, sizeof key, "%smax_ms", name);
	put_ns(b, key, v[n - 1]);
}

static int
run_load(const char *keyfile, const char *bap_id, const char *key_id,
    const char *bpp_id, const char *catalog, const char *der_id,
    double rate, int64_t dur_ms, int64_t warm_ms, size_t inflight,
    double select_share, int64_t grace_ms, int64_t cutoff_ms,
    const char *label)
{
	fx_bsign_key *k = read_key(keyfile);
	fx_catalog *cat = NULL;
	const fx_der *der = NULL;
	fx_http_server *srv;
	char err[512], bap_uri[128];
	int64_t now_s, build_ns, *lat, *svc, *cbl, *lag;
	double wall;
	size_t i, m, nl = 0, ncb = 0, nsvc = 0;
	uint64_t st2 = 0, st4 = 0, st5 = 0, st0 = 0, acks = 0, nsel = 0;
	uint64_t unsent = 0, unanswered = 0;
	fx_buf b = FX_BUF_INIT;

	if (select_share > 0) {
		cat = fx_catalog_new();
		if (fx_catalog_load(cat, catalog, err, sizeof err) < 0)
			fx_die(FX_EXIT_USAGE, "%s", err);
		if ((der = fx_catalog_find(cat, der_id)) == NULL)
			fx_die(FX_EXIT_USAGE, "--der: no '%s' in %s",
			    fx_quote(der_id, strlen(der_id)), catalog);
	}
	if ((ld.loop = fx_loop_new(err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "%s", err);
	if ((srv = fx_http_listen(ld.loop, "127.0.0.1", 0, on_callback, NULL,
	    err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "callback server: %s", err);
	snprintf(bap_uri, sizeof bap_uri, "http://127.0.0.1:%d",
	    fx_http_server_port(srv));
	snprintf(ld.cb_ack, sizeof ld.cb_ack, "{\"status\":\"ACK\","
	    "\"signature\":\"\"}");
	snprintf(ld.url[K_DISCOVER], sizeof ld.url[0], "%s/discover", ld.to);
	snprintf(ld.url[K_SELECT], sizeof ld.url[1], "%s/select", ld.to);
	ld.rate = rate;
	ld.max_inflight = inflight;
	ld.grace_ns = grace_ms * 1000000;
	ld.nwarm = (size_t)(rate * (double)warm_ms / 1000);
	ld.ttl_ms = 60000 + 2 * (warm_ms + dur_ms + cutoff_ms);
	ld.n = ld.nwarm + (size_t)(rate * (double)dur_ms / 1000);
	if (ld.n == ld.nwarm || ld.n > 100000000)
		fx_die(FX_EXIT_USAGE, "rate x duration is under one request");
	ld.r = fx_xcalloc(ld.n, sizeof *ld.r);

	/* every request, signed, before the clock starts; the signatures
	 * live for the build, the run and ten minutes more */
	build_ns = mono_ns();
	now_s = fx_time_now() / 1000;
	for (i = 0; i < ld.n; i++) {
		/* selects spread evenly through the run */
		int kind = floor((double)(i + 1) * select_share) >
		    floor((double)i * select_share) ? K_SELECT : K_DISCOVER;

		build(i, kind, k, bap_id, key_id, bpp_id, bap_uri, der, now_s,
		    now_s + 600 + 2 * (warm_ms + dur_ms) / 1000);
		nsel += kind == K_SELECT && i >= ld.nwarm;
	}
	build_ns = mono_ns() - build_ns;

	if ((ld.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) < 0 || fx_loop_watch(ld.loop, ld.tfd, on_tick,
	    NULL) != 0)
		fx_die(FX_EXIT_FAIL, "timerfd: %s", strerror(errno));
	ld.t0 = mono_ns() + 20000000;
	arm(ld.t0);
	fx_loop_timer(ld.loop, (long)warm_ms + 20, open_window, NULL);
	fx_loop_timer(ld.loop, (long)(warm_ms + dur_ms), on_linger, NULL);
	fx_loop_timer(ld.loop, (long)(warm_ms + dur_ms + cutoff_ms) + 20,
	    on_cutoff, NULL);
	while (!ld.stop)
		if (fx_loop_run_once(ld.loop, -1) < 0)
			fx_die(FX_EXIT_FAIL, "poll: %s", strerror(errno));

	/* the counted requests: from the end of the warm-up */
	m = ld.n - ld.nwarm;
	lat = fx_xcalloc(m, sizeof *lat);
	svc = fx_xcalloc(m, sizeof *svc);
	cbl = fx_xcalloc(m, sizeof *cbl);
	lag = fx_xcalloc(m, sizeof *lag);
	for (i = ld.nwarm; i < ld.n; i++) {
		struct req *q = &ld.r[i];
		int64_t due = due_ns(i);

		if (q->sent_ns == 0) {	/* not sent by the cutoff */
			unsent++;
			lat[nl++] = lag[i - ld.nwarm] = INT64_MAX;
			continue;
		}
		lag[i - ld.nwarm] = q->sent_ns - due;
		if (q->done_ns == 0)
			unanswered++;
		else if (q->status == 0)
			st0++;
		else if (q->status < 300)
			st2++;
		else if (q->status < 500)
			st4++;
		else
			st5++;
		acks += q->ack;
		if (q->done_ns == 0 || q->status == 0)	/* never answered */
			lat[nl++] = INT64_MAX;
		else {
			lat[nl++] = q->done_ns - due;
			svc[nsvc++] = (int64_t)(q->total_ms * 1e6);
		}
		if (q->cb_ns != 0)
			cbl[ncb++] = q->cb_ns - due;
	}

	fx_buf_puts(&b, "{\"label\":");
	fx_buf_jstr(&b, label, strlen(label));
	fx_buf_puts(&b, ",\"target\":");
	fx_buf_jstr(&b, ld.to, strlen(ld.to));
	fx_buf_puts(&b, ",\"offered_rps\":");
	fx_buf_num(&b, rate);
	put_ms(&b, "duration_s", (double)dur_ms / 1000);
	put_u(&b, "inflight_max", inflight);
	put_u(&b, "requests", m);
	put_u(&b, "selects", nsel);
	put_u(&b, "warmup_requests", ld.nwarm);
	put_ms(&b, "build_s", (double)build_ns / 1e9);
	put_u(&b, "answered", nsvc);
	/* the server's throughput: every answer from the end of the
	 * warm-up to the last one (a server behind is still answering
	 * warm-up requests then) */
	wall = (double)(ld.last_ns - ld.open_ns) / 1e9;
	fx_buf_puts(&b, ",\"achieved_rps\":");
	fx_buf_fixed(&b, wall > 0 ? (double)ld.win_answers / wall : 0, 1);
	put_u(&b, "window_answers", ld.win_answers);
	put_u(&b, "unanswered", unanswered);
	put_u(&b, "unsent", unsent);
	put_u(&b, "cancelled_at_cutoff", ld.cut);
	put_u(&b, "http_2xx", st2);
	put_u(&b, "http_4xx", st4);
	put_u(&b, "http_5xx", st5);
	put_u(&b, "errors", st0);
	put_u(&b, "ack", acks);
	put_u(&b, "nack", nsvc - acks);
	put_dist(&b, "", lat, nl);
	put_dist(&b, "svc_", svc, nsvc);
	put_dist(&b, "lag_", lag, m);
	put_u(&b, "callbacks", ld.callbacks);
	put_u(&b, "callbacks_counted", ncb);
	put_u(&b, "callbacks_before_answer", ld.callbacks_early);
	put_u(&b, "callbacks_unknown", ld.callbacks_unknown);
	put_u(&b, "callbacks_expect_100", ld.expect100);
	put_u(&b, "callback_bytes_mean", ld.callbacks > 0 ? ld.callback_bytes /
	    ld.callbacks : 0);
	put_u(&b, "first_callback_offers", (uint64_t)ld.first_offers);
	put_dist(&b, "cb_", cbl, ncb);
	wall = (double)(ld.stop_ns - ld.open_ns) / 1e9;
	put_ms(&b, "window_s", wall);
	put_ms(&b, "client_cpu_s", ld.crun[1] - ld.crun[0]);
	fx_buf_puts(&b, ",\"client_cpu_pct\":");
	fx_buf_fixed(&b, 100 * (ld.crun[1] - ld.crun[0]) / wall, 1);
	fx_buf_puts(&b, ",\"client_wait_pct\":");
	fx_buf_fixed(&b, 100 * (ld.cwait[1] - ld.cwait[0]) / wall, 1);
	if (ld.sok[0] && ld.sok[1]) {
		put_ms(&b, "server_cpu_s", ld.srun[1] - ld.srun[0]);
		fx_buf_puts(&b, ",\"server_cpu_pct\":");
		fx_buf_fixed(&b, 100 * (ld.srun[1] - ld.srun[0]) / wall, 1);
		fx_buf_puts(&b, ",\"server_wait_pct\":");
		fx_buf_fixed(&b, 100 * (ld.swait[1] - ld.swait[0]) / wall, 1);
		fx_buf_puts(&b, ",\"server_cpu_us_per_answer\":");
		fx_buf_fixed(&b, ld.win_answers > 0 ? 1e6 * (ld.srun[1] -
		    ld.srun[0]) / (double)ld.win_answers : 0, 1);
	}
	fx_buf_puts(&b, "}\n");
	if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	fx_buf_free(&b);
	free(lat);
	free(svc);
	free(cbl);
	free(lag);
	fx_loop_unwatch(ld.loop, ld.tfd);
	close(ld.tfd);
	fx_http_server_close(srv);
	fx_loop_free(ld.loop);
	for (i = 0; i < ld.n; i++) {
		free(ld.r[i].body);
		free(ld.r[i].auth);
	}
	free(ld.r);
	fx_catalog_free(cat);
	fx_bsign_key_free(k);
	return 0;
}

/* ---- the baseline server ---- */

static struct {
	char *ack;
	size_t len;
	uint64_t requests;
} sv;

static void
on_plain(fx_http_req *req, void *ctx)
{
	(void)ctx;
	sv.requests++;
	fx_http_respond(req, 200, "application/json", sv.ack, sv.len, NULL);
}

static void
on_signal(fx_loop *l, int fd, void *ctx)
{
	struct signalfd_siginfo si;

	(void)ctx;
	if (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		fx_loop_stop(l);
}

static int
run_serve(const char *keyfile, const char *port_file)
{
	static const char plain[] = "{\"status\":\"ACK\"}";
	static const char request[] = "{}";
	fx_bsign_key *k;
	fx_http_server *srv;
	fx_loop *loop;
	char err[512], *cs, *priv, *pub;
	int64_t now = fx_time_now() / 1000;
	sigset_t mask;
	int sfd;
	jv body, s;

	if (keyfile != NULL)
		k = read_key(keyfile);
	else {
		if (fx_bsign_keygen(&priv, &pub, err, sizeof err) != 0 ||
		    (k = fx_bsign_key_new(priv, err, sizeof err)) == NULL)
			fx_die(FX_EXIT_FAIL, "keygen: %s", err);
		fx_bsign_secret_free(priv);
		free(pub);
	}
	/* the bytes of an fx-bpp ACK, made once */
	if ((cs = fx_bsign_countersign(k, "bpp.fluxeon.sandbox", "k1", plain,
	    strlen(plain), request, strlen(request),
	    "00000000-0000-4000-8000-000000000000", now, now + 30, err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "countersign: %s", err);
	body = fx_bmsg_ack(FX_BECKN_V2, 1, NULL, NULL, cs);
	s = jv_dump_string(body, 0);
	sv.ack = fx_xstrdup(jv_string_value(s));
	sv.len = strlen(sv.ack);
	jv_free(s);
	free(cs);
	fx_bsign_key_free(k);
	if ((loop = fx_loop_new(err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "%s", err);
	if ((srv = fx_http_listen(loop, "127.0.0.1", 0, on_plain, NULL, err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "--serve: %s", err);
	if (port_file != NULL) {
		FILE *f = fopen(port_file, "w");

		if (f == NULL || fprintf(f, "%d\n", fx_http_server_port(srv)) <
		    0 || fclose(f) != 0)
			fx_die(FX_EXIT_FAIL, "%s: %s", port_file,
			    strerror(errno));
	} else
		printf("%d\n", fx_http_server_port(srv));
	fflush(stdout);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0 ||
	    fx_loop_watch(loop, sfd, on_signal, NULL) != 0)
		fx_die(FX_EXIT_FAIL, "signalfd: %s", strerror(errno));
	fx_loop_run(loop);
	fprintf(stderr, PROG ": --serve: %" PRIu64 " requests answered\n",
	    sv.requests);
	fx_loop_unwatch(loop, sfd);
	close(sfd);
	fx_http_server_close(srv);
	fx_loop_free(loop);
	free(sv.ack);
	return 0;
}

/* ---- in-process costs ---- */

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define ROUNDS 5

/* Median over ROUNDS rounds of the µs per call of op, n calls a round. */
#define TIME_OP(name, op) do {						\
	double r_[ROUNDS];						\
	int j_;								\
	long i_;							\
	for (j_ = 0; j_ < ROUNDS; j_++) {				\
		int64_t t_ = mono_ns();					\
		for (i_ = 0; i_ < n; i_++) {				\
			op;						\
		}							\
		r_[j_] = (double)(mono_ns() - t_) / 1e3 / (double)n;	\
	}								\
	qsort(r_, ROUNDS, sizeof *r_, cmp_dbl);				\
	fx_buf_puts(&b, first ? "{\"" : ",\"");				\
	first = 0;							\
	fx_buf_puts(&b, name);						\
	fx_buf_puts(&b, "_us\":");					\
	fx_buf_fixed(&b, r_[ROUNDS / 2], 2);				\
} while (0)

static int
run_micro(const char *keyfile, const char *bap_id, const char *key_id,
    const char *schemas, long n)
{
	fx_bsign_key *k = read_key(keyfile);
	char *pub = fx_bsign_key_public(k), *sig, *hdr, err[512];
	char digest[FX_BSIGN_DIGEST_LEN + 1];
	fx_bschemas sch;
	fx_bsign_auth au;
	fx_buf b = FX_BUF_INIT;
	int64_t now_s = fx_time_now() / 1000;
	int first = 1, checked;
	volatile int sink = 0;
	jv msg;

	ld.to = "http://127.0.0.1:1";
	ld.ttl_ms = 10 * 60 * 1000;
	ld.n = 1;
	ld.r = fx_xcalloc(1, sizeof *ld.r);
	build(0, K_DISCOVER, k, bap_id, key_id, "bpp.fluxeon.sandbox",
	    "http://127.0.0.1:2", NULL, now_s, now_s + 600);
	hdr = ld.r[0].auth + strlen("Authorization: ");
	if (fx_bsign_parse(hdr, strlen(hdr), FX_BSIGN_AUTHORIZATION, &au,
	    err, sizeof err) != FX_BSIGN_OK)
		fx_die(FX_EXIT_FAIL, "parse: %s", err);
	if (fx_bsign_verify(&au, pub, ld.r[0].body, ld.r[0].len, now_s, 30,
	    err, sizeof err) != FX_BSIGN_OK)
		fx_die(FX_EXIT_FAIL, "verify: %s", err);
	memset(&sch, 0, sizeof sch);
	if (schemas != NULL && fx_bschema_load(&sch, schemas, err,
	    sizeof err) < 0)
		fx_die(FX_EXIT_USAGE, "%s", err);

	TIME_OP("digest", fx_bsign_digest(ld.r[0].body, ld.r[0].len,
	    digest); sink += digest[0]);
	TIME_OP("sign", sig = fx_bsign_sign(k, bap_id, key_id, ld.r[0].body,
	    ld.r[0].len, now_s, now_s + 30, err, sizeof err); free(sig));
	TIME_OP("countersign", sig = fx_bsign_countersign(k, bap_id, key_id,
	    "{\"status\":\"ACK\"}", 16, ld.r[0].body, ld.r[0].len,
	    "00000000-0000-4000-8000-000000000000", now_s, now_s + 30, err,
	    sizeof err); free(sig));
	TIME_OP("parse", sink += fx_bsign_parse(hdr, strlen(hdr),
	    FX_BSIGN_AUTHORIZATION, &au, err, sizeof err));
	TIME_OP("verify", sink += fx_bsign_verify(&au, pub, ld.r[0].body,
	    ld.r[0].len, now_s, 30, err, sizeof err));
	TIME_OP("json_parse", msg = fx_json_parse(ld.r[0].body, ld.r[0].len,
	    err, sizeof err); jv_free(msg));
	if (sch.n > 0) {
		msg = fx_json_parse(ld.r[0].body, ld.r[0].len, err,
		    sizeof err);
		TIME_OP("schema_check_discover", sink += fx_bschema_check(&sch,
		    FX_BECKN_V2, FX_BA_SEARCH, msg, &checked, err,
		    sizeof err));
		jv_free(msg);
	}
	fx_buf_puts(&b, ",\"body_bytes\":");
	fx_buf_int(&b, (int64_t)ld.r[0].len);
	fx_buf_puts(&b, ",\"calls_per_round\":");
	fx_buf_int(&b, n);
	fx_buf_puts(&b, ",\"rounds\":");
	fx_buf_int(&b, ROUNDS);
	fx_buf_puts(&b, "}\n");
	if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	fx_buf_free(&b);
	fx_bschema_free(&sch);
	free(ld.r[0].body);
	free(ld.r[0].auth);
	free(ld.r);
	free(pub);
	fx_bsign_key_free(k);
	return sink == 12345678 ? 1 : 0;
}

static double
number(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= lo && v <= hi))
		fx_die(FX_EXIT_USAGE, "%s: want a number from %g to %g, not "
		    "'%s'", opt, lo, hi, fx_quote(s, strlen(s)));
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bpp-id", required_argument, NULL, 'B' },
		{ "catalog", required_argument, NULL, 'C' },
		{ "cutoff", required_argument, NULL, 'u' },
		{ "der", required_argument, NULL, 'D' },
		{ "feeder", required_argument, NULL, 'F' },
		{ "grace", required_argument, NULL, 'g' },
		{ "id", required_argument, NULL, 'i' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'K' },
		{ "label", required_argument, NULL, 'l' },
		{ "micro", no_argument, NULL, 'M' },
		{ "port-file", required_argument, NULL, 'f' },
		{ "schemas", required_argument, NULL, 'S' },
		{ "select", required_argument, NULL, 's' },
		{ "serve", no_argument, NULL, 'V' },
		{ "server-pid", required_argument, NULL, 'p' },
		{ "to", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keyfile = NULL, *bap_id = NULL, *key_id = "k1";
	const char *bpp_id = "bpp.fluxeon.sandbox", *label = "";
	const char *catalog = "samples/ders.json", *der_id = "did:fx:bat-0001";
	const char *port_file = NULL, *schemas = NULL;
	double rate = 1000, select_share = 0;
	int64_t dur_ms = 10000, warm_ms = 1000, grace_ms = 3000;
	int64_t cutoff_ms = 10000;
	long inflight = 256, n = 2000;
	int ch, serve = 0, micro = 0;
	size_t tl;

	fx_err_init(PROG);
	signal(SIGPIPE, SIG_IGN);
	ld.feeder = "F001";
	ld.server_pid = -1;
	while ((ch = getopt_long(argc, argv, "c:d:hn:r:", longopts, NULL)) !=
	    -1)
		switch (ch) {
		case 'B': bpp_id = optarg; break;
		case 'c': inflight = (long)number("-c", optarg, 1, 100000);
			break;
		case 'C': catalog = optarg; break;
		case 'd': dur_ms = fx_opt_duration("-d", optarg); break;
		case 'D': der_id = optarg; break;
		case 'F': ld.feeder = optarg; break;
		case 'f': port_file = optarg; break;
		case 'g': grace_ms = fx_opt_duration("--grace", optarg); break;
		case 'h': usage(0); break;
		case 'i': bap_id = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'K': key_id = optarg; break;
		case 'l': label = optarg; break;
		case 'M': micro = 1; break;
		case 'n': n = (long)number("-n", optarg, 1, 1e9); break;
		case 'p': ld.server_pid = (long)number("--server-pid", optarg,
			    1, 1e9);
			break;
		case 'r': rate = number("-r", optarg, 0.001, 1e7); break;
		case 's': select_share = number("--select", optarg, 0, 1);
			break;
		case 'S': schemas = optarg; break;
		case 't': ld.to = optarg; break;
		case 'u': cutoff_ms = fx_opt_duration("--cutoff", optarg);
			break;
		case 'V': serve = 1; break;
		case 'w': warm_ms = strcmp(optarg, "0") == 0 ? 0 :
			    fx_opt_duration("--warmup", optarg);
			break;
		default: usage(FX_EXIT_USAGE);
		}
	if (optind != argc)
		usage(FX_EXIT_USAGE);
	if (serve)
		return run_serve(keyfile, port_file);
	if (keyfile == NULL || bap_id == NULL)
		fx_die(FX_EXIT_USAGE, "--key and --id are required");
	if (micro)
		return run_micro(keyfile, bap_id, key_id, schemas, n);
	if (ld.to == NULL)
		fx_die(FX_EXIT_USAGE, "--to is required");
	/* the target's base URL, without a final slash */
	tl = strlen(ld.to);
	if (tl > 0 && ld.to[tl - 1] == '/')
		ld.to = fx_xstrndup(ld.to, tl - 1);
	return run_load(keyfile, bap_id, key_id, bpp_id, catalog, der_id,
	    rate, dur_ms, warm_ms, (size_t)inflight, select_share, grace_ms,
	    cutoff_ms, label);
}
