/*
 * fuzz-ddb.c: DynamoDB items and store entries (lib/store_ddb.c): any item
 * the table may hold, as GetItem, Query, Scan, UpdateItem or DeleteItem
 * answer it, decodes (ddb_entry) without a crash, a leak or undefined
 * behaviour into an entry that encodes (ddb_item) and decodes back the
 * same; and every entry the store is given (store_entry_from_json of a
 * record, as ipstore add and mirror hand it over, with any times the store
 * holds) comes back the same from the item written for it.
 *
 * The item functions are the backend's own (lib/store_ddb_item.c, through
 * its internal header), linked from the library.
 *
 * Input: one JSON text, read twice: as a DynamoDB answer (parsed as
 * lib/aws.c parses answers), whose Item, Attributes, each of Items, and the
 * text itself are decoded; and as an input record (parsed as the record
 * reader does), whose integer CreatedAt, LastSeenAt and ExpiresAt, if any,
 * pick the entry's times.
 *
 * "The same" entry: same HostIp, times and record (as JSON values and as
 * ipstore prints them, byte for byte), finding fields equal but for one
 * thing the backend does on purpose: an empty finding field is not
 * written, so it reads back absent (see tests/fuzz/README).
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_ddb_impl.h"

#include "fuzz.h"
#include "jl.h"
#include "util.h"

/* clk's range: 1970 to the end of 9999, what a store time may be */
#define MAX_TIME	253402300799LL

static const char *
text_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static void
same_field(const char *a, const char *b, const char *what)
{
	CHECK(strcmp(text_or_empty(a), text_or_empty(b)) == 0,
	    "%s: \"%s\" came back as \"%s\"", what, text_or_empty(a),
	    text_or_empty(b));
}

/* An empty finding field is not written: drop it before comparing. */
static void
drop_empty(char **s)
{
	if (*s != NULL && **s == '\0') {
		free(*s);
		*s = NULL;
	}
}

static void
check_same(const struct store_entry *a, const struct store_entry *b)
{
	struct store_entry	 ca, cb;
	json_t			*ja, *jb;
	char			*sa, *sb;

	CHECK(strcmp(a->host_ip, b->host_ip) == 0, "HostIp %s came back as "
	    "%s", a->host_ip, b->host_ip);
	CHECK(a->created_at == b->created_at && a->last_seen_at ==
	    b->last_seen_at && a->expires_at == b->expires_at,
	    "times %lld %lld %lld came back as %lld %lld %lld",
	    (long long)a->created_at, (long long)a->last_seen_at,
	    (long long)a->expires_at, (long long)b->created_at,
	    (long long)b->last_seen_at, (long long)b->expires_at);
	CHECK(a->removed_at == b->removed_at, "RemovedAt %lld came back as "
	    "%lld", (long long)a->removed_at, (long long)b->removed_at);
	same_field(a->removed_reason, b->removed_reason, "RemovedReason");
	same_field(a->finding_id, b->finding_id, "FindingId");
	same_field(a->finding_type, b->finding_type, "FindingType");
	same_field(a->severity, b->severity, "Severity");
	same_field(a->account_id, b->account_id, "AccountId");
	same_field(a->region, b->region, "Region");
	CHECK((a->record == NULL) == (b->record == NULL) &&
	    (a->record == NULL || json_equal(a->record, b->record)),
	    "the record came back %s", b->record == NULL ? "lost" :
	    "changed");

	/* and ipstore prints them the same, byte for byte */
	store_entry_copy(&ca, a);
	store_entry_copy(&cb, b);
	drop_empty(&ca.finding_id);
	drop_empty(&ca.finding_type);
	drop_empty(&ca.severity);
	drop_empty(&ca.account_id);
	drop_empty(&ca.region);
	ja = store_entry_to_json(&ca);
	jb = store_entry_to_json(&cb);
	sa = json_dumps(ja, JSON_COMPACT);
	sb = json_dumps(jb, JSON_COMPACT);
	CHECK(sa != NULL && sb != NULL && strcmp(sa, sb) == 0,
	    "printed %s, then %s", sa, sb);
	free(sa);
	free(sb);
	json_decref(ja);
	json_decref(jb);
	store_entry_clear(&ca);
	store_entry_clear(&cb);
}

/* What is written: attributes of one type each, numbers in decimal. */
static void
check_item(const json_t *item)
{
	const char	*name, *s;
	json_t		*v;

	CHECK(json_is_object(item), "item is no object");
	CHECK(ddb_get_s(item, A_KEY) != NULL, "item without HostIp");
	json_object_foreach((json_t *)item, name, v) {
		CHECK(json_object_size(v) == 1, "%s: %zu types", name,
		    json_object_size(v));
		CHECK(ddb_known(name) || strcmp(name, A_TIMESTAMP) == 0,
		    "attribute %s written", name);
		if ((s = json_string_value(json_object_get(v, "N"))) != NULL) {
			CHECK(strspn(s + (*s == '-'), "0123456789") ==
			    strlen(s + (*s == '-')) && s[*s == '-'] != '\0',
			    "%s: N \"%s\"", name, s);
			continue;
		}
		CHECK(json_is_string(json_object_get(v, "S")), "%s: not S or N",
		    name);
	}
}

/*
 * What an entry reads back as: an unknown time (0) is not written, so an
 * unknown CreatedAt is the record's Timestamp where it has one, and an
 * unknown LastSeenAt is the CreatedAt (store.h, store_ddb_item.c).
 */
