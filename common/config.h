/*
 * config - one configuration struct per program, filled once from a table of
 * (name, type, default, min, max) like Postfix CONFIG_INT_TABLE, and treated
 * as read-only afterwards.
 *
 * File syntax: "name = value" per line; '#' starts a comment line; blank
 * lines are ignored; surrounding white space is trimmed. An unknown name, a
 * value out of range or a malformed line (no '=', longer than 4096 bytes, or
 * holding a NUL byte) is an error naming file and line.
 */
#ifndef ARSTAT_CONFIG_H
#define ARSTAT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

enum cfg_type {
	CFG_INT,  /* int64_t, checked against [min, max] */
	CFG_BOOL, /* int: yes/no, true/false, on/off, 1/0 */
	CFG_STR,  /* char *, owned by the struct; freed by cfg_free() */
	CFG_PREFIX, /* struct cfg_kvlist: every "NAMEsuffix = value" with NAME as
	               prefix (e.g. "kafka."), stored as (suffix, value) in order */
};

struct cfg_kv {
	char *name;
	char *value;
};

struct cfg_kvlist {
	struct cfg_kv *items;
	size_t n;
};

struct cfg_entry {
	const char *name;
	enum cfg_type type;
	const char *defval; /* default, as it would be written in the file; NULL = unset string */
	int64_t min, max;   /* CFG_INT only */
	size_t offset;      /* offsetof(struct ..., field) */
	const char *help;   /* one line, for --help-config */
};

#define CFG_END { NULL, CFG_INT, NULL, 0, 0, 0, NULL }

/* Set every entry to its default; target must be zeroed before the first call.
 * Defaults must be valid (panics otherwise). */
void cfg_defaults(const struct cfg_entry *table, void *target);
/* Set one entry from its text form. Returns 0, or -1 with a reason in err. */
int cfg_set(const struct cfg_entry *table, void *target, const char *name,
            const char *value, struct strbuf *err);
/* Read a file into target (on top of what is there). 0 or -1 with err. */
int cfg_load_file(const struct cfg_entry *table, void *target, const char *path,
                  struct strbuf *err);
/*
 * The one way a program fills its settings: defaults, then the file at path
 * (if not NULL), then each override "name=value" of overrides[0..n) in order
 * (the -o options of the command line). 0, or -1 with err naming the file and
 * line or the override.
 */
int cfg_load(const struct cfg_entry *table, void *target, const char *path,
             char *const *overrides, size_t n, struct strbuf *err);
/* Free the strings held by target. */
void cfg_free(const struct cfg_entry *table, void *target);

enum cfg_help_form {
	CFG_HELP_TEXT, /* name, default ("-" if none) and help, in columns, for people */
	/* One line per setting, six fields separated by tabs: name, type (int,
	 * bool, string, prefix), default (empty if none), min and max (int only,
	 * else empty), help. For programs: the manual pages are made from it. */
	CFG_HELP_TSV,
};
/*
 * Print every entry of table to fp in the given form (--help-config). Names,
 * defaults and help texts hold no tab or newline (they are code, checked by
 * panic). Returns 0, or -1 if writing failed (errno set).
 */
int cfg_help(FILE *fp, const struct cfg_entry *table, enum cfg_help_form form);

#endif
