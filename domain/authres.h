/*
 * authres - reading Authentication-Results header values (RFC 8601 section
 * 2.2), ARC-Authentication-Results (RFC 8617 section 4.1.1) and Received-SPF
 * (RFC 7208 section 9.1), and the one place where the results of a message
 * become one outcome per method.
 *
 * Two layers:
 *   - authres_header_parse() turns a value into the authserv-id, the optional
 *     version and every resinfo (method/version, result, reason, properties)
 *     with spans into the caller's text. It never reads outside v[0..len),
 *     never allocates (the result struct has fixed capacity), and reports the
 *     first thing it could not parse with a reason and an offset.
 *   - authres_parse_ex() applies the trust rule of RFC 8601 sections 5 and
 *     7.1 and merges the results into a struct authres_outcome, the counts'
 *     vocabulary (domain/result.h). authres_parse() is the older form of it.
 *
 * What is accepted beyond the RFC's grammar (each tolerated because real
 * carriers emit it, each unambiguous): a trailing ";", a result of "none"
 * (no-result) followed by a ";"; vendor "name=value" properties without a
 * ptype (Microsoft's action=, compauth=, Fastmail's x-bits=); unquoted "/",
 * ":", "=" and "@" and UTF-8 in property values; "_" in keywords
 * (Yahoo's dkim_pass); "." in method names (Google's gateway.spf); a reason
 * after the properties; CRLF or bare LF line breaks when followed by white
 * space (folding), and at the very end. Everything else is an error.
 */
#ifndef ARSTAT_AUTHRES_H
#define ARSTAT_AUTHRES_H

#include <stddef.h>

#include "result.h"

/* Flags for authres_parse_ex() and authres_header_parse(). */
/* The logger may have cut the value short (Postfix header_checks INFO prints
 * at most 200 characters): results complete before the last top-level ";"
 * count, the last one is dropped and reported (it may be "dkim=pa"). */
#define AUTHRES_F_TRUNCATED 0x01u
/* Exim's logwrite printed the line breaks and tabs of a folded header as the
 * two characters "\n", "\r", "\t" (and other bytes as "\ooo"). */
#define AUTHRES_F_EXIM_ESCAPES 0x02u
/* Postfix printed the line breaks and tabs of a folded header as "?" (so a
 * fold reads "??" or "? "); outside comments and quoted strings "?" is then
 * white space. */
#define AUTHRES_F_POSTFIX_QQ 0x04u
/* The value is an ARC-Authentication-Results one: "i=N;" comes first. */
#define AUTHRES_F_AAR 0x08u

struct authres_trust {
	const char *const *ids; /* authserv-ids, compared case-insensitively */
	size_t n;
};

struct authres_outcome {
	enum ar_result result[AR_METHOD_COUNT]; /* AR_ABSENT where no result */
	enum ar_policy dmarc_policy;            /* published policy; POL_ABSENT where not given or dmarc=none */
	enum ar_policy dmarc_disposition;       /* applied disposition (dis=, action=); POL_ABSENT */
	unsigned truncated; /* results dropped because the logger cut them (AUTHRES_F_TRUNCATED) */
	unsigned unknown;   /* results of spf/dkim/dmarc/arc with a keyword we do not know */
};

enum authres_status {
	AUTHRES_OK = 0,
	AUTHRES_UNTRUSTED, /* well-formed, but the authserv-id is not ours */
	AUTHRES_MALFORMED, /* cannot be read; nothing from it counts */
};

enum authres_error {
	AUTHRES_E_NONE = 0,
	AUTHRES_E_EMPTY,          /* nothing but white space and comments */
	AUTHRES_E_INSTANCE,       /* ARC "i=N;" missing or bad */
	AUTHRES_E_AUTHSERV_ID,    /* no authserv-id (token or quoted-string) */
	AUTHRES_E_VERSION,        /* text after the authserv-id that is not a version */
	AUTHRES_E_SEMICOLON,      /* the value ends, or has text, where ";" must come */
	AUTHRES_E_METHOD,         /* no method where one must start */
	AUTHRES_E_METHOD_VERSION, /* "method/" not followed by digits */
	AUTHRES_E_EQUALS,         /* no "=" after the method */
	AUTHRES_E_RESULT,         /* no result keyword after "method=" */
	AUTHRES_E_REASON,         /* "reason" without "=" value */
	AUTHRES_E_PROPERTY,       /* text where "ptype.property=value" must come */
	AUTHRES_E_NONE_ALONE,     /* "none" together with results */
	AUTHRES_E_COMMENT,        /* unterminated comment, or ")" without "(" */
	AUTHRES_E_QUOTE,          /* unterminated quoted string */
	AUTHRES_E_FOLD,           /* line break not followed by white space, or a lone CR */
	AUTHRES_E_CONTROL,        /* a control character (NUL, ESC, ...) */
	AUTHRES_E_TRUNCATED,      /* AUTHRES_F_TRUNCATED and cut before the first ";" */
	AUTHRES_E_CAPACITY,       /* more than AUTHRES_MAX_RESULTS or AUTHRES_MAX_PROPS */
	AUTHRES_E_COUNT
};

