#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		msg_panic("out of memory allocating %zu bytes", size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		msg_panic("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		msg_panic("allocation size overflow: %zu x %zu", nmemb, size);
	p = realloc(ptr, nmemb * size != 0 ? nmemb * size : 1);
	if (p == NULL)
		msg_panic("out of memory reallocating %zu x %zu bytes", nmemb, size);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *xgrow_slow(void *v, size_t need, size_t *alloc, size_t size, size_t first)
{
	size_t n = *alloc > 0 ? *alloc : first;

	while (n < need) {
		if (n > SIZE_MAX / 2)
			msg_panic("xgrow: %zu elements of %zu bytes", need, size);
		n *= 2;
	}
	v = xreallocarray(v, n, size);
	*alloc = n;
	return v;
}
