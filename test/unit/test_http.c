/*
 * test_http.c - the event loop, its HTTP server and its HTTP client, all
 * on 127.0.0.1 with ports the kernel picks.
 *
 * The client and the server are tested against each other in one loop,
 * and each also against an independent peer: the server against a raw
 * socket speaking HTTP/1.1 by hand, the client against a refused port.
 * Times are only ever compared for order; the bounds given to the loop
 * are there to stop a hang, not to measure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "http.h"
#include "tap.h"

#define HANG_MS 20000	/* a test that takes this long has hung */

static fx_loop *L;
static fx_http_server *S;
static char base[64];	/* "http://127.0.0.1:PORT" */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs the loop until *count reaches want; 0 if it never does. */
static int
run_until(const int *count, int want)
{
	double end = now_s() + HANG_MS / 1000.0;

	while (*count < want) {
		if (now_s() > end || fx_loop_run_once(L, 50) < 0)
			return 0;
	}
	return 1;
}

/* Runs the loop until cond holds, or it has hung. */
#define WAIT_FOR(cond) do { \
	double end_ = now_s() + HANG_MS / 1000.0; \
	while (!(cond) && now_s() < end_) \
		fx_loop_run_once(L, 50); \
} while (0)

/* Runs the loop for about ms milliseconds. */
static void
run_for(long ms)
{
	double end = now_s() + ms / 1000.0;

	while (now_s() < end)
		fx_loop_run_once(L, 10);
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

/* ---- the server's side ---- */

static int handler_calls;
static fx_http_req *held[32];	/* requests left unanswered on purpose */
static int nheld;

/* What /t1 saw. */
static struct {
	char method[16], path[32], query[32], auth[64], xtest[16];
	char ctype[64], body[64], peer[64];
	int missing_is_null;
	size_t len;
} seen;

/* Server ports of the peers that sent /echo: connections used. */
static unsigned char port_seen[65536];
static int distinct_ports, echo_calls;

struct later {
	fx_http_req *req;
	char tag[16];
	int *rc;
};

static int late_rc = -2, late_done;

static void
answer_later(fx_loop *loop, void *ctx)
{
	struct later *d = ctx;
	int rc = fx_http_respond(d->req, 200, "text/plain", d->tag,
	    strlen(d->tag), NULL);

	if (d->rc != NULL) {
		*d->rc = rc;
		late_done++;
	}
	free(d);
}

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "(null)");
}

static void
handler(fx_http_req *req, void *ctx)
{
	static const char *const t1_headers[] = {
		"WWW-Authenticate: Signature realm=\"bpp.example\","
		    "headers=\"(created) (expires) digest\"",
		"X-Fx-Id:   42",
		NULL
	};

	handler_calls++;
	if (strcmp(req->path, "/t1") == 0) {
		copy(seen.method, sizeof seen.method, req->method);
		copy(seen.path, sizeof seen.path, req->path);
		copy(seen.query, sizeof seen.query, req->query);
		copy(seen.auth, sizeof seen.auth,
		    fx_http_req_header(req, "authorization"));
		copy(seen.xtest, sizeof seen.xtest,
		    fx_http_req_header(req, "X-TEST"));
		copy(seen.ctype, sizeof seen.ctype,
		    fx_http_req_header(req, "Content-Type"));
		copy(seen.body, sizeof seen.body, req->body);
		copy(seen.peer, sizeof seen.peer, req->peer);
		seen.len = req->len;
		seen.missing_is_null =
		    fx_http_req_header(req, "X-Absent") == NULL;
		fx_http_respond(req, 202, "application/json", "{\"ack\":true}",
		    12, t1_headers);
	} else if (strcmp(req->path, "/defer") == 0) {
		struct later *d = calloc(1, sizeof *d);
		long ms = 0;

		if (d == NULL)
			abort();
		if (sscanf(req->query, "ms=%ld&tag=%15s", &ms, d->tag) != 2)
			abort();
		d->req = req;
		if (strcmp(d->tag, "late") == 0)
			d->rc = &late_rc;
		fx_loop_timer(L, ms, answer_later, d);
	} else if (strcmp(req->path, "/now") == 0) {
		fx_http_respond(req, 200, "text/plain", req->query,
		    strlen(req->query), NULL);
	} else if (strcmp(req->path, "/echo") == 0) {
		const char *colon = strrchr(req->peer, ':');
		unsigned port = colon ? (unsigned)atoi(colon + 1) : 0;

		echo_calls++;
		if (port < 65536 && !port_seen[port]) {
			port_seen[port] = 1;
			distinct_ports++;
		}
		fx_http_respond(req, 200, "application/octet-stream", req->body,
		    req->len, NULL);
	} else if (strcmp(req->path, "/hold") == 0) {
		if (nheld < 32)
			held[nheld++] = req;
	} else if (strcmp(req->path, "/release") == 0) {
		/* Answers a held request from inside another's handler. */
		int rc = nheld > 0 ? fx_http_respond(held[--nheld], 200,
		    "text/plain", "released", 8, NULL) : -1;

		fx_http_respond(req, rc == 0 ? 200 : 500, "text/plain", "ok", 2,
		    NULL);
	} else if (strcmp(req->path, "/badheader") == 0) {
		static const char *const bad[] = { "Bad Name: x", NULL };

		late_rc = fx_http_respond(req, 200, "text/plain", "x", 1, bad);
	} else {
		fx_http_respond(req, 404, "text/plain", "not found\n", 10,
		    NULL);
	}
}

