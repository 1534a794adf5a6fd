/*
 * arstat-authres - read Authentication-Results headers, one per input line,
 * and print what arstat's parser (domain/authres.h) makes of each: for
 * operators checking their carriers' headers, and for differential testing
 * against other parsers.
 *
 * Input: lines from the files named on the command line, or standard input.
 * A line is "Name: value" (Authentication-Results, ARC-Authentication-Results,
 * Received-SPF, or a name given with --name) or a bare Authentication-Results
 * value. Output: exactly one line per input line, in input order:
 *
 *   authserv=<id> spf=<r> dkim=<r> dmarc=<r> arc=<r> policy=<p> trusted=<yes|no>
 *   error=<short-reason>
 *
 * Trust: every input line is untrusted data; lines are bounded (--max-line),
 * an overlong one prints error=overlong. The command line is trusted.
 * Privileges: none; it reads its input and writes standard output only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "authres.h"
#include "linereader.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"

#define DEFAULT_MAX_LINE (256 * 1024)

struct opts {
	const char **trust; /* --trust IDs; NULL when every authserv-id is trusted */
	size_t ntrust;
	const char **names; /* --name: extra header names carrying Authentication-Results */
	size_t nnames;
	int all;
	unsigned flags;
	int escaped;
	size_t max_line;
};

static const struct option longopts[] = {
	{ "trust", required_argument, NULL, 'T' },
	{ "all", no_argument, NULL, 'a' },
	{ "cut", no_argument, NULL, 'c' },
	{ "name", required_argument, NULL, 'n' },
	{ "escaped", no_argument, NULL, 'e' },
	{ "exim", no_argument, NULL, 'x' },
	{ "postfix", no_argument, NULL, 'p' },
	{ "max-line", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *fp)
{
	fputs("usage: arstat-authres [options] [FILE...]\n"
	      "\n"
	      "Reads one header per line (\"Name: value\" or a bare Authentication-Results\n"
	      "value) from the FILEs or standard input and prints one line per input line:\n"
	      "\n"
	      "  authserv=<id> spf=<r> dkim=<r> dmarc=<r> arc=<r> policy=<p> trusted=<yes|no>\n"
	      "  error=<short-reason>       when the line is not a well-formed header\n"
	      "\n"
	      "<r> is the outcome of the method after arstat's rule (the most significant of\n"
	      "its results: pass > fail > softfail > neutral > policy > permerror > temperror >\n"
	      "none; hardfail is fail), <p> the DMARC published policy (none, quarantine,\n"
	      "reject), values lowercase, \"-\" where absent. A result keyword outside that\n"
	      "vocabulary (e.g. dkim=success) is not guessed: it prints \"-\" (see --all).\n"
	      "Untrusted headers show what they say, with trusted=no; the collector ignores them.\n"
	      "Received-SPF lines give spf=, with the receiver= as authserv.\n"
	      "\n"
	      "Options:\n"
	      "  --trust ID    count only headers whose authserv-id is ID (repeatable,\n"
	      "                case-insensitive); without it every authserv-id is trusted\n"
	      "  --all         print every result of each method, comma-separated, in order,\n"
	      "                as written (lowercased), instead of the per-method outcome\n"
	      "  --cut         the lines may have been cut by a logger (Postfix header_checks\n"
	      "                prints 200 characters): results complete before the cut count,\n"
	      "                the last one, which may be cut (\"dkim=pa\"), is dropped\n"
	      "  --name NAME   also read headers named NAME as Authentication-Results\n"
	      "                (repeatable; one \"*\" matches, e.g. 'X-*-Authentication-Results')\n"
	      "  --escaped     lines use the escapes \\\\ \\n \\r \\t for backslash, LF, CR, TAB\n"
	      "                (the format of ar-vectors.tsv); they are decoded first\n"
	      "  --exim        folded headers as Exim's log writes them (\\n, \\t)\n"
	      "  --postfix     folded headers as Postfix's log writes them (\"??\")\n"
	      "  --max-line N  longest input line in bytes (default 262144); longer ones\n"
	      "                print error=overlong\n"
	      "  --help        this text\n"
	      "  --version     the program's version\n"
	      "\n"
	      "Exit status: 0 when all input was read (error= lines included), 1 on a read\n"
	      "error, 2 on a usage error.\n",
	      fp);
}

/* Print s[0..len) lowercased; bytes that would break the line format as \xHH. */
static void put_lower(const char *s, size_t len, int quoted, FILE *fp)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (quoted && c == '\\' && i + 1 < len)
			c = (unsigned char)s[++i];
		if (c >= 'A' && c <= 'Z')
			fputc(c - 'A' + 'a', fp);
		else if (c <= 0x20 || c == 0x7f || c == '\\')
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
}

