/*
 * http.h - one event loop for a filter that is an HTTP server and an HTTP
 * client at once: libmicrohttpd serves, libcurl's multi interface
 * fetches, and poll(2) waits on both, on timers and on the caller's own
 * file descriptors (stdin), in one thread.
 *
 * Everything runs in the thread that calls fx_loop_run_once() (or
 * fx_loop_run()): handlers, done callbacks, timer and watch callbacks.
 * None of them may block, and any of them may start requests, add or
 * cancel timers, watch or unwatch descriptors, answer requests, close a
 * server or stop the loop.  No call below blocks but fx_http_listen(),
 * which may resolve a host name, and fx_loop_run_once(), which waits.
 * Nothing here is thread-safe: a loop belongs to one thread.
 *
 * Ids (of timers and client requests) are nonzero 64-bit numbers; one
 * that is done or cancelled is unknown afterwards (its slot's next ids
 * differ from it for 2^32 reuses).
 *
 * Functions that can fail return NULL or -1 with a lowercase reason in
 * err (errlen bytes, NUL-terminated, err may be NULL).  Out of memory
 * exits 1 ("out of memory"), as with the fx_x* allocators of err.h.
 */
#ifndef FX_HTTP_H
#define FX_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define FX_HTTP_MAX_BODY (1024 * 1024)	/* a request's body, by default */
#define FX_HTTP_SERVER_CONNECTIONS 256	/* open at once, per server */
#define FX_HTTP_SERVER_IDLE_S 30	/* an idle connection is closed */
#define FX_HTTP_HOST_CONNECTIONS 16	/* a client's, per host and port */
#define FX_HTTP_MAX_DRAIN (4 * 1024 * 1024) /* a refused body read, at most */
#define FX_HTTP_MAX_RESPONSE (16 * 1024 * 1024) /* a response's body */
#define FX_HTTP_TIMEOUT_MS 30000	/* a request's, when given <= 0 */

typedef struct fx_loop fx_loop;
typedef struct fx_http_server fx_http_server;

/* ---- the loop ---- */

/*
 * A new loop with no server, timer, watch or request.  Returns it (free
 * with fx_loop_free), or NULL with the reason in err when libcurl cannot
 * be set up.
 */
fx_loop *fx_loop_new(char *err, size_t errlen);

/*
 * Frees loop and everything still in it: closes its servers (as
 * fx_http_server_close does), cancels its requests and timers without
 * calling their callbacks, forgets its watches (the descriptors stay
 * open: they are the caller's) and frees the requests a server handed out
 * and nobody answered.  NULL is fine.  Not from inside a callback.
 */
void fx_loop_free(fx_loop *loop);

/*
 * Waits, at most max_wait_ms (< 0: as long as it takes), until something
 * is ready (a server's connection, a request's socket, a watched
 * descriptor, a timer, libcurl's or libmicrohttpd's own timeouts) and runs
 * what is, once: each of them at most once, timers added meanwhile not
 * before the next call.  Returns how many callbacks ran (handlers, done,
 * timer and watch callbacks; 0 after a timeout or a signal), or -1 with
 * errno when poll(2) fails, or EDEADLK when called from a callback.
 */
int fx_loop_run_once(fx_loop *loop, int max_wait_ms);

/*
 * fx_loop_run_once() over and over until fx_loop_stop() is called, or
 * until there is nothing left to wait for (no server, watch, timer or
 * request).  Returns 0, or -1 with errno when poll(2) fails.
 */
int fx_loop_run(fx_loop *loop);

/* Makes fx_loop_run() return once the current pass is over. */
void fx_loop_stop(fx_loop *loop);

typedef void fx_loop_timer_fn(fx_loop *loop, void *ctx);

/*
 * Calls cb(loop, ctx) once, delay_ms milliseconds (< 0 as 0) from now on
 * the monotonic clock, from fx_loop_run_once().  Timers due at the same
 * millisecond run in the order they were added.  Returns the timer's id.
 */
uint64_t fx_loop_timer(fx_loop *loop, long delay_ms, fx_loop_timer_fn *cb,
    void *ctx);