static const struct store_entry *
unknown_times(const struct store_entry *e, struct store_entry *want)
{
	const char	*ts;
	time_t		 t;

	store_entry_copy(want, e);
	ts = json_string_value(json_object_get(e->record, A_TIMESTAMP));
	if (want->created_at == 0 && ts != NULL && ddb_parse_time(ts, &t) == 0)
		want->created_at = t;
	if (want->last_seen_at == 0)
		want->last_seen_at = want->created_at;
	return want;
}

/* Write e, read what DynamoDB would give back, compare. */
static void
round_trip(const struct store_entry *e)
{
	struct store_entry	 back, want;
	json_t			*item, *wire;
	json_error_t		 err;
	char			*text;

	item = ddb_item(e, e->created_at, e->last_seen_at, e->expires_at);
	check_item(item);
	/* as sent, and as the answer is parsed (lib/aws.c) */
	text = json_dumps(item, JSON_COMPACT);
	CHECK(text != NULL, "item does not serialise");
	wire = json_loads(text, 0, &err);
	CHECK(wire != NULL, "item does not read back: %s: %s", err.text, text);
	CHECK(ddb_entry(wire, &back) == 0, "written item refused: %s", text);
	check_same(unknown_times(e, &want), &back);
	store_entry_clear(&want);
	store_entry_clear(&back);
	json_decref(wire);
	json_decref(item);
	free(text);
}

/* Any item: decoded, sane, and stable once written back. */
static void
decode(const json_t *item)
{
	struct store_entry	 e;

	if (ddb_entry(item, &e) != 0) {
		CHECK(e.host_ip == NULL && e.record == NULL, "refused, but "
		    "kept something");
		return;
	}
	CHECK(e.host_ip != NULL, "decoded without HostIp");
	CHECK(e.created_at >= 0 && e.created_at <= 1000000000000000LL &&
	    e.last_seen_at >= 0 && e.last_seen_at <= 1000000000000000LL &&
	    e.expires_at >= 0 && e.expires_at <= 1000000000000000LL,
	    "times %lld %lld %lld", (long long)e.created_at,
	    (long long)e.last_seen_at, (long long)e.expires_at);
	CHECK(e.record == NULL || (json_is_object(e.record) &&
	    json_object_size(e.record) > 0), "an empty record");
	/* an item holding RemovedAt is pending, whatever its type */
	CHECK((json_object_get(item, A_REMOVED) != NULL) ==
	    (e.removed_at != 0) && (e.removed_at == 0) ==
	    (e.removed_reason == NULL), "RemovedAt %s, read as %lld (%s)",
	    json_object_get(item, A_REMOVED) != NULL ? "present" : "absent",
	    (long long)e.removed_at, e.removed_reason != NULL ?
	    e.removed_reason : "no reason");
	round_trip(&e);
	store_entry_clear(&e);
}

/* An integer member mapped onto a time the store may hold. */
static time_t
pick_time(const json_t *rec, const char *key, time_t dflt)
{
	const json_t	*v = json_object_get(rec, key);

	if (!json_is_integer(v))
		return dflt;
	return (time_t)((uint64_t)json_integer_value(v) %
	    (uint64_t)(MAX_TIME + 1));
}

/* A record as ipstore add and mirror give it to the store. */
static void
encode(const uint8_t *data, size_t len)
{
	struct jl_record	 rec;
	struct store_entry	 e;
	json_t			*v;
	char			 reason[160], *cause = NULL;
	const char		*reason_s;
	size_t			 n;

	/* the first JSON text, without what follows (a newline) */
	if ((n = jl_validate((const char *)data, len, NULL, 0, NULL)) == 0)
		return;
	rec.text = (const char *)data;
	rec.len = n;
	rec.file = "fuzz";
	rec.line = 1;
	if ((v = jl_decode(&rec, reason, sizeof reason)) == NULL)
		return;
	if (store_entry_from_json(&e, v, &cause) != 0) {
		CHECK(cause != NULL, "refused without a reason");
		free(cause);
		json_decref(v);
		return;
	}
	e.created_at = pick_time(v, "CreatedAt", 1767571200);
	e.last_seen_at = pick_time(v, "LastSeenAt", e.created_at);
	e.expires_at = pick_time(v, "ExpiresAt", 0);
	/* pending, when RemovedAt picks a time: the reason as given (an
	 * empty one is not written: it reads back as the default) */
	if ((e.removed_at = pick_time(v, "RemovedAt", 0)) != 0) {
		reason_s = json_string_value(json_object_get(v,
		    "RemovedReason"));
		e.removed_reason = xstrdup(reason_s != NULL &&
		    *reason_s != '\0' && strlen(reason_s) ==
		    json_string_length(json_object_get(v, "RemovedReason")) ?
		    reason_s : STORE_EXPIRED);
	}
	round_trip(&e);
	store_entry_clear(&e);
	json_decref(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t		*j, *v;
	size_t		 k;

	/* an answer, parsed as lib/aws.c parses them */
	if ((j = json_loadb((const char *)data, len, 0, NULL)) != NULL) {
		decode(j);
		decode(json_object_get(j, "Item"));
		decode(json_object_get(j, "Attributes"));
		json_array_foreach(json_object_get(j, "Items"), k, v)
			decode(v);
		json_decref(j);
	}
	encode(data, len);
	return 0;
}
