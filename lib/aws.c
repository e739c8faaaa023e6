/*
 * aws.c: the AWS context (profile, region, retry settings), endpoints and
 * their overrides, and signed JSON 1.0 calls with the SDKs' standard
 * retries (bounded attempts, full-jitter backoff, retry quota).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "aws.h"
#include "aws_impl.h"
#include "http.h"
#include "sigv4.h"
#include "util.h"

#define AWS_JSON_CONTENT_TYPE	"application/x-amz-json-1.0"
#define AWS_JSON11_CONTENT_TYPE	"application/x-amz-json-1.1"	/* WAFV2 */
#define AWS_RETRY_QUOTA		500	/* standard mode's token bucket */
#define AWS_RETRY_COST		5
#define AWS_RETRY_TIMEOUT_COST	10
#define AWS_REFRESH_MARGIN	300	/* refresh credentials 5 min early */

const struct aws_service aws_dynamodb = {
	"DynamoDB", "dynamodb", "DynamoDB_20120810", "dynamodb", "DYNAMODB"
};
const struct aws_service aws_network_firewall = {
	"Network Firewall", "network-firewall", "NetworkFirewall_20201112",
	"network-firewall", "NETWORK_FIREWALL"
};
const struct aws_service aws_wafv2 = {
	"WAF", "wafv2", "AWSWAF_20190729", "wafv2", "WAFV2"
};

void
aws_trace(const struct aws_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (ctx == NULL || ctx->trace == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&line, fmt, ap);
	va_end(ap);
	ctx->trace(line, ctx->trace_arg);
	free(line);
}

void
aws_set_trace(struct aws_ctx *ctx, aws_trace_fn fn, void *arg)
{
	ctx->trace = fn;
	ctx->trace_arg = arg;
}

/* "~/x" is relative to $HOME, as the CLI expands it. */
static char *
aws_expand_path(const char *path)
{
	const char *home = getenv("HOME");
	char *out;

	if (path[0] == '~' && path[1] == '/' && home != NULL) {
		xasprintf(&out, "%s%s", home, path + 1);
		return out;
	}
	return xstrdup(path);
}

static int
aws_load_file(const char *env, const char *dflt, int is_config,
    struct aws_ini *ini, char **cause)
{
	const char *v = getenv(env);
	char *path;
	int r;

	if (v != NULL && *v != '\0')
		path = aws_expand_path(v);
	else if (getenv("HOME") != NULL)
		path = aws_expand_path(dflt);
	else {
		memset(ini, 0, sizeof(*ini));
		ini->path = xstrdup(dflt);
		return 0;
	}
	r = aws_ini_load(path, is_config, ini, cause);
	free(path);
	return r;
}

static int
aws_region_valid(const char *r)
{
	size_t n;

	if (*r == '\0' || !isalnum((unsigned char)*r))
		return 0;
	for (n = 0; r[n] != '\0'; n++)
		if (!islower((unsigned char)r[n]) &&
		    !isdigit((unsigned char)r[n]) && r[n] != '-')
			return 0;
	return n <= 64;
}

static const char *
aws_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
aws_init_retry(struct aws_ctx *ctx, char **cause)
{
	const char *v;
	char *end;
	long n;

	http_retry_init(&ctx->retry);
	ctx->retry_tokens = AWS_RETRY_QUOTA;
	if ((v = aws_env("AWS_MAX_ATTEMPTS")) == NULL &&
	    (v = aws_profile_get(ctx, ctx->profile, "max_attempts")) == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 100) {
		xasprintf(cause, "max_attempts: not a number from 1 to 100: "
		    "%s", v);
		return -1;
	}
	ctx->retry.max_attempts = (int)n;
	return 0;
}

