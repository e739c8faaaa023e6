/*
 * store_sqlite.c: the SQLite backend of the blocklist store: one file, WAL
 * journal, a versioned schema with forward migrations, and write
 * transactions that batch many changes under one write lock.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clk.h"
#include "store.h"
#include "store_impl.h"
#include "util.h"

/* The schema this code writes; older files are migrated forward. */
#define SQ_SCHEMA_VERSION	3
/* How long to wait for another process's write lock, in milliseconds. */
#define SQ_BUSY_MS		120000
/*
 * The longest value, and row, the store takes: 16 MiB, far more than an IP
 * record needs (an EventBridge event is 256 KB at most). A longer one is
 * refused, never cut: SQLite's own limit is a billion bytes.
 */
#define SQ_VALUE_MAX		(16 * 1024 * 1024)
enum sq_stmt {
	SQ_INSERT,
	SQ_REBLOCK,
	SQ_TOUCH,
	SQ_SET_STATE,
	SQ_UNBLOCK,
	SQ_TIMES,
	SQ_GET,
	SQ_DELETE,
	SQ_NSTMT
};

/* The parameters ?1 to ?10 of SQ_INSERT and SQ_REBLOCK: see sq_bind(). */
static const char *const sq_sql[SQ_NSTMT] = {
	/* SQ_INSERT: ?11, ?12 the state (NULL, NULL: active) */
	"INSERT INTO blocklist (host_ip, created_at, last_seen_at,"
	" expires_at, finding_id, finding_type, severity, account_id,"
	" region, record, removed_at, removed_reason)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
	" ON CONFLICT (host_ip) DO NOTHING",
	/* SQ_REBLOCK: a pending entry added again is a new block */
	"UPDATE blocklist SET created_at = ?2, last_seen_at = ?3,"
	" expires_at = ?4, finding_id = ?5, finding_type = ?6,"
	" severity = ?7, account_id = ?8, region = ?9, record = ?10,"
	" removed_at = NULL, removed_reason = NULL"
	" WHERE host_ip = ?1 AND removed_at IS NOT NULL",
	/* SQ_TOUCH: re-seen; a TTL never shortens a block */
	"UPDATE blocklist SET last_seen_at = max(last_seen_at, ?2),"
	" expires_at = CASE WHEN expires_at IS NULL OR ?3 IS NULL"
	" THEN expires_at ELSE max(expires_at, ?3) END"
	" WHERE host_ip = ?1 AND removed_at IS NULL",
	/* SQ_SET_STATE: merged times and state */
	"UPDATE blocklist SET created_at = ?2, last_seen_at = ?3,"
	" expires_at = ?4, removed_at = ?5, removed_reason = ?6"
	" WHERE host_ip = ?1",
	/* SQ_UNBLOCK */
	"UPDATE blocklist SET removed_at = ?2, removed_reason = ?3"
	" WHERE host_ip = ?1 AND removed_at IS NULL",
	/* SQ_TIMES */
	"SELECT created_at, last_seen_at, expires_at, removed_at,"
	" removed_reason FROM blocklist WHERE host_ip = ?1",
	/* SQ_GET */
	"SELECT host_ip, created_at, last_seen_at, expires_at, finding_id,"
	" finding_type, severity, account_id, region, record, removed_at,"
	" removed_reason FROM blocklist WHERE host_ip = ?1",
	/* SQ_DELETE */
	"DELETE FROM blocklist WHERE host_ip = ?1",
};

#define SQ_COLUMNS \
	"host_ip, created_at, last_seen_at, expires_at, finding_id," \
	" finding_type, severity, account_id, region, record, removed_at," \
	" removed_reason"

/*
 * The migrations: entry i takes a file from version i to i + 1. Version 0
 * is an empty file. Version 1 was the first layout (HostIp, CreatedAt and
 * the rest of the record as JSON); version 2 adds LastSeenAt, ExpiresAt,
 * the finding columns and the indexes prune needs; version 3 the state of
 * an entry (removed_at, removed_reason: NULL while it is active).
 */
