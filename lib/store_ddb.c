/*
 * store_ddb.c: the DynamoDB backend of the blocklist store ("dynamodb:TABLE"):
 * one item per address, keyed by HostIp, in the original automation's
 * attribute names and types, with conditional writes so that NewIP holds
 * across hosts.
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
#include "store_impl.h"
#include "util.h"

#define DDB_BATCH		25	/* BatchWriteItem's limit */
#define DDB_RACE_TRIES		8	/* re-reads of an item that changes */
#define DDB_UNPROCESSED_TRIES	10
#define DDB_ACTIVE_WAIT_S	300

/*
 * Item attributes. HostIp, CreatedAt, FindingId, AccountId, Region and
 * Timestamp are the original automation's; LastSeenAt, ExpiresAt (the TTL
 * attribute), FindingType, Severity and Record (the rest of the input
 * record as JSON) are ours.
 */
#define A_KEY		"HostIp"
#define A_CREATED	"CreatedAt"
#define A_SEEN		"LastSeenAt"
#define A_EXPIRES	"ExpiresAt"
#define A_TIMESTAMP	"Timestamp"
#define A_RECORD	"Record"

struct ddb {
	struct aws_ctx	*aws;
	char		*table;
	char		*notice;	/* from init, for store_notice() */
};

enum ddb_rc { DDB_OK = 0, DDB_FAILED = -1, DDB_CONDITION = 1 };

/* --- calls ---------------------------------------------------------------- */

/*
 * One DynamoDB operation on our table. req is consumed. DDB_OK and
 * *resp (may be NULL if not wanted), DDB_CONDITION on
 * ConditionalCheckFailedException, or DDB_FAILED and *cause.
 */
static enum ddb_rc
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

static json_t *
ddb_s(const char *s)
{
	return json_pack("{s:s}", "S", s);
}

static json_t *
ddb_n(long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	return json_pack("{s:s}", "N", buf);
}

static json_t *
ddb_key(const char *ip)
{
	return json_pack("{s:o}", A_KEY, ddb_s(ip));
}

static json_t *
ddb_req(struct ddb *d)
{
	return json_pack("{s:s}", "TableName", d->table);
}

/* --- items and entries ---------------------------------------------------- */

static void
ddb_put_s(json_t *item, const char *name, const char *v)
{
	if (v != NULL && *v != '\0')
		json_object_set_new(item, name, ddb_s(v));
}

static json_t *
ddb_item(const struct store_entry *e, time_t created, time_t seen,
    time_t expires)
{
	json_t *item, *rest, *ts;
	char *text;

	item = json_object();
	json_object_set_new(item, A_KEY, ddb_s(e->host_ip));
	json_object_set_new(item, A_CREATED, ddb_n((long long)created));
	json_object_set_new(item, A_SEEN, ddb_n((long long)seen));
	if (expires != 0)
		json_object_set_new(item, A_EXPIRES,
		    ddb_n((long long)expires));
	ddb_put_s(item, "FindingId", e->finding_id);
	ddb_put_s(item, "FindingType", e->finding_type);
	ddb_put_s(item, "Severity", e->severity);
	ddb_put_s(item, "AccountId", e->account_id);
	ddb_put_s(item, "Region", e->region);
	if (!json_is_object(e->record))
		return item;
	rest = json_copy(e->record);
	/* The original items carry the finding's time as Timestamp (S); it
	 * stays in Record too, where it keeps its place among the fields. */
	if (json_is_string(ts = json_object_get(rest, A_TIMESTAMP)))
		ddb_put_s(item, A_TIMESTAMP, json_string_value(ts));
	if (json_object_size(rest) > 0 &&
	    (text = json_dumps(rest, JSON_COMPACT)) != NULL) {
		json_object_set_new(item, A_RECORD, ddb_s(text));
		free(text);
	}
	json_decref(rest);
	return item;
}

static const char *
ddb_get_s(const json_t *item, const char *name)
{
	return json_string_value(json_object_get(json_object_get(item, name),
	    "S"));
}

/* A number attribute; 0 if absent or not a number. */
static time_t
ddb_get_n(const json_t *item, const char *name, int *present)
{
	const char *s;
	char *end;
	double v;

	s = json_string_value(json_object_get(json_object_get(item, name),
	    "N"));
	if (present != NULL)
		*present = 0;
	if (s == NULL)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	/* so written that NaN ("nan" parses) fails too: casting it to
	 * time_t would be undefined behaviour */
	if (errno != 0 || *end != '\0' || !(v >= 0 && v <= 1e15))
		return 0;
	if (present != NULL)
		*present = 1;
	return (time_t)v;
}

static char *
ddb_dup_s(const json_t *item, const char *name)
{
	const char *s = ddb_get_s(item, name);

	return s != NULL ? xstrdup(s) : NULL;
}

static int
ddb_known(const char *name)
{
	static const char *known[] = {
		A_KEY, A_CREATED, A_SEEN, A_EXPIRES, A_RECORD, "FindingId",
		"FindingType", "Severity", "AccountId", "Region",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i]) == 0)
			return 1;
	return 0;
}

