/* err.c - see err.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

const char *fx_prog = "fluxeon";

void
fx_err_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	fx_prog = slash ? slash + 1 : prog;
}

/* "prog: [file:line: ]tag message\n" in one write. */
static void
message(int has_place, const char *file, long line, const char *tag,
    const char *fmt, va_list ap)
{
	/* stderr is unbuffered: build the message first to keep
	 * concurrent writers' lines whole. */
	char msg[2048];
	int n;

	if (!has_place)
		n = snprintf(msg, sizeof msg, "%s: %s", fx_prog, tag);
	else if (line > 0)
		n = snprintf(msg, sizeof msg, "%s: %s:%ld: %s", fx_prog,
		    file == NULL || strcmp(file, "-") == 0 ? "stdin" : file, line,
		    tag);
	else
		n = snprintf(msg, sizeof msg, "%s: %s: %s", fx_prog,
		    file == NULL || strcmp(file, "-") == 0 ? "stdin" : file, tag);
	if (n < 0 || (size_t)n >= sizeof msg - 1)
		n = (int)sizeof msg - 2;	/* a truncated prefix */
	vsnprintf(msg + n, sizeof msg - (size_t)n - 1, fmt, ap);
	n = (int)strlen(msg);
	msg[n++] = '\n';
	fwrite(msg, 1, (size_t)n, stderr);
}

void
fx_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(0, NULL, 0, "", fmt, ap);
	va_end(ap);
}

void
fx_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(0, NULL, 0, "warning: ", fmt, ap);
	va_end(ap);
}

void
fx_verror_at(const char *file, long line, const char *fmt, va_list ap)
{
	message(1, file, line, "", fmt, ap);
}

void
fx_error_at(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fx_verror_at(file, line, fmt, ap);
	va_end(ap);
}

void
fx_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(0, NULL, 0, "", fmt, ap);
	va_end(ap);
	exit(status);
}

void *
fx_xmalloc(unsigned long n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fx_die(FX_EXIT_FAIL, "out of memory");
	return p;
}

void *
fx_xcalloc(unsigned long n, unsigned long size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fx_die(FX_EXIT_FAIL, "out of memory");
	return p;
}

void *
fx_xrealloc(void *p, unsigned long n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fx_die(FX_EXIT_FAIL, "out of memory");
	return p;
}

char *
fx_xstrdup(const char *s)
{
	return fx_xstrndup(s, strlen(s));
}

char *
fx_xstrndup(const char *s, unsigned long n)
{
	char *p = fx_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *
fx_quote(const char *s, size_t n)
{
	static char buf[2][72];
	static int which;
	char *o = buf[which ^= 1];
	size_t i;

	for (i = 0; i < n && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		o[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	o[i] = '\0';
	return o;
}
