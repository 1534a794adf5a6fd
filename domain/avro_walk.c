/* avro_walk - the schema-driven walk of Avro binary data; see avro_walk.h. */
#include "avro_walk.h"

#include <inttypes.h>
#include <stdarg.h>

/* Nesting deeper than this in a writer schema would only come from a
 * recursive type; the bound keeps the walk's recursion finite. */
#define AVRO_WALK_DEPTH_MAX 32

static int walk_fail(struct avro_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replace why's content with the reason; returns -1 for the caller's return. */
static int walk_fail(struct avro_walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->why != NULL) {
		strbuf_reset(w->why);
		va_start(ap, fmt);
		/* A reason cut off by the cap is still better than none. */
		(void)strbuf_vprintf(w->why, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void avro_walk_init(struct avro_walk *w, const void *data, size_t len, enum avro_walk_mode mode,
                    struct strbuf *why)
{
	avro_bin_init(&w->in, data, len);
	w->items_left = len;
	w->mode = mode;
	w->why = why;
}

static int walk_skip(struct avro_walk *w, size_t n, const char *what)
{
	if (avro_bin_skip(&w->in, n) != AVRO_BIN_OK)
		return walk_fail(w, "body truncated: %s needs %zu bytes at offset %zu, %zu left", what,
		                 n, avro_bin_offset(&w->in), avro_bin_left(&w->in));
	return 0;
}

/* A varint's failure, said; at is where the number starts. */
static int walk_varint_fail(struct avro_walk *w, enum avro_bin_status st, size_t at, int max_bytes)
{
	switch (st) {
	case AVRO_BIN_SHORT:
		return walk_fail(w, "body truncated in a number at offset %zu", at);
	case AVRO_BIN_OVERFLOW:
		return walk_fail(w, "number at offset %zu overflows", at);
	default:
		return walk_fail(w, "number at offset %zu is longer than %d bytes", at, max_bytes);
	}
}

static int walk_long(struct avro_walk *w, int64_t *out)
{
	size_t at = avro_bin_offset(&w->in);
	enum avro_bin_status st = avro_bin_long(&w->in, out);

	return st == AVRO_BIN_OK ? 0 : walk_varint_fail(w, st, at, AVRO_BIN_LONG_MAX_BYTES);
}

static int walk_int(struct avro_walk *w)
{
	size_t at = avro_bin_offset(&w->in);
	int64_t v;
	enum avro_bin_status st = avro_bin_int(&w->in, &v);

	return st == AVRO_BIN_OK ? 0 : walk_varint_fail(w, st, at, AVRO_BIN_INT_MAX_BYTES);
}

/* A length prefix (strings, bytes, map keys) and the bytes it covers. */
static int walk_length_prefixed(struct avro_walk *w, const char *what)
{
	size_t at = avro_bin_offset(&w->in);
	enum avro_bin_status st;
	int64_t n;

	st = avro_bin_length(&w->in, &n);
	if (st == AVRO_BIN_LENGTH)
		return walk_fail(w, "%s length %" PRId64 " at offset %zu does not fit the %zu bytes left",
		                 what, n, at, avro_bin_left(&w->in));
	if (st != AVRO_BIN_OK)
		return walk_varint_fail(w, st, at, AVRO_BIN_LONG_MAX_BYTES);
	return walk_skip(w, (size_t)n, what);
}

static int walk_value(struct avro_walk *w, avro_schema_t s, int depth);

/* Arrays and maps: blocks of items, ended by a zero count. A negative count
 * is followed by the block's size in bytes. */
static int walk_blocks(struct avro_walk *w, avro_schema_t s, int depth)
{
	int is_map = is_avro_map(s);
	avro_schema_t item = is_map ? avro_schema_map_values(s) : avro_schema_array_items(s);
	int check = w->mode == AVRO_WALK_CHECK;

	for (;;) {
		int64_t count, k, block_size = -1;
		size_t block_at = avro_bin_offset(&w->in), items_at;

		if (walk_long(w, &count) < 0)
			return -1;
		if (count == 0)
			return 0;
		if (count < 0) {
			if (count == INT64_MIN)
				return walk_fail(w, "block count at offset %zu out of range", block_at);
			count = -count;
			if (walk_long(w, &block_size) < 0)
				return -1;
			if (!check) {
				block_size = -1;
			} else if (block_size < 0 || (uint64_t)block_size > avro_bin_left(&w->in)) {
				return walk_fail(w,
				                 "block size %" PRId64 " at offset %zu exceeds the %zu bytes left",
				                 block_size, block_at, avro_bin_left(&w->in));
			}
		}
		if ((uint64_t)count > w->items_left)
			return walk_fail(w,
			                 "block of %" PRId64 " items at offset %zu is more than the body can hold",
			                 count, block_at);
		w->items_left -= (size_t)count;
		items_at = avro_bin_offset(&w->in);
		for (k = 0; k < count; k++) {
			if (is_map && walk_length_prefixed(w, "map key") < 0)
				return -1;
			if (walk_value(w, item, depth + 1) < 0)
				return -1;
		}
		if (block_size >= 0 && (uint64_t)block_size != avro_bin_offset(&w->in) - items_at)
			return walk_fail(w, "block at offset %zu declares %" PRId64 " bytes but holds %zu",
			                 block_at, block_size, avro_bin_offset(&w->in) - items_at);
	}
}

static int walk_value(struct avro_walk *w, avro_schema_t s, int depth)
{
	size_t i, n, at = avro_bin_offset(&w->in);
	int check = w->mode == AVRO_WALK_CHECK;
	int64_t v;

	if (depth > AVRO_WALK_DEPTH_MAX)
		return walk_fail(w, "values nested deeper than %d", AVRO_WALK_DEPTH_MAX);
	switch (avro_typeof(s)) {
	case AVRO_NULL:
		return 0;
	case AVRO_BOOLEAN:
		if (check && avro_bin_left(&w->in) > 0 && w->in.p[0] > 1)
			return walk_fail(w, "boolean at offset %zu is %u", at, w->in.p[0]);
		return walk_skip(w, 1, "boolean");
	case AVRO_INT32:
		return walk_int(w);
	case AVRO_INT64:
		return walk_long(w, &v);
	case AVRO_FLOAT:
		return walk_skip(w, 4, "float");
	case AVRO_DOUBLE:
		return walk_skip(w, 8, "double");
	case AVRO_STRING:
		return walk_length_prefixed(w, "string");
	case AVRO_BYTES:
		return walk_length_prefixed(w, "bytes");
	case AVRO_FIXED:
		v = avro_schema_fixed_size(s);
		return v < 0 ? -1 : walk_skip(w, (size_t)v, "fixed");
	case AVRO_ENUM:
		if (walk_long(w, &v) < 0)
			return -1;
		if (check && (v < 0 || v >= avro_schema_enum_number_of_symbols(s)))
			return walk_fail(w, "enum %s index %" PRId64 " out of range at offset %zu",
			                 avro_schema_name(s), v, at);
		return 0;
	case AVRO_ARRAY:
	case AVRO_MAP:
		return walk_blocks(w, s, depth);
	case AVRO_UNION:
		if (walk_long(w, &v) < 0)
			return -1;
		if (v < 0 || (uint64_t)v >= avro_schema_union_size(s))
			return walk_fail(w, "union branch %" PRId64 " out of range at offset %zu", v, at);
		return walk_value(w, avro_schema_union_branch(s, (int)v), depth + 1);
	case AVRO_RECORD:
		n = avro_schema_record_size(s);
		for (i = 0; i < n; i++) {
			if (walk_value(w, avro_schema_record_field_get_by_index(s, (int)i), depth + 1) < 0)
				return -1;
		}
		return 0;
	case AVRO_LINK:
		return walk_value(w, avro_schema_link_target(s), depth + 1);
	default:
		return walk_fail(w, "schema holds a type the body check does not know");
	}
}

int avro_walk_value(struct avro_walk *w, avro_schema_t schema)
{
	return walk_value(w, schema, 0);
}
