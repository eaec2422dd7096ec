/*
 * ndjson.h - line framing for the record stream: a reader and a writer.
 *
 * Reader: splits its input into lines ended by \n or \r\n (a final line
 * without a terminator counts too), numbers them from 1 and keeps each
 * line's raw bytes with their terminator, so a program can pass a record
 * it does not consume through byte for byte.  Lines longer than the
 * maximum are reported and skipped, never cut into pieces.
 *
 * Writer: collects output in a large block and writes it when the block
 * is full, at fx_writer_flush(), or - when a reader is tied to it with
 * fx_reader_tie() - just before the reader would block waiting for more
 * input.  A backtest through a pipe thus runs in large writes, and a live
 * stream never holds a record back.
 *
 * Both exit with status 1 on an I/O error (with a message) except where
 * noted.  SIGPIPE is left at its default, so a write to a closed pipe ends
 * the process quietly, as a filter should.
 */
#ifndef FX_NDJSON_H
#define FX_NDJSON_H

#include <stddef.h>

#include "buf.h"

#define FX_MAX_LINE_DEFAULT (1024 * 1024)

typedef struct fx_writer fx_writer;
typedef struct fx_reader fx_reader;

/* One input line.  Pointers are valid until the next fx_reader_next(). */
typedef struct fx_line {
	char *text;		/* the line without its terminator, NUL-terminated;
				 * the caller may modify it in place */
	size_t len;		/* bytes in text (strlen unless text holds NULs) */
	const char *term;	/* its terminator as read: "\n", "\r\n" or ""
				 * (the last line of a file may have none) */
	long lineno;		/* 1-based physical line number */
} fx_line;

enum {
	FX_LINE_OK = 1,		/* *line holds the next line */
	FX_LINE_EOF = 0,	/* no more input */
	FX_LINE_TOOLONG = -1	/* a line over the maximum was skipped; the
				 * caller reports it (lineno is set) */
};

/*
 * Opens path for reading ("-" or NULL: stdin).  max_line is the longest
 * line accepted in bytes (0: FX_MAX_LINE_DEFAULT).  Returns NULL and
 * prints "prog: path: reason" if the file cannot be opened.
 */
fx_reader *fx_reader_open(const char *path, size_t max_line);
/* Wraps an open descriptor; name is used in messages (borrowed). */
fx_reader *fx_reader_fdopen(int fd, const char *name, size_t max_line);
/* Reads the next line; see the FX_LINE_* results.  Blank lines are returned
 * like any other (len 0); callers decide what they mean. */
int fx_reader_next(fx_reader *r, fx_line *line);
/* The name given at open ("stdin" for standard input). */
const char *fx_reader_name(const fx_reader *r);
/* Flush w whenever r is about to block on an empty pipe or terminal. */
void fx_reader_tie(fx_reader *r, fx_writer *w);
/* Non-zero while r has buffered input or input ready without blocking. */
int fx_reader_ready(fx_reader *r);
/* The descriptor, for poll(2) by programs that also serve sockets. */
int fx_reader_fd(const fx_reader *r);
void fx_reader_close(fx_reader *r);

/* A writer on fd (1 for stdout), block size 0: 256 KiB. */
fx_writer *fx_writer_new(int fd, size_t block);
/* Appends n bytes.  A record should be written whole with one call. */
void fx_writer_put(fx_writer *w, const void *p, size_t n);
/* Appends b's bytes followed by a newline, then empties b. */
void fx_writer_record(fx_writer *w, fx_buf *b);
/* Passes a line through byte for byte: text and terminator as read (the
 * caller must not have modified text), adding \n if it had none. */
void fx_writer_pass(fx_writer *w, const fx_line *line);
void fx_writer_flush(fx_writer *w);
/* Flushes and frees; returns 0, or -1 after printing an error.  The fd is
 * closed unless it is 0-2. */
int fx_writer_close(fx_writer *w);

#endif
