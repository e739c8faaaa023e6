/*
 * http.c: one HTTP(S) request per call over libcurl (TLS always verified,
 * headers sent exactly as given, response headers lower-cased), and the
 * backoff arithmetic the retry loops of the AWS and Slack layers share.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"
#include "util.h"

#define HTTP_TIMEOUT_MS		30000L
#define HTTP_CONNECT_TIMEOUT_MS	5000L
#define HTTP_MAX_BODY		(64UL * 1024 * 1024)
#define HTTP_MAX_HEADERS	200

struct http_collect {
	struct buf		 body;
	struct http_header	*headers;
	size_t			 nheaders;
	int			 too_big;
};

/*
 * Connections, DNS answers and TLS sessions are shared by every request of
 * the process (a new handshake per DynamoDB call would dominate its cost),
 * safely across threads.
 */
static pthread_once_t	 http_once = PTHREAD_ONCE_INIT;
static CURLSH		*http_share;
static pthread_mutex_t	 http_locks[CURL_LOCK_DATA_LAST];

static void
http_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&http_locks[data]);
}

static void
http_unlock(CURL *h, curl_lock_data data, void *arg)
{
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&http_locks[data]);
}

static void
http_init_once(void)
{
	int i;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&http_locks[i], NULL);
	if ((http_share = curl_share_init()) == NULL)
		return;
	curl_share_setopt(http_share, CURLSHOPT_LOCKFUNC, http_lock);
	curl_share_setopt(http_share, CURLSHOPT_UNLOCKFUNC, http_unlock);
	curl_share_setopt(http_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(http_share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
#if LIBCURL_VERSION_NUM >= 0x073900
	curl_share_setopt(http_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
#endif
}

void
http_global_init(void)
{
	pthread_once(&http_once, http_init_once);
}

static size_t
http_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_collect *c = arg;
	size_t len = size * n;

	if (c->body.len + len > HTTP_MAX_BODY) {
		c->too_big = 1;
		return 0;
	}
	buf_add(&c->body, data, len);
	return len;
}

static void
http_headers_free(struct http_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

/* One header line, or a status line that starts a new header block. */
static size_t
http_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_collect *c = arg;
	size_t len = size * n, nlen, i;
	const char *colon, *v, *end;
	struct http_header *h;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, say): start over. */
		http_headers_free(c->headers, c->nheaders);
		c->headers = NULL;
		c->nheaders = 0;
		return len;
	}
	if ((colon = memchr(data, ':', len)) == NULL)
		return len;	/* the blank line ending the block */
	if (c->nheaders >= HTTP_MAX_HEADERS)
		return len;
	nlen = colon - data;
	end = data + len;
	while (end > colon + 1 && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	c->headers = xreallocarray(c->headers, c->nheaders + 1,
	    sizeof(*c->headers));
	h = &c->headers[c->nheaders++];
	h->name = xstrndup(data, nlen);
	for (i = 0; i < nlen; i++)
		h->name[i] = tolower((unsigned char)h->name[i]);
	h->value = xstrndup(v, end - v);
	return len;
}

/* The host part of url, for deciding whether to bypass proxies. */
static int
http_url_is_local(const char *url)
{
	static const char *local[] = {
		"127.", "localhost", "[::1]", "169.254.", "[fd00:ec2::"
	};
	const char *p;
	size_t i;

	if ((p = strstr(url, "://")) == NULL)
		return 0;
	p += 3;
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (strncasecmp(p, local[i], strlen(local[i])) == 0)
			return 1;
	return 0;
}

static int
http_has_header(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return 1;
	return 0;
}

static struct curl_slist *
http_header_list(const struct http_request *req, int has_body)
{
	struct curl_slist *list = NULL, *l;
	char *line;
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		const char *v = req->headers[i].value;

		/* libcurl sends "Name;" as a header with an empty value. */
		if (v == NULL || *v == '\0')
			xasprintf(&line, "%s;", req->headers[i].name);
		else
			xasprintf(&line, "%s: %s", req->headers[i].name, v);
		l = curl_slist_append(list, line);
		freezero_str(line);	/* may hold a token */
		if (l == NULL)
			goto fail;
		list = l;
	}
	/* Send what the caller gave, not libcurl's defaults. */
	if ((l = curl_slist_append(list, "Expect:")) == NULL)
		goto fail;
	list = l;
	if (has_body && !http_has_header(req, "content-type")) {
		if ((l = curl_slist_append(list, "Content-Type:")) == NULL)
			goto fail;
		list = l;
	}
	return list;
fail:
	curl_slist_free_all(list);
	return NULL;
}

/* A transport error's text, unless it would reveal the URL's path; lower
 * case first, as the toolkit's messages are. */
static char *
http_error_text(const struct http_request *req, CURLcode code,
    const char *errbuf)
{
	const char *path, *p;
	char *text = NULL;

	if (*errbuf != '\0') {
		p = strstr(req->url, "://");
		path = p != NULL ? strchr(p + 3, '/') : NULL;
		if (path == NULL || strlen(path) <= 1 ||
		    strstr(errbuf, path) == NULL)
			text = xstrdup(errbuf);
	}
	if (text == NULL)
		text = xstrdup(curl_easy_strerror(code));
	if (isupper((unsigned char)text[0]) && islower((unsigned char)text[1]))
		text[0] = tolower((unsigned char)text[0]);
	return text;
}