static const char *const sq_migrations[SQ_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE blocklist ("
	" host_ip TEXT PRIMARY KEY NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" record TEXT"
	") WITHOUT ROWID;",
	/* 1 -> 2 */
	"CREATE TABLE blocklist_v2 ("
	" host_ip TEXT PRIMARY KEY NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" last_seen_at INTEGER NOT NULL,"
	" expires_at INTEGER,"
	" finding_id TEXT,"
	" finding_type TEXT,"
	" severity TEXT,"
	" account_id TEXT,"
	" region TEXT,"
	" record TEXT"
	") WITHOUT ROWID;"
	"INSERT INTO blocklist_v2 SELECT host_ip, created_at, created_at,"
	" NULL,"
	" json_extract(record, '$.FindingId'),"
	" json_extract(record, '$.FindingType'),"
	" json_extract(record, '$.Severity'),"
	" json_extract(record, '$.AccountId'),"
	" json_extract(record, '$.Region'),"
	" nullif(json_remove(record, '$.FindingId', '$.FindingType',"
	"  '$.Severity', '$.AccountId', '$.Region'), '{}')"
	" FROM blocklist;"
	"DROP TABLE blocklist;"
	"ALTER TABLE blocklist_v2 RENAME TO blocklist;"
	"CREATE INDEX blocklist_last_seen ON blocklist (last_seen_at);"
	"CREATE INDEX blocklist_created ON blocklist (created_at);"
	"CREATE INDEX blocklist_expires ON blocklist (expires_at)"
	" WHERE expires_at IS NOT NULL;",
	/* 2 -> 3 */
	"ALTER TABLE blocklist ADD COLUMN removed_at INTEGER;"
	"ALTER TABLE blocklist ADD COLUMN removed_reason TEXT;"
	"CREATE INDEX blocklist_removed ON blocklist (removed_at)"
	" WHERE removed_at IS NOT NULL;",
};

struct sq {
	sqlite3		*db;
	char		*path;
	int		 in_tx;
	sqlite3_stmt	*stmt[SQ_NSTMT];
};

static char *
sq_cause(struct sq *sq, const char *what, int rc)
{
	int	 code = rc & 0xff;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return store_cause("%s: the store is locked by another process "
		    "(gave up after %d s)", what, SQ_BUSY_MS / 1000);
	if (code == SQLITE_READONLY)
		return store_cause("%s: the store is read-only (check the "
		    "permissions of the file)", what);
	if (code == SQLITE_CANTOPEN)
		return store_cause("%s: cannot open the store or its journal "
		    "(%s-wal, %s-shm)", what, sq->path, sq->path);
	return store_cause("%s: %s", what,
	    sq->db != NULL ? sqlite3_errmsg(sq->db) : sqlite3_errstr(rc));
}

static int
sq_exec(struct sq *sq, const char *sql, const char *what, char **cause)
{
	int	 rc;

	if ((rc = sqlite3_exec(sq->db, sql, NULL, NULL, NULL)) != SQLITE_OK) {
		*cause = sq_cause(sq, what, rc);
		return -1;
	}
	return 0;
}

/* Start the write transaction if none is open: changes are batched. */
static int
sq_begin(struct sq *sq, char **cause)
{
	if (sq->in_tx)
		return 0;
	if (sq_exec(sq, "BEGIN IMMEDIATE", "begin", cause) != 0)
		return -1;
	sq->in_tx = 1;
	return 0;
}

static void
sq_rollback(struct sq *sq)
{
	if (sq->in_tx)
		sqlite3_exec(sq->db, "ROLLBACK", NULL, NULL, NULL);
	sq->in_tx = 0;
}

static int
sq_commit_tx(struct sq *sq, char **cause)
{
	if (!sq->in_tx)
		return 0;
	if (sq_exec(sq, "COMMIT", "commit", cause) != 0) {
		sq_rollback(sq);
		return -1;
	}
	sq->in_tx = 0;
	return 0;
}

static int
sq_user_version(struct sq *sq, int *version, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	rc = sqlite3_prepare_v2(sq->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		*cause = sq_cause(sq, "read schema version", rc);
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		*cause = sq_cause(sq, "read schema version", rc);
		sqlite3_finalize(s);
		return -1;
	}
	*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/* A version-0 file must be empty: never take over someone else's file. */
static int
sq_is_empty(struct sq *sq, int *empty, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	rc = sqlite3_prepare_v2(sq->db,
	    "SELECT count(*) FROM sqlite_schema", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*empty = sqlite3_column_int(s, 0) == 0;
		sqlite3_finalize(s);
		return 0;
	}
	*cause = sq_cause(sq, "read schema", rc);
	sqlite3_finalize(s);
	return -1;
}

/*
 * Bring the schema to SQ_SCHEMA_VERSION inside one write transaction, so
 * that concurrent openers migrate exactly once and a crash leaves the old
 * version intact.
 */
static int
sq_migrate(struct sq *sq, int create, char **cause)
{
	int	 version, empty, v;
	char	*sql;

	if (sq_user_version(sq, &version, cause) != 0)
		return -1;
	if (version == SQ_SCHEMA_VERSION)
		return 0;
	if (version > SQ_SCHEMA_VERSION) {
		*cause = store_cause("%s: schema version %d is newer than this "
		    "program knows (%d): upgrade sechub-tools", sq->path,
		    version, SQ_SCHEMA_VERSION);
		return -1;
	}
	if (sq_begin(sq, cause) != 0)
		return -1;
	if (sq_user_version(sq, &version, cause) != 0)
		goto fail;
	if (version == 0) {
		if (sq_is_empty(sq, &empty, cause) != 0)
			goto fail;
		if (!empty) {
			*cause = store_cause("%s: not a sechub-tools store "
			    "(it has tables but no schema version)", sq->path);
			goto fail;
		}
		if (!create) {
			*cause = store_cause("%s: the store is not initialised "
			    "(ipstore init creates it)", sq->path);
			goto fail;
		}
	}
	for (v = version; v < SQ_SCHEMA_VERSION; v++) {
		if (sq_exec(sq, sq_migrations[v], "migrate schema", cause) != 0)
			goto fail;
	}
	xasprintf(&sql, "PRAGMA user_version = %d", SQ_SCHEMA_VERSION);
	v = sq_exec(sq, sql, "set schema version", cause);
	free(sql);
	if (v != 0)
		goto fail;
	return sq_commit_tx(sq, cause);
fail:
	sq_rollback(sq);
	return -1;
}

/* Make sure the file exists (created 0600 when asked to) and is usable. */
static int
sq_check_file(const char *path, int create, char **cause)
{
	struct stat	 sb;
	char		*copy, *dir;
	int		 fd, r = -1;

	copy = xstrdup(path);
	dir = dirname(copy);
	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			*cause = store_cause("%s: not a regular file", path);
			goto out;
		}
	} else if (errno != ENOENT) {
		*cause = store_cause("%s: %s", path, strerror(errno));
		goto out;
	} else if (!create) {
		*cause = store_cause("%s: no such store (ipstore init "
		    "creates it)", path);
		goto out;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1 && errno == ENOENT) {
			*cause = store_cause("cannot create %s: directory %s "
			    "does not exist", path, dir);
			goto out;
		}
		if (fd == -1 && errno != EEXIST) {
			*cause = store_cause("cannot create %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (fd != -1)
			close(fd);
	}
	/* WAL keeps PATH-wal and PATH-shm beside the file. */
	if (access(dir, W_OK | X_OK) != 0) {
		*cause = store_cause("%s: directory %s is not writable (%s): "
		    "the store keeps its journal beside the file", path, dir,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	free(copy);
	return r;
}

static int
sq_pragma(struct sq *sq, const char *sql, const char *want, char **cause)
{
	sqlite3_stmt	*s;
	const char	*got;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL)) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	if (want != NULL) {
		got = rc == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(s, 0) : NULL;
		if (got == NULL || strcmp(got, want) != 0) {
			*cause = store_cause("%s: cannot switch to %s mode",
			    sq->path, want);
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	return 0;
fail:
	*cause = sq_cause(sq, "open", rc);
	sqlite3_finalize(s);
	return -1;
}

static void
sq_free(struct sq *sq)
{
	int	 i;

	if (sq == NULL)
		return;
	sq_rollback(sq);
	for (i = 0; i < SQ_NSTMT; i++)
		sqlite3_finalize(sq->stmt[i]);
	sqlite3_close(sq->db);
	free(sq->path);
	free(sq);
}

/*
 * A dry run reads the file, never writes it: opened read-only, not
 * migrated (a file of an older schema is refused), and, when it does not
 * exist yet and would be created, an empty store in memory.
 */
static int
sq_open_dry(struct sq *sq, const char *path, int memory, char **cause)
{
	int		 rc, version;

	if (memory)
		rc = sqlite3_open_v2(":memory:", &sq->db,
		    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	else
		rc = sqlite3_open_v2(path, &sq->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		*cause = sq_cause(sq, "open", rc);
		return -1;
	}
	sqlite3_extended_result_codes(sq->db, 1);
	sqlite3_busy_timeout(sq->db, SQ_BUSY_MS);
	if (sqlite3_db_readonly(sq->db, "main") == 0)
		return sq_migrate(sq, 1, cause);	/* the empty one */
	if (sq_user_version(sq, &version, cause) != 0)
		return -1;
	if (version != SQ_SCHEMA_VERSION) {
		*cause = store_cause("%s: schema version %d, not %d: a dry run "
		    "does not migrate it (ipstore init does)", path, version,
		    SQ_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int
sq_open(struct store *st, const char *path, int flags,
    const struct aws_options *aws, enum err_kind *kind, char **cause)
{
	struct sq	*sq;
	struct stat	 sb;
	int		 rc, i, create = (flags & STORE_CREATE) != 0;
	int		 dry = (flags & STORE_DRY_RUN) != 0, memory;

	*kind = ERR_RUNTIME;
	/* a dry run of a command that would create the store: empty */
	memory = dry && create && stat(path, &sb) != 0 && errno == ENOENT;
	if (!memory && sq_check_file(path, create && !dry, cause) != 0)
		return -1;
	sq = xcalloc(1, sizeof(*sq));
	sq->path = xstrdup(path);
	if (dry) {
		if (sq_open_dry(sq, path, memory, cause) != 0)
			goto fail;
		goto prepare;
	}
	rc = sqlite3_open_v2(path, &sq->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		*cause = sq_cause(sq, "open", rc);
		goto fail;
	}
	sqlite3_extended_result_codes(sq->db, 1);
	sqlite3_busy_timeout(sq->db, SQ_BUSY_MS);
	sqlite3_limit(sq->db, SQLITE_LIMIT_LENGTH, SQ_VALUE_MAX);
	if (sq_pragma(sq, "PRAGMA journal_mode = WAL", "wal", cause) != 0 ||
	    sq_pragma(sq, "PRAGMA synchronous = FULL", NULL, cause) != 0 ||
	    sq_migrate(sq, create, cause) != 0)
		goto fail;
prepare:
	for (i = 0; i < SQ_NSTMT; i++) {
		rc = sqlite3_prepare_v3(sq->db, sq_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &sq->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			*cause = sq_cause(sq, "prepare", rc);
			goto fail;
		}
	}
	st->state = sq;
	return 0;
fail:
	/* Programs print open failures without the URL: name the file. */
	if (strncmp(*cause, path, strlen(path)) != 0) {
		char *c = *cause;

		*cause = store_cause("%s: %s", path, c);
		free(c);
	}
	sq_free(sq);
	return -1;
}

static void
sq_close(struct store *st)
{
	sq_free(st->state);
	st->state = NULL;
}

static int
sq_init(struct store *st, char **cause)
{
	/* Opening with create made the file and its schema. */
	return 0;
}

static sqlite3_stmt *
sq_stmt(struct sq *sq, enum sq_stmt which)
{
	sqlite3_stmt	*s = sq->stmt[which];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* SQLITE_OK, or SQLITE_TOOBIG for a value past SQ_VALUE_MAX. */
static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* 0 means "no TTL" and is stored as NULL. */
static void
bind_expiry(sqlite3_stmt *s, int i, time_t t)
{
	if (t == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, (sqlite3_int64)t);
}

static char *
column_dup(sqlite3_stmt *s, int i)
{
	const unsigned char	*v = sqlite3_column_text(s, i);

	return v == NULL ? NULL : xstrdup((const char *)v);
}

/* removed_at at column i, removed_reason at i + 1: the entry's state. */
static void
column_state(sqlite3_stmt *s, int i, struct store_entry *e)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		e->removed_at = 0;
		return;
	}
	e->removed_at = (time_t)sqlite3_column_int64(s, i);
	if (e->removed_at == 0)
		e->removed_at = 1;	/* pending, whatever the number */
	e->removed_reason = column_dup(s, i + 1);
	if (e->removed_reason == NULL)
		e->removed_reason = xstrdup(STORE_EXPIRED);
}

/* A row in SQ_COLUMNS order into an entry. */
static void
column_entry(sqlite3_stmt *s, struct store_entry *e)
{
	const char	*rec;

	e->host_ip = column_dup(s, 0);
	e->created_at = (time_t)sqlite3_column_int64(s, 1);
	e->last_seen_at = (time_t)sqlite3_column_int64(s, 2);
	e->expires_at = (time_t)sqlite3_column_int64(s, 3);
	e->finding_id = column_dup(s, 4);
	e->finding_type = column_dup(s, 5);
	e->severity = column_dup(s, 6);
	e->account_id = column_dup(s, 7);
	e->region = column_dup(s, 8);
	rec = (const char *)sqlite3_column_text(s, 9);
	e->record = rec == NULL ? NULL : json_loads(rec, JSON_ALLOW_NUL, NULL);
	column_state(s, 10, e);
}

/* The refusal of a value or row past SQ_VALUE_MAX, as a cause. */
static char *
sq_too_big(void)
{
	return store_cause("too big for the store: a record is stored whole "
	    "or not at all, and at most %d MiB", SQ_VALUE_MAX / 1048576);
}

/*
 * Bind an entry as SQ_INSERT and SQ_REBLOCK take it: host_ip ?1, the
 * times ?2 to ?4, finding fields ?5 to ?9, its record's JSON (which *rec
 * holds; the caller frees it) ?10. SQLITE_OK or SQLITE_TOOBIG.
 */
static int
sq_bind(sqlite3_stmt *s, const struct store_entry *e, time_t created,
    time_t seen, char **rec)
{
	int	 rc = SQLITE_OK;

	*rec = NULL;
	if (e->record != NULL &&
	    (*rec = json_dumps(e->record, JSON_COMPACT | JSON_ENCODE_ANY))
	    == NULL)
		abort();	/* out of memory */
	rc |= bind_text(s, 1, e->host_ip);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)created);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)seen);
	bind_expiry(s, 4, e->expires_at);
	rc |= bind_text(s, 5, e->finding_id);
	rc |= bind_text(s, 6, e->finding_type);
	rc |= bind_text(s, 7, e->severity);
	rc |= bind_text(s, 8, e->account_id);
	rc |= bind_text(s, 9, e->region);
	rc |= bind_text(s, 10, *rec);
	return rc == SQLITE_OK ? SQLITE_OK : SQLITE_TOOBIG;
}

/*
 * Run SQ_INSERT (with the entry's state) or SQ_REBLOCK for an entry with
 * these times; *changed says if a row was inserted or re-blocked. 0, 1 if
 * refused (too big; nothing written), -1.
 */
static int
sq_write(struct sq *sq, enum sq_stmt which, const struct store_entry *e,
    time_t created, time_t seen, int *changed, char **cause)
{
	sqlite3_stmt	*s = sq_stmt(sq, which);
	char		*rec;
	int		 rc;

	rc = sq_bind(s, e, created, seen, &rec);
	if (which == SQ_INSERT && e->removed_at != 0) {
		sqlite3_bind_int64(s, 11, (sqlite3_int64)e->removed_at);
		bind_text(s, 12, e->removed_reason);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	free(rec);
	if ((rc & 0xff) == SQLITE_TOOBIG) {
		*cause = sq_too_big();
		return 1;
	}
	if (rc != SQLITE_DONE) {
		*cause = sq_cause(sq, "add", rc);
		return -1;
	}
	*changed = sqlite3_changes(sq->db) == 1;
	return 0;
}

static int
sq_run(struct sq *sq, sqlite3_stmt *s, const char *what, char **cause)
{
	int	 rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		*cause = sq_cause(sq, what, rc);
		return -1;
	}
	return 0;
}

/* Read back the stored times and state of an entry. */
static int
sq_times(struct sq *sq, struct store_entry *e, char **cause)
{
	sqlite3_stmt	*s = sq_stmt(sq, SQ_TIMES);
	int		 rc;

	bind_text(s, 1, e->host_ip);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		*cause = sq_cause(sq, "read back", rc == SQLITE_DONE ?
		    SQLITE_INTERNAL : rc);
		sqlite3_reset(s);
		return -1;
	}
	e->created_at = (time_t)sqlite3_column_int64(s, 0);
	e->last_seen_at = (time_t)sqlite3_column_int64(s, 1);
	e->expires_at = (time_t)sqlite3_column_int64(s, 2);
	free(e->removed_reason);
	e->removed_reason = NULL;
	column_state(s, 3, e);
	sqlite3_reset(s);
	return 0;
}

static int
sq_add(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct sq	*sq = st->state;
	sqlite3_stmt	*s;
	time_t		 now;
	int		 r;

	if (sq_begin(sq, cause) != 0)
		return -1;
	now = clk_now();	/* under the write lock, after any wait for it */
	if ((r = sq_write(sq, SQ_INSERT, e, now, now, is_new, cause)) != 0)
		return r;
	if (!*is_new &&
	    (r = sq_write(sq, SQ_REBLOCK, e, now, now, is_new, cause)) != 0)
		return r;
	if (*is_new) {
		e->created_at = e->last_seen_at = now;
		return 0;
	}
	s = sq_stmt(sq, SQ_TOUCH);
	bind_text(s, 1, e->host_ip);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
	bind_expiry(s, 3, e->expires_at);
	if (sq_run(sq, s, "add", cause) != 0)
		return -1;
	return sq_times(sq, e, cause);
}

static int sq_get_entry(struct sq *, const char *, struct store_entry *,
    char **);

static int
sq_merge(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct sq		*sq = st->state;
	struct store_entry	 stored;
	sqlite3_stmt		*s;
	int			 r;

	if (sq_begin(sq, cause) != 0)
		return -1;
	if ((r = sq_write(sq, SQ_INSERT, e, e->created_at, e->last_seen_at,
	    is_new, cause)) != 0 || *is_new)
		return r;
	memset(&stored, 0, sizeof(stored));
	if ((r = sq_get_entry(sq, e->host_ip, &stored, cause)) != 1) {
		if (r == 0)
			*cause = sq_cause(sq, "merge", SQLITE_INTERNAL);
		return -1;
	}
	store_merge_times(&stored, &stored, e);
	s = sq_stmt(sq, SQ_SET_STATE);
	bind_text(s, 1, e->host_ip);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)stored.created_at);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)stored.last_seen_at);
	bind_expiry(s, 4, stored.expires_at);
	bind_expiry(s, 5, stored.removed_at);
	bind_text(s, 6, stored.removed_reason);
	if ((r = sq_run(sq, s, "merge", cause)) == 0) {
		store_entry_clear(e);	/* what is now stored, whole */
		*e = stored;
	} else
		store_entry_clear(&stored);
	return r;
}