/* Cancels timer id: 0, or -1 when it is unknown (fired or cancelled). */
int fx_loop_cancel(fx_loop *loop, uint64_t id);

typedef void fx_loop_watch_fn(fx_loop *loop, int fd, void *ctx);

/*
 * Calls cb(loop, fd, ctx) whenever fd is readable, at its end of file or
 * in error, until fx_loop_unwatch().  The callback reads once with
 * read(2), which does not block even on a blocking fd such as stdin
 * (stdio, which reads again for a whole line, may), and unwatches at end
 * of file, or it is called again at once.  One watch per descriptor; fd
 * stays the caller's, to be unwatched before it is closed (one closed
 * while watched is unwatched, its callback called once more).  Returns 0,
 * or -1 when fd is negative or watched already.
 */
int fx_loop_watch(fx_loop *loop, int fd, fx_loop_watch_fn *cb, void *ctx);

/* Stops watching fd: 0, or -1 when it was not watched. */
int fx_loop_unwatch(fx_loop *loop, int fd);

/* ---- the server ---- */

/*
 * A request whose head and whole body have arrived.  The strings are
 * NUL-terminated and owned by the request; all are valid until it is
 * answered.  path and query are the request target as sent (not
 * percent-decoded), split at its first '?'.  body holds len bytes (which
 * may include NULs) and a NUL after them.
 */
typedef struct fx_http_req {
	const char *method;	/* "POST" */
	const char *path;	/* "/on_search" */
	const char *query;	/* "a=1&b=2", "" when none */
	const char *peer;	/* "127.0.0.1:53412", "[::1]:53412" */
	const char *body;
	size_t len;
} fx_http_req;

/*
 * Called once per request.  The handler answers with fx_http_respond(),
 * either before it returns or later, from any callback of the same loop;
 * the connection waits meanwhile (other connections do not).  Every
 * request must be answered exactly once: until then it holds its memory
 * and its connection (libmicrohttpd does not notice a client that has
 * gone away while a request waits), and afterwards it must not be used.
 */
typedef void fx_http_handler_fn(fx_http_req *req, void *ctx);

/*
 * Starts an HTTP/1.1 server, plain (no TLS: it is meant for loopback, or
 * to sit behind a TLS proxy), on host (a numeric address, or a name
 * resolved here; NULL: "127.0.0.1") and port (0: any free one, see
 * fx_http_server_port), its events waited on by loop.  Connections are
 * kept alive, FX_HTTP_SERVER_CONNECTIONS of them at most (more are
 * refused), each closed after FX_HTTP_SERVER_IDLE_S seconds without
 * traffic (but not while its request waits for an answer).  A request
 * whose body is over the limit (fx_http_server_set_max_body) is answered
 * 413 without calling the handler.  Returns the server, or NULL with the
 * reason in err.
 */
fx_http_server *fx_http_listen(fx_loop *loop, const char *host, int port,
    fx_http_handler_fn *handler, void *ctx, char *err, size_t errlen);

/* The port the server listens on. */
int fx_http_server_port(const fx_http_server *srv);

/*
 * Splits a --listen argument, HOST:PORT (an IPv6 host in brackets,
 * [::1]:8080), into host (without brackets, at most hostlen - 1 bytes)
 * and port (0 to 65535).  Returns 0, or -1 with what is wrong in err.
 */
int fx_http_parse_hostport(const char *s, char *host, size_t hostlen,
    int *port, char *err, size_t errlen);

/*
 * Sets the largest request body accepted, in bytes (0: FX_HTTP_MAX_BODY),
 * for requests whose head arrives afterwards.  A larger one is answered
 * 413 without calling the handler: at once, before it is sent, when the
 * client waits for "100 Continue" or announces over FX_HTTP_MAX_DRAIN
 * bytes (libmicrohttpd then closes the connection); otherwise once it
 * has been read and dropped, so that a client sending it whole hears the
 * answer, the connection kept.  A chunked body still coming past
 * FX_HTTP_MAX_DRAIN bytes gets the connection closed.
 */
void fx_http_server_set_max_body(fx_http_server *srv, size_t bytes);

