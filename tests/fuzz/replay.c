/*
 * replay: runs every file of the given directories (or files) once through
 * LLVMFuzzerTestOneInput, so the fuzz corpus is a regression test under any
 * compiler (gcc included) and the project's sanitizers. Exit 0 when all ran;
 * a finding aborts, as under libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (1024 * 1024)

/* Returns 0, or -1 if the file cannot be read. */
static int run_file(const char *path, unsigned long *n)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len;
	int rc = -1;

	if (fp == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	buf = malloc(REPLAY_MAX_FILE);
	if (buf == NULL)
		goto out;
	len = fread(buf, 1, REPLAY_MAX_FILE, fp);
	if (ferror(fp)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, len);
	(*n)++;
	rc = 0;
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

static int run_path(const char *path, unsigned long *n)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, n);
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char child[4096];
		int w;

		if (e->d_name[0] == '.')
			continue;
		w = snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		if (w < 0 || (size_t)w >= sizeof(child)) {
			rc = -1;
			continue;
		}
		if (run_path(child, n) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long n = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (run_path(argv[i], &n) < 0)
			rc = 1;
	}
	printf("replay: %lu inputs ran\n", n);
	if (n == 0)
		rc = 1;
	return rc;
}
