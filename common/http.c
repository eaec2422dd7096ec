/* http.c - see http.h */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "buf.h"
#include "err.h"
#include "heap.h"
#include "http.h"

/* A timer's delay is capped so that now + delay cannot overflow. */
#define MAX_DELAY_MS (INT64_MAX / 4)
/* fx_http_server_close: MHD_run passes given to resumed connections. */
#define CLOSE_PASSES 16

__attribute__((format(printf, 3, 4))) static void
say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_ms(void)
{
	return now_ns() / 1000000;
}

/* The millisecond at or after which delay_ms from now has passed: a
 * deadline compared with now_ms(), which rounds down, is never early
 * (but "at once" is now). */
static int64_t
deadline_ms(int64_t delay_ms)
{
	if (delay_ms <= 0)
		return now_ms();
	return (now_ns() + 999999) / 1000000 + delay_ms;
}

/* ---- ids ----
 * An id is a slot's index in its low 32 bits and the slot's generation in
 * the high ones; the generation moves on when the slot is freed, so an id
 * once done is never found again, and it starts at 1, so no id is 0. */

struct slots {
	void **ptr;
	uint32_t *gen;
	uint32_t *freed;	/* a stack of free indices */
	uint32_t n, cap, nfreed, used;
};

static uint64_t
slot_add(struct slots *s, void *p)
{
	uint32_t i;

	if (s->nfreed > 0) {
		i = s->freed[--s->nfreed];
	} else {
		if (s->n == s->cap) {
			if (s->cap >= UINT32_MAX / 2)
				fx_die(FX_EXIT_FAIL, "out of memory");
			s->cap = s->cap ? 2 * s->cap : 64;
			s->ptr = fx_xrealloc(s->ptr, s->cap * sizeof *s->ptr);
			s->gen = fx_xrealloc(s->gen, s->cap * sizeof *s->gen);
			s->freed = fx_xrealloc(s->freed,
			    s->cap * sizeof *s->freed);
		}
		i = s->n++;
		s->gen[i] = 1;
	}
	s->ptr[i] = p;
	s->used++;
	return (uint64_t)s->gen[i] << 32 | i;
}

static void *
slot_get(const struct slots *s, uint64_t id)
{
	uint32_t i = (uint32_t)id;

	if (i >= s->n || s->gen[i] != (uint32_t)(id >> 32))
		return NULL;
	return s->ptr[i];
}

static void
slot_del(struct slots *s, uint64_t id)
{
	uint32_t i = (uint32_t)id;

	s->ptr[i] = NULL;
	if (++s->gen[i] == 0)
		s->gen[i] = 1;
	s->freed[s->nfreed++] = i;
	s->used--;
}

static void
slots_free(struct slots *s)
{
	free(s->ptr);
	free(s->gen);
	free(s->freed);
}

/* ---- the loop ---- */

struct timer {
	int64_t due;		/* ms, monotonic */
	uint64_t seq;		/* order of addition, for equal dues */
	uint64_t id;
	size_t at;		/* index in the heap */
	fx_loop_timer_fn *cb;
	void *ctx;
};

struct watch {
	int fd;
	uint64_t serial;	/* tells a watch from a later one on its fd */
	fx_loop_watch_fn *cb;
	void *ctx;
};

/* A socket libcurl asked to be watched. */
struct csock {
	int fd;
	short events;
};

/* What one pollfd of a pass stands for. */
enum { OWN_SERVER, OWN_WATCH, OWN_CURL };
struct owner {
	int kind;
	fx_http_server *srv;
	uint64_t serial;
};

struct fx_loop {
	CURLM *multi;
	int64_t curl_due;	/* when libcurl wants its timeout, or -1 */
	int env_proxy;
	int stopped;
	int dispatching;	/* inside the dispatch half of a pass */
	int ncalls;		/* callbacks run in this pass */

	struct slots timer_ids;
	fx_heap timers;		/* by (due, seq), earliest first */
	uint64_t timer_seq;

	struct watch *watches;
	size_t nwatch, capwatch;
	uint64_t watch_serial;

	struct csock *cs;	/* dense */
	size_t ncs, capcs;
	size_t *cspos;		/* by fd: index in cs + 1, or 0 */
	size_t ncspos;

	struct pollfd *pfd;
	struct owner *own;
	size_t cappfd;

	fx_http_server *servers;	/* open ones */
	size_t nservers;
	fx_http_server *graveyard;	/* closed in this pass, freed after */
	struct sreq *pending;	/* handed to a handler, not answered */

	struct slots xfer_ids;
	struct xfer *done_head, *done_tail;	/* over, callback not run */
};

struct fx_http_server {
	fx_loop *loop;
	struct MHD_Daemon *daemon;
	int epfd;		/* libmicrohttpd's epoll descriptor */
	int port;
	fx_http_handler_fn *handler;
	void *ctx;
	size_t max_body;
	int64_t due;		/* when libmicrohttpd wants to run, or -1 */
	int kick;		/* a connection was resumed: run it */
	int resuming;		/* connections resumed, answer not queued */
	int in_run;		/* inside MHD_run */
	int closing;		/* fx_http_server_close was called */
	int started;		/* MHD_start_daemon returned */
	char log[160];		/* libmicrohttpd's last word while starting */
	fx_http_server *next;
};

/*
 * A server's request.  libmicrohttpd holds it while conn is set (from the
 * request line to the completion callback); the caller holds it from the
 * handler call to the answer.  It is freed when neither does.
 */
