#include "msgids.h"

#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "mem.h"

#define WAYS 4
#define QID_MAX 32
/* Comments open at once in a Message-ID value; deeper nesting is refused. */
#define COMMENTS_MAX 64

struct entry {
	uint64_t h;   /* of host, NUL, normalised Message-ID */
	uint64_t seq; /* when stored, 0 if free: the set's smallest goes first */
	unsigned char qlen;
	char qid[QID_MAX];
};

struct msgids {
	struct entry *e; /* nsets * WAYS */
	size_t nsets;    /* power of two */
	uint64_t seq;
	uint64_t seed;
};

struct msgids *msgids_new(size_t capacity)
{
	struct msgids *t = xcalloc(1, sizeof(*t));
	size_t n = 16;

	while (n * WAYS < capacity && n < ((size_t)1 << 28))
		n <<= 1;
	t->nsets = n;
	t->e = xcalloc(n * WAYS, sizeof(*t->e));
	t->seed = htable_seed_new(t);
	return t;
}

void msgids_free(struct msgids *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t);
}

/* Perl's \s on bytes. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

size_t msgids_normalize(const char *v, size_t vlen, char *out)
{
	char buf[MSGIDS_ID_MAX];
	size_t open[COMMENTS_MAX], nopen = 0, n = 0, m = 0, i, len;
	const char *in, *a, *b;
	int blank = 0;

	if (vlen > MSGIDS_ID_MAX)
		return 0;
	/* spamd removes "(...)" without parentheses inside until none is
	 * left, which removes every balanced group: a ")" closes the latest
	 * "(" still open; unbalanced ones stay. */
	for (i = 0; i < vlen; i++) {
		if (v[i] == '(') {
			if (nopen == COMMENTS_MAX)
				return 0;
			open[nopen++] = n;
			buf[n++] = '(';
		} else if (v[i] == ')' && nopen > 0) {
			n = open[--nopen];
		} else {
			buf[n++] = v[i];
		}
	}
	/* Leading and trailing blanks go, runs of them become one space. */
	for (i = 0; i < n; i++) {
		if (is_space(buf[i])) {
			blank = m > 0;
			continue;
		}
		if (blank)
			buf[m++] = ' ';
		blank = 0;
		buf[m++] = buf[i];
	}
	/* The part between the first "<" and the next ">", if there is one. */
	in = buf;
	len = m;
	a = memchr(buf, '<', m);
	b = a != NULL ? memchr(a + 1, '>', m - (size_t)(a + 1 - buf)) : NULL;
	if (b != NULL) {
		in = a + 1;
		len = (size_t)(b - in);
	}
	if (len == 0)
		return 0;
	out[0] = '<';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i + 1] = c < 0x21 || c > 0x7e || c == '<' || c == '>' ? '?' : c == ',' ? '_' : (char)c;
	}
	out[len + 1] = '>';
	return len + 2;
}

/* The set of host h and Message-ID id[0..n) (spamd's form), and its hash. */
static struct entry *set_of(const struct msgids *t, struct input_span h, const char *id, size_t n,
                            uint64_t *hash)
{
	char key[INPUT_HOST_MAX + 1 + MSGIDS_ID_MAX + 2];

	memcpy(key, h.p, h.len);
	key[h.len] = '\0';
	memcpy(key + h.len + 1, id, n);
	*hash = htable_hash(t->seed, key, h.len + 1 + n);
	return &t->e[(*hash & (t->nsets - 1)) * WAYS];
}

int msgids_put(struct msgids *t, struct input_span h, const char *v, size_t vlen,
               struct input_span qid)
{
	char id[MSGIDS_ID_MAX + 2];
	struct entry *set, *e = NULL;
	uint64_t hash;
	size_t n, w;

	if (qid.len == 0 || qid.len > QID_MAX || h.len > INPUT_HOST_MAX)
		return -1;
	n = msgids_normalize(v, vlen, id);
	if (n == 0)
		return -1;
	set = set_of(t, h, id, n, &hash);
	/* The same Message-ID again takes its place; else a free way, else
	 * the one stored first. */
	for (w = 0; w < WAYS; w++) {
		if (set[w].seq != 0 && set[w].h == hash) {
			e = &set[w];
			break;
		}
		if (e == NULL || set[w].seq < e->seq)
			e = &set[w];
	}
	e->h = hash;
	e->seq = ++t->seq;
	e->qlen = (unsigned char)qid.len;
	memcpy(e->qid, qid.p, qid.len);
	return 0;
}

int msgids_get(const struct msgids *t, struct input_span h, const char *mid, size_t mlen,
               struct input_span *qid)
{
	const struct entry *set;
	uint64_t hash;
	size_t w;

	if (mlen == 0 || mlen > MSGIDS_ID_MAX + 2 || h.len > INPUT_HOST_MAX)
		return -1;
	set = set_of(t, h, mid, mlen, &hash);
	for (w = 0; w < WAYS; w++) {
		if (set[w].seq != 0 && set[w].h == hash) {
			qid->p = set[w].qid;
			qid->len = set[w].qlen;
			return 0;
		}
	}
	return -1;
}