/* ---- the client's side ---- */

struct got {
	int done;
	long status;
	char error[256];
	char body[128];
	size_t len;
	char www[128], fxid[16], ctype[64];
};

static void
on_done(const fx_http_res *res, void *ctx)
{
	struct got *g = ctx;

	g->done++;
	g->status = res->status;
	copy(g->error, sizeof g->error, res->error);
	snprintf(g->body, sizeof g->body, "%.*s", (int)res->len, res->body);
	g->len = res->len;
	copy(g->www, sizeof g->www,
	    fx_http_res_header(res, "www-authenticate"));
	copy(g->fxid, sizeof g->fxid, fx_http_res_header(res, "X-Fx-Id"));
	copy(g->ctype, sizeof g->ctype,
	    fx_http_res_header(res, "content-type"));
}

static char *
url(const char *path)
{
	static char buf[2][128];
	static int which;
	char *u = buf[which ^= 1];

	snprintf(u, sizeof buf[0], "%s%s", base, path);
	return u;
}

/* ---- 1: one POST, one GET ---- */

static void
test_round_trip(void)
{
	static const char *const hdrs[] = {
		"Authorization: Signature keyId=\"bap|k1|ed25519\"",
		"X-Test: abc",
		NULL
	};
	struct got g = { 0 }, h = { 0 };
	int calls = handler_calls;

	fx_http_post(L, url("/t1?a=1&b=2"), hdrs, "{\"x\":1}", 7, 5000,
	    on_done, &g);
	ok(g.done == 0, "round trip: no callback from inside fx_http_post");
	ok(run_until(&g.done, 1), "round trip: the POST is answered");
	ok(handler_calls == calls + 1, "round trip: the handler ran once");
	is_str(seen.method, "POST", "round trip: method");
	is_str(seen.path, "/t1", "round trip: path without the query");
	is_str(seen.query, "a=1&b=2", "round trip: query");
	is_str(seen.auth, "Signature keyId=\"bap|k1|ed25519\"",
	    "round trip: Authorization, looked up in lowercase");
	is_str(seen.xtest, "abc", "round trip: X-Test, looked up in capitals");
	is_str(seen.ctype, "application/json",
	    "round trip: the client's default Content-Type");
	ok(seen.missing_is_null, "round trip: an absent header is NULL");
	is_str(seen.body, "{\"x\":1}", "round trip: request body");
	ok(seen.len == 7, "round trip: request body length");
	ok(strncmp(seen.peer, "127.0.0.1:", 10) == 0 &&
	    atoi(seen.peer + 10) > 0, "round trip: peer '%s'", seen.peer);
	ok(g.status == 202, "round trip: status %ld", g.status);
	is_str(g.error, "", "round trip: no error");
	is_str(g.body, "{\"ack\":true}", "round trip: response body");
	ok(g.len == 12, "round trip: response length");
	is_str(g.www, "Signature realm=\"bpp.example\","
	    "headers=\"(created) (expires) digest\"",
	    "round trip: WWW-Authenticate read by the client");
	is_str(g.fxid, "42", "round trip: a custom header, value trimmed");
	is_str(g.ctype, "application/json", "round trip: Content-Type");

	fx_http_get(L, url("/now?subscriber_id=bpp.example"), NULL, 5000,
	    on_done, &h);
	run_until(&h.done, 1);
	ok(h.done >= 1 && h.status == 200, "get: status %ld",
	    h.status);
	is_str(h.body, "subscriber_id=bpp.example", "get: body");

	memset(&h, 0, sizeof h);
	fx_http_get(L, url("/nowhere"), NULL, 5000, on_done, &h);
	run_until(&h.done, 1);
	ok(h.done >= 1 && h.status == 404, "get: 404 is a status, "
	    "not an error");
	is_str(h.error, "", "get: 404 has no error text");
}

