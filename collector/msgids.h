/*
 * msgids - which queue ID a Message-ID belongs to, for verdicts that name
 * their message by its Message-ID rather than by a queue ID (SpamAssassin's
 * spamd: "mid=<...>"). The MTA's lines give the pairs (Postfix cleanup's
 * "QID: message-id=<...>"); a verdict then asks for its queue ID.
 *
 * Privacy: a Message-ID names a message. The table keeps no Message-ID, only
 * a keyed 64-bit hash of host and Message-ID (the key is per process and
 * never leaves it), in memory only: nothing of it is logged, saved in the
 * checkpoint or published. After a restart, a verdict for a message whose
 * message-id line was read before is not joined.
 *
 * The table is bounded: a fixed number of entries, in sets of four, the
 * oldest of a set making room for a new pair. Two messages of one host with
 * one Message-ID (a sender re-using it) map to the later. A Message-ID is
 * compared as spamd logs it (spamd.raw, parse_msgids()): comments removed,
 * blanks collapsed, the part between the first "<" and the next ">", bytes
 * outside printable ASCII and "<", ">" as "?", "," as "_", in angle brackets.
 */
#ifndef ARSTAT_COLLECTOR_MSGIDS_H
#define ARSTAT_COLLECTOR_MSGIDS_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

/* Longest Message-ID read, in bytes (RFC 5322's line limit); a longer one
 * is not joined. */
#define MSGIDS_ID_MAX (INPUT_MSGID_MAX - 2)

struct msgids;

/* A table for about `capacity` pairs (rounded up to sets of four, at least
 * 64). Never returns NULL. */
struct msgids *msgids_new(size_t capacity);
/* msgids_free(NULL) does nothing. */
void msgids_free(struct msgids *t);

/*
 * Remember that on host h the message with Message-ID header value
 * v[0..vlen) (as the MTA logged it, to be normalised as spamd does) has
 * queue ID qid (at most 32 bytes). Returns 0, or -1 (nothing kept) for a
 * value that gives no Message-ID (empty, "<>", too long, too many comments).
 */
int msgids_put(struct msgids *t, struct input_span h, const char *v, size_t vlen,
               struct input_span qid);

/*
 * The queue ID of the message with Message-ID mid[0..mlen) as spamd logs it
 * (already normalised) on host h: 0 and *qid pointing into the table (valid
 * until the next msgids_put), or -1 if none is known.
 */
int msgids_get(const struct msgids *t, struct input_span h, const char *mid, size_t mlen,
               struct input_span *qid);

/*
 * spamd's form of Message-ID header value v[0..vlen) into out (size
 * MSGIDS_ID_MAX + 2): its length, or 0 when it gives none (see msgids_put).
 */
size_t msgids_normalize(const char *v, size_t vlen, char *out);

#endif
