/*
 * unit.loggen - the log generator. The same options and seed give the same
 * bytes, another seed other bytes. A small reader written here, independent
 * of the generator, reads the Postfix logs of the default setup back and
 * must find exactly truth.csv:
 * messages per month (one per "removed" line, in the month of its event time)
 * and every result, policy and spam count, with forged headers ignored. Each
 * message's lines are in time order and within seconds of each other, its
 * queue ID is used by no other message of the host, sessions interleave,
 * every logged header stays under Postfix's 200-character cut, messages are
 * placed across month boundaries, and truth-lines.csv matches the files.
 * Every other setup (Exim, milters, amavis, rspamd, spamd, MailScanner,
 * Proxmox Mail Gateway, SA-Exim, stamps without a year) is read back with
 * the collector's own input parsers, joined by host and queue ID as the
 * collector joins (a queue ID a filter names as its copy is folded into the
 * message, as pmg_reinjection does), and must find exactly truth.csv and
 * truth-lines.csv too; inputs.csv must list exactly the files written.
 * Bad options and impossible setups are refused before anything is written.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authres.h"
#include "htable.h"
#include "input.h"
#include "loggen.h"
#include "mem.h"
#include "numparse.h"
#include "result.h"
#include "strbuf.h"
#include "timeutil.h"

#define T_PATH 1024
#define T_MAX_MONTHS 16
#define T_MAX_CARRIERS 8
#define T_MAX_HOSTS 4
#define T_TS 32
/* Our own layout of the truth cells, kept apart from the generator's. */
#define T_SLOT_MSG 0
#define T_SLOT_RES(m, r) (1 + (int)(m) * (int)AR_RESULT_COUNT + (int)(r))
#define T_SLOT_POL(p) (1 + (int)AR_METHOD_COUNT * (int)AR_RESULT_COUNT + (int)(p))
#define T_SLOT_SPAM(s) (T_SLOT_POL(POL_COUNT) + (int)(s))
#define T_SLOTS T_SLOT_SPAM(2)

/* ---------------------------------------------------------------------- */
/* Files and directories */

static char *tmpdir_new(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[T_PATH];
	int n = snprintf(tmpl, sizeof(tmpl), "%s/arstat-loggen-XXXXXX",
	                 base != NULL && base[0] != '\0' ? base : "/tmp");

	if (n < 0 || (size_t)n >= sizeof(tmpl) || mkdtemp(tmpl) == NULL)
		return NULL;
	return xstrdup(tmpl);
}

static void rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[T_PATH];

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			int n;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			n = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			if (n > 0 && (size_t)n < sizeof(sub))
				rm_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
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

static void path_of(char *out, const char *dir, const char *rel)
{
	int n = snprintf(out, T_PATH, "%s/%s", dir, rel);

	CU_ASSERT_FATAL(n > 0 && (size_t)n < T_PATH);
}

static void maillog_rel(char *out, unsigned c, unsigned h)
{
	char car[LOGGEN_ID_MAX];
	int n;

	loggen_carrier_id(c, car, sizeof(car));
	n = snprintf(out, T_PATH, "%s/mx%u/maillog", car, h + 1);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < T_PATH);
}

/* 1 if both files exist with the same bytes. */
static int same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	int same = x != NULL && y != NULL && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

/* ---------------------------------------------------------------------- */
/* Running the generator */

static void opt_set(struct loggen_opts *o, const char *name, const char *value)
{
	struct strbuf err;

	strbuf_init(&err, 256);
	CU_ASSERT_EQUAL_FATAL(cfg_set(loggen_cfg_table, o, name, value, &err), 0);
	strbuf_release(&err);
}

/* A run small enough for the sanitizers, large enough to interleave. */
static void small_opts(struct loggen_opts *o, const char *dir)
{
	loggen_opts_init(o);
	opt_set(o, "out", dir);
	opt_set(o, "carriers", "3");
	opt_set(o, "hosts", "2");
	opt_set(o, "months", "2");
	opt_set(o, "messages-per-day", "60");
	opt_set(o, "malformed-per-day", "4");
	opt_set(o, "overlong", "yes");
}

static int run(const struct loggen_opts *o, struct loggen_summary *sum)
{
	struct strbuf err;
	int rc;

	strbuf_init(&err, 1024);
	rc = loggen_run(o, sum, &err);
	if (rc != 0)
		fprintf(stderr, "loggen_run: %s\n", err.data ? err.data : "?");
	strbuf_release(&err);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Reading the logs back */

struct qrec {
	char qid[LOGGEN_QID_MAX];
	char first_ts[T_TS + 1], event_ts[T_TS + 1], msgid_ts[T_TS + 1], trusted_ts[T_TS + 1];
	int used, removed, clients, trusted, spam;
	enum ar_result res[AR_METHOD_COUNT];
	enum ar_policy pol;
};

struct qtable {
	struct qrec *v;
	size_t cap;
};

static struct qrec *qtable_get(struct qtable *t, const char *qid, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)qid[i]) * 1099511628211ULL;
	for (i = (size_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct qrec *r = &t->v[i];

		if (!r->used) {
			int m;

			CU_ASSERT_FATAL(len < sizeof(r->qid));
			r->used = 1;
			memcpy(r->qid, qid, len);
			r->qid[len] = '\0';
			for (m = 0; m < AR_METHOD_COUNT; m++)
				r->res[m] = AR_ABSENT;
			r->pol = POL_ABSENT;
			return r;
		}
		if (strlen(r->qid) == len && memcmp(r->qid, qid, len) == 0)
			return r;
	}
}

struct tally {
	char months[T_MAX_MONTHS][8];
	unsigned nmonths;
	uint64_t cnt[T_MAX_MONTHS][T_MAX_CARRIERS][T_SLOTS];
	uint64_t messages, headers, straddle_msgid, straddle_removed, straddle_trusted;
	unsigned max_open;
	uint64_t lines[T_MAX_CARRIERS][T_MAX_HOSTS], wellformed[T_MAX_CARRIERS][T_MAX_HOSTS],
	        overlong[T_MAX_CARRIERS][T_MAX_HOSTS];
};

static unsigned month_index(struct tally *t, const char *ts)
{
	unsigned i;

	for (i = 0; i < t->nmonths; i++) {
		if (memcmp(t->months[i], ts, 7) == 0)
			return i;
	}
	CU_ASSERT_FATAL(t->nmonths < T_MAX_MONTHS);
	memcpy(t->months[t->nmonths], ts, 7);
	t->months[t->nmonths][7] = '\0';
	return t->nmonths++;
}

static int is_ts(const char *p, size_t len)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddddd+dd:dd";
	size_t i;

	if (len < T_TS + 1 || p[T_TS] != ' ')
		return 0;
	for (i = 0; i < T_TS; i++) {
		if (pat[i] == 'd' ? (p[i] < '0' || p[i] > '9')
		                  : pat[i] == '+' ? (p[i] != '+' && p[i] != '-') : p[i] != pat[i])
			return 0;
	}
	return 1;
}

static int starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* The length of the words by which Postfix logs a header (header_checks
 * INFO or WARN, milter_header_checks), 0 if body starts with none. */
static size_t header_lead(const char *body, const char *end)
{
	static const char *const leads[] = { "info: header ", "warning: header ",
		                             "milter-header-info: header ",
		                             "milter-header-warning: header " };
	size_t i;

	for (i = 0; i < sizeof(leads) / sizeof(leads[0]); i++) {
		if (starts(body, end, leads[i]))
			return strlen(leads[i]);
	}
	return 0;
}

static const char *find(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	for (; (size_t)(end - p) >= n; p++) {
		if (memcmp(p, lit, n) == 0)
			return p;
	}
	return NULL;
}

static const char *rfind(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	const char *q;

	if ((size_t)(end - p) < n)
		return NULL;
	for (q = end - n;; q--) {
		if (memcmp(q, lit, n) == 0)
			return q;
		if (q == p)
			return NULL;
	}
}

/* Results of the trusted header from just after its authserv-id: pieces
 * "method=result ..." separated by ';'. The Postfix suffix after the value
 * ("; from=<...> ...") yields no known method and is passed over. */
