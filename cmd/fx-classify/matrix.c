/*
 * matrix.c - the training matrix: fx-classify label's training rows in a
 * compact binary file, for training sets too large to read as label
 * records (a year of 1,000 feeders is 140 million rows).
 *
 * Layout (every integer little-endian; see fx-classify(1), MATRIX FILE):
 *
 *   "FXCLMAT1"                 8 bytes
 *   header length              u32
 *   header                     JSON: format, version, inputs, row_bytes
 *   rows                       CL_ROW_BYTES each:
 *       slice_start            i64, milliseconds since 1970-01-01T00:00Z
 *       feeder                 u32, index into the trailer's feeders
 *       horizon                u8, 1..4
 *       state                  u8, 0..2
 *       reserved               u16, 0
 *       x                      17 x f32 (IEEE 754), the inputs but the
 *                              intercept, in the model file's order
 *   trailer                    JSON: feeders, their levels
 *   rows                       u64, the number of rows
 *   trailer length             u32
 *   "FXCLEND1"                 8 bytes
 *
 * The trailer comes last because the feeders are known only once every
 * row is written; a file cut short (a crashed label) has no end mark and
 * is refused whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "err.h"
#include "json.h"

static const char mat_magic[8] = { 'F', 'X', 'C', 'L', 'M', 'A', 'T', '1' };
static const char end_magic[8] = { 'F', 'X', 'C', 'L', 'E', 'N', 'D', '1' };

#define TAIL (8 + 4 + 8)	/* rows, trailer length, end mark */

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- writing ---- */

struct cl_mwriter {
	FILE *fp;
	char *path;
	uint64_t rows;
};

