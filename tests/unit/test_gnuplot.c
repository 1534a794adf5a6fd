/*
 * unit.gnuplot - running gnuplot (plot/gnuplot.c) and drawing charts with
 * it (plot/chart.c, plot/chart_results.c, plot/template.c), for real:
 * quoting keeps a hostile carrier name a label and never a command; a
 * failing, missing, slow or interrupted gnuplot is an error with a reason;
 * the private temporary directory is gone afterwards on every path; and
 * the fixture's charts are PNGs of the requested size and SVGs with the
 * expected titles, published whole or not at all.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chart.h"
#include "csvin.h"
#include "gnuplot.h"
#include "lang.h"
#include "report_csv.h"
#include "spam_csv.h"
#include "strbuf.h"
#include "test_files.h"
#include "template.h"

#define ERR_CAP 16384

/* Remove dir and the files in it (tests make no subdirectories). */
static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static char *path_in(const char *dir, const char *name)
{
	struct strbuf p;

	strbuf_init(&p, 4096);
	strbuf_printf(&p, "%s/%s", dir, name);
	return p.data;
}

static struct gnuplot *new_runner(const char *program, unsigned timeout,
                                  volatile sig_atomic_t *stop, int keep)
{
	struct gnuplot_opts o;
	struct strbuf err;
	struct gnuplot *g;

	o.program = program;
	o.timeout_sec = timeout;
	o.keep_temp = keep;
	o.stop = stop;
	strbuf_init(&err, ERR_CAP);
	g = gnuplot_new(&o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	strbuf_release(&err);
	return g;
}

/* Free g and check that its directory went with it. */
static void free_runner(struct gnuplot *g)
{
	char *dir = strdup(gnuplot_dir(g));

	CU_ASSERT(exists(dir));
	gnuplot_free(g);
	CU_ASSERT(!exists(dir));
	free(dir);
}

static void check_quote(const char *in, size_t len, const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb, 4096);
	CU_ASSERT_EQUAL(gnuplot_quote(&sb, in, len), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, want);
	strbuf_release(&sb);
}

static void test_quote(void)
{
	struct strbuf sb;

	check_quote("", 0, "''");
	check_quote("docomo", 6, "'docomo'");
	check_quote("'", 1, "''''");
	check_quote("x'; system('touch /tmp/pwned'); '", 33,
	            "'x''; system(''touch /tmp/pwned''); '''");
	/* Backslashes, backquotes, @ and $ mean nothing inside single quotes. */
	check_quote("a\\b\\'`id`@m$(id)", 16, "'a\\b\\''`id`@m$(id)'");
	/* Line ends and other control characters would end the command. */
	check_quote("a\nb\rc\td\x01" "e\x7f" "f", 11, "'a b c d e f'");
	check_quote("a\0b", 3, "'a b'");
	/* Bytes of UTF-8 pass unchanged. */
	check_quote("\xe3\x83\x89\xe3\x82\xb3\xe3\x83\xa2", 9, "'\xe3\x83\x89\xe3\x82\xb3\xe3\x83\xa2'");
	/* A full buffer is an error, never a string left open. */
	strbuf_init(&sb, 4);
	CU_ASSERT_EQUAL(gnuplot_quote(&sb, "abcd", 4), -1);
	strbuf_release(&sb);
	strbuf_init(&sb, 6);
	CU_ASSERT_EQUAL(gnuplot_quote_str(&sb, "abcd"), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "'abcd'");
	strbuf_release(&sb);
}

/* Append "text" to sb as the SVG terminal writes text: & and < escaped,
 * control characters already spaces. */
static void svg_text(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			strbuf_append_str(sb, "&amp;");
		else if (*s == '<')
			strbuf_append_str(sb, "&lt;");
		else if ((unsigned char)*s < 0x20)
			strbuf_append_byte(sb, ' ');
		else
			strbuf_append_byte(sb, (unsigned char)*s);
	}
}

