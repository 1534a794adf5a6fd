/*
 * carriers - the register of carriers: who may deliver counts to the
 * aggregator, and from where. A record naming a carrier that is not
 * registered, or arriving from a source its carrier is not bound to, is a
 * dead letter (intake.h); a report counts only registered carriers.
 *
 * Configuration (settings.c), per carrier ID:
 *
 *   carrier.ID.name = Display Name       required
 *   carrier.ID.topics = T1,T2            Kafka topics whose records may name
 *                                        ID (default: the topic setting)
 *   carrier.ID.principal = User:NAME     the Kafka principal granted write to
 *                                        those topics; kept for the ACLs
 *                                        (not enforced here)
 *
 * ID is the string collectors put in the record's carrier field:
 * [a-z0-9][a-z0-9._-]{0,62}, so that it can never be a formula, a path or
 * markup wherever it is shown. The display name is valid UTF-8 of at most
 * CARRIERS_NAME_MAX bytes without control or bidirectional formatting
 * characters. On a topic shared by several carriers, whoever may write to it
 * can claim any of them: only a topic per carrier, writable by that
 * carrier's principal alone, binds records to their carrier.
 */
#ifndef ARSTAT_AGGREGATOR_CARRIERS_H
#define ARSTAT_AGGREGATOR_CARRIERS_H

#include <stddef.h>

#include "config.h"
#include "strbuf.h"

/* Registered carriers at most: more is a mistake, not a register. */
#define CARRIERS_MAX 1000
/* Bytes of a display name, of a principal, and topics of one carrier. */
#define CARRIERS_NAME_MAX 200
#define CARRIERS_PRINCIPAL_MAX 255
#define CARRIERS_TOPICS_MAX 16
/* Kafka's own limit on a topic name. */
#define CARRIERS_TOPIC_LEN_MAX 249

struct carrier {
	char *id;
	char *name;
	char **topics;   /* ntopics of them, each a valid Kafka topic name */
	size_t ntopics;
	char *principal; /* NULL if not given */
};

struct carriers;

/*
 * The register from the settings' carrier.* entries (suffixes "ID.name",
 * "ID.topics", "ID.principal", in any order); topics default to
 * default_topic. Returns a new register in *out (the caller frees it with
 * carriers_free), or -1 with err naming the setting at fault: an id outside
 * the character set, a missing or unsafe name, an unknown attribute, a bad
 * topic, or no carrier at all.
 */
int carriers_new(const struct cfg_kvlist *settings, const char *default_topic,
                 struct carriers **out, struct strbuf *err);
/* carriers_free(NULL) is a no-op. */
void carriers_free(struct carriers *c);

/* 0 if name is a valid display name, or -1 with the reason in err. */
int carriers_check_name(const char *name, struct strbuf *err);

/* The carrier registered as id, or NULL. No allocation: intake asks once a
 * record. */
const struct carrier *carriers_find(const struct carriers *c, const char *id);
/* 1 if records of carrier ca may arrive from topic, else 0. */
int carrier_has_topic(const struct carrier *ca, const char *topic);

/* The carriers, sorted by id (the register owns them). */
size_t carriers_count(const struct carriers *c);
const struct carrier *carriers_at(const struct carriers *c, size_t i);
/* Every topic some carrier is bound to, each once, sorted (the register
 * owns them). */
size_t carriers_topics(const struct carriers *c, const char *const **out);

#endif
