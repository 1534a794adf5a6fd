/*
 * checkpointer - copies the store's write-ahead log into the database file
 * on a thread of its own, while ingest goes on writing the next batch.
 *
 * In WAL mode a commit only appends pages to the log; now and then the log
 * must be copied back into the database file (a checkpoint) and synced. Done
 * by the writer itself (SQLite's automatic checkpoint) that copy and sync
 * stood between one batch and the next, a seventh of ingest's time. This
 * thread does it instead, with its own SQLite connection, after each commit
 * (SQLITE_CHECKPOINT_PASSIVE: it never waits for, nor blocks, the writer or
 * a reader). The writer keeps an automatic checkpoint at a larger log size
 * as a bound, should this thread fall behind. Nothing here decides what is
 * stored: a checkpoint moves committed pages from one file to the other.
 *
 * The thread blocks every signal (SIGTERM is the main thread's), touches only
 * its own connection and the fields below its mutex, and logs nothing but a
 * warning when a checkpoint fails for another reason than a busy lock.
 */
#ifndef ARSTAT_AGGREGATOR_CHECKPOINTER_H
#define ARSTAT_AGGREGATOR_CHECKPOINTER_H

#include "strbuf.h"

struct checkpointer;

/*
 * Open a second connection to the store at path (which must exist, in WAL
 * mode) and start the thread. Returns it, or NULL with the reason in err
 * (the connection cannot be opened, SQLite was built without threads, the
 * thread cannot be started); the store works without one.
 */
struct checkpointer *checkpointer_new(const char *path, struct strbuf *err);
/* A commit happened: checkpoint soon. Never blocks for long. */
void checkpointer_kick(struct checkpointer *c);
/* Stop the thread (a checkpoint under way finishes first), join it, close
 * its connection. checkpointer_free(NULL) is a no-op. */
void checkpointer_free(struct checkpointer *c);

#endif
