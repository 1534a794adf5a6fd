/*
 * avro_canon - Parsing Canonical Form and CRC-64-AVRO, after the Avro
 * specification's "Parsing Canonical Form for Schemas" and "Schema
 * Fingerprints". Avro C 1.11.1 has neither, and single-object encoding needs
 * both to name the writer schema of a record.
 *
 * The canonical form is written from the parsed avro_schema_t, not from the
 * JSON text, so that the transformations the specification lists (full names,
 * dropping doc/aliases/defaults/logicalType, fixed attribute order, no
 * whitespace) come from the parser's view of the schema rather than from a
 * second JSON reader that might disagree with it. Avro C already resolves
 * names to (namespace, name) with the enclosing namespace inherited, so the
 * full name is rebuilt from those two.
 */
#include "avro_canon.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define CRC64_AVRO_EMPTY UINT64_C(0xc15d213aa4d7a795)

/* Canonical forms of the schemas arstat publishes are a few kilobytes. */
#define CANON_MAX (1024 * 1024)

/* Deeper nesting than this is not a schema anyone writes by hand; the limit
 * keeps the recursive walk's stack bounded. */
#define CANON_DEPTH_MAX 64

/* Filled on first use; like the rest of arstat's domain layer, not made for
 * concurrent first calls from several threads. */
static uint64_t crc64_table[256];
static int crc64_table_ready;

static void crc64_init(void)
{
	unsigned i, j;

	for (i = 0; i < 256; i++) {
		uint64_t fp = i;

		for (j = 0; j < 8; j++)
			fp = (fp >> 1) ^ (CRC64_AVRO_EMPTY & (0 - (fp & 1)));
		crc64_table[i] = fp;
	}
	crc64_table_ready = 1;
}

uint64_t avro_crc64(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t fp = CRC64_AVRO_EMPTY;
	size_t i;

	if (!crc64_table_ready)
		crc64_init();
	for (i = 0; i < len; i++)
		fp = (fp >> 8) ^ crc64_table[(fp ^ p[i]) & 0xff];
	return fp;
}

/* Full names of the named types already written in full; later occurrences
 * are written as the bare name. */
struct canon_names {
	char **names;
	size_t n;
	size_t alloc;
};

static void canon_names_free(struct canon_names *cn)
{
	size_t i;

	for (i = 0; i < cn->n; i++)
		free(cn->names[i]);
	free(cn->names);
	cn->names = NULL;
	cn->n = cn->alloc = 0;
}

static int canon_names_has(const struct canon_names *cn, const char *name)
{
	size_t i;

	for (i = 0; i < cn->n; i++) {
		if (strcmp(cn->names[i], name) == 0)
			return 1;
	}
	return 0;
}

static void canon_names_add(struct canon_names *cn, const char *name)
{
	cn->names = xgrow(cn->names, cn->n + 1, &cn->alloc, sizeof(*cn->names), 8);
	cn->names[cn->n++] = xstrdup(name);
}

/* JSON string with the escapes JSON requires. Avro names and symbols cannot
 * hold such characters, but Avro C does not enforce that, and a canonical form
 * that is not valid JSON would fingerprint differently from other readers'. */
static int canon_json_string(struct strbuf *out, const char *s)
{
	const unsigned char *p;
	int rc = -1;

	if (strbuf_append_byte(out, '"') < 0)
		goto out;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		int r;

		switch (*p) {
		case '"': r = strbuf_append_str(out, "\\\""); break;
		case '\\': r = strbuf_append_str(out, "\\\\"); break;
		case '\b': r = strbuf_append_str(out, "\\b"); break;
		case '\f': r = strbuf_append_str(out, "\\f"); break;
		case '\n': r = strbuf_append_str(out, "\\n"); break;
		case '\r': r = strbuf_append_str(out, "\\r"); break;
		case '\t': r = strbuf_append_str(out, "\\t"); break;
		default:
			if (*p < 0x20)
				r = strbuf_printf(out, "\\u%04x", (unsigned)*p);
			else
				r = strbuf_append_byte(out, *p);
			break;
		}
		if (r < 0)
			goto out;
	}
	if (strbuf_append_byte(out, '"') < 0)
		goto out;
	rc = 0;
out:
	return rc;
}

/* The full name of a named schema into fullname (reset first). */
static int canon_full_name(avro_schema_t s, struct strbuf *fullname)
{
	const char *name = avro_schema_name(s);
	const char *space = avro_schema_namespace(s);

	strbuf_reset(fullname);
	if (name == NULL)
		return -1;
	if (space != NULL && space[0] != '\0' && strchr(name, '.') == NULL) {
		if (strbuf_append_str(fullname, space) < 0 || strbuf_append_byte(fullname, '.') < 0)
			return -1;
	}
	return strbuf_append_str(fullname, name);
}

static const char *canon_primitive(avro_schema_t s)
{
	switch (avro_typeof(s)) {
	case AVRO_STRING: return "\"string\"";
	case AVRO_BYTES: return "\"bytes\"";
	case AVRO_INT32: return "\"int\"";
	case AVRO_INT64: return "\"long\"";
	case AVRO_FLOAT: return "\"float\"";
	case AVRO_DOUBLE: return "\"double\"";
	case AVRO_BOOLEAN: return "\"boolean\"";
	case AVRO_NULL: return "\"null\"";
	default: return NULL;
	}
}

