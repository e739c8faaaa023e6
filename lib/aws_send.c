/*
 * aws_send.c: one AWS request signed (SigV4) or not, sent with the SDKs'
 * standard retries (bounded attempts, full-jitter backoff, Retry-After,
 * the retry quota), and how the JSON protocols' errors are read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aws.h"
#include "aws_impl.h"
#include "http.h"
#include "sigv4.h"
#include "util.h"

#define AWS_RETRY_COST		5
#define AWS_RETRY_TIMEOUT_COST	10
#define AWS_MAX_EXTRA_HEADERS	4

/* --- retries ------------------------------------------------------------- */

int
aws_code_retryable(const char *code, int dynamodb)
{
	static const char *codes[] = {
		/* throttling */
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded",
		"BandwidthLimitExceeded", "RequestThrottled", "SlowDown",
		"EC2ThrottledException",
		/* transient */
		"RequestTimeout", "RequestTimeoutException",
		"PriorRequestNotComplete", "InternalServerError",
		"InternalFailure", "ServiceUnavailable",
		"IDPCommunicationError",
	};
	size_t i;

	if (code == NULL || *code == '\0')
		return 0;
	/* A quota hit for Network Firewall; DynamoDB's control plane
	 * uses it for too many concurrent table operations. */
	if (strcmp(code, "LimitExceededException") == 0)
		return dynamodb;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* CRC-32 (IEEE), for DynamoDB's x-amz-crc32 response header. */
static uint32_t
aws_crc32(const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	uint32_t c;
	size_t i;
	int k;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	c = 0xffffffffU;
	for (i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffU;
}

static int
aws_crc32_ok(const struct http_response *resp)
{
	const char *v = http_response_header(resp, "x-amz-crc32");
	char *end;
	unsigned long want;

	if (v == NULL)
		return 1;
	errno = 0;
	want = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || end == v)
		return 1;	/* not ours to judge */
	return (uint32_t)want == aws_crc32((const unsigned char *)resp->body,
	    resp->bodylen);
}

/* Control characters from a server never reach a terminal. */
void
aws_sanitize_text(char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void
aws_copy_message(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
	aws_sanitize_text(dst);
}

/* "com.amazonaws.dynamodb.v20120810#ThrottlingException:http://..." ->
 * "ThrottlingException", as botocore and the Go SDK read it. */
static void
aws_copy_code(char *dst, size_t size, const char *type)
{
	const char *p, *hash;
	size_t n;

	if (type == NULL) {
		*dst = '\0';
		return;
	}
	n = strcspn(type, ":");
	hash = NULL;
	for (p = type; p < type + n; p++)
		if (*p == '#')
			hash = p;
	if (hash != NULL) {
		n -= hash + 1 - type;
		type = hash + 1;
	}
	if (n >= size)
		n = size - 1;
	memcpy(dst, type, n);
	dst[n] = '\0';
	aws_sanitize_text(dst);
}

void
aws_json_classify(const struct http_response *resp, struct aws_error *err)
{
	json_t *body, *m;
	const char *type = NULL;

	body = json_loadb(resp->body != NULL ? resp->body : "", resp->bodylen,
	    0, NULL);
	if (json_is_object(body))
		type = json_string_value(json_object_get(body, "__type"));
	if (type == NULL)
		type = http_response_header(resp, "x-amzn-errortype");
	aws_copy_code(err->type, sizeof(err->type), type);
	if (json_is_object(body)) {
		/* sso-oidc's errors say error_description */
		if ((m = json_object_get(body, "message")) == NULL &&
		    (m = json_object_get(body, "Message")) == NULL)
			m = json_object_get(body, "error_description");
		aws_copy_message(err->message, sizeof(err->message),
		    json_string_value(m));
	}
	json_decref(body);
}

void
aws_json_scrub(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j))
		wipe((char *)json_string_value(j), json_string_length(j));
	else if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			aws_json_scrub(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			aws_json_scrub(v);
	}
}

static int
aws_retry_allowed(struct aws_ctx *ctx, int cost)
{
	if (ctx->retry_tokens < cost)
		return 0;
	ctx->retry_tokens -= cost;
	return 1;
}

static void
aws_retry_refund(struct aws_ctx *ctx, int cost)
{
	ctx->retry_tokens += cost;
	if (ctx->retry_tokens > AWS_RETRY_QUOTA)
		ctx->retry_tokens = AWS_RETRY_QUOTA;
}

static int
aws_sign_headers(const struct aws_send *s, const struct aws_send_ext *x,
    const char *path, const struct aws_url *u, const struct aws_creds *creds,
    struct http_header *h, size_t *nh, struct sigv4_output *sig,
    char **cause)
{
	struct sigv4_credentials sc;
	struct sigv4_input in;
	size_t i;

	*nh = 0;
	h[(*nh)++] = (struct http_header){ "Host", u->host };
	if (s->content_type != NULL)
		h[(*nh)++] = (struct http_header){ "Content-Type",
		    (char *)s->content_type };
	if (s->target != NULL)
		h[(*nh)++] = (struct http_header){ "X-Amz-Target",
		    (char *)s->target };
	for (i = 0; i < x->nheaders && i < AWS_MAX_EXTRA_HEADERS; i++)
		h[(*nh)++] = x->headers[i];
	memset(sig, 0, sizeof(*sig));
	if (creds == NULL)
		goto unsigned_headers;
	memset(&in, 0, sizeof(in));
	in.method = x->method != NULL ? x->method : "POST";
	in.path = path;
	in.query = x->query;
	in.headers = h;
	in.nheaders = *nh;
	in.body = s->body;
	in.bodylen = s->bodylen;
	in.region = s->region;
	in.service = s->signing_name;
	in.when = time(NULL);
	sc.access_key_id = creds->access_key_id;
	sc.secret_access_key = creds->secret_access_key;
	sc.session_token = creds->session_token;
	if (sigv4_sign(&in, &sc, sig, cause) == -1)
		return -1;
	h[(*nh)++] = (struct http_header){ "X-Amz-Date", sig->amz_date };
	if (creds->session_token != NULL)
		h[(*nh)++] = (struct http_header){ "X-Amz-Security-Token",
		    creds->session_token };
	h[(*nh)++] = (struct http_header){ "Authorization",
	    sig->authorization };
unsigned_headers:
	/* Sent, not signed: what the CLI signs is all that is signed. */
	h[(*nh)++] = (struct http_header){ "Accept-Encoding", "identity" };
	return 0;
}

