/*
 * fx-bpp - a sandbox DER aggregator: a Beckn BPP for demos and tests.
 *
 *   fx-bpp --catalog FILE --key FILE --registry FILE [options]
 *
 * Serves a DER catalog over Beckn on libmicrohttpd, in both wire profiles
 * (v2.0.0 LTS and v1.1.1): every request's signature is checked against
 * the registry, its schema and context validated, and it is answered ACK
 * or NACK at once; the on_* callback follows, signed, to the BAP's URI.
 * Orders are held through select, init, confirm, status, update (the
 * COMPLETE) and cancel; each DER signs its participation with its own
 * key.  Failures can be injected: callback latency, NACKs, declines at
 * confirm, callbacks never sent, partial delivery, a down period.  One
 * `beckn` record per message in and out goes to stdout.  Message ids
 * are held while a replay could be accepted, transactions until
 * --forget after they settle, so memory stays bounded.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bpp.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "note.h"

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-bpp --catalog file --key file --registry file [-q]\n"
"              [--aggregator id] [--decline-rate p] [--down from:to]\n"
"              [--forget dur] [--id subscriber_id] [--key-id id]\n"
"              [--latency dur] [--listen host:port] [--nack-rate p]\n"
"              [--own-obp-ids] [--partial share] [--payloads]\n"
"              [--port-file file] [--provider-name name] [--schemas dir]\n"
"              [--seed n] [--silent-rate p] [--skew s]\n");
	exit(st);
}

/* ---- the server ---- */

static bpp *the_bpp;
static bpp_config cfg;
static fx_loop *loop;
static int quiet;

/* A callback on its way: its job until made, then the callback until
 * delivered; on a list, so that what is pending when fx-bpp stops is
 * freed. */
struct pending {
	bpp_job *job;
	bpp_callback *cb;
	struct pending *prev, *next;
};

static struct pending *pendings;

static struct pending *
pending_new(bpp_job *job)
{
	struct pending *p = fx_xcalloc(1, sizeof *p);

	p->job = job;
	p->next = pendings;
	if (pendings != NULL)
		pendings->prev = p;
	pendings = p;
	return p;
}

static void
pending_free(struct pending *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		pendings = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	bpp_job_free(p->job);
	bpp_callback_free(p->cb);
	free(p);
}

static void
on_delivered(const fx_http_res *res, void *ctx)
{
	struct pending *p = ctx;

	bpp_log_callback(the_bpp, p->cb, (int)res->status, res->body,
	    res->len, res->error, stdout);
	pending_free(p);
}

/* After --latency (at once without), from the loop, so that the answer
 * is out before the callback is made: made, checked, signed and sent. */
static void
send_callback(fx_loop *l, void *ctx)
{
	struct pending *p = ctx;
	int64_t now;
	char err[256], *auth, *hdr;
	const char *headers[3];

	p->cb = bpp_callback_make(the_bpp, p->job);
	p->job = NULL;
	if (p->cb == NULL) {	/* fails its schema: reported */
		pending_free(p);
		return;
	}
	now = fx_time_now() / 1000;

	auth = fx_bsign_sign(cfg.key, cfg.subscriber_id, cfg.key_id,
	    p->cb->body, p->cb->len, now, now + 30, err, sizeof err);
	if (auth == NULL) {
		bpp_log_callback(the_bpp, p->cb, 0, NULL, 0, err, stdout);
		on_delivered(&(fx_http_res){ .status = -1 }, p);
		return;
	}
	hdr = fx_xmalloc(strlen(auth) + 16);
	sprintf(hdr, "Authorization: %s", auth);
	headers[0] = "Content-Type: application/json";
	headers[1] = hdr;
	headers[2] = NULL;
	fx_http_post(l, p->cb->url, headers, p->cb->body, p->cb->len, 10000,
	    on_delivered, p);
	free(hdr);
	free(auth);
}

static void
on_request(fx_http_req *req, void *ctx)
{
	bpp_answer a;
	const char *headers[2] = { NULL, NULL };
	char *www = NULL;

	(void)ctx;
	if (strcmp(req->method, "POST") != 0) {
		static const char body[] = "{\"error\":{\"code\":\"405\","
		    "\"message\":\"POST a Beckn message\"}}";

		fx_http_respond(req, 405, "application/json", body,
		    sizeof body - 1, NULL);
		return;
	}
	bpp_request(the_bpp, req->path, fx_http_req_header(req,
	    "Authorization"), req->body, req->len, fx_time_now(), &a, stdout);
	if (a.www_authenticate != NULL) {
		www = fx_xmalloc(strlen(a.www_authenticate) + 20);
		sprintf(www, "WWW-Authenticate: %s", a.www_authenticate);
		headers[0] = www;
	}
	fx_http_respond(req, a.status, "application/json", a.body.data,
	    a.body.len, headers);
	free(www);
	if (a.job != NULL) {
		fx_loop_timer(loop, (long)cfg.latency_ms, send_callback,
		    pending_new(a.job));
		a.job = NULL;
	}
	bpp_answer_free(&a);
}

