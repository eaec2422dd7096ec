/*
 * test_err.c - message formats, exit statuses and the x-allocators.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "tap.h"

static char errpath[] = "/tmp/fx-test-err.XXXXXX";
static int errfd, savefd;

/* Sends stderr to errpath until captured() returns what was written. */
static void
capture(void)
{
	fflush(stderr);
	savefd = dup(2);
	if (ftruncate(errfd, 0) != 0 || lseek(errfd, 0, SEEK_SET) != 0)
		abort();
	dup2(errfd, 2);
}

static const char *
captured(void)
{
	static char buf[8192];
	ssize_t n;

	fflush(stderr);
	dup2(savefd, 2);
	close(savefd);
	n = pread(errfd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Runs f in a child with stderr captured; returns its exit status. */
static int
in_child(void (*f)(void), const char **out)
{
	pid_t pid;
	int status;

	fflush(stdout);		/* the child's exit() flushes its copy */
	capture();
	pid = fork();
	if (pid == 0) {
		f();
		_exit(99);
	}
	waitpid(pid, &status, 0);
	*out = captured();
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
die_usage(void)
{
	fx_die(FX_EXIT_USAGE, "bad option '%s'", "-z");
}

static void
die_fail(void)
{
	fx_die(FX_EXIT_FAIL, "cannot write");
}

static void
oom(void)
{
	fx_xmalloc((unsigned long)-1 / 2);
}

static void
test_messages(void)
{
	char longmsg[5000];

	is_str(fx_prog, "fluxeon", "the prefix before fx_err_init is fluxeon");
	fx_err_init("/usr/local/bin/fx-detect");
	is_str(fx_prog, "fx-detect", "fx_err_init keeps the last path component");
	fx_err_init("fx-sim");
	is_str(fx_prog, "fx-sim", "a bare name is kept");

	capture();
	fx_error("cannot open '%s'", "x.csv");
	is_str(captured(), "fx-sim: cannot open 'x.csv'\n", "fx_error");
	capture();
	fx_warn("%d lines skipped", 3);
	is_str(captured(), "fx-sim: warning: 3 lines skipped\n", "fx_warn");
	capture();
	fx_error_at("telemetry.csv", 42, "load_kw: not a number '%s'", "abc");
	is_str(captured(), "fx-sim: telemetry.csv:42: load_kw: not a number 'abc'\n",
	    "fx_error_at file:line");
	capture();
	fx_error_at(NULL, 7, "bad");
	is_str(captured(), "fx-sim: stdin:7: bad\n", "NULL file is stdin");
	capture();
	fx_error_at("-", 7, "bad");
	is_str(captured(), "fx-sim: stdin:7: bad\n", "\"-\" is stdin");
	capture();
	fx_error_at("cfg.json", 0, "bad");
	is_str(captured(), "fx-sim: cfg.json: bad\n", "line 0 omits the line");
	capture();
	fx_error_at("cfg.json", -1, "bad");
	is_str(captured(), "fx-sim: cfg.json: bad\n", "line -1 omits the line");
	capture();
	fx_error_at(NULL, -1, "bad");
	is_str(captured(), "fx-sim: stdin: bad\n",
	    "NULL file and line -1: \"stdin\" still (as the header says)");

	memset(longmsg, 'x', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	capture();
	fx_error_at("f", 1, "%s", longmsg);
	{
		const char *got = captured();
		size_t n = strlen(got);

		ok(n > 1000 && n <= 2048 && got[n - 1] == '\n' &&
		    strncmp(got, "fx-sim: f:1: xxx", 16) == 0,
		    "a long message is cut, one line, newline kept (%zu bytes)", n);
	}
	memset(longmsg, 'f', sizeof longmsg - 1);
	capture();
	fx_error_at(longmsg, 1, "tail");
	{
		const char *got = captured();
		size_t n = strlen(got);

		ok(n <= 2048 && n > 1000 && got[n - 1] == '\n' &&
		    strchr(got, '\n') == got + n - 1,
		    "a long file name is cut, one line (%zu bytes)", n);
	}
}

static void
test_exit(void)
{
	const char *out;

	ok(FX_EXIT_OK == 0 && FX_EXIT_FAIL == 1 && FX_EXIT_USAGE == 2,
	    "exit codes 0, 1, 2");
	ok(in_child(die_usage, &out) == 2, "fx_die(FX_EXIT_USAGE) exits 2");
	is_str(out, "fx-sim: bad option '-z'\n", "  with its message");
	ok(in_child(die_fail, &out) == 1, "fx_die(FX_EXIT_FAIL) exits 1");
	is_str(out, "fx-sim: cannot write\n", "  with its message");
#if defined(__SANITIZE_ADDRESS__)
	ok(1, "# SKIP out of memory: AddressSanitizer aborts on a huge malloc");
	ok(1, "# SKIP out of memory message");
	(void)oom;
#else
	ok(in_child(oom, &out) == 1, "fx_xmalloc of a huge size exits 1");
	is_str(out, "fx-sim: out of memory\n", "  saying out of memory");
#endif
}

static void
test_quote(void)
{
	char long_s[100];
	const char *a, *b;

	memset(long_s, 'x', sizeof long_s);
	is_str(fx_quote("F001", 4), "F001", "fx_quote: plain text as is");
	is_str(fx_quote("a\tb\n\x7f", 5), "a?b??", "fx_quote: control "
	    "characters as '?'");
	is_str(fx_quote("abcdef", 3), "abc", "fx_quote: n bytes only");
	ok(strlen(fx_quote(long_s, sizeof long_s)) == 60, "fx_quote: at most "
	    "60 bytes");
	a = fx_quote("one", 3);
	b = fx_quote("two", 3);
	ok(strcmp(a, "one") == 0 && strcmp(b, "two") == 0, "fx_quote: two "
	    "live at once");
}

static void
test_alloc(void)
{
	char *p, *q;
	int *z;
	size_t i;
	int zero = 1;

	p = fx_xmalloc(0);
	ok(p != NULL, "fx_xmalloc(0) is not NULL");
	free(p);
	z = fx_xcalloc(1000, sizeof *z);
	for (i = 0; i < 1000; i++)
		zero &= z[i] == 0;
	ok(zero, "fx_xcalloc zeroes");
	free(z);
	p = fx_xcalloc(0, 0);
	ok(p != NULL, "fx_xcalloc(0, 0) is not NULL");
	free(p);
	p = fx_xrealloc(NULL, 10);
	memcpy(p, "123456789", 10);
	p = fx_xrealloc(p, 100000);
	ok(strcmp(p, "123456789") == 0, "fx_xrealloc keeps the data");
	p = fx_xrealloc(p, 0);
	ok(p != NULL, "fx_xrealloc(p, 0) is not NULL");
	free(p);
	p = fx_xstrdup("feeder");
	is_str(p, "feeder", "fx_xstrdup");
	q = fx_xstrndup("abcdef", 3);
	is_str(q, "abc", "fx_xstrndup copies n bytes and terminates");
	free(p);
	free(q);
	q = fx_xstrndup("a\0b", 3);
	ok(memcmp(q, "a\0b", 4) == 0, "fx_xstrndup copies NUL bytes too");
	free(q);
}

int
main(void)
{
	errfd = mkstemp(errpath);
	if (errfd < 0)
		return 1;
	unlink(errpath);
	test_messages();
	test_exit();
	test_quote();
	test_alloc();
	return done();
}
