/*
 * export.c - export (nightly extracts ending with the checkpoint that
 * covers them), prune (retention) and obp (the settlement evidence of one
 * OBP ID, assembled from its entries).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "b64.h"
#include "err.h"
#include "json.h"
#include "note.h"


static fx_time
time_arg(const char *what, const char *s)
{
	const char *why;
	fx_time t;

	if (fx_time_parse_rfc3339(s, strlen(s), &t, &why) != 0)
		fx_die(FX_EXIT_USAGE, "%s: %s '%s'", what, why,
		    fx_quote(s, strlen(s)));
	return t;
}

static void
csv_field(fx_buf *b, const char *s, size_t n)
{
	size_t i;

	fx_buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			fx_buf_putc(b, '"');
		fx_buf_putc(b, s[i]);
	}
	fx_buf_putc(b, '"');
}

static void
csv_col(fx_buf *b, sqlite3_stmt *st, int col)
{
	fx_buf_putc(b, ',');
	if (sqlite3_column_type(st, col) != SQLITE_NULL)
		csv_field(b, (const char *)sqlite3_column_text(st, col),
		    (size_t)sqlite3_column_bytes(st, col));
}

int
cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *key = NULL;
	int csv = 0, ch;
	fx_time from = INT64_MIN, to = INT64_MAX;
	store s;
	sqlite3_stmt *st, *cs;
	fx_buf b = FX_BUF_INIT;
	long long last = -1, n = 0;
	char err[512];

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'd': path = optarg; break;
		case 'F':
			if (strcmp(optarg, "csv") == 0)
				csv = 1;
			else if (strcmp(optarg, "ndjson") != 0)
				fx_die(FX_EXIT_USAGE, "--format: want csv or "
				    "ndjson, not '%s'", fx_quote(optarg,
				    strlen(optarg)));
			break;
		case 'f': from = time_arg("--from", optarg); break;
		case 'k': key = optarg; break;
		case 't': to = time_arg("--to", optarg); break;
		case 'h': usage(0); break;
		default:
			fx_error("usage: fx-audit export --db file [--format "
			    "csv|ndjson] [--from time] [--to time] [--key "
			    "file]");
			exit(FX_EXIT_USAGE);
		}
	if (path == NULL)
		fx_die(FX_EXIT_USAGE, "export: --db is required");
	store_open(&s, path, 0, NULL);
	if (key != NULL) {
		fx_note_signer *sg = fx_note_signer_load(key, err, sizeof err);

		if (sg == NULL)
			fx_die(FX_EXIT_USAGE, "%s", err);
		if (s.size > s.last_checkpoint && (store_exec(&s, "BEGIN") != 0
		    || store_checkpoint(&s, sg, fx_time_now(), err, sizeof err) != 0
		    || store_exec(&s, "COMMIT") != 0))
			fx_die(FX_EXIT_FAIL, "%s: checkpoint: %s", path, err);
		fx_note_signer_free(sg);
	}
	if (sqlite3_prepare_v2(s.db, "SELECT seq, body, appended_at, type, ts,"
	    " feeder_id, obp_id, event_id, plan_id, order_id, aggregator_id,"
	    " leaf FROM entries WHERE COALESCE(ts, appended_at) >= ? AND"
	    " COALESCE(ts, appended_at) < ? ORDER BY seq", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s.db, "SELECT size, root, note FROM checkpoints"
	    " ORDER BY size DESC LIMIT 1", -1, &cs, NULL) != SQLITE_OK)
		fx_die(FX_EXIT_FAIL, "%s: %s", path, sqlite3_errmsg(s.db));
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	{
		/* the covering checkpoint exists, before anything is written */
		sqlite3_stmt *mx;
		long long hi = -1;

		if (sqlite3_prepare_v2(s.db, "SELECT MAX(seq) FROM entries "
		    "WHERE COALESCE(ts, appended_at) >= ? AND "
		    "COALESCE(ts, appended_at) < ?", -1, &mx, NULL) !=
		    SQLITE_OK)
			fx_die(FX_EXIT_FAIL, "%s: %s", path,
			    sqlite3_errmsg(s.db));
		sqlite3_bind_int64(mx, 1, from);
		sqlite3_bind_int64(mx, 2, to);
		if (sqlite3_step(mx) == SQLITE_ROW &&
		    sqlite3_column_type(mx, 0) != SQLITE_NULL)
			hi = sqlite3_column_int64(mx, 0);
		sqlite3_finalize(mx);
		if ((long long)s.last_checkpoint <= hi)
			fx_die(FX_EXIT_FAIL, "%s: no checkpoint covers entry "
			    "%lld yet: give --key (or run fx-audit checkpoint)",
			    path, hi);
	}
	if (csv)
		fx_buf_puts(&b, "seq,appended_at,type,ts,feeder_id,obp_id,"
		    "event_id,plan_id,order_id,aggregator_id,leaf_hash,entry\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		char hex[65], t[FX_TIME_MAX_TEXT];
		int c;

		last = sqlite3_column_int64(st, 0);
		n++;
		fx_merkle_hex(sqlite3_column_blob(st, 11), hex);
		if (!csv) {
			if (body == NULL) {
				fx_buf_puts(&b, "{\"seq\":");
				fx_buf_int(&b, last);
				fx_buf_puts(&b, ",\"pruned\":true,\"leaf_hash\":\"");
				fx_buf_puts(&b, hex);
				fx_buf_puts(&b, "\"}");
			} else
				fx_buf_put(&b, body, len);
			fx_buf_putc(&b, '\n');
		} else {
			fx_buf_int(&b, last);
			fx_time_format(sqlite3_column_int64(st, 2), t);
			fx_buf_putc(&b, ',');
			fx_buf_puts(&b, t);
			csv_col(&b, st, 3);
			fx_buf_putc(&b, ',');
			if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
				fx_time_format(sqlite3_column_int64(st, 4), t);
				fx_buf_puts(&b, t);
			}
			for (c = 5; c <= 10; c++)
				csv_col(&b, st, c);
			fx_buf_putc(&b, ',');
			fx_buf_puts(&b, hex);
			fx_buf_putc(&b, ',');
			if (body != NULL)
				csv_field(&b, body, len);
			fx_buf_putc(&b, '\n');
		}
		if (b.len > 65536) {
			fwrite(b.data, 1, b.len, stdout);
			b.len = 0;
		}
	}
	if (sqlite3_step(cs) != SQLITE_ROW ||
	    sqlite3_column_int64(cs, 0) <= last)
		fx_die(FX_EXIT_FAIL, "%s: no checkpoint covers entry %lld yet: "
		    "give --key (or run fx-audit checkpoint)", path, last);
	{
		char root[64];
		const char *note = (const char *)sqlite3_column_text(cs, 2);

		fx_b64_encode(sqlite3_column_blob(cs, 1), 32, root);
		if (!csv) {
			fx_buf_puts(&b, "{\"type\":\"checkpoint\",\"origin\":");
			fx_buf_jstr(&b, s.origin, strlen(s.origin));
			fx_buf_puts(&b, ",\"size\":");
			fx_buf_int(&b, sqlite3_column_int64(cs, 0));
			fx_buf_puts(&b, ",\"root\":\"");
			fx_buf_puts(&b, root);
			fx_buf_puts(&b, "\",\"entries\":");
			fx_buf_int(&b, n);
			fx_buf_puts(&b, ",\"note\":");
			fx_buf_jstr(&b, note, strlen(note));
			fx_buf_puts(&b, "}\n");
		} else {
			fx_buf_puts(&b, ",,checkpoint,,,,,,,,");
			fx_buf_puts(&b, root);
			fx_buf_putc(&b, ',');
			csv_field(&b, note, strlen(note));
			fx_buf_putc(&b, '\n');
		}
	}
	fwrite(b.data, 1, b.len, stdout);
	fx_buf_free(&b);
	sqlite3_finalize(st);
	sqlite3_finalize(cs);
	store_close(&s);
	if (fflush(stdout) != 0 || ferror(stdout))
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	return 0;
}

