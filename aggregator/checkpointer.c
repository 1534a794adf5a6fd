/* checkpointer - the store's WAL checkpoints on a thread of their own; see
 * checkpointer.h. */
#include "checkpointer.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "mem.h"

struct checkpointer {
	sqlite3 *db;        /* the thread's own connection */
	char *path;
	pthread_t thread;
	pthread_mutex_t mu; /* guards the two flags below */
	pthread_cond_t cv;
	int kicked;         /* commits since the thread last looked */
	int stop;
	int warned;         /* a failure was logged (thread only) */
};

static void *checkpointer_main(void *arg)
{
	struct checkpointer *c = arg;
	int rc;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->kicked && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->kicked = 0;
		pthread_mutex_unlock(&c->mu);
		/* PASSIVE copies what no reader still needs and returns; BUSY
		 * means the writer's own automatic checkpoint is running, which
		 * does the same work. */
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && !c->warned) {
			msg_warn("%s: background checkpoint: %s (the writer checkpoints instead)",
			         c->path, sqlite3_errmsg(c->db));
			c->warned = 1;
		}
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

struct checkpointer *checkpointer_new(const char *path, struct strbuf *err)
{
	struct checkpointer *c = xcalloc(1, sizeof(*c));
	sigset_t all, old;
	int rc, locks = 0;

	c->path = xstrdup(path);
	if (!sqlite3_threadsafe()) {
		strbuf_printf(err, "SQLite was built without thread support");
		goto fail;
	}
	/* NOMUTEX: this connection is used by the thread alone. */
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	            SQLITE_OK ||
	    /* The syncs that make a checkpoint durable happen here, not in the
	     * writer: the log before it is copied, the database after. */
	    sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
		strbuf_printf(err, "%s: %s", path, c->db != NULL ? sqlite3_errmsg(c->db) : "cannot open");
		goto fail;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0)
		goto nolock;
	locks = 1;
	if (pthread_cond_init(&c->cv, NULL) != 0)
		goto nolock;
	locks = 2;
	/* Every signal stays with the threads that were there before. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->thread, NULL, checkpointer_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		strbuf_printf(err, "cannot start the checkpoint thread: %s", strerror(rc));
		goto fail;
	}
	return c;
nolock:
	strbuf_printf(err, "cannot create the checkpoint thread's lock");
fail:
	if (locks > 1)
		pthread_cond_destroy(&c->cv);
	if (locks > 0)
		pthread_mutex_destroy(&c->mu);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
	return NULL;
}

void checkpointer_kick(struct checkpointer *c)
{
	pthread_mutex_lock(&c->mu);
	c->kicked = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void checkpointer_free(struct checkpointer *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	if (sqlite3_close(c->db) != SQLITE_OK)
		msg_warn("%s: closing the checkpoint connection: %s", c->path, sqlite3_errmsg(c->db));
	free(c->path);
	free(c);
}
