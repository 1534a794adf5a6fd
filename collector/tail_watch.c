/*
 * tail_watch - inotify watches on the directories of the followed files (see
 * tail.h). The directory, not the file: rotation renames the file away and
 * creates a new one under the old name, which a watch on the file would miss.
 */
#include "tail.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "mem.h"

struct tail_watch {
	int fd;
};

struct tail_watch *tail_watch_new(void)
{
	struct tail_watch *w;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	return w;
}

void tail_watch_free(struct tail_watch *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w);
}

int tail_watch_add(struct tail_watch *w, const struct tail *t)
{
	char *dir = xstrdup(tail_path(t)), *slash = strrchr(dir, '/');
	int rc, saved;

	if (slash != NULL)
		*slash = '\0';
	rc = inotify_add_watch(w->fd, slash ? (dir[0] ? dir : "/") : ".",
	                       IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE);
	saved = errno;
	free(dir);
	errno = saved;
	return rc < 0 ? -1 : 0;
}

void tail_watch_wait(struct tail_watch *w, int timeout_ms)
{
	struct pollfd pfd;
	char buf[4096];

	pfd.fd = w->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) > 0) {
		while (read(w->fd, buf, sizeof(buf)) > 0)
			;
	}
}
