#include "linereader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

/*
 * How much the buffer may grow beyond the room for one longest line. A
 * buffer of the limit alone (16 KiB by default) made a read(2) and a
 * memmove() of the partial last line every hundred lines of a file read in
 * bulk; a quarter of a mebibyte more makes both rare. It grows only while
 * reads fill it: a log followed as it is written keeps the small buffer.
 */
#define LR_READ_CHUNK (256 * 1024)

struct linereader {
	int fd;
	linereader_read_fn fn; /* NULL: read(2) on fd */
	void *ctx;
	size_t max_line;
	char *buf;
	size_t size;     /* allocated: from max_line + 2 up to cap */
	size_t cap;      /* max_line + 2 + LR_READ_CHUNK */
	size_t start;    /* first unconsumed byte */
	size_t end;      /* one past the last byte read */
	uint64_t offset; /* file offset of buf[start] */
	int skipping;    /* discarding the rest of an overlong line */
};

struct linereader *linereader_new_source(linereader_read_fn fn, void *ctx, size_t max_line)
{
	struct linereader *lr = linereader_new(-1, max_line);

	lr->fn = fn;
	lr->ctx = ctx;
	return lr;
}

void linereader_set_offset(struct linereader *lr, uint64_t offset)
{
	lr->offset = offset;
}

struct linereader *linereader_new(int fd, size_t max_line)
{
	struct linereader *lr = xcalloc(1, sizeof(*lr));

	if (max_line < LINEREADER_MIN_LINE)
		max_line = LINEREADER_MIN_LINE;
	if (max_line > LINEREADER_MAX_LINE)
		max_line = LINEREADER_MAX_LINE;
	lr->fd = fd;
	lr->max_line = max_line;
	/* Room for a longest line, its newline and one more byte to tell overlong. */
	lr->size = max_line + 2;
	lr->cap = max_line + 2 + LR_READ_CHUNK;
	lr->buf = xmalloc(lr->size);
	return lr;
}

void linereader_free(struct linereader *lr)
{
	if (lr == NULL)
		return;
	free(lr->buf);
	free(lr);
}

uint64_t linereader_offset(const struct linereader *lr)
{
	return lr->offset;
}

size_t linereader_pending(const struct linereader *lr)
{
	return lr->end - lr->start;
}

enum lr_status linereader_next(struct linereader *lr, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		size_t want;
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - (lr->buf + lr->start));
			const char *p = lr->buf + lr->start;

			lr->start += l + 1;
			lr->offset += l + 1;
			/* The buffer holds more than a longest line, so a complete
			 * line may exceed the limit too: it is overlong all the same. */
			if (lr->skipping || l > lr->max_line) {
				lr->skipping = 0;
				return LR_OVERLONG;
			}
			*line = p;
			*len = l;
			return LR_LINE;
		}
		if (lr->end - lr->start > lr->max_line) {
			/* Too long with no newline in sight: drop what we have and
			 * discard up to the next newline. */
			lr->offset += lr->end - lr->start;
			lr->start = lr->end = 0;
			lr->skipping = 1;
		}
		if (lr->start > 0) {
			memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		want = lr->size - 1 - lr->end;
		do {
			n = lr->fn != NULL ? lr->fn(lr->ctx, lr->buf + lr->end, want)
			                   : read(lr->fd, lr->buf + lr->end, want);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			return LR_ERROR;
		if (n == 0)
			return LR_EOF;
		lr->end += (size_t)n;
		/* A read that filled the buffer: more is waiting (a file read from
		 * its start or after a pause), so read more at a time. */
		if ((size_t)n == want && lr->size < lr->cap) {
			size_t size = lr->size * 2 < lr->cap ? lr->size * 2 : lr->cap;

			lr->buf = xreallocarray(lr->buf, size, 1);
			lr->size = size;
		}
	}
}
