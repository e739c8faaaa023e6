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
 *
 * States: an entry is active (blocked: the firewall should block it) or
 * pending (unblocked: removed from the blocklist, kept until the firewall
 * confirms it no longer blocks the address). Only a pending entry is ever
 * deleted (store_forget), so the store never forgets an address a firewall
 * may still block. See sechub-tools(7), "The states of an entry".
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

/* Why an entry is pending (removed_reason). */
#define STORE_EXPIRED	"expired"	/* ipstore-prune: too old, or its TTL */
#define STORE_MANUAL	"manual"	/* ipstore rm, unless told */
/* Any other reason: some text of at most this many bytes (see below). */
#define STORE_REASON_MAX	256

/* One blocklist entry. Strings are owned by the entry (store_entry_clear). */
struct store_entry {
	char	*host_ip;	/* canonical text: the key */
	time_t	 created_at;	/* first blocked (this time: a re-block of a
				   pending entry is a new block); 0: unknown */
	time_t	 last_seen_at;	/* last time it was added again; 0: unknown */
	time_t	 expires_at;	/* 0: no per-record TTL */
	time_t	 removed_at;	/* 0: active; else pending since then */
	char	*removed_reason; /* pending: STORE_EXPIRED, ...; else NULL */
	char	*finding_id;	/* may be NULL */
	char	*finding_type;
	char	*severity;
	char	*account_id;
	char	*region;
	json_t	*record;	/* the rest of the input record; may be NULL */
};
/*
 * A time of 0 is no time: the store could not read one (an item somebody
 * else wrote without a readable CreatedAt or Timestamp). Such an entry is
 * shown without it, is never old enough for an age test (it expires only
 * by its own ExpiresAt), and is kept so by store_merge(); each backend
 * tells store_on_warning()'s function about it when it reads it.
 */
void	 store_entry_clear(struct store_entry *);
/* Deep copy of src into dst (dst is overwritten, not cleared first). */
void	 store_entry_copy(struct store_entry *, const struct store_entry *);

/*
 * Fill an entry from an input record (an object with HostIp). HostIp must
 * be a valid address; it is stored in canonical form. FindingId,
 * FindingType, Severity, AccountId and Region are taken when they are
 * strings without a NUL character in them; everything else but the
 * store's own fields (NewIP, CreatedAt, LastSeenAt, ExpiresAt, RemovedAt,
 * RemovedReason) goes to entry->record. Times are left 0 (active).
 * 0, or -1 and *cause (caller frees; a short reason such as
 * "invalid HostIp \"1.2.3\"").
 */
int	 store_entry_from_json(struct store_entry *, const json_t *, char **);
/*
 * An entry as an output record: HostIp, CreatedAt, LastSeenAt, ExpiresAt
 * (when set), RemovedAt and RemovedReason (when pending), the finding
 * fields that are set, then the rest of the stored record. Times are RFC
 * 3339 text. The caller owns the result.
 */
json_t	*store_entry_to_json(const struct store_entry *);

/* store_open() flags */
#define STORE_CREATE	0x1	/* make the store if it does not exist */
/*
 * A dry run: the store is only read (a SQLite file opened read-only, never
 * created or migrated: an absent one, with STORE_CREATE, reads as empty),
 * and every change is kept in memory, where the same process reads it
 * back: the commands run as they would, and nothing is written.
 */
#define STORE_DRY_RUN	0x2

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

/*
 * Warnings about what the store reads: fn(key, what, arg) once per HostIp
 * for the life of the open store (an entry whose time cannot be read:
 * what says why and what follows). Without a function, nothing is said.
 */
typedef void (*store_warn_fn)(const char *, const char *, void *);
void	 store_on_warning(struct store *, store_warn_fn, void *);

/* Create the store explicitly (ipstore init). 0 or -1 and *cause. */
int	 store_init(struct store *, char **);
/*
 * A warning about the last operation, which succeeded ("this DynamoDB
 * endpoint has no TTL ..."), or NULL. Borrowed; programs print it.
 */
const char *store_notice(struct store *);

/*
 * Add or refresh an entry, stamped with clk_now() when the change is made.
 * *is_new is 1 exactly when this call blocked the address anew (true
 * across processes and hosts): it inserted it, or it found it pending and
 * made it active again (a new block: created_at and last_seen_at now, the
 * entry's expiry, finding fields and record, no RemovedAt). Otherwise
 * last_seen_at is raised to now, created_at and the finding fields are
 * kept, and expires_at is raised to the entry's if that is later (an entry
 * without a TTL keeps having none). On return the entry holds the stored
 * times. 0; 1 and *cause if the entry was refused, nothing changed,
 * because the backend cannot hold it as given (too big: an entry is
 * stored whole or not at all); -1 and *cause.
 */
