/*
 * store_ddb_write.c: the DynamoDB backend's writes: conditional puts and
 * updates that keep NewIP true across hosts, merges, and removals guarded
 * by what a scan saw.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aws.h"
#include "clk.h"
#include "http.h"
#include "store.h"
#include "store_ddb_impl.h"
#include "util.h"

/*
 * 1 and *cause if the entry's item would be past DynamoDB's size limit
 * (the service would refuse it: the entry is refused whole, never cut),
 * now or once the store's own attributes are all there: an ExpiresAt and
 * the state of an unblock with the longest reason. So no later write to
 * the item (ipstore rm, ipstore-prune, a TTL) can fail for its size.
 */
int
ddb_too_big(const struct store_entry *e, char **cause)
{
	json_t *item = ddb_item(e, e->created_at != 0 ? e->created_at : 1,
	    e->last_seen_at != 0 ? e->last_seen_at : 1, e->expires_at);
	size_t n = ddb_item_size(item);

	if (json_object_get(item, A_EXPIRES) == NULL)
		n += strlen(A_EXPIRES) + 21;
	if (json_object_get(item, A_REMOVED) == NULL)
		n += strlen(A_REMOVED) + 21 + strlen(A_REASON);
	if (json_object_get(item, A_REASON) == NULL)
		n += STORE_REASON_MAX;
	json_decref(item);
	if (n <= DDB_ITEM_MAX)
		return 0;
	*cause = store_cause("too big for DynamoDB: an item holds at most "
	    "%d KB, this one would hold %zu bytes with the store's own "
	    "attributes", DDB_ITEM_MAX / 1024, n);
	return 1;
}

/* Put the entry with these times unless HostIp exists. */
static enum ddb_rc
ddb_put_new(struct ddb *d, const struct store_entry *e, time_t created,
    time_t seen, time_t expires, char **cause)
{
	json_t *req;

	req = ddb_req(d);
	json_object_set_new(req, "Item", ddb_item(e, created, seen, expires));
	json_object_set_new(req, "ConditionExpression",
	    json_string("attribute_not_exists(#k)"));
	json_object_set_new(req, "ExpressionAttributeNames",
	    json_pack("{s:s}", "#k", A_KEY));
	return ddb_call(d, "PutItem", req, NULL, NULL, cause);
}

/* UpdateItem with a condition; *item gets the new item (ALL_NEW). */
static enum ddb_rc
ddb_update(struct ddb *d, const char *ip, const char *update,
    const char *cond, json_t *names, json_t *values, json_t **item,
    char **cause)
{
	json_t *req, *resp;
	enum ddb_rc rc;

	req = ddb_req(d);
	json_object_set_new(req, "Key", ddb_key(ip));
	json_object_set_new(req, "UpdateExpression", json_string(update));
	json_object_set_new(req, "ReturnValues", json_string("ALL_NEW"));
	ddb_set_expr(req, "ConditionExpression", cond, names, values);
	json_decref(names);
	json_decref(values);
	rc = ddb_call(d, "UpdateItem", req, &resp, NULL, cause);
	if (rc == DDB_OK) {
		*item = json_incref(json_object_get(resp, "Attributes"));
		json_decref(resp);
	}
	return rc;
}

/* The stored times and state of an item into e. */
static void
ddb_times_from(const json_t *item, struct store_entry *e)
{
	struct store_entry s;

	if (ddb_entry(item, &s) != 0)
		return;
	e->created_at = s.created_at;
	e->last_seen_at = s.last_seen_at;
	e->expires_at = s.expires_at;
	e->removed_at = s.removed_at;
	free(e->removed_reason);
	e->removed_reason = s.removed_reason;
	s.removed_reason = NULL;
	store_entry_clear(&s);
}

/* The outcomes of ddb_touch(). */
enum ddb_touched { TOUCH_FAILED = -1, TOUCH_GONE, TOUCH_DONE, TOUCH_PENDING };

/*
 * Seen again: LastSeenAt raised to now (never lowered), ExpiresAt raised
 * to the entry's if both have one, on an active item. TOUCH_DONE with the
 * stored item, TOUCH_PENDING with the item if it is pending (to be blocked
 * anew), TOUCH_GONE if it vanished meanwhile (a concurrent forget).
 */