static void parse_trusted(struct qrec *r, const char *p, const char *end)
{
	while (p < end) {
		const char *piece = p, *pend = memchr(p, ';', (size_t)(end - p));
		const char *eq, *res, *rend;
		enum ar_method m;
		enum ar_result v;

		if (pend == NULL)
			pend = end;
		p = pend + 1;
		while (piece < pend && *piece == ' ')
			piece++;
		eq = memchr(piece, '=', (size_t)(pend - piece));
		if (eq == NULL || ar_method_parse(piece, (size_t)(eq - piece), &m) < 0)
			continue;
		res = eq + 1;
		for (rend = res; rend < pend && *rend != ' '; rend++)
			;
		CU_ASSERT_EQUAL_FATAL(ar_result_parse(res, (size_t)(rend - res), &v), 0);
		CU_ASSERT_EQUAL(r->res[m], AR_ABSENT); /* one result per method */
		r->res[m] = v;
		if (m == AR_DMARC) {
			const char *pp = find(rend, pend, "(p="), *pe;
			enum ar_policy pol;

			/* dmarc=none is no record: its p= is no published policy. */
			if (pp != NULL && v != AR_NONE) {
				pp += 3;
				for (pe = pp; pe < pend && *pe != ' ' && *pe != ')'; pe++)
					;
				CU_ASSERT_EQUAL_FATAL(ar_policy_parse(pp, (size_t)(pe - pp), &pol), 0);
				r->pol = pol;
			}
		}
	}
}

static int64_t ts_ms(const char *ts)
{
	int64_t ms = 0;
	size_t used;

	CU_ASSERT_EQUAL(time_parse_rfc3339(ts, T_TS, &ms, &used), 0);
	return ms;
}

static void count_message(struct tally *t, unsigned c, struct qrec *r, const char *removed_ts)
{
	const char *ev = r->event_ts[0] ? r->event_ts : r->msgid_ts;
	unsigned mi, m;
	uint64_t *cnt;

	CU_ASSERT_FATAL(ev[0] != '\0');
	CU_ASSERT_EQUAL(r->clients, 1);
	/* All lines of a message lie within seconds. */
	CU_ASSERT(ts_ms(removed_ts) - ts_ms(r->first_ts) <= 10000);
	mi = month_index(t, ev);
	cnt = t->cnt[mi][c];
	cnt[T_SLOT_MSG]++;
	for (m = 0; m < AR_METHOD_COUNT; m++)
		cnt[T_SLOT_RES(m, r->trusted ? r->res[m] : AR_ABSENT)]++;
	cnt[T_SLOT_POL(r->trusted ? r->pol : POL_ABSENT)]++;
	cnt[T_SLOT_SPAM(r->spam)]++;
	t->messages++;
	if (r->msgid_ts[0] != '\0' && memcmp(r->msgid_ts, ev, 7) != 0)
		t->straddle_msgid++;
	if (memcmp(removed_ts, ev, 7) != 0)
		t->straddle_removed++;
	if (r->trusted && memcmp(r->trusted_ts, ev, 7) != 0)
		t->straddle_trusted++;
}

/* Read one maillog; counts go to t. */
static void read_maillog(struct tally *t, unsigned c, unsigned h, const char *path)
{
	char carrier[LOGGEN_ID_MAX], host[16], trusted[64], prev_ts[T_TS + 1] = "";
	size_t len, i;
	char *buf = slurp(path, &len);
	const char *p, *end;
	struct qtable qt;
	unsigned open = 0;
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	loggen_carrier_id(c, carrier, sizeof(carrier));
	n = snprintf(host, sizeof(host), "mx%u", h + 1);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(host));
	n = snprintf(trusted, sizeof(trusted), "Authentication-Results: mx.%s.example.jp;", carrier);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(trusted));
	for (qt.cap = 1024; qt.cap < len / 50; qt.cap *= 2)
		;
	qt.v = xcalloc(qt.cap, sizeof(*qt.v));
	/* Every line is newline-terminated. */
	CU_ASSERT(len > 0 && buf[len - 1] == '\n');

	for (p = buf; p < buf + len; p = end + 1) {
		const char *q, *rest, *body, *qid;
		char ts[T_TS + 1];
		struct qrec *r;

		end = memchr(p, '\n', (size_t)(buf + len - p));
		if (end == NULL)
			end = buf + len;
		t->lines[c][h]++;
		if (end - p > 65536) {
			t->overlong[c][h]++;
			continue;
		}
		if (!is_ts(p, (size_t)(end - p)))
			continue;
		memcpy(ts, p, T_TS);
		ts[T_TS] = '\0';
		/* In time order (one offset per file, so text order is time order). */
		CU_ASSERT(strcmp(prev_ts, ts) <= 0);
		memcpy(prev_ts, ts, sizeof(ts));
		q = p + T_TS + 1;
		if (!starts(q, end, host))
			continue;
		q += strlen(host);
		if (!starts(q, end, " postfix/"))
			continue;
		rest = find(q, end, "]: ");
		if (rest == NULL)
			continue;
		rest += 3;
		for (qid = rest; qid < end && ((*qid >= '0' && *qid <= '9') ||
		                               (*qid >= 'A' && *qid <= 'Z') || (*qid >= 'a' && *qid <= 'z'));
		     qid++)
			;
		if (qid - rest < 10 || !starts(qid, end, ": ")) {
			if (starts(rest, end, "connect from ") || starts(rest, end, "disconnect from ") ||
			    starts(rest, end, "Anonymous TLS connection established from ") ||
			    starts(rest, end, "NOQUEUE: reject: RCPT from "))
				t->wellformed[c][h]++;
			continue;
		}
		body = qid + 2;
		r = qtable_get(&qt, rest, (size_t)(qid - rest));
		/* Nothing of a message after its "removed" line: the ID is not reused. */
		CU_ASSERT(!r->removed);
		if (r->first_ts[0] == '\0')
			memcpy(r->first_ts, ts, sizeof(ts));
		if (starts(body, end, "client=")) {
			r->clients++;
			open++;
			if (open > t->max_open)
				t->max_open = open;
			t->wellformed[c][h]++;
		} else if (starts(body, end, "message-id=<")) {
			if (r->msgid_ts[0] == '\0')
				memcpy(r->msgid_ts, ts, sizeof(ts));
			t->wellformed[c][h]++;
		} else if (header_lead(body, end) > 0) {
			const char *hdr = body + header_lead(body, end);
			const char *suffix = rfind(hdr, end, "; from=<"), *from;

			if (suffix == NULL || end[-1] != '>')
				continue; /* a cut line */
			from = rfind(hdr, suffix, " from ");
			CU_ASSERT_PTR_NOT_NULL_FATAL(from);
			/* Postfix logs "%.200s" of the header: ours must never be cut. */
			CU_ASSERT((size_t)(from - hdr) < 200);
			t->headers++;
			t->wellformed[c][h]++;
			if (r->event_ts[0] == '\0')
				memcpy(r->event_ts, ts, sizeof(ts));
			if (starts(hdr, end, trusted)) {
				CU_ASSERT(!r->trusted); /* one trusted header per message */
				r->trusted = 1;
				memcpy(r->trusted_ts, ts, sizeof(ts));
				parse_trusted(r, hdr + strlen(trusted), end);
			} else if (starts(hdr, end, "X-Spam-Flag: YES")) {
				r->spam = 1;
			}
		} else if (starts(body, end, "from=<") && find(body, end, " (queue active)") != NULL) {
			t->wellformed[c][h]++;
		} else if (starts(body, end, "to=<") && find(body, end, ", status=sent (") != NULL) {
			t->wellformed[c][h]++;
		} else if ((size_t)(end - body) == 7 && memcmp(body, "removed", 7) == 0) {
			r->removed = 1;
			open--;
			count_message(t, c, r, ts);
			t->wellformed[c][h]++;
		}
	}
	/* Every message that began also ended inside the run. */
	for (i = 0; i < qt.cap; i++) {
		if (qt.v[i].used && qt.v[i].clients > 0)
			CU_ASSERT(qt.v[i].removed);
	}
	free(qt.v);
	free(buf);
}