struct sreq {
	fx_http_req pub;	/* first: the caller's pointer is this */
	fx_loop *loop;
	fx_http_server *srv;
	struct MHD_Connection *conn;
	char *target;		/* as sent; split at '?' into path, query */
	char *method;
	char peer[64];
	fx_buf body;
	fx_buf hdrs;		/* "name\0value\0"... */
	size_t max_body;
	size_t discarded;	/* bytes read of a body over the limit */
	struct MHD_Response *resp;	/* the answer, until queued */
	unsigned status;
	int started;		/* its head was seen */
	int too_big;
	int delivered;		/* given to the handler */
	int answered;
	int in_handler;
	int suspended;
	struct sreq *prev, *next;	/* in loop->pending */
};

/* A client request. */
struct xfer {
	fx_http_res res;	/* first: what done gets */
	fx_loop *loop;
	CURL *easy;
	struct curl_slist *hdrs;
	fx_buf body;
	fx_buf rhdrs;		/* "name\0value\0"... of the last response */
	fx_http_done_fn *done;
	void *ctx;
	int64_t t0;		/* ns */
	long timeout_ms;
	uint64_t backstop;	/* a timer of ours, see on_backstop */
	int in_multi;
	int cancelled;		/* in the done queue, but cancelled */
	int too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct xfer *next_done;
};

/* ---- timers ---- */

static int
timer_before(const void *pa, const void *pb)
{
	const struct timer *a = pa, *b = pb;

	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

uint64_t
fx_loop_timer(fx_loop *loop, long delay_ms, fx_loop_timer_fn *cb, void *ctx)
{
	struct timer *t = fx_xcalloc(1, sizeof *t);
	int64_t delay = delay_ms < 0 ? 0 : delay_ms;

	t->due = deadline_ms(delay > MAX_DELAY_MS ? MAX_DELAY_MS : delay);
	t->seq = ++loop->timer_seq;
	t->cb = cb;
	t->ctx = ctx;
	t->id = slot_add(&loop->timer_ids, t);
	fx_heap_push(&loop->timers, t);
	return t->id;
}

int
fx_loop_cancel(fx_loop *loop, uint64_t id)
{
	struct timer *t = slot_get(&loop->timer_ids, id);

	if (t == NULL)
		return -1;
	fx_heap_remove(&loop->timers, t);
	slot_del(&loop->timer_ids, id);
	free(t);
	return 0;
}

static void on_backstop(fx_loop *loop, void *ctx);

/* Runs the timers due by now that were there when the pass began. */
static void
run_timers(fx_loop *loop)
{
	uint64_t last = loop->timer_seq;
	int64_t now = now_ms();
	struct timer *t;

	while ((t = fx_heap_top(&loop->timers)) != NULL && t->due <= now &&
	    t->seq <= last) {
		fx_loop_timer_fn *cb = t->cb;
		void *ctx = t->ctx;

		fx_heap_remove(&loop->timers, t);
		slot_del(&loop->timer_ids, t->id);
		free(t);
		if (cb != on_backstop)	/* ours, not the caller's */
			loop->ncalls++;
		cb(loop, ctx);
	}
}

/* ---- watches ---- */

static struct watch *
watch_find(fx_loop *loop, int fd)
{
	size_t i;

	for (i = 0; i < loop->nwatch; i++)
		if (loop->watches[i].fd == fd)
			return &loop->watches[i];
	return NULL;
}

int
fx_loop_watch(fx_loop *loop, int fd, fx_loop_watch_fn *cb, void *ctx)
{
	struct watch *w;

	if (fd < 0 || cb == NULL || watch_find(loop, fd) != NULL)
		return -1;
	if (loop->nwatch == loop->capwatch) {
		loop->capwatch = loop->capwatch ? 2 * loop->capwatch : 4;
		loop->watches = fx_xrealloc(loop->watches,
		    loop->capwatch * sizeof *loop->watches);
	}
	w = &loop->watches[loop->nwatch++];
	w->fd = fd;
	w->serial = ++loop->watch_serial;
	w->cb = cb;
	w->ctx = ctx;
	return 0;
}

int
fx_loop_unwatch(fx_loop *loop, int fd)
{
	struct watch *w = watch_find(loop, fd);

	if (w == NULL)
		return -1;
	*w = loop->watches[--loop->nwatch];
	return 0;
}

/* ---- libcurl's sockets and timer ---- */

static void
cs_set(fx_loop *loop, int fd, short events)
{
	if ((size_t)fd >= loop->ncspos) {
		size_t n = loop->ncspos ? loop->ncspos : 64;

		while (n <= (size_t)fd)
			n *= 2;
		loop->cspos = fx_xrealloc(loop->cspos, n * sizeof *loop->cspos);
		memset(loop->cspos + loop->ncspos, 0,
		    (n - loop->ncspos) * sizeof *loop->cspos);
		loop->ncspos = n;
	}
	if (loop->cspos[fd] != 0) {
		loop->cs[loop->cspos[fd] - 1].events = events;
		return;
	}
	if (loop->ncs == loop->capcs) {
		loop->capcs = loop->capcs ? 2 * loop->capcs : 16;
		loop->cs = fx_xrealloc(loop->cs,
		    loop->capcs * sizeof *loop->cs);
	}
	loop->cs[loop->ncs].fd = fd;
	loop->cs[loop->ncs].events = events;
	loop->cspos[fd] = ++loop->ncs;
}

static void
cs_del(fx_loop *loop, int fd)
{
	size_t i;

	if (fd < 0 || (size_t)fd >= loop->ncspos || loop->cspos[fd] == 0)
		return;
	i = loop->cspos[fd] - 1;
	loop->cs[i] = loop->cs[--loop->ncs];
	if (i < loop->ncs)
		loop->cspos[loop->cs[i].fd] = i + 1;
	loop->cspos[fd] = 0;
}

static int
cs_has(const fx_loop *loop, int fd)
{
	return fd >= 0 && (size_t)fd < loop->ncspos && loop->cspos[fd] != 0;
}

static int
on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	fx_loop *loop = userp;

	if (what == CURL_POLL_REMOVE)
		cs_del(loop, s);
	else
		cs_set(loop, s, (short)((what & CURL_POLL_IN ? POLLIN : 0) |
		    (what & CURL_POLL_OUT ? POLLOUT : 0)));
	return 0;
}