static enum ddb_touched
ddb_touch(struct ddb *d, struct store_entry *e, time_t now, json_t **item,
    char **cause)
{
	enum ddb_rc rc;
	time_t stored;
	int has;

	rc = ddb_update(d, e->host_ip, "SET #l = :now",
	    "attribute_exists(#k) AND attribute_not_exists(#r) AND "
	    "(attribute_not_exists(#l) OR #l < :now)",
	    json_pack("{s:s, s:s, s:s}", "#k", A_KEY, "#l", A_SEEN, "#r",
	    A_REMOVED), json_pack("{s:o}", ":now", ddb_n((long long)now)),
	    item, cause);
	if (rc == DDB_FAILED)
		return TOUCH_FAILED;
	if (rc == DDB_CONDITION &&
	    ddb_get_item(d, e->host_ip, item, cause) != 1)
		return *cause != NULL ? TOUCH_FAILED : TOUCH_GONE;
	if (json_object_get(*item, A_REMOVED) != NULL)
		return TOUCH_PENDING;
	stored = ddb_get_n(*item, A_EXPIRES, &has);
	if (e->expires_at == 0 || !has || stored >= e->expires_at)
		return TOUCH_DONE;
	json_decref(*item);
	*item = NULL;
	rc = ddb_update(d, e->host_ip, "SET #x = :e", "#x < :e",
	    json_pack("{s:s}", "#x", A_EXPIRES),
	    json_pack("{s:o}", ":e", ddb_n((long long)e->expires_at)), item,
	    cause);
	if (rc == DDB_FAILED)
		return TOUCH_FAILED;
	if (rc == DDB_CONDITION &&
	    ddb_get_item(d, e->host_ip, item, cause) != 1)
		return *cause != NULL ? TOUCH_FAILED : TOUCH_GONE;
	return TOUCH_DONE;
}

/*
 * Block a pending item anew: put the entry, active, with created and seen
 * now, if the item is still pending since what was read (pending, an
 * item holding the same RemovedAt): of several writers, one wins.
 */
static enum ddb_rc
ddb_reblock(struct ddb *d, const struct store_entry *e, time_t now,
    const json_t *pending, char **cause)
{
	json_t *req;

	req = ddb_req(d);
	json_object_set_new(req, "Item", ddb_item(e, now, now, e->expires_at));
	json_object_set_new(req, "ConditionExpression", json_string("#r = :r"));
	json_object_set_new(req, "ExpressionAttributeNames",
	    json_pack("{s:s}", "#r", A_REMOVED));
	json_object_set_new(req, "ExpressionAttributeValues",
	    json_pack("{s:O}", ":r", json_object_get(pending, A_REMOVED)));
	return ddb_call(d, "PutItem", req, NULL, NULL, cause);
}

int
ddb_add(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct ddb *d = st->state;
	time_t now = clk_now();
	json_t *item = NULL;
	enum ddb_rc rc;
	enum ddb_touched t;
	int tries;

	*is_new = 0;
	if (ddb_too_big(e, cause))
		return 1;
	for (tries = 0; tries < DDB_RACE_TRIES; tries++) {
		rc = ddb_put_new(d, e, now, now, e->expires_at, cause);
		if (rc == DDB_FAILED)
			return -1;
		if (rc == DDB_OK) {
			*is_new = 1;
			e->created_at = e->last_seen_at = now;
			return 0;
		}
		if ((t = ddb_touch(d, e, now, &item, cause)) == TOUCH_FAILED)
			return -1;
		if (t == TOUCH_DONE) {
			ddb_times_from(item, e);
			json_decref(item);
			return 0;
		}
		if (t == TOUCH_GONE)
			continue;
		rc = ddb_reblock(d, e, now, item, cause);
		json_decref(item);
		item = NULL;
		if (rc == DDB_FAILED)
			return -1;
		if (rc == DDB_OK) {
			*is_new = 1;
			e->created_at = e->last_seen_at = now;
			return 0;
		}
	}
	*cause = store_cause("%s: the item kept changing under concurrent "
	    "writers", e->host_ip);
	return -1;
}

