#include "authres.h"

#include <string.h>

#include "result_int.h"
#include "strutil.h"

/*
 * Character classes, one table lookup per byte in the loops that skip
 * comments and quoted strings, which are most of a real header's bytes.
 */
#define C_TOKEN 0x01u  /* RFC 2045 token: US-ASCII VCHAR except tspecials */
#define C_KEY 0x02u    /* keyword: ALPHA / DIGIT / "-" (and "_", tolerated) */
#define C_ALNUM 0x04u  /* ALPHA / DIGIT: how a keyword starts */
#define C_PVAL 0x08u   /* unquoted property value: VCHAR and UTF-8 except ( ) ; " \ */
#define C_CSPEC 0x10u  /* ends a run of comment text: ( ) \ CR LF and controls */
#define C_QSPEC 0x20u  /* ends a run of quoted text: " \ CR LF and controls */
#define C_CTL 0x40u    /* a control character other than HTAB, CR, LF */
#define C_METHOD 0x80u /* method name: keyword characters and "." */

/* Generated from the definitions above; bytes >= 0x80 (UTF-8) are value text. */
static const unsigned char cls[256] = {
	0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x00, 0x30, 0x70, 0x70, 0x30, 0x70, 0x70,
	0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70,
	0x00, 0x09, 0x20, 0x09, 0x09, 0x09, 0x09, 0x09, 0x10, 0x10, 0x09, 0x09, 0x08, 0x8b, 0x89, 0x08,
	0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x08, 0x00, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f,
	0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x08, 0x30, 0x08, 0x09, 0x8b,
	0x09, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f,
	0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x09, 0x09, 0x09, 0x09, 0x70,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
};

static const char *const error_names[AUTHRES_E_COUNT] = {
	[AUTHRES_E_NONE] = "none",
	[AUTHRES_E_EMPTY] = "empty",
	[AUTHRES_E_INSTANCE] = "bad-instance",
	[AUTHRES_E_AUTHSERV_ID] = "no-authserv-id",
	[AUTHRES_E_VERSION] = "bad-version",
	[AUTHRES_E_SEMICOLON] = "expected-semicolon",
	[AUTHRES_E_METHOD] = "expected-method",
	[AUTHRES_E_METHOD_VERSION] = "bad-method-version",
	[AUTHRES_E_EQUALS] = "expected-equals",
	[AUTHRES_E_RESULT] = "expected-result",
	[AUTHRES_E_REASON] = "bad-reason",
	[AUTHRES_E_PROPERTY] = "bad-property",
	[AUTHRES_E_NONE_ALONE] = "none-with-results",
	[AUTHRES_E_COMMENT] = "unterminated-comment",
	[AUTHRES_E_QUOTE] = "unterminated-quote",
	[AUTHRES_E_FOLD] = "bad-line-break",
	[AUTHRES_E_CONTROL] = "control-character",
	[AUTHRES_E_TRUNCATED] = "truncated",
	[AUTHRES_E_CAPACITY] = "too-many-results",
};

const char *authres_error_name(enum authres_error e)
{
	return (unsigned)e < AUTHRES_E_COUNT ? error_names[e] : "?";
}

/* Case-insensitive (ASCII) equality of a[0..n) and b[0..n). */
static int mem_eq_nocase(const char *a, const char *b, size_t n)
{
	return str_mem_eq_nocase(a, b, n);
}

static unsigned char fold(char c)
{
	unsigned char u = (unsigned char)c;

	return (unsigned char)(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u);
}

/* Rank of each result under the outcome rule; higher wins. */
static const int result_rank[AR_RESULT_COUNT] = {
	[AR_NONE] = 1,      [AR_PASS] = 8,      [AR_FAIL] = 7,      [AR_SOFTFAIL] = 6,
	[AR_NEUTRAL] = 5,   [AR_TEMPERROR] = 2, [AR_PERMERROR] = 3, [AR_POLICY] = 4,
	[AR_ABSENT] = 0,
};

void authres_outcome_init(struct authres_outcome *o)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		o->result[m] = AR_ABSENT;
	o->dmarc_policy = POL_ABSENT;
	o->dmarc_disposition = POL_ABSENT;
	o->truncated = 0;
	o->unknown = 0;
}

/* The rule for one method: the more significant result stays. */
static void merge_result(struct authres_outcome *acc, int m, enum ar_result r)
{
	if (result_rank[r] > result_rank[acc->result[m]])
		acc->result[m] = r;
}

/* The rule for the DMARC policy and disposition: the strongest stays. The
 * policy enum is ordered absent < none < quarantine < reject. */
static void merge_policy(struct authres_outcome *acc, enum ar_policy policy,
                         enum ar_policy disposition)
{
	if (policy > acc->dmarc_policy)
		acc->dmarc_policy = policy;
	if (disposition > acc->dmarc_disposition)
		acc->dmarc_disposition = disposition;
}

void authres_outcome_merge(struct authres_outcome *acc, const struct authres_outcome *in)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		merge_result(acc, m, in->result[m]);
	merge_policy(acc, in->dmarc_policy, in->dmarc_disposition);
	acc->truncated += in->truncated;
	acc->unknown += in->unknown;
}

int authres_result_code(int method_id, const char *s, size_t len, enum ar_result *out)
{
	/* The keywords and aliases of every method are the vocabulary's. */
	if (result_parse(s, len, out) == 0)
		return 0;
	/* Microsoft: "no DMARC record, but it would have passed": no policy published. */
	if (method_id == AR_DMARC && len == 13 && mem_eq_nocase(s, "bestguesspass", 13)) {
		*out = AR_NONE;
		return 0;
	}
	return -1;
}

/* The counted method a name is, or -1. */
static int method_of(const char *s, size_t len)
{
	enum ar_method m;

	return result_method_parse(s, len, &m) == 0 ? (int)m : -1;
}

