/*
 * slack_post.c: getting messages to Slack: the webhook URL (read safely,
 * never shown), one post with Slack's retry rules, and the SQLite memory of
 * what was already posted.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "http.h"
#include "slack.h"
#include "util.h"

/* --- the webhook URL ----------------------------------------------------- */

/* Host part of an http(s) URL: start and length; -1 if not http(s). */
static int
url_host(const char *url, const char **host, size_t *hlen, int *https)
{
	const char	*p;

	if (strncmp(url, "https://", 8) == 0) {
		*https = 1;
		p = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		*https = 0;
		p = url + 7;
	} else
		return (-1);
	*host = p;
	*hlen = strcspn(p, "/?#");
	return (*hlen > 0 ? 0 : -1);
}

static int
loopback(const char *h, size_t n)
{
	const char	*hosts[] = { "127.0.0.1", "localhost", "[::1]", NULL };
	size_t		 i, l;

	for (i = 0; hosts[i] != NULL; i++) {
		l = strlen(hosts[i]);
		if (n >= l && strncmp(h, hosts[i], l) == 0 &&
		    (n == l || h[l] == ':'))
			return (1);
	}
	return (0);
}

int
slack_webhook_check(const char *url, char **cause)
{
	const char	*host;
	size_t		 hlen, i;
	int		 https;

	*cause = NULL;
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f) {
			xasprintf(cause, "webhook URL: space or control "
			    "character in it");
			return (-1);
		}
	if (url_host(url, &host, &hlen, &https) == -1) {
		xasprintf(cause, "webhook URL: not an https:// URL");
		return (-1);
	}
	if (memchr(host, '@', hlen) != NULL) {
		xasprintf(cause, "webhook URL: user information not allowed");
		return (-1);
	}
	if (!https && !loopback(host, hlen)) {
		xasprintf(cause, "webhook URL: http:// only to a loopback "
		    "address; use https://");
		return (-1);
	}
	return (0);
}

/*
 * "hooks.slack.com/services/T…/B…/" and three stars: the host, then each path segment
 * shown as its first character and "…", the last one as "***".
 */
char *
slack_webhook_display(const char *url, char *out, size_t outlen)
{
	const char	*host, *p, *seg;
	size_t		 hlen, n;
	int		 https;
	struct buf	 b;

	if (url == NULL || url_host(url, &host, &hlen, &https) == -1) {
		snprintf(out, outlen, "webhook");
		return (out);
	}
	buf_init(&b);
	buf_add(&b, host, hlen);
	p = host + hlen;
	if (*p == '/')
		p++;
	while (*p != '\0' && *p != '?' && *p != '#') {
		seg = p;
		n = strcspn(p, "/?#");
		p += n;
		buf_addc(&b, '/');
		if (*p != '/' || p[1] == '\0' || p[1] == '?' || p[1] == '#') {
			buf_adds(&b, "***");
			break;
		}
		if (strncmp(seg, "services/", 9) == 0)
			buf_adds(&b, "services");
		else if (n > 0) {
			buf_addc(&b, isalnum((unsigned char)*seg) ? *seg :
			    '_');
			buf_adds(&b, "\xe2\x80\xa6");
		}
		p++;
	}
	snprintf(out, outlen, "%s", buf_cstr(&b));
	buf_free(&b);
	return (out);
}

char *
slack_webhook_read(const char *path, char **cause)
{
	struct stat	 st;
	char		 line[2048];
	int		 fd;
	ssize_t		 n;
	size_t		 len;

	*cause = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		close(fd);
		return (NULL);
	}
	if ((st.st_mode & 077) != 0) {
		xasprintf(cause, "%s: readable or writable by others (mode "
		    "%04o); chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return (NULL);
	}
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	line[n] = '\0';
	len = strcspn(line, "\r\n");
	if ((size_t)n == sizeof(line) - 1 && len == (size_t)n) {
		wipe(line, sizeof(line));
		xasprintf(cause, "%s: first line too long", path);
		return (NULL);
	}
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	if (len == 0) {
		xasprintf(cause, "%s: empty", path);
		return (NULL);
	}
	{
		char	*url = xstrndup(line + strspn(line, " \t"),
		    len - strspn(line, " \t"));

		wipe(line, sizeof(line));
		return (url);
	}
}

/* --- posting -------------------------------------------------------------- */

void
slack_post_opts_init(struct slack_post_opts *o)
{
	struct http_retry	 r;

	memset(o, 0, sizeof(*o));
	http_retry_init(&r);
	o->max_attempts = r.max_attempts;
	o->max_rate_limited = 10;
	o->max_retry_after_ms = 300000;
	o->timeout_ms = 10000;
}