/* Append "#n = :v" to a SET list, or "#n" to a REMOVE list. */
static void
ddb_list_add(struct buf *list, const char *term)
{
	if (list->len > 0)
		buf_adds(list, ", ");
	buf_adds(list, term);
}

/*
 * The update that writes merged times and state over an item: SET and
 * REMOVE clauses into update, values into values.
 */
static void
ddb_merged_update(const struct store_entry *mt, struct buf *update,
    json_t *values)
{
	struct buf set, rm;

	buf_init(&set);
	buf_init(&rm);
	/* an unknown time (0) leaves the stored attribute as it is */
	if (mt->created_at != 0) {
		ddb_list_add(&set, "#c = :c");
		json_object_set_new(values, ":c",
		    ddb_n((long long)mt->created_at));
	}
	if (mt->last_seen_at != 0) {
		ddb_list_add(&set, "#l = :l");
		json_object_set_new(values, ":l",
		    ddb_n((long long)mt->last_seen_at));
	}
	if (mt->expires_at != 0) {
		ddb_list_add(&set, "#x = :x");
		json_object_set_new(values, ":x",
		    ddb_n((long long)mt->expires_at));
	} else
		ddb_list_add(&rm, "#x");
	if (mt->removed_at != 0) {
		ddb_list_add(&set, "#r = :r, #rr = :rr");
		json_object_set_new(values, ":r",
		    ddb_n((long long)mt->removed_at));
		json_object_set_new(values, ":rr", ddb_s(mt->removed_reason));
	} else
		ddb_list_add(&rm, "#r, #rr");
	buf_addf(update, "SET %s", buf_cstr(&set));
	if (rm.len > 0)
		buf_addf(update, " REMOVE %s", buf_cstr(&rm));
	buf_free(&set);
	buf_free(&rm);
}

/* e becomes the stored item, whole (store_merge() hands it back so). */
static void
ddb_whole_from(struct ddb *d, const json_t *item, struct store_entry *e)
{
	struct store_entry s;

	if (ddb_read_entry(d, item, &s) != 0)
		return;
	store_entry_clear(e);
	*e = s;
}

/* Widen a stored item with e's times and state (store_merge_times()). */
static enum ddb_rc
ddb_widen(struct ddb *d, struct store_entry *e, const json_t *item,
    char **cause)
{
	struct store_entry s, mt;
	struct buf update, cond;
	json_t *names, *values, *out = NULL;
	enum ddb_rc rc;

	if (ddb_entry(item, &s) != 0) {
		*cause = store_cause("%s: stored item has no HostIp",
		    e->host_ip);
		return DDB_FAILED;
	}
	memset(&mt, 0, sizeof(mt));
	store_merge_times(&mt, &s, e);
	if (mt.created_at == s.created_at && mt.last_seen_at ==
	    s.last_seen_at && mt.expires_at == s.expires_at &&
	    mt.removed_at == s.removed_at && json_object_get(item, A_SEEN) !=
	    NULL) {
		ddb_whole_from(d, item, e);
		store_entry_clear(&s);
		store_entry_clear(&mt);
		return DDB_OK;
	}
	store_entry_clear(&s);
	names = json_pack("{s:s, s:s, s:s, s:s, s:s}", "#c", A_CREATED, "#l",
	    A_SEEN, "#x", A_EXPIRES, "#r", A_REMOVED, "#rr", A_REASON);
	values = json_object();
	buf_init(&update);
	buf_init(&cond);
	ddb_merged_update(&mt, &update, values);
	store_entry_clear(&mt);
	ddb_guard(&cond, values, "#c", ":oc", item, A_CREATED);
	ddb_guard(&cond, values, "#l", ":ol", item, A_SEEN);
	ddb_guard(&cond, values, "#x", ":ox", item, A_EXPIRES);
	ddb_guard(&cond, values, "#r", ":or", item, A_REMOVED);
	rc = ddb_update(d, e->host_ip, buf_cstr(&update), buf_cstr(&cond),
	    names, values, &out, cause);
	buf_free(&update);
	buf_free(&cond);
	if (rc == DDB_OK) {
		ddb_whole_from(d, out, e);
		json_decref(out);
	}
	return rc;
}