/* Forgets what has had its time, every second; sooner while there is
 * more than a pass takes, so that no pass holds the loop long. */
static void
prune(fx_loop *l, void *ctx)
{
	size_t max = 2000;

	(void)ctx;
	fx_loop_timer(l, bpp_prune(the_bpp, fx_time_now(), max) >= max ? 10 :
	    1000, prune, NULL);
}

static void
on_signal(fx_loop *l, int fd, void *ctx)
{
	struct signalfd_siginfo si;

	(void)ctx;
	if (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		fx_loop_stop(l);
}

static double
rate(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !(v >= 0 && v <= 1))
		fx_die(FX_EXIT_USAGE, "--%s: want a share from 0 to 1, not "
		    "'%s'", opt, fx_quote(s, strlen(s)));
	return v;
}

static fx_time
offset_arg(const char *s, fx_time base)
{
	int64_t ms;

	if (strcmp(s, "0") == 0)
		return base;
	if (fx_duration_parse(s, &ms) != 0)
		fx_die(FX_EXIT_USAGE, "--down: want FROM:TO, durations after "
		    "the start such as 5s:20s, not '%s'", fx_quote(s, strlen(s)));
	return base + ms;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "aggregator", required_argument, NULL, 'a' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "decline-rate", required_argument, NULL, 'D' },
		{ "down", required_argument, NULL, 'w' },
		{ "forget", required_argument, NULL, 'F' },
		{ "id", required_argument, NULL, 'i' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'K' },
		{ "latency", required_argument, NULL, 'l' },
		{ "listen", required_argument, NULL, 'L' },
		{ "nack-rate", required_argument, NULL, 'N' },
		{ "own-obp-ids", no_argument, NULL, 'O' },
		{ "partial", required_argument, NULL, 'P' },
		{ "payloads", no_argument, NULL, 'y' },
		{ "port-file", required_argument, NULL, 'f' },
		{ "provider-name", required_argument, NULL, 'n' },
		{ "registry", required_argument, NULL, 'r' },
		{ "schemas", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "silent-rate", required_argument, NULL, 'Z' },
		{ "skew", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	const char *catalog = NULL, *keyfile = NULL, *registry = NULL;
	const char *listen_at = "127.0.0.1:0", *port_file = NULL;
	const char *schemas = NULL, *down = NULL;
	char host[256], err[512], url[600], sdir[PATH_MAX], *keytext, *end;
	fx_http_server *srv;
	fx_time start = fx_time_now();
	const bpp_stats *st;
	sigset_t mask;
	int ch, port, sfd, nsch = 0;
	long lv;

	fx_err_init(PROG);
	cfg.skew_s = 30;
	cfg.partial = -1;
	cfg.down_from = cfg.down_to = INT64_MAX;
	cfg.seed = 1;
	cfg.forget_ms = 10 * 60000;
	cfg.key_id = "k1";
	while ((ch = getopt_long(argc, argv, "hq", longopts, NULL)) != -1)
		switch (ch) {
		case 'a': cfg.aggregator = optarg; break;
		case 'c': catalog = optarg; break;
		case 'D': cfg.decline_rate = rate("decline-rate", optarg); break;
		case 'f': port_file = optarg; break;
		case 'F': cfg.forget_ms = fx_opt_duration("--forget", optarg);
			break;
		case 'h': usage(0); break;
		case 'i': cfg.subscriber_id = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'K': cfg.key_id = optarg; break;
		case 'l': cfg.latency_ms = fx_opt_duration("--latency", optarg);
			break;
		case 'L': listen_at = optarg; break;
		case 'n': cfg.provider_name = optarg; break;
		case 'N': cfg.nack_rate = rate("nack-rate", optarg); break;
		case 'P': cfg.partial = rate("partial", optarg); break;
		case 'O': cfg.own_obp = 1; break;
		case 'q': quiet = 1; break;
		case 'r': registry = optarg; break;
		case 's':
			errno = 0;
			cfg.seed = strtoull(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || *optarg == '-')
				fx_die(FX_EXIT_USAGE, "--seed: not a whole number "
				    "'%s'", fx_quote(optarg, strlen(optarg)));
			break;
		case 'S': schemas = optarg; break;
		case 'w': down = optarg; break;
		case 'W':
			errno = 0;
			lv = strtol(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || lv < 0 || lv > 86400)
				fx_die(FX_EXIT_USAGE, "--skew: want seconds from 0 "
				    "to 86400, not '%s'", fx_quote(optarg,
				    strlen(optarg)));
			cfg.skew_s = lv;
			break;
		case 'y': cfg.payloads = 1; break;
		case 'Z': cfg.silent_rate = rate("silent-rate", optarg); break;
		default: usage(FX_EXIT_USAGE);
		}
	if (optind != argc)
		fx_die(FX_EXIT_USAGE, "unexpected argument '%s'",
		    fx_quote(argv[optind], strlen(argv[optind])));
	if (catalog == NULL || keyfile == NULL || registry == NULL) {
		fx_error("--catalog, --key and --registry are required");
		usage(FX_EXIT_USAGE);
	}
	if (down != NULL) {
		const char *colon = strchr(down, ':');
		char from[64];

		if (colon == NULL || (size_t)(colon - down) >= sizeof from)
			fx_die(FX_EXIT_USAGE, "--down: want FROM:TO, such as "
			    "5s:20s, not '%s'", fx_quote(down, strlen(down)));
		memcpy(from, down, (size_t)(colon - down));
		from[colon - down] = '\0';
		cfg.down_from = offset_arg(from, start);
		cfg.down_to = offset_arg(colon + 1, start);
		if (cfg.down_to <= cfg.down_from)
			fx_die(FX_EXIT_USAGE, "--down: TO must be after FROM");
	}
	if (fx_http_parse_hostport(listen_at, host, sizeof host, &port, err,
	    sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "--listen: %s", err);
	/* the keys: the BPP's, and the secret its DERs' keys come from */
	if ((keytext = fx_note_secret_read(keyfile, "signing key", err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if ((cfg.key = fx_bsign_key_new(keytext, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: %s", keyfile, err);
	EVP_Digest(keytext, strlen(keytext), cfg.der_secret, NULL,
	    EVP_sha256(), NULL);
	fx_note_key_free(keytext);
	cfg.catalog = fx_catalog_new();
	if (fx_catalog_load(cfg.catalog, catalog, err, sizeof err) < 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	cfg.registry = fx_registry_new();
	if (fx_registry_load(cfg.registry, registry, err, sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if (schemas == NULL)
		schemas = fx_bschema_dir(sdir, sizeof sdir);
	if (schemas != NULL && (nsch = fx_bschema_load(&cfg.schemas, schemas,
	    err, sizeof err)) < 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if (schemas != NULL && schemas != sdir && access(schemas, R_OK) != 0)
		fx_die(FX_EXIT_USAGE, "--schemas %s: %s", schemas,
		    strerror(errno));
	if (nsch == 0 && !quiet)
		fx_warn("no Beckn schemas found (--schemas DIR): requests are "
		    "not validated against them");
	if (cfg.aggregator == NULL && fx_catalog_count(cfg.catalog) > 0 &&
	    cfg.subscriber_id == NULL)
		cfg.aggregator = NULL;
	if ((loop = fx_loop_new(err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "%s", err);
	if ((srv = fx_http_listen(loop, host, port, on_request, NULL, err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "--listen %s: %s", listen_at, err);
	port = fx_http_server_port(srv);
	snprintf(url, sizeof url, "http://%s:%d", host, port);
	cfg.uri = url;
	if (cfg.subscriber_id == NULL)
		cfg.subscriber_id = cfg.aggregator != NULL ? cfg.aggregator :
		    "bpp.fluxeon.sandbox";
	cfg.provider_id = cfg.aggregator != NULL ? cfg.aggregator :
	    cfg.subscriber_id;
	if (cfg.provider_name == NULL)
		cfg.provider_name = cfg.provider_id;
	the_bpp = bpp_new(&cfg);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0 ||
	    fx_loop_watch(loop, sfd, on_signal, NULL) != 0)
		fx_die(FX_EXIT_FAIL, "signalfd: %s", strerror(errno));
	if (port_file != NULL) {
		FILE *f = fopen(port_file, "w");

		if (f == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0)
			fx_die(FX_EXIT_FAIL, "%s: %s", port_file,
			    strerror(errno));
	}
	if (!quiet)
		fprintf(stderr, PROG ": %s (%s) listening on %s, %zu DERs in "
		    "the catalog\n",
		    cfg.subscriber_id, cfg.key_id, url,
		    fx_catalog_count(cfg.catalog));
	fx_loop_timer(loop, 1000, prune, NULL);
	fx_loop_run(loop);
	st = bpp_get_stats(the_bpp);
	if (!quiet)
		fprintf(stderr, PROG ": %llu requests: %llu ACK, %llu NACK "
		    "(%llu unsigned or badly signed, %llu invalid); %llu orders, "
		    "%llu declined; %llu message ids and %llu transactions "
		    "held, %llu and %llu forgotten; %llu callbacks, %llu not "
		    "delivered\n",
		    st->requests, st->acks,
		    st->nacks, st->unauthorized, st->invalid, st->orders,
		    st->declined, st->ids, st->txns, st->ids_forgotten,
		    st->txns_forgotten, st->callbacks, st->callbacks_failed);
	fx_http_server_close(srv);
	fx_loop_free(loop);
	while (pendings != NULL)	/* not sent: stopped first */
		pending_free(pendings);
	bpp_free(the_bpp);
	fx_bschema_free(&cfg.schemas);
	fx_registry_free(cfg.registry);
	fx_catalog_free(cfg.catalog);
	fx_bsign_key_free(cfg.key);
	close(sfd);
	if (fflush(stdout) != 0 || ferror(stdout))
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	return 0;
}
