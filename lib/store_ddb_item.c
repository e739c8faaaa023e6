/*
 * store_ddb_item.c: DynamoDB items and store entries, both ways, and the
 * condition expressions the backend's reads and writes use. No calls.
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

json_t *
ddb_s(const char *s)
{
	return json_pack("{s:s}", "S", s);
}

json_t *
ddb_n(long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	return json_pack("{s:s}", "N", buf);
}

json_t *
ddb_key(const char *ip)
{
	return json_pack("{s:o}", A_KEY, ddb_s(ip));
}

json_t *
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

json_t *
ddb_item(const struct store_entry *e, time_t created, time_t seen,
    time_t expires)
{
	json_t *item, *rest, *ts;
	char *text;

	item = json_object();
	json_object_set_new(item, A_KEY, ddb_s(e->host_ip));
	/* an unknown time (0) is left out: it reads back as unknown */
	if (created != 0)
		json_object_set_new(item, A_CREATED,
		    ddb_n((long long)created));
	if (seen != 0)
		json_object_set_new(item, A_SEEN, ddb_n((long long)seen));
	if (expires != 0)
		json_object_set_new(item, A_EXPIRES,
		    ddb_n((long long)expires));
	if (e->removed_at != 0) {
		json_object_set_new(item, A_REMOVED,
		    ddb_n((long long)e->removed_at));
		ddb_put_s(item, A_REASON, e->removed_reason);
	}
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

/* UTF-8 bytes of names and strings; a number counts as its longest. */
size_t
ddb_item_size(const json_t *item)
{
	const char *name;
	json_t *v, *s;
	size_t n = 0;

	json_object_foreach((json_t *)item, name, v) {
		n += strlen(name);
		if ((s = json_object_get(v, "S")) != NULL)
			n += json_string_length(s);
		else
			n += 21;	/* 38 digits, two to a byte, and one */
	}
	return n;
}

const char *
ddb_get_s(const json_t *item, const char *name)
{
	return json_string_value(json_object_get(json_object_get(item, name),
	    "S"));
}

/* Epoch seconds in text, in clk's range after 1970: 0 and *t, or -1. */
static int
ddb_epoch(const char *s, time_t *t)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* so written that NaN ("nan" parses) fails too: casting it to
	 * time_t would be undefined behaviour */
	if (s == end || errno != 0 || *end != '\0' || !(v >= 1 &&
	    v <= (double)CLK_MAX))
		return -1;
	*t = (time_t)v;
	return 0;
}

/* A number attribute; 0 if absent, not a number or out of range. */
time_t
ddb_get_n(const json_t *item, const char *name, int *present)
{
	const char *s;
	time_t t;

	s = json_string_value(json_object_get(json_object_get(item, name),
	    "N"));
	if (present != NULL)
		*present = 0;
	if (s == NULL || ddb_epoch(s, &t) != 0)
		return 0;
	if (present != NULL)
		*present = 1;
	return t;
}

/*
 * A time as the original automation and people write it into a string
 * attribute: RFC 3339 with or without fraction or zone ("2025-12-20T10:00:00Z",
 * "2021-11-20 10:00:00", GuardDuty's "2025-12-20T10:00:00.000Z" and legacy
 * "+0000"), a date alone, or epoch seconds. A time without a zone is UTC,
 * as the original's Lambda functions ran. 0 and *t after 1970, or -1.
 */
int
ddb_parse_time(const char *s, time_t *t)
{
	char buf[64];
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (n == 0 || n >= sizeof(buf) - 10)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (isdigit((unsigned char)buf[0]) && n <= 14 &&
	    strspn(buf, "0123456789.") == n)
		return ddb_epoch(buf, t);
	if (n == 10)			/* a date: its midnight */
		memcpy(buf + n, "T00:00:00", 10), n += 9;
	if (clk_parse(buf, n, t) != 0) {
		memcpy(buf + n, "Z", 2);	/* no zone: UTC */
		if (clk_parse(buf, n + 1, t) != 0)
			return -1;
	}
	return *t >= 1 && *t <= CLK_MAX ? 0 : -1;
}

