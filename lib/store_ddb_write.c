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
 * (the service would refuse it: the entry is refused whole, never cut).
 */
static int
ddb_too_big(const struct store_entry *e, char **cause)
{
	json_t *item = ddb_item(e, e->created_at, e->last_seen_at,
	    e->expires_at);
	size_t n = ddb_item_size(item);

	json_decref(item);
	if (n <= DDB_ITEM_MAX)
		return 0;
	*cause = store_cause("too big for DynamoDB: an item holds at most "
	    "%d KB, this one %zu bytes", DDB_ITEM_MAX / 1024, n);
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

static void
ddb_times_from(const json_t *item, struct store_entry *e)
{
	struct store_entry s;

	if (ddb_entry(item, &s) != 0)
		return;
	e->created_at = s.created_at;
	e->last_seen_at = s.last_seen_at;
	e->expires_at = s.expires_at;
	store_entry_clear(&s);
}

/*
 * Seen again: LastSeenAt raised to now (never lowered), ExpiresAt raised to
 * the entry's if both have one. 1 with the stored item, 0 if the item
 * vanished meanwhile (a concurrent prune), -1.
 */
static int
ddb_touch(struct ddb *d, struct store_entry *e, time_t now, json_t **item,
    char **cause)
{
	enum ddb_rc rc;
	time_t stored;
	int has;

	rc = ddb_update(d, e->host_ip, "SET #l = :now",
	    "attribute_exists(#k) AND (attribute_not_exists(#l) OR #l < :now)",
	    json_pack("{s:s, s:s}", "#k", A_KEY, "#l", A_SEEN),
	    json_pack("{s:o}", ":now", ddb_n((long long)now)), item, cause);
	if (rc == DDB_FAILED)
		return -1;
	if (rc == DDB_CONDITION &&
	    ddb_get_item(d, e->host_ip, item, cause) != 1)
		return *cause != NULL ? -1 : 0;
	stored = ddb_get_n(*item, A_EXPIRES, &has);
	if (e->expires_at == 0 || !has || stored >= e->expires_at)
		return 1;
	json_decref(*item);
	*item = NULL;
	rc = ddb_update(d, e->host_ip, "SET #x = :e", "#x < :e",
	    json_pack("{s:s}", "#x", A_EXPIRES),
	    json_pack("{s:o}", ":e", ddb_n((long long)e->expires_at)), item,
	    cause);
	if (rc == DDB_FAILED)
		return -1;
	if (rc == DDB_CONDITION &&
	    ddb_get_item(d, e->host_ip, item, cause) != 1)
		return *cause != NULL ? -1 : 0;
	return 1;
}

int
ddb_add(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct ddb *d = st->state;
	time_t now = clk_now();
	json_t *item = NULL;
	enum ddb_rc rc;
	int tries, r;

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
		if ((r = ddb_touch(d, e, now, &item, cause)) == -1)
			return -1;
		if (r == 1) {
			ddb_times_from(item, e);
			json_decref(item);
			return 0;
		}
	}
	*cause = store_cause("%s: the item kept changing under concurrent "
	    "writers", e->host_ip);
	return -1;
}

/* Widen a stored item with e's times: created the earlier, last seen and
 * expiry the later (no expiry if either has none). */