static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	fx_loop *loop = userp;

	loop->curl_due = timeout_ms < 0 ? -1 : deadline_ms(timeout_ms);
	return 0;
}

/* ---- the client ---- */

static void
queue_done(struct xfer *x)
{
	fx_loop *loop = x->loop;

	x->next_done = NULL;
	if (loop->done_tail != NULL)
		loop->done_tail->next_done = x;
	else
		loop->done_head = x;
	loop->done_tail = x;
}

static void
xfer_free(struct xfer *x)
{
	if (x->backstop != 0)
		fx_loop_cancel(x->loop, x->backstop);
	if (x->easy != NULL) {
		if (x->in_multi)
			curl_multi_remove_handle(x->loop->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->hdrs);
	fx_buf_free(&x->body);
	fx_buf_free(&x->rhdrs);
	free(x);
}

/* Fills in res for a request that is over, with result rc, and queues it
 * for its callback. */
static void
xfer_over(struct xfer *x, CURLcode rc)
{
	long status = 0;

	if (x->backstop != 0) {
		fx_loop_cancel(x->loop, x->backstop);
		x->backstop = 0;
	}
	x->res.total_ms = (double)(now_ns() - x->t0) / 1e6;
	if (rc == CURLE_OK && x->easy != NULL)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status > 0) {
		x->res.status = status;
		x->res.error = "";
	} else {
		x->res.status = 0;
		if (x->too_big)
			snprintf(x->errbuf, sizeof x->errbuf,
			    "response body over %d bytes",
			    FX_HTTP_MAX_RESPONSE);
		else if (x->errbuf[0] == '\0')
			snprintf(x->errbuf, sizeof x->errbuf, "%s",
			    rc == CURLE_OK ? "no response" :
			    curl_easy_strerror(rc));
		x->res.error = x->errbuf;
		x->body.len = 0;
	}
	x->res.body = fx_buf_cstr(&x->body);
	x->res.len = x->body.len;
	queue_done(x);
}

static void
drain_curl(fx_loop *loop)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(loop->multi, &left)) != NULL) {
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		char *p = NULL;
		struct xfer *x;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p);
		x = (struct xfer *)p;
		curl_multi_remove_handle(loop->multi, easy);
		x->in_multi = 0;
		xfer_over(x, rc);
	}
}

