/*
 * strbuf - a growable byte buffer with a cap fixed at creation (curl dynbuf):
 * appending past the cap fails instead of growing without bound, so buffers
 * filled from untrusted input stay bounded. The content is always
 * NUL-terminated (the NUL is not counted in the length).
 */
#ifndef ARSTAT_STRBUF_H
#define ARSTAT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* maximum len */
};

/* Initialise an empty buffer that may hold up to `cap` bytes. */
void strbuf_init(struct strbuf *sb, size_t cap);
/* Free the storage; the buffer may be initialised again. */
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Append; return 0, or -1 (buffer unchanged) if the cap would be exceeded. */
int strbuf_append(struct strbuf *sb, const void *data, size_t len);
int strbuf_append_str(struct strbuf *sb, const char *s);
int strbuf_append_byte(struct strbuf *sb, unsigned char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Shorten to `len` bytes (no-op if already shorter). */
void strbuf_truncate(struct strbuf *sb, size_t len);

#endif