static enum ddb_rc
ddb_widen(struct ddb *d, struct store_entry *e, const json_t *item,
    char **cause)
{
	struct store_entry s;
	struct buf update, cond;
	json_t *names, *values, *out = NULL;
	time_t created, seen, expires;
	enum ddb_rc rc;

	if (ddb_entry(item, &s) != 0) {
		*cause = store_cause("%s: stored item has no HostIp",
		    e->host_ip);
		return DDB_FAILED;
	}
	created = s.created_at < e->created_at ? s.created_at : e->created_at;
	seen = s.last_seen_at > e->last_seen_at ? s.last_seen_at :
	    e->last_seen_at;
	expires = s.expires_at == 0 || e->expires_at == 0 ? 0 :
	    s.expires_at > e->expires_at ? s.expires_at : e->expires_at;
	if (created == s.created_at && seen == s.last_seen_at &&
	    expires == s.expires_at && json_object_get(item, A_SEEN) != NULL) {
		ddb_times_from(item, e);
		store_entry_clear(&s);
		return DDB_OK;
	}
	store_entry_clear(&s);
	names = json_pack("{s:s, s:s, s:s}", "#c", A_CREATED, "#l", A_SEEN,
	    "#x", A_EXPIRES);
	values = json_pack("{s:o, s:o}", ":c", ddb_n((long long)created),
	    ":l", ddb_n((long long)seen));
	buf_init(&update);
	buf_init(&cond);
	buf_adds(&update, "SET #c = :c, #l = :l");
	if (expires != 0) {
		buf_adds(&update, ", #x = :x");
		json_object_set_new(values, ":x", ddb_n((long long)expires));
	} else
		buf_adds(&update, " REMOVE #x");
	ddb_guard(&cond, values, "#c", ":oc", item, A_CREATED);
	ddb_guard(&cond, values, "#l", ":ol", item, A_SEEN);
	ddb_guard(&cond, values, "#x", ":ox", item, A_EXPIRES);
	rc = ddb_update(d, e->host_ip, buf_cstr(&update), buf_cstr(&cond),
	    names, values, &out, cause);
	buf_free(&update);
	buf_free(&cond);
	if (rc == DDB_OK) {
		ddb_times_from(out, e);
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
			continue;	/* removed meanwhile: put again */
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

int
ddb_remove(struct store *st, const char *ip, const struct store_match *m,
    struct store_entry *out, char **cause)
{
	struct ddb *d = st->state;
	json_t *req, *resp, *names, *values, *old;
	char *expr, *cond = NULL;
	enum ddb_rc rc;
	int r = 0;

	names = json_object();
	values = json_object();
	if ((expr = ddb_match_expr(m, names, values)) != NULL) {
		json_object_set_new(names, "#k", json_string(A_KEY));
		xasprintf(&cond, "attribute_exists(#k) AND %s", expr);
	}
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
	free(expr);
	free(cond);
	json_decref(names);
	json_decref(values);
	return r;
}

/*
 * Remove an entry a scan found matching, only if it still holds the times
 * the scan saw (optimistic: any write since, such as the address being
 * seen again, keeps it). 1 removed, 0 changed or gone, -1.
 */
static int
ddb_remove_seen(struct ddb *d, const struct store_entry *e,
    const json_t *item, struct store_entry *out, char **cause)
{
	json_t *req, *resp, *names, *values, *old;
	struct buf cond;
	enum ddb_rc rc;
	int r = 0;

	names = json_object();
	values = json_object();
	buf_init(&cond);
	if (json_object_get(item, A_SEEN) != NULL) {
		json_object_set_new(names, "#l", json_string(A_SEEN));
		ddb_guard(&cond, values, "#l", ":ol", item, A_SEEN);
	} else {
		json_object_set_new(names, "#c", json_string(A_CREATED));
		json_object_set_new(names, "#l", json_string(A_SEEN));
		ddb_guard(&cond, values, "#c", ":oc", item, A_CREATED);
		ddb_guard(&cond, values, "#l", ":ol", item, A_SEEN);
	}
	if (e->expires_at != 0) {
		json_object_set_new(names, "#x", json_string(A_EXPIRES));
		ddb_guard(&cond, values, "#x", ":ox", item, A_EXPIRES);
	}
	req = ddb_req(d);
	json_object_set_new(req, "Key", ddb_key(e->host_ip));
	json_object_set_new(req, "ReturnValues", json_string("ALL_OLD"));
	ddb_set_expr(req, "ConditionExpression", buf_cstr(&cond), names,
	    values);
	rc = ddb_call(d, "DeleteItem", req, &resp, NULL, cause);
	if (rc == DDB_FAILED)
		r = -1;
	else if (rc == DDB_OK) {
		old = json_object_get(resp, "Attributes");
		if (old != NULL && ddb_entry(old, out) == 0)
			r = 1;
		json_decref(resp);
	}
	buf_free(&cond);
	json_decref(names);
	json_decref(values);
	return r;
}

/*
 * Delete keys with BatchWriteItem, resending UnprocessedItems with backoff
 * until none are left.
 */
static int
ddb_batch_delete(struct ddb *d, struct store_entry *v, size_t n,
    char **cause)
{
	struct http_retry rp;
	json_t *reqs, *req, *resp, *left;
	size_t i;
	int tries;

	reqs = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(reqs, json_pack("{s:{s:o}}",
		    "DeleteRequest", "Key", ddb_key(v[i].host_ip)));
	http_retry_init(&rp);
	for (tries = 1;; tries++) {
		req = json_pack("{s:{s:o}}", "RequestItems", d->table, reqs);
		if (ddb_call(d, "BatchWriteItem", req, &resp, NULL, cause) !=
		    DDB_OK)
			return -1;
		left = json_object_get(json_object_get(resp,
		    "UnprocessedItems"), d->table);
		if (json_array_size(left) == 0) {
			json_decref(resp);
			return 0;
		}
		if (tries >= DDB_UNPROCESSED_TRIES) {
			*cause = store_cause("BatchWriteItem: %zu deletes "
			    "still unprocessed after %d attempts",
			    json_array_size(left), tries);
			json_decref(resp);
			return -1;
		}
		reqs = json_incref(left);
		json_decref(resp);
		http_sleep_ms(http_retry_delay(&rp, tries));
	}
}

/*
 * An entry matched because its CreatedAt is old enough: no concurrent
 * write can make it stop matching (CreatedAt never grows), so it may go in
 * an unconditional batch. Anything else is removed with a conditional
 * DeleteItem, so that an address seen again meanwhile stays.
 */
static int
ddb_stable(const struct store_match *m, const struct store_entry *e)
{
	return m != NULL && m->by == STORE_BY_CREATED && m->before != 0 &&
	    e->created_at < m->before;
}

int
ddb_prune(struct store *st, const struct store_match *m, store_cb cb,
    void *arg, uint64_t *n, char **cause)
{
	struct ddb *d = st->state;
	struct store_entry batch[DDB_BATCH], old;
	struct ddb_list l;
	struct ddb_row *row;
	size_t i, nb = 0, k;
	int stop = 0, r = -1, removed;

	if (ddb_scan_all(d, m, 0, &l, NULL, cause) != 0)
		return -1;
	for (i = 0; i <= l.n && !stop; i++) {
		row = i < l.n ? &l.v[i] : NULL;
		if (row != NULL && ddb_stable(m, &row->e)) {
			batch[nb++] = row->e;	/* shallow: l owns it */
			if (nb < DDB_BATCH)
				continue;
		}
		/* Flush the batch before anything else, to keep the order. */
		if (nb > 0) {
			if (ddb_batch_delete(d, batch, nb, cause) != 0)
				goto out;
			for (k = 0; k < nb; k++) {
				(*n)++;
				if (cb != NULL && !stop && cb(&batch[k], arg))
					stop = 1;
			}
			nb = 0;
		}
		if (row == NULL || ddb_stable(m, &row->e) || stop)
			continue;
		memset(&old, 0, sizeof(old));
		removed = ddb_remove_seen(d, &row->e, row->item, &old, cause);
		if (removed == -1)
			goto out;
		if (removed == 1) {
			(*n)++;
			if (cb != NULL && cb(&old, arg))
				stop = 1;
		}
		store_entry_clear(&old);
	}
	r = 0;
out:
	ddb_list_free(&l);
	return r;
}