static int
sq_commit(struct store *st, char **cause)
{
	return sq_commit_tx(st->state, cause);
}

static int
sq_get_entry(struct sq *sq, const char *ip, struct store_entry *e,
    char **cause)
{
	sqlite3_stmt	*s = sq_stmt(sq, SQ_GET);
	int		 rc;

	bind_text(s, 1, ip);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		column_entry(s, e);
		sqlite3_reset(s);
		return 1;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	*cause = sq_cause(sq, "get", rc);
	return -1;
}

static int
sq_get(struct store *st, const char *ip, struct store_entry *e,
    char **cause)
{
	return sq_get_entry(st->state, ip, e, cause);
}

/*
 * Read the entry under the write lock, so that the match cannot go stale
 * before the change: 1 and *e if it matches m, else 0 (or -1).
 */
static int
sq_read_matching(struct sq *sq, const char *ip, const struct store_match *m,
    struct store_entry *e, char **cause)
{
	int	 found;

	memset(e, 0, sizeof(*e));
	if (sq_begin(sq, cause) != 0)
		return -1;
	if ((found = sq_get_entry(sq, ip, e, cause)) <= 0)
		return found;
	if (!store_match_entry(m, e)) {
		store_entry_clear(e);
		return 0;
	}
	return 1;
}

