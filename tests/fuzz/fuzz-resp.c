/*
 * fuzz-resp.c: what the toolkit reads from servers and from the Slack
 * webhook URL: response header lines (lib/http.c's header callback),
 * Retry-After, AWS JSON error bodies (lib/aws_send.c's classifier), and the
 * masked form of a webhook URL shown in messages (lib/slack_post.c).
 *
 * The static functions are reached by including their files; the target is
 * linked against the library archive, whose copies of http.o and aws_send.o are
 * then never pulled in.
 *
 * Input: header lines, a NUL, the body; also read whole as a webhook URL.
 * Checks: headers have lower-case names and trimmed values, at most
 * HTTP_MAX_HEADERS; Retry-After is -1 or a delay >= 0; the error type and
 * message are terminated, carry no control character, and the type has no
 * '#' or ':' left; the masked URL holds no path segment of the URL (the
 * secret) but "services".
 */
#include "../../lib/http.c"
#include "../../lib/aws_send.c"

#include "fuzz.h"
#include "slack.h"

static int
clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void
check_display(const char *url)
{
	char		 shown[512], seg[512];
	const char	*p, *q, *path;
	size_t		 n;

	slack_webhook_display(url, shown, sizeof shown);
	CHECK(strlen(shown) < sizeof shown, "display overflows");
	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return;
	p += strcspn(p, "/?#");
	/* what is shown after the host */
	path = strchr(shown, '/');
	if (path == NULL)
		return;
	while (*p == '/') {
		q = ++p;
		n = strcspn(q, "/?#");
		p = q + n;
		if (n < 3 || n >= sizeof seg)
			continue;
		memcpy(seg, q, n);
		seg[n] = '\0';
		/* "services" is shown, and so is any piece of it, and the
		 * stars that stand for the last segment */
		if (strstr("services", seg) != NULL ||
		    strspn(seg, "*") == n)
			continue;
		CHECK(strstr(path, seg) == NULL, "segment \"%s\" shown: %s",
		    seg, shown);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct http_collect	 c;
	struct http_response	 resp;
	struct aws_error	 err;
	const uint8_t		*nul = memchr(data, '\0', len);
	size_t			 hlen = nul != NULL ? (size_t)(nul - data) : len;
	size_t			 off = 0;
	char			*line, *url;
	long			 ms;

	/* header lines, one callback each, as libcurl hands them over */
	memset(&c, 0, sizeof c);
	while (off < hlen) {
		const uint8_t	*nl = memchr(data + off, '\n', hlen - off);
		size_t		 l = nl != NULL ? (size_t)(nl - (data + off)) + 1 :
				    hlen - off;

		line = xmalloc(l);
		memcpy(line, data + off, l);
		CHECK(http_header_cb(line, 1, l, &c) == l, "short count");
		free(line);
		off += l;
	}
	CHECK(c.nheaders <= HTTP_MAX_HEADERS, "%zu headers", c.nheaders);
	for (size_t k = 0; k < c.nheaders; k++) {
		const char	*nm = c.headers[k].name, *v = c.headers[k].value;

		for (const char *s = nm; *s != '\0'; s++)
			CHECK(!(*s >= 'A' && *s <= 'Z'), "name %s", nm);
		if (*v != '\0') {
			CHECK(v[0] != ' ' && v[0] != '\t', "value not trimmed");
			CHECK(strchr("\r\n \t", v[strlen(v) - 1]) == NULL,
			    "value not trimmed at the end");
		}
	}

	memset(&resp, 0, sizeof resp);
	resp.status = 400;
	resp.headers = c.headers;
	resp.nheaders = c.nheaders;
	resp.bodylen = nul != NULL ? len - hlen - 1 : 0;
	resp.body = xmalloc(resp.bodylen + 1);
	if (resp.bodylen > 0)
		memcpy(resp.body, nul + 1, resp.bodylen);
	resp.body[resp.bodylen] = '\0';

	ms = http_retry_after_ms(&resp);
	CHECK(ms >= -1, "Retry-After %ld", ms);

	memset(&err, 0, sizeof err);
	aws_json_classify(&resp, &err);
	CHECK(memchr(err.type, '\0', sizeof err.type) != NULL &&
	    memchr(err.message, '\0', sizeof err.message) != NULL,
	    "not terminated");
	CHECK(clean(err.type) && clean(err.message), "control character");
	CHECK(strchr(err.type, '#') == NULL && strchr(err.type, ':') == NULL,
	    "type %s", err.type);
	(void)aws_code_retryable(err.type, 1);
	(void)aws_code_retryable(err.type, 0);
	http_response_free(&resp);

	url = xmalloc(len + 1);
	memcpy(url, data, len);
	url[len] = '\0';
	check_display(url);
	free(url);
	return 0;
}
