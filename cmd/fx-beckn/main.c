/*
 * fx-beckn - FLUXEON's Beckn side (the BAP).
 *
 *   fx-beckn --id BAP_ID --key FILE --registry FILE [options] [file ...]
 *   fx-beckn keygen --id SUBSCRIBER --key-id ID --url URL -o PREFIX
 *   fx-beckn send --key FILE --id BAP_ID --to URL [options] [file]
 *   fx-beckn lookup --registry-url URL [--id ID] [--type T] [--domain D]
 *
 * keygen makes an Ed25519 key pair for Beckn signing (BECKN-006) and the
 * registry entry that publishes its public half.  send signs one Beckn
 * message and POSTs it to a BPP (or gateway), prints the answer, and with
 * --listen waits for the signed callback on its own server, checking its
 * signature against the registry: a tool to probe an aggregator by hand
 * and the driver of the tests.  lookup asks a Beckn registry's /lookup
 * for subscribers and prints those whose entries are valid, as a registry
 * file.  With no command it is the buyer: a filter that passes the
 * record stream through and orders each plan to dispatch over Beckn
 * (bap.c), writing catalog, order, beckn and alert records.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bap.h"
#include "bmsg.h"
#include "bschema.h"
#include "bsign.h"
#include "buf.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "note.h"
#include "registry.h"

#define PROG "fx-beckn"

static void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-beckn --id bap_id --key file --registry file [-q]\n"
"              [--catalog-max-age dur] [--discovery-timeout dur]\n"
"              [--drain dur] [--key-id id] [--listen host:port]\n"
"              [--max-attempts n] [--no-reoptimise] [--payloads]\n"
"              [--price-tolerance x] [--public-url url] [--schemas dir]\n"
"              [--solve-limit dur] [--status-interval dur]\n"
"              [--step-timeout dur] [file ...]\n"
"       fx-beckn keygen --id subscriber_id --key-id id --url url\n"
"              [--profile v2|v1.1] [--type BAP|BPP|BG] -o prefix\n"
"       fx-beckn send --id bap_id --key file --to url [--expires dur]\n"
"              [--fresh] [--key-id id] [--listen host:port] [--no-sign]\n"
"              [--no-validate] [--registry file] [--schemas dir]\n"
"              [--transaction id] [--wait dur] [file]\n"
"       fx-beckn lookup --registry-url url [--domain domain] [--id id]\n"
"              [--timeout dur] [--type BAP|BPP|BG]\n");
	exit(st);
}

/* ---- keygen ---- */

static int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "key-id", required_argument, NULL, 'k' },
		{ "profile", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "url", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char *id = NULL, *kid = NULL, *url = NULL, *prefix = NULL;
	const char *type = "BAP", *profile = "v2";
	char *priv, *pub, *path, err[512];
	fx_registry *r;
	jv e, s;
	FILE *f;
	int ch;

	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1)
		switch (ch) {
		case 'i': id = optarg; break;
		case 'k': kid = optarg; break;
		case 'o': prefix = optarg; break;
		case 'p': profile = optarg; break;
		case 't': type = optarg; break;
		case 'u': url = optarg; break;
		case 'h': usage(0); break;
		default: usage(FX_EXIT_USAGE);
		}
	if (optind != argc || id == NULL || kid == NULL || url == NULL ||
	    prefix == NULL) {
		fx_error("keygen: --id, --key-id, --url and -o are required");
		usage(FX_EXIT_USAGE);
	}
	if (fx_bmsg_profile(profile) < 0)
		fx_die(FX_EXIT_USAGE, "--profile: want v2 or v1.1, not '%s'",
		    fx_quote(profile, strlen(profile)));
	if (fx_bsign_keygen(&priv, &pub, err, sizeof err) != 0)
		fx_die(FX_EXIT_FAIL, "keygen: %s", err);
	/* the registry entry is checked first: a bad one writes no key */
	e = jv_object();
	e = jv_object_set(e, jv_string("subscriber_id"), jv_string(id));
	e = jv_object_set(e, jv_string("url"), jv_string(url));
	e = jv_object_set(e, jv_string("type"), jv_string(type));
	e = jv_object_set(e, jv_string("key_id"), jv_string(kid));
	e = jv_object_set(e, jv_string("signing_public_key"), jv_string(pub));
	e = jv_object_set(e, jv_string("status"), jv_string("SUBSCRIBED"));
	e = jv_object_set(e, jv_string("beckn_version"), jv_string(
	    fx_bmsg_profile(profile) == FX_BECKN_V1 ? "1.1.0" : "2.0.0"));
	r = fx_registry_new();
	if (fx_registry_add(r, e, err, sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "keygen: %s", err);
	fx_registry_free(r);
	path = fx_xmalloc(strlen(prefix) + 6);
	sprintf(path, "%s.json", prefix);
	if (access(path, F_OK) == 0)
		fx_die(FX_EXIT_FAIL, "%s: exists; not overwriting a key", path);
	sprintf(path, "%s.key", prefix);
	if (fx_note_key_write(path, priv, err, sizeof err) != 0)
		fx_die(FX_EXIT_FAIL, "%s", err);
	sprintf(path, "%s.json", prefix);
	s = jv_dump_string(e, 0);
	if ((f = fopen(path, "wx")) == NULL ||
	    fprintf(f, "%s\n", jv_string_value(s)) < 0 || fclose(f) != 0)
		fx_die(FX_EXIT_FAIL, "%s: %s", path, strerror(errno));
	printf("%s\n", jv_string_value(s));
	jv_free(s);
	free(path);
	fx_bsign_secret_free(priv);
	free(pub);
	return 0;
}

