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
	struct store_match	 m = { 100, STORE_BY_LAST_SEEN, 0 };
	struct store_entry	 e;

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

	/* conditional removal */
	m.before = 1767657600;
	m.by = STORE_BY_LAST_SEEN;
	m.expired_at = 0;
	ok(store_remove_if(st, "198.51.100.7", &m, NULL, &cause) == 0,
	    "not removed: seen at the cut-off");
	m.before = 1767657601;
	ok(store_remove_if(st, "198.51.100.7", &m, &got, &cause) == 1,
	    "removed once older");
	is_str(got.host_ip, "198.51.100.7", "removed entry handed back");
	store_entry_clear(&got);
	store_commit(st, &cause);
	ok(store_count(st, &n, &cause) == 0 && n == 0, "empty again");
	ok(store_remove(st, "198.51.100.7", &cause) == 0, "absent: 0");
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