int
ddb_merge(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct ddb *d = st->state;
	json_t *item;
	enum ddb_rc rc;
	int tries, r;

	*is_new = 0;
	if (ddb_too_big(e, cause))
		return 1;
	for (tries = 0; tries < DDB_RACE_TRIES; tries++) {
		rc = ddb_put_new(d, e, e->created_at, e->last_seen_at,
		    e->expires_at, cause);
		if (rc == DDB_FAILED)
			return -1;
		if (rc == DDB_OK) {
			*is_new = 1;
			return 0;
		}
		if ((r = ddb_get_item(d, e->host_ip, &item, cause)) == -1)
			return -1;
		if (r == 0)
			continue;	/* forgotten meanwhile: put again */
		rc = ddb_widen(d, e, item, cause);
		json_decref(item);
		if (rc == DDB_FAILED)
			return -1;
		if (rc == DDB_OK)
			return 0;
	}
	*cause = store_cause("%s: the item kept changing under concurrent "
	    "writers", e->host_ip);
	return -1;
}

int
ddb_commit(struct store *st, char **cause)
{
	/* Every write is durable when its call returns. */
	return 0;
}

/* The condition "the item exists and matches m", names and values set. */
static char *
ddb_exists_and(const struct store_match *m, json_t *names, json_t *values)
{
	char *expr, *cond;

	json_object_set_new(names, "#k", json_string(A_KEY));
	if ((expr = ddb_match_expr(m, names, values)) == NULL)
		return xstrdup("attribute_exists(#k)");
	xasprintf(&cond, "attribute_exists(#k) AND %s", expr);
	free(expr);
	return cond;
}

int
ddb_unblock(struct store *st, const char *ip, const struct store_match *m,
    const char *reason, struct store_entry *out, char **cause)
{
	struct ddb *d = st->state;
	json_t *names, *values, *item = NULL;
	time_t now = clk_now();
	enum ddb_rc rc;
	char *cond;
	int r = 0;

	names = json_object();
	values = json_object();
	cond = ddb_exists_and(m, names, values);
	json_object_set_new(names, "#r", json_string(A_REMOVED));
	json_object_set_new(names, "#rr", json_string(A_REASON));
	json_object_set_new(values, ":now", ddb_n(now > 0 ? (long long)now :
	    1));
	json_object_set_new(values, ":why", ddb_s(reason));
	rc = ddb_update(d, ip, "SET #r = :now, #rr = :why", cond, names,
	    values, &item, cause);
	free(cond);
	if (rc == DDB_FAILED)
		return -1;
	if (rc == DDB_OK) {
		r = 1;
		if (out != NULL && ddb_entry(item, out) != 0)
			memset(out, 0, sizeof(*out));
	}
	json_decref(item);
	return r;
}

int
ddb_forget(struct store *st, const char *ip, const struct store_match *m,
    struct store_entry *out, char **cause)
{
	struct ddb *d = st->state;
	json_t *req, *resp, *names, *values, *old;
	enum ddb_rc rc;
	char *cond;
	int r = 0;

	names = json_object();
	values = json_object();
	cond = ddb_exists_and(m, names, values);
	req = ddb_req(d);
	json_object_set_new(req, "Key", ddb_key(ip));
	json_object_set_new(req, "ReturnValues", json_string("ALL_OLD"));
	ddb_set_expr(req, "ConditionExpression", cond, names, values);
	rc = ddb_call(d, "DeleteItem", req, &resp, NULL, cause);
	if (rc == DDB_FAILED)
		r = -1;
	else if (rc == DDB_OK) {
		old = json_object_get(resp, "Attributes");
		if (old != NULL && json_object_size(old) > 0) {
			r = 1;
			if (out != NULL && ddb_entry(old, out) != 0)
				memset(out, 0, sizeof(*out));
		}
		json_decref(resp);
	}
	free(cond);
	json_decref(names);
	json_decref(values);
	return r;
}