/* ---- 2: answers given later, and out of order ---- */

static char order[16];

static void
on_ordered(const fx_http_res *res, void *ctx)
{
	size_t n = strlen(order);

	if (n + 1 < sizeof order && res->status == 200 && res->len == 1)
		order[n] = res->body[0];
}

static void
test_deferred(void)
{
	struct got r1 = { 0 }, r2 = { 0 };
	int before = nheld;

	order[0] = '\0';
	fx_http_post(L, url("/defer?ms=200&tag=A"), NULL, "a", 1, 10000,
	    on_ordered, NULL);
	fx_http_post(L, url("/now?B"), NULL, "b", 1, 10000, on_ordered, NULL);
	WAIT_FOR(strlen(order) >= 2);
	is_str(order, "BA", "deferred: B answered at once completes before "
	    "A answered 200 ms later");

	/* A request held by the handler is answered from another
	 * request's handler. */
	fx_http_post(L, url("/hold"), NULL, "", 0, 10000, on_done, &r1);
	WAIT_FOR(nheld > before || r1.done);
	ok(nheld == before + 1 && r1.done == 0, "deferred: request held");
	fx_http_post(L, url("/release"), NULL, "", 0, 10000, on_done, &r2);
	run_until(&r1.done, 1);
	run_until(&r2.done, 1);
	ok(r1.done == 1 && r2.done == 1,
	    "deferred: both answered");
	is_str(r1.body, "released", "deferred: held request answered from "
	    "another handler");
	ok(r2.status == 200, "deferred: the releasing request answered");
}

/* ---- 3: 1,000 at once; throughput ---- */

#define MANY 1000

static int many_ok, many_done;

static void
on_many(const fx_http_res *res, void *ctx)
{
	char want[32];
	int n = snprintf(want, sizeof want, "request %ld",
	    (long)(intptr_t)ctx);

	many_done++;
	if (res->status == 200 && res->len == (size_t)n &&
	    memcmp(res->body, want, (size_t)n) == 0)
		many_ok++;
}

static void
test_many(void)
{
	char body[32];
	double t0;
	long i;
	int n;

	memset(port_seen, 0, sizeof port_seen);
	distinct_ports = echo_calls = many_ok = many_done = 0;
	t0 = now_s();
	for (i = 0; i < MANY; i++) {
		n = snprintf(body, sizeof body, "request %ld", i);
		fx_http_post(L, url("/echo"), NULL, body, (size_t)n, 60000,
		    on_many, (void *)(intptr_t)i);
	}
	run_until(&many_done, MANY);
	ok(many_done == MANY, "many: %d requests all done", many_done);
	printf("# concurrent: %d request/response pairs in %.3f s: %.0f/s\n",
	    MANY, now_s() - t0, MANY / (now_s() - t0));
	ok(many_ok == MANY, "many: %d answered 200 with their own body",
	    many_ok);
	ok(echo_calls == MANY, "many: the handler ran %d times", echo_calls);
	ok(distinct_ports > 0 && distinct_ports < MANY,
	    "many: connections reused (%d for %d requests)", distinct_ports,
	    MANY);
	ok(distinct_ports <= FX_HTTP_HOST_CONNECTIONS,
	    "many: at most %d connections to one host",
	    FX_HTTP_HOST_CONNECTIONS);
}

static int seq_left, seq_ok;

