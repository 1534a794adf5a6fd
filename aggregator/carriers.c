/* carriers - the register of carriers; see carriers.h. */
#include "carriers.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "record_batch.h"
#include "strutil.h"

struct carriers {
	struct carrier *items; /* sorted by id */
	size_t n;
	char **topics;         /* the union of every carrier's, sorted, pointers into items */
	size_t ntopics;
};

int carriers_check_name(const char *name, struct strbuf *err)
{
	size_t i = 0, len = strlen(name), n;
	uint32_t cp;

	if (len == 0 || len > CARRIERS_NAME_MAX) {
		strbuf_printf(err, "display name of %zu bytes: from 1 to %d", len, CARRIERS_NAME_MAX);
		return -1;
	}
	while (i < len) {
		n = str_utf8_decode(name + i, len - i, &cp);
		if (n == 0) {
			strbuf_printf(err, "display name: byte %zu is not valid UTF-8", i + 1);
			return -1;
		}
		if (str_is_control_or_bidi(cp)) {
			strbuf_printf(err, "display name: U+%04X at byte %zu is a control or "
			              "bidirectional formatting character", (unsigned)cp, i + 1);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* Kafka's rule for a topic name: [A-Za-z0-9._-], 1 to 249 bytes, not "."
 * or "..". */
static int carriers_check_topic(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > CARRIERS_TOPIC_LEN_MAX || str_eq(t, len, ".") || str_eq(t, len, ".."))
		return -1;
	for (i = 0; i < len; i++) {
		if (!str_is_alnum(t[i]) && t[i] != '.' && t[i] != '_' && t[i] != '-')
			return -1;
	}
	return 0;
}

/* A principal is the operator's text for the ACLs: printable ASCII. */
static int carriers_check_principal(const char *p)
{
	size_t i, len = strlen(p);

	if (len == 0 || len > CARRIERS_PRINCIPAL_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7E)
			return -1;
	}
	return 0;
}

static void carrier_clear(struct carrier *ca)
{
	size_t i;

	for (i = 0; i < ca->ntopics; i++)
		free(ca->topics[i]);
	free(ca->topics);
	free(ca->id);
	free(ca->name);
	free(ca->principal);
	memset(ca, 0, sizeof(*ca));
}

void carriers_free(struct carriers *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		carrier_clear(&c->items[i]);
	free(c->items);
	free(c->topics);
	free(c);
}

static int carriers_cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct carrier *)a)->id, ((const struct carrier *)b)->id);
}

static int carriers_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The carrier id, added (unnamed, no topics) if new; NULL if new and the
 * register is full. */
static struct carrier *carriers_get(struct carriers *c, const char *id, size_t len,
                                    size_t *alloc)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (str_eq(id, len, c->items[i].id))
			return &c->items[i];
	}
	if (c->n == CARRIERS_MAX)
		return NULL;
	c->items = xgrow(c->items, c->n + 1, alloc, sizeof(*c->items), 8);
	memset(&c->items[c->n], 0, sizeof(c->items[c->n]));
	c->items[c->n].id = xstrndup(id, len);
	return &c->items[c->n++];
}

