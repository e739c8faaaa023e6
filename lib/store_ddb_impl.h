/*
 * store_ddb_impl.h: what the files of the DynamoDB backend share:
 * store_ddb.c (calls, the table, reads, the backend table),
 * store_ddb_item.c (items <-> entries, condition expressions) and
 * store_ddb_write.c (conditional writes). For these files only.
 *
 * Functions returning json_t * hand back a new reference; getters of item
 * attributes borrow from the item.
 */
#ifndef SECHUB_STORE_DDB_IMPL_H
#define SECHUB_STORE_DDB_IMPL_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store_impl.h"

struct aws_error;
struct buf;

#define DDB_RACE_TRIES		8	/* re-reads of an item that changes */
#define DDB_ITEM_MAX		(400 * 1024)	/* DynamoDB's item size limit */

/*
 * Item attributes. HostIp, CreatedAt, FindingId, AccountId, Region and
 * Timestamp are the original automation's; LastSeenAt, ExpiresAt (a
 * block's own expiry), RemovedAt and RemovedReason (the state: an item
 * holding RemovedAt is pending, else active), FindingType, Severity and
 * Record (the rest of the input record as JSON) are ours.
 */
#define A_KEY		"HostIp"
#define A_CREATED	"CreatedAt"
#define A_SEEN		"LastSeenAt"
#define A_EXPIRES	"ExpiresAt"
#define A_TIMESTAMP	"Timestamp"
#define A_RECORD	"Record"
#define A_REMOVED	"RemovedAt"	/* present: pending since (N) */
#define A_REASON	"RemovedReason"	/* why (S) */

struct ddb {
	struct store	*st;		/* for store_warn_entry() */
	struct aws_ctx	*aws;
	char		*table;
	char		*notice;	/* from init, for store_notice() */
};

enum ddb_rc { DDB_OK = 0, DDB_FAILED = -1, DDB_CONDITION = 1 };

/* Scanned items, as entries and as stored (for optimistic guards). */
struct ddb_row {
	struct store_entry	 e;
	json_t			*item;
};
struct ddb_list {
	struct ddb_row		*v;
	size_t			 n;
	size_t			 cap;
};

/* --- store_ddb.c ---------------------------------------------------------- */

/*
 * One DynamoDB operation on our table. req is consumed. DDB_OK and
 * *resp (may be NULL if not wanted), DDB_CONDITION on
 * ConditionalCheckFailedException, or DDB_FAILED and *cause (when cause
 * is not NULL); errp (may be NULL) receives the error.
 */
enum ddb_rc ddb_call(struct ddb *, const char *, json_t *, json_t **,
	    struct aws_error *, char **);
/* 1 and *item (caller frees), 0 if absent, -1. A consistent read. */
int	 ddb_get_item(struct ddb *, const char *, json_t **, char **);
/*
 * Every item matching m, through paginated consistent Scans, sorted by
 * HostIp as the SQLite backend returns them. With count_only, only
 * *count (count may be NULL otherwise).
 */
int	 ddb_scan_all(struct ddb *, const struct store_match *, int,
	    struct ddb_list *, uint64_t *, char **);
void	 ddb_list_free(struct ddb_list *);
/* ddb_entry(), and a warning (store_warn_entry()) if its time is unknown. */
int	 ddb_read_entry(struct ddb *, const json_t *, struct store_entry *);

/* --- store_ddb_item.c ---------------------------------------------------- */

json_t	*ddb_s(const char *);		/* {"S": s} */
json_t	*ddb_n(long long);		/* {"N": "n"} */
json_t	*ddb_key(const char *);		/* {"HostIp": {"S": ip}} */
json_t	*ddb_req(struct ddb *);		/* {"TableName": table} */
/* The item for an entry, with these times (expires 0: none), and the
 * entry's state. */
json_t	*ddb_item(const struct store_entry *, time_t, time_t, time_t);
/* An item's size as DynamoDB counts it against DDB_ITEM_MAX, or more. */
size_t	 ddb_item_size(const json_t *);
/* A string attribute, or NULL. */
const char *ddb_get_s(const json_t *, const char *);
/* A number attribute in clk's range after 1970; 0 (and *present 0) if
 * absent or not one. present may be NULL. */
time_t	 ddb_get_n(const json_t *, const char *, int *);
/* Is this attribute one the backend reads into an entry's own fields? */
int	 ddb_known(const char *);
/* An item as an entry (cleared first). 0, or -1 if it has no HostIp. */
int	 ddb_entry(const json_t *, struct store_entry *);
/* The same, and *why (caller frees) when its time is unknown, else NULL. */
int	 ddb_entry_why(const json_t *, struct store_entry *, char **);
/* A time written as a string (store_ddb_item.c says which forms). */
int	 ddb_parse_time(const char *, time_t *);
/*
 * The condition an entry must meet to match m, over attribute names #c,
 * #l, #x, #r and values :b, :e, :rf, :rb (added to names and values). NULL
 * when m matches everything. The caller frees.
 */
char	*ddb_match_expr(const struct store_match *, json_t *, json_t *);
/* Set an expression member of req, and names and values if any. */
void	 ddb_set_expr(json_t *, const char *, const char *, json_t *,
	    json_t *);
/* Append to cond a test that attribute attr (placeholder name) still holds
 * what item holds (placeholder ph in values), or is still absent. */
void	 ddb_guard(struct buf *, json_t *, const char *, const char *,
	    const json_t *, const char *);

/* --- store_ddb_write.c: the backend's write operations ------------------- */

/* 1 and *cause if the entry's item is past DDB_ITEM_MAX, else 0. */
int	 ddb_too_big(const struct store_entry *, char **);
int	 ddb_add(struct store *, struct store_entry *, int *, char **);
int	 ddb_merge(struct store *, struct store_entry *, int *, char **);
int	 ddb_commit(struct store *, char **);
int	 ddb_unblock(struct store *, const char *, const struct store_match *,
	    const char *, struct store_entry *, char **);
int	 ddb_forget(struct store *, const char *, const struct store_match *,
	    struct store_entry *, char **);

#endif
