/*
 * test_files - scratch directories and whole-file reads for the unit tests
 * that write files (the plot tests). Failures are CUnit fatal assertions.
 */
#ifndef ARSTAT_TEST_FILES_H
#define ARSTAT_TEST_FILES_H

#include <stddef.h>

/* A new directory under $TMPDIR (default /tmp); the caller frees the path. */
char *make_dir(void);
/* Remove dir and the files directly in it (no subdirectories). */
void remove_dir(const char *dir);
/* The whole file, NUL-terminated, its length in *len; the caller frees it. */
char *slurp(const char *path, size_t *len);

#endif
