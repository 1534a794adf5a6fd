/*
 * input_golden - what the unit.input_<format> suites share: read
 * tests/golden/input/<format>.in, parse every line with a format's parser,
 * print one line per event and compare the text with <format>.ref; and run
 * the parser on every prefix and every split of every line, each in its own
 * exactly-sized allocation, so that ASan sees any read past the end.
 *
 * In a .in file, lines starting with "#" are comments (why a line is there)
 * and are not parsed; every other line, empty ones too, is input.
 * Setting ARSTAT_GOLDEN_UPDATE=1 rewrites the .ref from the parser's output
 * (then read the diff before committing it).
 */
#ifndef ARSTAT_TEST_INPUT_GOLDEN_H
#define ARSTAT_TEST_INPUT_GOLDEN_H

#include <stddef.h>

#include "input.h"

/* Print the outcome of one parse as one line (no newline) into out. */
void golden_print(char *out, size_t size, enum input_status st, const struct input_event *ev,
                  const char *why);

/*
 * The golden comparison for format `name` (the file stem) with parse, the
 * clock at the reference time 2026-11-18 in Asia/Tokyo. Asserts with CUnit;
 * prints the first differing line on a mismatch.
 */
void golden_compare(const char *name, input_parse_fn parse);

/*
 * Every prefix and every split (both halves) of every input line of
 * <name>.in through parse: each result is INPUT_OK with spans inside the
 * buffer, or INPUT_MALFORMED with a reason that quotes no queue ID.
 */
void golden_robustness(const char *name, input_parse_fn parse);

/* Zone and clock setup shared by the suites; 0 or -1. */
int golden_init(void);

#endif