static size_t
on_curl_body(char *p, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n;	/* size is 1 */

	if (len > FX_HTTP_MAX_RESPONSE - x->body.len) {
		x->too_big = 1;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	fx_buf_put(&x->body, p, len);
	return len;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t
on_curl_header(char *p, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	const char *colon, *v, *end = p + n;
	size_t namelen;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->rhdrs.len = 0;	/* a new response: a 1xx came first */
		return n;
	}
	if (n == 0 || p[0] == ' ' || p[0] == '\t' ||
	    (colon = memchr(p, ':', n)) == NULL)
		return n;	/* a blank line, obsolete folding: skip */
	namelen = (size_t)(colon - p);
	while (namelen > 0 && is_blank(p[namelen - 1]))
		namelen--;
	for (v = colon + 1; v < end && is_blank(*v); v++)
		;
	while (end > v && is_blank(end[-1]))
		end--;
	fx_buf_put(&x->rhdrs, p, namelen);
	fx_buf_putc(&x->rhdrs, '\0');
	fx_buf_put(&x->rhdrs, v, (size_t)(end - v));
	fx_buf_putc(&x->rhdrs, '\0');
	return n;
}

/*
 * libcurl 7.88 does not time out a transfer while it waits for a free
 * connection (CURLMOPT_MAX_HOST_CONNECTIONS): it fails it only once it
 * gets one, late, with a misleading reason ("Failed to resolve host").
 * This timer ends it on time.
 * It is due 1 ms after libcurl's own timeout, which runs first in the
 * same pass, so that a transfer under way keeps libcurl's reason.
 */
static void
on_backstop(fx_loop *loop, void *ctx)
{
	struct xfer *x = ctx;

	x->backstop = 0;
	if (!x->in_multi)
		return;
	curl_multi_remove_handle(loop->multi, x->easy);
	x->in_multi = 0;
	snprintf(x->errbuf, sizeof x->errbuf,
	    "timed out after %ld ms", x->timeout_ms);
	xfer_over(x, CURLE_OPERATION_TIMEDOUT);
}

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* A "Name: value" line: a token, ':', no CR, LF or NUL.  curl's "Name;"
 * (send the header empty) is not taken. */
static int
header_ok(const char *h)
{
	const char *p;

	for (p = h; is_tchar((unsigned char)*p); p++)
		;
	if (p == h || *p != ':')
		return 0;
	return strpbrk(p, "\r\n") == NULL;
}

static uint64_t
start(fx_loop *loop, const char *url, const char *const *headers,
    const void *body, size_t len, int post, long timeout_ms,
    fx_http_done_fn *done, void *ctx)
{
	struct xfer *x = fx_xcalloc(1, sizeof *x);
	const char *const *h;
	int has_type = 0;
	CURLcode rc = CURLE_OK;
	CURLMcode mrc;

	if (body == NULL)
		len = 0;
	x->loop = loop;
	x->done = done;
	x->ctx = ctx;
	x->t0 = now_ns();
	x->timeout_ms = timeout_ms <= 0 ? FX_HTTP_TIMEOUT_MS :
	    timeout_ms < LONG_MAX ? timeout_ms : LONG_MAX - 1;
	x->res.id = slot_add(&loop->xfer_ids, x);
	for (h = headers; h != NULL && *h != NULL; h++) {
		if (!header_ok(*h)) {
			snprintf(x->errbuf, sizeof x->errbuf,
			    "bad request header '%s'",
			    fx_quote(*h, strlen(*h)));
			xfer_over(x, CURLE_BAD_FUNCTION_ARGUMENT);
			return x->res.id;
		}
		if (strncasecmp(*h, "Content-Type:", 13) == 0)
			has_type = 1;
		if ((x->hdrs = curl_slist_append(x->hdrs, *h)) == NULL)
			fx_die(FX_EXIT_FAIL, "out of memory");
	}
	if (post && !has_type && (x->hdrs = curl_slist_append(x->hdrs,
	    "Content-Type: application/json")) == NULL)
		fx_die(FX_EXIT_FAIL, "out of memory");
	if (url == NULL) {
		snprintf(x->errbuf, sizeof x->errbuf, "no url");
		xfer_over(x, CURLE_URL_MALFORMAT);
		return x->res.id;
	}
	if ((x->easy = curl_easy_init()) == NULL)
		fx_die(FX_EXIT_FAIL, "out of memory");

#define SET(opt, val) \
	do { if (rc == CURLE_OK) rc = curl_easy_setopt(x->easy, opt, val); } \
	while (0)
	SET(CURLOPT_PRIVATE, (void *)x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (!loop->env_proxy)
		SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_TIMEOUT_MS, x->timeout_ms);
	SET(CURLOPT_USERAGENT, "fluxeon");
	SET(CURLOPT_HTTPHEADER, x->hdrs);
	SET(CURLOPT_WRITEFUNCTION, on_curl_body);
	SET(CURLOPT_WRITEDATA, (void *)x);
	SET(CURLOPT_HEADERFUNCTION, on_curl_header);
	SET(CURLOPT_HEADERDATA, (void *)x);
	if (post) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		SET(CURLOPT_COPYPOSTFIELDS, body != NULL ? (const char *)body :
		    "");
	} else {
		SET(CURLOPT_HTTPGET, 1L);
	}
#undef SET
	if (rc == CURLE_OUT_OF_MEMORY)
		fx_die(FX_EXIT_FAIL, "out of memory");
	if (rc != CURLE_OK) {
		xfer_over(x, rc);
		return x->res.id;
	}
	if ((mrc = curl_multi_add_handle(loop->multi, x->easy)) != CURLM_OK) {
		if (mrc == CURLM_OUT_OF_MEMORY)
			fx_die(FX_EXIT_FAIL, "out of memory");
		snprintf(x->errbuf, sizeof x->errbuf, "%s",
		    curl_multi_strerror(mrc));
		xfer_over(x, CURLE_FAILED_INIT);
		return x->res.id;
	}
	x->in_multi = 1;
	x->backstop = fx_loop_timer(loop, x->timeout_ms + 1, on_backstop, x);
	return x->res.id;
}

uint64_t
fx_http_post(fx_loop *loop, const char *url, const char *const *headers,
    const void *body, size_t len, long timeout_ms, fx_http_done_fn *done,
    void *ctx)
{
	return start(loop, url, headers, body, len, 1, timeout_ms, done, ctx);
}

uint64_t
fx_http_get(fx_loop *loop, const char *url, const char *const *headers,
    long timeout_ms, fx_http_done_fn *done, void *ctx)
{
	return start(loop, url, headers, NULL, 0, 0, timeout_ms, done, ctx);
}

int
fx_http_cancel(fx_loop *loop, uint64_t id)
{
	struct xfer *x = slot_get(&loop->xfer_ids, id);

	if (x == NULL)
		return -1;
	slot_del(&loop->xfer_ids, id);
	if (x->in_multi)
		xfer_free(x);
	else
		x->cancelled = 1;	/* in the done queue: freed there */
	return 0;
}

/* Calls back the requests over, those that end meanwhile left to the
 * next pass. */
static void
run_done(fx_loop *loop)
{
	struct xfer *x = loop->done_head, *next;

	loop->done_head = loop->done_tail = NULL;
	for (; x != NULL; x = next) {
		next = x->next_done;
		if (!x->cancelled) {
			slot_del(&loop->xfer_ids, x->res.id);
			loop->ncalls++;
			x->done(&x->res, x->ctx);
		}
		xfer_free(x);
	}
}

