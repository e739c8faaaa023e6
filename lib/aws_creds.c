/*
 * aws_creds.c: credentials resolved in the AWS CLI's order: environment,
 * assume-role profiles (STS AssumeRole, aws_sts.c), web identity, IAM
 * Identity Center profiles (aws_sso.c), the shared files,
 * credential_process, container credentials, EC2 instance metadata.
 *
 * Each provider returns 1 with credentials, 0 when it does not apply, or
 * -1 and *cause when it applies but failed (the chain stops there, as the
 * CLI's does). Secrets are wiped from every buffer that held them.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "aws_impl.h"
#include "clk.h"
#include "http.h"
#include "sigv4.h"
#include "util.h"

extern char **environ;

/* Set when the chain failed on a configuration mistake (exit status 2)
 * rather than on a provider that did not answer (3). */
static int	aws_creds_fault;

void
aws_config_fault(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
	aws_creds_fault = 1;
}

#define AWS_MAX_ROLE_CHAIN	8
#define AWS_MAX_HELPER_OUTPUT	(1024 * 1024)
#define AWS_CONTAINER_HOST	"http://169.254.170.2"
#define AWS_IMDS_HOST		"http://169.254.169.254"
#define AWS_IMDS_HOST6		"http://[fd00:ec2::254]"

