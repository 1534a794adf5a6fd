#include "input_golden.h"

#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "result.h"
#include "strbuf.h"
#include "timeutil.h"

#define GOLDEN_PATH_MAX 1024
#define GOLDEN_EVENT_MAX 4096
/* 2026-11-18T00:00:00Z: year inference of traditional stamps refers to it. */
#define GOLDEN_REF_MS INT64_C(1794960000000)

static struct input_clock golden_clk;

int golden_init(void)
{
	if (input_clock_set_zone("Asia/Tokyo") < 0)
		return -1;
	input_clock_init(&golden_clk, GOLDEN_REF_MS);
	return 0;
}

static const char *kind_name(enum input_kind k)
{
	switch (k) {
	case IN_OTHER:
		return "other";
	case IN_HEADER:
		return "header";
	case IN_MSGID:
		return "msgid";
	case IN_DONE:
		return "done";
	case IN_FATE:
		return "fate";
	case IN_RESULT:
		return "result";
	case IN_SPAM:
		return "spam";
	}
	return "?";
}

/* Append s[0..len) with bytes outside printable ASCII as \xNN. */
static size_t put_span(char *out, size_t size, size_t pos, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && pos + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			out[pos++] = (char)c;
		} else {
			int n = snprintf(out + pos, size - pos, "\\x%02X", c);

			if (n > 0)
				pos += (size_t)n;
		}
	}
	out[pos] = '\0';
	return pos;
}

static size_t put_str(char *out, size_t size, size_t pos, const char *s)
{
	return put_span(out, size, pos, s, strlen(s));
}

static size_t put_time(char *out, size_t size, size_t pos, int64_t ms)
{
	int64_t days = time_floor_div(ms, 86400000), rem = ms - days * 86400000, y;
	unsigned m, d;
	char buf[40];
	int n;

	time_civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m, d,
	             (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60),
	             (unsigned)(rem / 1000 % 60), (unsigned)(rem % 1000));
	if (n < 0)
		return pos;
	return put_str(out, size, pos, buf);
}