/* ---- send ---- */

static struct {
	const char *id, *key_id;
	fx_bsign_key *key;
	fx_registry *reg;
	int profile;
	char transaction_id[64];
	int answered, called_back, status;
	fx_loop *loop;
	fx_bschemas schemas;
} snd;

static void
print_rec(fx_buf *b)
{
	fx_buf_puts(b, "}\n");
	fwrite(b->data, 1, b->len, stdout);
	fflush(stdout);
	fx_buf_free(b);
}

/* s (a JSON text or not) as a member value */
static void
put_json(fx_buf *b, const char *s, size_t n)
{
	char e[64];
	jv v = fx_json_parse(s, n, e, sizeof e);

	if (jv_is_valid(v))
		fx_buf_jv(b, v);	/* compact: one record, one line */
	else
		fx_buf_jstr(b, s, n);
	jv_free(v);
}

static void
on_answer(const fx_http_res *res, void *ctx)
{
	fx_buf b = FX_BUF_INIT;
	const char *www = fx_http_res_header(res, "WWW-Authenticate");
	char code[64], msg[256], e[256];
	int ack = 0;
	jv v;

	(void)ctx;
	fx_buf_puts(&b, "{\"type\":\"beckn\",\"direction\":\"out\","
	    "\"http_status\":");
	fx_buf_int(&b, res->status);
	if (res->status == 0) {
		fx_buf_puts(&b, ",\"error\":");
		fx_buf_jstr(&b, res->error, strlen(res->error));
	} else {
		fx_buf_puts(&b, ",\"answer\":");
		if (res->len > 0)
			put_json(&b, res->body, res->len);
		else
			fx_buf_puts(&b, "null");
		v = fx_json_parse(res->body, res->len, e, sizeof e);
		if (jv_is_valid(v) && fx_bmsg_read_ack(v, snd.profile, &ack,
		    code, sizeof code, msg, sizeof msg, e, sizeof e) == 0) {
			fx_buf_puts(&b, ",\"ack\":");
			fx_buf_puts(&b, ack ? "\"ACK\"" : "\"NACK\"");
		}
		jv_free(v);
	}
	if (www != NULL) {
		fx_buf_puts(&b, ",\"www_authenticate\":");
		fx_buf_jstr(&b, www, strlen(www));
	}
	fx_buf_puts(&b, ",\"ms\":");
	fx_buf_num(&b, (double)(int64_t)(res->total_ms * 10) / 10);
	print_rec(&b);
	snd.answered = 1;
	snd.status = ack ? 0 : FX_EXIT_FAIL;
	/* nothing to wait for after a NACK */
	if (!ack || snd.reg == NULL)
		fx_loop_stop(snd.loop);
}

/* A callback to our server: verify, answer ACK (v2: counter-signed),
 * print. */
