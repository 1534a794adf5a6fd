/*
 * journal - read the systemd journal as a mail log (input format
 * "journal"), through libsystemd's sd_journal API, as tail.h reads a file.
 *
 * Where: "system" reads the local journal as journalctl does (every file
 * of /run/log/journal and /var/log/journal this user may read: on Debian
 * the group adm or systemd-journal); a directory reads the journal files in
 * it and in its machine-id subdirectories; any other path is one journal
 * file (both as journalctl -D and --file do).
 *
 * Which entries: those whose SYSLOG_IDENTIFIER is in the list given (the
 * setting journal_identifiers; an item ending in '*' is a prefix, so that
 * "postfix*" takes Postfix's "postfix/cleanup" and a second instance's
 * "postfix-out/qmgr"). Every other entry is passed over, like the lines a
 * syslog daemon does not write to mail.log. An entry taken becomes the line
 * rsyslog would have written,
 *
 *   2026-11-22T01:00:00.123456+00:00 HOST IDENT[PID]: MESSAGE
 *
 * (the time is __REALTIME_TIMESTAMP, HOST is _HOSTNAME cut at its first
 * '.', as rsyslog writes it, PID is SYSLOG_PID or _PID), so that the syslog
 * format's parsers read it. MESSAGE is untrusted and may be binary: a
 * control character becomes '?' (a syslog line holds none), and an entry
 * whose line would be longer than the line limit is skipped as an overlong
 * line. An entry without MESSAGE gives a line with an empty one, and one
 * without a usable _HOSTNAME (journald always sets it; imported files may
 * not) the host name given for lines without one.
 *
 * Position: the cursor of the last entry passed (taken or not). A restart
 * seeks to it and goes on after it. If its entry is gone (the journal was
 * vacuumed or rotated away while the collector was stopped or behind), the
 * reading goes on with the oldest entry after it, and unless that entry is
 * the very next one written by the same journald (the same sequence-number
 * id, the next number) entries may have been lost unread: that is counted
 * (journal_take_losses) and warned about, never passed over silently. Files
 * written by other tools than journald (systemd-journal-remote makes a new
 * sequence-number id per file) are counted as such a loss whenever the
 * entry of the cursor is gone, even if it was the last of its file.
 */
#ifndef ARSTAT_COLLECTOR_JOURNAL_H
#define ARSTAT_COLLECTOR_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "linereader.h"
#include "strbuf.h"

/* Longest cursor kept (journald's are about 130 bytes). */
#define JOURNAL_CURSOR_MAX 512

struct journal;

/*
 * A reader of the journal at `where` (see above) for the identifiers in
 * `identifiers` (comma- or blank-separated; a trailing '*' is a prefix),
 * lines of at most max_line bytes, entries without _HOSTNAME given
 * host_fallback. Nothing is opened yet. Never returns NULL.
 */
struct journal *journal_new(const char *where, const char *identifiers, size_t max_line,
                            const char *host_fallback);
/* Closes the journal; journal_free(NULL) does nothing. */
void journal_free(struct journal *jr);

/*
 * Open the journal and seek: after the entry of cursor if cursor is not NULL
 * or empty (see above for a cursor whose entry is gone), else at its
 * beginning, or after its last entry if at_end. 0, or -1 with errno and the
 * reason in err (not the path): ENOENT if the directory or file does not
 * exist (yet). A journal already open is closed first.
 */
int journal_open(struct journal *jr, const char *cursor, int at_end, struct strbuf *err);

/*
 * The next entry of the identifiers as a syslog line (LR_LINE; it stays
 * valid until the next call), LR_OVERLONG for one whose line would exceed
 * the limit, LR_EOF at the end of what is written now, LR_ERROR with errno.
 */
enum lr_status journal_next(struct journal *jr, const char **line, size_t *len);

/*
 * Take in what journald did since the last call (new entries, new or
 * deleted files); call it after journal_next gave LR_EOF. Returns 1 if there
 * may be more to read now, 0 if not.
 */
int journal_poll(struct journal *jr);

/*
 * The position just past the last entry passed, as a cursor, into buf (cap
 * bytes, NUL-terminated; empty if no entry was passed yet). Allocates
 * inside libsystemd when entries were passed since the last call: call it
 * when saving progress, not per line.
 */
void journal_position(struct journal *jr, char *buf, size_t cap);

/* Possible losses found since the last call (see above), and reset. */
uint64_t journal_take_losses(struct journal *jr);

#endif