/* Hand the entry to *out (may be NULL), or clear it. */
static void
sq_hand_back(struct store_entry *e, struct store_entry *out)
{
	if (out != NULL)
		*out = *e;
	else
		store_entry_clear(e);
}

static int
sq_unblock(struct store *st, const char *ip, const struct store_match *m,
    const char *reason, struct store_entry *out, char **cause)
{
	struct sq		*sq = st->state;
	struct store_entry	 e;
	sqlite3_stmt		*s;
	time_t			 now;
	int			 found;

	if ((found = sq_read_matching(sq, ip, m, &e, cause)) <= 0)
		return found;
	now = clk_now();
	e.removed_at = now > 0 ? now : 1;	/* 0 means active */
	e.removed_reason = xstrdup(reason);
	s = sq_stmt(sq, SQ_UNBLOCK);
	bind_text(s, 1, ip);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)e.removed_at);
	bind_text(s, 3, reason);
	if (sq_run(sq, s, "unblock", cause) != 0) {
		store_entry_clear(&e);
		return -1;
	}
	sq_hand_back(&e, out);
	return 1;
}

static int
sq_forget(struct store *st, const char *ip, const struct store_match *m,
    struct store_entry *out, char **cause)
{
	struct sq		*sq = st->state;
	struct store_entry	 e;
	sqlite3_stmt		*s;
	int			 found;

