/*
 * htable - a hash table with string keys (after Postfix htable), for the
 * aggregator's and plot's look-ups by name (carriers, collectors, report
 * rows). The collector's open messages keep a table of their own, without a
 * copy of each key (collector/messages.c). Keys are copied; values are the
 * caller's. The hash is keyed with a per-table random seed so that input
 * crafted to collide cannot make look-ups quadratic.
 */
#ifndef ARSTAT_HTABLE_H
#define ARSTAT_HTABLE_H

#include <stddef.h>
#include <stdint.h>

struct htable;

/* Never returns NULL. */
struct htable *htable_new(size_t size_hint);
/*
 * The tables' hash, for tables of another shape (collector/msgids.c): of
 * key[0..len) under seed, a value from htable_seed_new(). Never fails.
 */
uint64_t htable_hash(uint64_t seed, const char *key, size_t len);
/* A per-process, per-table seed from the clock, the PID and salt (e.g. the
 * table's address): precomputed colliding keys do not work. */
uint64_t htable_seed_new(const void *salt);
/* Frees the table and its keys; calls free_value on each value if not NULL. */
void htable_free(struct htable *t, void (*free_value)(void *));
/* The value for key[0..len), or NULL. */
void *htable_find(const struct htable *t, const char *key, size_t len);
/* Insert; the key must not be present (panics otherwise: a caller bug). */
void htable_insert(struct htable *t, const char *key, size_t len, void *value);
/* Remove and return the value, or NULL if absent. */
void *htable_remove(struct htable *t, const char *key, size_t len);
size_t htable_count(const struct htable *t);
/* Call fn for each entry; fn must not change the table. */
void htable_walk(const struct htable *t, void (*fn)(const char *key, void *value, void *arg),
                 void *arg);

#endif