static int slot_of(const char *dim, const char *val, size_t vlen)
{
	enum ar_method m;
	enum ar_result r;
	enum ar_policy p;
	int absent = vlen == 6 && memcmp(val, "absent", 6) == 0;

	if (strcmp(dim, "messages") == 0)
		return vlen == 3 && memcmp(val, "all", 3) == 0 ? T_SLOT_MSG : -1;
	if (strcmp(dim, "dmarc_policy") == 0) {
		if (absent)
			return T_SLOT_POL(POL_ABSENT);
		return ar_policy_parse(val, vlen, &p) == 0 ? T_SLOT_POL(p) : -1;
	}
	if (strcmp(dim, "spam") == 0) {
		if (vlen == 3 && memcmp(val, "ham", 3) == 0)
			return T_SLOT_SPAM(0);
		return vlen == 4 && memcmp(val, "spam", 4) == 0 ? T_SLOT_SPAM(1) : -1;
	}
	if (ar_method_parse(dim, strlen(dim), &m) < 0)
		return -1;
	if (absent)
		return T_SLOT_RES(m, AR_ABSENT);
	/* truth.csv uses the canonical names only: no "hardfail". */
	if (vlen == 8 && memcmp(val, "hardfail", 8) == 0)
		return -1;
	return ar_result_parse(val, vlen, &r) == 0 ? T_SLOT_RES(m, r) : -1;
}

/* truth.csv must hold exactly the non-zero cells of t, sorted. */
static void compare_truth(struct tally *t, const char *dir, unsigned ncarriers)
{
	char path[T_PATH], prev[256] = "";
	size_t len;
	char *buf, *line, *next;
	uint64_t rows = 0, nonzero = 0;
	unsigned mi, c, s;

	path_of(path, dir, "truth.csv");
	buf = slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_FATAL(strncmp(buf, "month,carrier,dimension,value,count\n", 36) == 0);
	for (line = buf + 36; *line != '\0'; line = next) {
		char *f[5], *nl = strchr(line, '\n'), *comma;
		int64_t count;
		int k, slot = -1;
		unsigned cm = T_MAX_MONTHS, cc = T_MAX_CARRIERS;

		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		*nl = '\0';
		next = nl + 1;
		f[0] = line;
		for (k = 1; k < 5; k++) {
			comma = strchr(f[k - 1], ',');
			CU_ASSERT_PTR_NOT_NULL_FATAL(comma);
			*comma = '\0';
			f[k] = comma + 1;
		}
		CU_ASSERT_EQUAL_FATAL(num_parse_i64_str(f[4], 1, INT64_MAX, &count), 0);
		for (mi = 0; mi < t->nmonths; mi++) {
			if (strcmp(t->months[mi], f[0]) == 0)
				cm = mi;
		}
		for (c = 0; c < ncarriers; c++) {
			char id[LOGGEN_ID_MAX];

			loggen_carrier_id(c, id, sizeof(id));
			if (strcmp(id, f[1]) == 0)
				cc = c;
		}
		slot = slot_of(f[2], f[3], strlen(f[3]));
		CU_ASSERT_FATAL(cm < T_MAX_MONTHS && cc < T_MAX_CARRIERS && slot >= 0);
		if ((uint64_t)count != t->cnt[cm][cc][slot])
			fprintf(stderr, "truth %s,%s,%s,%s = %lld, logs say %llu\n", f[0], f[1], f[2], f[3],
			        (long long)count, (unsigned long long)t->cnt[cm][cc][slot]);
		CU_ASSERT_EQUAL((uint64_t)count, t->cnt[cm][cc][slot]);
		/* Sorted by month, carrier, dimension, value. Joined with commas the
		 * key sorts the same way, since ',' sorts before every name byte. */
		{
			char key[256];
			int kn = snprintf(key, sizeof(key), "%s,%s,%s,%s", f[0], f[1], f[2], f[3]);

			CU_ASSERT_FATAL(kn > 0 && (size_t)kn < sizeof(key));
			CU_ASSERT(strcmp(prev, key) < 0);
			memcpy(prev, key, (size_t)kn + 1);
		}
		rows++;
	}
	for (mi = 0; mi < t->nmonths; mi++)
		for (c = 0; c < ncarriers; c++)
			for (s = 0; s < T_SLOTS; s++)
				nonzero += t->cnt[mi][c][s] != 0;
	CU_ASSERT_EQUAL(rows, nonzero);
	free(buf);
}

static void compare_truth_lines(struct tally *t, const char *dir, unsigned ncar, unsigned nhost)
{
	char path[T_PATH], expect[256];
	size_t len, off;
	char *buf;
	unsigned c, h;

	path_of(path, dir, "truth-lines.csv");
	buf = slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_FATAL(strncmp(buf, "carrier,host,lines,malformed,overlong\n", 38) == 0);
	off = 38;
	for (c = 0; c < ncar; c++) {
		for (h = 0; h < nhost; h++) {
			char id[LOGGEN_ID_MAX];
			uint64_t malformed = t->lines[c][h] - t->wellformed[c][h] - t->overlong[c][h];
			int n;

			loggen_carrier_id(c, id, sizeof(id));
			n = snprintf(expect, sizeof(expect), "%s,mx%u,%llu,%llu,%llu\n", id, h + 1,
			             (unsigned long long)t->lines[c][h], (unsigned long long)malformed,
			             (unsigned long long)t->overlong[c][h]);
			CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(expect));
			CU_ASSERT_FATAL(off + (size_t)n <= len);
			if (memcmp(buf + off, expect, (size_t)n) != 0)
				fprintf(stderr, "truth-lines: want %s", expect);
			CU_ASSERT(memcmp(buf + off, expect, (size_t)n) == 0);
			off += (size_t)n;
		}
	}
	CU_ASSERT_EQUAL(off, len);
	free(buf);
}

/* Read a whole output tree and check it against its truth. */
static struct tally *check_tree(const char *dir, unsigned ncar, unsigned nhost)
{
	struct tally *t = xcalloc(1, sizeof(*t));
	char rel[T_PATH], path[T_PATH];
	unsigned c, h;

	CU_ASSERT_FATAL(ncar <= T_MAX_CARRIERS && nhost <= T_MAX_HOSTS);
	for (c = 0; c < ncar; c++) {
		for (h = 0; h < nhost; h++) {
			maillog_rel(rel, c, h);
			path_of(path, dir, rel);
			read_maillog(t, c, h, path);
		}
	}
	compare_truth(t, dir, ncar);
	compare_truth_lines(t, dir, ncar, nhost);
	return t;
}

/* ---------------------------------------------------------------------- */
/* Reading any setup back with the collector's input parsers */

/* What the join keeps of one queue ID of a host. */
struct jmsg {
	int64_t header_ms, arrival_ms; /* first header line, first arrival line; -1 */
	struct authres_outcome o;
	int spam, done, filtered;
	int folded; /* a copy of another message, or a filter's name of it */
	unsigned done_file; /* index + 1 of the file with its last line */
};

struct jhost {
	struct htable *msgs;
	/* Message-ID as Postfix logged it -> a copy of its queue ID, for
	 * spamd's verdicts (the generator's IDs need no normalising). */
	struct htable *by_mid;
	struct authres_trust trust;
	const char *ids[1];
	char trusted_id[64];
	unsigned untrusted;
	unsigned file; /* index + 1 of the file being read */
};

static struct jmsg *jmsg_get(struct jhost *jh, struct input_span qid)
{
	struct jmsg *m = htable_find(jh->msgs, qid.p, qid.len);

	if (m == NULL) {
		m = xcalloc(1, sizeof(*m));
		m->header_ms = m->arrival_ms = -1;
		authres_outcome_init(&m->o);
		htable_insert(jh->msgs, qid.p, qid.len, m);
	}
	return m;
}

/* Exim's logwrite escapes undone: "\n", "\t", "\r" fold to a blank. */
static size_t unescape(const char *v, size_t len, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len &&
		    (v[i + 1] == 'n' || v[i + 1] == 't' || v[i + 1] == 'r')) {
			out[n++] = ' ';
			i++;
		} else if (v[i] == '\\' && i + 1 < len && v[i + 1] == '\\') {
			out[n++] = '\\';
			i++;
		} else {
			out[n++] = v[i];
		}
	}
	return n;
}