cl_mwriter *
cl_mwriter_open(const char *path, char *err, size_t errlen)
{
	fx_buf h = FX_BUF_INIT;
	unsigned char len[4];
	cl_mwriter *w;
	FILE *fp;
	int j;

	if ((fp = fopen(path, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	fx_buf_puts(&h, "{\"format\":\"fluxeon-classify-matrix\",\"version\":1,"
	    "\"byte_order\":\"little\",\"row_bytes\":");
	fx_buf_int(&h, CL_ROW_BYTES);
	fx_buf_puts(&h, ",\"inputs\":[");
	for (j = 1; j < CL_NIN; j++) {
		if (j > 1)
			fx_buf_putc(&h, ',');
		fx_buf_jstr(&h, cl_input_name[j], strlen(cl_input_name[j]));
	}
	fx_buf_puts(&h, "]}");
	put_u32(len, (uint32_t)h.len);
	if (fwrite(mat_magic, 1, 8, fp) != 8 || fwrite(len, 1, 4, fp) != 4 ||
	    fwrite(h.data, 1, h.len, fp) != h.len) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		fx_buf_free(&h);
		return NULL;
	}
	fx_buf_free(&h);
	w = fx_xmalloc(sizeof *w);
	w->fp = fp;
	w->path = fx_xstrdup(path);
	w->rows = 0;
	return w;
}

static void
row_encode(const cl_row *r, unsigned char out[CL_ROW_BYTES])
{
	int j;

	put_u64(out, (uint64_t)r->start);
	put_u32(out + 8, r->feeder);
	out[12] = r->horizon;
	out[13] = r->state;
	out[14] = out[15] = 0;
	for (j = 0; j < CL_NIN - 1; j++) {
		uint32_t u;

		memcpy(&u, &r->x[j], 4);
		put_u32(out + 16 + 4 * j, u);
	}
}

int
cl_mwriter_row(cl_mwriter *w, const cl_row *r)
{
	unsigned char b[CL_ROW_BYTES];

	row_encode(r, b);
	w->rows++;
	return fwrite(b, 1, sizeof b, w->fp) == sizeof b ? 0 : -1;
}

int
cl_mwriter_close(cl_mwriter *w, const char *trailer, size_t len, char *err,
    size_t errlen)
{
	unsigned char t[TAIL];
	int bad;

	put_u64(t, w->rows);
	put_u32(t + 8, (uint32_t)len);
	memcpy(t + 12, end_magic, 8);
	bad = fwrite(trailer, 1, len, w->fp) != len ||
	    fwrite(t, 1, TAIL, w->fp) != TAIL;
	bad |= ferror(w->fp);
	if (fclose(w->fp) != 0)
		bad = 1;
	if (bad)
		snprintf(err, errlen, "%s: %s", w->path, errno ? strerror(errno) :
		    "write error");
	free(w->path);
	free(w);
	return bad ? -1 : 0;
}

/* ---- reading ---- */

int
cl_matrix_sniff(const char *path)
{
	char b[8];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, b, 8);
	close(fd);
	return n == 8 && memcmp(b, mat_magic, 8) == 0;
}

static int
bad(cl_matrix *m, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: not a training matrix: %s", m->path, what);
	cl_matrix_close(m);
	return -1;
}

int
cl_matrix_open(cl_matrix *m, const char *path, char *err, size_t errlen)
{
	const unsigned char *p;
	struct stat st;
	uint64_t hlen, tlen;
	jv inputs;
	double rb, ver;
	char jerr[128];
	int fd, j, ok;

	memset(m, 0, sizeof *m);
	m->header = jv_null();
	m->trailer = jv_null();
	m->path = path;
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: a training matrix must be a regular "
		    "file", path);
		return -1;
	}
	m->size = (size_t)st.st_size;
	if (m->size < 12 + TAIL) {
		close(fd);
		return bad(m, err, errlen, "too short");
	}
	m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	madvise((void *)m->map, m->size, MADV_SEQUENTIAL);
	p = m->map;
	if (memcmp(p, mat_magic, 8) != 0)
		return bad(m, err, errlen, "no FXCLMAT1 mark");
	if (memcmp(p + m->size - 8, end_magic, 8) != 0)
		return bad(m, err, errlen, "no end mark (cut short?)");
	hlen = get_u32(p + 8);
	tlen = get_u32(p + m->size - 12);
	m->nrows = get_u64(p + m->size - TAIL);
	if (hlen > m->size || tlen > m->size ||
	    12 + hlen + tlen + TAIL > m->size)
		return bad(m, err, errlen, "header and trailer lengths exceed "
		    "the file");
	m->rows = p + 12 + hlen;
	m->header = fx_json_parse((const char *)p + 12, (size_t)hlen, jerr,
	    sizeof jerr);
	if (!jv_is_valid(m->header) ||
	    jv_get_kind(m->header) != JV_KIND_OBJECT)
		return bad(m, err, errlen, "header is not a JSON object");
	{
		const char *fmt = fx_json_str(m->header, "format");

		if (fmt == NULL || strcmp(fmt, "fluxeon-classify-matrix") != 0)
			return bad(m, err, errlen, "format is not "
			    "\"fluxeon-classify-matrix\"");
	}
	if (fx_json_num(m->header, "version", &ver) != 1 || ver != 1)
		return bad(m, err, errlen, "version is not 1");
	if (fx_json_num(m->header, "row_bytes", &rb) != 1 ||
	    rb != CL_ROW_BYTES) {
		char msg[96];

		snprintf(msg, sizeof msg, "row_bytes is %.0f, not %d: made for "
		    "other inputs (another version?)", rb, CL_ROW_BYTES);
		return bad(m, err, errlen, msg);
	}
	inputs = fx_json_get(m->header, "inputs");
	ok = jv_get_kind(inputs) == JV_KIND_ARRAY &&
	    jv_array_length(jv_copy(inputs)) == CL_NIN - 1;
	for (j = 1; ok && j < CL_NIN; j++) {
		jv s = jv_array_get(jv_copy(inputs), j - 1);

		ok = jv_get_kind(s) == JV_KIND_STRING &&
		    strcmp(jv_string_value(s), cl_input_name[j]) == 0;
		jv_free(s);
	}
	jv_free(inputs);
	if (!ok)
		return bad(m, err, errlen, "inputs are not this program's "
		    "(made by another version?)");
	if ((m->size - 12 - hlen - tlen - TAIL) / CL_ROW_BYTES != m->nrows ||
	    (m->size - 12 - hlen - tlen - TAIL) % CL_ROW_BYTES != 0)
		return bad(m, err, errlen, "the rows do not fill the space "
		    "between header and trailer");
	m->trailer = fx_json_parse((const char *)m->rows +
	    m->nrows * CL_ROW_BYTES, (size_t)tlen, jerr, sizeof jerr);
	if (!jv_is_valid(m->trailer) ||
	    jv_get_kind(m->trailer) != JV_KIND_OBJECT)
		return bad(m, err, errlen, "trailer is not a JSON object");
	return 0;
}

void
cl_matrix_head(const cl_matrix *m, uint64_t i, cl_row *r)
{
	const unsigned char *p = m->rows + i * CL_ROW_BYTES;

	r->start = (int64_t)get_u64(p);
	r->feeder = get_u32(p + 8);
	r->horizon = p[12];
	r->state = p[13];
	r->reserved = (uint16_t)(p[14] | p[15] << 8);
}

int
cl_matrix_finite(const cl_matrix *m, uint64_t i)
{
	const unsigned char *p = m->rows + i * CL_ROW_BYTES + 16;
	uint32_t bad = 0;
	int j;

	/* an exponent of all ones is an infinity or a NaN */
	for (j = 0; j < CL_NIN - 1; j++)
		bad |= (get_u32(p + 4 * j) & 0x7f800000u) == 0x7f800000u;
	return !bad;
}

void
cl_matrix_x(const cl_matrix *m, uint64_t i, float *x)
{
	const unsigned char *p = m->rows + i * CL_ROW_BYTES + 16;
	int j;

	for (j = 0; j < CL_NIN - 1; j++) {
		uint32_t u = get_u32(p + 4 * j);

		memcpy(&x[j], &u, 4);
	}
}

void
cl_matrix_close(cl_matrix *m)
{
	if (m->map != NULL)
		munmap((void *)m->map, m->size);
	m->map = NULL;
	jv_free(m->header);
	jv_free(m->trailer);
	m->header = jv_null();
	m->trailer = jv_null();
}
