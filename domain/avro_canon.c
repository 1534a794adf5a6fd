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
 *
 * A schema that comes from outside (a container file's header) is not
 * handed to that parser: Avro C 1.11.1 leaks what it has built of a schema
 * that defines a named type twice, and a file is anyone's. For it,
 * avro_canonical_form_json() writes the same form from the JSON text
 * (jansson, the JSON library Avro C itself uses), strictly: a schema it does
 * not take is one no arstat component writes, and the caller compares the
 * form with the forms of its own schemas before using anything.
 */
#include "avro_canon.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

/* ---- the same form from JSON text ---- */

struct jcanon {
	struct canon_names defined; /* full names of the named types so far */
	struct strbuf *out;
	struct strbuf *why;
};

static const char *const jcanon_primitives[] = { "null", "boolean", "int", "long",
	                                         "float", "double", "bytes", "string" };

static int jcanon_primitive(const char *t)
{
	size_t i;

	for (i = 0; i < sizeof(jcanon_primitives) / sizeof(jcanon_primitives[0]); i++) {
		if (strcmp(t, jcanon_primitives[i]) == 0)
			return 1;
	}
	return 0;
}

/* An Avro name ([A-Za-z_][A-Za-z0-9_]*), or with dots a sequence of them:
 * nothing that needs escaping, so names go into messages and the form as
 * they are. */
static int jcanon_name_ok(const char *s, int dotted)
{
	const char *p = s;

	for (;;) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
			return 0;
		for (p++; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		          (*p >= '0' && *p <= '9') || *p == '_';
		     p++)
			;
		if (*p == '\0')
			return 1;
		if (*p != '.' || !dotted)
			return 0;
		p++;
	}
}

/* name in namespace space ("" for none) as a full name, into full. */
static int jcanon_full_name(const char *name, const char *space, struct strbuf *full)
{
	strbuf_reset(full);
	if (strchr(name, '.') == NULL && space[0] != '\0' &&
	    (strbuf_append_str(full, space) < 0 || strbuf_append_byte(full, '.') < 0))
		return -1;
	return strbuf_append_str(full, name);
}

static int jcanon_schema(struct jcanon *c, json_t *j, const char *space, int depth);

/* A reference by name to a type defined before: its full name, looked up in
 * the enclosing namespace first and then, as Avro C does, in none. */
static int jcanon_reference(struct jcanon *c, const char *t, const char *space)
{
	struct strbuf full;
	int rc = -1;

	strbuf_init(&full, CANON_MAX);
	if (!jcanon_name_ok(t, 1)) {
		strbuf_printf(c->why, "a type that is not an Avro name");
		goto out;
	}
	if (jcanon_full_name(t, space, &full) < 0)
		goto out;
	if (!canon_names_has(&c->defined, full.data)) {
		if (!canon_names_has(&c->defined, t)) {
			strbuf_printf(c->why, "type %s is not defined before its use", t);
			goto out;
		}
		strbuf_reset(&full);
		if (strbuf_append_str(&full, t) < 0)
			goto out;
	}
	rc = strbuf_printf(c->out, "\"%s\"", full.data);
out:
	strbuf_release(&full);
	return rc;
}

static int jcanon_fields(struct jcanon *c, json_t *fields, const char *space, int depth)
{
	size_t i;
	json_t *f, *name, *type;

	if (!json_is_array(fields)) {
		strbuf_printf(c->why, "a record without a list of fields");
		return -1;
	}
	if (strbuf_append_str(c->out, ",\"type\":\"record\",\"fields\":[") < 0)
		return -1;
	json_array_foreach(fields, i, f) {
		name = json_object_get(f, "name");
		type = json_object_get(f, "type");
		if (!json_is_string(name) || !jcanon_name_ok(json_string_value(name), 0) ||
		    type == NULL) {
			strbuf_printf(c->why, "field %zu has no Avro name or no type", i);
			return -1;
		}
		if ((i > 0 && strbuf_append_byte(c->out, ',') < 0) ||
		    strbuf_printf(c->out, "{\"name\":\"%s\",\"type\":", json_string_value(name)) < 0 ||
		    jcanon_schema(c, type, space, depth + 1) < 0 || strbuf_append_byte(c->out, '}') < 0)
			return -1;
	}
	return strbuf_append_str(c->out, "]}");
}

static int jcanon_symbols(struct jcanon *c, json_t *symbols)
{
	size_t i;
	json_t *sym;

	if (!json_is_array(symbols)) {
		strbuf_printf(c->why, "an enum without a list of symbols");
		return -1;
	}
	if (strbuf_append_str(c->out, ",\"type\":\"enum\",\"symbols\":[") < 0)
		return -1;
	json_array_foreach(symbols, i, sym) {
		if (!json_is_string(sym) || !jcanon_name_ok(json_string_value(sym), 0)) {
			strbuf_printf(c->why, "enum symbol %zu is not an Avro name", i);
			return -1;
		}
		if ((i > 0 && strbuf_append_byte(c->out, ',') < 0) ||
		    strbuf_printf(c->out, "\"%s\"", json_string_value(sym)) < 0)
			return -1;
	}
	return strbuf_append_str(c->out, "]}");
}

