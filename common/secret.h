/*
 * secret - a secret (a Kafka SASL password, a TLS key's passphrase) read
 * from a file that only its owner may read, never from the command line (any
 * local user sees it in ps) or a configuration file that others may read.
 *
 * A setting names the file; "credential:NAME" names systemd's credential
 * NAME ($CREDENTIALS_DIRECTORY/NAME, which LoadCredential=NAME:PATH in the
 * unit fills from a file root owns, readable only by the service).
 */
#ifndef ARSTAT_SECRET_H
#define ARSTAT_SECRET_H

#include "strbuf.h"

/* Longest secret read, in bytes. */
#define SECRET_MAX 4096

/*
 * Append the secret in the file `spec` names (see above) to out: the whole
 * content less one final line break ("\n" or "\r\n"). Returns 0, or -1 with
 * the reason in err (naming the file, never its content): no such file or
 * credential ($CREDENTIALS_DIRECTORY unset), not a regular file, readable or
 * writable by group or others (mode & 077), empty, longer than SECRET_MAX,
 * holding a NUL or a line break inside, or out's cap exceeded. Give out a
 * cap of at least SECRET_MAX and init it fresh, so that it does not grow
 * (realloc would leave a copy behind), and wipe it with secret_wipe when done.
 */
int secret_read(const char *spec, struct strbuf *out, struct strbuf *err);

/* Overwrite sb's bytes (all it allocated) with zeros, then release it. */
void secret_wipe(struct strbuf *sb);

#endif
