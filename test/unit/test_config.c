/*
 * test_config.c - loading and checking the configuration file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "tap.h"

static char tmpdir[] = "/tmp/fx-test-config.XXXXXX";

#ifndef FX_SAMPLES
#define FX_SAMPLES "samples"
#endif

static const char *
file_with(const char *name, const char *text)
{
	static char path[8][256];
	static int k;
	char *p = path[k = (k + 1) % 8];
	FILE *f;

	snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		fx_die(1, "cannot write %s", p);
	return p;
}

/* Loading text must fail with err containing the file name and want. */
static void
load_bad(const char *text, const char *want, const char *name)
{
	char err[512] = "";
	const char *path = file_with("bad.json", text);
	fx_config *c = fx_config_load(path, err, sizeof err);

	if (!ok(c == NULL && strncmp(err, path, strlen(path)) == 0 &&
	    err[strlen(path)] == ':' && strstr(err, want) != NULL,
	    "%s: rejected (%s)", name, err))
		printf("#   want '%s: ...%s...'\n", path, want);
	fx_config_free(c);
}

static fx_config *
load_ok(const char *text, const char *name)
{
	char err[512] = "";
	fx_config *c = fx_config_load(file_with("ok.json", text), err,
	    sizeof err);

	if (!ok(c != NULL, "%s: loads", name))
		printf("#   %s\n", err);
	return c;
}

static void
test_defaults(void)
{
	char err[256] = "";
	fx_config *c;
	jv v;

	unsetenv("FX_CONFIG");
	c = fx_config_load(NULL, err, sizeof err);
	ok(c != NULL, "no path and no FX_CONFIG: a configuration of defaults");
	if (c == NULL)
		return;
	is_str(fx_config_path(c), "(defaults)", "its path is \"(defaults)\"");
	ok(fx_config_nfeeders(c) == 0, "no feeders");
	is_num(fx_config_num(c, NULL, "limit_kw", 1000), 1000, 0,
	    "num falls back to the built-in default");
	is_num(fx_config_num(c, "F1", "limit_kw", 42), 42, 0,
	    "for any feeder");
	v = fx_config_root(c);
	ok(jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_length(jv_copy(v)) == 0, "root is {}");
	jv_free(v);
	v = fx_config_section(c, "sim");
	ok(jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_length(jv_copy(v)) == 0, "sections are {}");
	jv_free(v);
	v = fx_config_feeder(c, "F1");
	ok(jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_length(jv_copy(v)) == 0, "feeder entries are {}");
	jv_free(v);
	fx_config_free(c);

	setenv("FX_CONFIG", "", 1);
	c = fx_config_load(NULL, err, sizeof err);
	ok(c != NULL && strcmp(fx_config_path(c), "(defaults)") == 0,
	    "an empty FX_CONFIG means defaults");
	fx_config_free(c);

	setenv("FX_CONFIG", file_with("env.json",
	    "{\"defaults\":{\"limit_kw\":321}}"), 1);
	c = fx_config_load(NULL, err, sizeof err);
	ok(c != NULL && strstr(fx_config_path(c), "env.json") != NULL,
	    "FX_CONFIG names the file when there is no path");
	if (c)
		is_num(fx_config_num(c, NULL, "limit_kw", 1), 321, 0,
		    "and its values are used");
	fx_config_free(c);
	c = fx_config_load(file_with("arg.json",
	    "{\"defaults\":{\"limit_kw\":654}}"), err, sizeof err);
	ok(c != NULL && strstr(fx_config_path(c), "arg.json") != NULL &&
	    fx_config_num(c, NULL, "limit_kw", 1) == 654,
	    "a path given wins over FX_CONFIG");
	fx_config_free(c);
	setenv("FX_CONFIG", "/nonexistent/fx.json", 1);
	err[0] = '\0';
	c = fx_config_load(NULL, err, sizeof err);
	ok(c == NULL && strstr(err, "/nonexistent/fx.json") != NULL,
	    "a missing FX_CONFIG file fails (%s)", err);
	unsetenv("FX_CONFIG");
}