/* ------------------------------------------------------------------------ */
/* The scanner. */

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos;
	unsigned flags;
	enum authres_error err;
	size_t err_pos;
	/* While reading a dmarc resinfo, comments are searched for p= and dis=. */
	int scan_comments;
	enum ar_policy c_policy, c_disp;
};

static int fail_at(struct parser *ps, enum authres_error e, size_t at)
{
	if (ps->err == AUTHRES_E_NONE) {
		ps->err = e;
		ps->err_pos = at;
	}
	return -1;
}

static int fail(struct parser *ps, enum authres_error e)
{
	return fail_at(ps, e, ps->pos);
}

static int is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* 1 if an Exim-escaped character c ("\c") starts at p. */
static int exim_esc(const struct parser *ps, size_t p, unsigned char c)
{
	return (ps->flags & AUTHRES_F_EXIM_ESCAPES) && p + 1 < ps->len && ps->s[p] == '\\' &&
	       ps->s[p + 1] == c;
}

/* 1 if white space that may follow a line break starts at p. */
static int wsp_at(const struct parser *ps, size_t p)
{
	return p < ps->len && (is_wsp(ps->s[p]) || exim_esc(ps, p, 't'));
}

/*
 * At a CR or LF: consume the line break. It must be a fold (followed by
 * white space) or end the value; CRLF and bare LF are both taken, a lone CR
 * only as the last byte (a line read from a CRLF file).
 */
static int line_break(struct parser *ps)
{
	size_t p = ps->pos;

	if (ps->s[p] == '\r') {
		if (p + 1 < ps->len && ps->s[p + 1] == '\n')
			p++;
		else if (p + 1 != ps->len)
			return fail(ps, AUTHRES_E_FOLD);
	}
	p++;
	if (p < ps->len && !wsp_at(ps, p))
		return fail_at(ps, AUTHRES_E_FOLD, p);
	ps->pos = p;
	return 0;
}

/* The same for Exim's "\r\n" or "\n" at ps->pos. */
static int exim_line_break(struct parser *ps)
{
	size_t p = ps->pos;

	if (ps->s[p + 1] == 'r' && exim_esc(ps, p + 2, 'n'))
		p += 4;
	else if (ps->s[p + 1] == 'r' && p + 2 != ps->len)
		return fail(ps, AUTHRES_E_FOLD); /* a lone CR only as the last thing */
	else
		p += 2;
	if (p < ps->len && !wsp_at(ps, p))
		return fail_at(ps, AUTHRES_E_FOLD, p);
	ps->pos = p;
	return 0;
}

/* A DMARC policy word (ar_policy_parse), or POL_ABSENT for any other text. */
static enum ar_policy policy_word(const unsigned char *s, size_t len)
{
	enum ar_policy p;

	return result_policy_parse((const char *)s, len, &p) == 0 ? p : POL_ABSENT;
}

/*
 * The DMARC policy in a comment: OpenDMARC and Gmail write "(p=reject
 * dis=none)", others "(p=none,d=none)" or "(policy=reject)". A key counts
 * only at the start of a word, so "sp=" is not "p=".
 */
static void scan_policy_comment(struct parser *ps, size_t a, size_t b)
{
	const unsigned char *s = ps->s;
	size_t i;

	for (i = a; i < b; i++) {
		size_t k, vl;
		enum ar_policy *dst;
		unsigned char c;

		/* Every key starts with "p" or "d": look no further at other bytes. */
		c = fold((char)s[i]);
		if (c != 'p' && c != 'd')
			continue;
		if (i > a && !(s[i - 1] == '(' || s[i - 1] == ',' || is_wsp(s[i - 1])))
			continue;
		if (c == 'p' && i + 2 <= b && s[i + 1] == '=') {
			k = i + 2;
			dst = &ps->c_policy;
		} else if (c == 'p' && i + 7 <= b && mem_eq_nocase((const char *)s + i, "policy=", 7)) {
			k = i + 7;
			dst = &ps->c_policy;
		} else if (c == 'd' && i + 4 <= b && mem_eq_nocase((const char *)s + i, "dis=", 4)) {
			k = i + 4;
			dst = &ps->c_disp;
		} else {
			continue;
		}
		vl = 0;
		while (k + vl < b && (cls[s[k + vl]] & C_KEY))
			vl++;
		if (*dst == POL_ABSENT)
			*dst = policy_word(s + k, vl);
	}
}

/*
 * Inside a comment or a quoted string, at a byte that is neither its text
 * nor one of its delimiters: a quoted-pair, a folded line break, or a byte
 * not allowed there. Moves *p past it; -1 on error (unclosed: the construct
 * that began at start ends in a quoted-pair cut short).
 */
static int skip_special(struct parser *ps, size_t *p, size_t start, enum authres_error unclosed)
{
	const unsigned char *s = ps->s;
	size_t q = *p;

	if (s[q] == '\\') {
		/* A quoted-pair; an escaped line break would be no fold. */
		if (q + 1 >= ps->len)
			return fail_at(ps, unclosed, start);
		if (s[q + 1] == '\r' || s[q + 1] == '\n')
			return fail_at(ps, AUTHRES_E_FOLD, q + 1);
		*p = q + 2;
		return 0;
	}
	if (s[q] == '\r' || s[q] == '\n') {
		ps->pos = q;
		if (line_break(ps) < 0)
			return -1;
		*p = ps->pos;
		return 0;
	}
	return fail_at(ps, AUTHRES_E_CONTROL, q);
}