/* A carrier name built to run commands if it were pasted into a script. */
static char *hostile_label(const char *dir)
{
	struct strbuf sb;

	strbuf_init(&sb, 8192);
	strbuf_printf(&sb,
	              "x'; system('touch %s/pwned1'); '\n"
	              "!touch %s/pwned2\r\n"
	              "`touch %s/pwned3` @x $(touch %s/pwned4) \\ \\' \" & < end'",
	              dir, dir, dir, dir);
	return sb.data;
}

static int any_pwned(const char *dir)
{
	static const char *const names[] = { "pwned1", "pwned2", "pwned3", "pwned4" };
	size_t i;
	int found = 0;

	for (i = 0; i < 4; i++) {
		char *p = path_in(dir, names[i]);

		found |= exists(p);
		free(p);
	}
	return found;
}

static void build_script(struct strbuf *script, const char *svg, const char *label, int quote)
{
	strbuf_append_str(script, "set terminal svg size 600,400 noenhanced\nset output ");
	gnuplot_quote_str(script, svg);
	strbuf_append_str(script, "\nset title ");
	if (quote) {
		gnuplot_quote_str(script, label);
	} else {
		strbuf_append_byte(script, '\'');
		strbuf_append_str(script, label);
		strbuf_append_byte(script, '\'');
	}
	strbuf_append_str(script, "\nplot x title ");
	if (quote)
		gnuplot_quote_str(script, label);
	else
		strbuf_append_str(script, "'a'");
	strbuf_append_str(script, "\nunset output\n");
}

static void test_hostile_label(void)
{
	char *dir = make_dir(), *label = hostile_label(dir), *svg = path_in(dir, "out.svg"), *text;
	struct strbuf script, err, want;
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	size_t len;

	strbuf_init(&script, 1 << 16);
	strbuf_init(&err, ERR_CAP);
	strbuf_init(&want, 1 << 16);

	/* First, that the label is hostile: pasted naively, it runs commands. */
	build_script(&script, svg, label, 0);
	gnuplot_run(g, script.data, script.len, &err);
	CU_ASSERT(any_pwned(dir));
	remove_dir(dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);

	/* Quoted, it is a title and nothing else. */
	strbuf_reset(&script);
	strbuf_reset(&err);
	build_script(&script, svg, label, 1);
	CU_ASSERT_EQUAL(gnuplot_run(g, script.data, script.len, &err), 0);
	if (err.len > 0)
		fprintf(stderr, "\n%s\n", err.data);
	CU_ASSERT(!any_pwned(dir));
	CU_ASSERT_FATAL(exists(svg));
	text = slurp(svg, &len);
	if (getenv("ARSTAT_TEST_DEBUG") != NULL)
		fprintf(stderr, "\n%s\n", text);
	/* The element may carry xml:space="preserve" (the label has runs of
	 * spaces), so match from the end of the start tag. */
	strbuf_append_str(&want, ">");
	svg_text(&want, label);
	strbuf_append_str(&want, "</text>");
	/* Once as the title, once in the key. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(text, want.data));
	CU_ASSERT_PTR_NOT_NULL(strstr(strstr(text, want.data) + 1, want.data));
	free(text);

	free_runner(g);
	remove_dir(dir);
	free(dir);
	free(label);
	free(svg);
	strbuf_release(&script);
	strbuf_release(&err);
	strbuf_release(&want);
}

static void test_script_error(void)
{
	static const char script[] = "set terminal svg\nset output '/dev/null'\nplot undefined_thing(x)\n";
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL(gnuplot_run(g, script, sizeof(script) - 1, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "gnuplot exited with status 1: "));
	/* gnuplot's own words are passed on. */
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "undefined"));
	CU_ASSERT_PTR_NULL(strchr(err.data, '\n'));
	/* The script and stderr files went after the run. */
	CU_ASSERT_EQUAL(count_entries(gnuplot_dir(g)), 0);
	free_runner(g);
	strbuf_release(&err);
}