static int canon_write(avro_schema_t s, struct canon_names *seen, struct strbuf *out, int depth);

static int canon_record(avro_schema_t s, struct canon_names *seen, struct strbuf *out, int depth)
{
	size_t i, n = avro_schema_record_size(s);

	if (strbuf_append_str(out, ",\"type\":\"record\",\"fields\":[") < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *fname = avro_schema_record_field_name(s, (int)i);
		avro_schema_t ftype = avro_schema_record_field_get_by_index(s, (int)i);

		if (fname == NULL || ftype == NULL)
			return -1;
		if ((i > 0 && strbuf_append_byte(out, ',') < 0) ||
		    strbuf_append_str(out, "{\"name\":") < 0 || canon_json_string(out, fname) < 0 ||
		    strbuf_append_str(out, ",\"type\":") < 0 ||
		    canon_write(ftype, seen, out, depth + 1) < 0 || strbuf_append_byte(out, '}') < 0)
			return -1;
	}
	return strbuf_append_str(out, "]}");
}

static int canon_enum(avro_schema_t s, struct strbuf *out)
{
	int i, n = avro_schema_enum_number_of_symbols(s);

	if (strbuf_append_str(out, ",\"type\":\"enum\",\"symbols\":[") < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *sym = avro_schema_enum_get(s, i);

		if (sym == NULL || (i > 0 && strbuf_append_byte(out, ',') < 0) ||
		    canon_json_string(out, sym) < 0)
			return -1;
	}
	return strbuf_append_str(out, "]}");
}

/* A named type: in full at its first occurrence, by full name afterwards. */
static int canon_named(avro_schema_t s, struct canon_names *seen, struct strbuf *out, int depth)
{
	struct strbuf fullname;
	int rc = -1;

	strbuf_init(&fullname, CANON_MAX);
	if (canon_full_name(s, &fullname) < 0)
		goto out;
	if (canon_names_has(seen, fullname.data)) {
		rc = canon_json_string(out, fullname.data);
		goto out;
	}
	/* Recorded before the body is written, so a recursive reference inside
	 * it is written by name, as the specification's PigValue example is. */
	canon_names_add(seen, fullname.data);
	if (strbuf_append_str(out, "{\"name\":") < 0 || canon_json_string(out, fullname.data) < 0)
		goto out;
	if (is_avro_record(s))
		rc = canon_record(s, seen, out, depth);
	else if (is_avro_enum(s))
		rc = canon_enum(s, out);
	else
		rc = strbuf_printf(out, ",\"type\":\"fixed\",\"size\":%" PRId64 "}",
		                   avro_schema_fixed_size(s));
out:
	strbuf_release(&fullname);
	return rc;
}

static int canon_write(avro_schema_t s, struct canon_names *seen, struct strbuf *out, int depth)
{
	const char *prim;
	size_t i, n;

	if (s == NULL || depth > CANON_DEPTH_MAX)
		return -1;
	prim = canon_primitive(s);
	if (prim != NULL)
		return strbuf_append_str(out, prim);
	if (is_avro_named_type(s))
		return canon_named(s, seen, out, depth);
	if (is_avro_link(s)) {
		/* A link is a reference by name to a type defined earlier (or
		 * enclosing it), so it has always been written in full by now;
		 * canon_named() writes just the name. */
		return canon_named(avro_schema_link_target(s), seen, out, depth);
	}
	if (is_avro_array(s)) {
		if (strbuf_append_str(out, "{\"type\":\"array\",\"items\":") < 0 ||
		    canon_write(avro_schema_array_items(s), seen, out, depth + 1) < 0)
			return -1;
		return strbuf_append_byte(out, '}');
	}
	if (is_avro_map(s)) {
		if (strbuf_append_str(out, "{\"type\":\"map\",\"values\":") < 0 ||
		    canon_write(avro_schema_map_values(s), seen, out, depth + 1) < 0)
			return -1;
		return strbuf_append_byte(out, '}');
	}
	if (is_avro_union(s)) {
		n = avro_schema_union_size(s);
		if (strbuf_append_byte(out, '[') < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if ((i > 0 && strbuf_append_byte(out, ',') < 0) ||
			    canon_write(avro_schema_union_branch(s, (int)i), seen, out, depth + 1) < 0)
				return -1;
		}
		return strbuf_append_byte(out, ']');
	}
	return -1;
}

int avro_canonical_form(avro_schema_t schema, struct strbuf *out)
{
	struct canon_names seen = { NULL, 0, 0 };
	size_t start = out->len;
	int rc;

	rc = canon_write(schema, &seen, out, 0);
	if (rc < 0)
		strbuf_truncate(out, start); /* no half-written form */
	canon_names_free(&seen);
	return rc;
}

int avro_schema_json_fingerprint(const char *json, uint64_t *fp)
{
	avro_schema_t schema = NULL;
	struct strbuf canon;
	int rc = -1;

	strbuf_init(&canon, CANON_MAX);
	if (avro_schema_from_json_length(json, strlen(json), &schema) != 0)
		goto out;
	if (avro_canonical_form(schema, &canon) < 0)
		goto out;
	*fp = avro_crc64(canon.data, canon.len);
	rc = 0;
out:
	if (schema != NULL)
		avro_schema_decref(schema);
	strbuf_release(&canon);
	return rc;
}