/* At "(": skip a comment with nested comments and quoted-pairs. */
static int skip_comment(struct parser *ps)
{
	const unsigned char *s = ps->s;
	size_t n = ps->len, start = ps->pos, p = ps->pos + 1;
	unsigned long depth = 1;

	for (;;) {
		unsigned char c;

		while (p < n && !(cls[s[p]] & C_CSPEC))
			p++;
		if (p >= n)
			return fail_at(ps, AUTHRES_E_COMMENT, start);
		c = s[p];
		if (c == '(') {
			depth++;
			p++;
		} else if (c == ')') {
			p++;
			if (--depth == 0)
				break;
		} else if (skip_special(ps, &p, start, AUTHRES_E_COMMENT) < 0) {
			return -1;
		}
	}
	if (ps->scan_comments)
		scan_policy_comment(ps, start + 1, p - 1);
	ps->pos = p;
	return 0;
}

/* At '"': skip a quoted string; *a, *b delimit its content. */
static int skip_quoted(struct parser *ps, size_t *a, size_t *b)
{
	const unsigned char *s = ps->s;
	size_t n = ps->len, start = ps->pos, p = ps->pos + 1;

	for (;;) {
		unsigned char c;

		while (p < n && !(cls[s[p]] & C_QSPEC))
			p++;
		if (p >= n)
			return fail_at(ps, AUTHRES_E_QUOTE, start);
		c = s[p];
		if (c == '"')
			break;
		if (skip_special(ps, &p, start, AUTHRES_E_QUOTE) < 0)
			return -1;
	}
	*a = start + 1;
	*b = p;
	ps->pos = p + 1;
	return 0;
}

/* Skip CFWS: white space, folds and comments (skip_cfws() without its fast path). */
static int skip_cfws_slow(struct parser *ps)
{
	while (ps->pos < ps->len) {
		unsigned char c = ps->s[ps->pos];

		if (is_wsp(c)) {
			ps->pos++;
		} else if (c == '(') {
			if (skip_comment(ps) < 0)
				return -1;
		} else if (c == '\r' || c == '\n') {
			if (line_break(ps) < 0)
				return -1;
		} else if (c == '\\' && exim_esc(ps, ps->pos, 't')) {
			ps->pos += 2;
		} else if (c == '\\' && (exim_esc(ps, ps->pos, 'n') || exim_esc(ps, ps->pos, 'r'))) {
			if (exim_line_break(ps) < 0)
				return -1;
		} else if (c == '?' && (ps->flags & AUTHRES_F_POSTFIX_QQ)) {
			ps->pos++;
		} else {
			break;
		}
	}
	return 0;
}

/* Skip CFWS: white space, folds and comments. Called between any two symbols
 * of the grammar, so its fast path is inlined. */
static inline int skip_cfws(struct parser *ps)
{
	size_t p = ps->pos;
	unsigned char c;

	/* Most calls find a single space or nothing: no loop for those. Only a
	 * blank, "(", "\\", "?" or a byte of C_CSPEC (CR, LF, the controls, ")")
	 * can start more, or need a decision (a control, a stray ")"). */
	if (p < ps->len && ps->s[p] == ' ')
		p++;
	ps->pos = p;
	if (p >= ps->len)
		return 0;
	c = ps->s[p];
	if (!(cls[c] & C_CSPEC) && !is_wsp(c) && c != '?')
		return 0;
	return skip_cfws_slow(ps);
}

/* Read a run of class `mask` starting with a character of class `first`. */
static inline size_t read_word(struct parser *ps, unsigned first, unsigned mask, struct authres_span *out)
{
	/* Locals, not ps->pos: a store through ps may alias the bytes read. */
	const unsigned char *s = ps->s;
	size_t start = ps->pos, p, n = ps->len;

	if (start >= n || !(cls[s[start]] & first))
		return 0;
	for (p = start + 1; p < n && (cls[s[p]] & mask); p++)
		;
	ps->pos = p;
	out->p = (const char *)s + start;
	out->len = p - start;
	return out->len;
}

static size_t read_digits(struct parser *ps, struct authres_span *out)
{
	size_t start = ps->pos;

	while (ps->pos < ps->len && ps->s[ps->pos] >= '0' && ps->s[ps->pos] <= '9')
		ps->pos++;
	out->p = (const char *)ps->s + start;
	out->len = ps->pos - start;
	return out->len;
}

static int at(const struct parser *ps, unsigned char c)
{
	return ps->pos < ps->len && ps->s[ps->pos] == c;
}

/* "=" and the CFWS after it, as RFC 8601's grammar has it between a name and
 * its value; without the "=", error e. 0, or -1 with the error set. */
static int equals_sign(struct parser *ps, enum authres_error e)
{
	if (!at(ps, '='))
		return fail(ps, e);
	ps->pos++;
	return skip_cfws(ps);
}

/* The length of the unquoted value character at p (Exim's "\ooo" is one of
 * 4 bytes), or 0 if none starts there. */
static size_t pval_char(const struct parser *ps, size_t p)
{
	unsigned char c = ps->s[p];

	if (c == '?' && (ps->flags & AUTHRES_F_POSTFIX_QQ))
		return 0;
	if (cls[c] & C_PVAL)
		return 1;
	if (c == '\\' && (ps->flags & AUTHRES_F_EXIM_ESCAPES) && p + 3 < ps->len &&
	    ps->s[p + 1] >= '0' && ps->s[p + 1] <= '3' && ps->s[p + 2] >= '0' &&
	    ps->s[p + 2] <= '7' && ps->s[p + 3] >= '0' && ps->s[p + 3] <= '7')
		return 4;
	return 0;
}

/*
 * A property value after "=": [CFWS] (quoted-string / unquoted run), where
 * the run also takes the "/", ":", "=", "@" and UTF-8 real systems write
 * unquoted. It may be empty (Fastmail's "x-ptr-lookup=", "header.from=").
 */
