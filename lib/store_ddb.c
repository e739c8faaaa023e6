/*
 * store_ddb.c: the DynamoDB backend of the blocklist store ("dynamodb:TABLE"):
 * one item per address, keyed by HostIp, in the original automation's
 * attribute names and types, with conditional writes so that NewIP holds
 * across hosts. This file: calls, the table (open, init, TTL) and reads;
 * store_ddb_item.c turns items into entries and back, store_ddb_write.c
 * writes (see store_ddb_impl.h).
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

#define DDB_ACTIVE_WAIT_S	300

/* --- calls ---------------------------------------------------------------- */

/*
 * One DynamoDB operation on our table. req is consumed. DDB_OK and
 * *resp (may be NULL if not wanted), DDB_CONDITION on
 * ConditionalCheckFailedException, or DDB_FAILED and *cause.
 */
enum ddb_rc
ddb_call(struct ddb *d, const char *op, json_t *req, json_t **resp,
    struct aws_error *errp, char **cause)
{
	struct aws_error err;
	json_t *out = NULL;
	char msg[1024];

	if (resp != NULL)
		*resp = NULL;
	if (aws_call(d->aws, &aws_dynamodb, op, req, &out, &err) == 0) {
		json_decref(req);
		if (resp != NULL)
			*resp = out;
		else
			json_decref(out);
		return DDB_OK;
	}
	json_decref(req);
	if (errp != NULL)
		*errp = err;
	if (strcmp(err.type, "ConditionalCheckFailedException") == 0)
		return DDB_CONDITION;
	if (strcmp(err.type, "ResourceNotFoundException") == 0 &&
	    cause != NULL)
		*cause = store_cause("table %s not found in %s (ipstore init "
		    "creates it)", d->table, aws_region(d->aws));
	else if (cause != NULL)
		*cause = xstrdup(aws_error_format(&err, &aws_dynamodb, op, msg,
		    sizeof(msg)));
	return DDB_FAILED;
}

/* --- open, close, init --------------------------------------------------- */

static int
ddb_table_name_ok(const char *t)
{
	size_t n;

	for (n = 0; t[n] != '\0'; n++)
		if (!isalnum((unsigned char)t[n]) && t[n] != '_' &&
		    t[n] != '-' && t[n] != '.')
			return 0;
	return n >= 3 && n <= 255;
}

/*
 * The table's status; "" and DDB_OK if it does not exist. On failure,
 * *kind (may be NULL) says whether the settings are at fault.
 */
static enum ddb_rc
ddb_describe(struct ddb *d, char *status, size_t size, enum err_kind *kind,
    char **cause)
{
	struct aws_error err;
	json_t *resp, *table, *keys, *k0;
	const char *s, *name;
	enum ddb_rc rc;

	*status = '\0';
	rc = ddb_call(d, "DescribeTable", ddb_req(d), &resp, &err, cause);
	if (rc != DDB_OK) {
		if (strcmp(err.type, "ResourceNotFoundException") != 0) {
			err_set(kind, err.config_error ? ERR_CONFIG :
			    ERR_RUNTIME);
			return DDB_FAILED;
		}
		free(*cause);		/* absent: the caller decides */
		*cause = NULL;
		return DDB_OK;
	}
	table = json_object_get(resp, "Table");
	s = json_string_value(json_object_get(table, "TableStatus"));
	snprintf(status, size, "%s", s != NULL ? s : "UNKNOWN");
	keys = json_object_get(table, "KeySchema");
	k0 = json_array_get(keys, 0);
	name = json_string_value(json_object_get(k0, "AttributeName"));
	if (json_array_size(keys) != 1 || name == NULL ||
	    strcmp(name, A_KEY) != 0) {
		*cause = store_cause("table %s is keyed by %s, not by %s "
		    "alone: not a blocklist table", d->table,
		    name != NULL ? name : "nothing", A_KEY);
		json_decref(resp);
		return DDB_FAILED;
	}
	json_decref(resp);
	return DDB_OK;
}

