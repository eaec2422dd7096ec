/*
 * test_audit - fx-audit's derivation of an entry's index columns: the fast
 * scan (derive) and the libjq path (derive_jv) give the same fields on
 * every record, and the fields are the ones the record names.
 */
#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "tap.h"
#include "audit.h"

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same_fields(const struct fields *a, const struct fields *b)
{
	int i;

	if (strcmp(a->type, b->type) != 0 || a->ts != b->ts ||
	    !same_str(a->feeder_id, b->feeder_id) ||
	    !same_str(a->obp_id, b->obp_id) ||
	    !same_str(a->event_id, b->event_id) ||
	    !same_str(a->plan_id, b->plan_id) ||
	    !same_str(a->order_id, b->order_id) ||
	    !same_str(a->aggregator_id, b->aggregator_id) ||
	    !same_str(a->transaction_id, b->transaction_id) ||
	    a->nders != b->nders)
		return 0;
	for (i = 0; i < a->nders; i++)
		if (strcmp(a->ders[i], b->ders[i]) != 0)
			return 0;
	return 1;
}

static const char *const recs[] = {
	"{\"type\":\"state_change\",\"event_id\":\"F1@t#1\",\"feeder_id\":\"F1\","
	    "\"timestamp\":\"2025-01-01T00:15:00Z\",\"new_state\":2}",
	"{\"type\":\"plan\",\"plan_id\":\"p1\",\"feeder_id\":\"F1\","
	    "\"issued_at\":\"2025-01-01T00:15:00Z\",\"activations\":["
	    "{\"der_id\":\"did:a\",\"kw\":5},{\"der_id\":\"did:b\"},"
	    "{\"der_id\":\"did:a\"},{\"kw\":3},7,\"did:x\",{\"der_id\":9}]}",
	"{\"type\":\"order\",\"obp_id\":\"OBP-1\",\"order_id\":\"o1\","
	    "\"aggregator_id\":\"agg\",\"transaction_id\":\"tx\","
	    "\"der_id\":\"did:c\",\"der_ids\":[\"did:d\",\"did:c\",3,null,"
	    "\"did:e\"],\"created_at\":\"2025-02-03T04:05:06.5+01:00\"}",
	"{\"type\":\"catalog\",\"received_at\":\"bad\",\"created_at\":"
	    "\"2025-02-03T04:05:06Z\",\"ders\":[{\"der_id\":\"did:f\","
	    "\"nested\":{\"der_id\":\"no\"}}],\"der_ids\":{\"a\":1}}",
	"{\"type\":\"control\",\"activations\":[],\"ders\":[[],{}],"
	    "\"der_ids\":[]}",
	"{\"type\":\"x\",\"der_ids\":[\"a\"],\"der_ids\":[\"b\"]}",
	"{\"type\":\"x\",\"timestamp\":17,\"slice_start\":\"2025-06-01T00:00:00Z\"}",
	" { \"type\" : \"x\" , \"der_ids\" : [ \"a\" , \"b\" ] , "
	    "\"activations\" : [ { \"der_id\" : \"c\" } ] } ",
};

