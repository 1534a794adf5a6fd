/*
 * atomicfile - replace a file so that a reader sees either the old content
 * or the whole new one, never a part, also after a crash or a power loss.
 *
 * The bytes go to a temporary file beside the target (".NAME.tmp" in the
 * same directory, so the rename cannot cross file systems), which is
 * fsync'ed, renamed over the target, and the directory is fsync'ed so that
 * the rename itself is durable. The temporary name is fixed rather than
 * random so that a process killed part-way leaves at most one stale file,
 * which its next write takes over: a daemon that runs for years must not
 * litter its directory. The temporary file is locked (flock) from creation
 * to rename, so two writers of one target at once cannot share it: the
 * second fails ("another process is writing it"), never a mixed file. A
 * link planted at the temporary name is removed, never followed; anything
 * but a regular file there is refused.
 *
 * Every writer of a whole file in arstat uses this one behaviour: the
 * collector's checkpoint and metrics file, the aggregator's reports, plot's
 * charts and dashboard, the test broker's bootstrap file.
 */
#ifndef ARSTAT_ATOMICFILE_H
#define ARSTAT_ATOMICFILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "strbuf.h"

struct atomicfile;

/*
 * Start replacing path. mode is the new file's permissions, as for open(2)
 * (the umask applies: 0666 gives what the user's umask allows, 0600 a
 * private file). Returns the handle, or NULL with a reason naming the path in
 * err. The target is untouched until atomicfile_commit().
 */
struct atomicfile *atomicfile_new(const char *path, mode_t mode, struct strbuf *err);

/* Append data[0..len). 0, or -1 with err (the handle can then only be freed). */
int atomicfile_write(struct atomicfile *af, const void *data, size_t len, struct strbuf *err);

/*
 * A stdio stream on the temporary file, for callers that format as they go
 * (created at the first call, owned by the handle: do not fclose it). Write
 * errors are found by atomicfile_commit().
 */
FILE *atomicfile_stream(struct atomicfile *af, struct strbuf *err);

/* The temporary file's descriptor, for copying into it (owned by the handle). */
int atomicfile_fd(const struct atomicfile *af);

/*
 * Flush, fsync, rename over the target and fsync the directory. 0, or -1
 * with err; on failure the temporary file is removed and the target keeps
 * its old content. Either way the handle must still be freed.
 */
int atomicfile_commit(struct atomicfile *af, struct strbuf *err);

/* Free the handle; if not committed, remove the temporary file. NULL is a no-op. */
void atomicfile_free(struct atomicfile *af);

/* atomicfile_new + write + commit + free: replace path with data[0..len). 0 or -1 with err. */
int atomicfile_replace(const char *path, mode_t mode, const void *data, size_t len,
                       struct strbuf *err);
/* The same for a file other users must read (a metrics file, which the
 * node exporter reads as its own user): mode 0644 whatever the umask. */
int atomicfile_replace_public(const char *path, const void *data, size_t len, struct strbuf *err);

#endif
