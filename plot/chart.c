#include "chart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "log.h"
#include "mem.h"
#include "rows.h"

/* A script is a template of a few kilobytes filled with short values; a
 * megabyte means something went wrong. */
#define CHART_SCRIPT_CAP (1024 * 1024)
#define CHART_PATH_CAP 8192
#define CHART_COPY_CHUNK 65536

const enum ar_result chart_result_order[REPORT_NRESULTS] = {
	AR_NONE, AR_NEUTRAL, AR_PASS, AR_FAIL,
	AR_SOFTFAIL, AR_TEMPERROR, AR_PERMERROR, AR_POLICY,
};

/*
 * One colour per result on every chart, so a reader learns them once. Grey
 * for None (no authentication at all), blue for Pass, red for the hard
 * failure, orange and amber for the soft outcomes, darker tones for the
 * rare errors. Indexed by enum ar_result.
 */
static const char *const chart_colours[REPORT_NRESULTS][2] = {
	[AR_NONE] = { "#a5a5a5", "#000000" },
	[AR_PASS] = { "#4472c4", "#ffffff" },
	[AR_FAIL] = { "#c00000", "#ffffff" },
	[AR_SOFTFAIL] = { "#ed7d31", "#000000" },
	[AR_NEUTRAL] = { "#ffc000", "#000000" },
	[AR_TEMPERROR] = { "#7030a0", "#ffffff" },
	[AR_PERMERROR] = { "#843c0c", "#ffffff" },
	[AR_POLICY] = { "#5fb7b7", "#000000" },
};

/* Methods: blue, green, purple, gold; apart from each other and legible as
 * lines on white. Indexed by enum ar_method. */
static const char *const chart_method_colours[AR_METHOD_COUNT] = {
	"#2e75b6", "#2e8b57", "#8e44ad", "#b8860b",
};

const char *chart_method_colour(enum ar_method m)
{
	if ((unsigned)m >= AR_METHOD_COUNT)
		msg_panic("chart_method_colour: %d", (int)m);
	return chart_method_colours[m];
}

const char *chart_result_colour(enum ar_result r)
{
	if ((unsigned)r >= REPORT_NRESULTS)
		msg_panic("chart_result_colour: %d", (int)r);
	return chart_colours[r][0];
}

const char *chart_result_ink(enum ar_result r)
{
	if ((unsigned)r >= REPORT_NRESULTS)
		msg_panic("chart_result_ink: %d", (int)r);
	return chart_colours[r][1];
}

int64_t chart_share_x100(int64_t num, int64_t den)
{
	uint64_t whole, x, h;

	if (den <= 0 || den > REPORT_COUNT_MAX || num < 0 || num > den)
		msg_panic("chart_share_x100(%lld, %lld): out of range", (long long)num,
		          (long long)den);
	/* In two steps so that nothing overflows: the remainder is below
	 * den <= 1e15, times 10000 below 1e19 < 2^64. */
	whole = (uint64_t)(num / den) * 10000u;
	x = (uint64_t)(num % den) * 10000u;
	h = x / (uint64_t)den;
	if ((x % (uint64_t)den) * 2u >= (uint64_t)den)
		h++;
	return (int64_t)(whole + h);
}

int chart_policy_share(const struct report_row *r, int reject_only, int64_t *out)
{
	int64_t den = r->policy[POL_NONE] + r->policy[POL_QUARANTINE] + r->policy[POL_REJECT];
	int64_t num = r->policy[POL_REJECT] + (reject_only ? 0 : r->policy[POL_QUARANTINE]);

	if (den <= 0)
		return -1;
	*out = chart_share_x100(num, den);
	return 0;
}

int chart_refused_share(const struct report_row *r, int64_t *out)
{
	/* Both are at most REPORT_COUNT_MAX (report_csv.c), so no overflow. */
	int64_t den = r->messages + r->refused;

	if (den <= 0)
		return -1;
	*out = chart_share_x100(r->refused, den);
	return 0;
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

int chart_last_label(struct strbuf *values, struct strbuf *texts, int64_t v,
                     struct strbuf *scratch)
{
	int e = 0;

	strbuf_reset(scratch);
	if (v < 0)
		return strbuf_append_byte(values, '0') | gnuplot_quote_str(texts, "");
	e |= chart_format_hundredths(values, v);
	e |= chart_format_hundredths(scratch, v);
	e |= strbuf_append_byte(scratch, '%');
	e |= gnuplot_quote(texts, scratch->data, scratch->len);
	return e != 0 ? -1 : 0;
}

void chart_ctx_release(struct chart_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nwritten; i++)
		free(c->written[i]);
	free(c->written);
	c->written = NULL;
	c->nwritten = 0;
	for (i = 0; i < c->nmade; i++) {
		free(c->made[i].basename);
		free(c->made[i].title);
	}
	free(c->made);
	c->made = NULL;
	c->nmade = 0;
}