	if ((found = sq_read_matching(sq, ip, m, &e, cause)) <= 0)
		return found;
	s = sq_stmt(sq, SQ_DELETE);
	bind_text(s, 1, ip);
	if (sq_run(sq, s, "forget", cause) != 0) {
		store_entry_clear(&e);
		return -1;
	}
	sq_hand_back(&e, out);
	return 1;
}

/*
 * The WHERE clause of a match into w, with parameters ?1 before, ?2
 * expired_at, ?3 removed_from, ?4 removed_before; "" for every entry.
 */
static void
sq_where(const struct store_match *m, struct buf *w)
{
	const char	*and = " WHERE ";

	if (m == NULL)
		return;
	if (m->state == STORE_ACTIVE) {
		buf_addf(w, "%sremoved_at IS NULL", and);
		and = " AND ";
	} else if (m->state == STORE_PENDING || m->removed_from != 0 ||
	    m->removed_before != 0) {
		buf_addf(w, "%sremoved_at IS NOT NULL", and);
		and = " AND ";
	}
	if (m->removed_from != 0) {
		buf_addf(w, "%sremoved_at >= ?3", and);
		and = " AND ";
	}
	if (m->removed_before != 0) {
		buf_addf(w, "%sremoved_at < ?4", and);
		and = " AND ";
	}
	if (m->before == 0 && m->expired_at == 0)
		return;
	buf_adds(w, and);
	/* a time of 0 is unknown, never old enough (store.h) */
	if (m->expired_at == 0)
		buf_adds(w, m->by == STORE_BY_CREATED ?
		    "(created_at > 0 AND created_at < ?1)" :
		    "(last_seen_at > 0 AND last_seen_at < ?1)");
	else if (m->before == 0)
		buf_adds(w, "expires_at <= ?2");
	else
		buf_adds(w, m->by == STORE_BY_CREATED ?
		    "((created_at > 0 AND created_at < ?1) OR "
		    "expires_at <= ?2)" :
		    "((last_seen_at > 0 AND last_seen_at < ?1) OR "
		    "expires_at <= ?2)");
}

