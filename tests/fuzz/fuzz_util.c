#include "fuzz_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir_path[256];
static char fuzz_file_path[512];

void fuzz_fail(const char *file, int line, const char *cond)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, cond);
	abort();
}

/* The directory is flat: the targets make files in it, never directories. */
static void fuzz_dir_remove(void)
{
	char path[sizeof(fuzz_dir_path) + 256 + 2];
	struct dirent *e;
	DIR *d = opendir(fuzz_dir_path);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir_path, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(fuzz_dir_path);
}

const char *fuzz_dir(void)
{
	const char *tmp;
	int w;

	if (fuzz_dir_path[0] != '\0')
		return fuzz_dir_path;
	tmp = getenv("TMPDIR");
	w = snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/fuzz-XXXXXX",
	             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	FUZZ_CHECK(w > 0 && (size_t)w < sizeof(fuzz_dir_path));
	FUZZ_CHECK(mkdtemp(fuzz_dir_path) != NULL);
	atexit(fuzz_dir_remove);
	return fuzz_dir_path;
}

const char *fuzz_file(const char *name, const void *data, size_t size)
{
	const char *p = data;
	size_t done = 0;
	ssize_t n;
	int fd, w;

	w = snprintf(fuzz_file_path, sizeof(fuzz_file_path), "%s/%s", fuzz_dir(), name);
	FUZZ_CHECK(w > 0 && (size_t)w < sizeof(fuzz_file_path));
	fd = open(fuzz_file_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	while (done < size) {
		n = write(fd, p + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		FUZZ_CHECK(n > 0);
		done += (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0);
	return fuzz_file_path;
}
