/*
 * fuzz_util - what the fuzz targets of tests/fuzz share: the check that
 * aborts (a broken promise is a finding, as a crash is) and the temporary
 * files for parsers that read a path rather than a buffer.
 */
#ifndef ARSTAT_FUZZ_UTIL_H
#define ARSTAT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point each fuzz_NAME.c defines (replay.c calls it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with the file, line and condition when cond is false: libFuzzer
 * (and replay.c, under any compiler) then reports the input as a finding. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			fuzz_fail(__FILE__, __LINE__, #cond);                              \
	} while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *cond);

/*
 * The process's temporary directory ($TMPDIR or /tmp, "fuzz-XXXXXX"), made
 * at the first call and removed with the files in it at exit (put no
 * directory in it). Aborts if it
 * cannot be made.
 */
const char *fuzz_dir(void);

/*
 * Replace fuzz_dir()/name with data[0..size) and return its path (valid
 * until the next call). Aborts on an I/O error: the input is never the
 * cause of one.
 */
const char *fuzz_file(const char *name, const void *data, size_t size);

#endif
