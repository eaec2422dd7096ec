/*
 * fx-audit - the append-only, tamper-evident audit store (SRS R48-R54).
 *
 *   fx-audit append --db FILE [--key FILE] [--pass] ...   records in
 *   fx-audit checkpoint --db FILE --key FILE              sign the head
 *   fx-audit verify --db FILE [--pubkey FILE] [--checkpoint FILE]
 *   fx-audit prove --db FILE (--seq N | --obp ID)         inclusion proofs
 *   fx-audit verify-proof --pubkey FILE [bundle ...]      offline check
 *   fx-audit query --db FILE [filters]                    records out
 *   fx-audit export --db FILE [--from --to --format]      nightly extracts
 *   fx-audit obp --db FILE --id OBP_ID                    settlement record
 *   fx-audit prune --db FILE [--before T | --retention D] retention
 *   fx-audit keygen --name NAME -o PREFIX                 Ed25519 keys
 *   fx-audit keygen --encryption -o FILE                  an AES-256 key
 *
 * append keeps every audit-relevant record of the stream as an entry of
 * an RFC 6962 Merkle tree in SQLite (audit.h), in batched transactions,
 * and signs a C2SP checkpoint of the tree every N entries or T seconds
 * and at the end.  With --pass it is a tee: each record goes on once the
 * transaction holding it is committed, so what downstream has seen is
 * never lost.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "err.h"
#include "json.h"
#include "ndjson.h"
#include "note.h"
#include "record.h"

static const char *const default_types[] = {
	"state_change", "plan", "catalog", "order", "beckn", "control",
	"alert", "config", "obp", NULL
};


void
usage(int st)
{
	fprintf(st ? stderr : stdout,
"usage: fx-audit append --db file [-q] [--all] [--batch n] [--enc-key file]\n"
"                [--encrypt list] [--every n] [--interval dur] [--key file]\n"
"                [--origin name] [--pass] [--strict]\n"
"                [--sync off|normal|full] [--types list] [file ...]\n"
"       fx-audit checkpoint --db file --key file\n"
"       fx-audit verify --db file [--checkpoint file] [--enc-key file]\n"
"                [--pubkey file]\n"
"       fx-audit prove --db file (--seq n | --obp id)\n"
"       fx-audit verify-proof --pubkey file [file ...]\n"
"       fx-audit query --db file [--aggregator id] [--der id]\n"
"                [--enc-key file] [--entries] [--event id] [--feeder id]\n"
"                [--from time] [--obp id] [--plan id] [--to time]\n"
"                [--type type]\n"
"       fx-audit export --db file [--format csv|ndjson] [--from time]\n"
"                [--key file] [--to time]\n"
"       fx-audit obp --db file --id obp_id\n"
"       fx-audit prune --db file [--before time | --retention days]\n"
"       fx-audit keygen --name name -o prefix\n"
"       fx-audit keygen --encryption -o file\n");
	exit(st);
}

static void check_key(store *s, fx_note_signer *signer);

/* ---- append ---- */

static struct {
	const char *db, *key, *origin;
	int pass, all, strict, quiet;
	long batch, every;
	int64_t interval_ms;
	const char *sync;
	char **types;
	int ntypes;
} ap;