/*
 * Closes srv: stops listening, answers each request still waiting for an
 * answer with 503 and "Connection: close", sends what it can of that and
 * of the answers already given without waiting, and closes every
 * connection.  The requests that were waiting still belong to the caller,
 * who must still answer them (fx_http_respond then only frees them and
 * returns -1) or leave them to fx_loop_free().  NULL is fine; from a
 * handler of srv too.
 */
void fx_http_server_close(fx_http_server *srv);

/*
 * The value of the request's header name (any case), the first one when
 * it came several times; NULL when absent.  Owned by the request.
 */
const char *fx_http_req_header(const fx_http_req *req, const char *name);

/*
 * Answers req with status (200..599), a Content-Type (NULL: none), the
 * body body[0..len) (copied; body may be NULL when len is 0) and headers,
 * a NULL-terminated array of "Name: value" lines (NULL: none).  Frees req
 * (at once, or once the answer is sent): the caller must not use it
 * again.  Returns 0; -1 when the status, the content type or a header is
 * not one (no CR or LF; a token before a header's ':'), and the client
 * gets a 500 instead, or when the server has been closed and nothing is
 * sent.
 */
int fx_http_respond(fx_http_req *req, int status, const char *content_type,
    const void *body, size_t len, const char *const *headers);

/* ---- the client ---- */

/*
 * What a request got.  status is the response's (final) status code, or
 * 0 when there is no whole response (refused, timeout, name not found,
 * TLS failure, body over FX_HTTP_MAX_RESPONSE...), error then saying why
 * ("" otherwise).  body holds len bytes and a NUL after them.  total_ms
 * is the time from the fx_http_post or fx_http_get call to the end of
 * the exchange, waiting for a free connection included.  All of it is
 * valid during the done callback only.
 */
typedef struct fx_http_res {
	uint64_t id;
	long status;
	const char *error;
	const char *body;
	size_t len;
	double total_ms;
} fx_http_res;

/* Called once per request not cancelled, from fx_loop_run_once(). */
typedef void fx_http_done_fn(const fx_http_res *res, void *ctx);

/*
 * Starts a POST of body[0..len) (copied: the caller may free it at once;
 * body may be NULL when len is 0) to url, http or https, with headers, a
 * NULL-terminated array of "Name: value" lines (NULL: none; without a
 * Content-Type, "Content-Type: application/json" is sent).  done(res,
 * ctx) is called when it is over, or after timeout_ms milliseconds (<= 0:
 * FX_HTTP_TIMEOUT_MS) with status 0; never from inside this call, even
 * when the url or a header is bad.  Connections to a host are kept alive
 * and reused, FX_HTTP_HOST_CONNECTIONS of them at most, further requests
 * waiting for one.  https requires TLS 1.2 or later and a peer
 * certificate that verifies for the host.  Redirects are not followed.
 * No proxy is used, even one set in the environment, unless
 * fx_http_env_proxy() says so.  Returns the request's id.
 */
uint64_t fx_http_post(fx_loop *loop, const char *url,
    const char *const *headers, const void *body, size_t len,
    long timeout_ms, fx_http_done_fn *done, void *ctx);

/* The same with a GET and no body (and no default Content-Type). */
uint64_t fx_http_get(fx_loop *loop, const char *url,
    const char *const *headers, long timeout_ms, fx_http_done_fn *done,
    void *ctx);

/*
 * Cancels request id: it is abandoned (a connection it was using is
 * closed) and its done callback is never called.  Returns 0, or -1 when
 * id is unknown (done or cancelled).
 */
int fx_http_cancel(fx_loop *loop, uint64_t id);

/*
 * The value of the response's header name (any case), the first one when
 * it came several times, of the final response (not of a "100 Continue");
 * NULL when absent.  Valid during the done callback.
 */
const char *fx_http_res_header(const fx_http_res *res, const char *name);

/*
 * on nonzero: requests started afterwards use the proxy that http_proxy,
 * https_proxy and no_proxy name in the environment (libcurl's reading of
 * them); 0, the default: no proxy at all.
 */
void fx_http_env_proxy(fx_loop *loop, int on);

#endif