static int read_pvalue(struct parser *ps, struct authres_span *out)
{
	size_t start, k;

	if (skip_cfws(ps) < 0)
		return -1;
	start = ps->pos;
	if (at(ps, '"')) {
		size_t a, b;

		if (skip_quoted(ps, &a, &b) < 0)
			return -1;
	}
	/* A run, or "quoted-local-part"@domain after a quoted string. */
	if (ps->pos == start || at(ps, '@')) {
		const unsigned char *s = ps->s;
		size_t p = ps->pos, n = ps->len;

		while (p < n) {
			unsigned char c = s[p];

			/* The common case first: one plain value byte. */
			if ((cls[c] & C_PVAL) && c != '?') {
				p++;
				continue;
			}
			k = pval_char(ps, p);
			if (k == 0)
				break;
			p += k;
		}
		ps->pos = p;
	}
	out->p = (const char *)ps->s + start;
	out->len = ps->pos - start;
	return 0;
}

/* The value as a policy word, without the quotes of a quoted string. */
static enum ar_policy span_policy(const struct authres_span *v)
{
	const unsigned char *s = (const unsigned char *)v->p;
	size_t n = v->len;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	return policy_word(s, n);
}

static int span_is_n(const struct authres_span *sp, const char *lit, size_t n)
{
	return sp->len == n && mem_eq_nocase(sp->p, lit, n);
}

/* Case-insensitive equality of a span and a string literal, its length known
 * at compile time. */
#define span_is(sp, lit) span_is_n((sp), "" lit "", sizeof(lit) - 1)

/* ------------------------------------------------------------------------ */
/* The grammar. */

struct sink {
	struct authres_header *h; /* results and properties go here if `store` */
	int store;
	struct authres_outcome *acc; /* kept results merge here if not NULL */
};

/* RI_SKIP: an element that is no result (Yahoo!'s legacy form): skipped. */
enum resinfo_kind { RI_RESULT, RI_NONE, RI_EMPTY, RI_SKIP };

static int add_prop(struct parser *ps, struct sink *sk, const struct authres_span *ptype,
                    const struct authres_span *prop, const struct authres_span *val)
{
	struct authres_header *h = sk->h;

	if (!sk->store)
		return 0;
	if (h->nprops >= AUTHRES_MAX_PROPS)
		return fail(ps, AUTHRES_E_CAPACITY);
	h->props[h->nprops].ptype = *ptype;
	h->props[h->nprops].property = *prop;
	h->props[h->nprops].value = *val;
	h->nprops++;
	return 0;
}

static int is_registered_ptype(const struct authres_span *w)
{
	return span_is(w, "smtp") || span_is(w, "header") || span_is(w, "body") ||
	       span_is(w, "policy");
}

/*
 * Yahoo!'s legacy form, still written by Yahoo! JAPAN's servers:
 *   "mta706.mail.djm.yahoo.co.jp  from=DOMAIN; domainkeys=pass (ok);
 *    dkim=pass (ok); header.i=@DOMAIN"
 *   "mta1328.mail.bf1.yahoo.com  from=DOMAIN; domainkeys=neutral (no sig);
 *    from=DOMAIN; dkim=neutral (no sig)"
 * A "from=VALUE" property (VALUE may be empty) stands after the authserv-id
 * and as an element of its own, and a "ptype.property=VALUE" can stand
 * alone after a ";". Neither is a result: at ps->pos (after CFWS), with the
 * first word in *name and read up to what follows it, read the rest of such
 * a property and its CFWS. Returns 1 if one was read, 0 if name does not
 * start one (nothing consumed), -1 on a malformed value.
 */
static int skip_legacy_property(struct parser *ps, const struct authres_span *name)
{
	struct authres_span prop, val;
	size_t save = ps->pos;
	const char *dot = memchr(name->p, '.', name->len);

	if (dot != NULL) {
		/* Read as one word where the method is read: "header.i". */
		struct authres_span ptype = { name->p, (size_t)(dot - name->p) };

		if (!is_registered_ptype(&ptype) || dot + 1 == name->p + name->len)
			return 0;
	} else if (at(ps, '.') && is_registered_ptype(name)) {
		ps->pos++;
		if (skip_cfws(ps) < 0)
			return -1;
		if (read_word(ps, C_ALNUM, C_KEY, &prop) == 0) {
			ps->pos = save;
			return 0;
		}
		if (skip_cfws(ps) < 0)
			return -1;
	} else if (!span_is(name, "from")) {
		return 0;
	}
	if (!at(ps, '=')) {
		ps->pos = save;
		return 0;
	}
	ps->pos++;
	if (read_pvalue(ps, &val) < 0 || skip_cfws(ps) < 0)
		return -1;
	return 1;
}

/*
 * One resinfo after its ";": methodspec [reasonspec] *propspec, with CFWS
 * anywhere between the symbols. Stops at the next top-level ";" or the end.
 */
static int parse_resinfo(struct parser *ps, struct sink *sk, struct authres_resinfo *ri,
                         enum resinfo_kind *kind)
{
	/* Field by field, not memset(): compilers make a memset() of this size
	 * a "rep stos", slow to start, and every result of every header comes
	 * here. (A field added to the struct is set here too.) */
	ri->method.p = ri->method_version.p = ri->result.p = ri->reason.p = NULL;
	ri->method.len = ri->method_version.len = ri->result.len = ri->reason.len = 0;
	ri->method_id = -1;
	ri->code = AR_ABSENT;
	ri->dmarc_policy = POL_ABSENT;
	ri->dmarc_disposition = POL_ABSENT;
	ri->prop_first = sk->h->nprops;
	ri->nprops = 0;
	ps->scan_comments = 0;
	ps->c_policy = ps->c_disp = POL_ABSENT;

