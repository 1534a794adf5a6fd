/*
 * avro_walk - walk Avro binary data against its writer schema, to find where
 * each value ends and to prove it sound before Avro C reads it.
 *
 * Avro C 1.11.1 reads binary data with no regard for how many bytes are
 * left: a string or bytes length goes to malloc() unchecked, an array block
 * count is looped over without bound, enum indexes are stored unchecked. The
 * walk reads every length, count and index through the bounded cursor of
 * avro_bin.h and proves it fits the bytes present. It is driven by the
 * schema, so it serves every schema version (record.c's generic decoder)
 * and any writer schema a container file names (ocf.c) without new code.
 */
#ifndef ARSTAT_AVRO_WALK_H
#define ARSTAT_AVRO_WALK_H

#include <stddef.h>

#include <avro.h>

#include "avro_bin.h"
#include "strbuf.h"

enum avro_walk_mode {
	/* Find where each value ends: lengths, counts, union branches and
	 * nesting are checked, the values themselves are not (the container
	 * reader hands each record to the decoder, which judges it alone). */
	AVRO_WALK_FRAME,
	/* Also what Avro C would store unchecked: booleans are 0 or 1, enum
	 * indexes within their symbols, and a block's declared size right. */
	AVRO_WALK_CHECK,
};

struct avro_walk {
	struct avro_bin in;
	/* Array and map items still allowed. One per byte: every item of our
	 * schemas takes at least a byte, and the budget stops a huge count of
	 * zero-byte items (arrays of null, say) from looping for long or making
	 * Avro C append elements without end. */
	size_t items_left;
	enum avro_walk_mode mode;
	struct strbuf *why;
};

/*
 * Walk data[0..len), which the walk borrows; values follow each other and
 * share the item budget. Reasons go to why (which may be NULL), replacing
 * what it held.
 */
void avro_walk_init(struct avro_walk *w, const void *data, size_t len, enum avro_walk_mode mode,
                    struct strbuf *why);

/*
 * Walk one value of schema from where the walk is. Returns 0 with the walk
 * after the value, or -1 with the reason in why (offsets are from the start
 * of data): the value runs past the bytes, a number overflows, a length,
 * count or union branch is out of range, values nest deeper than 32 (only a
 * recursive schema can), or (AVRO_WALK_CHECK) a value is out of range.
 */
int avro_walk_value(struct avro_walk *w, avro_schema_t schema);

#endif