void chart_ctx_wrote(struct chart_ctx *c, const char *path)
{
	c->written = xreallocarray(c->written, c->nwritten + 1, sizeof(*c->written));
	c->written[c->nwritten++] = xstrdup(path);
}

static int chart_month_cmp(const void *pa, const void *pb)
{
	const struct chart_month *a = pa, *b = pb;

	return rows_month_cmp(a->year, a->month, b->year, b->month);
}

static void chart_axis_add(struct chart_axis *ax, size_t *alloc, int year, int month,
                           const char *text)
{
	struct chart_month *m;

	ax->m = xgrow(ax->m, ax->n + 1, alloc, sizeof(*ax->m), 64);
	m = &ax->m[ax->n++];
	m->year = year;
	m->month = month;
	memcpy(m->text, text, sizeof(m->text));
}

/* Mark the months whose "all" rows the report says are incomplete. */
static void chart_axis_mark(const struct chart_ctx *c, struct chart_axis *ax)
{
	size_t i;
	long k;

	for (i = 0; i < ax->n; i++) {
		ax->m[i].incomplete = 0;
		ax->m[i].missing_x100 = -1;
	}
	for (i = 0; c->report != NULL && i < c->report->n; i++) {
		const struct report_row *r = &c->report->rows[i];

		if (!r->incomplete || strcmp(r->scope, "all") != 0)
			continue;
		k = chart_axis_index(ax, r->year, r->month);
		if (k < 0)
			continue;
		ax->m[k].incomplete = 1;
		if (r->windows_x100 >= 0)
			ax->m[k].missing_x100 = 10000 - r->windows_x100;
	}
}

void chart_axis_build(const struct chart_ctx *c, struct chart_axis *ax)
{
	size_t i, j, alloc = 0;

	ax->m = NULL;
	ax->n = 0;
	for (i = 0; c->report != NULL && i < c->report->n; i++) {
		const struct report_row *r = &c->report->rows[i];

		chart_axis_add(ax, &alloc, r->year, r->month, r->month_text);
	}
	for (i = 0; c->spam != NULL && i < c->spam->n; i++) {
		const struct spam_row *r = &c->spam->rows[i];

		chart_axis_add(ax, &alloc, r->year, r->month, r->month_text);
	}
	if (ax->n == 0)
		return;
	qsort(ax->m, ax->n, sizeof(*ax->m), chart_month_cmp);
	for (i = 1, j = 1; i < ax->n; i++) {
		if (chart_month_cmp(&ax->m[i], &ax->m[j - 1]) != 0)
			ax->m[j++] = ax->m[i];
	}
	ax->n = j;
	chart_axis_mark(c, ax);
}

void chart_axis_release(struct chart_axis *ax)
{
	free(ax->m);
	ax->m = NULL;
	ax->n = 0;
}

long chart_axis_index(const struct chart_axis *ax, int year, int month)
{
	struct chart_month key;
	const struct chart_month *hit;

	if (ax->n == 0)
		return -1;
	key.year = year;
	key.month = month;
	hit = bsearch(&key, ax->m, ax->n, sizeof(*ax->m), chart_month_cmp);
	return hit != NULL ? (long)(hit - ax->m) : -1;
}

unsigned chart_month_step(size_t n, size_t max_labels)
{
	/* Steps that divide a year, so that labelled months recur on the same
	 * calendar months; beyond a year, whole years. */
	static const unsigned steps[] = { 1, 2, 3, 4, 6, 12 };
	unsigned step;
	size_t i;

	if (max_labels == 0)
		max_labels = 1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		/* Calendar alignment can put one more label than n / step. */
		if ((n + steps[i] - 1) / steps[i] <= max_labels)
			return steps[i];
	}
	for (step = 24; (n + step - 1) / step > max_labels; step += 12)
		;
	return step;
}