	if (skip_cfws(ps) < 0)
		return -1;
	if (ps->pos >= ps->len) {
		*kind = RI_EMPTY; /* a trailing ";" */
		return 0;
	}
	if (read_word(ps, C_ALNUM, C_METHOD, &ri->method) == 0)
		return fail(ps, at(ps, ')') ? AUTHRES_E_COMMENT : AUTHRES_E_METHOD);
	if (skip_cfws(ps) < 0)
		return -1;
	if (span_is(&ri->method, "none") && !at(ps, '=') && !at(ps, '/')) {
		*kind = RI_NONE;
		return 0;
	}
	/* Only "from" or "ptype.property" can start one: the common "dkim",
	 * "spf", "dmarc" pass by on a compare or their length. */
	switch ((ri->method.len == 4 && span_is(&ri->method, "from")) ||
	                (ri->method.len >= 6 && memchr(ri->method.p, '.', ri->method.len) != NULL)
	                ? skip_legacy_property(ps, &ri->method)
	                : 0) {
	case -1:
		return -1;
	case 1:
		if (ps->pos < ps->len && !at(ps, ';'))
			return fail(ps, AUTHRES_E_SEMICOLON);
		ri->method.p = NULL;
		ri->method.len = 0;
		*kind = RI_SKIP;
		return 0;
	default:
		break;
	}
	if (at(ps, '/')) {
		ps->pos++;
		if (skip_cfws(ps) < 0)
			return -1;
		if (read_digits(ps, &ri->method_version) == 0 ||
		    (ps->pos < ps->len && (cls[ps->s[ps->pos]] & C_TOKEN)))
			return fail(ps, AUTHRES_E_METHOD_VERSION);
		if (skip_cfws(ps) < 0)
			return -1;
	}
	if (equals_sign(ps, AUTHRES_E_EQUALS) < 0)
		return -1;
	if (read_word(ps, C_ALNUM, C_KEY, &ri->result) == 0)
		return fail(ps, AUTHRES_E_RESULT);
	ri->method_id = method_of(ri->method.p, ri->method.len);
	if (authres_result_code(ri->method_id, ri->result.p, ri->result.len, &ri->code) < 0)
		ri->code = AR_ABSENT;
	ps->scan_comments = ri->method_id == AR_DMARC;
	*kind = RI_RESULT;

	for (;;) {
		struct authres_span name, prop, val;
		static const struct authres_span none = { NULL, 0 };

		if (skip_cfws(ps) < 0)
			return -1;
		if (ps->pos >= ps->len || at(ps, ';'))
			break;
		if (read_word(ps, C_ALNUM, C_KEY, &name) == 0)
			return fail(ps, at(ps, ')') ? AUTHRES_E_COMMENT : AUTHRES_E_PROPERTY);
		if (skip_cfws(ps) < 0)
			return -1;
		if (at(ps, '.')) {
			/* ptype "." property "=" pvalue */
			ps->pos++;
			if (skip_cfws(ps) < 0)
				return -1;
			if (read_word(ps, C_ALNUM, C_KEY, &prop) == 0)
				return fail(ps, AUTHRES_E_PROPERTY);
			if (skip_cfws(ps) < 0)
				return -1;
			if (!at(ps, '='))
				return fail(ps, AUTHRES_E_PROPERTY);
			ps->pos++;
			if (read_pvalue(ps, &val) < 0)
				return -1;
			if (add_prop(ps, sk, &name, &prop, &val) < 0)
				return -1;
			if (ri->method_id == AR_DMARC && span_is(&name, "policy")) {
				if (span_is(&prop, "published-domain-policy"))
					ri->dmarc_policy = span_policy(&val);
				else if (span_is(&prop, "applied-disposition"))
					ri->dmarc_disposition = span_policy(&val);
			}
		} else if (at(ps, '=') && span_is(&name, "reason")) {
			ps->pos++;
			if (read_pvalue(ps, &val) < 0)
				return -1;
			if (val.len == 0)
				return fail(ps, AUTHRES_E_REASON);
			if (ri->reason.len == 0)
				ri->reason = val;
		} else if (at(ps, '=') && !is_registered_ptype(&name)) {
			/* A vendor's "name=value" without a ptype (action=, x-bits=). */
			ps->pos++;
			if (read_pvalue(ps, &val) < 0)
				return -1;
			if (add_prop(ps, sk, &none, &name, &val) < 0)
				return -1;
			if (ri->method_id == AR_DMARC && span_is(&name, "action"))
				ri->dmarc_disposition = span_policy(&val);
		} else {
			return fail(ps, span_is(&name, "reason") ? AUTHRES_E_REASON : AUTHRES_E_PROPERTY);
		}
	}
	if (ri->method_id == AR_DMARC) {
		/* A property says it more precisely than a comment does. */
		if (ri->dmarc_policy == POL_ABSENT)
			ri->dmarc_policy = ps->c_policy;
		if (ri->dmarc_disposition == POL_ABSENT)
			ri->dmarc_disposition = ps->c_disp;
		/* dmarc=none is "no policy record published" (RFC 7489 section
		 * 11.2); OpenDMARC still prints "p=none" from the empty record.
		 * Counting it would inflate the p=none share, as its own log line
		 * ("QID: DOMAIN none") carries no policy either. */
		if (ri->code == AR_NONE)
			ri->dmarc_policy = POL_ABSENT;
	}
	ri->nprops = sk->h->nprops - ri->prop_first;
	return 0;
}

/*
 * 1 if a ";" outside comments and quoted strings follows position p: then
 * whatever failed before it was not the logger's cut.
 */
static int semicolon_follows(const struct parser *ps, size_t p)
{
	const unsigned char *s = ps->s;
	unsigned long depth = 0;
	int quoted = 0;

	for (; p < ps->len; p++) {
		unsigned char c = s[p];

		if (c == '\\') {
			p++;
		} else if (quoted) {
			if (c == '"')
				quoted = 0;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (depth > 0)
				depth--;
		} else if (depth == 0 && c == '"') {
			quoted = 1;
		} else if (depth == 0 && c == ';') {
			return 1;
		}
	}
	return 0;
}

