/*
 * store_impl.h: the interface between the store front end (store.c) and
 * its backends (store_sqlite.c, store_ddb.c). Programs include store.h
 * only; this header is for backends.
 *
 * store.c parses the URL, picks the backend by scheme and calls through
 * this table. It checks arguments (non-NULL entry, canonical HostIp) before
 * calling, NULLs *cause on entry, and zeroes out-entries, so backends need
 * not. Each operation has the meaning its store_* counterpart documents in
 * store.h; every function returns -1 and sets *cause (caller frees) on
 * failure.
 */
#ifndef SECHUB_STORE_IMPL_H
#define SECHUB_STORE_IMPL_H

#include "store.h"

struct store_backend {
	const char	*scheme;	/* "sqlite", "dynamodb" (before ':') */

	/*
	 * Open the store named by target (the URL after "scheme:"; for sqlite
	 * an absolute or relative path, for dynamodb a table name) with the
	 * STORE_* flags of store_open() (STORE_CREATE: make it if absent;
	 * sqlite: file and schema). Set st->state. On failure *kind
	 * (never NULL here) says whether the user's settings are at fault.
	 */
	int	(*open)(struct store *, const char *, int,
		    const struct aws_options *, enum err_kind *, char **);
	/* Roll back anything not committed and free st->state. */
	void	(*close)(struct store *);

	int	(*init)(struct store *, char **);
	int	(*add)(struct store *, struct store_entry *, int *, char **);
	int	(*merge)(struct store *, struct store_entry *, int *, char **);
	int	(*commit)(struct store *, char **);
	int	(*get)(struct store *, const char *, struct store_entry *,
		    char **);
	/*
	 * store_unblock: m is never NULL and has state STORE_ACTIVE; the
	 * backend takes clk_now() for removed_at when it makes the change.
	 */
	int	(*unblock)(struct store *, const char *,
		    const struct store_match *, const char *,
		    struct store_entry *, char **);
	/* store_forget: m is never NULL and has state STORE_PENDING. */
	int	(*forget)(struct store *, const char *,
		    const struct store_match *, struct store_entry *, char **);
	/* m NULL: every entry. */
	int	(*scan)(struct store *, const struct store_match *, store_cb,
		    void *, char **);
	int	(*count)(struct store *, const struct store_match *, uint64_t *,
		    char **);
	/*
	 * Optional (may be NULL): 1 and *cause if add or merge would refuse
	 * the entry as given (too big), else 0; asked by the dry run, which
	 * writes nothing and must refuse what a real run would.
	 */
	int	(*refuses)(struct store *, const struct store_entry *, char **);

	/*
	 * Optional (may be NULL): something the user should know after the
	 * last operation that still succeeded (e.g. init could not enable
	 * TTL on this endpoint), or NULL. Borrowed.
	 */
	const char *(*notice)(struct store *);
};

struct store {
	const struct store_backend *backend;
	char		*url;		/* "scheme:target", default expanded */
	void		*state;		/* the backend's own */
	store_warn_fn	 warn;		/* store_on_warning() */
	void		*warn_arg;
	char		**warned;	/* the keys told, sorted */
	size_t		 nwarned;
	struct store	*warn_to;	/* the dry-run store around this one */
};

extern const struct store_backend store_sqlite_backend;
/* store_dry.c: the dry-run store, around an open store it then owns. */
extern const struct store_backend store_dry_backend;
void	*store_dry_wrap(struct store *);
/*
 * Defined by store_ddb.c. store.c lists it only when HAVE_STORE_DDB is
 * defined, so that a tree without store_ddb.c still links; the AWS
 * section of Makefile.am defines it (AM_CPPFLAGS += -DHAVE_STORE_DDB).
 */
extern const struct store_backend store_ddb_backend;

/* Helpers backends may use. */

/* Entries per transaction or batch for bulk operations. */
#define STORE_BATCH	5000

/*
 * The times and state store_merge() gives an entry stored as a and merged
 * with b (either order): into out's created_at, last_seen_at, expires_at,
 * removed_at and removed_reason (out may be a or b; its old reason is
 * freed).
 */
void	 store_merge_times(struct store_entry *, const struct store_entry *,
	    const struct store_entry *);

/*
 * Tell the store's warning function (store_on_warning()) what about the
 * entry keyed ip, unless it was told about that key already.
 */
void	 store_warn_entry(struct store *, const char *, const char *);

/* "what: why" into a fresh string for *cause. */
char	*store_cause(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