static void
test_sample(void)
{
	char err[512] = "";
	fx_config *c = fx_config_load(FX_SAMPLES "/fluxeon.json", err, sizeof err);
	jv sim, f;

	if (!ok(c != NULL, "the sample configuration loads"))
		printf("#   %s\n", err);
	if (c == NULL)
		return;
	ok(fx_config_nfeeders(c) == 3, "three feeders");
	is_str(fx_config_feeder_id(c, 0), "F001", "feeder 0 is F001");
	is_str(fx_config_feeder_id(c, 1), "F002", "feeder 1 is F002");
	is_str(fx_config_feeder_id(c, 2), "F003", "feeder 2 is F003");
	is_num(fx_config_num(c, "F001", "limit_kw", 1), 700, 0,
	    "F001 limit_kw from its entry");
	is_num(fx_config_num(c, "F001", "alert_ratio", 0.5), 0.80, 0,
	    "F001 alert_ratio from defaults");
	is_num(fx_config_num(c, "F999", "limit_kw", 1), 1000, 0,
	    "an unknown feeder gets defaults");
	is_num(fx_config_num(c, "F001", "nothing", 7), 7, 0,
	    "an unknown key gets the built-in default");
	sim = fx_config_section(c, "sim");
	ok(jv_get_kind(sim) == JV_KIND_OBJECT &&
	    fx_json_str(sim, "duration") &&
	    strcmp(fx_json_str(sim, "duration"), "7d") == 0,
	    "section \"sim\" holds its settings");
	jv_free(sim);
	sim = fx_config_section(c, "version");
	ok(jv_get_kind(sim) == JV_KIND_OBJECT &&
	    jv_object_length(jv_copy(sim)) == 0,
	    "a section that is not an object is {}");
	jv_free(sim);
	f = fx_config_feeder(c, "F002");
	ok(fx_json_str(f, "profile") && strcmp(fx_json_str(f, "profile"),
	    "commercial") == 0, "fx_config_feeder returns the entry");
	jv_free(f);
	fx_config_free(c);
}

static void
test_shapes(void)
{
	fx_config *c;
	jv e, root;
	size_t i;
	int inorder = 1;
	char text[2048], id[16];

	c = load_ok("{\"feeders\":[{\"id\":\"A\",\"limit_kw\":10},"
	    "{\"id\":\"B\"}]}", "feeders as an array, no defaults");
	if (c) {
		ok(fx_config_nfeeders(c) == 2, "two feeders");
		is_num(fx_config_num(c, "A", "limit_kw", 5), 10, 0, "A's own limit");
		is_num(fx_config_num(c, "B", "limit_kw", 5), 5, 0,
		    "B falls back to the built-in default");
		fx_config_free(c);
	}
	c = load_ok("{\"defaults\":{\"limit_kw\":50}}", "defaults and no feeders");
	fx_config_free(c);
	c = load_ok("{}", "an empty object");
	fx_config_free(c);
	c = load_ok("{\"defaults\":null,\"feeders\":null}", "null defaults and feeders");
	fx_config_free(c);

	/* An object keyed by id, in file order. */
	strcpy(text, "{\"defaults\":{\"limit_kw\":100,\"alert_ratio\":0.7,"
	    "\"critical_ratio\":0.9},\"feeders\":{");
	for (i = 0; i < 40; i++) {
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    "%s\"Z%02zu\":{\"limit_kw\":%zu}", i ? "," : "",
		    (i * 17) % 40, i + 1);
	}
	strcat(text, "}}");
	c = load_ok(text, "feeders as an object of 40");
	if (c) {
		ok(fx_config_nfeeders(c) == 40, "40 feeders");
		for (i = 0; i < 40; i++) {
			snprintf(id, sizeof id, "Z%02zu", (i * 17) % 40);
			inorder &= strcmp(fx_config_feeder_id(c, i), id) == 0 &&
			    fx_config_num(c, id, "limit_kw", 0) == (double)(i + 1);
		}
		ok(inorder, "ids in file order, each with its own limit");
		e = fx_config_feeder(c, "Z17");
		ok(fx_json_str(e, "id") && strcmp(fx_json_str(e, "id"), "Z17") == 0,
		    "an object entry gets its key as \"id\"");
		jv_free(e);
		is_num(fx_config_num(c, "Z17", "alert_ratio", 0), 0.7, 0,
		    "and the defaults");
		fx_config_free(c);
	}

	/* Precedence: feeder > defaults > dflt. */
	c = load_ok("{\"defaults\":{\"limit_kw\":100,\"x\":1,\"alert_ratio\":0.5},"
	    "\"feeders\":[{\"id\":\"F\",\"limit_kw\":200,\"x\":2,"
	    "\"alert_ratio\":0.6},{\"id\":\"G\"},{\"id\":\"H\",\"x\":\"text\"},"
	    "{\"id\":\"I\",\"x\":null}]}", "precedence sample");
	if (c) {
		is_num(fx_config_num(c, "F", "x", 9), 2, 0, "feeder value wins");
		is_num(fx_config_num(c, "G", "x", 9), 1, 0, "then defaults");
		is_num(fx_config_num(c, "G", "y", 9), 9, 0, "then dflt");
		is_num(fx_config_num(c, NULL, "x", 9), 1, 0, "NULL feeder: defaults");
		is_num(fx_config_num(c, NULL, "y", 9), 9, 0, "NULL feeder: dflt");
		is_num(fx_config_num(c, "nobody", "x", 9), 1, 0,
		    "unknown feeder: defaults");
		is_num(fx_config_num(c, "H", "x", 9), 1, 0,
		    "a feeder's non-number falls back to defaults");
		is_num(fx_config_num(c, "I", "x", 9), 1, 0,
		    "a feeder's null falls back to defaults");
		root = fx_config_root(c);
		e = fx_json_get(root, "feeders");
		ok(jv_get_kind(root) == JV_KIND_OBJECT &&
		    jv_get_kind(e) == JV_KIND_ARRAY, "root is the whole document");
		jv_free(e);
		jv_free(root);
		fx_config_free(c);
	}
}