static const char *
aws_getenv(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

void
aws_creds_set(struct aws_creds *c, const char *id, const char *secret,
    const char *token, time_t expiration, char *source)
{
	aws_creds_clear(c);
	c->access_key_id = xstrdup(id);
	c->secret_access_key = xstrdup(secret);
	c->session_token = token != NULL && *token != '\0' ?
	    xstrdup(token) : NULL;
	c->expiration = expiration;
	c->source = source;
}

int
aws_expiration(const char *s, const char *what, time_t *out, char **cause)
{
	if (s == NULL || *s == '\0') {
		*out = 0;
		return 0;
	}
	if (clk_parse(s, strlen(s), out) != 0) {
		xasprintf(cause, "%s: Expiration is not an RFC 3339 time",
		    what);
		return -1;
	}
	if (*out <= time(NULL)) {
		xasprintf(cause, "%s: credentials expired at %s", what, s);
		return -1;
	}
	return 0;
}

/* --- static keys --------------------------------------------------------- */

static int
aws_creds_static(const char *id, const char *secret, const char *token,
    const char *what, struct aws_creds *c, char **cause)
{
	if (id == NULL && secret == NULL)
		return 0;
	if (id == NULL || secret == NULL || *id == '\0' || *secret == '\0') {
		aws_config_fault(cause, "%s: access key id and secret access key "
		    "must be given together", what);
		return -1;
	}
	aws_creds_set(c, id, secret, token, 0, xstrdup(what));
	return 1;
}

static int
aws_creds_env(struct aws_creds *c, char **cause)
{
	const char *token, *exp;
	time_t when;
	int r;

	if ((token = aws_getenv("AWS_SESSION_TOKEN")) == NULL)
		token = aws_getenv("AWS_SECURITY_TOKEN");
	r = aws_creds_static(aws_getenv("AWS_ACCESS_KEY_ID"),
	    aws_getenv("AWS_SECRET_ACCESS_KEY"), token, "environment", c,
	    cause);
	if (r == 1 && (exp = aws_getenv("AWS_CREDENTIAL_EXPIRATION")) !=
	    NULL) {
		if (aws_expiration(exp, "AWS_CREDENTIAL_EXPIRATION", &when,
		    cause) == -1) {
			aws_creds_clear(c);
			return -1;
		}
		c->expiration = when;
	}
	return r;
}

static int
aws_creds_file_keys(const struct aws_ini *ini, const char *profile,
    const char *what, struct aws_creds *c, char **cause)
{
	char *source;
	int r;

	xasprintf(&source, "profile %s (%s)", profile, what);
	r = aws_creds_static(aws_ini_get(ini, profile, "aws_access_key_id"),
	    aws_ini_get(ini, profile, "aws_secret_access_key"),
	    aws_ini_get(ini, profile, "aws_session_token"), source, c, cause);
	free(source);
	return r;
}

/* --- JSON credentials (credential_process, container, IMDS) ------------- */

int
aws_creds_take(const char *id, const char *secret, const char *token,
    const char *exp, const char *what, char *source, struct aws_creds *c,
    char **cause)
{
	time_t when;

	if (id == NULL || secret == NULL || *id == '\0' || *secret == '\0') {
		xasprintf(cause, "%s: no AccessKeyId and SecretAccessKey",
		    what);
		free(source);
		return -1;
	}
	if (aws_expiration(exp, what, &when, cause) == -1) {
		free(source);
		return -1;
	}
	aws_creds_set(c, id, secret, token, when, source);
	return 1;
}

static int
aws_creds_json(const char *text, size_t len, const char *token_key,
    const char *what, char *source, struct aws_creds *c, char **cause)
{
	json_t *j;
	int r;

	if ((j = json_loadb(text, len, 0, NULL)) == NULL ||
	    !json_is_object(j)) {
		xasprintf(cause, "%s: response is not a JSON object", what);
		json_decref(j);
		free(source);
		return -1;
	}
	r = aws_creds_take(
	    json_string_value(json_object_get(j, "AccessKeyId")),
	    json_string_value(json_object_get(j, "SecretAccessKey")),
	    json_string_value(json_object_get(j, token_key)),
	    json_string_value(json_object_get(j, "Expiration")), what, source,
	    c, cause);
	/* Scrub the secrets jansson holds before letting go. */
	aws_json_scrub(j);
	json_decref(j);
	return r;
}

/* --- credential_process -------------------------------------------------- */

/* Split a command line the way a POSIX shell would split words: blanks
 * separate, '...' and "..." quote, backslash escapes. No expansions. */
static char **
aws_split_command(const char *s, char **cause)
{
	char **argv = NULL;
	size_t argc = 0, i;
	struct buf w;
	int inword = 0;
	char q = 0;

	buf_init(&w);
	for (;; s++) {
		if (*s == '\0' || (!q && (*s == ' ' || *s == '\t'))) {
			if (q) {
				aws_config_fault(cause, "credential_process: "
				    "unterminated quote");
				goto fail;
			}
			if (inword) {
				argv = xreallocarray(argv, argc + 2,
				    sizeof(*argv));
				argv[argc++] = xstrdup(buf_cstr(&w));
				buf_reset(&w);
				inword = 0;
			}
			if (*s == '\0')
				break;
			continue;
		}
		inword = 1;
		if (q == '\'') {
			if (*s == '\'')
				q = 0;
			else
				buf_addc(&w, *s);
		} else if (*s == '\\' && s[1] != '\0' &&
		    (!q || strchr("\"\\$`", s[1]) != NULL)) {
			buf_addc(&w, *++s);
		} else if (q == '"') {
			if (*s == '"')
				q = 0;
			else
				buf_addc(&w, *s);
		} else if (*s == '\'' || *s == '"')
			q = *s;
		else
			buf_addc(&w, *s);
	}
	buf_free(&w);
	if (argc == 0) {
		*cause = xstrdup("credential_process: empty command");
		free(argv);
		return NULL;
	}
	argv[argc] = NULL;
	return argv;
fail:
	buf_free(&w);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return NULL;
}

static void
aws_free_argv(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* Run argv, its stdout into out; stdin from /dev/null, stderr inherited. */
static int
aws_run_helper(char **argv, struct buf *out, char **cause)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int fds[2], status, err, r = -1;
	char chunk[4096];
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		xasprintf(cause, "credential_process: pipe: %s",
		    strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err != 0) {
		close(fds[0]);
		xasprintf(cause, "credential_process: %s: %s", argv[0],
		    strerror(err));
		return -1;
	}
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out->len + n > AWS_MAX_HELPER_OUTPUT) {
			kill(pid, SIGTERM);
			break;
		}
		buf_add(out, chunk, n);
	}
	wipe(chunk, sizeof(chunk));
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			xasprintf(cause, "credential_process: waitpid: %s",
			    strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r = 0;
	else if (WIFEXITED(status))
		xasprintf(cause, "credential_process: %s exited with status "
		    "%d", argv[0], WEXITSTATUS(status));
	else
		xasprintf(cause, "credential_process: %s killed by signal %d",
		    argv[0], WTERMSIG(status));
	return r;
}

static int
aws_creds_process(const char *command, const char *profile,
    struct aws_creds *c, char **cause)
{
	struct buf out;
	char **argv, *source;
	json_t *j;
	int r = -1;

