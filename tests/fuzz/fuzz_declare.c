/*
 * fuzz_declare: libFuzzer target for the carriers' declarations of mailbox
 * accounts (aggregator/declare.c: declare_parse() of a file's bytes against
 * a register of two carriers, at a fixed clock). A declaration comes from a
 * carrier, so its bytes are untrusted. Besides memory errors (ASan/UBSan)
 * it checks what declare.h promises:
 *   - a refusal leaves no row and says why, one "line N: reason" at least;
 *   - an acceptance has rows only of registered carriers, months YYYY-MM no
 *     later than the clock's, 0 <= filter_users <= accounts <=
 *     DECLARE_ACCOUNTS_MAX, each carrier and month once, each with the
 *     line it came from;
 *   - declare_set_release() frees everything (LeakSanitizer).
 * Linked with replay.c for the corpus replay test under any compiler
 * (fuzz.declare_replay, tests/fuzz/CMakeLists.txt).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "carriers.h"
#include "config.h"
#include "declare.h"
#include "fuzz_util.h"
#include "strbuf.h"

/* 2026-12-07T00:00:00Z: months up to 2026-12 may be declared. */
#define FUZZ_DECLARE_NOW_MS INT64_C(1796601600000)

static struct carriers *fuzz_register(void)
{
	static struct cfg_kv kv[] = { { "jp-alpha.name", "Alpha" }, { "jp-beta.name", "Beta" } };
	static const struct cfg_kvlist l = { kv, 2 };
	static struct carriers *reg;
	struct strbuf err;

	if (reg == NULL) {
		strbuf_init(&err, 1024);
		FUZZ_CHECK(carriers_new(&l, "arstat.counts", &reg, &err) == 0);
		strbuf_release(&err);
	}
	return reg;
}

static int fuzz_month_ok(const char *m)
{
	size_t i;

	if (strlen(m) != 7 || m[4] != '-')
		return 0;
	for (i = 0; i < 7; i++) {
		if (i != 4 && (m[i] < '0' || m[i] > '9'))
			return 0;
	}
	return strcmp(m, "2026-12") <= 0 && strcmp(m, "0000-00") > 0 && m[5] <= '1' &&
	       !(m[5] == '0' && m[6] == '0') && !(m[5] == '1' && m[6] > '2');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carriers *reg = fuzz_register();
	struct declare_set set;
	struct strbuf errors;
	size_t bad, i, j;

	if (size > DECLARE_FILE_MAX)
		size = DECLARE_FILE_MAX;
	memset(&set, 0, sizeof(set));
	strbuf_init(&errors, 64 * 1024);
	bad = declare_parse((const char *)data, size, reg, FUZZ_DECLARE_NOW_MS, &set, &errors);
	if (bad > 0) {
		FUZZ_CHECK(set.n == 0);
		FUZZ_CHECK(errors.len > 0 && strncmp(errors.data, "line ", 5) == 0);
	} else {
		FUZZ_CHECK(set.n > 0);
		for (i = 0; i < set.n; i++) {
			const struct store_declared *r = &set.rows[i];

			FUZZ_CHECK(carriers_find(reg, r->carrier) != NULL);
			FUZZ_CHECK(fuzz_month_ok(r->month));
			FUZZ_CHECK(r->filter_users >= 0 && r->filter_users <= r->accounts &&
			           r->accounts <= DECLARE_ACCOUNTS_MAX);
			FUZZ_CHECK(set.lines[i] >= 2);
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(set.rows[j].carrier, r->carrier) != 0 ||
				           strcmp(set.rows[j].month, r->month) != 0);
		}
	}
	declare_set_release(&set);
	strbuf_release(&errors);
	return 0;
}