static void
on_callback(fx_http_req *req, void *ctx)
{
	const char *auth = fx_http_req_header(req, "Authorization");
	char why[512], sig[600], e[256], schema[540];
	fx_bsign_auth au;
	const fx_subscriber *sub = NULL;
	fx_buf b = FX_BUF_INIT;
	int64_t now = fx_time_now();
	int rc, mine = 0, ctx_ok = 0;
	fx_bctx c;
	jv m, body;

	(void)ctx;
	rc = fx_bsign_parse(auth, auth ? strlen(auth) : 0,
	    FX_BSIGN_AUTHORIZATION, &au, why, sizeof why);
	if (rc == FX_BSIGN_OK && (sub = fx_registry_key(snd.reg,
	    au.subscriber_id, au.key_id, now, why, sizeof why)) == NULL)
		rc = FX_BSIGN_BAD_PUBKEY;
	if (rc == FX_BSIGN_OK)
		rc = fx_bsign_verify(&au, sub->signing_public_key, req->body,
		    req->len, now / 1000, 30, why, sizeof why);
	m = fx_json_parse(req->body, req->len, e, sizeof e);
	c.profile = snd.profile;
	if (jv_is_valid(m) && fx_bmsg_read_context(m, &c, e,
	    sizeof e) == 0) {
		ctx_ok = 1;
		mine = strcmp(c.transaction_id, snd.transaction_id) == 0;
	}
	/* the signer must be the BPP the callback says it comes from */
	if (rc == FX_BSIGN_OK && ctx_ok && strcmp(c.bpp_id,
	    au.subscriber_id) != 0) {
		snprintf(why, sizeof why, "signed by %s, but the context's "
		    "BPP is %s", au.subscriber_id, c.bpp_id);
		rc = FX_BSIGN_BAD_PUBKEY;
	}
	if (rc == FX_BSIGN_OK)
		snprintf(sig, sizeof sig, "ok: %s|%s", au.subscriber_id,
		    au.key_id);
	else
		snprintf(sig, sizeof sig, "%s: %s", fx_bsign_status_name(rc),
		    why);
	schema[0] = '\0';
	if (mine) {
		int checked;

		if (fx_bschema_check(&snd.schemas, snd.profile, c.action, m,
		    &checked, why, sizeof why) != 0)
			snprintf(schema, sizeof schema, "invalid: %s", why);
		else
			snprintf(schema, sizeof schema, "%s", checked ? "ok" :
			    "unchecked");
	}
	jv_free(m);
	{
		char *cs = NULL;
		const char *plain = rc == FX_BSIGN_OK ? "{\"status\":\"ACK\"}" :
		    "{\"status\":\"NACK\"}";
		jv s;

		if (snd.profile == FX_BECKN_V2)
			cs = fx_bsign_countersign(snd.key, snd.id, snd.key_id,
			    plain, strlen(plain), req->body, req->len,
			    mine ? c.message_id : "none", now / 1000,
			    now / 1000 + 30, e, sizeof e);
		body = fx_bmsg_ack(snd.profile, rc == FX_BSIGN_OK,
		    rc == FX_BSIGN_OK ? NULL : "20016", rc == FX_BSIGN_OK ?
		    NULL : why, cs != NULL ? cs : "");
		free(cs);
		s = jv_dump_string(body, 0);
		{
			char www[300];
			const char *hdr[2] = { NULL, NULL };

			if (rc != FX_BSIGN_OK) {
				snprintf(www, sizeof www, "WWW-Authenticate: "
				    "Signature realm=\"%s\",headers=\"(created) "
				    "(expires) digest\"", snd.id);
				hdr[0] = www;
			}
			fx_http_respond(req, rc == FX_BSIGN_OK ? 200 : 401,
			    "application/json", jv_string_value(s),
			    strlen(jv_string_value(s)), hdr);
		}
		jv_free(s);
	}
	fx_buf_puts(&b, "{\"type\":\"beckn\",\"direction\":\"in\",\"path\":");
	fx_buf_jstr(&b, req->path, strlen(req->path));
	fx_buf_puts(&b, ",\"signature\":");
	fx_buf_jstr(&b, sig, strlen(sig));
	if (schema[0]) {
		fx_buf_puts(&b, ",\"schema\":");
		fx_buf_jstr(&b, schema, strlen(schema));
	}
	fx_buf_puts(&b, ",\"payload\":");
	put_json(&b, req->body, req->len);
	print_rec(&b);
	if (mine) {
		snd.called_back = 1;
		if (rc != FX_BSIGN_OK || strncmp(schema, "invalid", 7) == 0)
			snd.status = FX_EXIT_FAIL;
		fx_loop_stop(snd.loop);
	}
}