/* A record, enum or fixed: defined here, and only here. Its namespace (from
 * a dotted name, its namespace attribute, or the enclosing one) is the one
 * its fields' types are named in. */
static int jcanon_named(struct jcanon *c, json_t *j, const char *type, const char *space,
                        int depth)
{
	json_t *name = json_object_get(j, "name"), *ns = json_object_get(j, "namespace");
	json_t *size;
	struct strbuf full, inner;
	const char *n, *dot;
	int rc = -1;

	strbuf_init(&full, CANON_MAX);
	strbuf_init(&inner, CANON_MAX);
	if (!json_is_string(name) || !jcanon_name_ok(json_string_value(name), 1)) {
		strbuf_printf(c->why, "a %s without an Avro name", type);
		goto out;
	}
	n = json_string_value(name);
	if (strchr(n, '.') == NULL && json_is_string(ns)) {
		space = json_string_value(ns);
		if (space[0] != '\0' && !jcanon_name_ok(space, 1)) {
			strbuf_printf(c->why, "the namespace of %s is not an Avro name", n);
			goto out;
		}
	}
	if (jcanon_full_name(n, space, &full) < 0)
		goto out;
	if (canon_names_has(&c->defined, full.data)) {
		strbuf_printf(c->why, "the schema defines %s twice", full.data);
		goto out;
	}
	/* Recorded first, so a recursive reference inside it resolves. */
	canon_names_add(&c->defined, full.data);
	dot = strrchr(full.data, '.');
	if (dot != NULL && strbuf_append(&inner, full.data, (size_t)(dot - full.data)) < 0)
		goto out;
	if (strbuf_printf(c->out, "{\"name\":\"%s\"", full.data) < 0)
		goto out;
	if (strcmp(type, "record") == 0) {
		rc = jcanon_fields(c, json_object_get(j, "fields"),
		                   inner.data != NULL ? inner.data : "", depth);
	} else if (strcmp(type, "enum") == 0) {
		rc = jcanon_symbols(c, json_object_get(j, "symbols"));
	} else {
		size = json_object_get(j, "size");
		if (!json_is_integer(size) || json_integer_value(size) < 0) {
			strbuf_printf(c->why, "fixed %s without a size", full.data);
			goto out;
		}
		rc = strbuf_printf(c->out, ",\"type\":\"fixed\",\"size\":%" JSON_INTEGER_FORMAT "}",
		                   json_integer_value(size));
	}
out:
	strbuf_release(&full);
	strbuf_release(&inner);
	return rc;
}

static int jcanon_schema(struct jcanon *c, json_t *j, const char *space, int depth)
{
	json_t *t, *branch;
	const char *type;
	size_t i;

	if (depth > CANON_DEPTH_MAX) {
		strbuf_printf(c->why, "types nest deeper than %d", CANON_DEPTH_MAX);
		return -1;
	}
	if (json_is_string(j)) {
		type = json_string_value(j);
		if (jcanon_primitive(type))
			return strbuf_printf(c->out, "\"%s\"", type);
		return jcanon_reference(c, type, space);
	}
	if (json_is_array(j)) {
		if (strbuf_append_byte(c->out, '[') < 0)
			return -1;
		json_array_foreach(j, i, branch) {
			if ((i > 0 && strbuf_append_byte(c->out, ',') < 0) ||
			    jcanon_schema(c, branch, space, depth + 1) < 0)
				return -1;
		}
		return strbuf_append_byte(c->out, ']');
	}
	t = json_object_get(j, "type");
	if (!json_is_string(t)) {
		strbuf_printf(c->why, "a schema that is not a name, a list or an object with a type");
		return -1;
	}
	type = json_string_value(t);
	if (jcanon_primitive(type))
		return strbuf_printf(c->out, "\"%s\"", type);
	if (strcmp(type, "record") == 0 || strcmp(type, "enum") == 0 || strcmp(type, "fixed") == 0)
		return jcanon_named(c, j, type, space, depth);
	if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
		const char *key = type[0] == 'a' ? "items" : "values";

		if (json_object_get(j, key) == NULL) {
			strbuf_printf(c->why, "%s without %s", type, key);
			return -1;
		}
		if (strbuf_printf(c->out, "{\"type\":\"%s\",\"%s\":", type, key) < 0 ||
		    jcanon_schema(c, json_object_get(j, key), space, depth + 1) < 0)
			return -1;
		return strbuf_append_byte(c->out, '}');
	}
	return jcanon_reference(c, type, space);
}

int avro_canonical_form_json(const char *json, size_t len, struct strbuf *out,
                             struct strbuf *why)
{
	struct jcanon c = { { NULL, 0, 0 }, out, why };
	size_t start = out->len;
	json_error_t jerr;
	json_t *root;
	int rc = -1;

	/* Duplicate keys are refused: which of two "type"s counts would be a
	 * guess. Any value at the top: "null" is a schema. */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		/* jerr.text may quote the text, which is the file's: not shown. */
		strbuf_printf(why, "not JSON (line %d, column %d)", jerr.line, jerr.column);
		goto out;
	}
	rc = jcanon_schema(&c, root, "", 0);
	json_decref(root);
out:
	if (rc < 0)
		strbuf_truncate(out, start);
	canon_names_free(&c.defined);
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