int chart_month_tick(const struct plot_lang *l, const struct chart_axis *ax, size_t i,
                     unsigned step, struct strbuf *out)
{
	const struct chart_month *m = &ax->m[i];

	if (step > 12) {
		/* Every so many years, counted from the first January. */
		if (m->month != 1 || (unsigned)(m->year - ax->m[0].year) % (step / 12) != 0)
			return 0;
	} else if (step > 1 && (unsigned)(m->month - 1) % step != 0) {
		return m->incomplete ? strbuf_append_str(out, "*") : 0;
	}
	if (lang_month(l, m->year, m->month, out) < 0)
		return -1;
	return m->incomplete ? strbuf_append_str(out, "*") : 0;
}

int chart_incomplete_note(const struct plot_lang *l, const struct chart_axis *ax,
                          struct strbuf *out)
{
	size_t i;
	int e = 0, first = 1;

	for (i = 0; i < ax->n; i++) {
		const struct chart_month *m = &ax->m[i];

		if (!m->incomplete)
			continue;
		e |= strbuf_append_str(out, first ? l->note_incomplete : l->note_incomplete_sep);
		first = 0;
		e |= lang_month(l, m->year, m->month, out);
		if (m->missing_x100 >= 0) {
			e |= strbuf_append_str(out, " ");
			e |= chart_format_hundredths(out, m->missing_x100);
			e |= strbuf_append_str(out, "%");
		}
	}
	if (!first)
		e |= strbuf_append_str(out, l->note_incomplete_end);
	return e != 0 ? -1 : 0;
}

double chart_text_px(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	double px = 0.0;

	for (; *p != '\0'; p++) {
		if (*p < 0x80)
			px += 7.5;
		else if (*p >= 0xe0)
			px += 15.0; /* the lead byte of a 3- or 4-byte character */
		else if (*p >= 0xc0)
			px += 8.0;
	}
	return px;
}

size_t chart_labels_fit(const struct plot_lang *l, double px)
{
	/* A month label at the 11-point font with room on either side:
	 * "2026-04" and "2026年10月". */
	double label_px = strcmp(l->code, "ja") == 0 ? 86.0 : 68.0;
	double n = px / label_px;

	return n < 1.0 ? 1 : (size_t)n;
}

static int chart_str_cmp(const void *pa, const void *pb)
{
	const char *const *a = pa, *const *b = pb;

	return strcmp(*a, *b);
}

size_t chart_carriers(const struct chart_ctx *c, const char ***out)
{
	const char **list = NULL;
	size_t i, j, n = 0, alloc = 0;

	for (i = 0; c->report != NULL && i < c->report->n; i++) {
		list = xgrow(list, n + 1, &alloc, sizeof(*list), 64);
		list[n++] = c->report->rows[i].scope;
	}
	for (i = 0; c->spam != NULL && i < c->spam->n; i++) {
		list = xgrow(list, n + 1, &alloc, sizeof(*list), 64);
		list[n++] = c->spam->rows[i].scope;
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), chart_str_cmp);
	for (i = 0, j = 0; i < n; i++) {
		if (strcmp(list[i], "all") == 0 || (j > 0 && strcmp(list[i], list[j - 1]) == 0))
			continue;
		list[j++] = list[i];
	}
	if (j == 0) {
		free(list);
		list = NULL;
	}
	*out = list;
	return j;
}

int chart_place(const struct chart_axis *ax, const char *const *scopes, size_t npanels,
                const char *scope, int year, int month, size_t *panel, size_t *k)
{
	long at = chart_axis_index(ax, year, month);
	size_t p;

	for (p = 0; p < npanels; p++) {
		if (strcmp(scope, scopes[p]) == 0)
			break;
	}
	if (p == npanels || at < 0)
		return -1;
	*panel = p;
	*k = (size_t)at;
	return 0;
}

int chart_panels_fit(size_t n, const char *what)
{
	if (n <= CHART_PANELS_MAX)
		return 1;
	msg_warn("%zu providers: more than %d panels; no by-provider %s", n, CHART_PANELS_MAX, what);
	return 0;
}