	if ((argv = aws_split_command(command, cause)) == NULL)
		return -1;
	buf_init(&out);
	if (aws_run_helper(argv, &out, cause) == -1)
		goto done;
	buf_cstr(&out);
	j = json_loadb(out.data, out.len, 0, NULL);
	if (!json_is_object(j) ||
	    json_integer_value(json_object_get(j, "Version")) != 1) {
		json_decref(j);
		*cause = xstrdup("credential_process: output is not JSON "
		    "with \"Version\": 1");
		goto done;
	}
	json_decref(j);
	xasprintf(&source, "credential_process (profile %s)", profile);
	r = aws_creds_json(out.data, out.len, "SessionToken",
	    "credential_process", source, c, cause);
done:
	if (out.data != NULL)
		wipe(out.data, out.cap);
	buf_free(&out);
	aws_free_argv(argv);
	return r;
}

static int
aws_read_token_file(const char *path, const char *what, char **token,
    char **cause)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s: %s", what, path, strerror(errno));
		return -1;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    b.len < AWS_MAX_HELPER_OUTPUT)
		buf_add(&b, chunk, n);
	wipe(chunk, sizeof(chunk));
	fclose(f);
	while (b.len > 0 && isspace((unsigned char)b.data[b.len - 1]))
		b.len--;
	buf_cstr(&b);
	if (b.len == 0) {
		xasprintf(cause, "%s: %s is empty", what, path);
		buf_free(&b);
		return -1;
	}
	*token = b.data;
	return 0;
}

static int
aws_creds_web_identity(struct aws_ctx *ctx, const char *token_file,
    const char *role_arn, const char *session, struct aws_creds *c,
    char **cause)
{
	char *token, *source;
	int r;

	if (aws_read_token_file(token_file, "web identity token",
	    &token, cause) == -1)
		return -1;
	xasprintf(&source, "web identity (role %s)", role_arn);
	r = aws_sts_web_identity(ctx, role_arn, session, token, source, c,
	    cause);
	freezero_str(token);
	return r;
}

/* --- container credentials (ECS, EKS Pod Identity) ---------------------- */

/* FULL_URI may be https anywhere, http only on loopback or the container
 * metadata addresses. */
static int
aws_container_host_ok(const char *uri)
{
	static const char *allowed[] = {
		"127.", "localhost", "[::1]", "169.254.170.2",
		"169.254.170.23", "[fd00:ec2::23]",
	};
	const char *host;
	size_t i, n, hl;

	if (strncasecmp(uri, "https://", 8) == 0)
		return 1;
	if (strncasecmp(uri, "http://", 7) != 0)
		return 0;
	host = uri + 7;
	hl = strcspn(host, "/?#");
	if (hl > 0 && host[0] != '[') {
		const char *colon = memchr(host, ':', hl);

		if (colon != NULL)
			hl = colon - host;
	} else if (hl > 0) {
		const char *rb = memchr(host, ']', hl);

		if (rb != NULL)
			hl = rb - host + 1;
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		n = strlen(allowed[i]);
		if (allowed[i][n - 1] == '.') {
			if (hl > n && strncmp(host, allowed[i], n) == 0)
				return 1;
		} else if (hl == n && strncasecmp(host, allowed[i], n) == 0)
			return 1;
	}
	return 0;
}

/* GET with a few quick attempts, as the SDKs do for metadata services. */
static int
aws_metadata_get(const char *method, const char *url,
    const struct http_header *h, size_t nh, long timeout_ms, int attempts,
    struct http_response *resp, char **cause)
{
	struct http_request req;
	int i;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = h;
	req.nheaders = nh;
	req.body = strcmp(method, "PUT") == 0 ? "" : NULL;
	req.timeout_ms = timeout_ms;
	req.connect_timeout_ms = timeout_ms;
	for (i = 1;; i++) {
		free(*cause);
		*cause = NULL;
		if (http_do(&req, resp, cause) == 0) {
			if (!http_status_retryable(resp->status) ||
			    i >= attempts)
				return 0;
			http_response_free(resp);
		} else if (i >= attempts)
			return -1;
		http_sleep_ms(100L * i);
	}
}

