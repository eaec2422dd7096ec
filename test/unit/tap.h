/*
 * tap.h - a minimal TAP producer for the C unit tests (header only).
 *
 *   ok(cond, "name %d", i);  is_num(got, want, reltol, "name");
 *   return done();           prints the plan and returns the status
 */
#ifndef FX_TAP_H
#define FX_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	return cond;
}

/* Passes when |got - want| <= tol * max(1, |want|). */
__attribute__((unused)) static int
is_num(double got, double want, double tol, const char *name)
{
	double scale = fabs(want) > 1 ? fabs(want) : 1;
	int pass = (isnan(got) && isnan(want)) || fabs(got - want) <= tol * scale;

	if (!ok(pass, "%s", name))
		printf("#   got %.17g\n#  want %.17g\n", got, want);
	return pass;
}

__attribute__((unused)) static int
is_str(const char *got, const char *want, const char *name)
{
	int pass = got && want && strcmp(got, want) == 0;

	if (!ok(pass, "%s", name))
		printf("#   got '%s'\n#  want '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return pass;
}

__attribute__((unused)) static int
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
