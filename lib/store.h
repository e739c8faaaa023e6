/*
 * store.h: the blocklist store, behind one interface so that programs never
 * know which backend they talk to.
 *
 * A store is named by a URL: "sqlite:PATH" (the default: a file under
 * $XDG_DATA_HOME/sechub-tools/) or "dynamodb:TABLE". Each entry is keyed by
 * HostIp (canonical text). Backends: store_sqlite.c, store_ddb.c; the
 * interface between this front end and a backend is lib/store_impl.h.
 *
 * Durability: a change is durable only once store_commit() has returned 0.
 * Backends may batch writes until then (SQLite keeps one transaction open);
 * programs print a record only after the commit that made it durable.
 */
#ifndef SECHUB_STORE_H
#define SECHUB_STORE_H

#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "err.h"

struct store;
struct aws_options;

/* The file name of the default store under $XDG_DATA_HOME/sechub-tools/. */
#define STORE_DEFAULT_NAME	"blocklist.db"

/* One blocklist entry. Strings are owned by the entry (store_entry_clear). */
struct store_entry {
	char	*host_ip;	/* canonical text: the key */
	time_t	 created_at;	/* first blocked */
	time_t	 last_seen_at;	/* last time it was added again */
	time_t	 expires_at;	/* 0: no per-record TTL */
	char	*finding_id;	/* may be NULL */
	char	*finding_type;
	char	*severity;
	char	*account_id;
	char	*region;
	json_t	*record;	/* the rest of the input record; may be NULL */
};
void	 store_entry_clear(struct store_entry *);
/* Deep copy of src into dst (dst is overwritten, not cleared first). */
void	 store_entry_copy(struct store_entry *, const struct store_entry *);

/*
 * Fill an entry from an input record (an object with HostIp). HostIp must
 * be a valid address; it is stored in canonical form. FindingId,
 * FindingType, Severity, AccountId and Region are taken when they are
 * strings without a NUL character in them; everything else but the store's own fields (NewIP, CreatedAt,
 * LastSeenAt, ExpiresAt) goes to entry->record. Times are left 0.
 * 0, or -1 and *cause (caller frees; a short reason such as
 * "invalid HostIp \"1.2.3\"").
 */
int	 store_entry_from_json(struct store_entry *, const json_t *, char **);
/*
 * An entry as an output record: HostIp, CreatedAt, LastSeenAt, ExpiresAt
 * (when set), the finding fields that are set, then the rest of the stored
 * record. Times are RFC 3339 text. The caller owns the result.
 */
json_t	*store_entry_to_json(const struct store_entry *);

/* store_open() flags */
#define STORE_CREATE	0x1	/* make the store if it does not exist */

/*
 * Open the store named by url (NULL: $SECHUB_STORE, else the default
 * SQLite file) with STORE_* flags. NULL, *kind and *cause on failure:
 * ERR_CONFIG for what the user must fix in the command or settings (a bad
 * URL, no region, no credentials, a bad endpoint), ERR_RUNTIME for the
 * rest. kind may be NULL.
 */
struct store *store_open(const char *, int, const struct aws_options *,
	    enum err_kind *, char **);
void	 store_close(struct store *);
/* The URL in use, with the default spelled out ("sqlite:/home/..."). */
const char *store_url(const struct store *);
/* The URL store_open(NULL, ...) would use; the caller frees. */
char	*store_default_url(char **);

/* Create the store explicitly (ipstore init). 0 or -1 and *cause. */
int	 store_init(struct store *, char **);
/*
 * A warning about the last operation, which succeeded ("this DynamoDB
 * endpoint has no TTL ..."), or NULL. Borrowed; programs print it.
 */
const char *store_notice(struct store *);

/*
 * Add or refresh an entry, stamped with clk_now(). *is_new is 1 exactly
 * when this call inserted it (true across processes and hosts); otherwise
 * last_seen_at is raised to now, created_at and the finding fields are
 * kept, and expires_at is raised to the entry's if that is later (an entry
 * without a TTL keeps having none). On return the entry holds the stored
 * created_at, last_seen_at and expires_at. 0; 1 and *cause if the entry
 * was refused, nothing changed, because the backend cannot hold it as
 * given (too big: an entry is stored whole or not at all); -1 and *cause.
 */
int	 store_add(struct store *, struct store_entry *, int *, char **);
/*
 * Merge an entry with its own times (mirroring between stores): insert it
 * as is, or widen the stored one (created_at the earlier, last_seen_at and
 * expires_at the later, where no TTL counts as the latest of all; the
 * stored finding fields and record are kept). Idempotent. *is_new as for
 * store_add; on return the entry holds the stored times. 0, 1 (refused)
 * or -1 and *cause, as store_add.
 */
int	 store_merge(struct store *, struct store_entry *, int *, char **);
/* Make everything changed so far durable (batched commits). 0 or -1. */
int	 store_commit(struct store *, char **);

/* 1 and *entry if present, 0 if absent, -1 and *cause. */
int	 store_get(struct store *, const char *, struct store_entry *, char **);
/* 1 if removed, 0 if absent, -1 and *cause. */
int	 store_remove(struct store *, const char *, char **);

/* Iterate: cb gets each entry (borrowed); a non-zero return stops. */
typedef int (*store_cb)(const struct store_entry *, void *);
enum store_age { STORE_BY_LAST_SEEN, STORE_BY_CREATED };

/*
 * Which entries an operation applies to. An entry matches when its age
 * field (by) is strictly earlier than before, or when expired_at is set and
 * the entry has an ExpiresAt at or before it. All zero: every entry.
 */
struct store_match {
	time_t		 before;	/* 0: no age test */
	enum store_age	 by;
	time_t		 expired_at;	/* 0: no TTL test */
};
int	 store_match_entry(const struct store_match *,
	    const struct store_entry *);

/* All entries, or only those whose age field is older than before (0: all). */
int	 store_foreach(struct store *, time_t, enum store_age, store_cb,
	    void *, char **);
/* Entries that match m (NULL: all), in HostIp order where the backend can. */
int	 store_scan(struct store *, const struct store_match *, store_cb,
	    void *, char **);
/*
 * Remove an entry only if it (still) matches m, checked atomically with the
 * removal, so an IP re-added meanwhile survives. removed (may be NULL)
 * receives the entry removed. 1 if removed, 0 if absent or not matching,
 * -1 and *cause. Durable after store_commit().
 */
int	 store_remove_if(struct store *, const char *,
	    const struct store_match *, struct store_entry *, char **);
/*
 * Remove every entry matching m, committing in batches; cb (may be NULL)
 * gets each removed entry after the batch holding it was committed. *n
 * counts them. 0 or -1 and *cause (entries already reported stay removed).
 */
int	 store_prune(struct store *, const struct store_match *, store_cb,
	    void *, uint64_t *, char **);
int	 store_count(struct store *, uint64_t *, char **);

#endif