/* One resinfo as an outcome: its method's result, or an unknown keyword. */
static void resinfo_outcome(const struct authres_resinfo *ri, struct authres_outcome *one)
{
	authres_outcome_init(one);
	if (ri->method_id >= 0 && ri->method_id < AR_METHOD_COUNT) {
		if (ri->code != AR_ABSENT)
			one->result[ri->method_id] = ri->code;
		else
			one->unknown = 1;
	}
	if (ri->method_id == AR_DMARC) {
		one->dmarc_policy = ri->dmarc_policy;
		one->dmarc_disposition = ri->dmarc_disposition;
	}
}

/*
 * authres_outcome_merge(acc, resinfo_outcome(ri)) without building the
 * outcome in between, all of whose methods but one are absent (as every
 * result of every header comes here): the same rule, for that one method.
 */
static void outcome_add(struct authres_outcome *acc, const struct authres_resinfo *ri)
{
	int m = ri->method_id;

	if (m >= 0 && m < AR_METHOD_COUNT) {
		if (ri->code == AR_ABSENT)
			acc->unknown++;
		else
			merge_result(acc, m, ri->code);
	}
	if (m == AR_DMARC)
		merge_policy(acc, ri->dmarc_policy, ri->dmarc_disposition);
}

static void emit(struct sink *sk, const struct authres_resinfo *ri)
{
	struct authres_header *h = sk->h;

	if (sk->store)
		h->results[h->nresults] = *ri;
	h->nresults++;
	if (sk->acc != NULL)
		outcome_add(sk->acc, ri);
}

void authres_header_outcome(const struct authres_header *h, struct authres_outcome *out)
{
	size_t i;

	authres_outcome_init(out);
	for (i = 0; i < h->nresults && i < AUTHRES_MAX_RESULTS; i++) {
		struct authres_outcome one;

		resinfo_outcome(&h->results[i], &one);
		authres_outcome_merge(out, &one);
	}
	out->truncated = (unsigned)h->truncated;
}

/* "i=N;" of ARC-Authentication-Results (RFC 8617 section 4.1.1). */
static int parse_instance(struct parser *ps, struct authres_header *h)
{
	if (skip_cfws(ps) < 0)
		return -1;
	if (!(at(ps, 'i') || at(ps, 'I')))
		return fail(ps, AUTHRES_E_INSTANCE);
	ps->pos++;
	if (skip_cfws(ps) < 0)
		return -1;
	if (equals_sign(ps, AUTHRES_E_INSTANCE) < 0)
		return -1;
	if (read_digits(ps, &h->instance) == 0)
		return fail(ps, AUTHRES_E_INSTANCE);
	if (skip_cfws(ps) < 0)
		return -1;
	if (!at(ps, ';'))
		return fail(ps, AUTHRES_E_INSTANCE);
	ps->pos++;
	return 0;
}

/* authserv-id [CFWS version] [CFWS], up to the first ";" (not consumed). */
static int parse_preamble(struct parser *ps, struct authres_header *h)
{
	if ((ps->flags & AUTHRES_F_AAR) && parse_instance(ps, h) < 0)
		return -1;
	if (skip_cfws(ps) < 0)
		return -1;
	if (ps->pos >= ps->len)
		return fail(ps, AUTHRES_E_EMPTY);
	if (at(ps, '"')) {
		size_t a, b;

		if (skip_quoted(ps, &a, &b) < 0)
			return -1;
		h->authserv_id.p = (const char *)ps->s + a;
		h->authserv_id.len = b - a;
		h->authserv_id_quoted = 1;
		if (b == a)
			return fail_at(ps, AUTHRES_E_AUTHSERV_ID, a);
	} else if (read_word(ps, C_TOKEN, C_TOKEN, &h->authserv_id) == 0) {
		return fail(ps, AUTHRES_E_AUTHSERV_ID);
	}
	if (skip_cfws(ps) < 0)
		return -1;
	if (ps->pos < ps->len && ps->s[ps->pos] >= '0' && ps->s[ps->pos] <= '9') {
		read_digits(ps, &h->version);
		if (ps->pos < ps->len && (cls[ps->s[ps->pos]] & C_TOKEN))
			return fail(ps, AUTHRES_E_VERSION);
		if (skip_cfws(ps) < 0)
			return -1;
	}
	/* Yahoo!'s legacy "authserv-id from=DOMAIN;" (skip_legacy_property()). */
	while (ps->pos < ps->len && !at(ps, ';') && (cls[ps->s[ps->pos]] & C_ALNUM)) {
		struct authres_span name;
		size_t save = ps->pos;
		int r;

		if (read_word(ps, C_ALNUM, C_KEY, &name) == 0 || skip_cfws(ps) < 0)
			return -1;
		r = skip_legacy_property(ps, &name);
		if (r < 0)
			return -1;
		if (r == 0) {
			ps->pos = save;
			break;
		}
	}
	if (!at(ps, ';'))
		return fail(ps, ps->pos < ps->len && (cls[ps->s[ps->pos]] & C_TOKEN)
		                        ? AUTHRES_E_VERSION
		                        : AUTHRES_E_SEMICOLON);
	return 0;
}

/* After "none": only CFWS, or a trailing ";", may follow. */
static int finish_none(struct parser *ps)
{
	if (skip_cfws(ps) < 0)
		return -1;
	if (at(ps, ';')) {
		ps->pos++;
		if (skip_cfws(ps) < 0)
			return -1;
	}
	if (ps->pos < ps->len)
		return fail(ps, AUTHRES_E_NONE_ALONE);
	return 0;
}

/* The logger's cut: the last resinfo may be anything; drop it and say so. */
static int drop_cut(struct parser *ps, struct authres_header *h, size_t prop_first, size_t rstart)
{
	ps->err = AUTHRES_E_NONE;
	h->nprops = prop_first;
	h->truncated = 1;
	h->cut.p = (const char *)ps->s + rstart;
	h->cut.len = ps->len - rstart;
	ps->pos = ps->len;
	return 0;
}

