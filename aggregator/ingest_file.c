/* ingest_file - Avro object container files into the store; see ingest.h. */
#include "ingest.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "ocf.h"
#include "record.h"

/* One file; -1 only for a store or dead-letter file failure (err), which
 * ends the run. A file that cannot be read, or whose blocks carry no
 * checksum (unless allow_unchecked), is counted and passed over. */
static int ingest_one_file(struct intake *in, const struct settings *s, const char *carrier,
                           const char *path, int allow_unchecked, const volatile sig_atomic_t *stop,
                           struct ingest_stats *stats, struct strbuf *err)
{
	struct ocf_reader *r;
	struct ocf_item item;
	struct intake_origin o;
	struct strbuf why;
	/* Not OCF_END until the file has been read to its end. */
	enum ocf_status st = OCF_ERROR;
	uint64_t in_batch = 0;
	const struct record_schema_version *version;
	int rc = -1, open_batch = 0;

	strbuf_init(&why, 1024);
	r = ocf_reader_new(path, &why);
	if (r == NULL) {
		msg_error("%s", why.data != NULL ? why.data : path);
		stats->files_failed++;
		rc = 0;
		goto out;
	}
	/* Without a checksum a flipped bit inside a block can decode as other
	 * counts, and nothing would tell: such a file is read only when the
	 * operator says so, for files written before the sink wrote snappy. */
	if (!ocf_reader_checked(r)) {
		if (!allow_unchecked) {
			msg_error("%s: codec %s: its blocks carry no checksum, so damage inside one would"
			          " go unnoticed; not read (the file sink writes snappy; give"
			          " --allow-unchecked to read an older file)",
			          path, ocf_reader_codec(r));
			stats->files_failed++;
			rc = 0;
			goto out;
		}
		msg_warn("%s: codec %s: its blocks carry no checksum; read as --allow-unchecked says",
		         path, ocf_reader_codec(r));
	}
	/* The reader opens files of our own schemas only (ocf.h). */
	version = record_schema_find(ocf_reader_fingerprint(r));
	msg_info("file %s: container %s, codec %s, schema v%d", path, ocf_reader_id(r),
	         ocf_reader_codec(r), version != NULL ? version->version : 0);
	memset(&o, 0, sizeof(o));
	o.kind = INTAKE_FILE;
	o.src.name = ocf_reader_id(r);
	o.path = path;
	o.carrier = carrier;
	for (;;) {
		if (*stop)
			break;
		if (!open_batch) {
			if (intake_begin(in, err) < 0)
				goto out;
			open_batch = 1;
			in_batch = 0;
		}
		strbuf_reset(&why);
		st = ocf_reader_next(r, &item, &why);
		if (st == OCF_END)
			break;
		if (st == OCF_ERROR) {
			msg_error("%s", why.data != NULL ? why.data : path);
			stats->files_failed++;
			break;
		}
		o.src.partition = item.index;
		o.src.offset = item.block_offset;
		if (st == OCF_RECORD) {
			if (intake_message(in, &o, item.data, item.len, err) < 0)
				goto out;
		} else if (intake_dead_letter(in, &o, item.reason, why.data, item.data, item.len,
		                              err) < 0) {
			goto out;
		}
		if (++in_batch >= (uint64_t)s->batch_max_messages) {
			if (intake_commit(in, err) < 0) {
				open_batch = 0;
				goto out;
			}
			open_batch = 0;
		}
	}
	/* What was read before a stop or a read error is committed: it is as
	 * good as the rest, and a re-run skips it by identity. */
	if (open_batch) {
		open_batch = 0;
		if (intake_commit(in, err) < 0)
			goto out;
	}
	if (st == OCF_END)
		stats->files++;
	rc = 0;
out:
	if (open_batch)
		intake_rollback(in);
	ocf_reader_free(r);
	strbuf_release(&why);
	return rc;
}

void ingest_seal_due(struct store *st, const struct settings *s, int64_t *next_ms)
{
	struct timespec mono;
	struct strbuf err;
	int64_t mono_ms;
	size_t sealed;

	if (!s->seal_in_ingest)
		return;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	mono_ms = (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
	if (*next_ms != 0 && mono_ms < *next_ms)
		return;
	*next_ms = mono_ms + INGEST_SEAL_INTERVAL_MS;
	strbuf_init(&err, 4096);
	if (store_seal_all_due(st, (int64_t)time(NULL) * 1000, s->seal_after_days * 86400000, 0,
	                       NULL, NULL, &sealed, &err) < 0)
		msg_warn("ingest: sealing: %s", err.data != NULL ? err.data : "failed");
	strbuf_release(&err);
}

int ingest_file_run(struct store *st, const struct settings *s, const char *carrier,
                    char *const *paths, size_t n, int allow_unchecked,
                    const volatile sig_atomic_t *stop,
                    struct ingest_stats *stats, struct strbuf *err)
{
	struct intake_limits lim;
	struct intake *in;
	int64_t next_seal = 0;
	size_t i;
	int rc = -1;

	settings_intake_limits(s, &lim);
	in = intake_new(st, s->dead_letter, &lim);

	memset(stats, 0, sizeof(*stats));
	for (i = 0; i < n && !*stop; i++) {
		if (ingest_one_file(in, s, carrier, paths[i], allow_unchecked, stop, stats, err) < 0)
			goto out;
	}
	ingest_seal_due(st, s, &next_seal);
	rc = 0;
out:
	stats->counts = *intake_totals(in);
	intake_free(in);
	return rc;
}
