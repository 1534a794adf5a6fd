#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "mem.h"
#include "ser.h"

/* A record larger than this in the file is corruption, not a record. */
#define OUTBOX_RECORD_MAX (16u * 1024 * 1024)

struct ob_rec {
	int64_t seq;
	unsigned char *data;
	size_t len;
	uint64_t end_off; /* file offset just past this record */
	int sent;
	int acked;
};

struct outbox {
	int fd;
	char *path;
	struct ob_rec *recs; /* ring would do; a compacted array is simpler */
	size_t head, n, alloc;
	/* Every record before recs[unsent] has been handed to the sink: a
	 * send starts looking there, not at the oldest unacknowledged record
	 * (the sink acknowledges only after a checkpoint, so thousands may be
	 * in flight, and a scan from head each time was quadratic). */
	size_t unsent;
	uint64_t start, end;
	uint64_t bytes;
	int reset_pending;
};

static uint32_t rec_crc(int64_t seq, const void *data, size_t len)
{
	unsigned char s[8];
	uLong c = crc32(0L, Z_NULL, 0);
	int i;

	for (i = 0; i < 8; i++)
		s[i] = (unsigned char)((uint64_t)seq >> (8 * i));
	c = crc32(c, s, 8);
	c = crc32(c, data, (uInt)len);
	return (uint32_t)c;
}

static void push(struct outbox *ob, int64_t seq, const void *data, size_t len, uint64_t end_off)
{
	struct ob_rec *r;

	if (ob->head > 0 && ob->head == ob->n) {
		ob->head = ob->n = ob->unsent = 0;
	} else if (ob->head > 1024 && ob->head * 2 > ob->n) {
		memmove(ob->recs, ob->recs + ob->head, (ob->n - ob->head) * sizeof(*ob->recs));
		ob->n -= ob->head;
		ob->unsent = ob->unsent > ob->head ? ob->unsent - ob->head : 0;
		ob->head = 0;
	}
	ob->recs = xgrow(ob->recs, ob->n + 1, &ob->alloc, sizeof(*ob->recs), 64);
	r = &ob->recs[ob->n++];
	r->seq = seq;
	r->data = xmalloc(len);
	memcpy(r->data, data, len);
	r->len = len;
	r->end_off = end_off;
	r->sent = r->acked = 0;
	ob->bytes += len;
}

