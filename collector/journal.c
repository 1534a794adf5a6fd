#include "journal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "log.h"
#include "mem.h"
#include "strutil.h"

struct journal_ident {
	char *name;
	size_t len;
	int prefix; /* the item ended in '*': any identifier starting with name */
};

struct journal {
	char *where;
	struct journal_ident *ids;
	size_t nids;
	size_t max_line;
	char host_fallback[256];
	sd_journal *j;
	char cursor[JOURNAL_CURSOR_MAX]; /* the last entry passed, as of `moved` == 0 */
	int moved;   /* entries were passed since cursor was taken */
	int pending; /* the current entry is not read yet (after a seek) */
	uint64_t losses;
	char *line;  /* max_line + 1 bytes, the line given out */
	char ident[256]; /* the current entry's SYSLOG_IDENTIFIER (is_word: <= 255) */
	size_t ident_len;
	/* The stamp's "YYYY-MM-DDTHH:MM:SS" of second stamp_s: entries come
	 * many a second, and gmtime_r() costs more than the rest of a line. */
	int64_t stamp_s;
	char stamp[24];
};

struct journal *journal_new(const char *where, const char *identifiers, size_t max_line,
                            const char *host_fallback)
{
	struct journal *jr = xcalloc(1, sizeof(*jr));
	const char *p = identifiers;

	jr->where = xstrdup(where);
	jr->max_line = max_line;
	jr->line = xmalloc(max_line + 1);
	jr->stamp_s = INT64_MIN;
	str_copy(jr->host_fallback, host_fallback, sizeof(jr->host_fallback));
	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ", \t");

		if (len > 0) {
			struct journal_ident *id;

			jr->ids = xreallocarray(jr->ids, jr->nids + 1, sizeof(*jr->ids));
			id = &jr->ids[jr->nids++];
			id->prefix = p[len - 1] == '*';
			id->len = len - (size_t)id->prefix;
			id->name = xstrndup(p, id->len);
		}
		p += len;
		p += strspn(p, ", \t");
	}
	return jr;
}

void journal_free(struct journal *jr)
{
	size_t i;

	if (jr == NULL)
		return;
	if (jr->j != NULL)
		sd_journal_close(jr->j);
	for (i = 0; i < jr->nids; i++)
		free(jr->ids[i].name);
	free(jr->ids);
	free(jr->where);
	free(jr->line);
	free(jr);
}

/*
 * The sequence-number id ("s=") and number ("i=") of a cursor, which
 * journald writes as "s=ID;i=HEX;b=...;m=...;t=...;x=...". The format is
 * libsystemd's and documented as opaque: 0 if both were found, -1 if not
 * (the caller then assumes the worst).
 */
static int cursor_seqnum(const char *cursor, char *id, size_t idcap, uint64_t *seqnum)
{
	const char *p = cursor;
	int have_id = 0, have_num = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, ";");

		if (len > 2 && p[0] == 's' && p[1] == '=' && len - 2 < idcap) {
			memcpy(id, p + 2, len - 2);
			id[len - 2] = '\0';
			have_id = 1;
		} else if (len > 2 && len <= 18 && p[0] == 'i' && p[1] == '=') {
			uint64_t v = 0;
			size_t k;

			for (k = 2; k < len; k++) {
				int c = (unsigned char)p[k];
				int d = c >= '0' && c <= '9'   ? c - '0'
				        : c >= 'a' && c <= 'f' ? c - 'a' + 10
				        : c >= 'A' && c <= 'F' ? c - 'A' + 10
				                               : -1;

				if (d < 0)
					return -1;
				v = v << 4 | (uint64_t)d;
			}
			*seqnum = v;
			have_num = 1;
		}
		p += len;
		if (*p == ';')
			p++;
	}
	return have_id && have_num ? 0 : -1;
}

/*
 * The current entry is the first after the saved cursor's place, whose own
 * entry is gone: unless it is the very next entry of the same journald,
 * entries between the two may have been deleted unread.
 */
static void check_gap(struct journal *jr, const char *saved)
{
	char *cur = NULL;
	char saved_id[64], cur_id[64];
	uint64_t saved_num = 0, cur_num = 0;
	int lost = 1;

	if (sd_journal_get_cursor(jr->j, &cur) >= 0 &&
	    cursor_seqnum(saved, saved_id, sizeof(saved_id), &saved_num) == 0 &&
	    cursor_seqnum(cur, cur_id, sizeof(cur_id), &cur_num) == 0 &&
	    strcmp(saved_id, cur_id) == 0 && cur_num == saved_num + 1)
		lost = 0;
	free(cur);
	if (lost) {
		jr->losses++;
		msg_warn("journal: the entry read last is gone (vacuumed or rotated away) and the "
		         "oldest entry after it is not the next one; entries may have been lost "
		         "unread (counted as an input loss)");
	}
}