int
main(void)
{
	size_t i;
	char err[256];

	for (i = 0; i < sizeof recs / sizeof *recs; i++) {
		struct fields a, b;
		int ra = derive(recs[i], strlen(recs[i]), &a, err, sizeof err);
		int rb = derive_jv(recs[i], strlen(recs[i]), &b, err,
		    sizeof err);

		ok(ra == 0 && rb == 0 && same_fields(&a, &b),
		    "record %zu: the scan and libjq derive the same", i);
		fields_free(&a);
		fields_free(&b);
	}

	/* what the plan and order records name */
	{
		struct fields f;

		derive(recs[1], strlen(recs[1]), &f, err, sizeof err);
		ok(f.nders == 2 && strcmp(f.ders[0], "did:a") == 0 &&
		    strcmp(f.ders[1], "did:b") == 0,
		    "plan: each activation's der_id, once");
		fields_free(&f);
		derive(recs[2], strlen(recs[2]), &f, err, sizeof err);
		ok(f.nders == 3 && strcmp(f.ders[0], "did:c") == 0 &&
		    strcmp(f.ders[1], "did:d") == 0 &&
		    strcmp(f.ders[2], "did:e") == 0,
		    "order: der_id, then der_ids' strings, once each");
		ok(f.ts == 1738551906500LL,
		    "order: created_at read, offset applied");
		fields_free(&f);
		derive(recs[5], strlen(recs[5]), &f, err, sizeof err);
		ok(f.nders == 1 && strcmp(f.ders[0], "b") == 0,
		    "a later duplicate member wins");
		fields_free(&f);
	}

	/* escapes take the libjq path and mean the same */
	{
		const char *esc = "{\"type\":\"order\",\"der_ids\":[\"did:\\u0061\"],"
		    "\"feeder_id\":\"F\\u00e9\"}";
		struct fields f;

		ok(derive(esc, strlen(esc), &f, err, sizeof err) == 0 &&
		    f.nders == 1 && strcmp(f.ders[0], "did:a") == 0 &&
		    strcmp(f.feeder_id, "F\xc3\xa9") == 0,
		    "escaped strings decoded");
		fields_free(&f);
	}

	/* not a record */
	{
		static const char *const bad[] = { "[1]", "{\"type\":1}", "{",
		    "{\"type\":\"x\",\"der_ids\":[\"a\",]}", "" };
		struct fields f;

		for (i = 0; i < sizeof bad / sizeof *bad; i++) {
			int r = derive(bad[i], strlen(bad[i]), &f, err,
			    sizeof err);

			ok(r == -1 && err[0] != '\0', "rejected: '%s' (%s)",
			    bad[i], err);
			if (r == 0)
				fields_free(&f);
		}
	}
	/* encryption: the named members become envelopes, the rest stays
	 * byte for byte, and decrypting gives the line back */
	{
		static const char *const lines[] = {
			"{\"type\":\"beckn\",\"payload\":{\"a\":\"}]\\\"{\",\"b\":[1,{\"c\":null}]},\"x\":1}",
			" { \"payload\" : \"s\\u00e9\" , \"p\\u0061yload\" :[ ] ,\"price\":-1.5e3 } ",
			"{\"type\":\"x\",\"payload\":true,\"price\":{},\"payload\":null}",
			"{\"type\":\"x\"}",
		};
		static const int want[] = { 1, 3, 3, 0 };
		char *members[] = { "payload", "price" };
		enc_key k, other;
		fx_buf enc = FX_BUF_INIT, dec = FX_BUF_INIT;

		memset(k.key, 7, sizeof k.key);
		strcpy(k.kid, "07070707");
		other = k;
		other.key[0] ^= 1;
		for (i = 0; i < sizeof lines / sizeof *lines; i++) {
			size_t len = strlen(lines[i]);
			int ne = enc_record(&k, "o", 5, lines[i], len, members, 2,
			    &enc);
			jv v = jv_parse_sized(enc.data, (int)enc.len);
			int nd = dec_record(&k, "o", 5, enc.data, enc.len, &dec,
			    err, sizeof err);

			ok(ne == want[i] && jv_is_valid(v) && nd == ne &&
			    dec.len == len && memcmp(dec.data, lines[i], len) == 0,
			    "encrypt line %zu: %d members, valid JSON, back byte "
			    "for byte", i, ne);
			jv_free(v);
			if (ne > 0) {
				ok(dec_record(&k, "o", 6, enc.data, enc.len, &dec,
				    err, sizeof err) == -1 &&
				    strstr(err, "does not authenticate") != NULL,
				    "line %zu: another entry's number fails", i);
				ok(dec_record(&k, "p", 5, enc.data, enc.len, &dec,
				    err, sizeof err) == -1,
				    "line %zu: another origin fails", i);
				ok(dec_record(&other, "o", 5, enc.data, enc.len,
				    &dec, err, sizeof err) == -1,
				    "line %zu: another key fails", i);
			}
		}
		ok(enc_member_ok("payload", err, sizeof err) == 0 &&
		    enc_member_ok("feeder_id", err, sizeof err) == -1 &&
		    enc_member_ok("", err, sizeof err) == -1,
		    "index members may not be encrypted");
		fx_buf_free(&enc);
		fx_buf_free(&dec);
	}
	return done();
}