struct aws_ctx *
aws_new(const struct aws_options *opts, char **cause)
{
	struct aws_ctx *ctx;
	const char *profile = NULL, *region = NULL, *v;

	*cause = NULL;
	ctx = xcalloc(1, sizeof(*ctx));
	if (opts != NULL && opts->profile != NULL && *opts->profile != '\0') {
		profile = opts->profile;
		ctx->profile_explicit = 1;
	} else if ((profile = aws_env("AWS_PROFILE")) == NULL &&
	    (profile = aws_env("AWS_DEFAULT_PROFILE")) == NULL)
		profile = "default";
	ctx->profile = xstrdup(profile);

	if (aws_load_file("AWS_CONFIG_FILE", "~/.aws/config", 1,
	    &ctx->config, cause) == -1 ||
	    aws_load_file("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials",
	    0, &ctx->credentials, cause) == -1)
		goto fail;
	if (strcmp(ctx->profile, "default") != 0 &&
	    !aws_profile_exists(ctx, ctx->profile)) {
		xasprintf(cause, "profile %s not found in %s or %s",
		    ctx->profile, ctx->config.path, ctx->credentials.path);
		goto fail;
	}

	if (opts != NULL && opts->region != NULL && *opts->region != '\0')
		region = opts->region;
	else if ((region = aws_env("AWS_REGION")) == NULL &&
	    (region = aws_env("AWS_DEFAULT_REGION")) == NULL)
		region = aws_profile_get(ctx, ctx->profile, "region");
	if (region == NULL || *region == '\0') {
		*cause = xstrdup("no region: use --region, AWS_REGION or "
		    "region in the profile");
		goto fail;
	}
	if (!aws_region_valid(region)) {
		xasprintf(cause, "invalid region: %s", region);
		goto fail;
	}
	ctx->region = xstrdup(region);
	if (aws_env("AWS_CA_BUNDLE") == NULL && (v = aws_profile_get(ctx,
	    ctx->profile, "ca_bundle")) != NULL && *v != '\0')
		ctx->ca_bundle = aws_expand_path(v);
	if (aws_init_retry(ctx, cause) == -1)
		goto fail;
	http_global_init();
	return ctx;
fail:
	aws_free(ctx);
	return NULL;
}

void
aws_free(struct aws_ctx *ctx)
{
	if (ctx == NULL)
		return;
	aws_creds_clear(&ctx->creds);
	aws_ini_free(&ctx->config);
	aws_ini_free(&ctx->credentials);
	free(ctx->profile);
	free(ctx->region);
	free(ctx->ca_bundle);
	free(ctx);
}

const char *
aws_region(const struct aws_ctx *ctx)
{
	return ctx->region;
}

void
aws_creds_clear(struct aws_creds *c)
{
	freezero_str(c->access_key_id);
	freezero_str(c->secret_access_key);
	freezero_str(c->session_token);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

/* Credentials valid for a while yet, resolved again when near expiry. */
static int
aws_ensure_creds(struct aws_ctx *ctx, int force, struct aws_error *err)
{
	char *cause = NULL;
	int config_error = 0;

	if (ctx->have_creds && !force && (ctx->creds.expiration == 0 ||
	    ctx->creds.expiration - time(NULL) > AWS_REFRESH_MARGIN))
		return 0;
	if (ctx->have_creds)
		aws_trace(ctx, "credentials from %s expire soon: refreshing",
		    ctx->creds.source);
	aws_creds_clear(&ctx->creds);
	ctx->have_creds = 0;
	if (aws_creds_resolve(ctx, &ctx->creds, &config_error, &cause) ==
	    -1) {
		memset(err, 0, sizeof(*err));
		snprintf(err->message, sizeof(err->message), "%s", cause);
		err->config_error = config_error;
		free(cause);
		return -1;
	}
	ctx->have_creds = 1;
	aws_trace(ctx, "credentials: %s, access key id %s", ctx->creds.source,
	    ctx->creds.access_key_id);
	return 0;
}

int
aws_credentials(struct aws_ctx *ctx, struct aws_error *err)
{
	memset(err, 0, sizeof(*err));
	return aws_ensure_creds(ctx, 0, err);
}

const char *
aws_credentials_source(const struct aws_ctx *ctx)
{
	return ctx->have_creds ? ctx->creds.source : NULL;
}

const char *
aws_access_key_id(struct aws_ctx *ctx)
{
	struct aws_error err;

	if (aws_ensure_creds(ctx, 0, &err) == -1)
		return NULL;
	return ctx->creds.access_key_id;
}

/* --- endpoints ----------------------------------------------------------- */

void
aws_url_free(struct aws_url *u)
{
	free(u->url);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

int
aws_url_parse(const char *url, struct aws_url *u, char **cause)
{
	const char *p, *auth, *end;
	size_t alen;
	int https;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "https://", 8) == 0) {
		https = 1;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = 0;
		auth = url + 7;
	} else {
		xasprintf(cause, "endpoint %s: not an http or https URL", url);
		return -1;
	}
	end = auth + strcspn(auth, "/?#");
	alen = end - auth;
	if (alen == 0 || memchr(auth, '@', alen) != NULL || *end == '?' ||
	    *end == '#') {
		xasprintf(cause, "endpoint %s: malformed URL", url);
		return -1;
	}
	for (p = auth; p < end; p++)
		if (isspace((unsigned char)*p)) {
			xasprintf(cause, "endpoint %s: malformed URL", url);
			return -1;
		}
	/* The Host header leaves out the scheme's default port. */
	if (https && alen > 4 && strncmp(end - 4, ":443", 4) == 0)
		alen -= 4;
	else if (!https && alen > 3 && strncmp(end - 3, ":80", 3) == 0)
		alen -= 3;
	u->host = xstrndup(auth, alen);
	u->path = xstrdup(*end == '/' ? end : "/");
	u->url = xstrdup(url);
	return 0;
}