static int parse_value(struct parser *ps, struct sink *sk)
{
	struct authres_header *h = sk->h;
	int truncated_mode = (ps->flags & AUTHRES_F_TRUNCATED) != 0;

	if (parse_preamble(ps, h) < 0) {
		/* Cut before the first ";": the authserv-id itself may be cut. */
		if (truncated_mode && ps->err != AUTHRES_E_EMPTY && !semicolon_follows(ps, 0)) {
			ps->err = AUTHRES_E_NONE;
			return fail(ps, AUTHRES_E_TRUNCATED);
		}
		return -1;
	}
	while (ps->pos < ps->len) {
		struct authres_resinfo ri;
		enum resinfo_kind kind;
		size_t rstart, prop_first = h->nprops;

		ps->pos++; /* the ";" */
		rstart = ps->pos;
		if (parse_resinfo(ps, sk, &ri, &kind) < 0) {
			if (truncated_mode && !semicolon_follows(ps, rstart))
				return drop_cut(ps, h, prop_first, rstart);
			return -1;
		}
		if (kind == RI_EMPTY)
			break;
		if (kind == RI_SKIP)
			continue;
		if (truncated_mode && ps->pos >= ps->len)
			return drop_cut(ps, h, prop_first, rstart);
		if (kind == RI_NONE) {
			if (h->nresults > 0)
				return fail_at(ps, AUTHRES_E_NONE_ALONE, rstart);
			h->no_result = 1;
			return finish_none(ps);
		}
		if (sk->store && h->nresults >= AUTHRES_MAX_RESULTS)
			return fail_at(ps, AUTHRES_E_CAPACITY, rstart);
		emit(sk, &ri);
	}
	return 0;
}

static void header_init(struct authres_header *h)
{
	static const struct authres_span none = { NULL, 0 };

	h->instance = none;
	h->authserv_id = none;
	h->authserv_id_quoted = 0;
	h->version = none;
	h->no_result = 0;
	h->truncated = 0;
	h->cut = none;
	h->nresults = 0;
	h->nprops = 0;
	h->error = AUTHRES_E_NONE;
	h->error_offset = 0;
}

static int run(const char *v, size_t len, unsigned flags, struct sink *sk)
{
	struct parser ps;

	memset(&ps, 0, sizeof(ps));
	ps.s = (const unsigned char *)v;
	ps.len = v != NULL ? len : 0;
	ps.flags = flags;
	header_init(sk->h);
	if (parse_value(&ps, sk) < 0) {
		sk->h->error = ps.err != AUTHRES_E_NONE ? ps.err : AUTHRES_E_EMPTY;
		sk->h->error_offset = ps.err_pos;
		return -1;
	}
	return 0;
}

int authres_header_parse(const char *v, size_t len, unsigned flags, struct authres_header *h)
{
	struct sink sk = { h, 1, NULL };

	return run(v, len, flags, &sk);
}

