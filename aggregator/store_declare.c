/*
 * store_declare - the carriers' declarations in the store (store.h,
 * declarations and declared_accounts): written by arstat-aggregator declare,
 * read by the report, the latest of each carrier and month winning.
 */
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

int store_add_declaration(struct store *st, int64_t declared_ms, const char *file,
                          const char *sha256, const struct store_declared *rows, size_t n,
                          int64_t *id, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int64_t carrier;
	size_t i;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO declarations(declared_ms, file, sha256, rows)"
	                       " VALUES (?,?,?,?)", -1, &s, NULL) != SQLITE_OK) {
		store_db_error(st, "declare", err);
		goto out;
	}
	sqlite3_bind_int64(s, 1, declared_ms);
	sqlite3_bind_text(s, 2, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)n);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_db_error(st, "declare", err);
		goto out;
	}
	*id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO declared_accounts(carrier, month, declaration,"
	                       " accounts, filter_users) VALUES (?,?,?,?,?)", -1, &s,
	                       NULL) != SQLITE_OK) {
		s = NULL;
		store_db_error(st, "declare", err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (store_intern(st, NAMES_CARRIERS, rows[i].carrier, &carrier, err) < 0)
			goto out;
		sqlite3_bind_int64(s, 1, carrier);
		sqlite3_bind_text(s, 2, rows[i].month, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, *id);
		sqlite3_bind_int64(s, 4, rows[i].accounts);
		sqlite3_bind_int64(s, 5, rows[i].filter_users);
		if (sqlite3_step(s) != SQLITE_DONE) {
			store_db_error(st, "declare", err);
			goto out;
		}
		sqlite3_reset(s);
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_declarations(struct store *st, const char *month, store_declaration_fn fn, void *arg,
                       struct strbuf *err)
{
	/* The highest declaration id of each carrier and month is its latest:
	 * ids only grow. */
	static const char sql[] =
		"SELECT ca.name, a.accounts, a.filter_users, d.id, d.declared_ms, d.file, d.sha256"
		" FROM declared_accounts a JOIN carriers ca ON ca.id = a.carrier"
		" JOIN declarations d ON d.id = a.declaration"
		" WHERE a.month = ?1 AND a.declaration = (SELECT max(b.declaration)"
		"  FROM declared_accounts b WHERE b.carrier = a.carrier AND b.month = a.month)"
		" ORDER BY ca.name";
	struct store_declaration d;
	sqlite3_stmt *s = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_error(st, "read declarations", err);
		goto out;
	}
	sqlite3_bind_text(s, 1, month, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.carrier = (const char *)sqlite3_column_text(s, 0);
		d.accounts = sqlite3_column_int64(s, 1);
		d.filter_users = sqlite3_column_int64(s, 2);
		d.id = sqlite3_column_int64(s, 3);
		d.declared_ms = sqlite3_column_int64(s, 4);
		d.file = (const char *)sqlite3_column_text(s, 5);
		d.sha256 = (const char *)sqlite3_column_text(s, 6);
		if (d.carrier == NULL || d.file == NULL || d.sha256 == NULL) {
			strbuf_printf(err, "%s: malformed row in declarations", st->path);
			goto out;
		}
		if (fn(arg, &d, err) < 0)
			goto out;
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "read declarations", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}