static int
audited(const fx_line *ln, char *type, size_t typelen)
{
	size_t n;
	const char *t = fx_record_peek_type(ln->text, ln->len, &n);
	int i;

	if (t == NULL) {
		/* not a line FLUXEON wrote: parse to know */
		char err[64];
		const char *ty;
		jv r = fx_json_parse_record(ln->text, ln->len, &ty, err,
		    sizeof err);

		if (!jv_is_valid(r)) {
			jv_free(r);
			return -1;
		}
		snprintf(type, typelen, "%s", ty);
		jv_free(r);
	} else
		snprintf(type, typelen, "%.*s", (int)n, t);
	if (ap.all)
		return 1;
	for (i = 0; i < ap.ntypes; i++)
		if (strcmp(type, ap.types[i]) == 0)
			return 1;
	if (ap.ntypes == 0)
		for (i = 0; default_types[i] != NULL; i++)
			if (strcmp(type, default_types[i]) == 0)
				return 1;
	/* a features record marked for audit: "audit": true at its top */
	if (strcmp(type, "features") == 0) {
		fx_jfield f = { "audit", 0, NULL, 0 };

		if (fx_json_scan(ln->text, ln->len, &f, 1) == 1)
			return f.kind == FX_JS_TRUE;
		else {
			char err[64];
			const char *ty;
			jv r = fx_json_parse_record(ln->text, ln->len, &ty,
			    err, sizeof err);
			int on = 0;

			if (jv_is_valid(r) && fx_json_bool(r, "audit", &on) != 1)
				on = 0;
			jv_free(r);
			return on;
		}
	}
	return 0;
}

