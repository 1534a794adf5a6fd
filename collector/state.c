#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "digest.h"
#include "mem.h"
#include "numparse.h"
#include "strutil.h"

#define STATE_SECRET_LEN 32
#define STATE_FILE_MAX 4096

struct state {
	char *dir;
	int64_t epoch;
	int64_t next_seq;
	unsigned char secret[STATE_SECRET_LEN * 2];
	size_t secret_len;
	char pseudonym[33];
};

/* Replace the state directory's file name with data[0..len), privately. */
static int state_write_bytes(const struct state *st, const char *name, const void *data,
                             size_t len, struct strbuf *err)
{
	struct strbuf final;
	int rc = -1;

	strbuf_init(&final, 4096);
	if (strbuf_printf(&final, "%s/%s", st->dir, name) < 0) {
		strbuf_printf(err, "state_dir: path too long");
		goto out;
	}
	rc = atomicfile_replace(final.data, 0600, data, len, err);
out:
	strbuf_release(&final);
	return rc;
}

static int state_write_file(const struct state *st, const char *name, const char *text,
                            struct strbuf *err)
{
	return state_write_bytes(st, name, text, strlen(text), err);
}

int state_save_blob(struct state *st, const char *name, const void *data, size_t len,
                    struct strbuf *err)
{
	return state_write_bytes(st, name, data, len, err);
}

int state_load_blob(struct state *st, const char *name, struct strbuf *out, struct strbuf *err)
{
	struct strbuf path;
	char buf[65536];
	int fd, rc = -1;

	strbuf_init(&path, 4096);
	if (strbuf_printf(&path, "%s/%s", st->dir, name) < 0) {
		strbuf_printf(err, "state_dir: path too long");
		goto out;
	}
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			strbuf_printf(err, "%s: %s", path.data, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(err, "%s: %s", path.data, strerror(errno));
			close(fd);
			goto out;
		}
		if (n == 0)
			break;
		if (strbuf_append(out, buf, (size_t)n) < 0) {
			strbuf_printf(err, "%s: larger than %zu bytes", path.data, out->cap);
			close(fd);
			goto out;
		}
	}
	close(fd);
	rc = 1;
out:
	strbuf_release(&path);
	return rc;
}

const char *state_dir(const struct state *st)
{
	return st->dir;
}

/* Read a small text file into buf (NUL-terminated, shorter than size); 1 if
 * read, 0 if absent, -1 on error. */
static int state_read_file(struct state *st, const char *name, char *buf, size_t size,
                           struct strbuf *err)
{
	struct strbuf text;
	int rc;

	strbuf_init(&text, size - 1);
	rc = state_load_blob(st, name, &text, err);
	if (rc == 1 && text.len > 0)
		memcpy(buf, text.data, text.len);
	if (rc == 1)
		buf[text.len] = '\0';
	strbuf_release(&text);
	return rc;
}

/* Find "key=value\n" in text; the value's bounds in *v, *vlen. */
static int state_field(const char *text, const char *key, const char **v, size_t *vlen)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (*p != '\0') {
		size_t ll = strcspn(p, "\n");

		if (ll > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			*v = p + kl + 1;
			*vlen = ll - kl - 1;
			return 0;
		}
		p += ll;
		if (*p == '\n')
			p++;
	}
	return -1;
}

static int hex_decode(const char *s, size_t len, unsigned char *out, size_t max, size_t *outlen)
{
	size_t i;

	if (len % 2 != 0 || len / 2 > max)
		return -1;
	for (i = 0; i < len / 2; i++) {
		uint64_t b;

		if (num_parse_hex_u64(s + 2 * i, 2, &b) < 0)
			return -1;
		out[i] = (unsigned char)b;
	}
	*outlen = len / 2;
	return 0;
}