/* Pixel sizes of the fixed parts of a chart at the 11-point font. */
#define LAYOUT_TITLE_PX 64.0   /* the chart's title */
#define LAYOUT_NOTE_PX 30.0    /* the footnote */
#define LAYOUT_LINE_PX 19.0    /* one line of tick labels */
#define LAYOUT_LEFT_PX 84.0    /* y axis title and tick labels */
#define LAYOUT_Y2_PX 84.0      /* the same on the right */
#define LAYOUT_PANEL_TITLE_PX 34.0
#define LAYOUT_GAP_PX 16.0

/* Footnotes are at 9 points; chart_text_px measures at 11. */
#define LAYOUT_NOTE_SCALE (9.0 / 11.0)
#define LAYOUT_NOTE_LINE_PX 14.0

unsigned chart_note(struct strbuf *out, const struct chart_ctx *c, const char *const *sentences,
                    size_t n)
{
	double room = (double)c->width - 24.0, used = 0.0;
	struct strbuf line;
	unsigned lines = 1;
	size_t i;

	strbuf_init(&line, 65536);
	for (i = 0; i < n; i++) {
		const char *s = sentences[i];
		double px = chart_text_px(s) * LAYOUT_NOTE_SCALE;

		if (s[0] == '\0')
			continue;
		if (line.len > 0 && used + px > room) {
			gnuplot_quote(out, line.data, line.len);
			strbuf_append_str(out, " . \"\\n\" . ");
			strbuf_reset(&line);
			used = 0.0;
			lines++;
		}
		/* A new line does not start with the space between sentences. */
		if (line.len == 0 && s[0] == ' ') {
			s++;
			px = chart_text_px(s) * LAYOUT_NOTE_SCALE;
		}
		strbuf_append_str(&line, s);
		used += px;
	}
	gnuplot_quote(out, line.data != NULL ? line.data : "", line.len);
	strbuf_release(&line);
	return lines;
}

/* A legend entry of small multiples: its sample, a gap, its text and the
 * space before the next; rows of them are this far apart. */
#define KEY_SAMPLE_PX 26.0
#define KEY_TEXT_GAP_PX 8.0
#define KEY_ENTRY_GAP_PX 28.0
#define KEY_ROW_PX 24.0

/* Place the legend entries of small multiples in rows, each row centred:
 * appends the screen x of each entry's sample to xs and the screen y of its
 * row to ys, as gnuplot array elements. Returns the number of rows. */
static unsigned chart_key_rows(const struct chart_ctx *c, const char *const *titles, size_t n,
                               struct strbuf *xs, struct strbuf *ys)
{
	double w = c->width, h = c->height, room = w - 40.0;
	unsigned rows = 0;
	size_t i = 0, k;

	while (i < n) {
		size_t first = i;
		double row_px = 0.0, x;

		/* As many entries as fit, and at least one. */
		do {
			row_px += KEY_SAMPLE_PX + KEY_TEXT_GAP_PX + chart_text_px(titles[i]) +
			          (i > first ? KEY_ENTRY_GAP_PX : 0.0);
			i++;
		} while (i < n && row_px + KEY_ENTRY_GAP_PX + KEY_SAMPLE_PX + KEY_TEXT_GAP_PX +
		                          chart_text_px(titles[i]) <= room);
		x = (w - row_px) / 2.0;
		for (k = first; k < i; k++) {
			if (k > 0) {
				strbuf_append_byte(xs, ',');
				strbuf_append_byte(ys, ',');
			}
			strbuf_printf(xs, "%.4f", x / w);
			strbuf_printf(ys, "%.4f",
			              1.0 - (LAYOUT_TITLE_PX - 4.0 + KEY_ROW_PX * rows) / h);
			x += KEY_SAMPLE_PX + KEY_TEXT_GAP_PX + chart_text_px(titles[k]) + KEY_ENTRY_GAP_PX;
		}
		rows++;
	}
	return rows;
}