static int
aws_true(const char *v)
{
	return v != NULL && strcasecmp(v, "true") == 0;
}

/* The endpoint configured for a service, if any; "" if none. */
static const char *
aws_configured_endpoint(const struct aws_ctx *ctx, const char *env_suffix)
{
	const char *v, *services;
	char *name, *key, *p;

	if (aws_true(aws_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
	    aws_true(aws_profile_get(ctx, ctx->profile,
	    "ignore_configured_endpoint_urls")))
		return NULL;
	xasprintf(&name, "AWS_ENDPOINT_URL_%s", env_suffix);
	v = aws_env(name);
	free(name);
	if (v != NULL || (v = aws_env("AWS_ENDPOINT_URL")) != NULL)
		return v;
	if ((services = aws_profile_get(ctx, ctx->profile, "services")) !=
	    NULL) {
		xasprintf(&name, "services %s", services);
		xasprintf(&key, "%s.endpoint_url", env_suffix);
		for (p = key; *p != '.'; p++)
			*p = tolower((unsigned char)*p);
		v = aws_ini_get(&ctx->config, name, key);
		free(name);
		free(key);
		if (v != NULL && *v != '\0')
			return v;
	}
	v = aws_profile_get(ctx, ctx->profile, "endpoint_url");
	return v != NULL && *v != '\0' ? v : NULL;
}

char *
aws_service_endpoint(const struct aws_ctx *ctx, const char *prefix,
    const char *env_suffix, char **cause)
{
	struct aws_url u;
	const char *v;
	char *url;

	*cause = NULL;
	if ((v = aws_configured_endpoint(ctx, env_suffix)) != NULL) {
		if (aws_url_parse(v, &u, cause) == -1)
			return NULL;
		aws_url_free(&u);
		return xstrdup(v);
	}
	xasprintf(&url, "https://%s.%s.amazonaws.com%s", prefix, ctx->region,
	    strncmp(ctx->region, "cn-", 3) == 0 ? ".cn" : "");
	return url;
}

char *
aws_endpoint(struct aws_ctx *ctx, const struct aws_service *svc,
    char **cause)
{
	return aws_service_endpoint(ctx, svc->endpoint_prefix,
	    svc->env_suffix, cause);
}

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
static void
aws_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void
aws_copy_message(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
	aws_sanitize(dst);
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
	aws_sanitize(dst);
}

static void
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
		if ((m = json_object_get(body, "message")) == NULL)
			m = json_object_get(body, "Message");
		aws_copy_message(err->message, sizeof(err->message),
		    json_string_value(m));
	}
	json_decref(body);
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
aws_sign_headers(const struct aws_send *s, const struct aws_url *u,
    const struct aws_creds *creds, struct http_header *h, size_t *nh,
    struct sigv4_output *sig, char **cause)
{
	struct sigv4_credentials sc;
	struct sigv4_input in;

	*nh = 0;
	h[(*nh)++] = (struct http_header){ "Host", u->host };
	h[(*nh)++] = (struct http_header){ "Content-Type",
	    (char *)s->content_type };
	if (s->target != NULL)
		h[(*nh)++] = (struct http_header){ "X-Amz-Target",
		    (char *)s->target };
	memset(sig, 0, sizeof(*sig));
	if (creds == NULL)
		goto unsigned_headers;
	memset(&in, 0, sizeof(in));
	in.method = "POST";
	in.path = u->path;
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

int
aws_send(struct aws_ctx *ctx, const struct aws_send *s,
    const struct aws_creds *creds, struct http_response *resp,
    struct aws_error *err)
{
	struct http_header h[8];
	struct http_request req;
	struct sigv4_output sig;
	struct aws_url u;
	char *cause = NULL;
	size_t nh;
	int attempt, cost, transport;
	long delay, after;

