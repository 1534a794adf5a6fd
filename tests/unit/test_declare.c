/* unit.declare: a carrier's declaration of accounts and filter users (issue
 * 13): every bad input named by line and reason with nothing stored, a
 * later declaration replacing an earlier one, and the report using the
 * latest. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carriers.h"
#include "declare.h"
#include "report.h"
#include "store.h"
#include "timeutil.h"

/* 2026-12-07T00:00:00Z: months up to 2026-12 have begun. */
static const int64_t now_ms = INT64_C(1796601600000);

static struct carriers *reg;
static char dir[256], db_path[512];

static int setup(void)
{
	static struct cfg_kv kv[] = { { "jp-alpha.name", "Alpha" }, { "jp-beta.name", "Beta" },
		                      { "jp-gamma.name", "Gamma" } };
	struct cfg_kvlist l = { kv, 3 };
	struct strbuf err;
	const char *tmp = getenv("TMPDIR");
	int rc;

	strbuf_init(&err, 256);
	rc = carriers_new(&l, "arstat.counts", &reg, &err);
	strbuf_release(&err);
	snprintf(dir, sizeof(dir), "%s/arstat-declare-XXXXXX", tmp ? tmp : "/tmp");
	if (rc < 0 || mkdtemp(dir) == NULL)
		return -1;
	snprintf(db_path, sizeof(db_path), "%s/agg.db", dir);
	return 0;
}

static int teardown(void)
{
	static const char *const names[] = { "agg.db", "agg.db-wal", "agg.db-shm", "d.csv" };
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	carriers_free(reg);
	return 0;
}

#define HEADER DECLARE_HEADER "\n"

/* Parse text; its bad rows' count, the messages in errors. */
static size_t parse(const char *text, struct declare_set *set, struct strbuf *errors)
{
	strbuf_reset(errors);
	return declare_parse(text, strlen(text), reg, now_ms, set, errors);
}

/* Every bad input: one bad row, named by its line and reason, nothing kept. */
static void test_bad_rows(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "", "line 0: no header" },
		{ "# only a comment\n", "line 1: no header" },
		{ HEADER, "line 1: no row" },
		{ "carrier,month,accounts\njp-alpha,2026-10,1\n", "line 1: the header must be" },
		{ HEADER "jp-alpha,2026-10,100\n", "line 2: 3 field(s), not 4" },
		{ HEADER "jp-alpha,2026-10,100,50,7\n", "line 2: 5 field(s), not 4" },
		{ HEADER "\"jp-alpha\",2026-10,100,50\n", "line 2: holds a quote" },
		{ HEADER "Jp-Alpha,2026-10,100,50\n", "line 2: carrier is not a carrier id" },
		{ HEADER ",2026-10,100,50\n", "line 2: carrier is not a carrier id" },
		{ HEADER "jp-delta,2026-10,100,50\n", "line 2: carrier jp-delta is not registered" },
		{ HEADER "jp-alpha,2026-13,100,50\n", "line 2: month is not YYYY-MM" },
		{ HEADER "jp-alpha,10/2026,100,50\n", "line 2: month is not YYYY-MM" },
		{ HEADER "jp-alpha,1900-01,100,50\n", "line 2: month is not YYYY-MM" },
		{ HEADER "jp-alpha,2027-01,100,50\n", "line 2: month 2027-01 has not begun yet" },
		{ HEADER "jp-alpha,2026-10,-100,50\n", "line 2: accounts is negative" },
		{ HEADER "jp-alpha,2026-10,100,-5\n", "line 2: filter_users is negative" },
		{ HEADER "jp-alpha,2026-10,1.5,1\n", "line 2: accounts is not a whole number" },
		{ HEADER "jp-alpha,2026-10,1 000,1\n", "line 2: accounts is not a whole number" },
		{ HEADER "jp-alpha,2026-10,,1\n", "line 2: accounts is empty" },
		{ HEADER "jp-alpha,2026-10,100,\n", "line 2: filter_users is empty" },
		{ HEADER "jp-alpha,2026-10,1000000001,1\n", "line 2: accounts is more than 1000000000" },
		{ HEADER "jp-alpha,2026-10,99999999999999999999999,1\n",
		  "line 2: accounts is more than 1000000000" },
		{ HEADER "jp-alpha,2026-10,100,101\n",
		  "line 2: filter_users (101) is more than accounts (100)" },
		{ HEADER "jp-alpha,2026-10,100,50\njp-alpha,2026-10,200,50\n",
		  "line 3: carrier jp-alpha, month 2026-10 is declared on line 2 already" },
		{ HEADER "jp-alpha,2026-10,100,50\n" "jp-beta,2026-10,100,50,"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "line 3: longer than 200 bytes" },
	};
	struct declare_set set;
	struct strbuf errors;
	size_t i;

	strbuf_init(&errors, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(parse(cases[i].text, &set, &errors), 1);
		CU_ASSERT_EQUAL(set.n, 0);
		CU_ASSERT_PTR_NOT_NULL(errors.data != NULL ? strstr(errors.data, cases[i].want) : NULL);
		if (errors.data == NULL || strstr(errors.data, cases[i].want) == NULL)
			fprintf(stderr, "\ncase %zu: want \"%s\", got \"%s\"\n", i, cases[i].want,
			        errors.data != NULL ? errors.data : "");
		declare_set_release(&set);
	}
	/* A NUL byte inside a row. */
	CU_ASSERT_EQUAL(declare_parse(HEADER "jp-alpha,2026\0-10,1,1\n", sizeof(HEADER) + 21, reg,
	                              now_ms, &set, &errors), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errors.data, "line 2: holds a NUL byte"));
	declare_set_release(&set);
	strbuf_release(&errors);
}