/* Seek to the entry after cursor (see journal.h). 0, or -1 with errno. */
static int journal_resume(struct journal *jr, const char *cursor)
{
	int r = sd_journal_seek_cursor(jr->j, cursor);

	if (r < 0) {
		/* Not a cursor libsystemd can read: a checkpoint that says where
		 * to go on must not be read as "from the beginning". */
		errno = -r;
		return -1;
	}
	str_copy(jr->cursor, cursor, sizeof(jr->cursor));
	jr->moved = 0;
	r = sd_journal_next(jr->j);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	/* Nothing at or after it: whatever came after it is not written yet
	 * (journald deletes the oldest files first, never newer ones alone). */
	if (r == 0)
		return 0;
	if (sd_journal_test_cursor(jr->j, cursor) > 0)
		return 0; /* on the entry read last: journal_next goes on after it */
	jr->pending = 1;
	check_gap(jr, cursor);
	return 0;
}

int journal_open(struct journal *jr, const char *cursor, int at_end, struct strbuf *err)
{
	struct stat st;
	int r;

	if (jr->j != NULL) {
		sd_journal_close(jr->j);
		jr->j = NULL;
	}
	jr->pending = 0;
	jr->moved = 0;
	jr->cursor[0] = '\0';
	if (strcmp(jr->where, "system") == 0) {
		r = sd_journal_open(&jr->j, SD_JOURNAL_LOCAL_ONLY);
	} else if (stat(jr->where, &st) < 0) {
		strbuf_printf(err, "cannot open the journal: %s", strerror(errno));
		return -1;
	} else if (S_ISDIR(st.st_mode)) {
		r = sd_journal_open_directory(&jr->j, jr->where, 0);
	} else {
		const char *files[2] = { jr->where, NULL };

		r = sd_journal_open_files(&jr->j, files, 0);
	}
	if (r < 0) {
		jr->j = NULL;
		errno = -r;
		strbuf_printf(err, "cannot open the journal: %s", strerror(-r));
		return -1;
	}
	/* Fields longer than a line are not decompressed whole: the length
	 * read is then at least the threshold, which is too long anyway. */
	sd_journal_set_data_threshold(jr->j, jr->max_line + 1);
	/* The notification descriptor makes sd_journal_process() see new and
	 * deleted files; without it only the files open now are followed. */
	r = sd_journal_get_fd(jr->j);
	if (r < 0)
		msg_debug("journal: no change notification (%s); new files are not seen",
		          strerror(-r));
	if (cursor != NULL && cursor[0] != '\0') {
		if (journal_resume(jr, cursor) < 0) {
			r = errno;
			strbuf_printf(err, "cannot go on from the saved journal cursor: %s", strerror(r));
			sd_journal_close(jr->j);
			jr->j = NULL;
			errno = r;
			return -1;
		}
		return 0;
	}
	if (at_end) {
		/* On the last entry, so that it counts as passed and the next
		 * start goes on after it, not from the beginning. */
		r = sd_journal_seek_tail(jr->j);
		if (r >= 0 && sd_journal_previous(jr->j) > 0)
			jr->moved = 1;
	} else {
		r = sd_journal_seek_head(jr->j);
	}
	if (r < 0) {
		strbuf_printf(err, "cannot seek in the journal: %s", strerror(-r));
		sd_journal_close(jr->j);
		jr->j = NULL;
		errno = -r;
		return -1;
	}
	return 0;
}

/* The field's value (after "NAME="), or NULL if the entry has none. */
static const char *field(struct journal *jr, const char *name, size_t *len)
{
	const void *data;
	size_t n, nl = strlen(name);

	if (sd_journal_get_data(jr->j, name, &data, &n) < 0 || n <= nl)
		return NULL;
	*len = n - nl - 1;
	return (const char *)data + nl + 1;
}

static int ident_wanted(const struct journal *jr, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < jr->nids; i++) {
		const struct journal_ident *id = &jr->ids[i];

		if (id->prefix ? len >= id->len && memcmp(p, id->name, id->len) == 0
		               : len == id->len && memcmp(p, id->name, len) == 0)
			return 1;
	}
	return 0;
}

/* 1 if p[0..len) is 1 to 20 digits (a PID), else 0. */
static int is_pid(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > 20)
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
	}
	return 1;
}

/* 1 if p[0..len) can stand as a syslog line's host or tag: 1 to 255 bytes,
 * none blank, control or '[' (which would end a tag early). */
static int is_word(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > 255)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == 0x7f || c == '[')
			return 0;
	}
	return 1;
}

/* Append p[0..len) at jr->line + *at: 0, or -1 (nothing appended) if the
 * line would be longer than the limit. */
static int put(struct journal *jr, size_t *at, const char *p, size_t len)
{
	if (len > jr->max_line - *at)
		return -1;
	memcpy(jr->line + *at, p, len);
	*at += len;
	return 0;
}

/*
 * The current entry, whose identifier is jr->ident, as a syslog line in
 * jr->line: 1 with *len, or 0 if it would be longer than the limit. A field
 * sd_journal_get_data() gives is valid only until its next call: each is
 * copied into the line before the next is asked for, MESSAGE last.
 */