static void join_event(struct jhost *jh, const struct input_event *ev)
{
	struct input_span qid = ev->queue_id;
	struct jmsg *m;

	if (ev->kind == IN_OTHER)
		return;
	if (ev->kind == IN_MSGID && ev->message_id.len > 0 &&
	    htable_find(jh->by_mid, ev->message_id.p, ev->message_id.len) == NULL) {
		char *copy = xmalloc(qid.len + 1);

		memcpy(copy, qid.p, qid.len);
		copy[qid.len] = '\0';
		htable_insert(jh->by_mid, ev->message_id.p, ev->message_id.len, copy);
	}
	if (ev->kind == IN_SPAM && qid.len == 0) {
		/* spamd's: every message the generator gives to spamd has its
		 * message-id line before. */
		const char *q = htable_find(jh->by_mid, ev->message_id.p, ev->message_id.len);

		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		qid.p = q;
		qid.len = strlen(q);
	}
	CU_ASSERT_FATAL(qid.len > 0);
	m = jmsg_get(jh, qid);
	/* Nothing of a message after its last line in the same file: the ID
	 * is not reused. (Another file, read after, may have its lines.) */
	CU_ASSERT(!m->done || m->done_file != jh->file);
	switch (ev->kind) {
	case IN_HEADER: {
		char buf[4096];
		const char *v = ev->value.p;
		size_t len = ev->value.len;
		struct authres_outcome o;

		if (m->header_ms < 0)
			m->header_ms = ev->time_ms;
		CU_ASSERT_FATAL(len < sizeof(buf));
		if (ev->value_escaped) {
			len = unescape(v, len, buf);
			v = buf;
		}
		if (ev->name.len == 22 && memcmp(ev->name.p, "Authentication-Results", 22) == 0) {
			enum authres_status st = authres_parse(v, len, ev->value_truncated, &jh->trust, &o);

			if (st == AUTHRES_MALFORMED)
				fprintf(stderr, "malformed: %.*s\n", (int)len, v);
			CU_ASSERT(st != AUTHRES_MALFORMED);
			if (st == AUTHRES_OK)
				authres_outcome_merge(&m->o, &o);
			else
				jh->untrusted++;
		} else if (ev->name.len == 11 && memcmp(ev->name.p, "X-Spam-Flag", 11) == 0) {
			m->spam |= len >= 3 && memcmp(v, "YES", 3) == 0;
		} else {
			CU_FAIL("a header the generator does not write");
		}
		break;
	}
	case IN_MSGID:
		if (m->arrival_ms < 0)
			m->arrival_ms = ev->time_ms;
		break;
	case IN_DONE:
		CU_ASSERT(!m->done);
		m->done = 1;
		m->done_file = jh->file;
		break;
	case IN_RESULT: {
		struct authres_outcome o;

		authres_outcome_init(&o);
		o.result[ev->method] = ev->result;
		authres_outcome_merge(&m->o, &o);
		m->filtered = 1;
		break;
	}
	case IN_SPAM:
		m->spam |= ev->spam == SPAM_SPAM;
		/* pmg-smtp-filter's copy (QID2 into LOGID, LOGID into QID):
		 * counted under the message that names it. */
		if (ev->alias.len > 0) {
			struct jmsg *a = jmsg_get(jh, ev->alias);

			CU_ASSERT(a != m);
			a->folded = 1;
			m->spam |= a->spam;
			authres_outcome_merge(&m->o, &a->o);
		}
		/* rspamd's symbols (--spam-filter rspamd-symbols), read as the
		 * collector reads them with rspamd_symbols = yes. */
		if (ev->has_results) {
			struct authres_outcome o;

			input_event_results(ev, &o);
			authres_outcome_merge(&m->o, &o);
		}
		m->filtered = 1;
		break;
	case IN_FATE:
	case IN_OTHER:
		break;
	}
}

/* The local month "YYYY-MM" of ms at tz_minutes east of UTC. */
static void month_of(int64_t ms, int tz_minutes, char *out)
{
	int64_t local = ms + (int64_t)tz_minutes * 60000, y;
	unsigned m, d;
	int n;

	time_civil_from_days(time_floor_div(local, 86400000), &y, &m, &d);
	n = snprintf(out, T_TS, "%04lld-%02u", (long long)y, m);
	CU_ASSERT_FATAL(n == 7);
}

struct count_ctx {
	struct tally *t;
	unsigned c;
	int tz;
	uint64_t counted;
};

static void count_joined(const char *key, void *value, void *arg)
{
	struct count_ctx *x = arg;
	struct jmsg *m = value;
	char month[T_TS];
	unsigned mi, k;
	uint64_t *cnt;

	(void)key;
	if (m->folded)
		return;
	if (!m->done) {
		/* Only the queue IDs of garbage lines never end; a message that
		 * arrived or was judged by a filter always does. */
		CU_ASSERT(m->arrival_ms < 0 && !m->filtered);
		return;
	}
	/* A queue file that no cleanup line names was never received:
	 * MailScanner's requeued copy, which only qmgr and the delivery agents
	 * see. Not a message (the collector's rule too). */
	if (m->arrival_ms < 0 && m->header_ms < 0 && !m->filtered)
		return;
	CU_ASSERT_FATAL(m->arrival_ms >= 0);
	month_of(m->header_ms >= 0 ? m->header_ms : m->arrival_ms, x->tz, month);
	mi = month_index(x->t, month);
	cnt = x->t->cnt[mi][x->c];
	cnt[T_SLOT_MSG]++;
	for (k = 0; k < AR_METHOD_COUNT; k++)
		cnt[T_SLOT_RES(k, m->o.result[k])]++;
	cnt[T_SLOT_POL(m->o.dmarc_policy)]++;
	cnt[T_SLOT_SPAM(m->spam ? 1 : 0)]++;
	x->t->messages++;
	x->counted++;
}

static void free_jmsg(void *p)
{
	free(p);
}

/* One line of inputs.csv: carrier,host,format,path. */
struct input_row {
	char carrier[LOGGEN_ID_MAX], host[16], format[16], path[T_PATH];
};

/* Read OUT/inputs.csv; returns the rows (caller frees) and their count. */
static struct input_row *read_inputs(const char *dir, size_t *nrows)
{
	char path[T_PATH];
	size_t len, n = 0;
	char *buf, *line, *next;
	struct input_row *rows = NULL;

	path_of(path, dir, "inputs.csv");
	buf = slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_FATAL(strncmp(buf, "carrier,host,format,path\n", 25) == 0);
	for (line = buf + 25; *line != '\0'; line = next) {
		char *nl = strchr(line, '\n'), *f[4];
		int k;

		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		*nl = '\0';
		next = nl + 1;
		f[0] = line;
		for (k = 1; k < 4; k++) {
			char *comma = strchr(f[k - 1], ',');

			CU_ASSERT_PTR_NOT_NULL_FATAL(comma);
			*comma = '\0';
			f[k] = comma + 1;
		}
		rows = xreallocarray(rows, n + 1, sizeof(*rows));
		CU_ASSERT_FATAL(strlen(f[0]) < sizeof(rows[n].carrier) &&
		                strlen(f[1]) < sizeof(rows[n].host) &&
		                strlen(f[2]) < sizeof(rows[n].format) &&
		                strlen(f[3]) < sizeof(rows[n].path));
		memcpy(rows[n].carrier, f[0], strlen(f[0]) + 1);
		memcpy(rows[n].host, f[1], strlen(f[1]) + 1);
		memcpy(rows[n].format, f[2], strlen(f[2]) + 1);
		memcpy(rows[n].path, f[3], strlen(f[3]) + 1);
		n++;
	}
	free(buf);
	*nrows = n;
	return rows;
}

/* Parse every line of one file into jh; line counts go to t. */
static void read_with_parser(struct tally *t, unsigned c, unsigned h, struct jhost *jh,
                             const char *dir, const struct input_row *row)
{
	input_parse_fn parse = input_format_find(row->format);
	char path[T_PATH];
	struct stat st;
	struct input_clock clk;
	size_t len;
	char *buf, *p, *end;
	int64_t prev_ms = INT64_MIN;

	CU_ASSERT_PTR_NOT_NULL_FATAL(parse);
	path_of(path, dir, row->path);
	/* Stamps without a year refer to the file's time, as the collector's. */
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	input_clock_init(&clk, (int64_t)st.st_mtime * 1000);
	buf = slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT(len > 0 && buf[len - 1] == '\n');
	for (p = buf; p < buf + len; p = end + 1) {
		struct input_event ev;
		const char *why = NULL;

		end = memchr(p, '\n', (size_t)(buf + len - p));
		if (end == NULL)
			end = buf + len;
		t->lines[c][h]++;
		if (end - p > 65536) {
			t->overlong[c][h]++;
			continue;
		}
		if (parse(p, (size_t)(end - p), &clk, &ev, &why) != INPUT_OK)
			continue;
		t->wellformed[c][h]++;
		/* Each file is in time order. */
		CU_ASSERT(ev.time_ms >= prev_ms);
		prev_ms = ev.time_ms;
		join_event(jh, &ev);
	}
	free(buf);
}