static void
on_seq(const fx_http_res *res, void *ctx)
{
	seq_ok += res->status == 200;
	if (--seq_left > 0)
		fx_http_post(L, url("/echo"), NULL, "x", 1, 10000, on_seq,
		    NULL);
}

static void
test_sequential(void)
{
	int done = 0;
	double t0 = now_s();

	seq_left = MANY;
	seq_ok = 0;
	fx_http_post(L, url("/echo"), NULL, "x", 1, 10000, on_seq, NULL);
	while (seq_left > 0 && now_s() - t0 < HANG_MS / 1000.0)
		fx_loop_run_once(L, 50);
	done = MANY - seq_left;
	printf("# sequential: %d request/response pairs in %.3f s: %.0f/s\n",
	    done, now_s() - t0, done / (now_s() - t0));
	ok(seq_ok == MANY, "sequential: %d answered, each started by the "
	    "last one's callback", seq_ok);
}

/* ---- 4: body limits ---- */

static void
test_too_large(void)
{
	size_t n = FX_HTTP_MAX_BODY + 1;
	static const size_t sizes[] = { 1001, 100000, 1000000 };
	char *big = malloc(n), *huge = malloc(FX_HTTP_MAX_DRAIN + 65536);
	struct got g = { 0 }, e = { 0 }, c = { 0 }, after = { 0 };
	static const char *const chunked[] = {
		"Transfer-Encoding: chunked", NULL
	};
	int calls, i;

	if (big == NULL || huge == NULL)
		abort();
	memset(big, 'x', n);
	memset(huge, 'x', FX_HTTP_MAX_DRAIN + 65536);
	calls = handler_calls;
	fx_http_post(L, url("/echo"), NULL, big, n, 10000, on_done, &g);
	run_until(&g.done, 1);
	ok(g.done >= 1 && g.status == 413,
	    "too large: %zu bytes answered %ld", n, g.status);
	ok(handler_calls == calls, "too large: the handler was not called");

	fx_http_post(L, url("/echo"), NULL, big, n - 1, 10000, on_done, &e);
	run_until(&e.done, 1);
	ok(e.done >= 1 && e.status == 200 && e.len == n - 1,
	    "too large: exactly the limit is accepted");

	/* Bodies small enough to be on their way before the answer. */
	fx_http_server_set_max_body(S, 1000);
	calls = handler_calls;
	for (i = 0; i < 3; i++) {
		memset(&c, 0, sizeof c);
		fx_http_post(L, url("/echo"), NULL, big, sizes[i], 10000,
		    on_done, &c);
		run_until(&c.done, 1);
		ok(c.status == 413, "too large: %zu bytes, no 100-continue, "
		    "over a limit of 1000: %ld %s", sizes[i], c.status,
		    c.error);
	}
	memset(&c, 0, sizeof c);
	fx_http_post(L, url("/echo"), chunked, big, 1500, 10000, on_done, &c);
	run_until(&c.done, 1);
	ok(c.status == 413, "too large: chunked, 1500 bytes: %ld", c.status);
	memset(&c, 0, sizeof c);
	fx_http_post(L, url("/now?kept"), NULL, "", 0, 10000, on_done, &c);
	run_until(&c.done, 1);
	ok(c.status == 200, "too large: the connection is still good");
	ok(handler_calls == calls + 1, "too large: the handler was not called "
	    "for any of them");
	memset(&c, 0, sizeof c);
	fx_http_post(L, url("/echo"), chunked, huge, FX_HTTP_MAX_DRAIN + 65536,
	    10000, on_done, &c);
	run_until(&c.done, 1);
	ok(c.done && c.status == 0,
	    "too large: chunked, past FX_HTTP_MAX_DRAIN: dropped: %s", c.error);
	fx_http_server_set_max_body(S, 0);

	fx_http_post(L, url("/now?after"), NULL, "", 0, 10000, on_done,
	    &after);
	run_until(&after.done, 1);
	ok(after.done >= 1 && after.status == 200,
	    "too large: the server still answers");
	free(big);
	free(huge);
}

/* ---- 5: refused ---- */