/* A short lowercase name for an error ("unterminated-comment"); never NULL. */
const char *authres_error_name(enum authres_error e);

/* A slice of the caller's text, exactly as written (nothing unescaped). */
struct authres_span {
	const char *p;
	size_t len;
};

struct authres_prop {
	struct authres_span ptype;    /* "smtp", "header", "body", "policy" or other; len 0 for a
	                               * vendor's ptype-less "name=value" */
	struct authres_span property; /* "mailfrom", "d", ... (or the name of a ptype-less one) */
	struct authres_span value;    /* as written; a quoted-string keeps its quotes; may be empty */
};

struct authres_resinfo {
	struct authres_span method;         /* as written, e.g. "DKIM" */
	struct authres_span method_version; /* digits, len 0 if none */
	struct authres_span result;         /* keyword as written, e.g. "hardfail" */
	struct authres_span reason;         /* value of reason= as written, len 0 if none */
	int method_id;                      /* enum ar_method, or -1 for methods not counted */
	enum ar_result code;                /* normalised result; AR_ABSENT if not a known keyword */
	enum ar_policy dmarc_policy;        /* dmarc only: published policy; POL_ABSENT for dmarc=none */
	enum ar_policy dmarc_disposition;   /* dmarc only: applied disposition, else POL_ABSENT */
	size_t prop_first, nprops;          /* its properties: props[prop_first .. +nprops) */
};

#define AUTHRES_MAX_RESULTS 64
#define AUTHRES_MAX_PROPS 256

struct authres_header {
	struct authres_span instance;    /* AUTHRES_F_AAR: the digits of "i=N", else len 0 */
	struct authres_span authserv_id; /* without the quotes of a quoted-string */
	int authserv_id_quoted;          /* 1 if written as a quoted-string */
	struct authres_span version;     /* digits, len 0 if none */
	int no_result;                   /* 1 if the header said "none" */
	int truncated;                   /* 1 if the cut last result was dropped */
	struct authres_span cut;         /* the dropped text, from after its ";" */
	size_t nresults;
	struct authres_resinfo results[AUTHRES_MAX_RESULTS];
	size_t nprops;
	struct authres_prop props[AUTHRES_MAX_PROPS];
	enum authres_error error; /* AUTHRES_E_NONE on success */
	size_t error_offset;      /* where in v the parser stopped on an error */
};

/*
 * struct authres_header is about 20 KB (fixed capacity, no allocation inside):
 * a long-lived program allocates it once and reuses it. (authres_parse_ex()
 * keeps one on its stack but fills only its first fields.)
 *
 * Parse the header value v[0..len) (everything after "Name:") with the given
 * AUTHRES_F_* flags. Returns 0 with *h filled, or -1 with h->error and
 * h->error_offset set (the other fields are then unspecified). Spans point
 * into v, which must outlive their use. No allocation; reads only v[0..len).
 */
int authres_header_parse(const char *v, size_t len, unsigned flags, struct authres_header *h);

/*
 * 1 if the authserv-id of h is in the trust set (case-insensitive, the
 * content of a quoted-string with its quoted-pairs undone), else 0. A NULL
 * trust trusts every authserv-id (tools and tests only; the collector always
 * configures its set, RFC 8601 section 5).
 */
int authres_header_trusted(const struct authres_header *h, const struct authres_trust *trust);

/* 1 if id[0..len) is in the trust set (see authres_header_trusted), else 0. */
int authres_trust_match(const struct authres_trust *trust, const char *id, size_t len);

/* The merged outcome of a header parsed by authres_header_parse() (trust is
 * the caller's to check), by the same rule as authres_parse_ex(). */
