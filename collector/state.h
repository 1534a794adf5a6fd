/*
 * state - the collector's state directory: its identity (a random epoch
 * chosen when the directory is created, and the secret that keys the
 * pseudonym) and the next sequence number. Files are replaced atomically
 * (write, fsync, rename, fsync the directory), so a crash leaves either the
 * old or the new content, never a mix.
 */
#ifndef ARSTAT_COLLECTOR_STATE_H
#define ARSTAT_COLLECTOR_STATE_H

#include <stdint.h>

#include "record.h"
#include "strbuf.h"

struct state;

/*
 * Open dir, creating it (mode 0700) and a new identity if it holds none.
 * secret_hex, if not NULL, replaces the generated pseudonym secret (at least
 * 16 bytes of hex). host_name is what the pseudonym hides. NULL with err on
 * failure (unwritable directory, corrupt file).
 */
struct state *state_open(const char *dir, const char *secret_hex, const char *host_name,
                         struct strbuf *err);
void state_free(struct state *st);

int64_t state_epoch(const struct state *st);
/* Hex pseudonym: HMAC-SHA-256(secret, host name), first 128 bits. */
const char *state_pseudonym(const struct state *st);
/* The next sequence number to use (starts at 1). */
int64_t state_next_seq(const struct state *st);
/* Record that numbers below next are used; durable when it returns 0. */
int state_save_seq(struct state *st, int64_t next, struct strbuf *err);

/* Replace state_dir/name atomically with data; durable when it returns 0. */
int state_save_blob(struct state *st, const char *name, const void *data, size_t len,
                    struct strbuf *err);
/* Append state_dir/name to out (bounded by out's cap). 1 if read, 0 if it
 * does not exist, -1 with err. */
int state_load_blob(struct state *st, const char *name, struct strbuf *out, struct strbuf *err);
const char *state_dir(const struct state *st);

#endif
