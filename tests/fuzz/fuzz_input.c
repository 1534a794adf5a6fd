/*
 * fuzz_input: libFuzzer target for the collector's log formats: the
 * whole-line parsers of input.c's table (syslog, Exim's main log, rspamd's
 * log file), each program's part of a syslog line (input_syslog.c's table:
 * Postfix cleanup, qmgr and lmtp, OpenDMARC, OpenDKIM, amavis, rspamd, Exim,
 * spamd, MailScanner, pmg-smtp-filter), with every reading a setting can
 * turn on (rspamd_symbols, spamd_join, pmg_reinjection) on, the
 * timestamp parser under them (input_time.c), and the line reader that cuts
 * a file into lines (common/linereader.c).
 *
 * Input: byte 0 chooses the parser (fuzz_modes[], modulo their number);
 * byte 1 the chunk size the line reader is fed in (low 6 bits, 0: all at
 * once) and the clock's reference time (high bit: mid-November, or just
 * after New Year, for the year inference of stamps without a year); the
 * rest is the file, cut into lines of at most FUZZ_INPUT_LINE bytes as the
 * collector cuts them. Each line goes to the parser on a heap copy of
 * exactly its length (so ASan sees any read past it), with one clock for
 * the whole file as the collector keeps one per input. Stamps without a
 * zone are read in Europe/Berlin (summer time, and an hour that happens
 * twice). Besides memory errors (ASan/UBSan) it checks what input.h and
 * input_time.h promise:
 *   - a malformed line has a reason, a static text that is no part of the
 *     line (reasons are logged; lines may identify people);
 *   - an event's kind is one of enum input_kind, its spans lie inside the
 *     line (or are the host the caller gave), its host is at most
 *     INPUT_HOST_MAX bytes, its enums are in range (a filter's results
 *     too), and what it is about has a queue ID (a header also a name), a
 *     verdict a queue ID or a Message-ID of at most INPUT_MSGID_MAX;
 *   - the timestamp parser gives the same time and length with the clock
 *     that has seen the file's earlier lines (its caches) as with a new
 *     clock, and a whole-line parser's event has the time of the line's
 *     stamp;
 *   - the line reader returns lines of at most its limit, without a
 *     newline, whatever the chunks.
 * Linked with replay.c for the corpus replay test under any compiler
 * (fuzz.input_replay, tests/fuzz/CMakeLists.txt).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "input.h"
#include "linereader.h"

/* The line limit: the reader's minimum, so that overlong lines are cheap
 * to make; longer than any line a parser needs to see in full. */
#define FUZZ_INPUT_LINE 512
/* Inputs larger than this are cut. */
#define FUZZ_INPUT_MAX (64 * 1024)

/* The reference times (UTC ms) of byte 1's high bit. */
#define FUZZ_REF_NOVEMBER INT64_C(1795348800000) /* 2026-11-22T12:00:00Z */
#define FUZZ_REF_NEW_YEAR INT64_C(1798763400000) /* 2027-01-01T00:30:00Z */

/* The host a program parser's caller has already read. */
static const char fuzz_host[] = "mx1.example.jp";

static const struct fuzz_mode {
	const char *format; /* a whole-line format of input.c's table, or NULL */
	const char *tag;    /* else a syslog tag, for prog (NULL: the stamp alone) */
	input_prog_fn prog;
} fuzz_modes[] = {
	{ "syslog", NULL, NULL },
	{ "exim", NULL, NULL },
	{ "rspamd", NULL, NULL },
	{ NULL, NULL, NULL },
	{ NULL, "postfix/cleanup", input_postfix_message },
	{ NULL, "postfix/qmgr", input_postfix_message },
	{ NULL, "opendmarc", input_opendmarc_message },
	{ NULL, "opendkim", input_opendkim_message },
	{ NULL, "amavis", input_amavis_message },
	{ NULL, "rspamd", input_rspamd_message },
	{ NULL, "exim", input_exim_message },
	{ NULL, "spamd", input_spamd_message },
	{ NULL, "MailScanner", input_mailscanner_message },
	{ NULL, "pmg-smtp-filter", input_pmg_message },
	{ NULL, "postfix/lmtp", input_postfix_message },
};
#define FUZZ_NMODES (sizeof(fuzz_modes) / sizeof(fuzz_modes[0]))

/* The line reader's byte source: the input, at most chunk bytes a call. */
struct fuzz_source {
	const uint8_t *p;
	size_t left, chunk;
};

static long fuzz_read(void *ctx, void *buf, size_t len)
{
	struct fuzz_source *s = ctx;
	size_t n = len < s->left ? len : s->left;

	if (s->chunk > 0 && n > s->chunk)
		n = s->chunk;
	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return (long)n;
}

static int in_line(const char *p, const char *line, size_t len)
{
	return p >= line && p <= line + len;
}

static void check_span(const struct input_span *s, const char *line, size_t len)
{
	if (s->len == 0)
		return;
	if (s->p == fuzz_host && s->len == sizeof(fuzz_host) - 1)
		return;
	FUZZ_CHECK(s->p != NULL && in_line(s->p, line, len) && s->len <= len &&
	           in_line(s->p + s->len, line, len));
}