static const char *
pairs_find(const fx_buf *b, const char *name)
{
	const char *p = b->data, *end = b->data + b->len;

	while (p < end) {
		const char *v = p + strlen(p) + 1;

		if (strcasecmp(p, name) == 0)
			return v;
		p = v + strlen(v) + 1;
	}
	return NULL;
}

const char *
fx_http_res_header(const fx_http_res *res, const char *name)
{
	return pairs_find(&((const struct xfer *)res)->rhdrs, name);
}

void
fx_http_env_proxy(fx_loop *loop, int on)
{
	loop->env_proxy = on != 0;
}

/* ---- the server ---- */

static void
pending_link(fx_loop *loop, struct sreq *r)
{
	r->prev = NULL;
	r->next = loop->pending;
	if (loop->pending != NULL)
		loop->pending->prev = r;
	loop->pending = r;
}

static void
pending_unlink(fx_loop *loop, struct sreq *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		loop->pending = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

static void
sreq_free(struct sreq *r)
{
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	fx_buf_free(&r->body);
	fx_buf_free(&r->hdrs);
	free(r->target);
	free(r->method);
	free(r);
}

/* The answer: NULL when the content type or a header is not one. */
static struct MHD_Response *
make_response(const char *content_type, const void *body, size_t len,
    const char *const *headers)
{
	struct MHD_Response *resp;
	const char *const *h;

	if (body == NULL)
		len = 0;
	resp = MHD_create_response_from_buffer(len, (void *)(body ? body : ""),
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		fx_die(FX_EXIT_FAIL, "out of memory");
	if (content_type != NULL && (strpbrk(content_type, "\r\n") != NULL ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    content_type) != MHD_YES))
		goto bad;
	for (h = headers; h != NULL && *h != NULL; h++) {
		const char *colon = strchr(*h, ':'), *v;
		char *name;
		int ok;

		if (!header_ok(*h))
			goto bad;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		name = fx_xstrndup(*h, (size_t)(colon - *h));
		ok = MHD_add_response_header(resp, name, v) == MHD_YES;
		free(name);
		if (!ok)
			goto bad;
	}
	return resp;
bad:
	MHD_destroy_response(resp);
	return NULL;
}

/* A plain text answer of the server's own. */
static struct MHD_Response *
plain_response(const char *text, int close)
{
	static const char *const closing[] = { "Connection: close", NULL };

	return make_response("text/plain; charset=utf-8", text, strlen(text),
	    close ? closing : NULL);
}

static enum MHD_Result
queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result rc = MHD_queue_response(conn, status, resp);

	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result
on_header_value(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct sreq *r = cls;

	fx_buf_put(&r->hdrs, key, strlen(key) + 1);
	if (value == NULL)
		value = "";
	fx_buf_put(&r->hdrs, value, strlen(value) + 1);
	return MHD_YES;
}

/* Fills in what the handler sees; the connection's data is copied so
 * that a request outlives it (fx_http_server_close). */
static void
sreq_fill(struct sreq *r, struct MHD_Connection *conn, const char *url,
    const char *method)
{
	const union MHD_ConnectionInfo *ci;
	char *q;

	if (r->target == NULL)
		r->target = fx_xstrdup(url);
	r->method = fx_xstrdup(method);
	r->pub.method = r->method;
	r->pub.path = r->target;
	if ((q = strchr(r->target, '?')) != NULL) {
		*q = '\0';
		r->pub.query = q + 1;
	} else {
		r->pub.query = "";
	}
	snprintf(r->peer, sizeof r->peer, "unknown");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		char ip[INET6_ADDRSTRLEN];

		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *in = (const void *)sa;

			if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip))
				snprintf(r->peer, sizeof r->peer, "%s:%u", ip,
				    (unsigned)ntohs(in->sin_port));
		} else if (sa->sa_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const void *)sa;

			if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip))
				snprintf(r->peer, sizeof r->peer, "[%s]:%u", ip,
				    (unsigned)ntohs(in6->sin6_port));
		}
	}
	r->pub.peer = r->peer;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, on_header_value, r);
	r->pub.body = fx_buf_cstr(&r->body);
	r->pub.len = r->body.len;
}

static int
expects_continue(struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_EXPECT);

	return v != NULL && strcasecmp(v, "100-continue") == 0;
}

