/*
 * buf.h - a growable byte buffer and the JSON text writers built on it.
 *
 * Programs build each output record in an fx_buf with the fx_buf_* calls
 * below and hand it to the writer (ndjson.h).  This is the fast path for
 * records a program makes itself; jv (json.h) is for reading.
 *
 * Ownership: the buffer owns data; fx_buf_free() releases it.  Pointers
 * into data are invalidated by any call that appends.  Every append grows
 * the buffer as needed and exits 1 on out of memory.
 */
#ifndef FX_BUF_H
#define FX_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct fx_buf {
	char *data;
	size_t len;
	size_t cap;
} fx_buf;

#define FX_BUF_INIT { NULL, 0, 0 }

void fx_buf_free(fx_buf *b);
/* Ensures room for n more bytes; returns a pointer to the free space. */
char *fx_buf_reserve(fx_buf *b, size_t n);
void fx_buf_put(fx_buf *b, const void *p, size_t n);
void fx_buf_puts(fx_buf *b, const char *s);
void fx_buf_putc(fx_buf *b, char c);
/* NUL-terminates without counting the NUL in len. */
const char *fx_buf_cstr(fx_buf *b);

/*
 * JSON values.  fx_buf_jstr writes s (n bytes, UTF-8) as a quoted JSON
 * string, escaping ", \ and control characters; invalid UTF-8 bytes are
 * replaced by U+FFFD so the output is always valid JSON.
 */
void fx_buf_jstr(fx_buf *b, const char *s, size_t n);
/* Writes ,"key": (the comma unless b ends with '{'). key is plain ASCII. */
void fx_buf_jkey(fx_buf *b, const char *key);

/*
 * Numbers.  fx_buf_num writes the shortest decimal that reads back as
 * exactly x (at most 17 significant digits), e.g. 0.1 -> "0.1".
 * fx_buf_fixed writes x rounded to `decimals` places (0..9) with trailing
 * zeros dropped, e.g. (12.5, 3) -> "12.5"; it is exact integer arithmetic
 * and much faster, for values whose resolution is known.
 * Both write null for NaN or infinity, which JSON cannot carry; callers
 * that must not emit null check isfinite() first.
 */
void fx_buf_num(fx_buf *b, double x);
void fx_buf_fixed(fx_buf *b, double x, int decimals);
void fx_buf_int(fx_buf *b, int64_t v);

/* Shortest round-trip text of x into out (>= 32 bytes); returns length. */
size_t fx_fmt_num(char *out, double x);

#endif