/* Attributes somebody else wrote (Timestamp among them) go to the record,
 * as JSON strings, numbers and booleans. */
static void
ddb_extra(const json_t *item, json_t *rec)
{
	const char *name, *s;
	json_t *v, *t;
	double n;
	char *end;

	json_object_foreach((json_t *)item, name, v) {
		if (ddb_known(name) || json_object_get(rec, name) != NULL)
			continue;
		if ((t = json_object_get(v, "S")) != NULL && json_is_string(t))
			json_object_set(rec, name, t);
		else if ((s = json_string_value(json_object_get(v, "N"))) !=
		    NULL) {
			n = strtod(s, &end);
			/* an integer only if it fits: DynamoDB numbers have 38
			 * digits, and casting one beyond long long (or NaN) to
			 * it is undefined behaviour */
			if (*end == '\0' && n >= -0x1p63 && n < 0x1p63 &&
			    n == (double)(long long)n)
				json_object_set_new(rec, name,
				    json_integer((json_int_t)n));
			else if (*end == '\0')
				json_object_set_new(rec, name, json_real(n));
		} else if (json_is_boolean(t = json_object_get(v, "BOOL")))
			json_object_set(rec, name, t);
	}
}

static int
ddb_entry(const json_t *item, struct store_entry *e)
{
	const char *ip, *rec, *ts;
	int has_created, has_seen;
	json_t *record = NULL;
	time_t t;

	memset(e, 0, sizeof(*e));
	if ((ip = ddb_get_s(item, A_KEY)) == NULL)
		return -1;
	e->host_ip = xstrdup(ip);
	e->created_at = ddb_get_n(item, A_CREATED, &has_created);
	/* an original item has only Timestamp; a time before 1970 would be
	 * written back as a CreatedAt that ddb_get_n() reads as 0 */
	if (!has_created && (ts = ddb_get_s(item, A_TIMESTAMP)) != NULL &&
	    clk_parse(ts, strlen(ts), &t) == 0 && t >= 0)
		e->created_at = t;
	e->last_seen_at = ddb_get_n(item, A_SEEN, &has_seen);
	if (!has_seen)
		e->last_seen_at = e->created_at;
	e->expires_at = ddb_get_n(item, A_EXPIRES, NULL);
	e->finding_id = ddb_dup_s(item, "FindingId");
	e->finding_type = ddb_dup_s(item, "FindingType");
	e->severity = ddb_dup_s(item, "Severity");
	e->account_id = ddb_dup_s(item, "AccountId");
	e->region = ddb_dup_s(item, "Region");
	/* a record string may hold "\u0000" (the record reader allows it):
	 * without JSON_ALLOW_NUL the whole record would be dropped */
	if ((rec = ddb_get_s(item, A_RECORD)) != NULL)
		record = json_loads(rec, JSON_ALLOW_NUL, NULL);
	if (!json_is_object(record)) {
		json_decref(record);
		record = json_object();
	}
	ddb_extra(item, record);
	if (json_object_size(record) > 0)
		e->record = record;
	else
		json_decref(record);
	return 0;
}

/* --- conditions ---------------------------------------------------------- */

/*
 * The condition an entry must meet to match m, over attribute names #c,
 * #l, #x and values :b, :e (added to names and values). NULL when m
 * matches everything. An item without LastSeenAt (written by the original
 * automation) is aged by its CreatedAt.
 */
static char *
ddb_match_expr(const struct store_match *m, json_t *names, json_t *values)
{
	const char *age = NULL;
	char *expr;

	if (m == NULL || (m->before == 0 && m->expired_at == 0))
		return NULL;
	if (m->before != 0) {
		json_object_set_new(names, "#c", json_string(A_CREATED));
		json_object_set_new(values, ":b", ddb_n((long long)m->before));
		if (m->by == STORE_BY_CREATED)
			age = "#c < :b";
		else {
			json_object_set_new(names, "#l", json_string(A_SEEN));
			age = "(#l < :b OR (attribute_not_exists(#l) AND "
			    "#c < :b))";
		}
	}
	if (m->expired_at != 0) {
		json_object_set_new(names, "#x", json_string(A_EXPIRES));
		json_object_set_new(values, ":e",
		    ddb_n((long long)m->expired_at));
	}
	if (age != NULL && m->expired_at != 0)
		xasprintf(&expr, "(%s OR #x <= :e)", age);
	else
		expr = xstrdup(age != NULL ? age : "#x <= :e");
	return expr;
}