/* Compare an authserv-id as written (quoted-pairs undone if quoted) with want. */
static int id_eq(const char *id, size_t len, int quoted, const char *want)
{
	size_t i, j = 0;

	if (!quoted)
		return str_eq_nocase(id, len, want);
	for (i = 0; i < len; i++, j++) {
		unsigned char a, b;

		if (id[i] == '\\' && i + 1 < len)
			i++;
		if (want[j] == '\0')
			return 0;
		a = (unsigned char)id[i];
		b = (unsigned char)want[j];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return want[j] == '\0';
}

static int trust_match(const struct authres_trust *trust, const char *id, size_t len, int quoted)
{
	size_t i;

	if (trust == NULL)
		return 1;
	for (i = 0; i < trust->n; i++) {
		if (trust->ids[i] != NULL && id_eq(id, len, quoted, trust->ids[i]))
			return 1;
	}
	return 0;
}

int authres_trust_match(const struct authres_trust *trust, const char *id, size_t len)
{
	return trust_match(trust, id, len, 0);
}

int authres_header_trusted(const struct authres_header *h, const struct authres_trust *trust)
{
	return trust_match(trust, h->authserv_id.p, h->authserv_id.len, h->authserv_id_quoted);
}

enum authres_status authres_parse_ex(const char *v, size_t len, unsigned flags,
                                     const struct authres_trust *trust,
                                     struct authres_outcome *out)
{
	/*
	 * Only the preamble and counts of h are used: results merge into acc as
	 * they are read, so no header has too many results for this path.
	 */
	struct authres_header h;
	struct authres_outcome acc;
	struct sink sk = { &h, 0, &acc };

	authres_outcome_init(&acc);
	if (run(v, len, flags, &sk) < 0)
		return AUTHRES_MALFORMED;
	if (!authres_header_trusted(&h, trust))
		return AUTHRES_UNTRUSTED;
	acc.truncated = (unsigned)h.truncated;
	*out = acc;
	return AUTHRES_OK;
}

enum authres_status authres_parse(const char *v, size_t len, int truncated,
                                  const struct authres_trust *trust, struct authres_outcome *out)
{
	return authres_parse_ex(v, len, truncated ? AUTHRES_F_TRUNCATED : 0u, trust, out);
}

/* ------------------------------------------------------------------------ */
/* Received-SPF (RFC 7208 section 9.1):
 *   [CFWS] result FWS [comment FWS] [key-value-list]
 *   key-value-pair = key [CFWS] "=" ( dot-atom / quoted-string )
 * Values are read as runs up to white space or ";", because receivers write
 * "receiver=<UNKNOWN>" and "envelope-from=<>". */

static int rspf_value_char(const struct parser *ps, size_t p)
{
	unsigned char c = ps->s[p];

	if (c == '?' && (ps->flags & AUTHRES_F_POSTFIX_QQ))
		return 0;
	return c > 0x20 && c != 0x7f && c != ';' && c != '(' && c != '"' &&
	       !(c == '\\' && (ps->flags & AUTHRES_F_EXIM_ESCAPES));
}

static int rspf_pairs(struct parser *ps, struct authres_received_spf *out)
{
	for (;;) {
		struct authres_span key, val;
		size_t start;

		if (skip_cfws(ps) < 0)
			return -1;
		if (ps->pos >= ps->len)
			return 0;
		if (read_word(ps, C_ALNUM, C_METHOD, &key) == 0)
			return fail(ps, AUTHRES_E_PROPERTY);
		if (skip_cfws(ps) < 0)
			return -1;
		if (equals_sign(ps, AUTHRES_E_PROPERTY) < 0)
			return -1;
		start = ps->pos;
		if (at(ps, '"')) {
			size_t a, b;

			if (skip_quoted(ps, &a, &b) < 0)
				return -1;
		} else {
			while (ps->pos < ps->len && rspf_value_char(ps, ps->pos))
				ps->pos++;
		}
		val.p = (const char *)ps->s + start;
		val.len = ps->pos - start;
		if (span_is(&key, "receiver"))
			out->receiver = val;
		else if (span_is(&key, "identity"))
			out->identity = val;
		else if (span_is(&key, "client-ip"))
			out->client_ip = val;
		else if (span_is(&key, "envelope-from"))
			out->envelope_from = val;
		else if (span_is(&key, "helo"))
			out->helo = val;
		if (skip_cfws(ps) < 0)
			return -1;
		if (at(ps, ';'))
			ps->pos++;
		else if (ps->pos < ps->len)
			return fail(ps, AUTHRES_E_SEMICOLON);
	}
}

int authres_received_spf_parse(const char *v, size_t len, unsigned flags,
                               struct authres_received_spf *out, enum authres_error *err)
{
	static const struct authres_span none = { NULL, 0 };
	struct parser ps;
	int rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.s = (const unsigned char *)v;
	ps.len = v != NULL ? len : 0;
	ps.flags = flags;
	out->result = out->receiver = out->identity = none;
	out->client_ip = out->envelope_from = out->helo = none;
	out->code = AR_ABSENT;
	if (skip_cfws(&ps) < 0)
		goto out;
	if (ps.pos >= ps.len) {
		fail(&ps, AUTHRES_E_EMPTY);
		goto out;
	}
	if (read_word(&ps, C_ALNUM, C_KEY, &out->result) == 0) {
		fail(&ps, AUTHRES_E_RESULT);
		goto out;
	}
	/* A cut right after the result may have cut the keyword itself. */
	if ((flags & AUTHRES_F_TRUNCATED) && ps.pos >= ps.len) {
		fail(&ps, AUTHRES_E_TRUNCATED);
		goto out;
	}
	if (authres_result_code(AR_SPF, out->result.p, out->result.len, &out->code) < 0) {
		fail_at(&ps, AUTHRES_E_RESULT, (size_t)(out->result.p - v));
		goto out;
	}
	if (ps.pos < ps.len && !is_wsp(ps.s[ps.pos]) && ps.s[ps.pos] != '(' &&
	    ps.s[ps.pos] != '\r' && ps.s[ps.pos] != '\n' && ps.s[ps.pos] != ';' &&
	    !exim_esc(&ps, ps.pos, 't') && !exim_esc(&ps, ps.pos, 'n') &&
	    !(ps.s[ps.pos] == '?' && (flags & AUTHRES_F_POSTFIX_QQ))) {
		fail(&ps, AUTHRES_E_RESULT);
		goto out;
	}
	if (at(&ps, ';'))
		ps.pos++;
	/* The key-value list only adds detail: a cut one still leaves the result. */
	if (rspf_pairs(&ps, out) < 0 && !(flags & AUTHRES_F_TRUNCATED))
		goto out;
	rc = 0;
out:
	if (err != NULL)
		*err = rc == 0 ? AUTHRES_E_NONE : ps.err;
	return rc;
}

enum authres_status authres_received_spf_outcome(const char *v, size_t len, unsigned flags,
                                                 const struct authres_trust *trust,
                                                 struct authres_outcome *out)
{
	struct authres_received_spf r;

	if (authres_received_spf_parse(v, len, flags, &r, NULL) < 0)
		return AUTHRES_MALFORMED;
	if (trust != NULL && (r.receiver.len == 0 || !authres_trust_match(trust, r.receiver.p,
	                                                                   r.receiver.len)))
		return AUTHRES_UNTRUSTED;
	authres_outcome_init(out);
	out->result[AR_SPF] = r.code;
	return AUTHRES_OK;
}

/* ------------------------------------------------------------------------ */

/* Case-insensitive match of name against pat with at most one "*" (1+ chars). */
static int name_match(const char *name, size_t len, const char *pat)
{
	const char *star = strchr(pat, '*');
	size_t pl, sl;

	if (star == NULL)
		return str_eq_nocase(name, len, pat);
	pl = (size_t)(star - pat);
	sl = strlen(star + 1);
	if (len < pl + sl + 1)
		return 0;
	return mem_eq_nocase(name, pat, pl) && mem_eq_nocase(name + len - sl, star + 1, sl);
}

enum authres_kind authres_header_kind(const char *name, size_t len, const char *const *extra,
                                      size_t nextra)
{
	size_t i;

	if (str_eq_nocase(name, len, "Authentication-Results"))
		return AUTHRES_KIND_AR;
	if (str_eq_nocase(name, len, "ARC-Authentication-Results"))
		return AUTHRES_KIND_AAR;
	if (str_eq_nocase(name, len, "Received-SPF"))
		return AUTHRES_KIND_RECEIVED_SPF;
	for (i = 0; i < nextra; i++) {
		if (extra[i] != NULL && name_match(name, len, extra[i]))
			return AUTHRES_KIND_AR;
	}
	return AUTHRES_KIND_OTHER;
}