static int load(struct outbox *ob, struct strbuf *err)
{
	unsigned char *buf = NULL;
	uint64_t size = ob->end - ob->start, got = 0;
	struct deser d;
	int rc = -1;

	if (size == 0)
		return 0;
	if (size > (uint64_t)SIZE_MAX / 2) {
		strbuf_printf(err, "%s: live part too large", ob->path);
		return -1;
	}
	buf = xmalloc((size_t)size);
	while (got < size) {
		ssize_t n = pread(ob->fd, buf + got, (size_t)(size - got), (off_t)(ob->start + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			strbuf_printf(err, "%s: shorter than its checkpoint says (%s)", ob->path,
			              n < 0 ? strerror(errno) : "end of file");
			goto out;
		}
		got += (uint64_t)n;
	}
	deser_init(&d, buf, (size_t)size);
	while (d.pos < d.len) {
		uint32_t len = deser_u32(&d), crc;
		int64_t seq = deser_i64(&d);
		const unsigned char *data;

		if (d.failed || len > OUTBOX_RECORD_MAX || len > d.len - d.pos) {
			strbuf_printf(err, "%s: corrupt record frame at offset %llu", ob->path,
			              (unsigned long long)(ob->start + d.pos));
			goto out;
		}
		data = d.p + d.pos;
		d.pos += len;
		crc = deser_u32(&d);
		if (d.failed || crc != rec_crc(seq, data, len)) {
			strbuf_printf(err, "%s: record %lld fails its checksum", ob->path, (long long)seq);
			goto out;
		}
		/* Appended in sequence order, which the look-ups rely on. */
		if (seq < 1 || (ob->n > ob->head && seq <= ob->recs[ob->n - 1].seq)) {
			strbuf_printf(err, "%s: record %lld out of sequence at offset %llu", ob->path,
			              (long long)seq, (unsigned long long)(ob->start + d.pos));
			goto out;
		}
		push(ob, seq, data, len, ob->start + d.pos);
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

struct outbox *outbox_open(const char *state_dir, uint64_t start, uint64_t end,
                           struct strbuf *err)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	struct strbuf p;
	struct stat st;

	strbuf_init(&p, 4096);
	strbuf_printf(&p, "%s/outbox", state_dir);
	ob->path = xstrdup(p.data ? p.data : "outbox");
	strbuf_release(&p);
	ob->fd = open(ob->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ob->start = start;
	ob->end = end;
	if (ob->fd < 0 || fstat(ob->fd, &st) < 0) {
		strbuf_printf(err, "%s: %s", ob->path, strerror(errno));
		goto fail;
	}
	if (start > end || (uint64_t)st.st_size < end) {
		strbuf_printf(err, "%s: %llu bytes, but the checkpoint needs [%llu, %llu)", ob->path,
		              (unsigned long long)st.st_size, (unsigned long long)start,
		              (unsigned long long)end);
		goto fail;
	}
	/* What was appended after the last checkpoint was never sent: drop it. */
	if ((uint64_t)st.st_size > end && ftruncate(ob->fd, (off_t)end) < 0) {
		strbuf_printf(err, "%s: %s", ob->path, strerror(errno));
		goto fail;
	}
	if (load(ob, err) < 0)
		goto fail;
	return ob;
fail:
	outbox_free(ob);
	return NULL;
}

void outbox_free(struct outbox *ob)
{
	size_t i;

	if (ob == NULL)
		return;
	for (i = ob->head; i < ob->n; i++)
		free(ob->recs[i].data);
	free(ob->recs);
	if (ob->fd >= 0)
		close(ob->fd);
	free(ob->path);
	free(ob);
}

/* pwrite until all is written: a short write (a disk filling up) is retried,
 * so that the failing call is the one that says why (ENOSPC). 0 or -1. */
static int pwrite_all(int fd, const char *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int outbox_append(struct outbox *ob, int64_t seq, const void *data, size_t len,
                  struct strbuf *err)
{
	struct strbuf frame;
	int rc = -1;

	if (len > OUTBOX_RECORD_MAX) {
		strbuf_printf(err, "outbox: record of %zu bytes is too large", len);
		return -1;
	}
	strbuf_init(&frame, OUTBOX_RECORD_MAX + 32);
	if (ser_u32(&frame, (uint32_t)len) < 0 || ser_i64(&frame, seq) < 0 ||
	    strbuf_append(&frame, data, len) < 0 || ser_u32(&frame, rec_crc(seq, data, len)) < 0)
		goto out;
	if (pwrite_all(ob->fd, frame.data, frame.len, ob->end) < 0) {
		strbuf_printf(err, "%s: %s", ob->path, strerror(errno));
		/* Cut back what may have been half written. */
		if (ftruncate(ob->fd, (off_t)ob->end) < 0)
			strbuf_printf(err, " (and cannot cut it back: %s)", strerror(errno));
		goto out;
	}
	ob->end += frame.len;
	push(ob, seq, data, len, ob->end);
	rc = 0;
out:
	strbuf_release(&frame);
	return rc;
}

int outbox_sync(struct outbox *ob, struct strbuf *err)
{
	if (fdatasync(ob->fd) < 0) {
		strbuf_printf(err, "%s: %s", ob->path, strerror(errno));
		return -1;
	}
	return 0;
}

int outbox_next_unsent(struct outbox *ob, int64_t below, struct outbox_record *r)
{
	size_t i;

	for (i = ob->unsent > ob->head ? ob->unsent : ob->head; i < ob->n && ob->recs[i].seq < below;
	     i++) {
		if (!ob->recs[i].sent && !ob->recs[i].acked) {
			ob->recs[i].sent = 1;
			ob->unsent = i + 1;
			r->seq = ob->recs[i].seq;
			r->data = ob->recs[i].data;
			r->len = ob->recs[i].len;
			return 1;
		}
	}
	ob->unsent = i;
	return 0;
}

/* The index of seq in [head, n), or n: records are pushed in increasing
 * sequence order, so a binary search finds it. */
static size_t find_seq(const struct outbox *ob, int64_t seq)
{
	size_t lo = ob->head, hi = ob->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ob->recs[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ob->n && ob->recs[lo].seq == seq ? lo : ob->n;
}

void outbox_ack(struct outbox *ob, int64_t seq, int ok)
{
	size_t i = find_seq(ob, seq);

	if (i == ob->n)
		return;
	if (!ok) {
		ob->recs[i].sent = 0; /* send it again */
		if (i < ob->unsent)
			ob->unsent = i;
		return;
	}
	ob->recs[i].acked = 1;
	while (ob->head < ob->n && ob->recs[ob->head].acked) {
		ob->start = ob->recs[ob->head].end_off;
		ob->bytes -= ob->recs[ob->head].len;
		free(ob->recs[ob->head].data);
		ob->recs[ob->head].data = NULL;
		ob->head++;
	}
}

int64_t outbox_last_seq(const struct outbox *ob)
{
	return ob->n > ob->head ? ob->recs[ob->n - 1].seq : 0;
}

uint64_t outbox_start(const struct outbox *ob)
{
	return ob->start;
}

uint64_t outbox_end(const struct outbox *ob)
{
	return ob->end;
}

size_t outbox_count(const struct outbox *ob)
{
	return ob->n - ob->head;
}

uint64_t outbox_bytes(const struct outbox *ob)
{
	return ob->bytes;
}

int outbox_reset_begin(struct outbox *ob)
{
	if (ob->head == ob->n && ob->end > 0) {
		ob->start = ob->end = 0;
		ob->head = ob->n = ob->unsent = 0;
		ob->reset_pending = 1;
	}
	return ob->reset_pending;
}

int outbox_reset_done(struct outbox *ob, struct strbuf *err)
{
	if (!ob->reset_pending)
		return 0;
	ob->reset_pending = 0;
	if (ftruncate(ob->fd, 0) < 0) {
		strbuf_printf(err, "%s: %s", ob->path, strerror(errno));
		return -1;
	}
	return 0;
}