static void test_missing_program(void)
{
	struct gnuplot *g = new_runner("arstat-no-such-gnuplot", 60, NULL, 0);
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL(gnuplot_run(g, "", 0, &err), -1);
	/* posix_spawnp reports a failed exec itself, except where it cannot
	 * (under valgrind, which turns its vfork into a fork): then the child
	 * exits 127, as a shell would. */
	if (strcmp(err.data, "cannot run arstat-no-such-gnuplot: No such file or directory") != 0)
		CU_ASSERT_STRING_EQUAL(err.data, "arstat-no-such-gnuplot exited with status 127: ");
	free_runner(g);
	strbuf_release(&err);
}

static void test_timeout(void)
{
	static const char script[] = "pause 30\n";
	struct gnuplot *g = new_runner(NULL, 1, NULL, 0);
	struct timespec t0, t1;
	struct strbuf err;
	int64_t ms;

	strbuf_init(&err, ERR_CAP);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(gnuplot_run(g, script, sizeof(script) - 1, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CU_ASSERT_STRING_EQUAL(err.data, "gnuplot killed after 1 s (the time limit)");
	/* Killed at the limit, not before and not much after. */
	ms = ((int64_t)t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CU_ASSERT(ms >= 1000);
	CU_ASSERT(ms < 5000);
	free_runner(g);
	strbuf_release(&err);
}

static void test_interrupted(void)
{
	static const char script[] = "pause 30\n";
	volatile sig_atomic_t stop = 1;
	struct gnuplot *g = new_runner(NULL, 60, &stop, 0);
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL(gnuplot_run(g, script, sizeof(script) - 1, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "gnuplot interrupted");
	free_runner(g);
	strbuf_release(&err);
}

static void test_temp_files(void)
{
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	struct strbuf err;
	char *p = NULL, *q = NULL, *text, *kept;
	size_t len;
	FILE *fp;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL(gnuplot_temp_file(g, "data.", "1 2\n", 4, &p, &err), 0);
	CU_ASSERT_EQUAL(gnuplot_temp_file(g, "out.", NULL, 0, &q, &err), 0);
	CU_ASSERT_EQUAL(strncmp(p, gnuplot_dir(g), strlen(gnuplot_dir(g))), 0);
	text = slurp(p, &len);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_EQUAL(memcmp(text, "1 2\n", 4), 0);
	free(text);
	CU_ASSERT(exists(q));
	CU_ASSERT_EQUAL(count_entries(gnuplot_dir(g)), 2);
	/* Files gnuplot leaves in the directory go too. */
	text = path_in(gnuplot_dir(g), "stray");
	fp = fopen(text, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fclose(fp);
	free(text);
	free_runner(g);
	CU_ASSERT(!exists(p));
	free(p);
	free(q);

	/* --keep-temp leaves them for a person to look at. */
	g = new_runner(NULL, 60, NULL, 1);
	kept = strdup(gnuplot_dir(g));
	CU_ASSERT_EQUAL(gnuplot_temp_file(g, "data.", "x", 1, &p, &err), 0);
	gnuplot_free(g);
	CU_ASSERT(exists(p));
	remove_dir(kept);
	free(kept);
	free(p);
	gnuplot_free(NULL);
	strbuf_release(&err);
}

static void test_template(void)
{
	static const struct template_var vars[] = { { "A", "1" }, { "B_2", "'x'" } };
	struct strbuf out, err;

	strbuf_init(&out, 4096);
	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL(template_render("a={{A}} b={{B_2}} a={{A}} {x}", vars, 2, &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(out.data, "a=1 b='x' a=1 {x}");
	strbuf_reset(&out);
	CU_ASSERT_EQUAL(template_render("{{A}} {{C}}", vars, 2, &out, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "template: no value for {{C}}");
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(template_render("{{A}}", vars, 2, &out, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "template: {{B_2}} is not used");
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(template_render("{{A} {{B_2}}", vars, 2, &out, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "template: \"{{\" not followed by NAME}} at byte 0");
	strbuf_release(&out);
	strbuf_init(&out, 8);
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(template_render("0123456{{A}}{{B_2}}", vars, 2, &out, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "template: script larger than 8 bytes");
	/* The embedded results template is there and complete. */
	CU_ASSERT_PTR_NOT_NULL(template_get("results"));
	CU_ASSERT_PTR_NOT_NULL(strstr(template_get("results"), "{{TITLES}}"));
	CU_ASSERT_PTR_NULL(template_get("nonexistent"));
	strbuf_release(&out);
	strbuf_release(&err);
}

static void check_count(int64_t v, const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb, 64);
	CU_ASSERT_EQUAL(chart_format_count(&sb, v), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, want);
	strbuf_release(&sb);
}

static void check_hundredths(int64_t v, const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb, 64);
	CU_ASSERT_EQUAL(chart_format_hundredths(&sb, v), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, want);
	strbuf_release(&sb);
}

static void test_format(void)
{
	check_count(0, "0");
	check_count(999, "999");
	check_count(1000, "1,000");
	check_count(104623571, "104,623,571");
	check_count(-1234, "-1,234");
	check_count(INT64_MAX, "9,223,372,036,854,775,807");
	check_count(INT64_MIN, "-9,223,372,036,854,775,808");
	check_hundredths(0, "0.00");
	check_hundredths(5, "0.05");
	check_hundredths(8911, "89.11");
	check_hundredths(10000, "100.00");
	check_hundredths(-150, "-1.50");
}

/* Width and height from a PNG's IHDR, after checking the signature. */
static int png_size(const char *path, uint32_t *w, uint32_t *h)
{
	unsigned char b[24];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		return -1;
	n = fread(b, 1, sizeof(b), fp);
	fclose(fp);
	if (n != sizeof(b) || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0 ||
	    memcmp(b + 8, "\0\0\0\x0dIHDR", 8) != 0)
		return -1;
	*w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
	*h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
	return 0;
}

/* The SVG ends with its closing tag and white space: the file was closed,
 * not cut off. */
static int svg_complete(const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	return len >= 6 && memcmp(text + len - 6, "</svg>", 6) == 0;
}

static struct report_table *read_fixture_table(void)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	struct report_table *t = NULL;
	struct csvin_limits lim;
	struct strbuf path, err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	csvin_limits_default(&lim);
	strbuf_init(&path, 4096);
	strbuf_init(&err, ERR_CAP);
	strbuf_printf(&path, "%s/tests/fixtures/report-sample.csv", src);
	CU_ASSERT_EQUAL_FATAL(report_read_file(path.data, &lim, &t, &err), 0);
	strbuf_release(&path);
	strbuf_release(&err);
	return t;
}

static void setup_ctx(struct chart_ctx *c, const struct report_table *t, const char *outdir,
                      struct gnuplot *g, unsigned w, unsigned h)
{
	memset(c, 0, sizeof(*c));
	c->report = t;
	c->lang = lang_find("en");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->lang);
	c->width = w;
	c->height = h;
	c->outdir = outdir;
	c->gp = g;
}

static void test_chart_fixture(void)
{
	static const char *const methods[] = { "spf", "dkim", "dmarc", "arc" };
	/* The legend carries the last month's shares (2026-09, all). */
	static const char *const spf_titles[] = {
		"<text>SPF results by month (share of messages with a result)</text>",
		"<text>None: 5.61%</text>", "<text>Neutral: 1.07%</text>",
		"<text>Pass: 90.32%</text>", "<text>Fail (HardFail): 0.47%</text>",
		"<text>SoftFail: 2.10%</text>", "<text>TempError: 0.09%</text>",
		"<text>PermError: 0.34%</text>", "<text>Share in 2026-09</text>",
		"<text>n = 114,086,287</text>", "<text>2026-04</text>", "<text>90.32%</text>",
	};
	static const char *const dkim_titles[] = {
		"<text>DKIM results by month (share of messages with a result)</text>",
		"<text>None: 19.77%</text>", "<text>Pass: 78.51%</text>", "<text>Fail: 1.26%</text>",
		"<text>Policy: 0.03%</text>",
	};
	struct report_table *t = read_fixture_table();
	char *out = make_dir();
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	struct chart_ctx c;
	struct strbuf err;
	size_t i, len;
	char *text;

	strbuf_init(&err, ERR_CAP);
	setup_ctx(&c, t, out, g, CHART_WIDTH_DEFAULT, CHART_HEIGHT_DEFAULT);
	CU_ASSERT_EQUAL_FATAL(chart_results(&c, &err), 0);
	CU_ASSERT_EQUAL_FATAL(c.nwritten, 8);
	/* Only the charts in OUTDIR: no temporary names left behind. */
	CU_ASSERT_EQUAL(count_entries(out), 8);
	for (i = 0; i < 4; i++) {
		struct strbuf name;
		uint32_t w = 0, h = 0;

		strbuf_init(&name, 4096);
		strbuf_printf(&name, "%s/%s-results.png", out, methods[i]);
		CU_ASSERT_STRING_EQUAL(c.written[2 * i], name.data);
		CU_ASSERT_EQUAL(png_size(name.data, &w, &h), 0);
		CU_ASSERT_EQUAL(w, 1200);
		CU_ASSERT_EQUAL(h, 700);
		strbuf_reset(&name);
		strbuf_printf(&name, "%s/%s-results.svg", out, methods[i]);
		CU_ASSERT_STRING_EQUAL(c.written[2 * i + 1], name.data);
		text = slurp(name.data, &len);
		CU_ASSERT_EQUAL(strncmp(text, "<?xml", 5), 0);
		CU_ASSERT(svg_complete(text, len));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "width=\"1200\" height=\"700\""));
		free(text);
		strbuf_release(&name);
	}
	text = slurp(c.written[1], &len);
	for (i = 0; i < sizeof(spf_titles) / sizeof(spf_titles[0]); i++) {
		if (strstr(text, spf_titles[i]) == NULL) {
			fprintf(stderr, "\nSVG lacks %s\n", spf_titles[i]);
			CU_FAIL("SPF series title missing");
		}
	}
	free(text);
	text = slurp(c.written[3], &len);
	for (i = 0; i < sizeof(dkim_titles) / sizeof(dkim_titles[0]); i++) {
		if (strstr(text, dkim_titles[i]) == NULL) {
			fprintf(stderr, "\nSVG lacks %s\n", dkim_titles[i]);
			CU_FAIL("DKIM series title missing");
		}
	}
	/* DKIM has no SoftFail: no legend entry for it. */
	CU_ASSERT_PTR_NULL(strstr(text, "SoftFail"));
	free(text);

	chart_ctx_release(&c);
	free_runner(g);
	report_table_free(t);
	remove_dir(out);
	free(out);
	strbuf_release(&err);
}

static void test_chart_size(void)
{
	struct report_table *t = read_fixture_table();
	char *out = make_dir();
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	struct chart_ctx c;
	struct strbuf err;
	uint32_t w = 0, h = 0;

	strbuf_init(&err, ERR_CAP);
	setup_ctx(&c, t, out, g, 800, 500);
	CU_ASSERT_EQUAL_FATAL(chart_results(&c, &err), 0);
	CU_ASSERT_EQUAL_FATAL(c.nwritten, 8);
	CU_ASSERT_EQUAL(png_size(c.written[6], &w, &h), 0);
	CU_ASSERT_EQUAL(w, 800);
	CU_ASSERT_EQUAL(h, 500);
	chart_ctx_release(&c);
	free_runner(g);
	report_table_free(t);
	remove_dir(out);
	free(out);
	strbuf_release(&err);
}

/* gnuplot fails: nothing is published, not even a part, and the
 * temporary directory still goes. */
static void test_chart_gnuplot_fails(void)
{
	struct report_table *t = read_fixture_table();
	char *out = make_dir();
	struct gnuplot *g = new_runner("false", 60, NULL, 0);
	struct chart_ctx c;
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	setup_ctx(&c, t, out, g, CHART_WIDTH_DEFAULT, CHART_HEIGHT_DEFAULT);
	CU_ASSERT_EQUAL(chart_results(&c, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "spf-results: false exited with status 1: ");
	CU_ASSERT_EQUAL(c.nwritten, 0);
	CU_ASSERT_EQUAL(count_entries(out), 0);
	chart_ctx_release(&c);
	free_runner(g);
	report_table_free(t);
	remove_dir(out);
	free(out);
	strbuf_release(&err);
}

/* Months without data: an empty bar, and the legend gives the last month
 * that had messages; a method without any data gets no chart. */
static void test_chart_months_without_data(void)
{
	static const char extra[] =
		"2026-10,all,spf,0,0,0,0,0,0,0,0,0,0,,,,,,,,,\n"
		"2026-09,all,arc,0,0,0,0,0,0,0,0,0,0,,,,,,,,,\n";
	static const char head[] = "month,scope,method,providers,messages,none,pass,fail,softfail,"
		"neutral,temperror,permerror,policy,share_none,share_pass,share_fail,share_softfail,"
		"share_neutral,share_temperror,share_permerror,share_policy,share_non_none\n";
	struct csvin_limits lim;
	struct report_reader *r;
	struct report_table *t = NULL, *fix = read_fixture_table();
	char *out = make_dir(), *text;
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	struct chart_ctx c;
	struct strbuf err, buf;
	size_t i, len;

	/* The fixture's SPF rows plus a month without data, and an ARC
	 * method with none at all. */
	strbuf_init(&buf, 1 << 20);
	strbuf_append_str(&buf, head);
	for (i = 0; i < fix->n; i++) {
		const struct report_row *rw = &fix->rows[i];
		int k;

		if (rw->method != AR_SPF || strcmp(rw->scope, "all") != 0)
			continue;
		strbuf_printf(&buf, "%s,all,spf,%lld,%lld", rw->month_text, (long long)rw->providers,
		              (long long)rw->messages);
		for (k = 0; k < REPORT_NRESULTS; k++)
			strbuf_printf(&buf, ",%lld", (long long)rw->count[k]);
		for (k = 0; k < REPORT_NRESULTS; k++)
			strbuf_printf(&buf, ",%d.%02d", rw->share[k] / 100, rw->share[k] % 100);
		strbuf_printf(&buf, ",%d.%02d\n", rw->share_non_none / 100, rw->share_non_none % 100);
	}
	strbuf_append_str(&buf, extra);
	csvin_limits_default(&lim);
	r = report_reader_new("t.csv", &lim);
	CU_ASSERT_EQUAL_FATAL(report_reader_feed(r, buf.data, buf.len), 0);
	CU_ASSERT_EQUAL_FATAL(report_reader_finish(r, &t), 0);
	report_reader_free(r);

	strbuf_init(&err, ERR_CAP);
	setup_ctx(&c, t, out, g, CHART_WIDTH_DEFAULT, CHART_HEIGHT_DEFAULT);
	CU_ASSERT_EQUAL_FATAL(chart_results(&c, &err), 0);
	CU_ASSERT_EQUAL_FATAL(c.nwritten, 2);
	text = slurp(c.written[1], &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<text>Share in 2026-09</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<text>Pass: 90.32%</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<text>2026-10</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<text>n = 0</text>"));
	free(text);
	chart_ctx_release(&c);
	free_runner(g);
	report_table_free(t);
	report_table_free(fix);
	remove_dir(out);
	free(out);
	strbuf_release(&err);
	strbuf_release(&buf);
}

/* Append s as a quoted CSV field. */
static void csv_field(struct strbuf *sb, const char *s)
{
	strbuf_append_byte(sb, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			strbuf_append_byte(sb, '"');
		strbuf_append_byte(sb, (unsigned char)*s);
	}
	strbuf_append_byte(sb, '"');
}

/*
 * A provider whose name (the scope in the CSV, which cannot hold line
 * ends) is built to run commands if pasted into a script, in the report
 * and spam CSVs: the by-provider charts draw it as a panel title and
 * nothing else, in both languages.
 */
static void test_hostile_provider_charts(void)
{
	static const char head[] = "month,scope,method,providers,messages,none,pass,fail,softfail,"
		"neutral,temperror,permerror,policy,share_none,share_pass,share_fail,share_softfail,"
		"share_neutral,share_temperror,share_permerror,share_policy,share_non_none,"
		"policy_none,policy_quarantine,policy_reject\n";
	static const char *const methods[] = { "spf", "dkim", "dmarc", "arc" };
	static const char *const files[] = {
		"spf-results-by-carrier.svg", "dmarc-results-by-carrier.svg",
		"adoption-by-carrier.svg", "spam-by-carrier.svg",
	};
	char *dir = make_dir(), *out, *text;
	struct strbuf name, rep, spam, err, want;
	struct csvin_limits lim;
	struct report_reader *r;
	struct report_table *t = NULL;
	struct spam_table *st = NULL;
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	struct chart_ctx c;
	size_t i, m, l, len;

	strbuf_init(&name, 8192);
	strbuf_init(&rep, 1 << 20);
	strbuf_init(&spam, 1 << 20);
	strbuf_init(&err, ERR_CAP);
	strbuf_init(&want, 1 << 16);
	strbuf_printf(&name, "x'; system('touch %s/pwned1'); ' \" . system(\"touch %s/pwned2\") . \" "
	              "`touch %s/pwned3` @x $(touch %s/pwned4) \\ \\' & < end'",
	              dir, dir, dir, dir);
	strbuf_append_str(&rep, head);
	strbuf_append_str(&spam, "month,scope,providers,messages,spam,share_spam,daily_messages,"
	                         "daily_spam\n");
	for (i = 0; i < 3; i++) {
		for (m = 0; m < 4; m++) {
			const char *scopes[2] = { "all", name.data };

			for (l = 0; l < 2; l++) {
				strbuf_printf(&rep, "2026-%02zu,", 7 + i);
				csv_field(&rep, scopes[l]);
				strbuf_printf(&rep, ",%s,1,1000,100,850,50,0,0,0,0,0,10.00,85.00,5.00,0,0,0,"
				              "0,0,90.00,%s\n", methods[m], m == 2 ? "600,200,100" : ",,");
			}
		}
		for (l = 0; l < 2; l++) {
			strbuf_printf(&spam, "2026-%02zu,", 7 + i);
			csv_field(&spam, l == 0 ? "all" : name.data);
			strbuf_append_str(&spam, ",1,1000,400,40.00,33.33,13.33\n");
		}
	}
	csvin_limits_default(&lim);
	lim.max_field = 4096;
	r = report_reader_new("hostile.csv", &lim);
	CU_ASSERT_EQUAL_FATAL(report_reader_feed(r, rep.data, rep.len), 0);
	CU_ASSERT_EQUAL_FATAL(report_reader_finish(r, &t), 0);
	report_reader_free(r);
	CU_ASSERT_EQUAL_FATAL(spam_read_buffer("hostile-spam.csv", spam.data, spam.len, &lim, &st, &err), 0);

	/* The title is the name, as the SVG terminal writes text. */
	strbuf_append_str(&want, ">");
	svg_text(&want, name.data);
	strbuf_append_str(&want, "</text>");
	for (l = 0; l < 2; l++) {
		out = make_dir();
		setup_ctx(&c, t, out, g, CHART_WIDTH_DEFAULT, CHART_HEIGHT_DEFAULT);
		c.spam = st;
		c.lang = lang_find(l == 0 ? "en" : "ja");
		CU_ASSERT_EQUAL(chart_results_by_carrier(&c, &err), 0);
		CU_ASSERT_EQUAL(chart_adoption_by_carrier(&c, &err), 0);
		CU_ASSERT_EQUAL(chart_spam_by_carrier(&c, &err), 0);
		if (err.len > 0)
			fprintf(stderr, "\n%s\n", err.data);
		CU_ASSERT_EQUAL(c.nmade, 6);
		CU_ASSERT(!any_pwned(dir));
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			char *path = path_in(out, files[i]);

			text = slurp(path, &len);
			if (strstr(text, want.data) == NULL) {
				fprintf(stderr, "\n%s lacks the provider's name as a title:\n%s\n", path,
				        want.data);
				CU_FAIL("panel title");
			}
			free(text);
			free(path);
		}
		chart_ctx_release(&c);
		/* ARSTAT_TEST_KEEP=1 keeps the charts for a person to look at. */
		if (getenv("ARSTAT_TEST_KEEP") == NULL)
			remove_dir(out);
		free(out);
	}
	CU_ASSERT(!any_pwned(dir));
	free_runner(g);
	report_table_free(t);
	spam_table_free(st);
	remove_dir(dir);
	free(dir);
	strbuf_release(&name);
	strbuf_release(&rep);
	strbuf_release(&spam);
	strbuf_release(&err);
	strbuf_release(&want);
}

/* An output directory that cannot be written is an error naming it. */
static void test_chart_outdir_missing(void)
{
	struct report_table *t = read_fixture_table();
	struct gnuplot *g = new_runner(NULL, 60, NULL, 0);
	struct chart_ctx c;
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	setup_ctx(&c, t, "/nonexistent/charts", g, CHART_WIDTH_DEFAULT, CHART_HEIGHT_DEFAULT);
	CU_ASSERT_EQUAL(chart_results(&c, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "cannot create /nonexistent/charts/.spf-results.png.tmp: "
	                                 "No such file or directory");
	CU_ASSERT_EQUAL(c.nwritten, 0);
	chart_ctx_release(&c);
	free_runner(g);
	report_table_free(t);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("gnuplot", NULL, NULL);
	if (s == NULL || CU_add_test(s, "quoting", test_quote) == NULL ||
	    CU_add_test(s, "hostile label stays a label", test_hostile_label) == NULL ||
	    CU_add_test(s, "script error", test_script_error) == NULL ||
	    CU_add_test(s, "missing program", test_missing_program) == NULL ||
	    CU_add_test(s, "timeout", test_timeout) == NULL ||
	    CU_add_test(s, "interrupted", test_interrupted) == NULL ||
	    CU_add_test(s, "temporary files", test_temp_files) == NULL ||
	    CU_add_test(s, "templates", test_template) == NULL ||
	    CU_add_test(s, "number formats", test_format) == NULL ||
	    CU_add_test(s, "results charts of the fixture", test_chart_fixture) == NULL ||
	    CU_add_test(s, "chart size", test_chart_size) == NULL ||
	    CU_add_test(s, "gnuplot fails: nothing published", test_chart_gnuplot_fails) == NULL ||
	    CU_add_test(s, "months without data", test_chart_months_without_data) == NULL ||
	    CU_add_test(s, "output directory missing", test_chart_outdir_missing) == NULL ||
	    CU_add_test(s, "hostile provider name in panel titles", test_hostile_provider_charts) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