static int
aws_creds_container(struct aws_ctx *ctx, struct aws_creds *c, char **cause)
{
	const char *rel, *full, *tokfile, *tokenv;
	struct http_header h[1];
	struct http_response resp;
	char *url, *auth = NULL;
	size_t nh = 0;
	int r = -1;

	rel = aws_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	full = aws_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel == NULL && full == NULL)
		return 0;
	if (rel != NULL)
		xasprintf(&url, "%s%s%s", AWS_CONTAINER_HOST,
		    *rel == '/' ? "" : "/", rel);
	else if (!aws_container_host_ok(full)) {
		aws_config_fault(cause, "AWS_CONTAINER_CREDENTIALS_FULL_URI: must be "
		    "https, or http to a loopback or container metadata "
		    "address");
		return -1;
	} else
		url = xstrdup(full);

	if ((tokfile = aws_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) !=
	    NULL) {
		if (aws_read_token_file(tokfile, "container authorization "
		    "token", &auth, cause) == -1)
			goto out;
	} else if ((tokenv = aws_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
	    != NULL)
		auth = xstrdup(tokenv);
	if (auth != NULL) {
		if (strpbrk(auth, "\r\n") != NULL) {
			*cause = xstrdup("container authorization token "
			    "contains a line break");
			goto out;
		}
		h[nh++] = (struct http_header){ "Authorization", auth };
	}
	aws_trace(ctx, "container credentials: requesting");
	if (aws_metadata_get("GET", url, h, nh, 2000, 3, &resp, cause) ==
	    -1) {
		char *why = *cause;

		xasprintf(cause, "container credentials: %s", why);
		free(why);
		goto out;
	}
	if (resp.status != 200) {
		xasprintf(cause, "container credentials: HTTP %ld",
		    resp.status);
		http_response_free(&resp);
		goto out;
	}
	r = aws_creds_json(resp.body, resp.bodylen, "Token",
	    "container credentials", xstrdup("container credentials"), c,
	    cause);
	wipe(resp.body, resp.bodylen);
	http_response_free(&resp);
out:
	free(url);
	freezero_str(auth);
	return r;
}

/* --- EC2 instance metadata (IMDSv2, v1 fallback) ------------------------- */

static long
aws_env_long(const char *name, long dflt, long min, long max)
{
	const char *v = aws_getenv(name);
	char *end;
	long n;

	if (v == NULL)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return dflt;
	return n;
}