/* Set the expression members of req (names and values only if any). */
static void
ddb_set_expr(json_t *req, const char *member, const char *expr,
    json_t *names, json_t *values)
{
	if (expr != NULL)
		json_object_set_new(req, member, json_string(expr));
	if (json_object_size(names) > 0)
		json_object_set(req, "ExpressionAttributeNames", names);
	if (json_object_size(values) > 0)
		json_object_set(req, "ExpressionAttributeValues", values);
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

/* TTL on ExpiresAt; a service or stand-in without TTL leaves a notice. */
static void
ddb_enable_ttl(struct ddb *d)
{
	struct aws_error err;
	json_t *req, *resp;
	const char *status, *attr;
	char msg[1024];

	if (ddb_call(d, "DescribeTimeToLive", ddb_req(d), &resp, &err,
	    NULL) == DDB_OK) {
		json_t *ttl = json_object_get(resp, "TimeToLiveDescription");

		status = json_string_value(json_object_get(ttl,
		    "TimeToLiveStatus"));
		attr = json_string_value(json_object_get(ttl,
		    "AttributeName"));
		if (status != NULL && (strcmp(status, "ENABLED") == 0 ||
		    strcmp(status, "ENABLING") == 0) && attr != NULL) {
			if (strcmp(attr, A_EXPIRES) != 0)
				xasprintf(&d->notice, "table %s has TTL on %s, "
				    "not %s: the service will not expire "
				    "entries by their ExpiresAt (ipstore-prune "
				    "does)", d->table, attr, A_EXPIRES);
			json_decref(resp);
			return;
		}
		json_decref(resp);
	}
	req = ddb_req(d);
	json_object_set_new(req, "TimeToLiveSpecification",
	    json_pack("{s:b, s:s}", "Enabled", 1, "AttributeName", A_EXPIRES));
	if (ddb_call(d, "UpdateTimeToLive", req, NULL, &err, NULL) == DDB_OK)
		return;
	if (strcmp(err.type, "UnknownOperationException") == 0)
		xasprintf(&d->notice, "this DynamoDB endpoint has no TTL "
		    "(UpdateTimeToLive: UnknownOperationException): entries "
		    "past their ExpiresAt stay until ipstore-prune removes "
		    "them");
	else
		xasprintf(&d->notice, "TTL not enabled on %s: %s: entries past "
		    "their ExpiresAt stay until ipstore-prune removes them",
		    A_EXPIRES, aws_error_format(&err, &aws_dynamodb,
		    "UpdateTimeToLive", msg, sizeof(msg)));
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
	ddb_enable_ttl(d);
	return 0;
}

static const char *
ddb_notice(struct store *st)
{
	return ((struct ddb *)st->state)->notice;
}

/* --- reads --------------------------------------------------------------- */

/* 1 and *item (caller frees), 0 if absent, -1. */
static int
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
	r = ddb_entry(item, e) == 0 ? 1 : 0;
	json_decref(item);
	return r;
}

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

static void
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
static int
ddb_scan_all(struct ddb *d, const struct store_match *m, int count_only,
    struct ddb_list *out, uint64_t *count, char **cause)
{
	json_t *req, *resp, *names, *values, *start = NULL, *items, *it;
	struct store_entry e;
	char *expr;
	size_t i;

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
		if (count_only)
			json_object_set_new(req, "Select",
			    json_string("COUNT"));
		if (start != NULL)
			json_object_set_new(req, "ExclusiveStartKey", start);
		start = NULL;
		if (ddb_call(d, "Scan", req, &resp, NULL, cause) != DDB_OK)
			goto fail;
		if (count != NULL)
			*count += json_integer_value(json_object_get(resp,
			    "Count"));
		items = json_object_get(resp, "Items");
		json_array_foreach(items, i, it) {
			if (count_only || ddb_entry(it, &e) != 0)
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
ddb_count(struct store *st, uint64_t *n, char **cause)
{
	struct ddb_list l;

	return ddb_scan_all(st->state, NULL, 1, &l, n, cause);
}

/* --- writes -------------------------------------------------------------- */

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

static int
ddb_add(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct ddb *d = st->state;
	time_t now = clk_now();
	json_t *item = NULL;
	enum ddb_rc rc;
	int tries, r;

	*is_new = 0;
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

/* A guard that the attribute still holds what was read. */
static void
ddb_guard(struct buf *cond, json_t *values, const char *name,
    const char *ph, const json_t *item, const char *attr)
{
	json_t *v = json_object_get(item, attr);

	if (cond->len > 0)
		buf_adds(cond, " AND ");
	if (v == NULL)
		buf_addf(cond, "attribute_not_exists(%s)", name);
	else {
		buf_addf(cond, "%s = %s", name, ph);
		json_object_set(values, ph, v);
	}
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

static int
ddb_merge(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct ddb *d = st->state;
	json_t *item;
	enum ddb_rc rc;
	int tries, r;

	*is_new = 0;
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

static int
ddb_commit(struct store *st, char **cause)
{
	/* Every write is durable when its call returns. */
	return 0;
}

static int
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

static int
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

const struct store_backend store_ddb_backend = {
	.scheme = "dynamodb",
	.open = ddb_open,
	.close = ddb_close,
	.init = ddb_init,
	.add = ddb_add,
	.merge = ddb_merge,
	.commit = ddb_commit,
	.get = ddb_get,
	.remove = ddb_remove,
	.scan = ddb_scan,
	.count = ddb_count,
	.prune = ddb_prune,
	.notice = ddb_notice,
};