/* A process-wide time zone at tz_minutes east of UTC, for stamps without
 * one (whole hours only: the Etc zones). */
static void zone_for(int tz_minutes)
{
	char name[32];
	int n;

	CU_ASSERT_FATAL(tz_minutes % 60 == 0);
	if (tz_minutes == 0)
		n = snprintf(name, sizeof(name), "UTC");
	else /* POSIX sign: Etc/GMT-9 is nine hours east. */
		n = snprintf(name, sizeof(name), "Etc/GMT%+d", -tz_minutes / 60);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(name));
	CU_ASSERT_FATAL(input_clock_set_zone(name) == 0);
}

/*
 * Read a whole output tree through inputs.csv and the collector's parsers
 * and check it against truth.csv and truth-lines.csv. formats_seen gets a
 * bit per format name found (1 syslog, 2 exim, 4 rspamd).
 */
static struct tally *check_tree_parsed(const char *dir, unsigned ncar, unsigned nhost,
                                       int tz_minutes, unsigned *formats_seen)
{
	struct tally *t = xcalloc(1, sizeof(*t));
	size_t nrows, i = 0;
	struct input_row *rows = read_inputs(dir, &nrows);
	unsigned c, h;

	*formats_seen = 0;
	zone_for(tz_minutes);
	CU_ASSERT_FATAL(ncar <= T_MAX_CARRIERS && nhost <= T_MAX_HOSTS);
	for (c = 0; c < ncar; c++) {
		for (h = 0; h < nhost; h++) {
			char car[LOGGEN_ID_MAX], host[16];
			struct jhost jh;
			struct count_ctx x;
			unsigned files = 0;
			int n;

			loggen_carrier_id(c, car, sizeof(car));
			n = snprintf(host, sizeof(host), "mx%u", h + 1);
			CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(host));
			memset(&jh, 0, sizeof(jh));
			jh.msgs = htable_new(4096);
			jh.by_mid = htable_new(4096);
			n = snprintf(jh.trusted_id, sizeof(jh.trusted_id), "mx.%s.example.jp", car);
			CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(jh.trusted_id));
			jh.ids[0] = jh.trusted_id;
			jh.trust.ids = jh.ids;
			jh.trust.n = 1;
			/* inputs.csv is sorted by carrier and host: this host's rows
			 * come next, one or two of them. */
			for (; i < nrows && strcmp(rows[i].carrier, car) == 0 &&
			       strcmp(rows[i].host, host) == 0;
			     i++) {
				*formats_seen |= strcmp(rows[i].format, "syslog") == 0 ? 1u
				                 : strcmp(rows[i].format, "exim") == 0 ? 2u
				                                                       : 4u;
				jh.file = ++files;
				read_with_parser(t, c, h, &jh, dir, &rows[i]);
			}
			CU_ASSERT(files == 1 || files == 2);
			x.t = t;
			x.c = c;
			x.tz = tz_minutes;
			x.counted = 0;
			htable_walk(jh.msgs, count_joined, &x);
			CU_ASSERT(x.counted > 0);
			/* Forged headers exist and are not trusted. */
			CU_ASSERT(jh.untrusted > 0);
			htable_free(jh.msgs, free_jmsg);
			htable_free(jh.by_mid, free);
		}
	}
	/* No row for a carrier or host that was not generated. */
	CU_ASSERT_EQUAL(i, nrows);
	free(rows);
	compare_truth(t, dir, ncar);
	compare_truth_lines(t, dir, ncar, nhost);
	return t;
}

/* ---------------------------------------------------------------------- */
/* Tests */

static void test_determinism(void)
{
	char *a = tmpdir_new(), *b = tmpdir_new(), *d = tmpdir_new();
	struct loggen_opts o;
	struct loggen_summary sa, sb, sd;
	char rel[T_PATH], pa[T_PATH], pb[T_PATH], pd[T_PATH];
	unsigned c, h, differ = 0;
	static const char *const extra[] = { "truth.csv", "truth-lines.csv" };
	size_t i;

	CU_ASSERT_FATAL(a != NULL && b != NULL && d != NULL);
	small_opts(&o, a);
	opt_set(&o, "seed", "42");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sa), 0);
	opt_set(&o, "out", b);
	CU_ASSERT_EQUAL_FATAL(run(&o, &sb), 0);
	opt_set(&o, "out", d);
	opt_set(&o, "seed", "43");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sd), 0);
	CU_ASSERT_EQUAL(sa.bytes, sb.bytes);
	CU_ASSERT_EQUAL(sa.lines, sb.lines);
	CU_ASSERT_EQUAL(sa.files, 6);
	/* Exactly messages-per-day per host and day: 6 hosts, Aug + Sep 2026. */
	CU_ASSERT_EQUAL(sa.messages, 6 * 61 * 60);
	CU_ASSERT_EQUAL(sd.messages, sa.messages);
	for (c = 0; c < 3; c++) {
		for (h = 0; h < 2; h++) {
			maillog_rel(rel, c, h);
			path_of(pa, a, rel);
			path_of(pb, b, rel);
			path_of(pd, d, rel);
			CU_ASSERT(same_file(pa, pb));
			differ += !same_file(pa, pd);
		}
	}
	CU_ASSERT_EQUAL(differ, 6);
	for (i = 0; i < 2; i++) {
		path_of(pa, a, extra[i]);
		path_of(pb, b, extra[i]);
		CU_ASSERT(same_file(pa, pb));
	}
	path_of(pa, a, "truth.csv");
	path_of(pd, d, "truth.csv");
	CU_ASSERT(!same_file(pa, pd));
	loggen_opts_free(&o);
	rm_tree(a);
	rm_tree(b);
	rm_tree(d);
	free(a);
	free(b);
	free(d);
}

static void test_default_profile(void)
{
	char *dir = tmpdir_new();
	struct loggen_opts o;
	struct loggen_summary sum;
	struct tally *t;
	unsigned mi;
	uint64_t per_car[3][T_SLOTS] = { { 0 } };

	CU_ASSERT_FATAL(dir != NULL);
	small_opts(&o, dir);
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree(dir, 3, 2);
	CU_ASSERT_EQUAL(t->messages, sum.messages);
	CU_ASSERT_EQUAL(t->nmonths, 2);
	CU_ASSERT_STRING_EQUAL(t->months[0], "2026-08");
	CU_ASSERT_STRING_EQUAL(t->months[1], "2026-09");
	CU_ASSERT(t->headers > t->messages);
	/* Sessions overlap: several messages open at once. */
	CU_ASSERT(t->max_open >= 2);
	/* Each host has a message on each side of the Aug/Sep boundary. */
	CU_ASSERT(t->straddle_msgid >= 6);
	CU_ASSERT(t->straddle_removed >= 6);
	/* ... and one whose trusted header is in the month after its event. */
	CU_ASSERT(t->straddle_trusted >= 6);
	for (mi = 0; mi < t->nmonths; mi++) {
		unsigned c, s;

		for (c = 0; c < 3; c++)
			for (s = 0; s < T_SLOTS; s++)
				per_car[c][s] += t->cnt[mi][c][s];
	}
	/* The carriers differ in what they evaluate. */
	CU_ASSERT(per_car[0][T_SLOT_RES(AR_ARC, AR_PASS)] > 0);
	CU_ASSERT(per_car[0][T_SLOT_RES(AR_DKIM, AR_PASS)] > 0);
	CU_ASSERT_EQUAL(per_car[1][T_SLOT_RES(AR_ARC, AR_ABSENT)], per_car[1][T_SLOT_MSG]);
	CU_ASSERT(per_car[1][T_SLOT_RES(AR_DMARC, AR_PASS)] > 0);
	CU_ASSERT_EQUAL(per_car[2][T_SLOT_RES(AR_DKIM, AR_ABSENT)], per_car[2][T_SLOT_MSG]);
	CU_ASSERT_EQUAL(per_car[2][T_SLOT_RES(AR_DMARC, AR_ABSENT)], per_car[2][T_SLOT_MSG]);
	CU_ASSERT(per_car[2][T_SLOT_RES(AR_SPF, AR_PASS)] > per_car[2][T_SLOT_MSG] / 2);
	/* Some messages have no header at all; spam is about half. */
	CU_ASSERT(per_car[0][T_SLOT_RES(AR_SPF, AR_ABSENT)] > 0);
	CU_ASSERT(per_car[0][T_SLOT_SPAM(1)] > per_car[0][T_SLOT_MSG] / 3);
	CU_ASSERT(per_car[0][T_SLOT_SPAM(0)] > per_car[0][T_SLOT_MSG] / 3);
	CU_ASSERT_EQUAL(sum.overlong, 6);
	CU_ASSERT_EQUAL(sum.malformed, 6 * 61 * 4);
	/* inputs.csv: one syslog file per host. */
	{
		size_t nrows, i;
		struct input_row *rows = read_inputs(dir, &nrows);

		CU_ASSERT_EQUAL(nrows, 6);
		for (i = 0; i < nrows && i < 6; i++) {
			char rel[T_PATH];

			maillog_rel(rel, (unsigned)i / 2, (unsigned)i % 2);
			CU_ASSERT_STRING_EQUAL(rows[i].format, "syslog");
			CU_ASSERT_STRING_EQUAL(rows[i].path, rel);
		}
		free(rows);
	}
	free(t);
	loggen_opts_free(&o);
	rm_tree(dir);
	free(dir);
}

