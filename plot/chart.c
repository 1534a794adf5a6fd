#include "chart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

/* A script is a template of a few kilobytes filled with short values; a
 * megabyte means something went wrong. */
#define CHART_SCRIPT_CAP (1024 * 1024)
#define CHART_PATH_CAP 8192
#define CHART_COPY_CHUNK 65536

const enum report_result chart_result_order[REPORT_RESULT_COUNT] = {
	REPORT_NONE, REPORT_NEUTRAL, REPORT_PASS, REPORT_FAIL,
	REPORT_SOFTFAIL, REPORT_TEMPERROR, REPORT_PERMERROR, REPORT_POLICY,
};

/*
 * One colour per result on every chart, so a reader learns them once. Grey
 * for None (no authentication at all), blue for Pass, red for the hard
 * failure, orange and amber for the soft outcomes, darker tones for the
 * rare errors. Indexed by enum report_result.
 */
static const char *const chart_colours[REPORT_RESULT_COUNT][2] = {
	[REPORT_NONE] = { "#a5a5a5", "#000000" },
	[REPORT_PASS] = { "#4472c4", "#ffffff" },
	[REPORT_FAIL] = { "#c00000", "#ffffff" },
	[REPORT_SOFTFAIL] = { "#ed7d31", "#000000" },
	[REPORT_NEUTRAL] = { "#ffc000", "#000000" },
	[REPORT_TEMPERROR] = { "#7030a0", "#ffffff" },
	[REPORT_PERMERROR] = { "#843c0c", "#ffffff" },
	[REPORT_POLICY] = { "#5fb7b7", "#000000" },
};

const char *chart_result_colour(enum report_result r)
{
	if ((unsigned)r >= REPORT_RESULT_COUNT)
		msg_panic("chart_result_colour: %d", (int)r);
	return chart_colours[r][0];
}

const char *chart_result_ink(enum report_result r)
{
	if ((unsigned)r >= REPORT_RESULT_COUNT)
		msg_panic("chart_result_ink: %d", (int)r);
	return chart_colours[r][1];
}

int chart_format_count(struct strbuf *out, int64_t v)
{
	char digits[24];
	int n, i;

	if (v < 0) {
		if (strbuf_append_byte(out, '-') < 0)
			return -1;
		/* Through unsigned, so INT64_MIN has a magnitude too. */
		n = snprintf(digits, sizeof(digits), "%llu", 0ULL - (unsigned long long)v);
	} else {
		n = snprintf(digits, sizeof(digits), "%lld", (long long)v);
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0 && strbuf_append_byte(out, ',') < 0)
			return -1;
		if (strbuf_append_byte(out, (unsigned char)digits[i]) < 0)
			return -1;
	}
	return 0;
}

int chart_format_hundredths(struct strbuf *out, int64_t v)
{
	const char *sign = v < 0 ? "-" : "";
	unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	return strbuf_printf(out, "%s%llu.%02llu", sign, m / 100, m % 100);
}

void chart_ctx_release(struct chart_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nwritten; i++)
		free(c->written[i]);
	free(c->written);
	c->written = NULL;
	c->nwritten = 0;
}

/* Copy src to OUTDIR/basename.ext through a temporary name in OUTDIR, so
 * that readers of OUTDIR see either the old file or the whole new one. */
