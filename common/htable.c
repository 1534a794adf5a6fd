#include "htable.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

struct htable_entry {
	char *key;
	size_t len;
	uint64_t hash;
	void *value;
	struct htable_entry *next;
};

struct htable {
	struct htable_entry **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	uint64_t seed;
};

uint64_t htable_hash(uint64_t seed, const char *key, size_t len)
{
	/* FNV-1a over a seeded start, finished with a 64-bit mixer; enough to
	 * spread queue IDs, and the seed defeats precomputed collisions. */
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= UINT64_C(0x100000001b3);
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

struct htable *htable_new(size_t size_hint)
{
	struct htable *t = xcalloc(1, sizeof(*t));
	size_t n = 16;

	while (n < size_hint && n < ((size_t)1 << 30))
		n <<= 1;
	t->buckets = xcalloc(n, sizeof(*t->buckets));
	t->nbuckets = n;
	t->seed = htable_seed_new(t);
	return t;
}

uint64_t htable_seed_new(const void *salt)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)(unsigned)getpid() ^
	       (uint64_t)(uintptr_t)salt;
}

void htable_free(struct htable *t, void (*free_value)(void *))
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++) {
		struct htable_entry *e = t->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			if (free_value != NULL)
				free_value(e->value);
			free(e->key);
			free(e);
		}
	}
	free(t->buckets);
	free(t);
}

static struct htable_entry **htable_slot(const struct htable *t, const char *key, size_t len,
                                         uint64_t h)
{
	struct htable_entry **pp = &t->buckets[h & (t->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->hash == h && (*pp)->len == len && memcmp((*pp)->key, key, len) == 0)
			break;
	}
	return pp;
}

void *htable_find(const struct htable *t, const char *key, size_t len)
{
	struct htable_entry **pp = htable_slot(t, key, len, htable_hash(t->seed, key, len));

	return *pp ? (*pp)->value : NULL;
}

static void htable_grow(struct htable *t)
{
	size_t n = t->nbuckets * 2, i;
	struct htable_entry **b = xcalloc(n, sizeof(*b));

	for (i = 0; i < t->nbuckets; i++) {
		struct htable_entry *e = t->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

void htable_insert(struct htable *t, const char *key, size_t len, void *value)
{
	uint64_t h = htable_hash(t->seed, key, len);
	struct htable_entry **pp = htable_slot(t, key, len, h), *e;

	if (*pp != NULL)
		msg_panic("htable_insert: duplicate key");
	e = xmalloc(sizeof(*e));
	/* Copy all len bytes: xstrndup() would stop at an embedded NUL, leaving a
	 * shorter key that htable_slot() then memcmp()s for len bytes, reading past
	 * its end and mistaking keys that differ after the NUL. The added NUL keeps
	 * keys printable as strings for htable_walk(). */
	e->key = xmalloc(len + 1);
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->len = len;
	e->hash = h;
	e->value = value;
	e->next = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = e;
	if (++t->count > t->nbuckets && t->nbuckets < ((size_t)1 << 30))
		htable_grow(t);
}

void *htable_remove(struct htable *t, const char *key, size_t len)
{
	struct htable_entry **pp = htable_slot(t, key, len, htable_hash(t->seed, key, len)), *e;
	void *v;

	if (*pp == NULL)
		return NULL;
	e = *pp;
	*pp = e->next;
	v = e->value;
	free(e->key);
	free(e);
	t->count--;
	return v;
}

size_t htable_count(const struct htable *t)
{
	return t->count;
}

void htable_walk(const struct htable *t, void (*fn)(const char *key, void *value, void *arg),
                 void *arg)
{
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		const struct htable_entry *e;

		for (e = t->buckets[i]; e != NULL; e = e->next)
			fn(e->key, e->value, arg);
	}
}