void authres_header_outcome(const struct authres_header *h, struct authres_outcome *out);

/* All methods absent, no policy, no counts. */
void authres_outcome_init(struct authres_outcome *o);

/*
 * Read the header value v[0..len) with AUTHRES_F_* flags. AUTHRES_OK: *out is
 * set to the merged outcome of all its results (out->truncated tells whether
 * the logger's cut dropped one). AUTHRES_UNTRUSTED: well-formed, the
 * authserv-id is not in `trust` (NULL trusts all); *out untouched.
 * AUTHRES_MALFORMED: nothing counts; *out untouched.
 */
enum authres_status authres_parse_ex(const char *v, size_t len, unsigned flags,
                                     const struct authres_trust *trust,
                                     struct authres_outcome *out);

/* authres_parse_ex() with AUTHRES_F_TRUNCATED if `truncated` is set. */
enum authres_status authres_parse(const char *v, size_t len, int truncated,
                                  const struct authres_trust *trust, struct authres_outcome *out);

/*
 * The per-method outcome rule, applied in this one place: a message may carry
 * several results for a method (two DKIM signatures, two tiers). The outcome
 * is the most significant one: pass > fail > softfail > neutral > policy >
 * permerror > temperror > none > absent. So DKIM passes if any signature
 * passes, and otherwise shows its most significant failure. The DMARC policy
 * and disposition are the strongest seen (reject > quarantine > none). The
 * truncated and unknown counts add up.
 */
void authres_outcome_merge(struct authres_outcome *acc, const struct authres_outcome *in);

/*
 * A result keyword in the counts' vocabulary: the RFC 8601 section 2.7 names
 * (any case) and the aliases real systems write: hardfail (RFC 5451, Japanese
 * carriers) = fail; tempfail, timeout = temperror; permfail = permerror; for
 * DMARC, Microsoft's bestguesspass (no policy published) = none. Returns 0
 * and *out, or -1 for anything else (dkim_pass, success, ...).
 */
int authres_result_code(int method_id, const char *s, size_t len, enum ar_result *out);

/* Received-SPF (RFC 7208 section 9.1). */
struct authres_received_spf {
	struct authres_span result;   /* keyword as written, e.g. "Pass" */
	enum ar_result code;          /* normalised */
	struct authres_span receiver; /* receiver= value, len 0 if absent */
	struct authres_span identity, client_ip, envelope_from, helo; /* len 0 if absent */
};

/*
 * Parse a Received-SPF value v[0..len): result [comment] [key=value; ...].
 * Honours AUTHRES_F_TRUNCATED (a cut key-value list is fine: only the result
 * counts), AUTHRES_F_EXIM_ESCAPES and AUTHRES_F_POSTFIX_QQ. Returns 0 and
 * *out, or -1 and *err (an unknown result keyword is AUTHRES_E_RESULT).
 */
int authres_received_spf_parse(const char *v, size_t len, unsigned flags,
                               struct authres_received_spf *out, enum authres_error *err);

/*
 * Received-SPF as a source of the SPF result: AUTHRES_OK sets *out to one SPF
 * result (other methods absent). Such a header has no authserv-id; it is
 * trusted when its receiver= is in `trust` (NULL trusts all), as the receiver
 * is the host that checked (RFC 7208 section 9.1). Otherwise as
 * authres_parse_ex().
 */
enum authres_status authres_received_spf_outcome(const char *v, size_t len, unsigned flags,
                                                 const struct authres_trust *trust,
                                                 struct authres_outcome *out);

enum authres_kind {
	AUTHRES_KIND_OTHER = 0,
	AUTHRES_KIND_AR,           /* Authentication-Results, or a configured vendor name */
	AUTHRES_KIND_AAR,          /* ARC-Authentication-Results (parse with AUTHRES_F_AAR) */
	AUTHRES_KIND_RECEIVED_SPF, /* Received-SPF */
};

/*
 * What a header named name[0..len) is. `extra` lists vendor names that also
 * carry Authentication-Results (e.g. "X-Example-Authentication-Results"),
 * compared case-insensitively; one "*" in an entry matches one or more
 * characters ("X-*-Authentication-Results"). extra may be NULL when nextra is 0.
 */
enum authres_kind authres_header_kind(const char *name, size_t len, const char *const *extra,
                                      size_t nextra);

#endif