/* The request line has arrived: the request is born (the raw target is
 * only seen here; libmicrohttpd cuts the query off the url it passes
 * later). */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct sreq *r = fx_xcalloc(1, sizeof *r);

	r->srv = cls;
	r->loop = r->srv->loop;
	r->conn = conn;
	r->target = fx_xstrdup(uri);
	return r;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	fx_http_server *srv = cls;
	struct sreq *r = *con_cls;
	struct MHD_Response *resp;

	if (r == NULL) {	/* not through on_uri: cannot happen */
		r = on_uri(srv, url, conn);
		*con_cls = r;
	}
	if (!r->started) {
		const char *cl = MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		unsigned long long n = 0;
		char *end = NULL;

		r->started = 1;
		r->max_body = srv->max_body;
		if (cl != NULL) {
			errno = 0;
			n = strtoull(cl, &end, 10);
			if (errno != 0 || end == cl)
				n = ULLONG_MAX;
		}
		/* A body over the limit is answered at once only when it
		 * is not on its way (the client waits for "100 Continue")
		 * or too big to read: libmicrohttpd then closes the
		 * connection unread, and a client still sending mostly
		 * fails on the reset ("Send failure: Broken pipe") without
		 * seeing the 413.  Others are read, dropped, answered. */
		if (n > r->max_body) {
			r->too_big = 1;
			if (n > FX_HTTP_MAX_DRAIN || expects_continue(conn))
				return queue(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				    plain_response("request body too large\n",
				    0));
			return MHD_YES;	/* read and dropped, below */
		}
		/* Room for a small body at once; a large one, which may
		 * never come, grows as it does. */
		if (n > 0)
			fx_buf_reserve(&r->body, n < 65536 ? (size_t)n : 65536);
		return MHD_YES;
	}
	if (*size > 0) {
		if (!r->too_big && *size > r->max_body - r->body.len) {
			r->too_big = 1;
			r->discarded = r->body.len;
			fx_buf_free(&r->body);
		}
		if (r->too_big) {
			r->discarded += *size;
			*size = 0;
			return r->discarded > FX_HTTP_MAX_DRAIN ? MHD_NO :
			    MHD_YES;
		}
		fx_buf_put(&r->body, data, *size);
		*size = 0;
		return MHD_YES;
	}
	/* The whole request is in. */
	if (r->too_big)
		return queue(conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    plain_response("request body too large\n", 0));
	if (r->resp != NULL) {	/* resumed with its answer */
		resp = r->resp;
		r->resp = NULL;
		srv->resuming--;
		return queue(conn, r->status, resp);
	}
	if (r->delivered) {	/* woken without an answer: cannot happen */
		r->suspended = 1;
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	if (srv->closing)
		return queue(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    plain_response("server closing\n", 1));
	sreq_fill(r, conn, url, method);
	r->delivered = 1;
	pending_link(srv->loop, r);
	r->in_handler = 1;
	srv->loop->ncalls++;
	srv->handler(&r->pub, srv->ctx);
	r->in_handler = 0;
	if (r->resp != NULL) {
		resp = r->resp;
		r->resp = NULL;
		return queue(conn, r->status, resp);
	}
	r->suspended = 1;
	MHD_suspend_connection(conn);
	return MHD_YES;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	fx_http_server *srv = cls;
	struct sreq *r = *con_cls;

	if (r == NULL)
		return;
	*con_cls = NULL;
	r->conn = NULL;
	if (r->resp != NULL) {	/* resumed, closed before it was queued */
		srv->resuming--;
		MHD_destroy_response(r->resp);
		r->resp = NULL;
	}
	if (!r->delivered || r->answered)
		sreq_free(r);
}

const char *
fx_http_req_header(const fx_http_req *req, const char *name)
{
	return pairs_find(&((const struct sreq *)req)->hdrs, name);
}

int
fx_http_respond(fx_http_req *req, int status, const char *content_type,
    const void *body, size_t len, const char *const *headers)
{
	struct sreq *r = (struct sreq *)req;
	struct MHD_Response *resp = NULL;
	int rc = 0;

	r->answered = 1;
	pending_unlink(r->loop, r);
	if (r->conn == NULL) {	/* its server is closed */
		sreq_free(r);
		return -1;
	}
	if (status >= 200 && status <= 599)
		resp = make_response(content_type, body, len, headers);
	if (resp == NULL) {
		resp = plain_response("internal server error\n", 0);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		rc = -1;
	}
	r->resp = resp;
	r->status = (unsigned)status;
	if (r->suspended && !r->in_handler) {
		r->suspended = 0;
		r->srv->resuming++;
		r->srv->kick = 1;
		MHD_resume_connection(r->conn);
	}
	return rc;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	fx_http_server *srv = cls;
	size_t n;

	/* Only why it would not start: afterwards libmicrohttpd speaks of
	 * clients that go away, which a filter's stderr need not hear. */
	if (srv->started)
		return;
	vsnprintf(srv->log, sizeof srv->log, fmt, ap);
	n = strlen(srv->log);
	while (n > 0 && (srv->log[n - 1] == '\n' || srv->log[n - 1] == '.'))
		srv->log[--n] = '\0';
}

fx_http_server *
fx_http_listen(fx_loop *loop, const char *host, int port,
    fx_http_handler_fn *handler, void *ctx, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	const union MHD_DaemonInfo *info;
	fx_http_server *srv;
	char service[16];
	int fd, one = 1, rc;

	if (host == NULL)
		host = "127.0.0.1";
	if (port < 0 || port > 65535) {
		say(err, errlen, "port %d out of range", port);
		return NULL;
	}
	if (handler == NULL) {
		say(err, errlen, "no handler");
		return NULL;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof service, "%d", port);
	if ((rc = getaddrinfo(host, service, &hints, &ai)) != 0) {
		say(err, errlen, "'%s': %s", fx_quote(host, strlen(host)),
		    gai_strerror(rc));
		return NULL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0) {
		say(err, errlen, "%s port %d: %s", fx_quote(host, strlen(host)),
		    port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return NULL;
	}
	freeaddrinfo(ai);

	srv = fx_xcalloc(1, sizeof *srv);
	srv->loop = loop;
	srv->handler = handler;
	srv->ctx = ctx;
	srv->max_body = FX_HTTP_MAX_BODY;
	srv->due = -1;
	srv->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	srv->daemon = MHD_start_daemon(MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    on_request, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)FX_HTTP_SERVER_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)FX_HTTP_SERVER_IDLE_S,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	    MHD_OPTION_END);
	srv->started = 1;
	if (srv->daemon == NULL) {
		say(err, errlen, "cannot start the server: %s",
		    srv->log[0] ? srv->log : "libmicrohttpd failed");
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		free(srv);
		return NULL;
	}
	/* From now on libmicrohttpd owns fd. */
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0) {
		say(err, errlen, "cannot start the server: "
		    "no epoll descriptor");
		MHD_stop_daemon(srv->daemon);
		free(srv);
		return NULL;
	}
	srv->epfd = info->epoll_fd;
	srv->next = loop->servers;
	loop->servers = srv;
	loop->nservers++;
	return srv;
}