static void
test_refused(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof a;
	struct got g = { 0 };
	char u[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port just freed: nothing listens there. */
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		abort();
	close(fd);
	snprintf(u, sizeof u, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
	fx_http_post(L, u, NULL, "x", 1, 5000, on_done, &g);
	run_until(&g.done, 1);
	ok(g.done >= 1 && g.status == 0,
	    "refused: status 0 from a closed port");
	ok(g.error[0] != '\0', "refused: a reason: %s", g.error);
	ok(g.len == 0, "refused: no body");

	memset(&g, 0, sizeof g);
	fx_http_post(L, "ftp://127.0.0.1/x", NULL, "x", 1, 5000, on_done, &g);
	run_until(&g.done, 1);
	ok(g.done >= 1 && g.status == 0,
	    "refused: an ftp url is not fetched: %s", g.error);

	memset(&g, 0, sizeof g);
	{
		static const char *const bad[] = { "X-Bad: a\r\nX-Injected: b",
			NULL };

		fx_http_post(L, url("/now"), bad, "x", 1, 5000, on_done, &g);
	}
	ok(g.done == 0, "refused: a bad header is not reported at once");
	run_until(&g.done, 1);
	ok(g.done >= 1 && g.status == 0 &&
	    strstr(g.error, "header") != NULL, "refused: a header with CR LF: "
	    "%s", g.error);
}

/* ---- 6: the client gives up first ---- */

static void
test_timeout(void)
{
	struct got g = { 0 }, next = { 0 };

	late_rc = -2;
	late_done = 0;
	fx_http_post(L, url("/defer?ms=400&tag=late"), NULL, "x", 1, 100,
	    on_done, &g);
	run_until(&g.done, 1);
	ok(g.done >= 1 && g.status == 0,
	    "timeout: status 0 after 100 ms");
	ok(strstr(g.error, "timed out") != NULL, "timeout: reason: %s",
	    g.error);
	run_until(&late_done, 1);
	ok(late_done >= 1 && late_rc == 0,
	    "timeout: the server answers later all the same (%d)", late_rc);
	run_for(50);
	fx_http_post(L, url("/now?next"), NULL, "", 0, 5000, on_done, &next);
	run_until(&next.done, 1);
	ok(next.done >= 1 && next.status == 200,
	    "timeout: the server goes on");
}

/* ---- 6b: timed out waiting for a free connection ---- */

static void
test_queue_timeout(void)
{
	struct got busy[FX_HTTP_HOST_CONNECTIONS], g = { 0 };
	int i, before = nheld, answered = 0;

	memset(busy, 0, sizeof busy);
	for (i = 0; i < FX_HTTP_HOST_CONNECTIONS; i++)
		fx_http_post(L, url("/hold"), NULL, "", 0, 20000, on_done,
		    &busy[i]);
	WAIT_FOR(nheld == before + FX_HTTP_HOST_CONNECTIONS);
	ok(nheld == before + FX_HTTP_HOST_CONNECTIONS,
	    "queue: every connection to the host busy");
	fx_http_post(L, url("/now"), NULL, "", 0, 200, on_done, &g);
	run_until(&g.done, 1);
	ok(g.done == 1 && g.status == 0 && strstr(g.error, "timed out"),
	    "queue: a request waiting for a connection times out: %s",
	    g.error);
	while (nheld > before)
		fx_http_respond(held[--nheld], 200, NULL, NULL, 0, NULL);
	for (i = 0; i < FX_HTTP_HOST_CONNECTIONS; i++) {
		run_until(&busy[i].done, 1);
		answered += busy[i].status == 200;
	}
	ok(answered == FX_HTTP_HOST_CONNECTIONS, "queue: the others answered");
}

/* ---- cancelling, bad answers ---- */

static void
test_cancel(void)
{
	struct got g = { 0 }, bad = { 0 };
	uint64_t id;

	id = fx_http_post(L, url("/defer?ms=100&tag=c"), NULL, "x", 1, 5000,
	    on_done, &g);
	ok(id != 0, "cancel: an id");
	ok(fx_http_cancel(L, id) == 0, "cancel: cancelled");
	ok(fx_http_cancel(L, id) == -1, "cancel: a second time: unknown");
	ok(fx_http_cancel(L, 0) == -1, "cancel: id 0: unknown");
	run_for(250);
	ok(g.done == 0, "cancel: its callback never ran");

	/* Cancelled after it ended, before its callback. */
	id = fx_http_post(L, "ftp://x/", NULL, "", 0, 5000, on_done, &g);
	ok(fx_http_cancel(L, id) == 0, "cancel: one that failed at once");
	run_for(20);
	ok(g.done == 0, "cancel: its callback never ran either");

	late_rc = -2;
	fx_http_post(L, url("/badheader"), NULL, "", 0, 5000, on_done, &bad);
	run_until(&bad.done, 1);
	ok(bad.done >= 1 && bad.status == 500,
	    "bad answer: a malformed header becomes a 500 (%ld)", bad.status);
	ok(late_rc == -1, "bad answer: fx_http_respond says -1");
}

/* ---- a raw client, with no curl in the way ---- */

/* Sends req to S, runs the loop and reads what comes back until the
 * server closes the connection (req asks it to) or out is full. */
static void
raw_exchange(const char *req, char *out, size_t outlen)
{
	struct sockaddr_in a = { 0 };
	size_t got = 0, len = strlen(req), sent = 0;
	double end = now_s() + HANG_MS / 1000.0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)fx_http_server_port(S));
	if (fd < 0 || (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 &&
	    errno != EINPROGRESS))
		abort();
	while (now_s() < end && got < outlen - 1) {
		ssize_t r;

		fx_loop_run_once(L, 10);
		if (sent < len && (r = send(fd, req + sent, len - sent,
		    MSG_NOSIGNAL)) > 0)
			sent += (size_t)r;
		r = recv(fd, out + got, outlen - 1 - got, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != ENOTCONN))
			break;
		if (r > 0)
			got += (size_t)r;
	}
	out[got] = '\0';
	close(fd);
}