/* The endpoint's path with the operation's after it, and the URL to
 * request: scheme and authority of the endpoint, that path, the query. */
static void
aws_request_url(const struct aws_url *u, const struct aws_send_ext *x,
    char **path, char **url)
{
	const char *auth;
	size_t plen;

	if (x->path == NULL && x->query == NULL) {
		*path = xstrdup(u->path);
		*url = xstrdup(u->url);
		return;
	}
	plen = strlen(u->path);
	if (x->path != NULL && plen > 0 && u->path[plen - 1] == '/')
		plen--;
	xasprintf(path, "%.*s%s", (int)plen, u->path,
	    x->path != NULL ? x->path : "");
	if (**path == '\0') {
		free(*path);
		*path = xstrdup("/");
	}
	auth = strstr(u->url, "://") + 3;
	xasprintf(url, "%.*s%s%s%s", (int)(auth + strcspn(auth, "/?#") -
	    u->url), u->url, *path, x->query != NULL ? "?" : "",
	    x->query != NULL ? x->query : "");
}

int
aws_send(struct aws_ctx *ctx, const struct aws_send *s,
    const struct aws_creds *creds, struct http_response *resp,
    struct aws_error *err)
{
	return aws_send_ext(ctx, s, NULL, creds, resp, err);
}

int
aws_send_ext(struct aws_ctx *ctx, const struct aws_send *s,
    const struct aws_send_ext *ext, const struct aws_creds *creds,
    struct http_response *resp, struct aws_error *err)
{
	static const struct aws_send_ext none;
	const struct aws_send_ext *x = ext != NULL ? ext : &none;
	struct http_header h[8 + AWS_MAX_EXTRA_HEADERS];
	struct http_request req;
	struct sigv4_output sig;
	struct aws_url u;
	char *cause = NULL, *path = NULL, *url = NULL;
	size_t nh;
	int attempt, cost, transport, r = -1;
	long delay, after;

	memset(err, 0, sizeof(*err));
	memset(resp, 0, sizeof(*resp));
	if (aws_url_parse(s->endpoint, &u, &cause) == -1) {
		aws_copy_message(err->message, sizeof(err->message), cause);
		err->config_error = 1;
		free(cause);
		return -1;
	}
	aws_request_url(&u, x, &path, &url);
	for (attempt = 1;; attempt++) {
		if (aws_sign_headers(s, x, path, &u, creds, h, &nh, &sig,
		    &cause) == -1) {
			aws_copy_message(err->message, sizeof(err->message),
			    cause);
			free(cause);
			break;
		}
		memset(&req, 0, sizeof(req));
		req.method = x->method != NULL ? x->method : "POST";
		req.url = url;
		req.headers = h;
		req.nheaders = nh;
		req.body = s->body;
		req.bodylen = s->bodylen;
		req.ca_bundle = ctx->ca_bundle;
		memset(err, 0, sizeof(*err));
		err->attempts = attempt;
		transport = 0;
		if (http_do(&req, resp, &cause) == -1) {
			aws_copy_message(err->message, sizeof(err->message),
			    cause);
			free(cause);
			cause = NULL;
			err->retryable = 1;
			transport = 1;
		} else if (resp->status >= 200 && resp->status < 300) {
			if (!s->dynamodb || aws_crc32_ok(resp)) {
				sigv4_output_free(&sig);
				aws_retry_refund(ctx, attempt == 1 ? 1 :
				    AWS_RETRY_COST);
				r = 0;
				goto out;
			}
			err->http_status = resp->status;
			snprintf(err->message, sizeof(err->message),
			    "response CRC32 does not match x-amz-crc32");
			err->retryable = 1;
		} else {
			err->http_status = resp->status;
			s->classify(resp, err);
			err->retryable = resp->status >= 500 ||
			    resp->status == 429 ||
			    aws_code_retryable(err->type, s->dynamodb);
		}
		sigv4_output_free(&sig);
		if (!err->retryable || attempt >= ctx->retry.max_attempts)
			break;
		cost = transport && strstr(err->message, "imeout") != NULL ?
		    AWS_RETRY_TIMEOUT_COST : AWS_RETRY_COST;
		if (!aws_retry_allowed(ctx, cost)) {
			aws_trace(ctx, "%s %s: retry quota exhausted",
			    s->service_name, s->operation);
			break;
		}
		delay = http_retry_delay(&ctx->retry, attempt);
		if (!transport && (after = http_retry_after_ms(resp)) > delay)
			delay = after < ctx->retry.cap_ms ? after :
			    ctx->retry.cap_ms;
		aws_trace(ctx, "%s %s: attempt %d failed (%s), retrying in "
		    "%ld ms", s->service_name, s->operation, attempt,
		    err->type[0] != '\0' ? err->type : err->http_status != 0 ?
		    "server error" : err->message, delay);
		http_response_free(resp);
		http_sleep_ms(delay);
	}
	http_response_free(resp);
out:
	aws_url_free(&u);
	free(path);
	free(url);
	return r;
}