/* Set ca's topics from "T1,T2" (blanks around each allowed). 0 or -1. */
static int carriers_set_topics(struct carrier *ca, const char *list, struct strbuf *err)
{
	const char *p = list, *end, *a, *b;
	size_t i;

	for (i = 0; i < ca->ntopics; i++)
		free(ca->topics[i]);
	free(ca->topics);
	ca->topics = NULL;
	ca->ntopics = 0;
	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (a = p; a < end && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = end; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
			;
		if (carriers_check_topic(a, (size_t)(b - a)) < 0) {
			strbuf_printf(err, "topic \"%.*s\" is not a Kafka topic name "
			              "([A-Za-z0-9._-], 1 to %d bytes)", (int)(b - a), a,
			              CARRIERS_TOPIC_LEN_MAX);
			return -1;
		}
		if (ca->ntopics == CARRIERS_TOPICS_MAX) {
			strbuf_printf(err, "more than %d topics", CARRIERS_TOPICS_MAX);
			return -1;
		}
		ca->topics = xreallocarray(ca->topics, ca->ntopics + 1, sizeof(*ca->topics));
		ca->topics[ca->ntopics++] = xstrndup(a, (size_t)(b - a));
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

/* One carrier.ID.ATTR = value. 0, or -1 with err. */
static int carriers_set(struct carriers *c, const struct cfg_kv *kv, size_t *alloc,
                        struct strbuf *err)
{
	const char *dot = strrchr(kv->name, '.'), *attr;
	struct strbuf why;
	struct carrier *ca;
	size_t idlen;
	char *id;
	int rc = -1;

	strbuf_init(&why, 512);
	if (dot == NULL) {
		strbuf_printf(err, "carrier.%s: expected carrier.ID.name, .topics or .principal",
		              kv->name);
		goto out;
	}
	attr = dot + 1;
	idlen = (size_t)(dot - kv->name);
	id = xstrndup(kv->name, idlen);
	rc = record_carrier_check(id, &why);
	free(id);
	if (rc < 0) {
		strbuf_printf(err, "carrier.%s: %s", kv->name, why.data != NULL ? why.data : "bad id");
		goto out;
	}
	rc = -1;
	if (strcmp(attr, "name") != 0 && strcmp(attr, "topics") != 0 &&
	    strcmp(attr, "principal") != 0) {
		strbuf_printf(err, "carrier.%s: unknown attribute \"%s\" (name, topics or principal)",
		              kv->name, attr);
		goto out;
	}
	ca = carriers_get(c, kv->name, idlen, alloc);
	if (ca == NULL) {
		strbuf_printf(err, "carrier.%s: more than %d carriers", kv->name, CARRIERS_MAX);
		goto out;
	}
	if (strcmp(attr, "name") == 0) {
		if (carriers_check_name(kv->value, &why) < 0) {
			strbuf_printf(err, "carrier.%s: %s", kv->name, why.data);
			goto out;
		}
		free(ca->name);
		ca->name = xstrdup(kv->value);
	} else if (strcmp(attr, "topics") == 0) {
		if (carriers_set_topics(ca, kv->value, &why) < 0) {
			strbuf_printf(err, "carrier.%s: %s", kv->name, why.data);
			goto out;
		}
	} else {
		if (carriers_check_principal(kv->value) < 0) {
			strbuf_printf(err, "carrier.%s: not a principal (printable ASCII without blanks, "
			              "1 to %d bytes)", kv->name, CARRIERS_PRINCIPAL_MAX);
			goto out;
		}
		free(ca->principal);
		ca->principal = xstrdup(kv->value);
	}
	rc = 0;
out:
	strbuf_release(&why);
	return rc;
}

/* The union of the carriers' topics, sorted, each once. */
static void carriers_collect_topics(struct carriers *c)
{
	size_t i, j, n = 0, total = 0;

	for (i = 0; i < c->n; i++)
		total += c->items[i].ntopics;
	c->topics = xcalloc(total > 0 ? total : 1, sizeof(*c->topics));
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->items[i].ntopics; j++)
			c->topics[n++] = c->items[i].topics[j];
	}
	qsort(c->topics, n, sizeof(*c->topics), carriers_cmp_str);
	c->ntopics = 0;
	for (i = 0; i < n; i++) {
		if (c->ntopics == 0 || strcmp(c->topics[c->ntopics - 1], c->topics[i]) != 0)
			c->topics[c->ntopics++] = c->topics[i];
	}
}

int carriers_new(const struct cfg_kvlist *settings, const char *default_topic,
                 struct carriers **out, struct strbuf *err)
{
	struct carriers *c = xcalloc(1, sizeof(*c));
	size_t i, alloc = 0;
	int rc = -1;

	*out = NULL;
	for (i = 0; i < settings->n; i++) {
		if (carriers_set(c, &settings->items[i], &alloc, err) < 0)
			goto out;
	}
	if (c->n == 0) {
		strbuf_printf(err, "no carrier registered: give each carrier as "
		              "carrier.ID.name = Display Name (and carrier.ID.topics)");
		goto out;
	}
	for (i = 0; i < c->n; i++) {
		struct carrier *ca = &c->items[i];

		if (ca->name == NULL) {
			strbuf_printf(err, "carrier.%s.name is not set", ca->id);
			goto out;
		}
		if (ca->ntopics == 0 && carriers_set_topics(ca, default_topic, err) < 0)
			goto out;
	}
	qsort(c->items, c->n, sizeof(*c->items), carriers_cmp_id);
	carriers_collect_topics(c);
	*out = c;
	c = NULL;
	rc = 0;
out:
	carriers_free(c);
	return rc;
}

const struct carrier *carriers_find(const struct carriers *c, const char *id)
{
	size_t lo = 0, hi = c->n, mid;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(c->items[mid].id, id);
		if (cmp == 0)
			return &c->items[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int carrier_has_topic(const struct carrier *ca, const char *topic)
{
	size_t i;

	for (i = 0; i < ca->ntopics; i++) {
		if (strcmp(ca->topics[i], topic) == 0)
			return 1;
	}
	return 0;
}

size_t carriers_count(const struct carriers *c)
{
	return c->n;
}

const struct carrier *carriers_at(const struct carriers *c, size_t i)
{
	return &c->items[i];
}

size_t carriers_topics(const struct carriers *c, const char *const **out)
{
	*out = (const char *const *)c->topics;
	return c->ntopics;
}