/* Another profile, a negative offset and a year boundary. */
static void test_uniform_profile_west(void)
{
	char *dir = tmpdir_new();
	struct loggen_opts o;
	struct loggen_summary sum;
	struct tally *t;
	unsigned mi, r;

	CU_ASSERT_FATAL(dir != NULL);
	small_opts(&o, dir);
	opt_set(&o, "profile", "uniform");
	opt_set(&o, "tz-offset", "-05:30");
	opt_set(&o, "start", "2026-11");
	opt_set(&o, "months", "3");
	opt_set(&o, "carriers", "2");
	opt_set(&o, "hosts", "1");
	opt_set(&o, "messages-per-day", "40");
	opt_set(&o, "overlong", "no");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree(dir, 2, 1);
	CU_ASSERT_EQUAL(t->messages, 2 * (30 + 31 + 31) * 40);
	CU_ASSERT_EQUAL(t->nmonths, 3);
	CU_ASSERT_STRING_EQUAL(t->months[0], "2026-11");
	CU_ASSERT_STRING_EQUAL(t->months[2], "2027-01");
	CU_ASSERT(t->straddle_msgid >= 4);
	CU_ASSERT(t->straddle_trusted >= 4);
	CU_ASSERT_EQUAL(sum.overlong, 0);
	/* Every result value occurs for every method. */
	for (r = 0; r < AR_RESULT_COUNT; r++) {
		uint64_t n = 0;

		for (mi = 0; mi < t->nmonths; mi++)
			n += t->cnt[mi][0][T_SLOT_RES(AR_DKIM, r)];
		CU_ASSERT(n > 0);
	}
	free(t);
	loggen_opts_free(&o);
	rm_tree(dir);
	free(dir);
}

static void test_formats(void)
{
	char buf[64];
	int64_t days = time_days_from_civil(2026, 8, 1);
	int tz;
	size_t n, i;

	loggen_format_time(0, 540, buf);
	CU_ASSERT_STRING_EQUAL(buf, "1970-01-01T09:00:00.000000+09:00");
	loggen_format_time(0, -330, buf);
	CU_ASSERT_STRING_EQUAL(buf, "1969-12-31T18:30:00.000000-05:30");
	loggen_format_time(days * 86400000000LL - 9 * 3600000000LL + 123456, 540, buf);
	CU_ASSERT_STRING_EQUAL(buf, "2026-08-01T00:00:00.123456+09:00");

	CU_ASSERT_EQUAL(loggen_qid_short(0xABCDE, 0x12345, buf), 10);
	CU_ASSERT_STRING_EQUAL(buf, "ABCDE12345");
	CU_ASSERT_EQUAL(loggen_qid_short(7 * 1000000LL + 5, 0x123456, buf), 11);
	CU_ASSERT_STRING_EQUAL(buf, "00005123456");
	CU_ASSERT_EQUAL(loggen_qid_long(0, 0, buf), 12);
	CU_ASSERT_STRING_EQUAL(buf, "0000000000z0");
	n = loggen_qid_long(days * 86400000000LL + 999999, 0xFFFFFF, buf);
	CU_ASSERT(n >= 12 && n < LOGGEN_QID_MAX);
	CU_ASSERT_EQUAL(buf[10], 'z');
	for (i = 0; i < n; i++)
		CU_ASSERT(strchr("aeiouAEIOU", buf[i]) == NULL);

	loggen_carrier_id(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "carrier-a");
	loggen_carrier_id(25, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "carrier-z");
	loggen_carrier_id(26, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "carrier-aa");
	loggen_carrier_id(701, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "carrier-zz");

	CU_ASSERT_EQUAL(loggen_parse_tz("+09:00", &tz), 0);
	CU_ASSERT_EQUAL(tz, 540);
	CU_ASSERT_EQUAL(loggen_parse_tz("-05:30", &tz), 0);
	CU_ASSERT_EQUAL(tz, -330);
	CU_ASSERT_EQUAL(loggen_parse_tz("+14:00", &tz), 0);
	CU_ASSERT_EQUAL(loggen_parse_tz("+14:01", &tz), -1);
	CU_ASSERT_EQUAL(loggen_parse_tz("+9:00", &tz), -1);
	CU_ASSERT_EQUAL(loggen_parse_tz("09:00", &tz), -1);
	CU_ASSERT_EQUAL(loggen_parse_tz("+09:60", &tz), -1);
}

/* Every file listed in inputs.csv has the same bytes in both trees. */
static void same_trees(const char *a, const char *b)
{
	size_t nrows, i;
	struct input_row *rows = read_inputs(a, &nrows);
	char pa[T_PATH], pb[T_PATH];

	for (i = 0; i < nrows; i++) {
		path_of(pa, a, rows[i].path);
		path_of(pb, b, rows[i].path);
		CU_ASSERT(same_file(pa, pb));
	}
	path_of(pa, a, "truth.csv");
	path_of(pb, b, "truth.csv");
	CU_ASSERT(same_file(pa, pb));
	free(rows);
}

static uint64_t total(const struct tally *t, unsigned c, int slot)
{
	uint64_t n = 0;
	unsigned mi;

	for (mi = 0; mi < t->nmonths; mi++)
		n += t->cnt[mi][c][slot];
	return n;
}

/* The mixed profile: five carriers on five setups, read back through the
 * collector's parsers, equal the truth. */