void golden_print(char *out, size_t size, enum input_status st, const struct input_event *ev,
                  const char *why)
{
	size_t pos = 0;

	out[0] = '\0';
	if (st != INPUT_OK) {
		pos = put_str(out, size, pos, "malformed why=\"");
		pos = put_str(out, size, pos, why != NULL ? why : "(null)");
		put_str(out, size, pos, "\"");
		return;
	}
	pos = put_str(out, size, pos, kind_name(ev->kind));
	pos = put_str(out, size, pos, " time=");
	pos = put_time(out, size, pos, ev->time_ms);
	pos = put_str(out, size, pos, " host=\"");
	pos = put_span(out, size, pos, ev->host.p, ev->host.len);
	pos = put_str(out, size, pos, "\"");
	if (ev->kind == IN_OTHER)
		return;
	pos = put_str(out, size, pos, " qid=\"");
	pos = put_span(out, size, pos, ev->queue_id.p, ev->queue_id.len);
	pos = put_str(out, size, pos, "\"");
	switch (ev->kind) {
	case IN_HEADER:
		pos = put_str(out, size, pos, " name=\"");
		pos = put_span(out, size, pos, ev->name.p, ev->name.len);
		pos = put_str(out, size, pos, "\" value=\"");
		pos = put_span(out, size, pos, ev->value.p, ev->value.len);
		pos = put_str(out, size, pos, "\"");
		pos = put_str(out, size, pos, ev->value_truncated ? " truncated" : "");
		pos = put_str(out, size, pos, ev->value_escaped ? " escaped" : "");
		put_str(out, size, pos, ev->value_qq ? " qq" : "");
		break;
	case IN_RESULT:
		pos = put_str(out, size, pos, " method=");
		pos = put_str(out, size, pos, ar_method_name(ev->method));
		pos = put_str(out, size, pos, " result=");
		pos = put_str(out, size, pos, ar_result_name(ev->result));
		pos = put_str(out, size, pos, " policy=");
		put_str(out, size, pos, ar_policy_name(ev->dmarc_policy));
		break;
	case IN_SPAM:
		pos = put_str(out, size, pos, " verdict=");
		pos = put_str(out, size, pos, ar_spam_name(ev->spam));
		if (ev->alias.len > 0) {
			pos = put_str(out, size, pos, " alias=\"");
			pos = put_span(out, size, pos, ev->alias.p, ev->alias.len);
			pos = put_str(out, size, pos, "\"");
		}
		if (ev->message_id.len > 0) {
			pos = put_str(out, size, pos, " mid=\"");
			pos = put_span(out, size, pos, ev->message_id.p, ev->message_id.len);
			pos = put_str(out, size, pos, "\"");
		}
		if (ev->has_results) {
			struct authres_outcome o;
			int m;

			input_event_results(ev, &o);
			for (m = 0; m < AR_METHOD_COUNT; m++) {
				pos = put_str(out, size, pos, " ");
				pos = put_str(out, size, pos, ar_method_name((enum ar_method)m));
				pos = put_str(out, size, pos, "=");
				pos = put_str(out, size, pos, ar_result_name(o.result[m]));
			}
			pos = put_str(out, size, pos, " policy=");
			pos = put_str(out, size, pos, ar_policy_name(o.dmarc_policy));
		}
		break;
	case IN_OTHER:
	case IN_MSGID:
	case IN_DONE:
	case IN_FATE:
		break;
	}
	if (ev->fate != FATE_UNKNOWN || ev->fate_flags != 0) {
		pos = put_str(out, size, pos, " fate=");
		pos = put_str(out, size, pos, ar_fate_name(ev->fate));
		pos = put_str(out, size, pos, ev->fate_flags & INPUT_FATE_TEMPORARY ? " temporary" : "");
		pos = put_str(out, size, pos, ev->fate_flags & INPUT_FATE_FILTER ? " filter" : "");
		pos = put_str(out, size, pos,
		              ev->fate_flags & INPUT_FATE_QUARANTINED ? " quarantined" : "");
		put_str(out, size, pos, ev->fate_flags & INPUT_FATE_RELEASED ? " released" : "");
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void golden_path(char *out, const char *name, const char *ext)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	int n = snprintf(out, GOLDEN_PATH_MAX, "%s/tests/golden/input/%s.%s",
	                 src != NULL ? src : ".", name, ext);

	CU_ASSERT_FATAL(n > 0 && n < GOLDEN_PATH_MAX);
}

/* Call fn for every input line (not comments) of <name>.in. */
static void each_line(const char *name, void (*fn)(const char *line, size_t len, void *arg),
                      void *arg)
{
	char path[GOLDEN_PATH_MAX];
	size_t len, nlines = 0;
	char *buf, *p, *end;

	golden_path(path, name, "in");
	buf = slurp(path, &len);
	if (buf == NULL)
		fprintf(stderr, "cannot read %s\n", path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	/* The file ends with a newline; every line up to it is one input. */
	CU_ASSERT_FATAL(len > 0 && buf[len - 1] == '\n');
	for (p = buf; p < buf + len; p = end + 1) {
		end = memchr(p, '\n', (size_t)(buf + len - p));
		if (*p == '#')
			continue;
		fn(p, (size_t)(end - p), arg);
		nlines++;
	}
	CU_ASSERT(nlines > 0);
	free(buf);
}

struct golden_run {
	input_parse_fn parse;
	struct strbuf out;
};

static void golden_one(const char *line, size_t len, void *arg)
{
	struct golden_run *run = arg;
	char *copy = xmalloc(len ? len : 1), text[GOLDEN_EVENT_MAX];
	struct input_event ev;
	const char *why = NULL;
	enum input_status st;

	/* An exactly-sized copy without a NUL: a read past the end is ASan's. */
	memcpy(copy, line, len);
	st = run->parse(copy, len, &golden_clk, &ev, &why);
	golden_print(text, sizeof(text), st, &ev, why);
	strbuf_append(&run->out, text, strlen(text));
	strbuf_append(&run->out, "\n", 1);
	free(copy);
}

void golden_compare(const char *name, input_parse_fn parse)
{
	char path[GOLDEN_PATH_MAX];
	struct golden_run run;
	size_t len, i, line = 1;
	char *ref;
	const char *got;

	run.parse = parse;
	strbuf_init(&run.out, 1 << 20);
	each_line(name, golden_one, &run);
	golden_path(path, name, "ref");
	got = run.out.data != NULL ? run.out.data : "";
	if (getenv("ARSTAT_GOLDEN_UPDATE") != NULL) {
		FILE *fp = fopen(path, "w");

		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		fputs(got, fp);
		CU_ASSERT(fclose(fp) == 0);
	}
	ref = slurp(path, &len);
	if (ref == NULL)
		fprintf(stderr, "cannot read %s\n", path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	for (i = 0; i < len && got[i] != '\0' && ref[i] == got[i]; i++) {
		if (ref[i] == '\n')
			line++;
	}
	if (i != len || got[i] != '\0') {
		const char *r = ref + i, *g = got + i;

		while (r > ref && r[-1] != '\n')
			r--;
		while (g > got && g[-1] != '\n')
			g--;
		fprintf(stderr, "%s.ref line %zu differs\n  want: %.*s\n  got:  %.*s\n", name, line,
		        (int)strcspn(r, "\n"), r, (int)strcspn(g, "\n"), g);
	}
	CU_ASSERT(i == len && got[i] == '\0');
	free(ref);
	strbuf_release(&run.out);
}

static int span_inside(struct input_span s, const char *buf, size_t n)
{
	if (s.len == 0)
		return s.p == NULL || (s.p >= buf && s.p <= buf + n);
	return s.p >= buf && s.p + s.len <= buf + n;
}

static void check_one(const char *buf, size_t n, input_parse_fn parse, unsigned *bad)
{
	struct input_event ev;
	const char *why = NULL;
	enum input_status st = parse(buf, n, &golden_clk, &ev, &why);

	if (st == INPUT_MALFORMED) {
		/* A static reason: never a pointer into the line. */
		if (why == NULL || why[0] == '\0' || (why >= buf && why < buf + n))
			(*bad)++;
		return;
	}
	if (st != INPUT_OK || !span_inside(ev.host, buf, n) || !span_inside(ev.queue_id, buf, n)) {
		(*bad)++;
		return;
	}
	switch (ev.kind) {
	case IN_HEADER:
		if (ev.name.len == 0 || !span_inside(ev.name, buf, n) ||
		    !span_inside(ev.value, buf, n) || ev.queue_id.len == 0)
			(*bad)++;
		break;
	case IN_MSGID:
	case IN_DONE:
		if (ev.queue_id.len == 0 || !span_inside(ev.message_id, buf, n) ||
		    ev.fate >= FATE_COUNT)
			(*bad)++;
		break;
	case IN_FATE:
		if (ev.queue_id.len == 0 || ev.fate >= FATE_COUNT)
			(*bad)++;
		break;
	case IN_SPAM:
		/* A verdict names its message by queue ID or by Message-ID. */
		if ((ev.queue_id.len == 0) == (ev.message_id.len == 0) ||
		    !span_inside(ev.message_id, buf, n) || ev.fate >= FATE_COUNT)
			(*bad)++;
		break;
	case IN_RESULT:
		if (ev.queue_id.len == 0 || ev.method >= AR_METHOD_COUNT || ev.result >= AR_ABSENT)
			(*bad)++;
		break;
	case IN_OTHER:
		break;
	}
}

struct robust_run {
	input_parse_fn parse;
	unsigned bad, runs;
};

static void robust_one(const char *line, size_t len, void *arg)
{
	struct robust_run *run = arg;
	size_t i;

	for (i = 0; i <= len; i++) {
		char *head = xmalloc(i ? i : 1), *tail = xmalloc(len - i ? len - i : 1);

		memcpy(head, line, i);
		memcpy(tail, line + i, len - i);
		check_one(head, i, run->parse, &run->bad);
		check_one(tail, len - i, run->parse, &run->bad);
		run->runs += 2;
		free(head);
		free(tail);
	}
}

void golden_robustness(const char *name, input_parse_fn parse)
{
	struct robust_run run = { parse, 0, 0 };

	each_line(name, robust_one, &run);
	if (run.bad != 0)
		fprintf(stderr, "%s: %u of %u prefixes and suffixes broke a rule\n", name, run.bad,
		        run.runs);
	CU_ASSERT_EQUAL(run.bad, 0);
	CU_ASSERT(run.runs > 0);
}