static void
http_setup_method(CURL *curl, const struct http_request *req)
{
	const char *method = req->method != NULL ? req->method : "GET";
	const char *body = req->body != NULL ? req->body : "";

	if (strcmp(method, "GET") == 0 && req->body == NULL) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
		return;
	}
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)req->bodylen);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	if (strcmp(method, "POST") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
}

static void
http_setup_tls(CURL *curl, const struct http_request *req)
{
	const char *ca = req->ca_bundle;

	if (ca == NULL && (ca = getenv("AWS_CA_BUNDLE")) != NULL && *ca == '\0')
		ca = NULL;
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
}

int
http_do(const struct http_request *req, struct http_response *resp,
    char **cause)
{
	struct http_collect c;
	struct curl_slist *list = NULL;
	char errbuf[CURL_ERROR_SIZE];
	CURL *curl = NULL;
	CURLcode code;
	long status = 0;
	int r = -1, has_body;

	memset(resp, 0, sizeof(*resp));
	memset(&c, 0, sizeof(c));
	buf_init(&c.body);
	if (cause != NULL)
		*cause = NULL;
	errbuf[0] = '\0';

	http_global_init();
	if ((curl = curl_easy_init()) == NULL) {
		if (cause != NULL)
			*cause = xstrdup("cannot initialise libcurl");
		goto out;
	}
	has_body = req->method != NULL && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0;
	if ((list = http_header_list(req, has_body)) == NULL) {
		if (cause != NULL)
			*cause = xstrdup("out of memory building headers");
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	if (http_share != NULL)
		curl_easy_setopt(curl, CURLOPT_SHARE, http_share);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
	    req->timeout_ms > 0 ? req->timeout_ms : HTTP_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	    req->connect_timeout_ms > 0 ? req->connect_timeout_ms :
	    HTTP_CONNECT_TIMEOUT_MS);
	if (!http_has_header(req, "user-agent"))
		curl_easy_setopt(curl, CURLOPT_USERAGENT,
		    PACKAGE_NAME "/" PACKAGE_VERSION);
	if (http_url_is_local(req->url))
		curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	http_setup_tls(curl, req);
	http_setup_method(curl, req);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &c);

	code = curl_easy_perform(curl);
	if (code != CURLE_OK) {
		if (cause != NULL) {
			if (c.too_big)
				*cause = xstrdup("response too large");
			else
				*cause = http_error_text(req, code, errbuf);
		}
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	resp->headers = c.headers;
	resp->nheaders = c.nheaders;
	c.headers = NULL;
	c.nheaders = 0;
	buf_cstr(&c.body);
	resp->bodylen = c.body.len;
	resp->body = c.body.data;
	buf_init(&c.body);
	r = 0;
out:
	http_headers_free(c.headers, c.nheaders);
	buf_free(&c.body);
	curl_slist_free_all(list);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return r;
}

const char *
http_response_header(const struct http_response *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

void
http_response_free(struct http_response *resp)
{
	if (resp == NULL)
		return;
	http_headers_free(resp->headers, resp->nheaders);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

int
http_status_retryable(long status)
{
	return status == 429 || status == 500 || status == 502 ||
	    status == 503 || status == 504;
}

void
http_retry_init(struct http_retry *rp)
{
	const char *s;
	char *end;
	long n;

	rp->max_attempts = 3;
	rp->base_ms = 100;
	rp->cap_ms = 20000;
	if ((s = getenv("AWS_MAX_ATTEMPTS")) != NULL && *s != '\0') {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno == 0 && *end == '\0' && n >= 1 && n <= 100)
			rp->max_attempts = (int)n;
	}
}

/* A uniform double in [0, 1) from a per-process xorshift generator. */
static double
http_random(void)
{
	static uint64_t state;
	uint64_t x;
	int fd;

	if (state == 0) {
		if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
			if (read(fd, &state, sizeof(state)) != sizeof(state))
				state = 0;
			close(fd);
		}
		state ^= (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		if (state == 0)
			state = 0x9e3779b97f4a7c15ULL;
	}
	x = state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

long
http_retry_delay(const struct http_retry *rp, int n)
{
	double ceiling;

	if (n < 1)
		n = 1;
	ceiling = (double)rp->base_ms;
	while (--n > 0 && ceiling < (double)rp->cap_ms)
		ceiling *= 2;
	if (ceiling > (double)rp->cap_ms)
		ceiling = (double)rp->cap_ms;
	return (long)(http_random() * ceiling);
}

long
http_retry_after_ms(const struct http_response *resp)
{
	const char *v;
	char *end;
	long long secs;
	time_t when, now;

	if ((v = http_response_header(resp, "retry-after")) == NULL)
		return -1;
	while (*v == ' ')
		v++;
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		secs = strtoll(v, &end, 10);
		while (*end == ' ')
			end++;
		if (errno != 0 || *end != '\0')
			return -1;
		if (secs > LONG_MAX / 1000)
			return LONG_MAX;
		return (long)(secs * 1000);
	}
	if ((when = curl_getdate(v, NULL)) == -1)
		return -1;
	now = time(NULL);
	if (when <= now)
		return 0;
	if ((long long)(when - now) > LONG_MAX / 1000)
		return LONG_MAX;
	return (long)(when - now) * 1000;
}

void
http_sleep_ms(long ms)
{
	struct timespec ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}
