/*
 * aws.c: the AWS context (profile, region, retry settings, the role it
 * assumes), its credentials kept valid, endpoints and their overrides, and
 * signed JSON 1.0 calls (sent with aws_send.c's standard retries).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
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
char *
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

int
aws_region_name_valid(const char *r)
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

/* A context for profile (explicit: named by the caller, not AWS_PROFILE)
 * and region (NULL: the usual places). */
static struct aws_ctx *
aws_ctx_open(const char *profile, int explicit, const char *region,
    char **cause)
{
	struct aws_ctx *ctx;
	const char *v;

	*cause = NULL;
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->profile = xstrdup(profile);
	ctx->profile_explicit = explicit;

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

	if (region == NULL && (region = aws_env("AWS_REGION")) == NULL &&
	    (region = aws_env("AWS_DEFAULT_REGION")) == NULL)
		region = aws_profile_get(ctx, ctx->profile, "region");
	if (region == NULL || *region == '\0') {
		*cause = xstrdup("no region: use --region, AWS_REGION or "
		    "region in the profile");
		goto fail;
	}
	if (!aws_region_name_valid(region)) {
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

static const char *
aws_opt(const char *v)
{
	return v != NULL && *v != '\0' ? v : NULL;
}

/* A role ARN as STS takes it: "arn:PARTITION:iam::ACCOUNT:role/NAME". */
static int
aws_role_arn_valid(const char *arn, char **cause)
{
	const char *p = arn;
	size_t n;

	if (strncmp(p, "arn:", 4) != 0)
		goto bad;
	p += 4;
	if ((n = strcspn(p, ":")) == 0 || p[n] == '\0')
		goto bad;
	p += n + 1;
	if (strncmp(p, "iam::", 5) != 0)
		goto bad;
	p += 5;
	if ((n = strspn(p, "0123456789")) != 12 || strncmp(p + n, ":role/",
	    6) != 0 || p[n + 6] == '\0')
		goto bad;
	for (p = arn; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			goto bad;
	if (strlen(arn) > 2048)
		goto bad;
	return 0;
bad:
	xasprintf(cause, "role_arn %s: not an IAM role ARN "
	    "(arn:aws:iam::ACCOUNT:role/NAME)", arn);
	return -1;
}

/* The role of opts, if any, assumed with source's credentials. */
static int
aws_ctx_set_role(struct aws_ctx *ctx, struct aws_ctx *source,
    const struct aws_options *opts, char **cause)
{
	const char *ext = aws_opt(opts->external_id);
	const char *session = aws_opt(opts->role_session_name);
	size_t n;

	if (aws_opt(opts->role_arn) == NULL) {
		if (ext != NULL || session != NULL) {
			*cause = xstrdup("external_id and role_session_name "
			    "need role_arn");
			return -1;
		}
		return 0;
	}
	if (aws_role_arn_valid(opts->role_arn, cause) == -1)
		return -1;
	if (ext != NULL && ((n = strlen(ext)) < 2 || n > 1224 ||
	    strspn(ext, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_+=,.@:/-") != n)) {
		*cause = xstrdup("external_id: 2 to 1224 letters, digits or "
		    "any of _+=,.@:/-");
		return -1;
	}
	if (session != NULL && ((n = strlen(session)) < 2 || n > 64 ||
	    strspn(session, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_+=,.@-") != n)) {
		*cause = xstrdup("role_session_name: 2 to 64 letters, digits "
		    "or any of _+=,.@-");
		return -1;
	}
	ctx->source = source;
	ctx->role = aws_role_find(source, opts->role_arn, ext, session);
	return 0;
}

struct aws_ctx *
aws_new(const struct aws_options *opts, char **cause)
{
	struct aws_ctx *ctx;
	const char *profile, *region = NULL;
	int explicit = 0;

	*cause = NULL;
	if (opts != NULL && aws_opt(opts->profile) != NULL) {
		profile = opts->profile;
		explicit = 1;
	} else if ((profile = aws_env("AWS_PROFILE")) == NULL &&
	    (profile = aws_env("AWS_DEFAULT_PROFILE")) == NULL)
		profile = "default";
	if (opts != NULL)
		region = aws_opt(opts->region);
	if ((ctx = aws_ctx_open(profile, explicit, region, cause)) == NULL)
		return NULL;
	if (opts != NULL && aws_ctx_set_role(ctx, ctx, opts, cause) == -1) {
		aws_free(ctx);
		return NULL;
	}
	return ctx;
}

struct aws_ctx *
aws_new_role(struct aws_ctx *source, const struct aws_options *opts,
    char **cause)
{
	struct aws_ctx *ctx, *base;
	const char *region;

	*cause = NULL;
	/* Roles are assumed with the profile's own credentials, never with
	 * a role another context assumed. */
	base = source->source != NULL ? source->source : source;
	if (aws_opt(opts->profile) != NULL &&
	    strcmp(opts->profile, base->profile) != 0) {
		xasprintf(cause, "profile %s: a target with a profile of its "
		    "own needs a context of its own (aws_new)", opts->profile);
		return NULL;
	}
	region = aws_opt(opts->region) != NULL ? opts->region : base->region;
	if ((ctx = aws_ctx_open(base->profile, base->profile_explicit,
	    region, cause)) == NULL)
		return NULL;
	ctx->trace = base->trace;
	ctx->trace_arg = base->trace_arg;
	if (aws_ctx_set_role(ctx, base, opts, cause) == -1) {
		aws_free(ctx);
		return NULL;
	}
	ctx->source = base;	/* with a role or without: base's keys */
	return ctx;
}

void
aws_free(struct aws_ctx *ctx)
{
	if (ctx == NULL)
		return;
	aws_creds_clear(&ctx->creds);
	aws_roles_free(ctx->roles);
	aws_identity_free(&ctx->identity);
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

struct aws_creds *
aws_ctx_creds(struct aws_ctx *ctx)
{
	if (ctx->role != NULL)
		return &ctx->role->creds;
	if (ctx->source != NULL)
		return &ctx->source->creds;
	return &ctx->creds;
}

/* The chain's credentials, valid for a while yet, resolved again when
 * near expiry. */
int
aws_ensure_chain(struct aws_ctx *ctx, int force, struct aws_error *err)
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
aws_ensure_creds(struct aws_ctx *ctx, int force, struct aws_error *err)
{
	if (ctx->role != NULL)
		return aws_role_ensure(ctx, force, err);
	if (ctx->source != NULL)
		return aws_ensure_chain(ctx->source, force, err);
	return aws_ensure_chain(ctx, force, err);
}

static int
aws_have_creds(const struct aws_ctx *ctx)
{
	if (ctx->role != NULL)
		return ctx->role->have_creds;
	if (ctx->source != NULL)
		return ctx->source->have_creds;
	return ctx->have_creds;
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
	return aws_have_creds(ctx) ?
	    aws_ctx_creds((struct aws_ctx *)ctx)->source : NULL;
}

const char *
aws_access_key_id(struct aws_ctx *ctx)
{
	struct aws_error err;

	if (aws_ensure_creds(ctx, 0, &err) == -1)
		return NULL;
	return aws_ctx_creds(ctx)->access_key_id;
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
	return aws_service_endpoint_in(ctx, prefix, env_suffix, ctx->region,
	    cause);
}

char *
aws_service_endpoint_in(const struct aws_ctx *ctx, const char *prefix,
    const char *env_suffix, const char *region, char **cause)
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
	xasprintf(&url, "https://%s.%s.amazonaws.com%s", prefix, region,
	    strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	return url;
}

char *
aws_endpoint(struct aws_ctx *ctx, const struct aws_service *svc,
    char **cause)
{
	return aws_service_endpoint(ctx, svc->endpoint_prefix,
	    svc->env_suffix, cause);
}

/* --- JSON 1.0 calls ------------------------------------------------------ */

static int
aws_expired_token(const struct aws_error *err)
{
	return strcmp(err->type, "ExpiredTokenException") == 0 ||
	    strcmp(err->type, "ExpiredToken") == 0;
}

int
aws_send_json(struct aws_ctx *ctx, const struct aws_send *s,
    const struct aws_send_ext *x, json_t **response, struct aws_error *err)
{
	struct http_response resp;
	json_error_t jerr;
	int refreshed = 0;

	*response = NULL;
	for (;;) {
		if (aws_ensure_creds(ctx, 0, err) == -1)
			return -1;
		if (aws_send_ext(ctx, s, x, aws_ctx_creds(ctx), &resp, err) ==
		    0)
			break;
		/* Temporary credentials that expired early: once more. */
		if (refreshed || !aws_expired_token(err) ||
		    aws_ctx_creds(ctx)->expiration == 0)
			return -1;
		refreshed = 1;
		if (aws_ensure_creds(ctx, 1, err) == -1)
			return -1;
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
		return -1;
	}
	http_response_free(&resp);
	return 0;
}

int
aws_call(struct aws_ctx *ctx, const struct aws_service *svc,
    const char *operation, const json_t *request, json_t **response,
    struct aws_error *err)
{
	struct aws_send s;
	char *body = NULL, *endpoint = NULL, *target = NULL, *cause = NULL;
	int r = -1;

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
	r = aws_send_json(ctx, &s, NULL, response, err);
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