static int build_line(struct journal *jr, size_t *len)
{
	const char *f;
	size_t flen = 0, at = 0, i;
	uint64_t usec = 0;
	int64_t sec;
	unsigned us;
	char frac[8];

	if (sd_journal_get_realtime_usec(jr->j, &usec) < 0)
		usec = 0;
	sec = (int64_t)(usec / 1000000);
	if (sec != jr->stamp_s) {
		struct tm tm;
		time_t t = (time_t)sec;

		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(jr->stamp, sizeof(jr->stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			str_copy(jr->stamp, "0000-00-00T00:00:00", sizeof(jr->stamp));
		jr->stamp_s = sec;
	}
	if (put(jr, &at, jr->stamp, strlen(jr->stamp)) < 0)
		return 0;
	us = (unsigned)(usec % 1000000);
	frac[0] = '.';
	for (i = 6; i > 0; i--) {
		frac[i] = (char)('0' + us % 10);
		us /= 10;
	}
	if (put(jr, &at, frac, 7) < 0 || put(jr, &at, "+00:00 ", 7) < 0)
		return 0;
	f = field(jr, "_HOSTNAME", &flen);
	if (f != NULL) {
		for (i = 0; i < flen && f[i] != '.'; i++)
			;
		flen = i;
	}
	if (f == NULL || !is_word(f, flen)) {
		f = jr->host_fallback;
		flen = strlen(f);
	}
	if (put(jr, &at, f, flen) < 0 || put(jr, &at, " ", 1) < 0 ||
	    put(jr, &at, jr->ident, jr->ident_len) < 0)
		return 0;
	f = field(jr, "SYSLOG_PID", &flen);
	if (f == NULL || !is_pid(f, flen))
		f = field(jr, "_PID", &flen);
	if (f != NULL && is_pid(f, flen) &&
	    (put(jr, &at, "[", 1) < 0 || put(jr, &at, f, flen) < 0 || put(jr, &at, "]", 1) < 0))
		return 0;
	if (put(jr, &at, ": ", 2) < 0)
		return 0;
	f = field(jr, "MESSAGE", &flen);
	if (f == NULL)
		flen = 0;
	if (flen > jr->max_line - at)
		return 0;
	for (i = 0; i < flen; i++) {
		unsigned char c = (unsigned char)f[i];

		/* A syslog line holds no control characters (rsyslog escapes
		 * them): a line break or NUL in MESSAGE must not cut it. */
		jr->line[at++] = c < ' ' || c == 0x7f ? '?' : (char)c;
	}
	jr->line[at] = '\0';
	*len = at;
	return 1;
}

enum lr_status journal_next(struct journal *jr, const char **line, size_t *len)
{
	for (;;) {
		const char *ident;
		size_t ilen = 0;

		if (jr->pending) {
			jr->pending = 0;
		} else {
			int r = sd_journal_next(jr->j);

			if (r < 0) {
				errno = -r;
				return LR_ERROR;
			}
			if (r == 0)
				return LR_EOF;
		}
		jr->moved = 1;
		ident = field(jr, "SYSLOG_IDENTIFIER", &ilen);
		/* A tag that is not one word would not be one in a syslog line. */
		if (ident == NULL || !is_word(ident, ilen) || !ident_wanted(jr, ident, ilen))
			continue;
		memcpy(jr->ident, ident, ilen);
		jr->ident_len = ilen;
		if (!build_line(jr, len))
			return LR_OVERLONG;
		*line = jr->line;
		return LR_LINE;
	}
}

int journal_poll(struct journal *jr)
{
	char saved[JOURNAL_CURSOR_MAX];
	int r;

	/* Where we are, before journald's deletions are taken in: the entry
	 * may be in a file that goes. */
	journal_position(jr, saved, sizeof(saved));
	r = sd_journal_process(jr->j);
	if (r == SD_JOURNAL_INVALIDATE && saved[0] != '\0') {
		/* Files came or went: find our place again; if its file went
		 * before all after it was read, that is said and counted. */
		if (sd_journal_seek_cursor(jr->j, saved) >= 0 && sd_journal_next(jr->j) > 0 &&
		    sd_journal_test_cursor(jr->j, saved) <= 0) {
			jr->pending = 1;
			check_gap(jr, saved);
		}
		return 1;
	}
	return r == SD_JOURNAL_APPEND || r == SD_JOURNAL_INVALIDATE;
}

void journal_position(struct journal *jr, char *buf, size_t cap)
{
	if (jr->moved && jr->j != NULL) {
		char *cur = NULL;

		/* jr->moved is set only once an entry is current, so this fails
		 * only when its file went away: the older cursor stays. */
		if (sd_journal_get_cursor(jr->j, &cur) >= 0 && strlen(cur) < sizeof(jr->cursor)) {
			str_copy(jr->cursor, cur, sizeof(jr->cursor));
			jr->moved = 0;
		}
		free(cur);
	}
	str_copy(buf, jr->cursor, cap);
}

uint64_t journal_take_losses(struct journal *jr)
{
	uint64_t n = jr->losses;

	jr->losses = 0;
	return n;
}
