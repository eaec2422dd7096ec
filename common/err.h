/*
 * err.h - error reporting and exit status for every fx-* program.
 *
 * Messages go to stderr as "prog: message" or "prog: file:line: message",
 * lowercase, no full stop, the offending text quoted (git's guidelines).
 * fx_err_init() must be called first with the program's name; until then
 * messages are prefixed "fluxeon".
 */
#ifndef FX_ERR_H
#define FX_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum {
	FX_EXIT_OK = 0,		/* success */
	FX_EXIT_FAIL = 1,	/* runtime failure (bad input under --strict, I/O) */
	FX_EXIT_USAGE = 2	/* usage or configuration error: do not restart */
};

/* The program name used as prefix; set by fx_err_init(). */
extern const char *fx_prog;

/* Sets the message prefix.  prog is borrowed and must outlive the process. */
void fx_err_init(const char *prog);

/* "prog: msg\n" on stderr. */
void fx_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "prog: warning: msg\n" on stderr. */
void fx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "prog: file:line: msg\n" on stderr.  file NULL or "-" prints "stdin";
 * line <= 0 omits the line number ("prog: file: msg").
 */
void fx_error_at(const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fx_verror_at(const char *file, long line, const char *fmt, va_list ap);

/* Prints "prog: msg" and exits with status. */
void fx_die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * The subject of a message: at most 60 bytes of s[0..n), control
 * characters shown as '?'.  Returns one of two static buffers in turn, so
 * two calls may be live in one message.
 */
const char *fx_quote(const char *s, size_t n);

/* malloc/realloc/strdup that exit 1 with "out of memory" instead of failing. */
void *fx_xmalloc(unsigned long n);
void *fx_xcalloc(unsigned long n, unsigned long size);
void *fx_xrealloc(void *p, unsigned long n);
char *fx_xstrdup(const char *s);
char *fx_xstrndup(const char *s, unsigned long n);

#endif