static void
test_raw(void)
{
	char buf[512];
	const char *body;
	int calls = handler_calls;

	raw_exchange("GET /now HTTP/1.1\r\nHost: x\r\nBad header line\r\n"
	    "\r\n", buf, sizeof buf);
	ok(strncmp(buf, "HTTP/1.1 400", 12) == 0,
	    "raw: a malformed header line: '%.12s'", buf);
	ok(handler_calls == calls, "raw: the handler was not called");

	raw_exchange("POST /now?raw%20q HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\nabc", buf,
	    sizeof buf);
	body = strstr(buf, "\r\n\r\n");
	ok(strncmp(buf, "HTTP/1.1 200", 12) == 0 && body != NULL &&
	    strcmp(body + 4, "raw%20q") == 0,
	    "raw: a POST by hand answered, the query as sent");
	ok(strstr(buf, "\r\nContent-Type: text/plain\r\n") != NULL &&
	    strstr(buf, "\r\nContent-Length: 7\r\n") != NULL,
	    "raw: its Content-Type and Content-Length");

	raw_exchange("POST /echo HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", buf, sizeof buf);
	body = strstr(buf, "\r\n\r\n");
	ok(strncmp(buf, "HTTP/1.1 200", 12) == 0 && body != NULL &&
	    strcmp(body + 4, "abcdefg") == 0, "raw: a chunked body, joined");
}

/* ---- 7: timers ---- */

static char fired[16];
static uint64_t to_cancel;

static void
on_timer(fx_loop *loop, void *ctx)
{
	size_t n = strlen(fired);

	fired[n] = *(const char *)ctx;
	fired[n + 1] = '\0';
}

static void
on_timer_g(fx_loop *loop, void *ctx)
{
	on_timer(loop, ctx);
	fx_loop_cancel(loop, to_cancel);
	fx_loop_timer(loop, 0, on_timer, "i");
}

static void
stop_loop(fx_loop *loop, void *ctx)
{
	fx_loop_stop(loop);
}