static void test_mixed_profile(void)
{
	char *dir = tmpdir_new(), *again = tmpdir_new();
	struct loggen_opts o;
	struct loggen_summary sum, sum2;
	struct tally *t;
	unsigned formats, c;
	size_t nrows;
	struct input_row *rows;

	CU_ASSERT_FATAL(dir != NULL && again != NULL);
	small_opts(&o, dir);
	opt_set(&o, "profile", "mixed");
	opt_set(&o, "carriers", "5");
	opt_set(&o, "messages-per-day", "40");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree_parsed(dir, 5, 2, 540, &formats);
	CU_ASSERT_EQUAL(formats, 7u);
	CU_ASSERT_EQUAL(t->messages, sum.messages);
	CU_ASSERT_EQUAL(sum.messages, 5 * 2 * 61 * 40);
	/* carrier-c and carrier-d run rspamd: a second file on each host. */
	CU_ASSERT_EQUAL(sum.files, 5 * 2 + 2 * 2);
	rows = read_inputs(dir, &nrows);
	CU_ASSERT_EQUAL(nrows, sum.files);
	CU_ASSERT_STRING_EQUAL(rows[0].path, "carrier-a/mx1/maillog");
	CU_ASSERT_STRING_EQUAL(rows[4].format, "exim");
	CU_ASSERT_STRING_EQUAL(rows[4].path, "carrier-c/mx1/mainlog");
	CU_ASSERT_STRING_EQUAL(rows[5].format, "rspamd");
	CU_ASSERT_STRING_EQUAL(rows[5].path, "carrier-c/mx1/rspamd.log");
	free(rows);
	/* Month boundaries are crossed in every setup. */
	CU_ASSERT_EQUAL(t->nmonths, 2);
	for (c = 0; c < 5; c++) {
		CU_ASSERT(total(t, c, T_SLOT_SPAM(1)) > 0);
		CU_ASSERT(total(t, c, T_SLOT_SPAM(0)) > 0);
		CU_ASSERT(total(t, c, T_SLOT_RES(AR_SPF, AR_PASS)) > 0);
	}
	/* The milters give DKIM and DMARC results on carrier-a, DKIM on
	 * carrier-b; carrier-c evaluates SPF only. */
	CU_ASSERT(total(t, 0, T_SLOT_RES(AR_DKIM, AR_PASS)) > 0);
	CU_ASSERT(total(t, 0, T_SLOT_RES(AR_DMARC, AR_FAIL)) > 0);
	CU_ASSERT(total(t, 1, T_SLOT_RES(AR_DKIM, AR_PERMERROR)) > 0);
	CU_ASSERT_EQUAL(total(t, 2, T_SLOT_RES(AR_DKIM, AR_ABSENT)), total(t, 2, T_SLOT_MSG));
	free(t);
	/* The same options give the same bytes. */
	opt_set(&o, "out", again);
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum2), 0);
	CU_ASSERT_EQUAL(sum.bytes, sum2.bytes);
	same_trees(dir, again);
	loggen_opts_free(&o);
	rm_tree(dir);
	rm_tree(again);
	free(dir);
	free(again);
}

/* The setup options, over a New Year: Exim with rspamd west of UTC, and
 * Postfix with both milters, amavis and traditional stamps in Japan. */
static void test_setup_options(void)
{
	char *dir = tmpdir_new();
	struct loggen_opts o;
	struct loggen_summary sum;
	struct tally *t;
	unsigned formats;

	CU_ASSERT_FATAL(dir != NULL);
	small_opts(&o, dir);
	opt_set(&o, "profile", "uniform");
	opt_set(&o, "mta", "exim");
	opt_set(&o, "spam-filter", "rspamd");
	opt_set(&o, "timestamps", "traditional");
	opt_set(&o, "tz-offset", "-05:00");
	opt_set(&o, "start", "2026-11");
	opt_set(&o, "months", "3");
	opt_set(&o, "carriers", "2");
	opt_set(&o, "hosts", "1");
	opt_set(&o, "messages-per-day", "20");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree_parsed(dir, 2, 1, -300, &formats);
	CU_ASSERT_EQUAL(formats, 6u);
	CU_ASSERT_EQUAL(t->messages, 2 * (30 + 31 + 31) * 20);
	CU_ASSERT_EQUAL(t->nmonths, 3);
	free(t);
	rm_tree(dir);

	opt_set(&o, "profile", "default");
	opt_set(&o, "mta", "postfix");
	opt_set(&o, "milters", "opendmarc,opendkim-logresults");
	opt_set(&o, "spam-filter", "amavis");
	opt_set(&o, "tz-offset", "+09:00");
	opt_set(&o, "carriers", "3");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree_parsed(dir, 3, 1, 540, &formats);
	CU_ASSERT_EQUAL(formats, 1u);
	CU_ASSERT_EQUAL(t->messages, sum.messages);
	/* carrier-c evaluates no DKIM in the default profile, but its
	 * OpenDKIM does. */
	CU_ASSERT(total(t, 2, T_SLOT_RES(AR_DKIM, AR_PASS)) > 0);
	free(t);
	loggen_opts_free(&o);
	rm_tree(dir);
	free(dir);
}

/*
 * --spam-filter rspamd-symbols: rspamd's result lines carry the SPF, DKIM,
 * DMARC and ARC symbols of each message's results, which the collector's
 * parser (rspamd_symbols = yes) reads back to the truth, the messages
 * without a header (3% in the default profile) included; plain rspamd's
 * lines carry none.
 */
static void test_rspamd_symbols(void)
{
	char *dir = tmpdir_new();
	char path[T_PATH];
	struct loggen_opts o;
	struct loggen_summary sum;
	struct tally *t;
	unsigned formats;
	size_t len;
	char *text;

	CU_ASSERT_FATAL(dir != NULL);
	small_opts(&o, dir);
	opt_set(&o, "spam-filter", "rspamd-symbols");
	opt_set(&o, "carriers", "3");
	opt_set(&o, "hosts", "1");
	opt_set(&o, "messages-per-day", "40");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree_parsed(dir, 3, 1, 540, &formats);
	CU_ASSERT_EQUAL(formats, 5u);
	CU_ASSERT_EQUAL(t->messages, sum.messages);
	CU_ASSERT(total(t, 0, T_SLOT_RES(AR_ARC, AR_PASS)) > 0);
	CU_ASSERT(total(t, 0, T_SLOT_POL(POL_REJECT)) > 0);
	free(t);
	CU_ASSERT_FATAL(snprintf(path, sizeof(path), "%s/carrier-a/mx1/rspamd.log", dir) < T_PATH);
	text = slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strstr(text, ",R_SPF_ALLOW(-0.20){+ip4:") != NULL);
	CU_ASSERT(strstr(text, ",DMARC_POLICY_REJECT(2.00){") != NULL);
	CU_ASSERT(strstr(text, ",R_DKIM_ALLOW(-0.20){") != NULL);
	free(text);
	rm_tree(dir);

	opt_set(&o, "spam-filter", "rspamd");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	text = slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strstr(text, "R_SPF_") == NULL && strstr(text, "DMARC_") == NULL);
	free(text);
	loggen_opts_free(&o);
	rm_tree(dir);
	free(dir);
}

/*
 * --spam-filter spamd: spamd's verdicts name their message by Message-ID;
 * joined through Postfix's message-id lines they give the truth's spam
 * counts (Exim and maillog_file stamps with it: test_bad_options).
 */
static void test_spamd(void)
{
	char *dir = tmpdir_new();
	struct loggen_opts o;
	struct loggen_summary sum;
	struct tally *t;
	unsigned formats;

	CU_ASSERT_FATAL(dir != NULL);
	small_opts(&o, dir);
	opt_set(&o, "spam-filter", "spamd");
	opt_set(&o, "milters", "opendmarc");
	opt_set(&o, "hosts", "1");
	opt_set(&o, "messages-per-day", "40");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree_parsed(dir, 3, 1, 540, &formats);
	CU_ASSERT_EQUAL(formats, 1u);
	CU_ASSERT_EQUAL(t->messages, sum.messages);
	CU_ASSERT(total(t, 0, T_SLOT_SPAM(1)) > 0 && total(t, 0, T_SLOT_SPAM(0)) > 0);
	free(t);
	loggen_opts_free(&o);
	rm_tree(dir);
	free(dir);
}

/* --milters exim-dkim: Exim's own DKIM lines read back to the truth; on
 * carrier-c, whose header has no DKIM, they are its only DKIM results. */
static void test_exim_dkim(void)
{
	char *dir = tmpdir_new();
	struct loggen_opts o;
	struct loggen_summary sum;
	struct tally *t;
	unsigned formats;

	CU_ASSERT_FATAL(dir != NULL);
	small_opts(&o, dir);
	opt_set(&o, "mta", "exim");
	opt_set(&o, "milters", "exim-dkim");
	opt_set(&o, "hosts", "1");
	opt_set(&o, "messages-per-day", "40");
	CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
	t = check_tree_parsed(dir, 3, 1, 540, &formats);
	CU_ASSERT_EQUAL(formats, 2u);
	CU_ASSERT_EQUAL(t->messages, sum.messages);
	CU_ASSERT(total(t, 2, T_SLOT_RES(AR_DKIM, AR_PASS)) > 0);
	CU_ASSERT(total(t, 2, T_SLOT_RES(AR_DKIM, AR_FAIL)) > 0);
	free(t);
	loggen_opts_free(&o);
	rm_tree(dir);
	free(dir);
}

