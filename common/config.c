#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "numparse.h"

/* A configuration line longer than this is an error, not something to grow for. */
#define CFG_LINE_MAX 4096

static const struct cfg_entry *cfg_find(const struct cfg_entry *table, const char *name)
{
	const struct cfg_entry *e;

	for (e = table; e->name != NULL; e++) {
		if (e->type != CFG_PREFIX && strcmp(e->name, name) == 0)
			return e;
	}
	for (e = table; e->name != NULL; e++) {
		if (e->type == CFG_PREFIX && strncmp(e->name, name, strlen(e->name)) == 0 &&
		    name[strlen(e->name)] != '\0')
			return e;
	}
	return NULL;
}

static void cfg_kvlist_clear(struct cfg_kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static int cfg_parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int cfg_assign(const struct cfg_entry *e, void *target, const char *name,
                      const char *value, struct strbuf *err)
{
	char *field = (char *)target + e->offset;
	int64_t iv;
	int bv;

	switch (e->type) {
	case CFG_INT:
		if (num_parse_i64_str(value, e->min, e->max, &iv) < 0) {
			strbuf_printf(err, "%s: \"%s\" is not an integer in [%lld, %lld]", e->name,
			              value, (long long)e->min, (long long)e->max);
			return -1;
		}
		memcpy(field, &iv, sizeof(iv));
		return 0;
	case CFG_BOOL:
		if (cfg_parse_bool(value, &bv) < 0) {
			strbuf_printf(err, "%s: \"%s\" is not yes or no", e->name, value);
			return -1;
		}
		memcpy(field, &bv, sizeof(bv));
		return 0;
	case CFG_STR: {
		char *old, *copy = xstrdup(value);

		memcpy(&old, field, sizeof(old));
		free(old);
		memcpy(field, &copy, sizeof(copy));
		return 0;
	}
	case CFG_PREFIX: {
		struct cfg_kvlist *l = (struct cfg_kvlist *)(void *)field;
		const char *suffix = name + strlen(e->name);
		size_t i;

		/* A later setting of the same name replaces the earlier one. */
		for (i = 0; i < l->n; i++) {
			if (strcmp(l->items[i].name, suffix) == 0) {
				free(l->items[i].value);
				l->items[i].value = xstrdup(value);
				return 0;
			}
		}
		l->items = xreallocarray(l->items, l->n + 1, sizeof(*l->items));
		l->items[l->n].name = xstrdup(suffix);
		l->items[l->n].value = xstrdup(value);
		l->n++;
		return 0;
	}
	}
	msg_panic("cfg_assign: bad type %d", (int)e->type);
}

void cfg_defaults(const struct cfg_entry *table, void *target)
{
	const struct cfg_entry *e;
	struct strbuf err;

	strbuf_init(&err, 1024);
	for (e = table; e->name != NULL; e++) {
		if (e->type == CFG_PREFIX) {
			cfg_kvlist_clear((struct cfg_kvlist *)(void *)((char *)target + e->offset));
			continue;
		}
		if (e->type == CFG_STR) {
			char *field = (char *)target + e->offset, *old, *nul = NULL;

			memcpy(&old, field, sizeof(old));
			free(old);
			memcpy(field, &nul, sizeof(nul));
			if (e->defval == NULL)
				continue;
		}
		if (cfg_assign(e, target, e->name, e->defval, &err) < 0)
			msg_panic("bad default: %s", err.data);
	}
	strbuf_release(&err);
}

int cfg_set(const struct cfg_entry *table, void *target, const char *name,
            const char *value, struct strbuf *err)
{
	const struct cfg_entry *e = cfg_find(table, name);

	if (e == NULL) {
		strbuf_printf(err, "unknown setting \"%s\"", name);
		return -1;
	}
	return cfg_assign(e, target, name, value, err);
}

static char *cfg_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/*
 * The next line of fp into line[0..size-1), NUL-terminated, as fgets() reads
 * it (up to and including its newline, or size - 1 bytes), with its length
 * in *len: unlike strlen(), that counts a NUL byte inside the line. 0 at
 * the end of the file.
 */
static int cfg_read_line(FILE *fp, char *line, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	while (n + 1 < size) {
		c = getc(fp);
		if (c == EOF)
			break;
		line[n++] = (char)c;
		if (c == '\n')
			break;
	}
	line[n] = '\0';
	*len = n;
	return n > 0;
}

int cfg_load_file(const struct cfg_entry *table, void *target, const char *path,
                  struct strbuf *err)
{
	char line[CFG_LINE_MAX + 2];
	unsigned lineno = 0;
	size_t len;
	int rc = -1;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		strbuf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (cfg_read_line(fp, line, sizeof(line), &len)) {
		char *name, *value, *eq;
		struct strbuf why;

		lineno++;
		if (len > CFG_LINE_MAX && line[len - 1] != '\n') {
			strbuf_printf(err, "%s:%u: line longer than %d bytes", path, lineno, CFG_LINE_MAX);
			goto out;
		}
		/* Text after a NUL would be invisible to the parsing below (and
		 * the rest of a long line would pass for a line of its own). */
		if (memchr(line, '\0', len) != NULL) {
			strbuf_printf(err, "%s:%u: NUL byte in line", path, lineno);
			goto out;
		}
		name = cfg_trim(line);
		if (*name == '\0' || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (eq == NULL) {
			strbuf_printf(err, "%s:%u: expected \"name = value\"", path, lineno);
			goto out;
		}
		*eq = '\0';
		value = cfg_trim(eq + 1);
		name = cfg_trim(name);
		strbuf_init(&why, 512);
		if (cfg_set(table, target, name, value, &why) < 0) {
			strbuf_printf(err, "%s:%u: %s", path, lineno, why.data ? why.data : "error");
			strbuf_release(&why);
			goto out;
		}
		strbuf_release(&why);
	}
	if (ferror(fp)) {
		strbuf_printf(err, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(fp);
	return rc;
}

int cfg_load(const struct cfg_entry *table, void *target, const char *path,
             char *const *overrides, size_t n, struct strbuf *err)
{
	size_t i;

	cfg_defaults(table, target);
	if (path != NULL && cfg_load_file(table, target, path, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char *eq = strchr(overrides[i], '='), *name;
		int rc;

		if (eq == NULL) {
			strbuf_printf(err, "-o %s: expected name=value", overrides[i]);
			return -1;
		}
		name = xstrndup(overrides[i], (size_t)(eq - overrides[i]));
		rc = cfg_set(table, target, name, eq + 1, err);
		free(name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void cfg_free(const struct cfg_entry *table, void *target)
{
	for (; table->name != NULL; table++) {
		if (table->type == CFG_PREFIX)
			cfg_kvlist_clear((struct cfg_kvlist *)(void *)((char *)target + table->offset));
		if (table->type == CFG_STR) {
			char *field = (char *)target + table->offset, *old, *nul = NULL;

			memcpy(&old, field, sizeof(old));
			free(old);
			memcpy(field, &nul, sizeof(nul));
		}
	}
}

/* A field of the tab-separated form must not contain its separators. */
static const char *cfg_help_field(const char *s)
{
	if (s != NULL && strpbrk(s, "\t\n") != NULL)
		msg_panic("configuration table: a tab or newline in \"%s\"", s);
	return s != NULL ? s : "";
}

int cfg_help(FILE *fp, const struct cfg_entry *table, enum cfg_help_form form)
{
	static const char *const types[] = {
		[CFG_INT] = "int", [CFG_BOOL] = "bool", [CFG_STR] = "string", [CFG_PREFIX] = "prefix",
	};
	const struct cfg_entry *e;

	for (e = table; e->name != NULL; e++) {
		if (form == CFG_HELP_TEXT) {
			fprintf(fp, "%-24s %-12s %s\n", e->name, e->defval ? e->defval : "-", e->help);
			continue;
		}
		fprintf(fp, "%s\t%s\t%s\t", cfg_help_field(e->name), types[e->type],
		        cfg_help_field(e->defval));
		if (e->type == CFG_INT)
			fprintf(fp, "%lld\t%lld\t", (long long)e->min, (long long)e->max);
		else
			fputs("\t\t", fp);
		fprintf(fp, "%s\n", cfg_help_field(e->help));
	}
	if (fflush(fp) != 0 || ferror(fp))
		return -1;
	return 0;
}