static const char *outcome_word(enum ar_result r)
{
	return r == AR_ABSENT ? "-" : ar_result_name(r);
}

static const char *policy_word(enum ar_policy p)
{
	return p == POL_ABSENT ? "-" : ar_policy_name(p);
}

static void print_all(const struct authres_header *h, FILE *fp)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		size_t i;
		int any = 0;

		fprintf(fp, " %s=", ar_method_name((enum ar_method)m));
		for (i = 0; i < h->nresults; i++) {
			if (h->results[i].method_id != m)
				continue;
			if (any)
				fputc(',', fp);
			put_lower(h->results[i].result.p, h->results[i].result.len, 0, fp);
			any = 1;
		}
		if (!any)
			fputc('-', fp);
	}
}

/* h is the caller's (large, reused from line to line). */
static void do_ar(const struct opts *o, const struct authres_trust *trust, const char *v,
                  size_t len, unsigned flags, struct authres_header *h, FILE *fp)
{
	struct authres_outcome out;
	int m;

	if (authres_header_parse(v, len, flags, h) < 0) {
		fprintf(fp, "error=%s\n", authres_error_name(h->error));
		return;
	}
	authres_header_outcome(h, &out);
	fputs("authserv=", fp);
	put_lower(h->authserv_id.p, h->authserv_id.len, h->authserv_id_quoted, fp);
	if (o->all) {
		print_all(h, fp);
	} else {
		for (m = 0; m < AR_METHOD_COUNT; m++)
			fprintf(fp, " %s=%s", ar_method_name((enum ar_method)m),
			        outcome_word(out.result[m]));
	}
	fprintf(fp, " policy=%s trusted=%s\n", policy_word(out.dmarc_policy),
	        authres_header_trusted(h, trust) ? "yes" : "no");
}

static void do_spf(const struct opts *o, const struct authres_trust *trust, const char *v,
                   size_t len, FILE *fp)
{
	struct authres_received_spf r;
	enum authres_error err;
	int trusted;

	if (authres_received_spf_parse(v, len, o->flags, &r, &err) < 0) {
		fprintf(fp, "error=%s\n", authres_error_name(err));
		return;
	}
	trusted = trust == NULL ||
	          (r.receiver.len > 0 && authres_trust_match(trust, r.receiver.p, r.receiver.len));
	fputs("authserv=", fp);
	if (r.receiver.len > 0)
		put_lower(r.receiver.p, r.receiver.len, 0, fp);
	else
		fputc('-', fp);
	fputs(" spf=", fp);
	if (o->all)
		put_lower(r.result.p, r.result.len, 0, fp);
	else
		fputs(outcome_word(r.code), fp);
	fprintf(fp, " dkim=- dmarc=- arc=- policy=- trusted=%s\n", trusted ? "yes" : "no");
}

/*
 * Split "Name: value". A name is letters, digits, "-", "_" and "." right
 * before a ":"; a bare Authentication-Results value cannot start that way,
 * because ":" is not allowed in an unquoted authserv-id.
 */
static int split_name(const char *line, size_t len, size_t *name_len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = line[i];

		if (c == ':')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	if (i == 0 || i >= len)
		return 0;
	*name_len = i;
	return 1;
}

/* Decode \\ \n \r \t into buf (at least len bytes); other escapes stay as written. */
static size_t unescape(const char *s, size_t len, char *buf)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			char n = s[i + 1];

			if (n == '\\' || n == 'n' || n == 'r' || n == 't') {
				buf[o++] = n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : '\\';
				i++;
				continue;
			}
		}
		buf[o++] = s[i];
	}
	return o;
}

static void do_line(const struct opts *o, const struct authres_trust *trust, const char *line,
                    size_t len, char *scratch, struct authres_header *h, FILE *fp)
{
	size_t nl;
	unsigned flags = o->flags;

	if (o->escaped) {
		len = unescape(line, len, scratch);
		line = scratch;
	}
	if (split_name(line, len, &nl)) {
		switch (authres_header_kind(line, nl, o->names, o->nnames)) {
		case AUTHRES_KIND_AR:
			break;
		case AUTHRES_KIND_AAR:
			flags |= AUTHRES_F_AAR;
			break;
		case AUTHRES_KIND_RECEIVED_SPF:
			do_spf(o, trust, line + nl + 1, len - nl - 1, fp);
			return;
		case AUTHRES_KIND_OTHER:
			fputs("error=not-authentication-results\n", fp);
			return;
		}
		line += nl + 1;
		len -= nl + 1;
	}
	do_ar(o, trust, line, len, flags, h, fp);
}