static int state_create_identity(struct state *st, struct strbuf *err)
{
	unsigned char rnd[8];
	char hex[STATE_SECRET_LEN * 2 + 1], text[256];
	uint64_t e = 0;
	size_t i;

	if (getrandom(st->secret, STATE_SECRET_LEN, 0) != STATE_SECRET_LEN ||
	    getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		strbuf_printf(err, "getrandom: %s", strerror(errno));
		return -1;
	}
	st->secret_len = STATE_SECRET_LEN;
	for (i = 0; i < sizeof(rnd); i++)
		e = e << 8 | rnd[i];
	/* Positive and non-zero, so it fits Avro's signed long and 0 means "unset". */
	st->epoch = (int64_t)(e >> 1) | 1;
	str_hex(st->secret, st->secret_len, hex);
	snprintf(text, sizeof(text), "epoch=%lld\nsecret=%s\n", (long long)st->epoch, hex);
	return state_write_file(st, "identity", text, err);
}

static int state_load_identity(struct state *st, const char *text, struct strbuf *err)
{
	const char *v;
	size_t vlen;

	if (state_field(text, "epoch", &v, &vlen) < 0 ||
	    num_parse_i64(v, vlen, 1, INT64_MAX, &st->epoch) < 0 ||
	    state_field(text, "secret", &v, &vlen) < 0 ||
	    hex_decode(v, vlen, st->secret, sizeof(st->secret), &st->secret_len) < 0 ||
	    st->secret_len < 16) {
		strbuf_printf(err, "%s/identity: corrupt (expected epoch= and secret= lines)", st->dir);
		return -1;
	}
	return 0;
}

struct state *state_open(const char *dir, const char *secret_hex, const char *host_name,
                         struct strbuf *err)
{
	struct state *st = xcalloc(1, sizeof(*st));
	char text[STATE_FILE_MAX];
	unsigned char mac[DIGEST_SHA256_LEN];
	const char *v;
	size_t vlen;
	int rc;

	st->dir = xstrdup(dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		strbuf_printf(err, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	rc = state_read_file(st, "identity", text, sizeof(text), err);
	if (rc < 0)
		goto fail;
	if (rc == 0 ? state_create_identity(st, err) < 0 : state_load_identity(st, text, err) < 0)
		goto fail;
	if (secret_hex != NULL &&
	    (hex_decode(secret_hex, strlen(secret_hex), st->secret, sizeof(st->secret),
	                &st->secret_len) < 0 || st->secret_len < 16)) {
		strbuf_printf(err, "pseudonym_secret: need at least 32 hex digits");
		goto fail;
	}
	digest_hmac_sha256(st->secret, st->secret_len, host_name, strlen(host_name), mac);
	str_hex(mac, 16, st->pseudonym);

	st->next_seq = 1;
	rc = state_read_file(st, "sequence", text, sizeof(text), err);
	if (rc < 0)
		goto fail;
	if (rc == 1 && (state_field(text, "next", &v, &vlen) < 0 ||
	                num_parse_i64(v, vlen, 1, INT64_MAX, &st->next_seq) < 0)) {
		strbuf_printf(err, "%s/sequence: corrupt (expected a next= line)", dir);
		goto fail;
	}
	return st;
fail:
	state_free(st);
	return NULL;
}

void state_free(struct state *st)
{
	if (st == NULL)
		return;
	/* The secret keys the pseudonym: do not leave it in freed memory. */
	memset(st->secret, 0, sizeof(st->secret));
	free(st->dir);
	free(st);
}

int64_t state_epoch(const struct state *st)
{
	return st->epoch;
}

const char *state_pseudonym(const struct state *st)
{
	return st->pseudonym;
}

int64_t state_next_seq(const struct state *st)
{
	return st->next_seq;
}

int state_save_seq(struct state *st, int64_t next, struct strbuf *err)
{
	char text[64];

	snprintf(text, sizeof(text), "next=%lld\n", (long long)next);
	if (state_write_file(st, "sequence", text, err) < 0)
		return -1;
	st->next_seq = next;
	return 0;
}