static void
test_timers(void)
{
	fx_loop *saved = L;
	char err[128];
	uint64_t f, d;
	int n = 0;

	L = fx_loop_new(err, sizeof err);
	fired[0] = '\0';
	fx_loop_timer(L, 300, on_timer, "a");
	fx_loop_timer(L, 100, on_timer, "b");
	fx_loop_timer(L, 200, on_timer, "c");
	d = fx_loop_timer(L, 0, on_timer, "d");
	fx_loop_timer(L, 100, on_timer, "e");
	f = fx_loop_timer(L, 150, on_timer, "f");
	fx_loop_timer(L, 50, on_timer_g, "g");
	to_cancel = fx_loop_timer(L, 250, on_timer, "h");
	ok(f != 0 && d != 0 && f != d, "timers: ids");
	ok(fx_loop_cancel(L, f) == 0, "timers: cancel f");
	ok(fx_loop_cancel(L, f) == -1, "timers: cancel f again: unknown");
	ok(fx_loop_run(L) == 0, "timers: fx_loop_run ends when none is left");
	is_str(fired, "dgibeca", "timers: in order of due time, then of "
	    "addition; f and h (cancelled from g) never fire");
	ok(fx_loop_cancel(L, d) == -1, "timers: cancel a fired one: unknown");

	/* fx_loop_stop from a callback. */
	fx_loop_timer(L, 10, stop_loop, NULL);
	fx_loop_timer(L, 100000, on_timer, "z");
	ok(fx_loop_run(L) == 0 && strchr(fired, 'z') == NULL,
	    "timers: fx_loop_stop makes fx_loop_run return");
	while (fx_loop_run_once(L, 0) > 0)
		n++;
	ok(n == 0, "timers: nothing more to run");
	fx_loop_free(L);	/* with timer z pending */
	L = saved;
}

/* ---- 8: a watched pipe ---- */

static int pipe_fds[2];
static char piped[16];
static int pipe_reads, pipe_eof;

static void
on_pipe(fx_loop *loop, int fd, void *ctx)
{
	char buf[16];
	ssize_t n = read(fd, buf, sizeof buf - 1);

	pipe_reads++;
	if (n > 0) {
		buf[n] = '\0';
		strncat(piped, buf, sizeof piped - strlen(piped) - 1);
	} else {
		pipe_eof++;
		fx_loop_unwatch(loop, fd);
	}
}

static void
write_pipe(fx_loop *loop, void *ctx)
{
	if (write(pipe_fds[1], "ping", 4) != 4)
		abort();
}

static void
close_pipe(fx_loop *loop, void *ctx)
{
	close(pipe_fds[1]);
}

static void
test_watch(void)
{
	if (pipe(pipe_fds) < 0)
		abort();
	ok(fx_loop_watch(L, pipe_fds[0], on_pipe, NULL) == 0, "watch: added");
	ok(fx_loop_watch(L, pipe_fds[0], on_pipe, NULL) == -1,
	    "watch: twice: refused");
	ok(fx_loop_watch(L, -1, on_pipe, NULL) == -1, "watch: -1: refused");
	fx_loop_timer(L, 20, write_pipe, NULL);
	fx_loop_timer(L, 60, close_pipe, NULL);
	ok(run_until(&pipe_eof, 1), "watch: end of file seen");
	is_str(piped, "ping", "watch: the callback read what was written");
	ok(pipe_reads == 2, "watch: called for the data and for the end");
	ok(fx_loop_unwatch(L, pipe_fds[0]) == -1,
	    "watch: unwatched by its callback already");
	close(pipe_fds[0]);
}

/* ---- 9: a server closed under a pending request ---- */

static fx_http_server *S3;

static void
closing_handler(fx_http_req *req, void *ctx)
{
	fx_http_server_close(S3);
	fx_http_respond(req, 200, "text/plain", "bye", 3, NULL);
}

static void
test_close_pending(void)
{
	char err[128], u[96];
	fx_http_server *s2 = fx_http_listen(L, "127.0.0.1", 0, handler, NULL,
	    err, sizeof err);
	struct got g1 = { 0 }, g2 = { 0 }, g3 = { 0 };
	int before = nheld;

	ok(s2 != NULL, "close: a second server");
	snprintf(u, sizeof u, "http://127.0.0.1:%d/hold",
	    fx_http_server_port(s2));
	fx_http_post(L, u, NULL, "1", 1, 5000, on_done, &g1);
	fx_http_post(L, u, NULL, "2", 1, 5000, on_done, &g2);
	WAIT_FOR(nheld >= before + 2);
	ok(nheld == before + 2, "close: two requests pending");
	fx_http_server_close(s2);
	run_until(&g1.done, 1);
	run_until(&g2.done, 1);
	ok(g1.done == 1 && g2.done == 1,
	    "close: the clients hear back");
	ok(g1.status == 503 && g2.status == 503,
	    "close: pending requests answered 503 (%ld, %ld)", g1.status,
	    g2.status);
	ok(fx_http_respond(held[--nheld], 200, NULL, NULL, 0, NULL) == -1,
	    "close: answering one afterwards says -1");
	/* The other stays held: fx_loop_free must free it. */

	S3 = fx_http_listen(L, NULL, 0, closing_handler, NULL, err,
	    sizeof err);
	ok(S3 != NULL, "close: a third server");
	snprintf(u, sizeof u, "http://127.0.0.1:%d/", fx_http_server_port(S3));
	fx_http_post(L, u, NULL, "", 0, 5000, on_done, &g3);
	run_until(&g3.done, 1);
	ok(g3.done == 1, "close: a server closed by its own handler: "
	    "status %ld %s", g3.status, g3.error);
}