int
cmd_prune(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "before", required_argument, NULL, 'b' },
		{ "db", required_argument, NULL, 'd' },
		{ "retention", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL;
	fx_time before = INT64_MIN;
	int64_t keep = 7 * 36525LL * FX_MS_PER_DAY / 100;	/* 7 years */
	store s;
	sqlite3_stmt *st;
	char *end;
	int ch;
	double days;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'b': before = time_arg("--before", optarg); break;
		case 'd': path = optarg; break;
		case 'r':
			errno = 0;
			days = strtod(optarg, &end);
			if (end == optarg || strcmp(end, "d") != 0 ||
			    errno != 0 || !(days >= 1 && days <= 1e6))
				fx_die(FX_EXIT_USAGE, "--retention: want days "
				    "such as 2557d, not '%s'",
				    fx_quote(optarg, strlen(optarg)));
			keep = (int64_t)(days * FX_MS_PER_DAY);
			break;
		case 'h': usage(0); break;
		default:
			fx_error("usage: fx-audit prune --db file [--before "
			    "time | --retention days]");
			exit(FX_EXIT_USAGE);
		}
	if (path == NULL)
		fx_die(FX_EXIT_USAGE, "prune: --db is required");
	if (before == INT64_MIN)
		before = fx_time_now() - keep;
	store_open(&s, path, 0, NULL);
	if (before > fx_time_now())
		fx_die(FX_EXIT_USAGE, "prune: --before is in the future: "
		    "retention keeps what has not expired");
	if (store_exec(&s, "PRAGMA secure_delete=ON") != 0)
		exit(FX_EXIT_FAIL);
	if (sqlite3_prepare_v2(s.db, "UPDATE entries SET body = NULL WHERE "
	    "appended_at < ? AND body IS NOT NULL", -1, &st, NULL) !=
	    SQLITE_OK)
		fx_die(FX_EXIT_FAIL, "%s: %s", path, sqlite3_errmsg(s.db));
	sqlite3_bind_int64(st, 1, before);
	if (sqlite3_step(st) != SQLITE_DONE)
		fx_die(FX_EXIT_FAIL, "%s: %s", path, sqlite3_errmsg(s.db));
	{
		char t[FX_TIME_MAX_TEXT];

		fx_time_format(before, t);
		fprintf(stderr, "%s: prune: %d entry bodies appended before %s "
		    "removed; their leaf hashes stay, so the log still "
		    "verifies\n", PROG, sqlite3_changes(s.db), t);
	}
	sqlite3_finalize(st);
	store_close(&s);
	return 0;
}