/* SELECT what FROM blocklist, for the entries that match m, then tail. */
static int
sq_prepare_match(struct sq *sq, const char *what,
    const struct store_match *m, const char *tail, sqlite3_stmt **s,
    char **cause)
{
	struct buf	 sql;
	int		 rc;

	buf_init(&sql);
	buf_addf(&sql, "SELECT %s FROM blocklist", what);
	sq_where(m, &sql);
	buf_adds(&sql, tail);
	rc = sqlite3_prepare_v2(sq->db, buf_cstr(&sql), -1, s, NULL);
	buf_free(&sql);
	if (rc != SQLITE_OK) {
		*cause = sq_cause(sq, "scan", rc);
		return -1;
	}
	if (m == NULL)
		return 0;
	if (m->before != 0)
		sqlite3_bind_int64(*s, 1, (sqlite3_int64)m->before);
	if (m->expired_at != 0)
		sqlite3_bind_int64(*s, 2, (sqlite3_int64)m->expired_at);
	if (m->removed_from != 0)
		sqlite3_bind_int64(*s, 3, (sqlite3_int64)m->removed_from);
	if (m->removed_before != 0)
		sqlite3_bind_int64(*s, 4, (sqlite3_int64)m->removed_before);
	return 0;
}

static int
sq_scan(struct store *st, const struct store_match *m, store_cb cb,
    void *arg, char **cause)
{
	struct sq		*sq = st->state;
	struct store_entry	 e;
	sqlite3_stmt		*s;
	int			 rc, stop = 0;

	if (sq_prepare_match(sq, SQ_COLUMNS, m, " ORDER BY host_ip", &s,
	    cause) != 0)
		return -1;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		column_entry(s, &e);
		stop = cb(&e, arg) != 0;
		store_entry_clear(&e);
	}
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE) {
		*cause = sq_cause(sq, "scan", rc);
		return -1;
	}
	return 0;
}