static void
ddb_free(struct ddb *d)
{
	if (d == NULL)
		return;
	aws_free(d->aws);
	free(d->table);
	free(d->notice);
	free(d);
}

static int
ddb_open(struct store *st, const char *table, int flags,
    const struct aws_options *opts, enum err_kind *kind, char **cause)
{
	struct ddb *d;
	char status[32], *why = NULL;

	if (!ddb_table_name_ok(table)) {
		*cause = store_cause("bad store URL \"dynamodb:%s\": a table "
		    "name is 3 to 255 letters, digits, '_', '-' or '.'",
		    table);
		*kind = ERR_CONFIG;
		return -1;
	}
	d = xcalloc(1, sizeof(*d));
	d->table = xstrdup(table);
	if ((d->aws = aws_new(opts, &why)) == NULL) {
		*kind = ERR_CONFIG;
		*cause = store_cause("dynamodb:%s: %s", table, why);
		free(why);
		ddb_free(d);
		return -1;
	}
	/* Fail early, once, with a clear message for a missing table. */
	if (ddb_describe(d, status, sizeof(status), kind, &why) != DDB_OK) {
		*cause = store_cause("dynamodb:%s: %s", table, why);
		free(why);
		ddb_free(d);
		return -1;
	}
	if (*status == '\0' && !(flags & STORE_CREATE)) {
		*cause = store_cause("table %s not found in %s (ipstore init "
		    "creates it)", d->table, aws_region(d->aws));
		ddb_free(d);
		return -1;
	}
	d->st = st;
	st->state = d;
	return 0;
}

static void
ddb_close(struct store *st)
{
	ddb_free(st->state);
	st->state = NULL;
}

static int
ddb_wait_active(struct ddb *d, char **cause)
{
	char status[32];
	long delay = 100;
	time_t deadline = time(NULL) + DDB_ACTIVE_WAIT_S;

	for (;;) {
		if (ddb_describe(d, status, sizeof(status), NULL, cause) !=
		    DDB_OK)
			return -1;
		if (strcmp(status, "ACTIVE") == 0)
			return 0;
		if (time(NULL) >= deadline) {
			*cause = store_cause("table %s still %s after %d s",
			    d->table, *status != '\0' ? status : "absent",
			    DDB_ACTIVE_WAIT_S);
			return -1;
		}
		http_sleep_ms(delay);
		if (delay < 2000)
			delay *= 2;
	}
}

/*
 * DynamoDB's own TTL deletes an item once its TTL attribute has passed,
 * whatever the state of the entry: it would forget an address a firewall
 * may still block. So it is never enabled on ExpiresAt, and turned off
 * where an earlier release enabled it. TTL on an attribute the store does
 * not write leaves a notice; an endpoint without TTL is fine. 0, or -1
 * and *cause when the table may still delete entries.
 */
