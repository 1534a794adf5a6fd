/*
 * secretfile - a secret (a password, a key's passphrase) read from a file
 * that only its owner can read, never from a configuration value or the
 * command line, where ps(1), shell histories and world-readable
 * configuration files would show it. systemd's credentials
 * ($CREDENTIALS_DIRECTORY/NAME, mode 0400) are such files.
 */
#ifndef ARSTAT_SECRETFILE_H
#define ARSTAT_SECRETFILE_H

#include <stddef.h>

#include "strbuf.h"

/* Longest secret read, in bytes (a line of it, without the newline). */
#define SECRETFILE_MAX 4096

/*
 * Read the secret in path: the file's whole content, less one final "\n" or
 * "\r\n". The file must be a regular file (a link to one is followed, as
 * systemd's credential directories may hold them) with no permission for
 * group or others (chmod 600 or 400), and the secret 1 to SECRETFILE_MAX
 * bytes without NUL, CR or LF. Returns 0 with a new string in *out, which
 * the caller releases with secretfile_free(); or -1 with a reason naming
 * path (never the content) in err.
 */
int secretfile_read(const char *path, char **out, struct strbuf *err);

/* Overwrite a secret from secretfile_read with zeroes and free it; NULL is a
 * no-op. */
void secretfile_free(char *secret);

#endif