static char *
ddb_dup_s(const json_t *item, const char *name)
{
	const char *s = ddb_get_s(item, name);

	return s != NULL ? xstrdup(s) : NULL;
}

int
ddb_known(const char *name)
{
	static const char *known[] = {
		A_KEY, A_CREATED, A_SEEN, A_EXPIRES, A_RECORD, A_REMOVED,
		A_REASON, "FindingId", "FindingType", "Severity", "AccountId",
		"Region",
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

/*
 * The time an item was first blocked: CreatedAt, a Number of epoch
 * seconds or a string time (ddb_parse_time()); else, unless CreatedAt is
 * a Number out of range, the original's Timestamp. 0 and *why (caller
 * frees, why may be NULL) when none can be read: the time is unknown.
 */
static time_t
ddb_created(const json_t *item, char **why)
{
	const json_t *c = json_object_get(item, A_CREATED);
	const char *n, *s, *ts;
	char shown[VALUE_SHOW_SIZE], shown_ts[VALUE_SHOW_SIZE];
	time_t t;

	n = json_string_value(json_object_get(c, "N"));
	s = ddb_get_s(item, A_CREATED);
	ts = ddb_get_s(item, A_TIMESTAMP);
	if (n != NULL) {
		if (ddb_epoch(n, &t) == 0)
			return t;
		if (why != NULL)
			xasprintf(why, "%s %s is not a time after 1970 in "
			    "seconds", A_CREATED, show_value(shown, n,
			    strlen(n)));
		return 0;
	}
	if ((s != NULL && ddb_parse_time(s, &t) == 0) ||
	    (ts != NULL && ddb_parse_time(ts, &t) == 0))
		return t;
	if (why == NULL)
		return 0;
	if (s != NULL)
		snprintf(shown, sizeof(shown), "%s \"%s\" is not a time",
		    A_CREATED, show_value(shown_ts, s, strlen(s)));
	else
		snprintf(shown, sizeof(shown), c == NULL ? "no %s" :
		    "%s is neither a number nor a string", A_CREATED);
	if (ts == NULL)
		xasprintf(why, "%s, and no %s", shown, A_TIMESTAMP);
	else
		xasprintf(why, "%s, nor is %s \"%s\"", shown, A_TIMESTAMP,
		    show_value(shown_ts, ts, strlen(ts)));
	return 0;
}

int
ddb_entry(const json_t *item, struct store_entry *e)
{
	return ddb_entry_why(item, e, NULL);
}

int
ddb_entry_why(const json_t *item, struct store_entry *e, char **why)
{
	const char *ip, *rec;
	json_t *record = NULL;
	char *bad = NULL;

	memset(e, 0, sizeof(*e));
	if (why != NULL)
		*why = NULL;
	if ((ip = ddb_get_s(item, A_KEY)) == NULL)
		return -1;
	e->host_ip = xstrdup(ip);
	e->created_at = ddb_created(item, why != NULL ? &bad : NULL);
	/* without a LastSeenAt (the original's items), its CreatedAt; one
	 * that is there but unreadable is an unknown time */
	if (json_object_get(item, A_SEEN) == NULL)
		e->last_seen_at = e->created_at;
	else
		e->last_seen_at = ddb_get_n(item, A_SEEN, NULL);
	if (bad != NULL)
		xasprintf(why, "%s: %s", bad, e->last_seen_at == 0 ?
		    "its age is unknown: kept, never old enough to expire" :
		    "its age is its LastSeenAt's alone");
	free(bad);
	e->expires_at = ddb_get_n(item, A_EXPIRES, NULL);
	/* RemovedAt of any type makes the entry pending (its time, if no
	 * number in range, the earliest): never active by a misreading */
	if (json_object_get(item, A_REMOVED) != NULL) {
		if ((e->removed_at = ddb_get_n(item, A_REMOVED, NULL)) == 0)
			e->removed_at = 1;
		e->removed_reason = ddb_dup_s(item, A_REASON);
		if (e->removed_reason == NULL || *e->removed_reason == '\0') {
			free(e->removed_reason);
			e->removed_reason = xstrdup(STORE_EXPIRED);
		}
	}
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

/* " AND " between the terms of a condition. */
static void
ddb_and(struct buf *b, const char *term)
{
	if (b->len > 0)
		buf_adds(b, " AND ");
	buf_adds(b, term);
}

/*
 * Items that may be older than :b: a superset of what store_match_entry()
 * then finds among them, so that no item the rule of ddb_entry() ages is
 * missed (an item without a LastSeenAt is aged by its CreatedAt).
 */
#define DDB_CREATED_BEFORE	"(#c < :b OR NOT attribute_type(#c, :tn))"
#define DDB_SEEN_BEFORE		"(#l < :b OR (attribute_not_exists(#l) " \
	"AND " DDB_CREATED_BEFORE "))"

/* The age test of m ("" if none), as ddb_match_expr() describes. */
static const char *
ddb_age_expr(const struct store_match *m, json_t *names, json_t *values)
{
	const char *age = NULL;

	if (m->before != 0) {
		json_object_set_new(names, "#c", json_string(A_CREATED));
		json_object_set_new(values, ":b", ddb_n((long long)m->before));
		/* a CreatedAt that is no Number (a string time, or absent
		 * beside a Timestamp) is judged here, by ddb_entry()'s rule */
		json_object_set_new(values, ":tn", ddb_s("N"));
		if (m->by == STORE_BY_CREATED)
			age = DDB_CREATED_BEFORE;
		else {
			json_object_set_new(names, "#l", json_string(A_SEEN));
			age = DDB_SEEN_BEFORE;
		}
	}
	if (m->expired_at != 0) {
		json_object_set_new(names, "#x", json_string(A_EXPIRES));
		json_object_set_new(values, ":e",
		    ddb_n((long long)m->expired_at));
	}
	if (age != NULL && m->expired_at != 0)
		return m->by == STORE_BY_CREATED ?
		    "(" DDB_CREATED_BEFORE " OR #x <= :e)" :
		    "(" DDB_SEEN_BEFORE " OR #x <= :e)";
	return age != NULL ? age : m->expired_at != 0 ? "#x <= :e" : "";
}

/*
 * The condition an entry must meet to match m, over attribute names #c,
 * #l, #x, #r and values :b, :e, :rf, :rb (added to names and values). NULL
 * when m matches everything. An item without LastSeenAt (written by the
 * original automation) is aged by its CreatedAt; one holding RemovedAt is
 * pending.
 */
char *
ddb_match_expr(const struct store_match *m, json_t *names, json_t *values)
{
	struct buf b;
	int removed;

	if (m == NULL)
		return NULL;
	buf_init(&b);
	removed = m->removed_from != 0 || m->removed_before != 0;
	if (m->state != STORE_ANY || removed)
		json_object_set_new(names, "#r", json_string(A_REMOVED));
	if (m->state == STORE_ACTIVE)
		ddb_and(&b, "attribute_not_exists(#r)");
	else if (m->state == STORE_PENDING || removed)
		ddb_and(&b, "attribute_exists(#r)");
	if (m->removed_from != 0) {
		ddb_and(&b, "#r >= :rf");
		json_object_set_new(values, ":rf",
		    ddb_n((long long)m->removed_from));
	}
	if (m->removed_before != 0) {
		ddb_and(&b, "#r < :rb");
		json_object_set_new(values, ":rb",
		    ddb_n((long long)m->removed_before));
	}
	if (m->before != 0 || m->expired_at != 0)
		ddb_and(&b, ddb_age_expr(m, names, values));
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_cstr(&b);	/* the buffer's storage, now the caller's */
}

/* Set the expression members of req (names and values only if any). */
void
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

/* A guard that the attribute still holds what was read. */
void
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