static int
ddb_safe_ttl(struct ddb *d, char **cause)
{
	struct aws_error err;
	json_t *req, *resp, *ttl;
	const char *status, *attr;
	char msg[1024];
	int on;

	if (ddb_call(d, "DescribeTimeToLive", ddb_req(d), &resp, &err,
	    NULL) != DDB_OK) {
		if (strcmp(err.type, "UnknownOperationException") == 0)
			return 0;	/* no TTL here: nothing to fear */
		*cause = store_cause("cannot check the table's TTL: %s",
		    aws_error_format(&err, &aws_dynamodb,
		    "DescribeTimeToLive", msg, sizeof(msg)));
		return -1;
	}
	ttl = json_object_get(resp, "TimeToLiveDescription");
	status = json_string_value(json_object_get(ttl, "TimeToLiveStatus"));
	attr = json_string_value(json_object_get(ttl, "AttributeName"));
	on = status != NULL && (strcmp(status, "ENABLED") == 0 ||
	    strcmp(status, "ENABLING") == 0) && attr != NULL;
	if (on && strcmp(attr, A_EXPIRES) != 0)
		xasprintf(&d->notice, "table %s has DynamoDB's TTL on %s: "
		    "DynamoDB deletes an item once its %s has passed, "
		    "unblocked by a firewall or not (this store never writes "
		    "%s)", d->table, attr, attr, attr);
	on = on && strcmp(attr, A_EXPIRES) == 0;	/* ours to turn off */
	json_decref(resp);	/* status and attr were borrowed from it */
	if (!on)
		return 0;
	req = ddb_req(d);
	json_object_set_new(req, "TimeToLiveSpecification",
	    json_pack("{s:b, s:s}", "Enabled", 0, "AttributeName", A_EXPIRES));
	if (ddb_call(d, "UpdateTimeToLive", req, NULL, &err, NULL) != DDB_OK) {
		*cause = store_cause("DynamoDB's TTL on %s is on and could not "
		    "be turned off (%s): DynamoDB may delete entries a "
		    "firewall still blocks; run ipstore init again (TTL "
		    "changes are an hour apart at least)", A_EXPIRES,
		    aws_error_format(&err, &aws_dynamodb, "UpdateTimeToLive",
		    msg, sizeof(msg)));
		return -1;
	}
	xasprintf(&d->notice, "turned DynamoDB's TTL on %s off (an earlier "
	    "release turned it on): it would delete entries a firewall may "
	    "still block; ipstore-prune unblocks them instead", A_EXPIRES);
	return 0;
}

static int
ddb_init(struct store *st, char **cause)
{
	struct ddb *d = st->state;
	struct aws_error err;
	json_t *req;
	enum ddb_rc rc;

	req = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:s}",
	    "TableName", d->table,
	    "AttributeDefinitions", "AttributeName", A_KEY, "AttributeType",
	    "S",
	    "KeySchema", "AttributeName", A_KEY, "KeyType", "HASH",
	    "BillingMode", "PAY_PER_REQUEST");
	rc = ddb_call(d, "CreateTable", req, NULL, &err, NULL);
	if (rc != DDB_OK && strcmp(err.type, "ResourceInUseException") != 0) {
		char msg[1024];

		*cause = xstrdup(aws_error_format(&err, &aws_dynamodb,
		    "CreateTable", msg, sizeof(msg)));
		return -1;
	}
	if (ddb_wait_active(d, cause) != 0)
		return -1;
	free(d->notice);
	d->notice = NULL;
	return ddb_safe_ttl(d, cause);
}

static const char *
ddb_notice(struct store *st)
{
	return ((struct ddb *)st->state)->notice;
}

/* --- reads --------------------------------------------------------------- */

/* 1 and *item (caller frees), 0 if absent, -1. */
int
ddb_get_item(struct ddb *d, const char *ip, json_t **item, char **cause)
{
	json_t *req, *resp;

	*item = NULL;
	req = ddb_req(d);
	json_object_set_new(req, "Key", ddb_key(ip));
	json_object_set_new(req, "ConsistentRead", json_true());
	if (ddb_call(d, "GetItem", req, &resp, NULL, cause) != DDB_OK)
		return -1;
	if ((*item = json_incref(json_object_get(resp, "Item"))) == NULL) {
		json_decref(resp);
		return 0;
	}
	json_decref(resp);
	return 1;
}

static int
ddb_get(struct store *st, const char *ip, struct store_entry *e,
    char **cause)
{
	json_t *item;
	int r;

	if ((r = ddb_get_item(st->state, ip, &item, cause)) != 1)
		return r;
	r = ddb_read_entry(st->state, item, e) == 0 ? 1 : 0;
	json_decref(item);
	return r;
}

int
ddb_read_entry(struct ddb *d, const json_t *item, struct store_entry *e)
{
	char *why;
	int r;

	r = ddb_entry_why(item, e, &why);
	if (why != NULL)
		store_warn_entry(d->st, e->host_ip, why);
	free(why);
	return r;
}