/* ---- listening ---- */

static void
test_listen_errors(void)
{
	char err[128];
	fx_http_server *s;

	snprintf(err, sizeof err, "%s", "");
	s = fx_http_listen(L, "127.0.0.1", fx_http_server_port(S), handler,
	    NULL, err, sizeof err);
	ok(s == NULL && strstr(err, "in use") != NULL,
	    "listen: a port in use: %s", err);
	s = fx_http_listen(L, "127.0.0.1", 70000, handler, NULL, err,
	    sizeof err);
	ok(s == NULL && strstr(err, "70000") != NULL, "listen: %s", err);
	s = fx_http_listen(L, "not an address", 0, handler, NULL, err,
	    sizeof err);
	ok(s == NULL && err[0] != '\0', "listen: a bad host: %s", err);
}

int
main(void)
{
	char err[128];
	int fds = open_fds();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((L = fx_loop_new(err, sizeof err)) == NULL) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	S = fx_http_listen(L, "127.0.0.1", 0, handler, NULL, err, sizeof err);
	if (S == NULL) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	ok(fx_http_server_port(S) > 0, "listen: port %d",
	    fx_http_server_port(S));
	snprintf(base, sizeof base, "http://127.0.0.1:%d",
	    fx_http_server_port(S));

	test_round_trip();
	test_deferred();
	test_many();
	test_sequential();
	test_too_large();
	test_refused();
	test_timeout();
	test_queue_timeout();
	test_cancel();
	test_raw();
	test_timers();
	test_watch();
	test_close_pending();
	test_listen_errors();

	/* A request left pending on S: freed by fx_loop_free too. */
	{
		struct got g = { 0 };

		int before = nheld;

		fx_http_post(L, url("/hold"), NULL, "", 0, 5000, on_done, &g);
		WAIT_FOR(nheld > before);
		fx_http_post(L, url("/now"), NULL, "", 0, 5000, on_done, &g);
	}
	fx_loop_free(L);
	ok(open_fds() == fds, "no descriptor left open (%d, %d before)",
	    open_fds(), fds);
	/* --listen arguments */
	{
		static const struct { const char *in, *host; int port; } good[] = {
			{ "127.0.0.1:8080", "127.0.0.1", 8080 },
			{ "localhost:0", "localhost", 0 },
			{ "[::1]:65535", "::1", 65535 },
			{ "a:b:1", "a:b", 1 },
		};
		static const char *const bad[] = { "127.0.0.1", ":80", "h:",
		    "h:65536", "h:-1", "h:+1", "h:8x", "[::1]", "[::1]80",
		    "[]:80", "h: 1" };
		char host[16], e[128];
		size_t k;
		int port;

		for (k = 0; k < sizeof good / sizeof *good; k++)
			ok(fx_http_parse_hostport(good[k].in, host, sizeof host,
			    &port, e, sizeof e) == 0 && strcmp(host,
			    good[k].host) == 0 && port == good[k].port,
			    "hostport: '%s'", good[k].in);
		for (k = 0; k < sizeof bad / sizeof *bad; k++)
			ok(fx_http_parse_hostport(bad[k], host, sizeof host, &port,
			    e, sizeof e) == -1 && e[0] != '\0',
			    "hostport: '%s' refused: %s", bad[k], e);
		ok(fx_http_parse_hostport("a-very-long-host-name:1", host,
		    sizeof host, &port, e, sizeof e) == -1,
		    "hostport: a host over its buffer refused");
	}
	return done();
}