static int
aws_creds_imds(struct aws_ctx *ctx, struct aws_creds *c, char **cause)
{
	const char *base, *mode, *v1off;
	struct http_header h[1];
	struct http_response resp;
	char *url = NULL, *token = NULL, *role = NULL, *source;
	long timeout_ms;
	int attempts, r = 0;
	size_t nh = 0;

	v1off = aws_getenv("AWS_EC2_METADATA_V1_DISABLED");
	if (v1off == NULL)
		v1off = aws_profile_get(ctx, ctx->profile,
		    "ec2_metadata_v1_disabled");
	if ((base = aws_getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT")) ==
	    NULL && (base = aws_profile_get(ctx, ctx->profile,
	    "ec2_metadata_service_endpoint")) == NULL) {
		if ((mode = aws_getenv(
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) == NULL)
			mode = aws_profile_get(ctx, ctx->profile,
			    "ec2_metadata_service_endpoint_mode");
		base = mode != NULL && strcasecmp(mode, "IPv6") == 0 ?
		    AWS_IMDS_HOST6 : AWS_IMDS_HOST;
	}
	timeout_ms = aws_env_long("AWS_METADATA_SERVICE_TIMEOUT", 1, 1, 60) *
	    1000;
	attempts = (int)aws_env_long("AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, 1,
	    10);

	/* 1. A session token (IMDSv2). */
	xasprintf(&url, "%s/latest/api/token", base);
	h[0] = (struct http_header){ "x-aws-ec2-metadata-token-ttl-seconds",
	    "21600" };
	if (aws_metadata_get("PUT", url, h, 1, timeout_ms, attempts, &resp,
	    cause) == -1) {
		/* Nothing answers: not on EC2. */
		aws_trace(ctx, "instance metadata: %s", *cause);
		free(*cause);
		*cause = NULL;
		goto out;
	}
	if (resp.status == 200 && resp.bodylen > 0) {
		token = xstrndup(resp.body, resp.bodylen);
		h[0] = (struct http_header){ "x-aws-ec2-metadata-token",
		    token };
		nh = 1;
	} else if ((resp.status == 403 || resp.status == 404 ||
	    resp.status == 405) && (v1off == NULL ||
	    strcasecmp(v1off, "true") != 0)) {
		aws_trace(ctx, "instance metadata: no IMDSv2 token (HTTP "
		    "%ld), trying IMDSv1", resp.status);
	} else {
		xasprintf(cause, "instance metadata: token request: HTTP %ld",
		    resp.status);
		http_response_free(&resp);
		r = -1;
		goto out;
	}
	http_response_free(&resp);

	/* 2. The role attached to the instance. */
	free(url);
	xasprintf(&url, "%s/latest/meta-data/iam/security-credentials/",
	    base);
	if (aws_metadata_get("GET", url, h, nh, timeout_ms, attempts, &resp,
	    cause) == -1 || resp.status != 200 || resp.bodylen == 0) {
		if (*cause == NULL) {
			aws_trace(ctx, "instance metadata: no role (HTTP %ld)",
			    resp.status);
			http_response_free(&resp);
		}
		free(*cause);
		*cause = NULL;
		goto out;
	}
	role = xstrndup(resp.body, strcspn(resp.body, "\r\n"));
	http_response_free(&resp);

	/* 3. The role's credentials. */
	free(url);
	xasprintf(&url, "%s/latest/meta-data/iam/security-credentials/%s",
	    base, role);
	if (aws_metadata_get("GET", url, h, nh, timeout_ms, attempts, &resp,
	    cause) == -1) {
		char *why = *cause;

		xasprintf(cause, "instance metadata: %s", why);
		free(why);
		r = -1;
		goto out;
	}
	if (resp.status != 200) {
		xasprintf(cause, "instance metadata: credentials of role %s: "
		    "HTTP %ld", role, resp.status);
		http_response_free(&resp);
		r = -1;
		goto out;
	}
	xasprintf(&source, "instance metadata (role %s)", role);
	r = aws_creds_json(resp.body, resp.bodylen, "Token",
	    "instance metadata", source, c, cause);
	wipe(resp.body, resp.bodylen);
	http_response_free(&resp);
out:
	free(url);
	freezero_str(token);
	free(role);
	return r;
}

/* --- profiles and the chain ---------------------------------------------- */

static int	aws_creds_profile(struct aws_ctx *, const char *, int,
		    struct aws_creds *, char **);

static int
aws_creds_assume_role(struct aws_ctx *ctx, const char *profile, int depth,
    const char *role_arn, struct aws_creds *c, char **cause)
{
	const char *src, *csrc;
	struct aws_creds base;
	char *source;
	int r;

	memset(&base, 0, sizeof(base));
	if (aws_profile_get(ctx, profile, "mfa_serial") != NULL) {
		aws_config_fault(cause, "profile %s: mfa_serial needs an interactive "
		    "prompt, which this tool does not do", profile);
		return -1;
	}
	src = aws_profile_get(ctx, profile, "source_profile");
	csrc = aws_profile_get(ctx, profile, "credential_source");
	if (src != NULL && csrc != NULL) {
		aws_config_fault(cause, "profile %s: source_profile and "
		    "credential_source exclude each other", profile);
		return -1;
	}
	if (src != NULL && strcmp(src, profile) == 0) {
		/* A profile may name itself: its own static keys. */
		r = aws_creds_file_keys(&ctx->credentials, profile,
		    "shared credentials file", &base, cause);
		if (r == 0)
			r = aws_creds_file_keys(&ctx->config, profile,
			    "config file", &base, cause);
	} else if (src != NULL) {
		if (!aws_profile_exists(ctx, src)) {
			aws_config_fault(cause, "profile %s: source_profile %s not "
			    "found", profile, src);
			return -1;
		}
		r = aws_creds_profile(ctx, src, depth + 1, &base, cause);
	} else if (strcmp(csrc, "Environment") == 0)
		r = aws_creds_env(&base, cause);
	else if (strcmp(csrc, "EcsContainer") == 0)
		r = aws_creds_container(ctx, &base, cause);
	else if (strcmp(csrc, "Ec2InstanceMetadata") == 0)
		r = aws_creds_imds(ctx, &base, cause);
	else {
		aws_config_fault(cause, "profile %s: unknown credential_source %s",
		    profile, csrc);
		return -1;
	}
	if (r == 0)
		xasprintf(cause, "profile %s: no credentials to assume role "
		    "%s with", profile, role_arn);
	if (r != 1) {
		aws_creds_clear(&base);
		return -1;
	}
	aws_trace(ctx, "profile %s: assuming role %s with credentials from %s",
	    profile, role_arn, base.source);
	xasprintf(&source, "assume role %s (profile %s)", role_arn, profile);
	r = aws_sts_assume_role(ctx, &base, role_arn,
	    aws_profile_get(ctx, profile, "role_session_name"),
	    aws_profile_get(ctx, profile, "external_id"),
	    aws_profile_get(ctx, profile, "duration_seconds"), source, c,
	    cause);
	aws_creds_clear(&base);
	return r;
}

/* Everything a profile itself can give: role, web identity, IAM Identity
 * Center, files, credential_process (botocore's order). */
static int
aws_creds_profile(struct aws_ctx *ctx, const char *profile, int depth,
    struct aws_creds *c, char **cause)
{
	const char *role, *wif, *proc;
	int r;

	if (depth > AWS_MAX_ROLE_CHAIN) {
		aws_config_fault(cause, "profile %s: source_profile chain too long "
		    "or circular", profile);
		return -1;
	}
	role = aws_profile_get(ctx, profile, "role_arn");
	wif = aws_profile_get(ctx, profile, "web_identity_token_file");
	if (role != NULL && (aws_profile_get(ctx, profile,
	    "source_profile") != NULL || aws_profile_get(ctx, profile,
	    "credential_source") != NULL))
		return aws_creds_assume_role(ctx, profile, depth, role, c,
		    cause);
	if (role != NULL && wif != NULL)
		return aws_creds_web_identity(ctx, wif, role,
		    aws_profile_get(ctx, profile, "role_session_name"), c,
		    cause);
	if (role != NULL) {
		aws_config_fault(cause, "profile %s: role_arn needs source_profile, "
		    "credential_source or web_identity_token_file", profile);
		return -1;
	}
	if ((r = aws_creds_sso(ctx, profile, c, cause)) != 0)
		return r;
	if ((r = aws_creds_file_keys(&ctx->credentials, profile,
	    "shared credentials file", c, cause)) != 0)
		return r;
	if ((proc = aws_profile_get(ctx, profile, "credential_process")) !=
	    NULL && *proc != '\0')
		return aws_creds_process(proc, profile, c, cause);
	return aws_creds_file_keys(&ctx->config, profile, "config file", c,
	    cause);
}

int
aws_creds_resolve(struct aws_ctx *ctx, struct aws_creds *c,
    int *config_error, char **cause)
{
	const char *wif, *role;
	int r;

	*cause = NULL;
	*config_error = 0;
	aws_creds_fault = 0;
	memset(c, 0, sizeof(*c));
	/* An explicit --profile wins over the environment, as in the CLI. */
	if (!ctx->profile_explicit && (r = aws_creds_env(c, cause)) != 0)
		goto done;
	if (aws_profile_get(ctx, ctx->profile, "role_arn") != NULL) {
		r = aws_creds_profile(ctx, ctx->profile, 0, c, cause);
		goto done;
	}
	if ((wif = aws_getenv("AWS_WEB_IDENTITY_TOKEN_FILE")) != NULL &&
	    (role = aws_getenv("AWS_ROLE_ARN")) != NULL) {
		r = aws_creds_web_identity(ctx, wif, role,
		    aws_getenv("AWS_ROLE_SESSION_NAME"), c, cause);
		goto done;
	}
	if ((r = aws_creds_profile(ctx, ctx->profile, 0, c, cause)) != 0)
		goto done;
	if ((r = aws_creds_container(ctx, c, cause)) != 0)
		goto done;
	if (aws_getenv("AWS_EC2_METADATA_DISABLED") == NULL ||
	    strcasecmp(aws_getenv("AWS_EC2_METADATA_DISABLED"), "true") != 0)
		r = aws_creds_imds(ctx, c, cause);
done:
	if (r == 1)
		return 0;
	*config_error = aws_creds_fault;
	if (r == 0) {
		*config_error = 1;
		if (aws_profile_get(ctx, ctx->profile, "sso_session") != NULL ||
		    aws_profile_get(ctx, ctx->profile, "sso_start_url") !=
		    NULL)
			xasprintf(cause, "profile %s: an IAM Identity Center "
			    "(SSO) login without sso_account_id and "
			    "sso_role_name gives no credentials: name the "
			    "account and role in the profile", ctx->profile);
		else
			xasprintf(cause, "no credentials: set "
			    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
			    "configure profile %s", ctx->profile);
	}
	aws_creds_clear(c);
	return -1;
}