void
ddb_list_free(struct ddb_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		store_entry_clear(&l->v[i].e);
		json_decref(l->v[i].item);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
ddb_row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ddb_row *)a)->e.host_ip,
	    ((const struct ddb_row *)b)->e.host_ip);
}

/*
 * Every item matching m, through paginated consistent Scans, sorted by
 * HostIp as the SQLite backend returns them. With count_only, only *count.
 */
int
ddb_scan_all(struct ddb *d, const struct store_match *m, int count_only,
    struct ddb_list *out, uint64_t *count, char **cause)
{
	json_t *req, *resp, *names, *values, *start = NULL, *items, *it;
	struct store_entry e;
	char *expr;
	size_t i;
	/* the age filter is a superset (ddb_age_expr()): count those here */
	int exact = count_only && (m == NULL || m->before == 0);

	names = json_object();
	values = json_object();
	expr = ddb_match_expr(m, names, values);
	memset(out, 0, sizeof(*out));
	if (count != NULL)
		*count = 0;
	for (;;) {
		req = ddb_req(d);
		json_object_set_new(req, "ConsistentRead", json_true());
		ddb_set_expr(req, "FilterExpression", expr, names, values);
		if (exact)
			json_object_set_new(req, "Select",
			    json_string("COUNT"));
		if (start != NULL)
			json_object_set_new(req, "ExclusiveStartKey", start);
		start = NULL;
		if (ddb_call(d, "Scan", req, &resp, NULL, cause) != DDB_OK)
			goto fail;
		if (count != NULL && exact)
			*count += json_integer_value(json_object_get(resp,
			    "Count"));
		items = json_object_get(resp, "Items");
		json_array_foreach(items, i, it) {
			if (exact || ddb_read_entry(d, it, &e) != 0)
				continue;
			/* Trust, but check: the same rule as the front end. */
			if (!store_match_entry(m, &e)) {
				store_entry_clear(&e);
				continue;
			}
			if (out->n == out->cap) {
				out->cap = out->cap == 0 ? 64 : out->cap * 2;
				out->v = xreallocarray(out->v, out->cap,
				    sizeof(*out->v));
			}
			out->v[out->n].e = e;
			out->v[out->n++].item = json_incref(it);
		}
		start = json_incref(json_object_get(resp,
		    "LastEvaluatedKey"));
		json_decref(resp);
		if (start == NULL)
			break;
	}
	free(expr);
	json_decref(names);
	json_decref(values);
	if (count != NULL && !exact)
		*count = out->n;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), ddb_row_cmp);
	return 0;
fail:
	free(expr);
	json_decref(names);
	json_decref(values);
	ddb_list_free(out);
	return -1;
}

static int
ddb_scan(struct store *st, const struct store_match *m, store_cb cb,
    void *arg, char **cause)
{
	struct ddb_list l;
	size_t i;

	if (ddb_scan_all(st->state, m, 0, &l, NULL, cause) != 0)
		return -1;
	for (i = 0; i < l.n; i++)
		if (cb(&l.v[i].e, arg) != 0)
			break;
	ddb_list_free(&l);
	return 0;
}

static int
ddb_count(struct store *st, const struct store_match *m, uint64_t *n,
    char **cause)
{
	struct ddb_list l;

	if (ddb_scan_all(st->state, m, 1, &l, n, cause) != 0)
		return -1;
	ddb_list_free(&l);
	return 0;
}

static int
ddb_refuses(struct store *st, const struct store_entry *e, char **cause)
{
	return ddb_too_big(e, cause);
}

const struct store_backend store_ddb_backend = {
	.scheme = "dynamodb",
	.open = ddb_open,
	.close = ddb_close,
	.init = ddb_init,
	.add = ddb_add,
	.merge = ddb_merge,
	.commit = ddb_commit,
	.get = ddb_get,
	.unblock = ddb_unblock,
	.forget = ddb_forget,
	.scan = ddb_scan,
	.count = ddb_count,
	.refuses = ddb_refuses,
	.notice = ddb_notice,
};