static int
sq_count(struct store *st, const struct store_match *m, uint64_t *n,
    char **cause)
{
	struct sq	*sq = st->state;
	sqlite3_stmt	*s;
	int		 rc;

	if (sq_prepare_match(sq, "count(*)", m, "", &s, cause) != 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		*cause = sq_cause(sq, "count", rc);
		sqlite3_finalize(s);
		return -1;
	}
	*n = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return 0;
}

static size_t
text_len(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

static int
sq_refuses(struct store *st, const struct store_entry *e, char **cause)
{
	char	*rec = NULL;
	size_t	 n;

	if (e->record != NULL && (rec = json_dumps(e->record, JSON_COMPACT |
	    JSON_ENCODE_ANY)) == NULL)
		abort();	/* out of memory */
	n = text_len(e->host_ip) + text_len(e->finding_id) +
	    text_len(e->finding_type) + text_len(e->severity) +
	    text_len(e->account_id) + text_len(e->region) + text_len(rec);
	free(rec);
	if (n <= SQ_VALUE_MAX)
		return 0;
	*cause = sq_too_big();
	return 1;
}

const struct store_backend store_sqlite_backend = {
	.scheme = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.init = sq_init,
	.add = sq_add,
	.merge = sq_merge,
	.commit = sq_commit,
	.get = sq_get,
	.unblock = sq_unblock,
	.forget = sq_forget,
	.scan = sq_scan,
	.count = sq_count,
	.refuses = sq_refuses,
};
