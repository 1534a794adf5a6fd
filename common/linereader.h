/*
 * linereader - bounded line reading from a file descriptor. A line is complete
 * only at its newline; a partial last line stays buffered until more arrives.
 * A line longer than the limit is reported as overlong and skipped up to its
 * newline, never buffered without bound.
 */
#ifndef ARSTAT_LINEREADER_H
#define ARSTAT_LINEREADER_H

#include <stddef.h>
#include <stdint.h>

#define LINEREADER_MIN_LINE 256
#define LINEREADER_MAX_LINE (1024 * 1024)

enum lr_status {
	LR_LINE = 1,     /* line and len hold one line without its newline */
	LR_OVERLONG = 2, /* a line longer than the limit was skipped */
	LR_EOF = 0,      /* no complete line available now */
	LR_ERROR = -1,   /* read error (errno set) */
};

struct linereader;

/* A byte source: like read(2), returns bytes read, 0 at the end, -1 with errno. */
typedef long (*linereader_read_fn)(void *ctx, void *buf, size_t len);

/* max_line is clamped to [LINEREADER_MIN_LINE, LINEREADER_MAX_LINE]. The fd
 * stays the caller's. Never returns NULL. */
struct linereader *linereader_new(int fd, size_t max_line);
/* The same over any byte source (e.g. a gzip stream); ctx stays the caller's. */
struct linereader *linereader_new_source(linereader_read_fn fn, void *ctx, size_t max_line);
/* Start counting offsets from `offset` (after the caller positioned the source there). */
void linereader_set_offset(struct linereader *lr, uint64_t offset);
void linereader_free(struct linereader *lr);
/* Next line; the pointer stays valid until the next call. */
enum lr_status linereader_next(struct linereader *lr, const char **line, size_t *len);
/* File offset just past the last line returned (or skipped). */
uint64_t linereader_offset(const struct linereader *lr);
/* Bytes of an incomplete last line waiting for its newline. */
size_t linereader_pending(const struct linereader *lr);

#endif