void chart_layout_init(struct chart_layout *l, const struct chart_ctx *c, size_t n, int small,
                       const char *const *titles, size_t ntitles, unsigned legend_px,
                       unsigned tick_lines, int y2, unsigned note_lines)
{
	double w = c->width, h = c->height;
	double y2_px = y2 ? LAYOUT_Y2_PX : 0.0;
	double right_px = (small ? 0.0 : legend_px + LAYOUT_GAP_PX) + y2_px + LAYOUT_GAP_PX;
	double ticks_px = LAYOUT_LINE_PX * tick_lines + 10.0;
	double xspace = n > 1 ? LAYOUT_LEFT_PX + y2_px : 0.0;
	double yspace = n > 1 ? ticks_px + LAYOUT_PANEL_TITLE_PX + LAYOUT_GAP_PX : 0.0;
	double notes_px = (note_lines > 1 ? note_lines - 1 : 0) * LAYOUT_NOTE_LINE_PX;
	double bottom_px = LAYOUT_NOTE_PX + notes_px + ticks_px;
	double top_px, area_w, area_h, best = -1.0;
	unsigned r, key_rows = 0;
	size_t i;

	if (n == 0)
		msg_panic("chart_layout_init: no panels");
	for (i = 0; i < CHART_LAYOUT_NVARS; i++)
		strbuf_init(&l->text[i], 4096);
	if (small) {
		key_rows = chart_key_rows(c, titles, ntitles, &l->text[7], &l->text[8]);
	} else {
		/* The arrays must exist; a single chart does not read them. */
		for (i = 0; i < ntitles; i++) {
			strbuf_append_str(&l->text[7], i > 0 ? ",0" : "0");
			strbuf_append_str(&l->text[8], i > 0 ? ",0" : "0");
		}
	}
	top_px = LAYOUT_TITLE_PX +
	         (small ? KEY_ROW_PX * key_rows + LAYOUT_GAP_PX / 2 + LAYOUT_PANEL_TITLE_PX : 0.0);
	area_w = w - LAYOUT_LEFT_PX - right_px;
	area_h = h - top_px - bottom_px;
	l->rows = 1;
	l->cols = (unsigned)n;
	/* The grid whose panels are largest, where a panel's width counts
	 * for more than its height: months run across. */
	for (r = 1; r <= n; r++) {
		unsigned cols = (unsigned)((n + r - 1) / r);
		double pw = (area_w - (cols - 1) * xspace) / cols;
		double ph = (area_h - (r - 1) * yspace) / r;
		double score = pw < ph * 1.5 ? pw : ph * 1.5;

		if ((size_t)(r - 1) * cols >= n)
			continue; /* a whole empty row */
		if (score > best) {
			best = score;
			l->rows = r;
			l->cols = cols;
		}
	}
	l->panel_px = (area_w - (l->cols - 1) * xspace) / l->cols;
	if (l->panel_px < 1.0)
		l->panel_px = 1.0;
	strbuf_printf(&l->text[0], "%u", l->rows);
	strbuf_printf(&l->text[1], "%u", l->cols);
	strbuf_printf(&l->text[2], "screen %.4f, %.4f, %.4f, %.4f", LAYOUT_LEFT_PX / w,
	              1.0 - right_px / w, bottom_px / h, 1.0 - top_px / h);
	strbuf_printf(&l->text[3], "screen %.4f, %.4f", xspace / w, yspace / h);
	strbuf_printf(&l->text[4], "%.4f", 1.0 - (legend_px + LAYOUT_GAP_PX / 2) / w);
	strbuf_printf(&l->text[5], "%.4f", 1.0 - top_px / h);
	strbuf_printf(&l->text[6], "%.4f", (8.0 + notes_px) / h);
	strbuf_printf(&l->text[9], "%.6f", 1.0 / w);
	strbuf_printf(&l->text[10], "%.6f", 1.0 / h);
}

void chart_layout_release(struct chart_layout *l)
{
	size_t i;

	for (i = 0; i < CHART_LAYOUT_NVARS; i++)
		strbuf_release(&l->text[i]);
}

void chart_layout_vars(const struct chart_layout *l, struct template_var *vars)
{
	static const char *const names[CHART_LAYOUT_NVARS] = {
		"ROWS", "COLS", "MARGINS", "SPACING", "KEY_X", "KEY_Y", "NOTE_Y", "KEY_XS", "KEY_YS",
		"PX_X", "PX_Y",
	};
	size_t i;

	for (i = 0; i < CHART_LAYOUT_NVARS; i++) {
		vars[i].name = names[i];
		vars[i].value = l->text[i].data;
	}
}

/*
 * Write OUTDIR/name with the bytes of file src (if src is not NULL) or
 * data[0..len), so that readers of OUTDIR see either the old file or the
 * whole new one; add it to c->written. An output is for everyone the umask
 * lets read it.
 */