static void
trace(const struct slack_post_opts *o, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	if (o->trace == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	o->trace(o->trace_arg, s);
	free(s);
}

/* Slack's plain-text answer, made printable and short. */
static void
set_reason(struct slack_post_result *rs, const char *s, size_t n)
{
	size_t	 i, j = 0;

	for (i = 0; i < n && j < sizeof(rs->reason) - 1; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			break;
		rs->reason[j++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	}
	rs->reason[j] = '\0';
	if (j == 0)
		snprintf(rs->reason, sizeof(rs->reason), "(no reason given)");
}

enum slack_post_status
slack_post(const char *url, const char *body, size_t len,
    const struct slack_post_opts *o, struct slack_post_result *rs)
{
	struct http_header	 hdr = { "Content-Type", "application/json" };
	struct http_request	 rq;
	struct http_response	 resp;
	struct http_retry	 retry;
	char			*cause;
	long			 delay;
	int			 failures = 0, limited = 0;

	memset(rs, 0, sizeof(*rs));
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = url;
	rq.headers = &hdr;
	rq.nheaders = 1;
	rq.body = body;
	rq.bodylen = len;
	rq.timeout_ms = o->timeout_ms;
	http_retry_init(&retry);
	retry.max_attempts = o->max_attempts;

	for (;;) {
		rs->attempts++;
		memset(&resp, 0, sizeof(resp));
		cause = NULL;
		if (http_do(&rq, &resp, &cause) == -1) {
			rs->http_status = 0;
			snprintf(rs->reason, sizeof(rs->reason), "%s",
			    cause ? cause : "transport failure");
			free(cause);
			trace(o, "attempt %d: %s", rs->attempts, rs->reason);
			goto transient;
		}
		rs->http_status = resp.status;
		set_reason(rs, resp.body ? resp.body : "", resp.bodylen);
		trace(o, "attempt %d: HTTP %ld %s", rs->attempts, resp.status,
		    rs->reason);
		if (resp.status == 200) {
			http_response_free(&resp);
			return (rs->status = SLACK_POSTED);
		}
		if (resp.status == 429) {
			delay = http_retry_after_ms(&resp);
			http_response_free(&resp);
			if (delay < 0)
				delay = 1000;
			if (++limited > o->max_rate_limited ||
			    delay > o->max_retry_after_ms) {
				snprintf(rs->reason, sizeof(rs->reason),
				    "rate limited %d times", limited);
				return (rs->status = SLACK_FAILED);
			}
			trace(o, "rate limited: waiting %ld ms (Retry-After)",
			    delay);
			http_sleep_ms(delay);
			continue;
		}
		if (resp.status >= 500) {
			http_response_free(&resp);
			goto transient;
		}
		http_response_free(&resp);
		if (rs->http_status == 403 || rs->http_status == 404 ||
		    rs->http_status == 410)
			return (rs->status = SLACK_GONE);
		return (rs->status = SLACK_REFUSED);
transient:
		if (++failures >= retry.max_attempts)
			return (rs->status = SLACK_FAILED);
		/* Never faster than Slack's one message per second. */
		if ((delay = http_retry_delay(&retry, failures)) < 1000)
			delay = 1000;
		trace(o, "retrying in %ld ms", delay);
		http_sleep_ms(delay);
	}
}

/* --- dedupe state ---------------------------------------------------------- */

struct slack_state {
	sqlite3		*db;
};

static int
exec(struct slack_state *st, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s", err ? err : sqlite3_errmsg(st->db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

struct slack_state *
slack_state_open(const char *path, char **cause)
{
	struct slack_state	*st;
	int			 fd;

	*cause = NULL;
	if (path != NULL) {
		/* Create it private: keys name findings in your accounts. */
		if ((fd = open_private(path, O_RDWR, cause)) == -1)
			return (NULL);
		close(fd);
	}
	st = xcalloc(1, sizeof(*st));
	/* and never through a link put in its place since */
	if (sqlite3_open_v2(path ? path : ":memory:", &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
	    NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path ? path : "state",
		    st->db ? sqlite3_errmsg(st->db) : "cannot open");
		slack_state_close(st);
		return (NULL);
	}
	sqlite3_busy_timeout(st->db, 10000);
	if (exec(st, "PRAGMA journal_mode=WAL;"
	    "CREATE TABLE IF NOT EXISTS posted (key TEXT PRIMARY KEY,"
	    " posted_at INTEGER NOT NULL);"
	    "CREATE TEMP TABLE run (key TEXT PRIMARY KEY);", cause) == -1) {
		char	*c = *cause;

		xasprintf(cause, "%s: %s", path ? path : "state", c);
		free(c);
		slack_state_close(st);
		return (NULL);
	}
	return (st);
}

void
slack_state_close(struct slack_state *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st);
}

/* Run one statement with a text and an integer parameter. */
static int
run(struct slack_state *st, const char *sql, const char *key, int64_t t,
    int *row, char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*cause = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(st->db));
		return (-1);
	}
	if (key != NULL)
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, t);
	rc = sqlite3_step(stmt);
	if (row != NULL)
		*row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		xasprintf(cause, "%s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return (*cause ? -1 : 0);
}

int
slack_state_seen(struct slack_state *st, const char *key, time_t since,
    char **cause)
{
	int	 row;

	if (run(st, "SELECT 1 FROM posted WHERE key = ?1 AND"
	    " posted_at >= ?2", key, since, &row, cause) == -1)
		return (-1);
	return (row);
}

int
slack_state_mark(struct slack_state *st, const char *key, time_t now,
    char **cause)
{
	return (run(st, "INSERT INTO posted (key, posted_at) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET posted_at = excluded.posted_at",
	    key, now, NULL, cause));
}

int
slack_state_first(struct slack_state *st, const char *key, char **cause)
{
	if (run(st, "INSERT OR IGNORE INTO run (key) VALUES (?1)", key, 0,
	    NULL, cause) == -1)
		return (-1);
	return (sqlite3_changes(st->db) > 0);
}

int
slack_state_expire(struct slack_state *st, time_t since, char **cause)
{
	return (run(st, "DELETE FROM posted WHERE posted_at < ?2", NULL,
	    since, NULL, cause));
}