static void
test_errors(void)
{
	char err[512] = "", bigerr[16];
	fx_config *c;

	load_bad("{\"feeders\":[{\"id\":\"A\"},{\"id\":\"A\"}]}",
	    "feeder 'A' is configured twice", "duplicate id");
	load_bad("{\"feeders\":[{\"limit_kw\":1}]}", "feeders[0]: no string \"id\"",
	    "missing id");
	load_bad("{\"feeders\":[{\"id\":7}]}", "no string \"id\"", "numeric id");
	load_bad("{\"feeders\":[{\"id\":\"\"}]}", "no string \"id\"", "empty id");
	load_bad("{\"feeders\":[\"A\"]}", "no string \"id\"", "a feeder that is a string");
	load_bad("{\"feeders\":{\"A\":5}}", "feeder 'A': not an object",
	    "an object feeder that is a number");
	load_bad("{\"feeders\":{\"\":{}}}", "empty id", "an object feeder with an empty key");
	load_bad("{\"feeders\":[{\"id\":\"A\",\"limit_kw\":0}]}",
	    "feeder 'A': limit_kw must be a number > 0", "limit_kw 0");
	load_bad("{\"feeders\":[{\"id\":\"A\",\"limit_kw\":-5}]}",
	    "limit_kw must be a number > 0", "limit_kw negative");
	load_bad("{\"feeders\":[{\"id\":\"A\",\"limit_kw\":\"500\"}]}",
	    "limit_kw must be a number > 0", "limit_kw a string");
	load_bad("{\"feeders\":[{\"id\":\"A\",\"limit_kw\":nan}]}",
	    "invalid JSON", "limit_kw nan (libjq 1.6 alone would read it)");
	load_bad("{\"defaults\":{\"limit_kw\":0}}",
	    "feeder 'defaults': limit_kw must be a number > 0", "defaults limit_kw 0");
	load_bad("{\"feeders\":[{\"id\":\"A\",\"alert_ratio\":0.9,"
	    "\"critical_ratio\":0.8}]}", "0 < alert_ratio <= critical_ratio",
	    "alert_ratio > critical_ratio");
	load_bad("{\"defaults\":{\"alert_ratio\":0.99}}",
	    "0 < alert_ratio <= critical_ratio",
	    "defaults alert_ratio above the built-in critical 0.95");
	load_bad("{\"defaults\":{\"critical_ratio\":0.9},\"feeders\":[{\"id\":\"A\","
	    "\"alert_ratio\":0.95}]}", "feeder 'A'",
	    "feeder alert above the defaults' critical");
	load_bad("{\"feeders\":[{\"id\":\"A\",\"alert_ratio\":0}]}",
	    "alert_ratio", "alert_ratio 0");
	load_bad("{\"feeders\":[{\"id\":\"A\",\"alert_ratio\":true}]}",
	    "alert_ratio", "alert_ratio a boolean");
	load_bad("[1,2]", "configuration must be a JSON object", "an array root");
	load_bad("\"x\"", "configuration must be a JSON object", "a string root");
	load_bad("{\"defaults\":[]}", "\"defaults\" must be an object",
	    "defaults an array");
	load_bad("{\"feeders\":\"A,B\"}", "\"feeders\" must be an array or an object",
	    "feeders a string");
	load_bad("{\"feeders\":[{\"id\":\"A\"}", "invalid JSON", "invalid JSON");
	load_bad("", "invalid JSON", "an empty file");
	load_bad("{} {}", "invalid JSON", "two documents");

	/* The whole file must not be echoed into the message. */
	{
		static char text[10000];

		memset(text, ' ', sizeof text - 1);
		text[0] = '{';
		text[sizeof text - 1] = '\0';
		c = fx_config_load(file_with("long.json", text), err, sizeof err);
		ok(c == NULL && strlen(err) < 200,
		    "a long invalid file gives a short message (%zu bytes)",
		    strlen(err));
	}

	err[0] = '\0';
	c = fx_config_load("/nonexistent/fluxeon.json", err, sizeof err);
	is_str(err, "/nonexistent/fluxeon.json: No such file or directory",
	    "a missing file: 'path: reason'");
	ok(c == NULL, "  and NULL");
	err[0] = '\0';
	c = fx_config_load(tmpdir, err, sizeof err);
	ok(c == NULL && strncmp(err, tmpdir, strlen(tmpdir)) == 0,
	    "a directory fails (%s)", err);
	c = fx_config_load("/nonexistent/fluxeon.json", bigerr, sizeof bigerr);
	ok(c == NULL && memchr(bigerr, '\0', sizeof bigerr) != NULL,
	    "a small err buffer is terminated");
	fx_config_free(NULL);
}

static void
cleanup(void)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		fx_die(1, "mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	test_defaults();
	test_sample();
	test_shapes();
	test_errors();
	return done();
}