static void check_event(const struct input_event *ev, const char *line, size_t len)
{
	int m;

	FUZZ_CHECK(ev->kind >= IN_OTHER && ev->kind <= IN_SPAM);
	check_span(&ev->host, line, len);
	check_span(&ev->queue_id, line, len);
	check_span(&ev->name, line, len);
	check_span(&ev->value, line, len);
	check_span(&ev->alias, line, len);
	FUZZ_CHECK(ev->host.len <= INPUT_HOST_MAX);
	/* A spamd verdict names its message by Message-ID instead. */
	if (ev->kind == IN_SPAM && ev->queue_id.len == 0) {
		check_span(&ev->message_id, line, len);
		FUZZ_CHECK(ev->message_id.len > 0 && ev->message_id.len <= INPUT_MSGID_MAX);
	} else if (ev->kind != IN_OTHER) {
		FUZZ_CHECK(ev->queue_id.len > 0);
	}
	if (ev->kind == IN_HEADER)
		FUZZ_CHECK(ev->name.len > 0);
	if (ev->kind == IN_RESULT) {
		m = (int)ev->method;
		FUZZ_CHECK(m >= 0 && m < AR_METHOD_COUNT);
		FUZZ_CHECK((unsigned)ev->result < AR_RESULT_COUNT);
		FUZZ_CHECK((unsigned)ev->dmarc_policy < POL_COUNT);
	}
	if (ev->kind == IN_SPAM) {
		FUZZ_CHECK((unsigned)ev->spam < SPAM_COUNT);
		for (m = 0; ev->has_results && m < AR_METHOD_COUNT; m++)
			FUZZ_CHECK(ev->results[m] < AR_RESULT_COUNT);
		FUZZ_CHECK(!ev->has_results || ev->results_policy < POL_COUNT);
	}
}

static void check_malformed(const char *why, const char *line, size_t len)
{
	FUZZ_CHECK(why != NULL && why[0] != '\0');
	FUZZ_CHECK(!in_line(why, line, len));
}

/* The stamp at the start of line, with clk and with a new clock. */
static int check_time(struct input_clock *clk, const char *line, size_t len, int64_t *ms)
{
	struct input_clock fresh;
	int64_t ms2 = 0;
	size_t used = 0, used2 = 0;
	int rc, rc2;

	input_clock_init(&fresh, clk->ref_ms);
	rc = input_time_parse(clk, line, len, ms, &used);
	rc2 = input_time_parse(&fresh, line, len, &ms2, &used2);
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(rc == rc2);
	if (rc == 0)
		FUZZ_CHECK(used > 0 && used <= len && used == used2 && *ms == ms2);
	return rc;
}

static void fuzz_line(const struct fuzz_mode *mode, input_parse_fn parse, struct input_clock *clk,
                      const char *line, size_t len)
{
	static const struct input_event empty;
	struct input_event ev = empty;
	const char *why = NULL;
	enum input_status st;
	int64_t ms = 0;

	if (parse != NULL) {
		st = parse(line, len, clk, &ev, &why);
	} else if (mode->prog != NULL) {
		ev.time_ms = FUZZ_REF_NOVEMBER;
		ev.host.p = fuzz_host;
		ev.host.len = sizeof(fuzz_host) - 1;
		st = mode->prog(mode->tag, strlen(mode->tag), line, len, &ev, &why);
	} else {
		(void)check_time(clk, line, len, &ms);
		return;
	}
	FUZZ_CHECK(st == INPUT_OK || st == INPUT_MALFORMED);
	if (st == INPUT_MALFORMED) {
		check_malformed(why, line, len);
		return;
	}
	check_event(&ev, line, len);
	/* A line that continues an Exim entry has no stamp: its entry's time. */
	if (parse != NULL && strcmp(mode->format, "exim") == 0 &&
	    (len == 0 || line[0] == ' ' || line[0] == '\t')) {
		FUZZ_CHECK(ev.time_ms == clk->entry_ms);
		return;
	}
	if (parse != NULL) {
		FUZZ_CHECK(check_time(clk, line, len, &ms) == 0);
		FUZZ_CHECK(ev.time_ms == ms);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int zone_set;
	const struct fuzz_mode *mode;
	struct fuzz_source src;
	struct input_clock clk;
	struct linereader *lr;
	input_parse_fn parse = NULL;
	enum lr_status st;
	const char *line;
	size_t len;
	char *copy;

	if (!zone_set) {
		FUZZ_CHECK(input_clock_set_zone("Europe/Berlin") == 0);
		input_rspamd_set_symbols(1);
		input_spamd_set_enabled(1);
		input_pmg_set_enabled(1);
		zone_set = 1;
	}
	if (size < 2)
		return 0;
	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	mode = &fuzz_modes[data[0] % FUZZ_NMODES];
	if (mode->format != NULL) {
		parse = input_format_find(mode->format);
		FUZZ_CHECK(parse != NULL);
	}
	input_clock_init(&clk, data[1] & 0x80 ? FUZZ_REF_NEW_YEAR : FUZZ_REF_NOVEMBER);
	src.p = data + 2;
	src.left = size - 2;
	src.chunk = data[1] & 0x3f;
	lr = linereader_new_source(fuzz_read, &src, FUZZ_INPUT_LINE);
	for (;;) {
		st = linereader_next(lr, &line, &len);
		FUZZ_CHECK(st == LR_LINE || st == LR_OVERLONG || st == LR_EOF);
		if (st == LR_EOF)
			break;
		if (st == LR_OVERLONG)
			continue;
		FUZZ_CHECK(len <= FUZZ_INPUT_LINE && memchr(line, '\n', len) == NULL);
		copy = malloc(len > 0 ? len : 1);
		FUZZ_CHECK(copy != NULL);
		memcpy(copy, line, len);
		fuzz_line(mode, parse, &clk, copy, len);
		free(copy);
	}
	FUZZ_CHECK(src.left == 0);
	FUZZ_CHECK(linereader_offset(lr) + linereader_pending(lr) == size - 2);
	linereader_free(lr);
	return 0;
}
