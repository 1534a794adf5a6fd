/*
 * test_files - scratch directories, whole-file reads and golden hex files for
 * the unit tests. Failures are CUnit fatal assertions.
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
/* The bytes of tests/unit/golden/NAME (under $ARSTAT_SOURCE_DIR), a file of
 * '#' comment lines and one line of lowercase hex; the caller frees them. */
unsigned char *golden_hex(const char *name, size_t *len);

#endif