/* Good rows with a BOM, CRLF, comments and blank lines; every bad row of a
 * file named, and then none kept. */
static void test_good_and_many_bad(void)
{
	struct declare_set set;
	struct strbuf errors;

	strbuf_init(&errors, 4096);
	CU_ASSERT_EQUAL(parse("\xEF\xBB\xBF# demo figures\r\n" DECLARE_HEADER "\r\n\r\n"
	                      "jp-alpha,2026-10,1250000,830000\r\n"
	                      "jp-alpha,2026-11,1260000,0\r\n"
	                      "jp-beta,2026-10,0,0", &set, &errors), 0);
	CU_ASSERT_EQUAL_FATAL(set.n, 3);
	CU_ASSERT_STRING_EQUAL(set.rows[0].carrier, "jp-alpha");
	CU_ASSERT_STRING_EQUAL(set.rows[0].month, "2026-10");
	CU_ASSERT_EQUAL(set.rows[0].accounts, 1250000);
	CU_ASSERT_EQUAL(set.rows[0].filter_users, 830000);
	CU_ASSERT_EQUAL(set.lines[2], 6);
	CU_ASSERT_STRING_EQUAL(set.rows[2].carrier, "jp-beta");
	declare_set_release(&set);

	/* Three bad rows (one with two reasons) among good ones. */
	CU_ASSERT_EQUAL(parse(HEADER "jp-alpha,2026-10,1,1\n"
	                      "jp-beta,2026-10,-1,x\n"
	                      "jp-beta,2026-11,5,1\n"
	                      "jp-zeta,2026-10,5,1\n"
	                      "jp-gamma,2026-10,5,6\n", &set, &errors), 3);
	CU_ASSERT_EQUAL(set.n, 0);
	CU_ASSERT_STRING_EQUAL(errors.data,
	                       "line 3: accounts is negative\n"
	                       "line 3: filter_users is not a whole number (digits only, no sign, "
	                       "separator or blank)\n"
	                       "line 5: carrier jp-zeta is not registered (carrier.jp-zeta.name in "
	                       "the settings)\n"
	                       "line 6: filter_users (6) is more than accounts (5)\n");
	declare_set_release(&set);
	strbuf_release(&errors);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

struct seen {
	int64_t accounts[4], filter_users[4], id[4];
	char carrier[4][32];
	size_t n;
};

static int collect(void *arg, const struct store_declaration *d, struct strbuf *err)
{
	struct seen *s = arg;

	(void)err;
	if (s->n == 4)
		return -1;
	snprintf(s->carrier[s->n], sizeof(s->carrier[s->n]), "%s", d->carrier);
	s->accounts[s->n] = d->accounts;
	s->filter_users[s->n] = d->filter_users;
	s->id[s->n] = d->id;
	s->n++;
	return 0;
}

/* A file with a bad row stores nothing; a later declaration replaces an
 * earlier one of the same carrier and month (both kept); the report uses
 * the latest and says which. */
static void test_store_and_replace(void)
{
	char path[600];
	struct declare_result res;
	struct report_options opt = { 0, 2, "Asia/Tokyo" };
	struct report_month m;
	struct report *r;
	struct store *st;
	struct strbuf err;
	struct seen seen;

	strbuf_init(&err, 16384);
	snprintf(path, sizeof(path), "%s/d.csv", dir);
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);

	write_file(path, HEADER "jp-alpha,2026-10,1000,400\njp-beta,2026-10,3000,-1\n");
	CU_ASSERT_EQUAL(declare_file(st, reg, path, now_ms, &res, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "d.csv:3: filter_users is negative"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "nothing stored"));
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(store_declarations(st, "2026-10", collect, &seen, &err), 0);
	CU_ASSERT_EQUAL(seen.n, 0);

	strbuf_reset(&err);
	write_file(path, HEADER "jp-alpha,2026-10,1000,400\njp-beta,2026-10,3000,1000\n");
	CU_ASSERT_EQUAL_FATAL(declare_file(st, reg, path, now_ms, &res, &err), 0);
	CU_ASSERT_EQUAL(res.rows, 2);
	CU_ASSERT_EQUAL(strlen(res.sha256), 64);
	CU_ASSERT_EQUAL(res.id, 1);
	/* jp-alpha corrects October: the later declaration wins, jp-beta's stays. */
	write_file(path, HEADER "jp-alpha,2026-10,1100,500\n");
	CU_ASSERT_EQUAL_FATAL(declare_file(st, reg, path, now_ms + 1000, &res, &err), 0);
	CU_ASSERT_EQUAL(res.id, 2);
	CU_ASSERT_EQUAL(store_declarations(st, "2026-10", collect, &seen, &err), 0);
	CU_ASSERT_EQUAL_FATAL(seen.n, 2);
	CU_ASSERT_STRING_EQUAL(seen.carrier[0], "jp-alpha");
	CU_ASSERT_EQUAL(seen.accounts[0], 1100);
	CU_ASSERT_EQUAL(seen.filter_users[0], 500);
	CU_ASSERT_EQUAL(seen.id[0], 2);
	CU_ASSERT_STRING_EQUAL(seen.carrier[1], "jp-beta");
	CU_ASSERT_EQUAL(seen.accounts[1], 3000);
	CU_ASSERT_EQUAL(seen.id[1], 1);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(store_declarations(st, "2026-11", collect, &seen, &err), 0);
	CU_ASSERT_EQUAL(seen.n, 0);

	/* The report: the latest of each carrier, summed, with who declared. */
	r = report_new(&opt);
	CU_ASSERT_EQUAL_FATAL(report_month_init(&m, "2026-10", "Asia/Tokyo", &err), 0);
	report_add_period(r, &m);
	CU_ASSERT_EQUAL(report_load(r, st, reg, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL(r->periods[0].all.t.declared_providers, 2);
	CU_ASSERT_EQUAL(r->periods[0].all.t.accounts, 4100);
	CU_ASSERT_EQUAL(r->periods[0].all.t.filter_users, 1500);
	CU_ASSERT_EQUAL_FATAL(r->periods[0].ndeclarations, 2);
	CU_ASSERT_EQUAL(r->periods[0].declarations[0].id, 2);
	CU_ASSERT_EQUAL(r->periods[0].declarations[1].id, 1);
	report_free(r);
	store_free(st);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("declare", setup, teardown);
	CU_add_test(s, "every bad row named, nothing kept", test_bad_rows);
	CU_add_test(s, "good rows; many bad rows", test_good_and_many_bad);
	CU_add_test(s, "stored whole, replaced, reported", test_store_and_replace);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures == 0 ? 0 : 1;
}
