#include "secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

int secretfile_read(const char *path, char **out, struct strbuf *err)
{
	/* One byte more than a secret and its "\r\n" may take, to see a longer
	 * file as too long rather than cut it. */
	char buf[SECRETFILE_MAX + 3];
	size_t len = 0;
	struct stat st;
	int fd, rc = -1;

	*out = NULL;
	/* O_NONBLOCK: a FIFO planted there fails the check below instead of
	 * blocking the start-up. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		strbuf_printf(err, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		strbuf_printf(err, "secret file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		strbuf_printf(err, "secret file %s: not a regular file", path);
		goto out;
	}
	/* Checked on the open file: a rename in between cannot swap it. */
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		strbuf_printf(err, "secret file %s: readable or writable by group or others (mode %04o); "
		              "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(err, "secret file %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf)) {
			strbuf_printf(err, "secret file %s: longer than %d bytes", path, SECRETFILE_MAX);
			goto out;
		}
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		strbuf_printf(err, "secret file %s: empty", path);
		goto out;
	}
	if (len > SECRETFILE_MAX) {
		strbuf_printf(err, "secret file %s: longer than %d bytes", path, SECRETFILE_MAX);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL || memchr(buf, '\n', len) != NULL ||
	    memchr(buf, '\r', len) != NULL) {
		strbuf_printf(err, "secret file %s: more than one line, or a NUL byte", path);
		goto out;
	}
	*out = xstrndup(buf, len);
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

void secretfile_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}
