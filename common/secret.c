#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_CREDENTIAL "credential:"

/* The path of spec into path: spec itself, or the credential's file. */
static int secret_path(const char *spec, struct strbuf *path, struct strbuf *err)
{
	const char *dir, *name;

	if (strncmp(spec, SECRET_CREDENTIAL, strlen(SECRET_CREDENTIAL)) != 0)
		return strbuf_append_str(path, spec) < 0 ? (strbuf_printf(err, "path too long"), -1) : 0;
	name = spec + strlen(SECRET_CREDENTIAL);
	/* A name is one file of the directory (systemd refuses others too). */
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		strbuf_printf(err, "%s: not a credential name", spec);
		return -1;
	}
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir == NULL || dir[0] == '\0') {
		strbuf_printf(err, "%s: no credentials (CREDENTIALS_DIRECTORY is not set: give the unit "
		              "LoadCredential=%s:PATH)", spec, name);
		return -1;
	}
	if (strbuf_printf(path, "%s/%s", dir, name) < 0) {
		strbuf_printf(err, "%s: path too long", spec);
		return -1;
	}
	return 0;
}

int secret_read(const char *spec, struct strbuf *out, struct strbuf *err)
{
	/* Read whole into one buffer on the stack, wiped at the end: a growing
	 * heap buffer would leave copies behind in what realloc() freed. One
	 * byte more than a secret and its line break, to see a longer file. */
	char raw[SECRET_MAX + 3];
	struct strbuf path;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd = -1, rc = -1;

	strbuf_init(&path, 4096);
	if (secret_path(spec, &path, err) < 0)
		goto out;
	fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		strbuf_printf(err, "%s: %s", path.data, strerror(errno));
		goto out;
	}
	/* The file opened, not the name: it cannot be swapped in between. */
	if (fstat(fd, &st) < 0) {
		strbuf_printf(err, "%s: %s", path.data, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		strbuf_printf(err, "%s: not a regular file", path.data);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		strbuf_printf(err, "%s: readable or writable by group or others (mode %04o); a secret's "
		              "file must be the owner's alone (chmod 600, or a systemd credential)",
		              path.data, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	while (len < sizeof(raw)) {
		n = read(fd, raw + len, sizeof(raw) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(err, "%s: %s", path.data, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == sizeof(raw)) {
		strbuf_printf(err, "%s: longer than %d bytes", path.data, SECRET_MAX);
		goto out;
	}
	if (len > 0 && raw[len - 1] == '\n') {
		len--;
		if (len > 0 && raw[len - 1] == '\r')
			len--;
	}
	if (len == 0) {
		strbuf_printf(err, "%s: empty", path.data);
		goto out;
	}
	if (len > SECRET_MAX) {
		strbuf_printf(err, "%s: longer than %d bytes", path.data, SECRET_MAX);
		goto out;
	}
	if (memchr(raw, '\0', len) != NULL || memchr(raw, '\n', len) != NULL) {
		strbuf_printf(err, "%s: a NUL or a line break inside (one secret, on one line)",
		              path.data);
		goto out;
	}
	if (strbuf_append(out, raw, len) < 0) {
		strbuf_printf(err, "%s: too long for where it goes", path.data);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	if (fd >= 0)
		close(fd);
	strbuf_release(&path);
	return rc;
}

void secret_wipe(struct strbuf *sb)
{
	if (sb->data != NULL && sb->alloc > 0)
		explicit_bzero(sb->data, sb->alloc);
	strbuf_release(sb);
}