/*
 * A byte source over a file descriptor that adds a newline at the end when
 * the last line lacks one, so that the line reader hands that line over too.
 */
struct source {
	int fd;
	int last; /* last byte read, or '\n' before any */
	int done; /* the end was reached (and a newline added if needed) */
};

static long source_read(void *ctx, void *buf, size_t len)
{
	struct source *src = ctx;
	ssize_t n;

	if (src->done || len == 0)
		return 0;
	n = read(src->fd, buf, len);
	if (n > 0) {
		src->last = ((unsigned char *)buf)[n - 1];
		return (long)n;
	}
	if (n < 0)
		return -1;
	src->done = 1;
	if (src->last == '\n')
		return 0;
	((char *)buf)[0] = '\n';
	return 1;
}

/* Returns 0, or -1 after a read error (reported). */
static int do_fd(const struct opts *o, const struct authres_trust *trust, int fd,
                 const char *what, char *scratch, struct authres_header *h)
{
	struct source src = { fd, '\n', 0 };
	struct linereader *lr = linereader_new_source(source_read, &src, o->max_line);
	const char *line;
	size_t len;
	int rc = -1;

	for (;;) {
		enum lr_status st = linereader_next(lr, &line, &len);

		if (st == LR_LINE) {
			do_line(o, trust, line, len, scratch, h, stdout);
		} else if (st == LR_OVERLONG) {
			fputs("error=overlong\n", stdout);
		} else if (st == LR_EOF) {
			break;
		} else {
			msg_error("%s: read: %s", what, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	linereader_free(lr);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct authres_trust trust_set;
	const struct authres_trust *trust = NULL;
	char *scratch = NULL;
	struct authres_header *h = NULL;
	int ch, rc = EX_USAGE, i;
	int64_t n;

	msg_init("arstat-authres");
	memset(&o, 0, sizeof(o));
	o.max_line = DEFAULT_MAX_LINE;
	for (;;) {
		ch = getopt_long(argc, argv, "", longopts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 'T':
			o.trust = xreallocarray(o.trust, o.ntrust + 1, sizeof(*o.trust));
			o.trust[o.ntrust++] = optarg;
			break;
		case 'n':
			o.names = xreallocarray(o.names, o.nnames + 1, sizeof(*o.names));
			o.names[o.nnames++] = optarg;
			break;
		case 'a':
			o.all = 1;
			break;
		case 'c':
			o.flags |= AUTHRES_F_TRUNCATED;
			break;
		case 'x':
			o.flags |= AUTHRES_F_EXIM_ESCAPES;
			break;
		case 'p':
			o.flags |= AUTHRES_F_POSTFIX_QQ;
			break;
		case 'e':
			o.escaped = 1;
			break;
		case 'm':
			if (num_parse_i64_str(optarg, LINEREADER_MIN_LINE, LINEREADER_MAX_LINE, &n) < 0) {
				fprintf(stderr, "arstat-authres: --max-line: a number from %d to %d\n",
				        LINEREADER_MIN_LINE, LINEREADER_MAX_LINE);
				goto out;
			}
			o.max_line = (size_t)n;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		case 'V':
			puts("arstat-authres " ARSTAT_VERSION);
			rc = 0;
			goto out;
		default:
			/* getopt_long has named the bad option already. */
			fputs("see arstat-authres --help\n", stderr);
			goto out;
		}
	}
	if (o.ntrust > 0) {
		trust_set.ids = o.trust;
		trust_set.n = o.ntrust;
		trust = &trust_set;
	}
	scratch = xmalloc(o.max_line + 1);
	h = xmalloc(sizeof(*h));
	rc = 0;
	if (optind >= argc) {
		if (do_fd(&o, trust, 0, "standard input", scratch, h) < 0)
			rc = 1;
	}
	for (i = optind; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			msg_error("%s: %s", argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		if (do_fd(&o, trust, fd, argv[i], scratch, h) < 0)
			rc = 1;
		close(fd);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg_error("standard output: write error");
		rc = 1;
	}
out:
	free(h);
	free(scratch);
	free(o.trust);
	free(o.names);
	return rc;
}