int
fx_http_server_port(const fx_http_server *srv)
{
	return srv->port;
}

void
fx_http_server_set_max_body(fx_http_server *srv, size_t bytes)
{
	srv->max_body = bytes > 0 ? bytes : FX_HTTP_MAX_BODY;
}

/* Answers what waits with 503, lets libmicrohttpd send what it can and
 * stops it.  libmicrohttpd must not be stopped with a connection still
 * suspended (it panics), and a resumed one is only taken off its
 * suspended list by MHD_run: hence the passes. */
static void
server_stop(fx_http_server *srv)
{
	fx_loop *loop = srv->loop;
	struct sreq *r;
	int pass;

	for (r = loop->pending; r != NULL; r = r->next) {
		if (r->srv != srv || r->conn == NULL || r->resp != NULL)
			continue;
		r->resp = plain_response("server closing\n", 1);
		r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		if (r->suspended) {
			r->suspended = 0;
			srv->resuming++;
			MHD_resume_connection(r->conn);
		}
	}
	srv->in_run = 1;
	for (pass = 0; pass < CLOSE_PASSES && srv->resuming > 0; pass++)
		MHD_run(srv->daemon);
	MHD_run(srv->daemon);	/* to send what was queued last */
	MHD_stop_daemon(srv->daemon);	/* completes every connection */
	srv->in_run = 0;
	srv->daemon = NULL;
	for (r = loop->pending; r != NULL; r = r->next)
		if (r->srv == srv)
			r->srv = NULL;
}

/* Stops srv and frees it, or leaves it to the end of the pass when a
 * pass may still look at it. */
static void
server_finish(fx_http_server *srv)
{
	fx_loop *loop = srv->loop;
	fx_http_server **pp;

	server_stop(srv);
	for (pp = &loop->servers; *pp != srv; pp = &(*pp)->next)
		;
	*pp = srv->next;
	loop->nservers--;
	if (loop->dispatching) {
		srv->next = loop->graveyard;
		loop->graveyard = srv;
	} else {
		free(srv);
	}
}

void
fx_http_server_close(fx_http_server *srv)
{
	if (srv == NULL || srv->closing)
		return;
	srv->closing = 1;
	if (!srv->in_run)	/* else when MHD_run returns */
		server_finish(srv);
}

/* ---- the loop, again ---- */

fx_loop *
fx_loop_new(char *err, size_t errlen)
{
	fx_loop *loop;
	CURLcode rc;

	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		say(err, errlen, "cannot set up libcurl: %s",
		    curl_easy_strerror(rc));
		return NULL;
	}
	loop = fx_xcalloc(1, sizeof *loop);
	loop->timers = (fx_heap)FX_HEAP_INIT(timer_before, struct timer, at);
	loop->curl_due = -1;
	if ((loop->multi = curl_multi_init()) == NULL) {
		say(err, errlen, "cannot set up libcurl: no multi handle");
		free(loop);
		curl_global_cleanup();
		return NULL;
	}
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, (void *)loop);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, (void *)loop);
	curl_multi_setopt(loop->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)FX_HTTP_HOST_CONNECTIONS);
	return loop;
}

void
fx_loop_free(fx_loop *loop)
{
	struct xfer *x, *next;
	struct sreq *r;
	uint32_t i;
	size_t t;

	if (loop == NULL)
		return;
	while (loop->servers != NULL) {
		loop->servers->closing = 1;
		server_finish(loop->servers);
	}
	for (x = loop->done_head; x != NULL; x = next) {
		next = x->next_done;
		if (!x->cancelled)
			slot_del(&loop->xfer_ids, x->res.id);
		xfer_free(x);
	}
	for (i = 0; i < loop->xfer_ids.n; i++)	/* those still going */
		if ((x = loop->xfer_ids.ptr[i]) != NULL)
			xfer_free(x);
	for (t = 0; t < loop->timers.n; t++)
		free(loop->timers.v[t]);
	while ((r = loop->pending) != NULL) {	/* never answered */
		loop->pending = r->next;
		sreq_free(r);
	}
	curl_multi_cleanup(loop->multi);
	curl_global_cleanup();
	slots_free(&loop->timer_ids);
	slots_free(&loop->xfer_ids);
	fx_heap_free(&loop->timers);
	free(loop->watches);
	free(loop->cs);
	free(loop->cspos);
	free(loop->pfd);
	free(loop->own);
	free(loop);
}

static int64_t
sooner(int64_t wait, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	return wait < 0 || ms < wait ? ms : wait;
}

