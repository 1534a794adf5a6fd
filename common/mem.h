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

#endif
