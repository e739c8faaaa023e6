/*
 * store.h: the blocklist store, behind one interface so that programs never
 * know which backend they talk to.
 *
 * A store is named by a URL: "sqlite:PATH" (the default: a file under
 * $XDG_DATA_HOME/sechub-tools/) or "dynamodb:TABLE". Each entry is keyed by
 * HostIp (canonical text). Backends: store_sqlite.c, store_ddb.c.
 */
#ifndef SECHUB_STORE_H
#define SECHUB_STORE_H

#include <stdint.h>
#include <time.h>
#include <jansson.h>

struct store;
struct aws_options;

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

/*
 * Open the store named by url (NULL: $SECHUB_STORE, else the default
 * SQLite file). create: make it if it does not exist. NULL and *cause.
 */
struct store *store_open(const char *, int, const struct aws_options *,
	    char **);
void	 store_close(struct store *);
const char *store_url(const struct store *);

/* Create the store explicitly (ipstore init). 0 or -1 and *cause. */
int	 store_init(struct store *, char **);

/*
 * Add or refresh an entry. *is_new is 1 exactly when this call inserted it
 * (true across processes and hosts); otherwise last_seen_at is refreshed
 * and created_at kept. On return the entry holds the stored created_at and
 * last_seen_at. 0 or -1 and *cause.
 */
int	 store_add(struct store *, struct store_entry *, int *, char **);
/* Make everything added so far durable (batched commits). 0 or -1. */
int	 store_commit(struct store *, char **);

/* 1 and *entry if present, 0 if absent, -1 and *cause. */
int	 store_get(struct store *, const char *, struct store_entry *, char **);
/* 1 if removed, 0 if absent, -1 and *cause. */
int	 store_remove(struct store *, const char *, char **);

/* Iterate: cb gets each entry (borrowed); a non-zero return stops. */
typedef int (*store_cb)(const struct store_entry *, void *);
enum store_age { STORE_BY_LAST_SEEN, STORE_BY_CREATED };
/* All entries, or only those whose age field is older than before (0: all). */
int	 store_foreach(struct store *, time_t, enum store_age, store_cb,
	    void *, char **);
int	 store_count(struct store *, uint64_t *, char **);

#endif