	memset(err, 0, sizeof(*err));
	memset(resp, 0, sizeof(*resp));
	if (aws_url_parse(s->endpoint, &u, &cause) == -1) {
		aws_copy_message(err->message, sizeof(err->message), cause);
		err->config_error = 1;
		free(cause);
		return -1;
	}
	for (attempt = 1;; attempt++) {
		if (aws_sign_headers(s, &u, creds, h, &nh, &sig, &cause) ==
		    -1) {
			aws_copy_message(err->message, sizeof(err->message),
			    cause);
			free(cause);
			break;
		}
		memset(&req, 0, sizeof(req));
		req.method = "POST";
		req.url = u.url;
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
				aws_url_free(&u);
				return 0;
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
	aws_url_free(&u);
	return -1;
}

/* --- JSON 1.0 calls ------------------------------------------------------ */

static int
aws_expired_token(const struct aws_error *err)
{
	return strcmp(err->type, "ExpiredTokenException") == 0 ||
	    strcmp(err->type, "ExpiredToken") == 0;
}

int
aws_call(struct aws_ctx *ctx, const struct aws_service *svc,
    const char *operation, const json_t *request, json_t **response,
    struct aws_error *err)
{
	struct aws_send s;
	struct http_response resp;
	json_error_t jerr;
	char *body = NULL, *endpoint = NULL, *target = NULL, *cause = NULL;
	int r = -1, refreshed = 0;

	*response = NULL;
	memset(err, 0, sizeof(*err));
	if ((endpoint = aws_endpoint(ctx, svc, &cause)) == NULL) {
		aws_copy_message(err->message, sizeof(err->message), cause);
		err->config_error = 1;
		free(cause);
		return -1;
	}
	if ((body = json_dumps(request, JSON_COMPACT)) == NULL) {
		snprintf(err->message, sizeof(err->message),
		    "cannot encode the request");
		goto out;
	}
	xasprintf(&target, "%s.%s", svc->target_prefix, operation);
	memset(&s, 0, sizeof(s));
	s.service_name = svc->name;
	s.operation = operation;
	s.signing_name = svc->signing_name;
	s.region = ctx->region;
	s.endpoint = endpoint;
	s.content_type = strcmp(svc->signing_name, "wafv2") == 0 ?
	    AWS_JSON11_CONTENT_TYPE : AWS_JSON_CONTENT_TYPE;
	s.target = target;
	s.body = body;
	s.bodylen = strlen(body);
	s.classify = aws_json_classify;
	s.dynamodb = strcmp(svc->signing_name, "dynamodb") == 0;
	for (;;) {
		if (aws_ensure_creds(ctx, 0, err) == -1)
			goto out;
		if (aws_send(ctx, &s, &ctx->creds, &resp, err) == 0)
			break;
		/* Temporary credentials that expired early: once more. */
		if (refreshed || !aws_expired_token(err) ||
		    ctx->creds.expiration == 0)
			goto out;
		refreshed = 1;
		if (aws_ensure_creds(ctx, 1, err) == -1)
			goto out;
	}
	if (resp.bodylen == 0)
		*response = json_object();
	else if ((*response = json_loadb(resp.body, resp.bodylen, 0,
	    &jerr)) == NULL || !json_is_object(*response)) {
		json_decref(*response);
		*response = NULL;
		memset(err, 0, sizeof(*err));
		err->http_status = resp.status;
		snprintf(err->message, sizeof(err->message),
		    "response is not a JSON object");
		http_response_free(&resp);
		goto out;
	}
	http_response_free(&resp);
	r = 0;
out:
	free(endpoint);
	free(target);
	free(body);
	return r;
}

char *
aws_error_format(const struct aws_error *err, const struct aws_service *svc,
    const char *operation, char *buf, size_t size)
{
	struct buf b;

	buf_init(&b);
	if (svc != NULL)
		buf_addf(&b, "%s ", svc->name);
	buf_addf(&b, "%s: ", operation != NULL ? operation : "request");
	if (err->type[0] != '\0') {
		buf_adds(&b, err->type);
		if (err->message[0] != '\0')
			buf_addf(&b, ": %s", err->message);
	} else if (err->http_status != 0) {
		buf_addf(&b, "HTTP %ld", err->http_status);
		if (err->message[0] != '\0')
			buf_addf(&b, ": %s", err->message);
	} else
		buf_adds(&b, err->message[0] != '\0' ? err->message :
		    "unknown error");
	if (err->attempts > 1)
		buf_addf(&b, " (gave up after %d attempts)", err->attempts);
	snprintf(buf, size, "%s", buf_cstr(&b));
	buf_free(&b);
	return buf;
}