int	 store_add(struct store *, struct store_entry *, int *, char **);
/*
 * Merge an entry with its own times and state (mirroring between stores):
 * insert it as is, or widen the stored one (created_at the earlier,
 * last_seen_at and expires_at the later, where no TTL counts as the
 * latest of all; the stored finding fields and record are kept). The
 * state is the later event's: pending if either side is pending since at
 * least the other side's last_seen_at (two pending sides: since the
 * earlier), else active; an unknown time (0) gives way to a known one.
 * Idempotent. *is_new as for store_add (inserted); on return the entry is
 * the one now stored, whole: its times and state, and the stored finding
 * fields and record. 0, 1 (refused) or -1 and *cause, as store_add.
 */
int	 store_merge(struct store *, struct store_entry *, int *, char **);
/* Make everything changed so far durable (batched commits). 0 or -1. */
int	 store_commit(struct store *, char **);

/* 1 and *entry if present (active or pending), 0 if absent, -1. */
int	 store_get(struct store *, const char *, struct store_entry *, char **);

/* Iterate: cb gets each entry (borrowed); a non-zero return stops. */
typedef int (*store_cb)(const struct store_entry *, void *);
enum store_age { STORE_BY_LAST_SEEN, STORE_BY_CREATED };
enum store_state { STORE_ANY, STORE_ACTIVE, STORE_PENDING };

/*
 * Which entries an operation applies to: those in state (STORE_ANY: both)
 * that, when removed_before is set, are pending since strictly before it
 * (and, when removed_from is set, since it or later), and that, when an
 * age test is set, pass it: their age field (by) is strictly earlier than
 * before, or expired_at is set and the entry has an ExpiresAt at or
 * before it. All zero: every entry.
 */
struct store_match {
	time_t		 before;	/* 0: no age test */
	enum store_age	 by;
	time_t		 expired_at;	/* 0: no TTL test */
	enum store_state state;
	time_t		 removed_from;	/* 0: no lower bound */
	time_t		 removed_before; /* 0: no upper bound */
};
int	 store_match_entry(const struct store_match *,
	    const struct store_entry *);

/* Entries that match m (NULL: all), in HostIp order (strcmp). 0 or -1. */
int	 store_scan(struct store *, const struct store_match *, store_cb,
	    void *, char **);
/* How many entries match m (NULL: all). 0 or -1. */
int	 store_count(struct store *, const struct store_match *, uint64_t *,
	    char **);

/*
 * Unblock: make an active entry that (still) matches m (NULL: any) pending
 * since clk_now(), for reason (STORE_EXPIRED, STORE_MANUAL), checked
 * atomically with the change, so an address seen again meanwhile stays
 * active when m has an age test. 1 and *out (may be NULL) the entry as now
 * stored; 0 if absent, already pending or not matching; -1 and *cause.
 * Durable after store_commit().
 */
/*
 * Is this a reason for an unblock: a non-empty UTF-8 string of at most
 * STORE_REASON_MAX bytes without control characters? 0, or -1 and *cause.
 */
int	 store_valid_reason(const char *, char **);
int	 store_unblock(struct store *, const char *, const struct store_match *,
	    const char *, struct store_entry *, char **);
/*
 * Unblock every active entry matching m (NULL: all), committing in
 * batches; cb (may be NULL) gets each after the batch holding it was
 * committed. *n counts them. 0 or -1 and *cause (the entries already
 * committed stay pending: a pending entry is never lost).
 */
int	 store_unblock_all(struct store *, const struct store_match *,
	    const char *, store_cb, void *, uint64_t *, char **);
/*
 * Forget: delete an entry that is (still) pending and matches m (NULL: any
 * pending entry), checked atomically with the deletion, so an address
 * blocked again meanwhile stays. Call it only once the firewall no longer
 * blocks the address. 1 and *out (may be NULL) the entry deleted; 0 if
 * absent, active or not matching; -1. Durable after store_commit().
 */
int	 store_forget(struct store *, const char *, const struct store_match *,
	    struct store_entry *, char **);
/* Forget every pending entry matching m, as store_unblock_all(). */
int	 store_forget_all(struct store *, const struct store_match *,
	    store_cb, void *, uint64_t *, char **);

#endif
