/*
 * fuzz_ndjson.c - libFuzzer harness for the NDJSON line reader and the
 * pass-through writer (make fuzz).
 *
 * Input: byte 0 picks max_line (1..64, or the default), byte 1 seeds
 * the split of the rest into up to 64 packets of a SOCK_SEQPACKET
 * socket, so every read(2) returns one packet and lines cross refills
 * at fuzzer-chosen places.  Checked against a plain split at '\n':
 * every line's text, terminator and number, FX_LINE_TOOLONG exactly for
 * texts over max_line, then EOF; and the pass-through of the good lines
 * is byte for byte their input (with '\n' added to an unterminated one).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s " \
    "(line %d)\n", #c, __LINE__); abort(); } } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in;
	size_t n, max_line, off, k, want_len = 0;
	int sv[2], outfd;
	uint32_t seed;
	fx_reader *r;
	fx_writer *w;
	fx_line line;
	long lineno = 0;
	char *want, *got;
	ssize_t got_n;

	if (size < 2 || size > 65536)
		return 0;
	max_line = data[0] == 255 ? 0 : 1 + data[0] % 64;
	seed = data[1] * 2654435761u + 1;
	in = (const char *)data + 2;
	n = size - 2;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		abort();
	for (off = 0, k = 0; off < n; k++) {
		size_t chunk = n - off;

		seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
		if (k < 63)
			chunk = 1 + seed % (chunk < 200 ? chunk : 200);
		if (write(sv[0], in + off, chunk) != (ssize_t)chunk)
			abort();
		off += chunk;
	}
	shutdown(sv[0], SHUT_WR);
	r = fx_reader_fdopen(sv[1], "fuzz", max_line);
	if (max_line == 0)
		max_line = FX_MAX_LINE_DEFAULT;

	outfd = memfd_create("fuzz-out", 0);
	CHECK(outfd >= 0);
	w = fx_writer_new(dup(outfd), 64);
	want = malloc(n + 1);

	for (off = 0; off < n;) {
		const char *nl = memchr(in + off, '\n', n - off);
		size_t raw = nl ? (size_t)(nl - (in + off)) + 1 : n - off;
		size_t len = nl ? raw - 1 : raw;
		const char *term = nl ? "\n" : "";
		int rc;

		if (nl && len > 0 && in[off + len - 1] == '\r') {
			len--;
			term = "\r\n";
		}
		lineno++;
		rc = fx_reader_next(r, &line);
		if (len > max_line) {
			CHECK(rc == FX_LINE_TOOLONG);
			CHECK(line.lineno == lineno);
		} else {
			CHECK(rc == FX_LINE_OK);
			CHECK(line.lineno == lineno);
			CHECK(line.len == len);
			CHECK(memcmp(line.text, in + off, len) == 0);
			CHECK(line.text[len] == '\0');
			CHECK(strcmp(line.term, term) == 0);
			fx_writer_pass(w, &line);
			memcpy(want + want_len, in + off, raw);
			want_len += raw;
			if (!nl)
				want[want_len++] = '\n';
		}
		off += raw;
	}
	CHECK(fx_reader_next(r, &line) == FX_LINE_EOF);
	CHECK(fx_reader_next(r, &line) == FX_LINE_EOF);
	fx_reader_close(r);
	close(sv[0]);
	CHECK(fx_writer_close(w) == 0);

	got = malloc(want_len + 1);
	got_n = pread(outfd, got, want_len + 1, 0);
	CHECK(got_n == (ssize_t)want_len);
	CHECK(memcmp(got, want, want_len) == 0);
	close(outfd);
	free(got);
	free(want);
	return 0;
}