static int chart_publish(struct chart_ctx *c, const char *src, const char *data, size_t len,
                         const char *name, struct strbuf *err)
{
	struct strbuf dst;
	struct atomicfile *af = NULL;
	char *buf = NULL;
	int in = -1, rc = -1;
	struct stat st;

	strbuf_init(&dst, CHART_PATH_CAP);
	if (strbuf_printf(&dst, "%s/%s", c->outdir, name) < 0) {
		strbuf_printf(err, "output path too long in %s", c->outdir);
		goto out;
	}
	if (src != NULL) {
		in = open(src, O_RDONLY | O_CLOEXEC);
		if (in < 0 || fstat(in, &st) < 0) {
			strbuf_printf(err, "cannot read %s: %s", src, strerror(errno));
			goto out;
		}
		if (st.st_size == 0) {
			strbuf_printf(err, "%s is empty (for %s)", src, name);
			goto out;
		}
	}
	af = atomicfile_new(dst.data, 0666, err);
	if (af == NULL)
		goto out;
	if (src == NULL && atomicfile_write(af, data, len, err) < 0)
		goto out;
	if (src != NULL)
		buf = xmalloc(CHART_COPY_CHUNK);
	while (src != NULL) {
		ssize_t n = read(in, buf, CHART_COPY_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(err, "cannot read %s: %s", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (atomicfile_write(af, buf, (size_t)n, err) < 0)
			goto out;
	}
	if (atomicfile_commit(af, err) < 0)
		goto out;
	chart_ctx_wrote(c, dst.data);
	rc = 0;
out:
	atomicfile_free(af);
	if (in >= 0)
		close(in);
	free(buf);
	strbuf_release(&dst);
	return rc;
}

int chart_write_file(struct chart_ctx *c, const char *name, const char *src, const char *data,
                     size_t len, struct strbuf *err)
{
	if (strchr(name, '/') != NULL)
		msg_panic("chart_write_file: name with a slash");
	return chart_publish(c, src, data, len, name, err);
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

int chart_draw(struct chart_ctx *c, const char *basename, const char *title, int by_carrier,
               const char *template_name, const struct template_var *vars, size_t nvars,
               const char *data, size_t len, struct strbuf *err)
{
	/* SVG sizes count in the same units as PNG pixels, so the two match. */
	static const char *const terminals[2] = { "pngcairo", "svg" };
	static const char *const exts[2] = { "png", "svg" };
	static const char *const prefixes[2] = { "out-png.", "out-svg." };
	const char *tmpl = template_get(template_name);
	char *data_path = NULL, *out_path[2] = { NULL, NULL };
	struct template_var *all = NULL;
	struct strbuf script, quoted, why;
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
	for (f = 0; f < 2; f++) {
		strbuf_reset(&quoted);
		if (strbuf_printf(&quoted, "%s.%s", basename, exts[f]) < 0) {
			strbuf_printf(err, "%s: name too long", basename);
			goto out;
		}
		if (chart_publish(c, out_path[f], NULL, 0, quoted.data, err) < 0)
			goto out;
	}
	c->made = xreallocarray(c->made, c->nmade + 1, sizeof(*c->made));
	c->made[c->nmade].basename = xstrdup(basename);
	c->made[c->nmade].title = xstrdup(title);
	c->made[c->nmade].by_carrier = by_carrier;
	c->nmade++;
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

void chart_frame_init(struct chart_frame *f, struct chart_ctx *c, size_t npanels, int by_carrier,
                      const char *const *names, size_t nvals)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->c = c;
	f->npanels = npanels;
	f->by_carrier = by_carrier;
	chart_axis_build(c, &f->ax);
	strbuf_init(&f->data, CHART_DATA_CAP);
	strbuf_init(&f->title, CHART_VALUE_CAP);
	strbuf_init(&f->ylabel, CHART_VALUE_CAP);
	strbuf_init(&f->note, CHART_VALUE_CAP);
	strbuf_init(&f->panel_titles, CHART_VALUE_CAP);
	strbuf_init(&f->text, CHART_VALUE_CAP);
	strbuf_init(&f->incomplete, CHART_VALUE_CAP);
	/* A sentence of some hundred bytes a month cannot reach the cap over
	 * the months a chart can show; if it did, the note would be cut, not
	 * the chart. */
	(void)chart_incomplete_note(c->lang, &f->ax, &f->incomplete);
	f->names = names;
	f->nvals = nvals;
	f->val = xcalloc(nvals ? nvals : 1, sizeof(*f->val));
	for (i = 0; i < nvals; i++)
		strbuf_init(&f->val[i], CHART_VALUE_CAP);
}

void chart_frame_layout(struct chart_frame *f, const char *const *titles, size_t ntitles,
                        unsigned legend_px, unsigned tick_lines, int y2, unsigned note_lines)
{
	if (f->lay_ready)
		chart_layout_release(&f->lay);
	chart_layout_init(&f->lay, f->c, f->npanels, f->by_carrier, titles, ntitles, legend_px,
	                  tick_lines, y2, note_lines);
	f->lay_ready = 1;
}

void chart_frame_panel(struct chart_frame *f, size_t p, const char *scope)
{
	/* gnuplot reads blocks separated by two blank lines as its "index"es. */
	if (p > 0) {
		strbuf_append_str(&f->data, "\n\n");
		strbuf_append_byte(&f->panel_titles, ',');
	}
	gnuplot_quote_str(&f->panel_titles, scope);
}

/* The frame's own placeholders, in the order chart_frame_draw fills them. */
enum { F_TITLE, F_YLABEL, F_NOTE, F_PANEL_TITLES, F_NBARS, F_NPANELS, F_SMALL, F_N };

int chart_frame_draw(struct chart_frame *f, const char *basename, const char *template_name,
                     struct strbuf *err)
{
	static const char *const frame_names[F_N] = {
		"TITLE", "YLABEL", "NOTE", "PANEL_TITLES", "NBARS", "NPANELS", "SMALL",
	};
	struct template_var *vars;
	struct strbuf title, ylabel;
	char nbars[32], npanels[32];
	size_t i, n = F_N + f->nvals + CHART_LAYOUT_NVARS;
	int rc;

	if (!f->lay_ready)
		msg_panic("chart_frame_draw: %s not laid out", basename);
	strbuf_init(&title, CHART_VALUE_CAP);
	strbuf_init(&ylabel, CHART_VALUE_CAP);
	gnuplot_quote(&title, f->title.data, f->title.len);
	gnuplot_quote(&ylabel, f->ylabel.data, f->ylabel.len);
	snprintf(nbars, sizeof(nbars), "%zu", f->ax.n);
	snprintf(npanels, sizeof(npanels), "%zu", f->npanels);
	vars = xcalloc(n, sizeof(*vars));
	for (i = 0; i < F_N; i++)
		vars[i].name = frame_names[i];
	vars[F_TITLE].value = title.data;
	vars[F_YLABEL].value = ylabel.data;
	vars[F_NOTE].value = f->note.data != NULL ? f->note.data : "";
	vars[F_PANEL_TITLES].value = f->panel_titles.data != NULL ? f->panel_titles.data : "";
	vars[F_NBARS].value = nbars;
	vars[F_NPANELS].value = npanels;
	vars[F_SMALL].value = f->by_carrier ? "1" : "0";
	for (i = 0; i < f->nvals; i++) {
		vars[F_N + i].name = f->names[i];
		vars[F_N + i].value = f->val[i].data != NULL ? f->val[i].data : "";
	}
	chart_layout_vars(&f->lay, &vars[F_N + f->nvals]);
	rc = chart_draw(f->c, basename, f->title.data != NULL ? f->title.data : "", f->by_carrier,
	                template_name, vars, n, f->data.data, f->data.len, err);
	free(vars);
	strbuf_release(&title);
	strbuf_release(&ylabel);
	return rc;
}

void chart_frame_release(struct chart_frame *f)
{
	size_t i;

	if (f->lay_ready)
		chart_layout_release(&f->lay);
	f->lay_ready = 0;
	chart_axis_release(&f->ax);
	strbuf_release(&f->data);
	strbuf_release(&f->title);
	strbuf_release(&f->ylabel);
	strbuf_release(&f->note);
	strbuf_release(&f->panel_titles);
	strbuf_release(&f->text);
	strbuf_release(&f->incomplete);
	for (i = 0; i < f->nvals; i++)
		strbuf_release(&f->val[i]);
	free(f->val);
	f->val = NULL;
	f->nvals = 0;
}
