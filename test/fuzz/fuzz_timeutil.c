/*
 * fuzz_timeutil.c - libFuzzer harness for the time parsers (make fuzz).
 *
 * The input is tried as a date-time, an epoch time in s and ms, and a
 * duration.  Checked: no crash; rfc3339 accepts exactly the zoned
 * date-times; a parsed instant within 0000..9999 formats to text that
 * parses back to it; epoch results lie within that range; a duration
 * is > 0; and the instants fx_tz_resolve() gives for a wall-clock
 * reading in Europe/London read back as that reading.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s " \
    "(line %d)\n", #c, __LINE__); abort(); } } while (0)

#define MIN_MS (-62167219200000LL)
#define MAX_MS (253402300799999LL)

static fx_tz *london;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why = NULL;
	fx_time t, t2, out[2];
	int zoned, zoned2, rc, n, i;
	char text[FX_TIME_MAX_TEXT], *z;
	size_t len;
	int64_t ms;

	if (london == NULL) {
		char err[256];

		london = fx_tz_open("Europe/London", err, sizeof err);
		CHECK(london != NULL);
	}
	if (size > 4096)
		return 0;

	rc = fx_time_parse(s, size, &t, &zoned, &why);
	CHECK(rc == 0 || (rc == -1 && why != NULL));
	why = NULL;
	CHECK((fx_time_parse_rfc3339(s, size, &t2, &why) == 0) ==
	    (rc == 0 && zoned));
	if (rc == 0 && t >= MIN_MS && t <= MAX_MS) {
		len = fx_time_format(t, text);
		CHECK(len == strlen(text) && len < FX_TIME_MAX_TEXT);
		CHECK(fx_time_parse(text, len, &t2, &zoned2, &why) == 0);
		CHECK(t2 == t && zoned2 == 1);
		CHECK(fx_time_dow(t) >= 0 && fx_time_dow(t) <= 6);
	}
	if (rc == 0 && !zoned && t >= MIN_MS + 2 * FX_MS_PER_DAY &&
	    t <= MAX_MS - 2 * FX_MS_PER_DAY) {
		n = fx_tz_resolve(london, t, out);
		CHECK(n >= 0 && n <= 2);
		for (i = 0; i < n; i++)
			CHECK(out[i] + (fx_time)fx_tz_offset(london, out[i]) *
			    1000 == t);
		if (n == 2)
			CHECK(out[0] < out[1]);
	}

	rc = fx_time_parse_epoch(s, size, 1000, &t, &why);
	CHECK(rc == -1 || (t >= MIN_MS && t <= MAX_MS));
	rc = fx_time_parse_epoch(s, size, 1, &t, &why);
	CHECK(rc == -1 || (t >= MIN_MS && t <= MAX_MS));

	z = malloc(size + 1);
	memcpy(z, s, size);
	z[size] = '\0';
	ms = 0;
	if (fx_duration_parse(z, &ms) == 0)
		CHECK(ms > 0);
	free(z);
	return 0;
}
