/*
 * mem - allocation wrappers that never return NULL: running out of memory is
 * not a condition arstat can count its way around, so they panic instead.
 */
#ifndef ARSTAT_MEM_H
#define ARSTAT_MEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* Like realloc(ptr, nmemb * size) with an overflow check. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * Room for `need` elements in the array v of size-byte elements, of which
 * *alloc are allocated (0 for a NULL v): returns v itself while need <=
 * *alloc, else v reallocated to `first` elements at first, then twice as
 * many each time until need fits, with *alloc updated; the caller stores the
 * result back, as with realloc. Never returns NULL; an array too large for
 * size_t panics. Inline: appends call it on every element.
 */
void *xgrow_slow(void *v, size_t need, size_t *alloc, size_t size, size_t first);
static inline void *xgrow(void *v, size_t need, size_t *alloc, size_t size, size_t first)
{
	return need <= *alloc ? v : xgrow_slow(v, need, alloc, size, first);
}

#endif