static int chart_publish(struct chart_ctx *c, const char *src, const char *basename,
                         const char *ext, mode_t mode, struct strbuf *err)
{
	struct strbuf dst, tmp;
	char *buf = NULL;
	int in = -1, out = -1, rc = -1, created = 0;
	struct stat st;

	strbuf_init(&dst, CHART_PATH_CAP);
	strbuf_init(&tmp, CHART_PATH_CAP);
	if (strbuf_printf(&dst, "%s/%s.%s", c->outdir, basename, ext) < 0 ||
	    strbuf_printf(&tmp, "%s/.%s.%s.XXXXXX", c->outdir, basename, ext) < 0) {
		strbuf_printf(err, "output path too long in %s", c->outdir);
		goto out;
	}
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		strbuf_printf(err, "cannot read gnuplot's output %s: %s", src, strerror(errno));
		goto out;
	}
	if (st.st_size == 0) {
		strbuf_printf(err, "gnuplot wrote nothing for %s.%s", basename, ext);
		goto out;
	}
	out = mkstemp(tmp.data);
	if (out < 0) {
		strbuf_printf(err, "cannot create a file in %s: %s", c->outdir, strerror(errno));
		goto out;
	}
	created = 1;
	buf = xmalloc(CHART_COPY_CHUNK);
	for (;;) {
		ssize_t n = read(in, buf, CHART_COPY_CHUNK), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(err, "cannot read %s: %s", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		while (w < n) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				strbuf_printf(err, "cannot write %s: %s", tmp.data, strerror(errno));
				goto out;
			}
			w += k;
		}
	}
	/* mkostemp makes the file private; a chart is for everyone the
	 * umask lets read it. */
	if (fchmod(out, mode) < 0 || close(out) < 0) {
		out = -1;
		strbuf_printf(err, "cannot write %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	out = -1;
	if (rename(tmp.data, dst.data) < 0) {
		strbuf_printf(err, "cannot rename %s to %s: %s", tmp.data, dst.data, strerror(errno));
		goto out;
	}
	created = 0;
	c->written = xreallocarray(c->written, c->nwritten + 1, sizeof(*c->written));
	c->written[c->nwritten++] = xstrdup(dst.data);
	rc = 0;
out:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (created)
		unlink(tmp.data);
	free(buf);
	strbuf_release(&dst);
	strbuf_release(&tmp);
	return rc;
}

/* Append the commands that send one format to `path`, from a clean slate. */
static int chart_prelude(struct strbuf *script, const struct chart_ctx *c, const char *terminal,
                         const char *path)
{
	struct strbuf font;
	int rc = -1;

	strbuf_init(&font, 256);
	if (strbuf_printf(&font, "%s,11", c->lang->font) < 0)
		goto out;
	if (strbuf_printf(script, "reset session\nset encoding utf8\nset terminal %s size %u,%u ",
	                  terminal, c->width, c->height) < 0 ||
	    strbuf_append_str(script, "noenhanced background '#ffffff' font ") < 0 ||
	    gnuplot_quote(script, font.data, font.len) < 0 ||
	    strbuf_append_str(script, "\nset output ") < 0 ||
	    gnuplot_quote_str(script, path) < 0 || strbuf_append_byte(script, '\n') < 0)
		goto out;
	rc = 0;
out:
	strbuf_release(&font);
	return rc;
}

int chart_draw(struct chart_ctx *c, const char *basename, const char *template_name,
               const struct template_var *vars, size_t nvars, const char *data, size_t len,
               struct strbuf *err)
{
	/* SVG sizes count in the same units as PNG pixels, so the two match. */
	static const char *const terminals[2] = { "pngcairo", "svg" };
	static const char *const exts[2] = { "png", "svg" };
	static const char *const prefixes[2] = { "out-png.", "out-svg." };
	const char *tmpl = template_get(template_name);
	char *data_path = NULL, *out_path[2] = { NULL, NULL };
	struct template_var *all = NULL;
	struct strbuf script, quoted, why;
	mode_t mask;
	size_t f;
	int rc = -1;

	strbuf_init(&script, CHART_SCRIPT_CAP);
	strbuf_init(&quoted, CHART_PATH_CAP);
	strbuf_init(&why, CHART_SCRIPT_CAP);
	if (tmpl == NULL)
		msg_panic("chart_draw: no template \"%s\"", template_name);
	if (gnuplot_temp_file(c->gp, "data.", data, len, &data_path, err) < 0)
		goto out;
	for (f = 0; f < 2; f++) {
		if (gnuplot_temp_file(c->gp, prefixes[f], NULL, 0, &out_path[f], err) < 0)
			goto out;
	}
	if (gnuplot_quote_str(&quoted, data_path) < 0) {
		strbuf_printf(err, "temporary path too long: %s", data_path);
		goto out;
	}
	all = xcalloc(nvars + 1, sizeof(*all));
	if (nvars > 0)
		memcpy(all, vars, nvars * sizeof(*all));
	all[nvars].name = "DATA";
	all[nvars].value = quoted.data;
	for (f = 0; f < 2; f++) {
		if (chart_prelude(&script, c, terminals[f], out_path[f]) < 0) {
			strbuf_printf(err, "%s: script too large", basename);
			goto out;
		}
		if (template_render(tmpl, all, nvars + 1, &script, &why) < 0) {
			strbuf_printf(err, "%s: %s", basename, why.data);
			goto out;
		}
		/* Closing the output is what completes an SVG file. */
		if (strbuf_append_str(&script, "\nunset output\n") < 0) {
			strbuf_printf(err, "%s: script too large", basename);
			goto out;
		}
	}
	if (gnuplot_run(c->gp, script.data, script.len, &why) < 0) {
		strbuf_printf(err, "%s: %s", basename, why.data);
		goto out;
	}
	mask = umask(0);
	umask(mask);
	for (f = 0; f < 2; f++) {
		if (chart_publish(c, out_path[f], basename, exts[f], 0666 & ~mask, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(data_path);
	free(out_path[0]);
	free(out_path[1]);
	free(all);
	strbuf_release(&script);
	strbuf_release(&quoted);
	strbuf_release(&why);
	return rc;
}