int
fx_loop_run_once(fx_loop *loop, int max_wait_ms)
{
	int64_t now = now_ms(), wait = max_wait_ms < 0 ? -1 : max_wait_ms;
	size_t n = 0, need, i;
	fx_http_server *srv;
	int running, ready;

	if (loop->dispatching) {	/* called from a callback */
		errno = EDEADLK;
		return -1;
	}
	loop->ncalls = 0;
	if (loop->done_head != NULL)
		wait = 0;
	if (loop->timers.n > 0) {
		struct timer *t = fx_heap_top(&loop->timers);

		wait = sooner(wait, t->due - now);
	}
	if (loop->curl_due >= 0)
		wait = sooner(wait, loop->curl_due - now);
	need = loop->nservers + loop->nwatch + loop->ncs;
	if (need > loop->cappfd) {
		loop->cappfd = need * 2;
		loop->pfd = fx_xrealloc(loop->pfd,
		    loop->cappfd * sizeof *loop->pfd);
		loop->own = fx_xrealloc(loop->own,
		    loop->cappfd * sizeof *loop->own);
	}
	for (srv = loop->servers; srv != NULL; srv = srv->next) {
		MHD_UNSIGNED_LONG_LONG t;

		srv->due = -1;
		if (srv->kick) {
			srv->due = now;
			wait = 0;
		} else if (MHD_get_timeout(srv->daemon, &t) == MHD_YES) {
			if (t > INT_MAX)
				t = INT_MAX;
			srv->due = now + (int64_t)t;
			wait = sooner(wait, (int64_t)t);
		}
		loop->pfd[n] = (struct pollfd){ srv->epfd, POLLIN, 0 };
		loop->own[n++] = (struct owner){ OWN_SERVER, srv, 0 };
	}
	for (i = 0; i < loop->nwatch; i++) {
		loop->pfd[n] = (struct pollfd){ loop->watches[i].fd, POLLIN,
		    0 };
		loop->own[n++] = (struct owner){ OWN_WATCH, NULL,
		    loop->watches[i].serial };
	}
	for (i = 0; i < loop->ncs; i++) {
		loop->pfd[n] = (struct pollfd){ loop->cs[i].fd,
		    loop->cs[i].events, 0 };
		loop->own[n++] = (struct owner){ OWN_CURL, NULL, 0 };
	}

	ready = poll(loop->pfd, n, wait < 0 ? -1 :
	    wait > INT_MAX ? INT_MAX : (int)wait);
	if (ready < 0) {
		if (errno != EINTR)
			return -1;
		for (i = 0; i < n; i++)
			loop->pfd[i].revents = 0;
	}

	loop->dispatching = 1;
	now = now_ms();
	for (i = 0; i < n; i++) {
		if (loop->own[i].kind != OWN_SERVER)
			continue;
		srv = loop->own[i].srv;
		if (srv->closing || (loop->pfd[i].revents == 0 &&
		    (srv->due < 0 || srv->due > now)))
			continue;
		srv->kick = 0;
		srv->in_run = 1;
		MHD_run(srv->daemon);
		srv->in_run = 0;
		if (srv->closing)
			server_finish(srv);
	}
	for (i = 0; i < n; i++) {
		short ev = loop->pfd[i].revents;
		int mask = 0;

		if (loop->own[i].kind != OWN_CURL || ev == 0 ||
		    !cs_has(loop, loop->pfd[i].fd))
			continue;
		if (ev & (POLLIN | POLLHUP))
			mask |= CURL_CSELECT_IN;
		if (ev & POLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (ev & (POLLERR | POLLNVAL))
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(loop->multi, loop->pfd[i].fd, mask,
		    &running);
	}
	if (loop->curl_due >= 0 && loop->curl_due <= now_ms()) {
		loop->curl_due = -1;
		curl_multi_socket_action(loop->multi, CURL_SOCKET_TIMEOUT, 0,
		    &running);
	}
	drain_curl(loop);
	for (i = 0; i < n; i++) {
		struct watch *w;
		fx_loop_watch_fn *cb;
		void *ctx;
		int fd = loop->pfd[i].fd;

		if (loop->own[i].kind != OWN_WATCH ||
		    loop->pfd[i].revents == 0 ||
		    (w = watch_find(loop, fd)) == NULL ||
		    w->serial != loop->own[i].serial)
			continue;
		cb = w->cb;
		ctx = w->ctx;
		if (loop->pfd[i].revents & POLLNVAL)	/* closed: forget it */
			fx_loop_unwatch(loop, fd);
		loop->ncalls++;
		cb(loop, fd, ctx);
	}
	run_done(loop);
	run_timers(loop);
	loop->dispatching = 0;
	while ((srv = loop->graveyard) != NULL) {
		loop->graveyard = srv->next;
		free(srv);
	}
	return loop->ncalls;
}

int
fx_loop_run(fx_loop *loop)
{
	while (!loop->stopped && (loop->servers != NULL || loop->nwatch > 0 ||
	    loop->timers.n > 0 || loop->xfer_ids.used > 0 ||
	    loop->done_head != NULL))
		if (fx_loop_run_once(loop, -1) < 0)
			return -1;
	loop->stopped = 0;
	return 0;
}

void
fx_loop_stop(fx_loop *loop)
{
	loop->stopped = 1;
}

int
fx_http_parse_hostport(const char *s, char *host, size_t hostlen,
    int *port, char *err, size_t errlen)
{
	const char *h = s, *colon;
	size_t n;
	char *end;
	long v;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "want HOST:PORT or [IPV6]:PORT, "
			    "not '%s'", s);
			return -1;
		}
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			snprintf(err, errlen, "want HOST:PORT, not '%s'", s);
			return -1;
		}
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, "%s host in '%s'", n == 0 ? "no" :
		    "too long a", s);
		return -1;
	}
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || v < 0 ||
	    v > 65535 || !isdigit((unsigned char)colon[1])) {
		snprintf(err, errlen, "bad port '%s': want 0 to 65535",
		    colon + 1);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (int)v;
	return 0;
}