/* How many times needle occurs in the file at path. */
static unsigned count_in_file(const char *path, const char *needle)
{
	size_t len, nl = strlen(needle);
	char *buf = slurp(path, &len), *p;
	unsigned n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (p = buf; (p = strstr(p, needle)) != NULL; p += nl)
		n++;
	free(buf);
	return n;
}

/*
 * --spam-filter mailscanner, pmg, sa-exim: each read back with the
 * collector's parsers (pmg_reinjection = yes) equals the truth. Behind
 * MailScanner every message is held, judged and queued again (one
 * "Requeue:" line each, the copy never counted); on a Proxmox Mail Gateway
 * every message is in the log twice (two cleanup message-id lines) and
 * counts once; SA-Exim judges every message once. Each gives both verdicts.
 */
static void test_reinjecting_filters(void)
{
	static const struct {
		const char *mta, *filter, *file, *needle;
		unsigned per_message; /* needle's lines per counted message */
	} cases[] = {
		{ "postfix", "mailscanner", "maillog", "]: Requeue: ", 1 },
		{ "postfix", "pmg", "maillog", ": message-id=<", 2 },
		{ "exim", "sa-exim", "mainlog", " SA: Action: ", 1 },
	};
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *dir = tmpdir_new();
		char rel[T_PATH], path[T_PATH];
		struct loggen_opts o;
		struct loggen_summary sum;
		struct tally *t;
		unsigned formats, c, lines = 0;
		uint64_t counted = 0;

		CU_ASSERT_FATAL(dir != NULL);
		small_opts(&o, dir);
		opt_set(&o, "mta", cases[k].mta);
		opt_set(&o, "spam-filter", cases[k].filter);
		opt_set(&o, "hosts", "1");
		opt_set(&o, "messages-per-day", "30");
		CU_ASSERT_EQUAL_FATAL(run(&o, &sum), 0);
		t = check_tree_parsed(dir, 3, 1, 540, &formats);
		CU_ASSERT_EQUAL(formats, strcmp(cases[k].mta, "exim") == 0 ? 2u : 1u);
		for (c = 0; c < 3; c++) {
			int n = snprintf(rel, sizeof(rel), "carrier-%c/mx1/%s", 'a' + c, cases[k].file);

			CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(rel));
			path_of(path, dir, rel);
			lines += count_in_file(path, cases[k].needle);
			counted += total(t, c, T_SLOT_MSG);
			CU_ASSERT(total(t, c, T_SLOT_SPAM(1)) > 0);
			CU_ASSERT(total(t, c, T_SLOT_SPAM(0)) > 0);
		}
		CU_ASSERT_EQUAL(counted, 3 * 61 * 30);
		if (lines != counted * cases[k].per_message)
			fprintf(stderr, "%s: %u lines of \"%s\" for %llu messages\n", cases[k].filter,
			        lines, cases[k].needle, (unsigned long long)counted);
		CU_ASSERT_EQUAL(lines, counted * cases[k].per_message);
		free(t);
		loggen_opts_free(&o);
		rm_tree(dir);
		free(dir);
	}
}

static void test_bad_options(void)
{
	char *dir = tmpdir_new();
	char sub[T_PATH];
	struct loggen_opts o;
	struct loggen_summary sum;
	struct strbuf err;
	struct stat st;
	static const char *const bad[][2] = {
		{ "start", "2026-13" }, { "tz-offset", "+25:00" }, { "profile", "nope" },
		{ "messages-per-day", "10000000" }, { "mta", "sendmail" }, { "spam-filter", "spamassassin" },
		{ "timestamps", "iso" }, { "milters", "opendkim,opendkim-logresults" },
		{ "milters", "opendkim," }, { "milters", "" },
	};
	/* Setups no real host has. */
	static const char *const bad_pairs[][4] = {
		{ "mta", "exim", "milters", "opendkim" },
		{ "mta", "exim", "spam-filter", "amavis" },
		{ "timestamps", "maillog", "milters", "opendmarc" },
		{ "timestamps", "maillog", "spam-filter", "amavis" },
		{ "mta", "exim", "spam-filter", "spamd" },
		{ "mta", "postfix", "milters", "exim-dkim" },
		{ "mta", "exim", "milters", "exim-dkim,opendmarc" },
		{ "timestamps", "maillog", "spam-filter", "spamd" },
		{ "mta", "exim", "spam-filter", "mailscanner" },
		{ "mta", "exim", "spam-filter", "pmg" },
		{ "mta", "postfix", "spam-filter", "sa-exim" },
		{ "timestamps", "maillog", "spam-filter", "mailscanner" },
		{ "timestamps", "maillog", "spam-filter", "pmg" },
		{ "timestamps", "traditional", "months", "13" },
		{ "profile", "mixed", "milters", "opendkim" }, /* carrier-c runs Exim */
	};
	size_t i;

	CU_ASSERT_FATAL(dir != NULL);
	path_of(sub, dir, "out");
	strbuf_init(&err, 1024);
	loggen_opts_init(&o);
	CU_ASSERT_EQUAL(loggen_run(&o, &sum, &err), -1); /* no --out */
	CU_ASSERT(err.len > 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		loggen_opts_free(&o);
		loggen_opts_init(&o);
		opt_set(&o, "out", sub);
		opt_set(&o, bad[i][0], bad[i][1]);
		strbuf_reset(&err);
		CU_ASSERT_EQUAL(loggen_run(&o, &sum, &err), -1);
		CU_ASSERT(err.len > 0);
		/* Refused before anything is written. */
		CU_ASSERT(stat(sub, &st) < 0 && errno == ENOENT);
	}
	for (i = 0; i < sizeof(bad_pairs) / sizeof(bad_pairs[0]); i++) {
		loggen_opts_free(&o);
		loggen_opts_init(&o);
		opt_set(&o, "out", sub);
		opt_set(&o, bad_pairs[i][0], bad_pairs[i][1]);
		opt_set(&o, bad_pairs[i][2], bad_pairs[i][3]);
		strbuf_reset(&err);
		CU_ASSERT_EQUAL(loggen_run(&o, &sum, &err), -1);
		CU_ASSERT(err.len > 0);
		CU_ASSERT(stat(sub, &st) < 0 && errno == ENOENT);
	}
	/* Ranges are the option table's. */
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(cfg_set(loggen_cfg_table, &o, "carriers", "0", &err), -1);
	CU_ASSERT_EQUAL(cfg_set(loggen_cfg_table, &o, "months", "x", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(loggen_profile_describe("default"));
	CU_ASSERT_PTR_NULL(loggen_profile_describe("nope"));
	CU_ASSERT_STRING_EQUAL(loggen_profile_names()[0], "default");
	loggen_opts_free(&o);
	strbuf_release(&err);
	rm_tree(dir);
	free(dir);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	/* The reader reads rspamd's symbols as a collector with
	 * rspamd_symbols = yes does. */
	input_rspamd_set_symbols(1);
	input_spamd_set_enabled(1);
	input_pmg_set_enabled(1);
	s = CU_add_suite("loggen", NULL, NULL);
	if (s == NULL || CU_add_test(s, "formats and option parsing", test_formats) == NULL ||
	    CU_add_test(s, "bad options refused", test_bad_options) == NULL ||
	    CU_add_test(s, "rspamd-symbols: the symbols read back equal truth",
	                test_rspamd_symbols) == NULL ||
	    CU_add_test(s, "spamd: verdicts joined by Message-ID equal truth", test_spamd) == NULL ||
	    CU_add_test(s, "exim-dkim: Exim's DKIM lines equal truth", test_exim_dkim) == NULL ||
	    CU_add_test(s, "mailscanner, pmg, sa-exim: read back equal truth, copies once",
	                test_reinjecting_filters) == NULL ||
	    CU_add_test(s, "same seed same bytes, other seed other bytes", test_determinism) == NULL ||
	    CU_add_test(s, "default profile: logs read back equal truth",
	                test_default_profile) == NULL ||
	    CU_add_test(s, "uniform profile, -05:30, across a year: logs equal truth",
	                test_uniform_profile_west) == NULL ||
	    CU_add_test(s, "mixed profile: every format, read by the collector's parsers, "
	                   "equals truth", test_mixed_profile) == NULL ||
	    CU_add_test(s, "setup options over a New Year: logs equal truth",
	                test_setup_options) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