static int
cmd_append(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'A' },
		{ "batch", required_argument, NULL, 'b' },
		{ "db", required_argument, NULL, 'd' },
		{ "enc-key", required_argument, NULL, 'E' },
		{ "encrypt", required_argument, NULL, 'C' },
		{ "every", required_argument, NULL, 'e' },
		{ "interval", required_argument, NULL, 'i' },
		{ "key", required_argument, NULL, 'k' },
		{ "origin", required_argument, NULL, 'O' },
		{ "pass", no_argument, NULL, 'p' },
		{ "strict", no_argument, NULL, 'S' },
		{ "sync", required_argument, NULL, 's' },
		{ "types", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	store s;
	fx_note_signer *signer = NULL;
	fx_writer *out = NULL;
	fx_buf held = FX_BUF_INIT;
	unsigned long long n_in = 0, n_app = 0, n_skip = 0, n_rej = 0;
	uint64_t first;
	fx_time last_cp;
	long in_batch = 0;
	int in_txn = 0;
	char err[512], *end, pragma[64];
	const char *enc_path = NULL, *enc_list = "payload";
	char **members = NULL;
	int nmembers = 0;
	enc_key ek;
	long lv;
	int ch, i, status = 0;

	ap.batch = 10000;
	ap.every = 10000;
	ap.interval_ms = 60000;
	ap.sync = "normal";
	while ((ch = getopt_long(argc, argv, "hq", longopts, NULL)) != -1)
		switch (ch) {
		case 'A': ap.all = 1; break;
		case 'b':
		case 'e':
			errno = 0;
			lv = strtol(optarg, &end, 10);
			i = lv >= 1 && lv <= 10000000 ? (int)lv : 0;
			if (*end != '\0' || errno != 0 || i < 1)
				fx_die(FX_EXIT_USAGE, "--%s: want a whole number "
				    "from 1 to 10000000, not '%s'", ch == 'b' ?
				    "batch" : "every", fx_quote(optarg,
				    strlen(optarg)));
			if (ch == 'b')
				ap.batch = i;
			else
				ap.every = i;
			break;
		case 'C': enc_list = optarg; break;
		case 'd': ap.db = optarg; break;
		case 'E': enc_path = optarg; break;
		case 'h': usage(0); break;
		case 'i': ap.interval_ms = fx_opt_duration("--interval", optarg);
			break;
		case 'k': ap.key = optarg; break;
		case 'O': ap.origin = optarg; break;
		case 'p': ap.pass = 1; break;
		case 'q': ap.quiet = 1; break;
		case 'S': ap.strict = 1; break;
		case 's':
			if (strcmp(optarg, "off") != 0 &&
			    strcmp(optarg, "normal") != 0 &&
			    strcmp(optarg, "full") != 0)
				fx_die(FX_EXIT_USAGE, "--sync: want off, normal "
				    "or full, not '%s'", fx_quote(optarg,
				    strlen(optarg)));
			ap.sync = optarg;
			break;
		case 't': {
			char *copy = fx_xstrdup(optarg), *tok, *save = NULL;

			for (tok = strtok_r(copy, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				ap.types = fx_xrealloc(ap.types,
				    (unsigned long)(ap.ntypes + 1) *
				    sizeof *ap.types);
				ap.types[ap.ntypes++] = fx_xstrdup(tok);
			}
			free(copy);
			break;
		}
		default: usage(FX_EXIT_USAGE);
		}
	argc -= optind;
	argv += optind;
	if (ap.db == NULL) {
		fx_error("append: --db is required");
		usage(FX_EXIT_USAGE);
	}
	if (ap.key != NULL && (signer = fx_note_signer_load(ap.key, err,
	    sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s", err);
	if (signer == NULL && !ap.quiet)
		fx_warn("no --key: entries are appended but no checkpoint is "
		    "signed");
	if (enc_path != NULL) {
		char *copy = fx_xstrdup(enc_list), *tok, *save = NULL;

		if (enc_key_load(enc_path, &ek, err, sizeof err) != 0)
			fx_die(FX_EXIT_USAGE, "%s", err);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (enc_member_ok(tok, err, sizeof err) != 0)
				fx_die(FX_EXIT_USAGE, "--encrypt: %s", err);
			members = fx_xrealloc(members, (unsigned long)(nmembers +
			    1) * sizeof *members);
			members[nmembers++] = fx_xstrdup(tok);
		}
		free(copy);
		if (nmembers == 0)
			fx_die(FX_EXIT_USAGE, "--encrypt: no member named");
	} else if (strcmp(enc_list, "payload") != 0)
		fx_die(FX_EXIT_USAGE, "--encrypt needs --enc-key");
	store_open(&s, ap.db, 1, ap.origin != NULL ? ap.origin :
	    signer != NULL ? fx_note_signer_name(signer) : NULL);
	if (enc_path != NULL) {
		s.enc = &ek;
		s.enc_members = members;
		s.nenc = nmembers;
	}
	if (signer != NULL)
		check_key(&s, signer);
	snprintf(pragma, sizeof pragma, "PRAGMA synchronous=%s", ap.sync);
	if (store_exec(&s, pragma) != 0)
		exit(FX_EXIT_FAIL);
	first = s.size;
	last_cp = fx_time_now();
	if (ap.pass)
		out = fx_writer_new(1, 0);
	/* a transaction is open only while a batch is being written, so
	 * checkpoint, export and prune can run beside an idle append */
	for (i = 0; i < (argc ? argc : 1); i++) {
		fx_reader *r = fx_reader_open(argc ? argv[i] : "-", 0);
		fx_line ln;
		int rc;

		if (r == NULL)
			exit(FX_EXIT_FAIL);
		while ((rc = fx_reader_next(r, &ln)) != FX_LINE_EOF) {
			char type[64];
			int a;

			if (rc == FX_LINE_TOOLONG) {
				n_in++;
				n_rej++;
				fx_error_at(fx_reader_name(r), ln.lineno,
				    "line too long");
				goto maybe_strict;
			}
			if (ln.len == 0)
				continue;
			n_in++;
			a = audited(&ln, type, sizeof type);
			if (a == 1 && !in_txn) {
				store_begin(&s);
				in_txn = 1;
			}
			if (a < 0 || (a == 1 && store_append(&s, ln.text,
			    ln.len, fx_time_now(), err, sizeof err) != 0)) {
				n_rej++;
				if (a < 0) {
					char why[256];
					const char *ty;
					jv bad = fx_json_parse_record(ln.text,
					    ln.len, &ty, why, sizeof why);

					jv_free(bad);
					fx_error_at(fx_reader_name(r),
					    ln.lineno, "%s", why);
				} else
					fx_error_at(fx_reader_name(r),
					    ln.lineno, "%s", err);
				goto maybe_strict;
			}
			if (a == 1)
				n_app++;
			else
				n_skip++;
			if (ap.pass) {
				/* byte for byte, its terminator too */
				fx_buf_put(&held, ln.text, ln.len);
				fx_buf_puts(&held, *ln.term != '\0' ? ln.term :
				    "\n");
			}
			in_batch++;
		maybe_strict:
			if (n_rej > 0 && ap.strict) {
				status = FX_EXIT_FAIL;
				break;
			}
			if (in_batch >= ap.batch || (in_batch > 0 &&
			    !fx_reader_ready(r))) {
				fx_time now = fx_time_now();

				if (in_txn && signer != NULL &&
				    (s.size - s.last_checkpoint >=
				    (uint64_t)ap.every ||
				    now - last_cp >= ap.interval_ms) &&
				    s.size > s.last_checkpoint) {
					if (store_checkpoint(&s, signer, now,
					    err, sizeof err) != 0)
						fx_die(FX_EXIT_FAIL, "%s: "
						    "checkpoint: %s", ap.db,
						    err);
					last_cp = now;
				}
				if (in_txn) {
					store_save_frontier(&s);
					if (store_exec(&s, "COMMIT") != 0)
						exit(FX_EXIT_FAIL);
					in_txn = 0;
				}
				if (ap.pass) {
					fx_writer_put(out, held.data, held.len);
					held.len = 0;
					if (!fx_reader_ready(r))
						fx_writer_flush(out);
				}
				in_batch = 0;
			}
		}
		fx_reader_close(r);
		if (status != 0)
			break;
	}
	if (!in_txn)
		store_begin(&s);
	if (signer != NULL && status == 0 && s.size > s.last_checkpoint &&
	    store_checkpoint(&s, signer, fx_time_now(), err, sizeof err) != 0)
		fx_die(FX_EXIT_FAIL, "%s: checkpoint: %s", ap.db, err);
	store_save_frontier(&s);
	if (store_exec(&s, "COMMIT") != 0)
		exit(FX_EXIT_FAIL);
	if (ap.pass) {
		fx_writer_put(out, held.data, held.len);
		if (fx_writer_close(out) != 0)
			status = FX_EXIT_FAIL;
	}
	if (!ap.quiet)
		fprintf(stderr, "%s: append: %llu records in, %llu appended "
		    "(entries %llu to %llu), %llu not audited, %llu rejected; "
		    "checkpoint at %llu\n", PROG, n_in, n_app,
		    (unsigned long long)first, (unsigned long long)s.size,
		    n_skip, n_rej, (unsigned long long)s.last_checkpoint);
	if (n_in != n_app + n_skip + n_rej) {
		fx_error("internal error: %llu records in, %llu accounted for",
		    n_in, n_app + n_skip + n_rej);
		status = FX_EXIT_FAIL;
	}
	fx_buf_free(&held);
	fx_note_signer_free(signer);
	store_close(&s);
	OPENSSL_cleanse(&ek, sizeof ek);
	return status;
}

/* ---- checkpoint, keygen ---- */

/* A store's checkpoints are all signed by one key: the first one's. */
static void
check_key(store *s, fx_note_signer *signer)
{
	sqlite3_stmt *st;
	char *mine = fx_note_signer_vkey(signer);

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
	    "'vkey'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), mine) != 0)
		fx_die(FX_EXIT_USAGE, "%s: its checkpoints are signed by %s, "
		    "not by this key (%s)", s->path,
		    (const char *)sqlite3_column_text(st, 0), mine);
	sqlite3_finalize(st);
	free(mine);
}

static int
cmd_checkpoint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *key = NULL;
	fx_note_signer *signer;
	char err[512];
	store s;
	sqlite3_stmt *st;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'd': db = optarg; break;
		case 'k': key = optarg; break;
		case 'h': usage(0); break;
		default: usage(FX_EXIT_USAGE);
		}
	if (db == NULL || key == NULL) {
		fx_error("checkpoint: --db and --key are required");
		usage(FX_EXIT_USAGE);
	}
	if ((signer = fx_note_signer_load(key, err, sizeof err)) == NULL)
		fx_die(FX_EXIT_USAGE, "%s", err);
	store_open(&s, db, 0, NULL);
	check_key(&s, signer);
	store_begin(&s);
	if (store_checkpoint(&s, signer, fx_time_now(), err, sizeof err) != 0 ||
	    store_exec(&s, "COMMIT") != 0)
		fx_die(FX_EXIT_FAIL, "%s: checkpoint: %s", db, err);
	if (sqlite3_prepare_v2(s.db, "SELECT note FROM checkpoints ORDER BY "
	    "size DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		fputs((const char *)sqlite3_column_text(st, 0), stdout);
	sqlite3_finalize(st);
	fx_note_signer_free(signer);
	store_close(&s);
	if (fflush(stdout) != 0 || ferror(stdout))
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	return 0;
}

static int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "encryption", no_argument, NULL, 'E' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *prefix = NULL;
	char *skey = NULL, *vkey = NULL, *path, err[512];
	FILE *f;
	int ch, aes = 0;

	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1)
		switch (ch) {
		case 'E': aes = 1; break;
		case 'n': name = optarg; break;
		case 'o': prefix = optarg; break;
		case 'h': usage(0); break;
		default: usage(FX_EXIT_USAGE);
		}
	if (aes) {
		if (prefix == NULL || name != NULL) {
			fx_error("keygen --encryption: -o is required, --name "
			    "is not for it");
			usage(FX_EXIT_USAGE);
		}
		if (enc_key_generate(prefix, err, sizeof err) != 0)
			fx_die(FX_EXIT_FAIL, "%s", err);
		return 0;
	}
	if (name == NULL || prefix == NULL) {
		fx_error("keygen: --name and -o are required");
		usage(FX_EXIT_USAGE);
	}
	if (fx_note_keygen(name, &skey, &vkey, err, sizeof err) != 0)
		fx_die(FX_EXIT_USAGE, "keygen: %s", err);
	path = fx_xmalloc(strlen(prefix) + 5);
	sprintf(path, "%s.pub", prefix);
	if (access(path, F_OK) == 0)
		fx_die(FX_EXIT_FAIL, "%s: exists; not overwriting a key",
		    path);
	sprintf(path, "%s.key", prefix);
	if (fx_note_key_write(path, skey, err, sizeof err) != 0)
		fx_die(FX_EXIT_FAIL, "%s", err);
	sprintf(path, "%s.pub", prefix);
	if ((f = fopen(path, "wx")) == NULL || fprintf(f, "%s\n", vkey) < 0 ||
	    fclose(f) != 0)
		fx_die(FX_EXIT_FAIL, "%s: %s", path, strerror(errno));
	printf("%s\n", vkey);
	free(path);
	fx_note_key_free(skey);
	free(vkey);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	fx_err_init(PROG);
	if (argc < 2)
		usage(FX_EXIT_USAGE);
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		usage(0);
	argv++;
	argc--;
	argv[0] = "fx-audit";	/* getopt's messages name the program */
	if (strcmp(cmd, "append") == 0)
		return cmd_append(argc, argv);
	if (strcmp(cmd, "checkpoint") == 0)
		return cmd_checkpoint(argc, argv);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc, argv);
	if (strcmp(cmd, "prove") == 0)
		return cmd_prove(argc, argv);
	if (strcmp(cmd, "verify-proof") == 0)
		return cmd_verify_proof(argc, argv);
	if (strcmp(cmd, "query") == 0)
		return cmd_query(argc, argv);
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(argc, argv);
	if (strcmp(cmd, "prune") == 0)
		return cmd_prune(argc, argv);
	if (strcmp(cmd, "obp") == 0)
		return cmd_obp(argc, argv);
	fx_error("unknown command '%s'", fx_quote(cmd, strlen(cmd)));
	usage(FX_EXIT_USAGE);
	return FX_EXIT_USAGE;
}
