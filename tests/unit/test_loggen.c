/*
 * unit.loggen - the log generator. The same options and seed give the same
 * bytes, another seed other bytes. A small reader written here, independent
 * of the generator, reads the logs back and must find exactly truth.csv:
 * messages per month (one per "removed" line, in the month of its event time)
 * and every result, policy and spam count, with forged headers ignored. Each
 * message's lines are in time order and within seconds of each other, its
 * queue ID is used by no other message of the host, sessions interleave,
 * every logged header stays under Postfix's 200-character cut, messages are
 * placed across month boundaries, and truth-lines.csv matches the files.
 * Bad options are refused before anything is written.
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

			if (pp != NULL) {
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
		} else if (starts(body, end, "info: header ")) {
			const char *hdr = body + 13, *suffix = rfind(hdr, end, "; from=<"), *from;

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
	int64_t days = time_days_from_civil(2026, 8, 1), y;
	unsigned m;
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

	CU_ASSERT_EQUAL(loggen_parse_month("2026-08", &y, &m), 0);
	CU_ASSERT(y == 2026 && m == 8);
	CU_ASSERT_EQUAL(loggen_parse_month("2026-13", &y, &m), -1);
	CU_ASSERT_EQUAL(loggen_parse_month("2026-8", &y, &m), -1);
	CU_ASSERT_EQUAL(loggen_parse_month("202608", &y, &m), -1);
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
		{ "messages-per-day", "10000000" },
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
	s = CU_add_suite("loggen", NULL, NULL);
	if (s == NULL || CU_add_test(s, "formats and option parsing", test_formats) == NULL ||
	    CU_add_test(s, "bad options refused", test_bad_options) == NULL ||
	    CU_add_test(s, "same seed same bytes, other seed other bytes", test_determinism) == NULL ||
	    CU_add_test(s, "default profile: logs read back equal truth",
	                test_default_profile) == NULL ||
	    CU_add_test(s, "uniform profile, -05:30, across a year: logs equal truth",
	                test_uniform_profile_west) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