/* ---- obp ---- */

/* UK settlement: date and 30-minute period (1..46/48/50) of instant t,
 * counted in elapsed half hours from local midnight (Europe/London). */
static int
settlement(fx_tz *tz, fx_time t, char date[11])
{
	fx_time local = t + (fx_time)fx_tz_offset(tz, t) * 1000, mid[2];
	int64_t day = local >= 0 ? local / FX_MS_PER_DAY :
	    -((-local - 1) / FX_MS_PER_DAY) - 1;
	int64_t y;
	unsigned m, d;

	fx_civil_from_days(day, &y, &m, &d);
	snprintf(date, 11, "%04lld-%02u-%02u", (long long)y, m, d);
	if (fx_tz_resolve(tz, day * FX_MS_PER_DAY, mid) < 1)
		return -1;
	return (int)((t - mid[0]) / (30 * 60000)) + 1;
}

int
cmd_obp(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *id = NULL;
	store s;
	sqlite3_stmt *st;
	fx_buf b = FX_BUF_INIT, seqs = FX_BUF_INIT;
	jv orders = jv_array(), snapshot_c = jv_null(), snapshot_o = jv_null();
	jv ders = jv_array(), order_ids = jv_array(), ts = jv_object();
	jv last = jv_null(), evidence = jv_array();
	fx_tz *tz;
	char err[256];
	int ch, n = 0;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		switch (ch) {
		case 'd': path = optarg; break;
		case 'i': id = optarg; break;
		case 'h': usage(0); break;
		default:
			fx_error("usage: fx-audit obp --db file --id obp_id");
			exit(FX_EXIT_USAGE);
		}
	if (path == NULL || id == NULL)
		fx_die(FX_EXIT_USAGE, "obp: --db and --id are required");
	if ((tz = fx_tz_open("Europe/London", err, sizeof err)) == NULL)
		fx_die(FX_EXIT_FAIL, "Europe/London: %s", err);
	store_open(&s, path, 0, NULL);
	/* the orders of the OBP ID, and what they came from */
	/* four indexed lookups, not one scan */
	if (sqlite3_prepare_v2(s.db, "SELECT seq, body FROM entries WHERE "
	    "obp_id = ?1 UNION SELECT seq, body FROM entries WHERE plan_id IN "
	    "(SELECT plan_id FROM entries WHERE obp_id = ?1) UNION SELECT seq, "
	    "body FROM entries WHERE event_id IN (SELECT event_id FROM entries "
	    "WHERE obp_id = ?1) UNION SELECT seq, body FROM entries WHERE "
	    "transaction_id IN (SELECT transaction_id FROM entries WHERE "
	    "obp_id = ?1) ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		fx_die(FX_EXIT_FAIL, "%s: %s", path, sqlite3_errmsg(s.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 1);
		const char *type;
		jv e, r;

		if (body == NULL)
			continue;	/* pruned */
		e = fx_json_parse(body, strlen(body), err, sizeof err);
		r = jv_object_get(jv_copy(e), jv_string("record"));
		jv_free(e);
		if (jv_get_kind(r) != JV_KIND_OBJECT) {
			jv_free(r);
			continue;
		}
		type = fx_json_str(r, "type");
		if (type != NULL && strcmp(type, "order") == 0) {
			const char *oid = fx_json_str(r, "obp_id");

			if (oid == NULL || strcmp(oid, id) != 0) {
				jv_free(r);
				continue;	/* another OBP ID's order */
			}
		}
		if (seqs.len > 0)
			fx_buf_putc(&seqs, ',');
		fx_buf_int(&seqs, sqlite3_column_int64(st, 0));
		if (type != NULL && strcmp(type, "order") == 0) {
			jv v;

			n++;
			v = jv_object_get(jv_copy(r), jv_string("der_ids"));
			if (jv_get_kind(v) == JV_KIND_ARRAY)
				jv_array_foreach(v, i, d) {
					(void)i;
					if (!jv_contains(jv_copy(ders),
					    jv_array_append(jv_array(),
					    jv_copy(d))))
						ders = jv_array_append(ders, d);
					else
						jv_free(d);
				}
			jv_free(v);
			v = jv_object_get(jv_copy(r), jv_string("order_id"));
			if (jv_get_kind(v) == JV_KIND_STRING && !jv_contains(
			    jv_copy(order_ids), jv_array_append(jv_array(),
			    jv_copy(v))))
				order_ids = jv_array_append(order_ids, v);
			else
				jv_free(v);
			v = jv_object_get(jv_copy(r), jv_string("timestamps"));
			if (jv_get_kind(v) == JV_KIND_OBJECT)
				ts = jv_object_merge(ts, v);
			else
				jv_free(v);
			v = jv_object_get(jv_copy(r), jv_string("evidence"));
			if (jv_get_kind(v) != JV_KIND_NULL &&
			    jv_get_kind(v) != JV_KIND_INVALID)
				evidence = jv_array_append(evidence, v);
			else
				jv_free(v);
			orders = jv_array_append(orders, jv_copy(r));
			jv_free(last);
			last = jv_copy(r);
		} else if (type != NULL && strcmp(type, "state_change") == 0) {
			jv_free(snapshot_c);
			snapshot_c = jv_copy(r);
		} else if (type != NULL && strcmp(type, "plan") == 0) {
			jv_free(snapshot_o);
			snapshot_o = jv_copy(r);
		} else if (type != NULL && strcmp(type, "beckn") == 0) {
			jv sig = jv_object_get(jv_copy(r),
			    jv_string("signature"));

			if (jv_get_kind(sig) != JV_KIND_NULL &&
			    jv_get_kind(sig) != JV_KIND_INVALID)
				evidence = jv_array_append(evidence, sig);
			else
				jv_free(sig);
		}
		jv_free(r);
	}
	sqlite3_finalize(st);
	if (n == 0)
		fx_die(FX_EXIT_FAIL, "%s: no order with OBP ID '%s'", path,
		    fx_quote(id, strlen(id)));
	fx_buf_puts(&b, "{\"type\":\"obp\",\"obp_id\":");
	fx_buf_jstr(&b, id, strlen(id));
	{
		static const char *const keys[] = { "feeder_id",
		    "aggregator_id", "status", "requested_kwh",
		    "delivered_kwh", "price", "plan_id", "event_id",
		    "transaction_id" };
		size_t k;

		for (k = 0; k < sizeof keys / sizeof *keys; k++) {
			jv v = jv_object_get(jv_copy(last), jv_string(keys[k]));

			fx_buf_jkey(&b, keys[k]);
			if (jv_get_kind(v) == JV_KIND_INVALID)
				fx_buf_puts(&b, "null");
			else
				fx_buf_jv(&b, v);
			jv_free(v);
		}
	}
	fx_buf_puts(&b, ",\"der_ids\":");
	fx_buf_jv(&b, ders);
	fx_buf_puts(&b, ",\"beckn_order_ids\":");
	fx_buf_jv(&b, order_ids);
	fx_buf_puts(&b, ",\"timestamps\":");
	fx_buf_jv(&b, ts);
	{
		/* settlement from the activation (else confirmation) */
		const char *when = fx_json_str(ts, "activation");
		const char *why;
		fx_time t;
		char date[11];
		int sp;

		if (when == NULL)
			when = fx_json_str(ts, "confirmation");
		if (when != NULL && fx_time_parse_rfc3339(when, strlen(when),
		    &t, &why) == 0 && (sp = settlement(tz, t, date)) > 0) {
			fx_buf_puts(&b, ",\"settlement_date\":\"");
			fx_buf_puts(&b, date);
			fx_buf_puts(&b, "\",\"settlement_period\":");
			fx_buf_int(&b, sp);
		} else
			fx_buf_puts(&b, ",\"settlement_date\":null,"
			    "\"settlement_period\":null");
	}
	fx_buf_puts(&b, ",\"classification_snapshot\":");
	fx_buf_jv(&b, snapshot_c);
	fx_buf_puts(&b, ",\"optimization_snapshot\":");
	fx_buf_jv(&b, snapshot_o);
	fx_buf_puts(&b, ",\"crypto_evidence\":");
	fx_buf_jv(&b, evidence);
	fx_buf_puts(&b, ",\"orders\":");
	fx_buf_jv(&b, orders);
	fx_buf_puts(&b, ",\"entries\":[");
	fx_buf_put(&b, seqs.data, seqs.len);
	fx_buf_puts(&b, "],\"log\":");
	fx_buf_jstr(&b, s.origin, strlen(s.origin));
	fx_buf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	jv_free(orders);
	jv_free(snapshot_c);
	jv_free(snapshot_o);
	jv_free(ders);
	jv_free(order_ids);
	jv_free(ts);
	jv_free(last);
	jv_free(evidence);
	fx_buf_free(&b);
	fx_buf_free(&seqs);
	fx_tz_close(tz);
	store_close(&s);
	if (fflush(stdout) != 0 || ferror(stdout))
		fx_die(FX_EXIT_FAIL, "stdout: %s", strerror(errno));
	return 0;
}