static void
on_timeout(fx_loop *l, void *ctx)
{
	(void)ctx;
	fx_error("send: no callback for transaction %s in time",
	    snd.transaction_id);
	snd.status = FX_EXIT_FAIL;
	fx_loop_stop(l);
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	fx_buf b = FX_BUF_INIT;
	char tmp[8192];
	size_t n;

	if (f == NULL)
		fx_die(FX_EXIT_FAIL, "%s: %s", path, strerror(errno));
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		fx_buf_put(&b, tmp, n);
	if (ferror(f))
		fx_die(FX_EXIT_FAIL, "%s: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	*len = b.len;
	fx_buf_putc(&b, '\0');
	return b.data;
}

static int
cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expires", required_argument, NULL, 'e' },
		{ "fresh", no_argument, NULL, 'f' },
		{ "id", required_argument, NULL, 'i' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'K' },
		{ "listen", required_argument, NULL, 'l' },
		{ "no-sign", no_argument, NULL, 'n' },
		{ "no-validate", no_argument, NULL, 'V' },
		{ "registry", required_argument, NULL, 'r' },
		{ "schemas", required_argument, NULL, 'S' },
		{ "to", required_argument, NULL, 't' },
		{ "transaction", required_argument, NULL, 'x' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keyfile = NULL, *to = NULL, *listen_at = NULL;
	const char *regfile = NULL, *txn = NULL, *ver, *sdir = NULL;
	int64_t expires_ms = 30000, wait_ms = 5000;
	int ch, fresh = 0, nosign = 0, port = 0, novalidate = 0;
	char dirbuf[4096];
	char err[512], host[256], url[1200], *text, *keytext, *auth = NULL;
	const char *headers[3];
	fx_http_server *srv = NULL;
	size_t len;
	jv msg, ctx;
	fx_bctx c;

	snd.key_id = "k1";
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'e': expires_ms = fx_opt_duration("--expires", optarg);
			break;
		case 'f': fresh = 1; break;
		case 'i': snd.id = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'K': snd.key_id = optarg; break;
		case 'l': listen_at = optarg; break;
		case 'n': nosign = 1; break;
		case 'r': regfile = optarg; break;
		case 'S': sdir = optarg; break;
		case 't': to = optarg; break;
		case 'V': novalidate = 1; break;
		case 'x': txn = optarg; break;
		case 'w': wait_ms = fx_opt_duration("--wait", optarg); break;
		case 'h': usage(0); break;
		default: usage(FX_EXIT_USAGE);
		}
	if (snd.id == NULL || keyfile == NULL || to == NULL) {
		fx_error("send: --id, --key and --to are required");
		usage(FX_EXIT_USAGE);
	}
	if (argc - optind > 1)
		fx_die(FX_EXIT_USAGE, "send: one message file at most");
	if ((listen_at == NULL) != (regfile == NULL))
		fx_die(FX_EXIT_USAGE, "send: --listen and --registry go "
		    "together (a callback's signature is checked)");
	if ((keytext = fx_note_secret_read(keyfile, "signing key", err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if ((snd.key = fx_bsign_key_new(keytext, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: %s", keyfile, err);
	fx_note_key_free(keytext);
	if (regfile != NULL) {
		snd.reg = fx_registry_new();
		if (fx_registry_load(snd.reg, regfile, err, sizeof err) != 0)
			fx_die(FX_EXIT_USAGE, "%s", err);
	}
	if (sdir == NULL)
		sdir = fx_bschema_dir(dirbuf, sizeof dirbuf);
	if (sdir != NULL && fx_bschema_load(&snd.schemas, sdir, err,
	    sizeof err) < 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if (sdir != NULL && sdir != dirbuf && access(sdir, R_OK) != 0)
		fx_die(FX_EXIT_USAGE, "--schemas %s: %s", sdir,
		    strerror(errno));
	text = read_all(optind < argc ? argv[optind] : "-", &len);
	msg = fx_json_parse(text, len, err, sizeof err);
	free(text);
	if (!jv_is_valid(msg))
		fx_die(FX_EXIT_USAGE, "send: %s", err);
	ctx = fx_json_get(msg, "context");
	ver = fx_json_str(ctx, "version");
	snd.profile = ver != NULL && strncmp(ver, "1.1.", 4) == 0 ?
	    FX_BECKN_V1 : FX_BECKN_V2;
	jv_free(ctx);
	if ((snd.loop = fx_loop_new(err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "%s", err);
	if (listen_at != NULL) {
		int lport;

		if (fx_http_parse_hostport(listen_at, host, sizeof host, &lport,
		    err, sizeof err) != 0)
			fx_die(FX_EXIT_USAGE, "--listen: %s", err);
		if ((srv = fx_http_listen(snd.loop, host, lport, on_callback,
		    NULL, err, sizeof err)) == NULL)
			fx_die(FX_EXIT_FAIL, "--listen %s: %s", listen_at, err);
		port = fx_http_server_port(srv);
		snprintf(url, sizeof url, "http://%s:%d", host, port);
		msg = jv_setpath(msg, jv_parse(snd.profile == FX_BECKN_V2 ?
		    "[\"context\",\"bapUri\"]" : "[\"context\",\"bap_uri\"]"),
		    jv_string(url));
	}
	msg = jv_setpath(msg, jv_parse(snd.profile == FX_BECKN_V2 ?
	    "[\"context\",\"bapId\"]" : "[\"context\",\"bap_id\"]"),
	    jv_string(snd.id));
	if (txn != NULL)
		msg = jv_setpath(msg, jv_parse(snd.profile == FX_BECKN_V2 ?
		    "[\"context\",\"transactionId\"]" :
		    "[\"context\",\"transaction_id\"]"), jv_string(txn));
	if (fresh) {
		char id[37], t[FX_TIME_MAX_TEXT];

		fx_bmsg_uuid(id);
		fx_time_format(fx_time_now(), t);
		msg = jv_setpath(msg, jv_parse(snd.profile == FX_BECKN_V2 ?
		    "[\"context\",\"messageId\"]" :
		    "[\"context\",\"message_id\"]"), jv_string(id));
		msg = jv_setpath(msg, jv_parse("[\"context\",\"timestamp\"]"),
		    jv_string(t));
	}
	c.profile = snd.profile;
	if (fx_bmsg_read_context(msg, &c, err, sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "send: %s", err);
	snprintf(snd.transaction_id, sizeof snd.transaction_id, "%s",
	    c.transaction_id);
	if (!novalidate) {
		int checked;

		if (fx_bschema_check(&snd.schemas, snd.profile, c.action, msg,
		    &checked, err, sizeof err) != 0)
			fx_die(FX_EXIT_USAGE, "send: not sent: the %s fails its "
			    "schema: %s (--no-validate sends it anyway)",
			    fx_bmsg_action_name(snd.profile, c.action), err);
		if (!checked)
			fx_warn("send: no schema for %s: sent unchecked",
			    fx_bmsg_action_name(snd.profile, c.action));
	}
	{
		jv s = jv_dump_string(jv_copy(msg), 0);
		const char *body = jv_string_value(s);
		size_t blen = strlen(body);
		int64_t now = fx_time_now() / 1000;
		size_t tl = strlen(to);

		if (!nosign) {
			char *a = fx_bsign_sign(snd.key, snd.id, snd.key_id,
			    body, blen, now, now + expires_ms / 1000, err,
			    sizeof err);

			if (a == NULL)
				fx_die(FX_EXIT_USAGE, "send: %s", err);
			auth = fx_xmalloc(strlen(a) + 20);
			sprintf(auth, "Authorization: %s", a);
			free(a);
		}
		snprintf(url, sizeof url, "%s%s%s", to, tl > 0 &&
		    to[tl - 1] == '/' ? "" : "/", fx_bmsg_action_name(
		    snd.profile, c.action));
		headers[0] = "Content-Type: application/json";
		headers[1] = auth;
		headers[2] = NULL;
		fx_http_post(snd.loop, url, headers, body, blen, 10000,
		    on_answer, NULL);
		jv_free(s);
	}
	jv_free(msg);
	if (srv != NULL)
		fx_loop_timer(snd.loop, (long)wait_ms, on_timeout, NULL);
	snd.status = FX_EXIT_FAIL;
	fx_loop_run(snd.loop);
	if (srv != NULL && snd.answered && snd.status == 0 &&
	    !snd.called_back)
		snd.status = FX_EXIT_FAIL;
	if (srv != NULL)
		fx_http_server_close(srv);
	fx_loop_free(snd.loop);
	fx_registry_free(snd.reg);
	fx_bsign_key_free(snd.key);
	fx_bschema_free(&snd.schemas);
	free(auth);
	return snd.status;
}

/* ---- lookup ---- */

static struct {
	int status;
	const char *url;
} lk;

static void
on_lookup(const fx_http_res *res, void *ctx)
{
	fx_loop *l = ctx;
	fx_registry *r;
	char err[512];
	jv v, out;
	int i, bad = 0;

	fx_loop_stop(l);
	if (res->status != 200) {
		fx_error("lookup: %s: %s", lk.url, res->status == 0 ?
		    res->error : "not 200 OK");
		if (res->status != 0)
			fx_error("lookup: HTTP %ld: %.*s", res->status,
			    (int)(res->len > 200 ? 200 : res->len), res->body);
		lk.status = FX_EXIT_FAIL;
		return;
	}
	v = fx_json_parse(res->body, res->len, err, sizeof err);
	if (jv_get_kind(v) != JV_KIND_ARRAY) {
		fx_error("lookup: %s: the answer is not an array of "
		    "subscriptions%s%s", lk.url, jv_is_valid(v) ? "" : ": ",
		    jv_is_valid(v) ? "" : err);
		jv_free(v);
		lk.status = FX_EXIT_FAIL;
		return;
	}
	r = fx_registry_new();
	jv_array_foreach(v, k, e) {
		if (fx_registry_add(r, e, err, sizeof err) != 0) {
			const char *id = fx_json_str(e, "subscriber_id");

			fx_warn("lookup: [%d]%s%s%s skipped: %s", k,
			    id ? " (subscriber_id " : "", id ? id : "",
			    id ? ")" : "", err);
			bad++;
		}
		jv_free(e);
	}
	jv_free(v);
	out = jv_array();
	for (i = 0; i < fx_registry_count(r); i++)
		out = jv_array_append(out, fx_registry_entry_json(
		    fx_registry_at(r, i)));
	{
		jv s = jv_dump_string(out, JV_PRINT_PRETTY | JV_PRINT_SPACE1);

		printf("%s\n", jv_string_value(s));
		jv_free(s);
	}
	fx_registry_free(r);
	lk.status = bad ? FX_EXIT_FAIL : 0;
}

static int
cmd_lookup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "registry-url", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *id = NULL, *type = NULL, *domain = NULL, *base = NULL;
	const char *headers[] = { "Content-Type: application/json", NULL };
	int64_t timeout_ms = 10000;
	char err[256], url[1100];
	fx_loop *l;
	jv q, s;
	int ch;
	size_t bl;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'd': domain = optarg; break;
		case 'i': id = optarg; break;
		case 'T': timeout_ms = fx_opt_duration("--timeout", optarg);
			break;
		case 't': type = optarg; break;
		case 'u': base = optarg; break;
		case 'h': usage(0); break;
		default: usage(FX_EXIT_USAGE);
		}
	if (base == NULL || optind != argc) {
		fx_error("lookup: --registry-url is required");
		usage(FX_EXIT_USAGE);
	}
	if (type != NULL && strcmp(type, "BAP") != 0 &&
	    strcmp(type, "BPP") != 0 && strcmp(type, "BG") != 0)
		fx_die(FX_EXIT_USAGE, "--type: want BAP, BPP or BG, not '%s'",
		    fx_quote(type, strlen(type)));
	bl = strlen(base);
	snprintf(url, sizeof url, "%s%slookup", base, bl > 0 &&
	    base[bl - 1] == '/' ? "" : "/");
	lk.url = url;
	q = jv_object();
	if (id != NULL)
		q = jv_object_set(q, jv_string("subscriber_id"), jv_string(id));
	if (type != NULL)
		q = jv_object_set(q, jv_string("type"), jv_string(type));
	if (domain != NULL)
		q = jv_object_set(q, jv_string("domain"), jv_string(domain));
	s = jv_dump_string(q, 0);
	if ((l = fx_loop_new(err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "%s", err);
	fx_http_post(l, url, headers, jv_string_value(s),
	    strlen(jv_string_value(s)), (long)timeout_ms, on_lookup, l);
	jv_free(s);
	lk.status = FX_EXIT_FAIL;
	fx_loop_run(l);
	fx_loop_free(l);
	if (fflush(stdout) != 0)
		return FX_EXIT_FAIL;
	return lk.status;
}

/* ---- the buyer ---- */

static struct {
	bap *b;
	fx_reader *r;
	fx_writer *w;
	fx_loop *loop;
	int eof, files, nfiles, quiet;
	char **paths;
	unsigned long long in, plans;
	int64_t drain_ms;
} run;

static void
on_callback_req(fx_http_req *req, void *ctx)
{
	(void)ctx;
	if (strcmp(req->method, "POST") != 0) {
		static const char body[] = "{\"error\":{\"code\":\"405\","
		    "\"message\":\"POST a Beckn callback\"}}";

		fx_http_respond(req, 405, "application/json", body,
		    sizeof body - 1, NULL);
		return;
	}
	bap_callback(run.b, req);
}

static void open_next(void);

static void
on_drained(fx_loop *l, void *ctx)
{
	(void)ctx;
	if (bap_busy(run.b) > 0)
		fx_warn("%d activations still in flight at the end of --drain: "
		    "their orders are not known", bap_busy(run.b));
	fx_loop_stop(l);
}

static void
check_done(fx_loop *l, void *ctx)
{
	(void)ctx;
	if (run.eof && bap_busy(run.b) == 0)
		fx_loop_stop(l);
	else
		fx_loop_timer(l, 20, check_done, NULL);
}

static void
on_input(fx_loop *l, int fd, void *ctx)
{
	fx_line ln;
	int rc;

	(void)fd;
	(void)ctx;
	do {
		rc = fx_reader_next(run.r, &ln);
		if (rc == FX_LINE_EOF) {
			fx_loop_unwatch(l, fx_reader_fd(run.r));
			fx_reader_close(run.r);
			run.r = NULL;
			open_next();
			return;
		}
		if (rc == FX_LINE_TOOLONG) {
			fx_error_at(fx_reader_name(run.r), ln.lineno,
			    "line too long");
			continue;
		}
		if (ln.len == 0)
			continue;
		run.in++;
		fx_writer_pass(run.w, &ln);
		if (memmem(ln.text, ln.len, "\"plan\"", 6) != NULL &&
		    bap_plan(run.b, ln.text, ln.len))
			run.plans++;
	} while (fx_reader_ready(run.r));
	fx_writer_flush(run.w);
}

static void
open_next(void)
{
	if (run.files >= (run.nfiles ? run.nfiles : 1)) {
		run.eof = 1;
		fx_writer_flush(run.w);
		fx_loop_timer(run.loop, (long)run.drain_ms, on_drained, NULL);
		check_done(run.loop, NULL);
		return;
	}
	run.r = fx_reader_open(run.nfiles ? run.paths[run.files] : "-", 0);
	run.files++;
	if (run.r == NULL)
		exit(FX_EXIT_FAIL);
	if (fx_loop_watch(run.loop, fx_reader_fd(run.r), on_input, NULL) != 0)
		fx_die(FX_EXIT_FAIL, "cannot watch %s", fx_reader_name(run.r));
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "catalog-max-age", required_argument, NULL, 'C' },
		{ "discovery-timeout", required_argument, NULL, 'D' },
		{ "drain", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'K' },
		{ "listen", required_argument, NULL, 'l' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "no-reoptimise", no_argument, NULL, 'N' },
		{ "payloads", no_argument, NULL, 'y' },
		{ "price-tolerance", required_argument, NULL, 'p' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "registry", required_argument, NULL, 'r' },
		{ "schemas", required_argument, NULL, 'S' },
		{ "solve-limit", required_argument, NULL, 'L' },
		{ "status-interval", required_argument, NULL, 'T' },
		{ "step-timeout", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	static bap_config cfg;
	static fx_bschemas schemas;
	const char *keyfile = NULL, *regfile = NULL, *sdir = NULL;
	const char *listen_at = "127.0.0.1:0", *public_url = NULL;
	char err[512], host[256], dirbuf[4096], *keytext, *end;
	fx_http_server *srv;
	const bap_stats *st;
	long lv;
	int ch, port;

	cfg.key_id = "k1";
	run.drain_ms = 60000;
	cfg.discovery_ms = 2000;
	cfg.step_ms = 5000;
	cfg.max_attempts = 3;
	cfg.price_tolerance = 0.05;
	cfg.reoptimise = 1;
	cfg.solve_ms = 50;
	cfg.status_ms = 60000;
	while ((ch = getopt_long(argc, argv, "hq", longopts, NULL)) != -1)
		switch (ch) {
		case 'D': cfg.discovery_ms = fx_opt_duration(
			    "--discovery-timeout", optarg); break;
		case 'd': run.drain_ms = fx_opt_duration("--drain", optarg);
			break;
		case 'i': cfg.id = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'K': cfg.key_id = optarg; break;
		case 'l': listen_at = optarg; break;
		case 'L':
			/* 0: the greedy alone */
			lv = strcmp(optarg, "0") == 0 ? 0 :
			    (long)fx_opt_duration("--solve-limit", optarg);
			if (lv > 60000)
				fx_die(FX_EXIT_USAGE, "--solve-limit: at most 60s, "
				    "not '%s'", fx_quote(optarg, strlen(optarg)));
			cfg.solve_ms = (int)lv;
			break;
		case 'N': cfg.reoptimise = 0; break;
		case 'C':
			cfg.catalog_max_age_ms = strcmp(optarg, "0") == 0 ? 0 :
			    fx_opt_duration("--catalog-max-age", optarg);
			break;
		case 'T':
			cfg.status_ms = strcmp(optarg, "0") == 0 ? 0 :
			    fx_opt_duration("--status-interval", optarg);
			break;
		case 'm':
			lv = strtol(optarg, &end, 10);
			if (*end != '\0' || lv < 1 || lv > 16)
				fx_die(FX_EXIT_USAGE, "--max-attempts: want 1 to "
				    "16, not '%s'", fx_quote(optarg,
				    strlen(optarg)));
			cfg.max_attempts = (int)lv;
			break;
		case 'p':
			cfg.price_tolerance = strtod(optarg, &end);
			if (*end != '\0' || !(cfg.price_tolerance >= 0 &&
			    cfg.price_tolerance <= 10))
				fx_die(FX_EXIT_USAGE, "--price-tolerance: want a "
				    "share from 0 to 10, not '%s'",
				    fx_quote(optarg, strlen(optarg)));
			break;
		case 'q': run.quiet = 1; break;
		case 'r': regfile = optarg; break;
		case 's': cfg.step_ms = fx_opt_duration("--step-timeout",
			    optarg); break;
		case 'S': sdir = optarg; break;
		case 'u': public_url = optarg; break;
		case 'y': cfg.payloads = 1; break;
		case 'h': usage(0); break;
		default: usage(FX_EXIT_USAGE);
		}
	if (cfg.id == NULL || keyfile == NULL || regfile == NULL) {
		fx_error("--id, --key and --registry are required");
		usage(FX_EXIT_USAGE);
	}
	if ((keytext = fx_note_secret_read(keyfile, "signing key", err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if ((cfg.key = fx_bsign_key_new(keytext, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s: %s", keyfile, err);
	fx_note_key_free(keytext);
	cfg.registry = fx_registry_new();
	if (fx_registry_load(cfg.registry, regfile, err, sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if (sdir == NULL)
		sdir = fx_bschema_dir(dirbuf, sizeof dirbuf);
	if (sdir != NULL && fx_bschema_load(&schemas, sdir, err,
	    sizeof err) < 0)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if (sdir != NULL && sdir != dirbuf && access(sdir, R_OK) != 0)
		fx_die(FX_EXIT_USAGE, "--schemas %s: %s", sdir,
		    strerror(errno));
	if (schemas.n == 0 && !run.quiet)
		fx_warn("no Beckn schemas found (--schemas DIR): messages are "
		    "not validated");
	cfg.schemas = &schemas;
	if (fx_http_parse_hostport(listen_at, host, sizeof host, &port, err,
	    sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "--listen: %s", err);
	if ((run.loop = fx_loop_new(err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "%s", err);
	if ((srv = fx_http_listen(run.loop, host, port, on_callback_req, NULL,
	    err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "--listen %s: %s", listen_at, err);
	/* an aggregator's whole catalog can come in one on_search */
	fx_http_server_set_max_body(srv, 64UL << 20);
	if (public_url != NULL)
		snprintf(cfg.uri, sizeof cfg.uri, "%s", public_url);
	else
		snprintf(cfg.uri, sizeof cfg.uri, "http://%s:%d", host,
		    fx_http_server_port(srv));
	run.w = fx_writer_new(1, 0);
	run.b = bap_new(&cfg, run.loop, run.w);
	run.paths = argv + optind;
	run.nfiles = argc - optind;
	if (!run.quiet)
		fprintf(stderr, PROG ": %s (%s) taking callbacks at %s; %d "
		    "registry entries\n", cfg.id, cfg.key_id, cfg.uri,
		    fx_registry_count(cfg.registry));
	open_next();
	fx_loop_run(run.loop);
	st = bap_get_stats(run.b);
	if (!run.quiet)
		fprintf(stderr, PROG ": %llu records in, %llu plans dispatched "
		    "(%llu activations): %llu orders confirmed, %llu completed, "
		    "%llu failed; %llu alerts; %llu callbacks (%llu refused); "
		    "%llu plans allocated again on live offers, %llu on a "
		    "recent catalog; "
		    "detection to CONFIRM at most %.0f ms\n", run.in, st->plans,
		    st->activations, st->ordered, st->completed, st->failed,
		    st->alerts, st->callbacks, st->rejected_callbacks,
		    st->reoptimised, st->catalogs_reused, st->sla_ms_max);
	fx_http_server_close(srv);
	bap_free(run.b);
	fx_loop_free(run.loop);
	fx_registry_free(cfg.registry);
	fx_bschema_free(&schemas);
	fx_bsign_key_free(cfg.key);
	if (run.r != NULL)
		fx_reader_close(run.r);
	return fx_writer_close(run.w) != 0 ? FX_EXIT_FAIL : 0;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	fx_err_init(PROG);
	if (argc < 2)
		usage(FX_EXIT_USAGE);
	cmd = argv[1];
	if (cmd[0] == '-' && strcmp(cmd, "-h") != 0 &&
	    strcmp(cmd, "--help") != 0)
		return cmd_run(argc, argv);
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		usage(0);
	argv++;
	argc--;
	argv[0] = PROG;
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(cmd, "send") == 0)
		return cmd_send(argc, argv);
	if (strcmp(cmd, "lookup") == 0)
		return cmd_lookup(argc, argv);
	fx_error("unknown command '%s'", fx_quote(cmd, strlen(cmd)));
	usage(FX_EXIT_USAGE);
	return FX_EXIT_USAGE;
}
