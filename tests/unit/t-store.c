/*
 * t-store.c: unit tests of the store front end (URLs, the default location,
 * records <-> entries, matching) and of the SQLite backend's semantics.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clk.h"
#include "store.h"
#include "store_impl.h"
#include "tap.h"
#include "util.h"

static char	 tmp[] = "/tmp/t-store.XXXXXX";

static void
test_urls(void)
{
	struct store	*st;
	enum err_kind	 kind;
	char		*cause, *url;

	st = store_open("nosuch:thing", STORE_CREATE, NULL, &kind, &cause);
	ok(st == NULL && strncmp(cause, "bad store URL", 13) == 0 &&
	    kind == ERR_CONFIG, "unknown kind is a bad URL, a configuration error: %s",
	    cause);
	free(cause);
	st = store_open("sqlite:", STORE_CREATE, NULL, &kind, &cause);
	ok(st == NULL && strncmp(cause, "bad store URL", 13) == 0 &&
	    kind == ERR_CONFIG, "empty path is a bad URL, a configuration error: %s",
	    cause);
	free(cause);
	st = store_open("/just/a/path", STORE_CREATE, NULL, &kind, &cause);
	ok(st == NULL && strncmp(cause, "bad store URL", 13) == 0 &&
	    kind == ERR_CONFIG, "a bare path is a bad URL, a configuration error: %s",
	    cause);
	free(cause);

	unsetenv("SECHUB_STORE");
	setenv("XDG_DATA_HOME", "/xdg", 1);
	url = store_default_url(&cause);
	is_str(url, "sqlite:/xdg/sechub-tools/blocklist.db",
	    "default under XDG_DATA_HOME");
	free(url);
	setenv("XDG_DATA_HOME", "relative", 1);
	setenv("HOME", "/home/op", 1);
	url = store_default_url(&cause);
	is_str(url, "sqlite:/home/op/.local/share/sechub-tools/blocklist.db",
	    "relative XDG_DATA_HOME is ignored (XDG spec)");
	free(url);
	setenv("SECHUB_STORE", "dynamodb:blocklist", 1);
	url = store_default_url(&cause);
	is_str(url, "dynamodb:blocklist", "SECHUB_STORE wins");
	free(url);
	unsetenv("SECHUB_STORE");
}

static void
test_default_location(void)
{
	struct store	*st;
	struct stat	 sb;
	enum err_kind	 kind;
	char		*cause, *dir, *file;

	xasprintf(&dir, "%s/xdg", tmp);
	xasprintf(&file, "%s/sechub-tools/blocklist.db", dir);
	setenv("XDG_DATA_HOME", dir, 1);
	st = store_open(NULL, 0, NULL, &kind, &cause);
	ok(st == NULL && strstr(cause, "no such store") != NULL &&
	    kind == ERR_RUNTIME,
	    "no store yet, not created without create, at run time: %s",
	    cause);
	free(cause);
	st = store_open(NULL, STORE_CREATE, NULL, NULL, &cause);
	ok(st != NULL, "default store created");
	if (st != NULL) {
		ok(strncmp(store_url(st), "sqlite:", 7) == 0 &&
		    strcmp(store_url(st) + 7, file) == 0,
		    "url names the default file: %s", store_url(st));
	}
	store_close(st);
	ok(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "file mode 0600 (%o)", (unsigned)(sb.st_mode & 0777));
	*strrchr(file, '/') = '\0';
	ok(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0700,
	    "directory created, mode 0700 (%o)", (unsigned)(sb.st_mode & 0777));
	free(dir);
	free(file);
}

static void
test_entries(void)
{
	struct store_entry	 e;
	json_t			*rec, *out;
	char			*cause, *text;

	rec = json_loads("{\"HostIp\":\"2001:DB8:0:0::7\","
	    "\"Severity\":\"HIGH\","
	    "\"NewIP\":false,\"CreatedAt\":\"x\",\"Note\":[1,2],"
	    "\"FindingId\":42}", 0, NULL);
	ok(store_entry_from_json(&e, rec, &cause) == 0, "entry from record");
	is_str(e.host_ip, "2001:db8::7", "HostIp canonical");
	is_str(e.severity, "HIGH", "Severity taken");
	ok(e.finding_id == NULL, "non-string FindingId stays in the record");
	text = json_dumps(e.record, JSON_COMPACT);
	is_str(text, "{\"Note\":[1,2],\"FindingId\":42}",
	    "store fields dropped, the rest kept");
	free(text);
	e.created_at = 1767576033;
	e.last_seen_at = 1767576034;
	out = store_entry_to_json(&e);
	text = json_dumps(out, JSON_COMPACT);
	is_str(text, "{\"HostIp\":\"2001:db8::7\",\"CreatedAt\":"
	    "\"2026-01-05T01:20:33Z\",\"LastSeenAt\":\"2026-01-05T01:20:34Z\","
	    "\"Severity\":\"HIGH\",\"Note\":[1,2],\"FindingId\":42}",
	    "entry as a record");
	free(text);
	json_decref(out);
	json_decref(rec);
	store_entry_clear(&e);

	rec = json_loads("{\"HostIp\":\"1.2.3\"}", 0, NULL);
	ok(store_entry_from_json(&e, rec, &cause) == -1, "bad HostIp");
	is_str(cause, "invalid HostIp \"1.2.3\"", "reason");
	free(cause);
	json_decref(rec);
	rec = json_loads("{\"HostIp\":7}", 0, NULL);
	ok(store_entry_from_json(&e, rec, &cause) == -1, "numeric HostIp");
	free(cause);
	json_decref(rec);
	rec = json_loads("{\"Ip\":\"1.2.3.4\"}", 0, NULL);
	ok(store_entry_from_json(&e, rec, &cause) == -1 &&
	    strcmp(cause, "no HostIp") == 0, "missing HostIp");
	free(cause);
	json_decref(rec);
}

static void
test_match(void)
{
	struct store_match	 m;
	struct store_entry	 e;

	memset(&m, 0, sizeof(m));
	m.before = 100;
	m.by = STORE_BY_LAST_SEEN;
	memset(&e, 0, sizeof(e));
	e.created_at = 50;
	e.last_seen_at = 100;
	ok(!store_match_entry(&m, &e), "seen at the cut-off: not older");
	e.last_seen_at = 99;
	ok(store_match_entry(&m, &e), "seen before the cut-off: older");
	m.by = STORE_BY_CREATED;
	e.last_seen_at = 200;
	ok(store_match_entry(&m, &e), "by created");
	m.before = 0;
	m.expired_at = 300;
	ok(!store_match_entry(&m, &e), "no TTL never expires");
	e.expires_at = 300;
	ok(store_match_entry(&m, &e), "TTL reached");
	ok(store_match_entry(NULL, &e), "NULL matches everything");

	memset(&m, 0, sizeof(m));
	m.state = STORE_ACTIVE;
	ok(store_match_entry(&m, &e), "active matches active");
	m.state = STORE_PENDING;
	ok(!store_match_entry(&m, &e), "active is not pending");
	e.removed_at = 500;
	ok(store_match_entry(&m, &e), "pending matches pending");
	m.removed_before = 500;
	ok(!store_match_entry(&m, &e), "removed_before is strict");
	m.removed_before = 501;
	m.removed_from = 500;
	ok(store_match_entry(&m, &e), "pending since exactly 500");
	m.removed_from = 501;
	m.removed_before = 0;
	ok(!store_match_entry(&m, &e), "removed_from excludes earlier");
	m.removed_from = 0;
	m.state = STORE_ACTIVE;
	ok(!store_match_entry(&m, &e), "pending is not active");
}

static void
test_merge_times(void)
{
	struct store_entry	 a, b, out;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&out, 0, sizeof(out));
	a.created_at = 10;
	a.last_seen_at = 20;
	b.created_at = 5;
	b.last_seen_at = 30;
	b.removed_at = 40;
	b.removed_reason = xstrdup("manual");
	store_merge_times(&out, &a, &b);
	ok(out.created_at == 5 && out.last_seen_at == 30 &&
	    out.removed_at == 40 && strcmp(out.removed_reason, "manual") == 0,
	    "unblocked after the other side last saw it: pending");
	a.last_seen_at = 41;
	store_merge_times(&out, &a, &b);
	ok(out.removed_at == 0 && out.removed_reason == NULL &&
	    out.last_seen_at == 41,
	    "seen after the unblock: active");
	store_merge_times(&out, &b, &a);
	ok(out.removed_at == 0, "either order");
	a.removed_at = 35;
	a.removed_reason = xstrdup("expired");
	store_merge_times(&b, &a, &b);
	ok(b.removed_at == 35 && strcmp(b.removed_reason, "expired") == 0,
	    "both pending: since the earlier, into one of them");
	store_entry_clear(&a);
	store_entry_clear(&b);
	store_entry_clear(&out);
}

static void
test_sqlite(void)
{
	struct store		*st;
	struct store_entry	 e, got;
	struct store_match	 m;
	char			*cause, *url;
	int			 is_new;
	uint64_t		 n;

	xasprintf(&url, "sqlite:%s/s.db", tmp);
	setenv("SECHUB_NOW", "2026-01-05T00:00:00Z", 1);
	clk_init(&cause);
	st = store_open(url, STORE_CREATE, NULL, NULL, &cause);
	ok(st != NULL, "open %s", url);
	if (st == NULL) {
		printf("# %s\n", cause);
		exit(1);
	}
	memset(&e, 0, sizeof(e));
	e.host_ip = xstrdup("198.51.100.7");
	e.finding_id = xstrdup("first");
	ok(store_add(st, &e, &is_new, &cause) == 0 && is_new, "new");
	ok(store_commit(st, &cause) == 0, "commit");
	setenv("SECHUB_NOW", "2026-01-06T00:00:00Z", 1);
	clk_init(&cause);
	free(e.finding_id);
	e.finding_id = xstrdup("second");
	ok(store_add(st, &e, &is_new, &cause) == 0 && !is_new, "not new");
	is_int(e.created_at, 1767571200, "created kept");
	is_int(e.last_seen_at, 1767657600, "last seen raised");
	store_commit(st, &cause);
	ok(store_get(st, "198.51.100.7", &got, &cause) == 1, "get");
	is_str(got.finding_id, "first", "first finding kept");
	store_entry_clear(&got);

	/* merge: widen only */
	e.created_at = 1767000000;
	e.last_seen_at = 1767000001;
	e.expires_at = 1800000000;
	ok(store_merge(st, &e, &is_new, &cause) == 0 && !is_new, "merge");
	is_int(e.created_at, 1767000000, "merge takes the earlier created");
	is_int(e.last_seen_at, 1767657600, "merge keeps the later seen");
	is_int(e.expires_at, 0, "no TTL stays no TTL");
	store_commit(st, &cause);

	/* unblock: pending, atomically with the match */
	memset(&m, 0, sizeof(m));
	m.before = 1767657600;
	m.by = STORE_BY_LAST_SEEN;
	ok(store_unblock(st, "198.51.100.7", &m, STORE_EXPIRED, NULL,
	    &cause) == 0, "not unblocked: seen at the cut-off");
	m.before = 1767657601;
	setenv("SECHUB_NOW", "2026-01-07T00:00:00Z", 1);
	clk_init(&cause);
	ok(store_unblock(st, "198.51.100.7", &m, STORE_EXPIRED, &got,
	    &cause) == 1, "unblocked once older");
	is_int(got.removed_at, 1767744000, "pending since now");
	is_str(got.removed_reason, "expired", "for the reason given");
	store_entry_clear(&got);
	ok(store_unblock(st, "198.51.100.7", NULL, STORE_MANUAL, NULL,
	    &cause) == 0, "a pending entry is not unblocked again");
	ok(store_unblock(st, "198.51.100.7", NULL, "two\nlines", NULL,
	    &cause) == -1, "a reason with a control character is refused");
	free(cause);
	ok(store_unblock(st, "198.51.100.7", NULL, "", NULL,
	    &cause) == -1, "an empty reason is refused");
	free(cause);
	ok(store_unblock(st, "198.51.100.7", NULL, NULL, NULL,
	    &cause) == -1, "no reason is refused");
	free(cause);
	store_commit(st, &cause);
	memset(&m, 0, sizeof(m));
	m.state = STORE_ACTIVE;
	ok(store_count(st, &m, &n, &cause) == 0 && n == 0, "none active");
	m.state = STORE_PENDING;
	ok(store_count(st, &m, &n, &cause) == 0 && n == 1, "one pending");
	ok(store_get(st, "198.51.100.7", &got, &cause) == 1 &&
	    got.removed_at == 1767744000, "get: the pending entry");
	store_entry_clear(&got);

	/* forget: only pending entries, only in the match */
	memset(&m, 0, sizeof(m));
	m.removed_before = 1767744000;
	ok(store_forget(st, "198.51.100.7", &m, NULL, &cause) == 0,
	    "not forgotten: pending since the bound, not before");
	m.removed_before = 0;
	m.removed_from = 1767744001;
	ok(store_forget(st, "198.51.100.7", &m, NULL, &cause) == 0,
	    "not forgotten: pending since before removed_from");

	/* a pending entry added again is a new block */
	setenv("SECHUB_NOW", "2026-01-08T00:00:00Z", 1);
	clk_init(&cause);
	free(e.finding_id);
	e.finding_id = xstrdup("third");
	e.expires_at = 0;
	ok(store_add(st, &e, &is_new, &cause) == 0 && is_new,
	    "re-added: new again");
	is_int(e.created_at, 1767830400, "created now");
	is_int(e.last_seen_at, 1767830400, "seen now");
	is_int(e.removed_at, 0, "active");
	store_commit(st, &cause);
	ok(store_get(st, "198.51.100.7", &got, &cause) == 1 &&
	    got.removed_at == 0 && got.removed_reason == NULL &&
	    strcmp(got.finding_id, "third") == 0,
	    "stored active, with the new finding");
	store_entry_clear(&got);
	ok(store_forget(st, "198.51.100.7", NULL, NULL, &cause) == 0,
	    "an active entry is never forgotten");
	ok(store_unblock(st, "198.51.100.7", NULL, STORE_MANUAL, NULL,
	    &cause) == 1, "unblocked by hand");
	ok(store_forget(st, "198.51.100.7", NULL, &got, &cause) == 1,
	    "then forgotten");
	is_str(got.removed_reason, "manual", "the forgotten entry handed back");
	store_entry_clear(&got);
	store_commit(st, &cause);
	ok(store_count(st, NULL, &n, &cause) == 0 && n == 0, "empty again");
	ok(store_forget(st, "198.51.100.7", NULL, NULL, &cause) == 0,
	    "absent: 0");
	ok(store_get(st, "not-an-ip", &got, &cause) == -1, "get bad ip");
	free(cause);
	store_entry_clear(&e);
	store_close(st);
	free(url);
}

int
main(void)
{
	if (mkdtemp(tmp) == NULL)
		return 99;
	test_urls();
	test_default_location();
	test_entries();
	test_match();
	test_merge_times();
	test_sqlite();
	{
		char *cmd;

		xasprintf(&cmd, "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			ok(0, "cleanup");
		free(cmd);
	}
	return done_testing();
}
