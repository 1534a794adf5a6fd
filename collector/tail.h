/*
 * tail - follow one log file like `tail -F`, with a reading position that
 * can be saved and found again after log rotation, also while the collector
 * was stopped.
 *
 * A file is known by its device and inode together with a fingerprint: a
 * hash of its first bytes (up to TAIL_FP_BYTES, never more than were read).
 * The inode alone is not enough: a new file may get a reused inode; the
 * fingerprint alone is not enough to tell a copy (copytruncate) from the
 * original, but it finds the content wherever logrotate put it: renamed
 * (mail.log.1), compressed (mail.log.2.gz, read with zlib), or dated
 * (mail.log-20261122).
 *
 * Rotation while running: by rename-and-create, the old file is read to its
 * end before the new one; by copytruncate, lines written after our position
 * and before the copy are read from the copy first; a file that shrinks
 * below our position was truncated and is read again from the start.
 */
#ifndef ARSTAT_COLLECTOR_TAIL_H
#define ARSTAT_COLLECTOR_TAIL_H

#include <stdint.h>

#include "linereader.h"
#include "ser.h"
#include "strbuf.h"

#define TAIL_FP_BYTES 1024
#define TAIL_FP_HASH 16

/* A saved reading position. */
struct tail_pos {
	uint64_t dev;
	uint64_t ino;
	uint32_t fp_len;                     /* bytes the fingerprint covers */
	unsigned char fp[TAIL_FP_HASH];      /* SHA-256 prefix of those bytes */
	uint64_t offset;                     /* just past the last complete line */
	/* At offset 0 the file has no fingerprint yet; it is then found as the
	 * successor of the file read before it, whose fingerprint this is. */
	uint32_t prev_fp_len;
	unsigned char prev_fp[TAIL_FP_HASH];
	/* When the position was taken (UTC ms): a file still empty then has no
	 * fingerprint, but files rotated after it were written after this. */
	int64_t when_ms;
};

struct tail_stats {
	uint64_t rotations;      /* rename-and-create rotations followed */
	uint64_t truncations;    /* copytruncate or other truncation seen */
	uint64_t resumed_rotated; /* restarts that resumed inside a rotated file */
	uint64_t positions_lost; /* restarts whose file could not be found */
};

struct tail;

/* Never returns NULL; nothing is opened yet. */
struct tail *tail_new(const char *path, size_t max_line);
void tail_free(struct tail *t);

/*
 * Open at a saved position (resume != NULL), else at the beginning, or at
 * the end if at_end. A saved position whose file is gone is logged, counted
 * in positions_lost and replaced by the beginning of the live file. Returns
 * 0, or -1 with the reason in err (not the path) and errno set if the live
 * file cannot be opened: ENOENT if it does not exist (yet: then call
 * tail_open again later), EINVAL if it is not a regular file (a directory,
 * a FIFO, a device: never opened so as to block).
 */
int tail_open(struct tail *t, const struct tail_pos *resume, int at_end, struct strbuf *err);

/* Next line (see linereader); LR_EOF when nothing more is there now. */
enum lr_status tail_next(struct tail *t, const char **line, size_t *len);

/*
 * Look for rotation or truncation of the live file; call it after tail_next
 * returned LR_EOF. Returns 1 if there may be more to read now, 0 if not.
 */
int tail_poll(struct tail *t);

/* The position just past the last line returned. */
void tail_position(struct tail *t, struct tail_pos *pos);
/* Bytes of the live file not read yet (0 if unknown). */
uint64_t tail_lag_bytes(const struct tail *t);
const struct tail_stats *tail_stats(const struct tail *t);
const char *tail_path(const struct tail *t);

/*
 * A position in the collector's checkpoint (tail_pos.c): device, inode,
 * fingerprint length, fingerprint, offset, the previous file's fingerprint
 * length and fingerprint, time taken. tail_pos_save appends it to sb: 0, or
 * -1 if sb's cap would be exceeded. tail_pos_load reads one back into *pos:
 * 0, or -1 if d runs out or the position is corrupt (a fingerprint of the
 * wrong size, or over more than TAIL_FP_BYTES).
 */
int tail_pos_save(const struct tail_pos *pos, struct strbuf *sb);
int tail_pos_load(struct tail_pos *pos, struct deser *d);

/*
 * Watches on the directories of the followed files (tail_watch.c, inotify),
 * so that a quiet collector sleeps until a log is written, created or
 * renamed instead of polling for it. tail_watch_new returns NULL (errno set)
 * if the system gives no inotify instance: the caller then sleeps the poll
 * interval. tail_watch_free(NULL) does nothing.
 */
struct tail_watch;

struct tail_watch *tail_watch_new(void);
void tail_watch_free(struct tail_watch *w);
/* Watch the directory of t's file: 0, or -1 with errno (e.g. out of watches;
 * that file is then only looked at when the wait times out). */
int tail_watch_add(struct tail_watch *w, const struct tail *t);
/* Wait up to timeout_ms for a change in a watched directory; what arrived
 * is drained, so the next wait sleeps again. */
void tail_watch_wait(struct tail_watch *w, int timeout_ms);

#endif
