/*
 * aws_sso.c: credentials of IAM Identity Center (SSO) profiles, as the AWS
 * CLI gets them after `aws sso login`: the settings of the profile and of
 * its [sso-session] section (or, legacy, sso_start_url and sso_region in
 * the profile), the access token cached in ~/.aws/sso/cache/, refreshed
 * through SSO OIDC CreateToken when it nears expiry and the session has a
 * refresh token (the cache file is written back as the CLI writes it), and
 * role credentials from the portal's GetRoleCredentials.
 *
 * The access token, refresh token and client secret are secrets: never in
 * a message or trace, wiped from every buffer that held them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "aws_impl.h"
#include "clk.h"
#include "http.h"
#include "sigv4.h"
#include "util.h"

#define AWS_SSO_CACHE_DIR	"/.aws/sso/cache/"
#define AWS_SSO_REFRESH_WINDOW	(15 * 60)	/* as botocore's */
#define AWS_SSO_MAX_CACHE_FILE	(1024 * 1024)
#define AWS_SSO_LOGIN_HINT	"run: aws sso login --profile "

/* What a profile says about its IAM Identity Center role. Strings are
 * borrowed from the context's files, but cache_path. */
struct aws_sso {
	const char	*profile;	/* the profile holding the settings */
	const char	*session;	/* [sso-session NAME], or NULL: legacy */
	const char	*start_url;
	const char	*region;	/* sso_region: the portal's and OIDC's */
	const char	*account_id;
	const char	*role_name;
	char		*cache_path;	/* ~/.aws/sso/cache/SHA1.json */
};

/* A token from the cache: the file's JSON (secrets inside) and what was
 * read from it. */
struct aws_sso_token {
	json_t		*doc;
	const char	*access_token;	/* borrowed from doc */
	time_t		 expires;
};

static void
aws_sso_token_free(struct aws_sso_token *t)
{
	if (t->doc != NULL) {
		aws_json_scrub(t->doc);
		json_decref(t->doc);
	}
	memset(t, 0, sizeof(*t));
}

/* "... : run: aws sso login --profile NAME", a configuration fault. */
static void
aws_sso_login_fault(const struct aws_sso *sso, char **cause,
    const char *why)
{
	aws_config_fault(cause, "profile %s: %s: " AWS_SSO_LOGIN_HINT "%s",
	    sso->profile, why, sso->profile);
}

/* "sso-session NAME" or "start URL URL", for messages. */
static void
aws_sso_what(const struct aws_sso *sso, char *buf, size_t size)
{
	if (sso->session != NULL)
		snprintf(buf, size, "sso-session %s", sso->session);
	else
		snprintf(buf, size, "start URL %s", sso->start_url);
}

/* --- settings ----------------------------------------------------------- */

/* Settings of [sso-session NAME] must agree with the profile's own. */
static int
aws_sso_session_merge(struct aws_ctx *ctx, struct aws_sso *sso,
    char **cause)
{
	const struct aws_ini *ini = &ctx->config;
	const char *mine;
	char *section;
	size_t i;
	int r = -1;

	xasprintf(&section, "sso-session %s", sso->session);
	if (!aws_ini_has_section(ini, section)) {
		aws_config_fault(cause, "profile %s: sso-session %s not found "
		    "in %s", sso->profile, sso->session, ini->path);
		goto out;
	}
	for (i = 0; i < ini->n; i++) {
		if (strcmp(ini->entries[i].section, section) != 0)
			continue;
		mine = aws_profile_get(ctx, sso->profile, ini->entries[i].key);
		if (mine != NULL && strcmp(mine, ini->entries[i].value) != 0) {
			aws_config_fault(cause, "profile %s: %s differs "
			    "between the profile (%s) and sso-session %s (%s)",
			    sso->profile, ini->entries[i].key, mine,
			    sso->session, ini->entries[i].value);
			goto out;
		}
	}
	sso->start_url = aws_ini_get(ini, section, "sso_start_url");
	sso->region = aws_ini_get(ini, section, "sso_region");
	r = 0;
out:
	free(section);
	return r;
}

/* Lower-case hex SHA-1 of s: the CLI's cache file name. */
static void
aws_sso_sha1_hex(const char *s, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL);
	for (i = 0; i < n && i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[40] = '\0';
}

/*
 * The IAM Identity Center settings of profile: 0 if it has neither
 * sso_account_id nor sso_role_name (not such a profile, as in botocore),
 * 1 with sso filled, -1 and *cause on a missing or inconsistent setting.
 */
static int
aws_sso_config(struct aws_ctx *ctx, const char *profile, struct aws_sso *sso,
    char **cause)
{
	const char *home = getenv("HOME");
	char key[41];
	struct buf missing;

	memset(sso, 0, sizeof(*sso));
	if (aws_profile_get(ctx, profile, "sso_account_id") == NULL &&
	    aws_profile_get(ctx, profile, "sso_role_name") == NULL)
		return 0;
	sso->profile = profile;
	sso->account_id = aws_profile_get(ctx, profile, "sso_account_id");
	sso->role_name = aws_profile_get(ctx, profile, "sso_role_name");
	if ((sso->session = aws_profile_get(ctx, profile, "sso_session")) !=
	    NULL) {
		if (aws_sso_session_merge(ctx, sso, cause) == -1)
			return -1;
	} else {
		sso->start_url = aws_profile_get(ctx, profile,
		    "sso_start_url");
		sso->region = aws_profile_get(ctx, profile, "sso_region");
	}
	buf_init(&missing);
	if (sso->account_id == NULL || *sso->account_id == '\0')
		buf_adds(&missing, ", sso_account_id");
	if (sso->role_name == NULL || *sso->role_name == '\0')
		buf_adds(&missing, ", sso_role_name");
	if (sso->start_url == NULL || *sso->start_url == '\0')
		buf_adds(&missing, ", sso_start_url");
	if (sso->region == NULL || *sso->region == '\0')
		buf_adds(&missing, ", sso_region");
	if (missing.len > 0) {
		aws_config_fault(cause, "profile %s: IAM Identity Center "
		    "(SSO) profile without %s", profile,
		    buf_cstr(&missing) + 2);
		buf_free(&missing);
		return -1;
	}
	buf_free(&missing);
	if (!aws_region_name_valid(sso->region)) {
		aws_config_fault(cause, "profile %s: invalid sso_region: %s",
		    profile, sso->region);
		return -1;
	}
	if (home == NULL || *home == '\0') {
		aws_config_fault(cause, "profile %s: no HOME, so no "
		    "IAM Identity Center token cache", profile);
		return -1;
	}
	aws_sso_sha1_hex(sso->session != NULL ? sso->session :
	    sso->start_url, key);
	xasprintf(&sso->cache_path, "%s" AWS_SSO_CACHE_DIR "%s.json", home,
	    key);
	return 1;
}

/* --- the token cache ---------------------------------------------------- */

/* A time as the CLI writes it ("2026-01-05T09:00:00Z"; older versions
 * "2026-01-05T09:00:00UTC"), or any RFC 3339 time. 0 or -1. */
static int
aws_sso_time(const char *s, time_t *out)
{
	char *t;
	size_t n;
	int r;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n > 3 && strcmp(s + n - 3, "UTC") == 0) {
		xasprintf(&t, "%.*sZ", (int)(n - 3), s);
		r = clk_parse(t, strlen(t), out);
		free(t);
		return r;
	}
	return clk_parse(s, n, out);
}

/* Read the cached token: 1 with t filled, 0 if there is no such file, -1
 * and *cause if it cannot be read or is not a token. */
static int
aws_sso_token_read(const char *path, struct aws_sso_token *t, char **cause)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;
	int fd, r = -1;

	memset(t, 0, sizeof(*t));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (b.len + n > AWS_SSO_MAX_CACHE_FILE) {
			xasprintf(cause, "%s: larger than a token", path);
			goto out;
		}
		buf_add(&b, chunk, n);
	}
	if ((t->doc = json_loadb(b.data != NULL ? b.data : "", b.len, 0,
	    NULL)) == NULL || !json_is_object(t->doc)) {
		xasprintf(cause, "%s: not a JSON object", path);
		goto out;
	}
	t->access_token = json_string_value(json_object_get(t->doc,
	    "accessToken"));
	if (t->access_token == NULL || *t->access_token == '\0' ||
	    aws_sso_time(json_string_value(json_object_get(t->doc,
	    "expiresAt")), &t->expires) == -1) {
		xasprintf(cause, "%s: no accessToken and expiresAt", path);
		goto out;
	}
	r = 1;
out:
	close(fd);
	wipe(chunk, sizeof(chunk));
	if (b.data != NULL)
		wipe(b.data, b.cap);
	buf_free(&b);
	if (r == -1)
		aws_sso_token_free(t);
	return r;
}

/* Write doc to path as the CLI does (Python's json.dumps layout, mode
 * 0600), through a temporary file renamed over it. 0 or -1 and *cause. */
static int
aws_sso_token_write(const char *path, json_t *doc, char **cause)
{
	char *text, *tmp;
	size_t len, off = 0;
	ssize_t n;
	int fd, r = -1;

	if ((text = json_dumps(doc, JSON_ENSURE_ASCII |
	    JSON_PRESERVE_ORDER)) == NULL) {
		xasprintf(cause, "%s: cannot encode the token", path);
		return -1;
	}
	len = strlen(text);
	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	(void)fchmod(fd, 0600);
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += n;
	}
	if (off < len || fsync(fd) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	r = 0;
out:
	wipe(text, len);
	free(text);
	free(tmp);
	return r;
}

/* --- refresh (SSO OIDC CreateToken) ------------------------------------- */

/* A JSON object answered, the response's body wiped and freed; NULL if
 * the answer is no object. Free with aws_sso_answer_free. */
static json_t *
aws_sso_answer(struct http_response *resp)
{
	json_t *j;

	j = json_loadb(resp->body != NULL ? resp->body : "", resp->bodylen, 0,
	    NULL);
	if (resp->body != NULL)
		wipe(resp->body, resp->bodylen);
	http_response_free(resp);
	if (j != NULL && !json_is_object(j)) {
		aws_json_scrub(j);
		json_decref(j);
		j = NULL;
	}
	return j;
}

static void
aws_sso_answer_free(json_t *j)
{
	if (j != NULL) {
		aws_json_scrub(j);
		json_decref(j);
	}
}

static const char *
aws_sso_member(json_t *doc, const char *name)
{
	const char *v = json_string_value(json_object_get(doc, name));

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Can this token be refreshed? NULL if so, else why not. */
static const char *
aws_sso_refreshable(const struct aws_sso *sso, const struct aws_sso_token *t)
{
	time_t reg;

	if (sso->session == NULL)
		return "a legacy profile (no sso_session) is never refreshed";
	if (aws_sso_member(t->doc, "refreshToken") == NULL)
		return "the cached token has no refresh token";
	if (aws_sso_member(t->doc, "clientId") == NULL ||
	    aws_sso_member(t->doc, "clientSecret") == NULL ||
	    aws_sso_time(aws_sso_member(t->doc, "registrationExpiresAt"),
	    &reg) == -1)
		return "the cached token has no client registration";
	if (reg <= time(NULL))
		return "the client registration has expired";
	return NULL;
}

/* The CreateToken request: the refresh grant with the cached client. */
static char *
aws_sso_refresh_body(const struct aws_sso_token *t)
{
	json_t *req;
	char *body;

	req = json_pack("{s:s, s:s, s:s, s:s}",
	    "clientId", aws_sso_member(t->doc, "clientId"),
	    "clientSecret", aws_sso_member(t->doc, "clientSecret"),
	    "grantType", "refresh_token",
	    "refreshToken", aws_sso_member(t->doc, "refreshToken"));
	body = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	aws_json_scrub(req);
	json_decref(req);
	return body;
}

/* The new cache content from a CreateToken answer, in the members and
 * order botocore writes: the refresh token only if one came back. */
static json_t *
aws_sso_refreshed_doc(const struct aws_sso *sso, const struct aws_sso_token *t,
    json_t *answer)
{
	const char *access, *refresh;
	json_int_t expires_in;
	char when[CLK_BUFSZ];
	json_t *doc;

	access = aws_sso_member(answer, "accessToken");
	refresh = aws_sso_member(answer, "refreshToken");
	if (access == NULL ||
	    !json_is_integer(json_object_get(answer, "expiresIn")))
		return NULL;
	expires_in = json_integer_value(json_object_get(answer, "expiresIn"));
	if (expires_in <= 0 || expires_in > 366 * 86400)
		return NULL;
	clk_format(time(NULL) + (time_t)expires_in, when);
	doc = json_object();
	json_object_set_new(doc, "startUrl", json_string(sso->start_url));
	json_object_set_new(doc, "region", json_string(sso->region));
	json_object_set_new(doc, "accessToken", json_string(access));
	json_object_set_new(doc, "expiresAt", json_string(when));
	json_object_set_new(doc, "clientId",
	    json_string(aws_sso_member(t->doc, "clientId")));
	json_object_set_new(doc, "clientSecret",
	    json_string(aws_sso_member(t->doc, "clientSecret")));
	json_object_set_new(doc, "registrationExpiresAt",
	    json_string(aws_sso_member(t->doc, "registrationExpiresAt")));
	if (refresh != NULL)
		json_object_set_new(doc, "refreshToken", json_string(refresh));
	return doc;
}

/*
 * CreateToken with the refresh grant. 0 and t replaced by the new token,
 * or -1 and *why (t unchanged).
 */
static int
aws_sso_refresh(struct aws_ctx *ctx, const struct aws_sso *sso,
    struct aws_sso_token *t, char **why)
{
	struct aws_send s;
	struct aws_send_ext x;
	struct aws_error err;
	struct http_response resp;
	json_t *answer = NULL, *doc = NULL;
	char *endpoint, *body = NULL, msg[768];
	int r = -1;

	if ((endpoint = aws_service_endpoint_in(ctx, "oidc", "SSO_OIDC",
	    sso->region, why)) == NULL)
		return -1;
	body = aws_sso_refresh_body(t);
	memset(&s, 0, sizeof(s));
	s.service_name = "SSO OIDC";
	s.operation = "CreateToken";
	s.region = sso->region;
	s.endpoint = endpoint;
	s.content_type = "application/json";
	s.body = body;
	s.bodylen = strlen(body);
	s.classify = aws_json_classify;
	memset(&x, 0, sizeof(x));
	x.method = "POST";
	x.path = "/token";
	if (aws_send_ext(ctx, &s, &x, NULL, &resp, &err) == -1) {
		xasprintf(why, "SSO OIDC %s", aws_error_format(&err, NULL,
		    "CreateToken", msg, sizeof(msg)));
		goto out;
	}
	if ((answer = aws_sso_answer(&resp)) == NULL ||
	    (doc = aws_sso_refreshed_doc(sso, t, answer)) == NULL) {
		*why = xstrdup("SSO OIDC CreateToken: no accessToken and "
		    "expiresIn in the response");
		goto out;
	}
	aws_sso_token_free(t);
	t->doc = doc;
	t->access_token = aws_sso_member(doc, "accessToken");
	(void)aws_sso_time(aws_sso_member(doc, "expiresAt"), &t->expires);
	r = 0;
out:
	aws_sso_answer_free(answer);
	if (body != NULL) {
		wipe(body, strlen(body));
		free(body);
	}
	free(endpoint);
	return r;
}

/*
 * A valid access token for sso: the cached one, refreshed first when less
 * than 15 minutes remain and the session can be refreshed (the new one is
 * written back to the cache); an expired one that could not be refreshed
 * asks for a login. 1 with t, or -1 and *cause.
 */
static int
aws_sso_token(struct aws_ctx *ctx, const struct aws_sso *sso,
    struct aws_sso_token *t, char **cause)
{
	const char *cannot;
	char what[512], when[CLK_BUFSZ], *why = NULL, *werr = NULL, *m;
	long left;
	int r;

	aws_sso_what(sso, what, sizeof(what));
	if ((r = aws_sso_token_read(sso->cache_path, t, &why)) != 1) {
		if (r == 0)
			xasprintf(&m, "no IAM Identity Center (SSO) login "
			    "cached for %s", what);
		else
			xasprintf(&m, "cached IAM Identity Center (SSO) token "
			    "unusable: %s", why);
		aws_sso_login_fault(sso, cause, m);
		free(m);
		free(why);
		return -1;
	}
	left = (long)(t->expires - time(NULL));
	if (left >= AWS_SSO_REFRESH_WINDOW)
		return 1;
	if ((cannot = aws_sso_refreshable(sso, t)) != NULL)
		why = xstrdup(cannot);
	else {
		aws_trace(ctx, "IAM Identity Center: the token of %s expires "
		    "in %ld s: refreshing it", what, left);
		if (aws_sso_refresh(ctx, sso, t, &why) == 0) {
			if (aws_sso_token_write(sso->cache_path, t->doc,
			    &werr) == -1) {
				aws_trace(ctx, "IAM Identity Center: the "
				    "refreshed token is not cached: %s", werr);
				free(werr);
			} else
				aws_trace(ctx, "IAM Identity Center: token "
				    "refreshed, %s written", sso->cache_path);
			return 1;
		}
	}
	if (left > 0) {
		aws_trace(ctx, "IAM Identity Center: not refreshed (%s); the "
		    "token is still valid for %ld s", why, left);
		free(why);
		return 1;
	}
	clk_format(t->expires, when);
	xasprintf(&m, "the IAM Identity Center (SSO) login for %s expired at "
	    "%s (%s)", what, when, why);
	aws_sso_login_fault(sso, cause, m);
	free(m);
	free(why);
	aws_sso_token_free(t);
	return -1;
}

/* --- role credentials (portal GetRoleCredentials) ----------------------- */

/* The role credentials of a GetRoleCredentials answer; source is taken
 * over. 1, or -1 and *cause. */
static int
aws_sso_take_credentials(const struct aws_sso *sso, json_t *answer,
    char *source, struct aws_creds *c, char **cause)
{
	json_t *rc = json_object_get(answer, "roleCredentials"), *exp;
	const char *id, *secret, *token;
	time_t when;

	id = json_string_value(json_object_get(rc, "accessKeyId"));
	secret = json_string_value(json_object_get(rc, "secretAccessKey"));
	token = json_string_value(json_object_get(rc, "sessionToken"));
	exp = json_object_get(rc, "expiration");
	if (id == NULL || secret == NULL || token == NULL || *id == '\0' ||
	    *secret == '\0' || *token == '\0' || !json_is_integer(exp)) {
		xasprintf(cause, "profile %s: IAM Identity Center "
		    "GetRoleCredentials: no roleCredentials in the response",
		    sso->profile);
		free(source);
		return -1;
	}
	/* Milliseconds since the epoch. */
	when = (time_t)(json_integer_value(exp) / 1000);
	if (when <= time(NULL)) {
		xasprintf(cause, "profile %s: IAM Identity Center "
		    "GetRoleCredentials: credentials already expired",
		    sso->profile);
		free(source);
		return -1;
	}
	aws_creds_set(c, id, secret, token, when, source);
	return 1;
}

static char *
aws_sso_query(const struct aws_sso *sso)
{
	struct buf q;

	buf_init(&q);
	buf_adds(&q, "role_name=");
	sigv4_uri_encode(&q, sso->role_name, strlen(sso->role_name), 0);
	buf_adds(&q, "&account_id=");
	sigv4_uri_encode(&q, sso->account_id, strlen(sso->account_id), 0);
	return buf_cstr(&q);
}

static int
aws_sso_role_credentials(struct aws_ctx *ctx, const struct aws_sso *sso,
    const char *access_token, struct aws_creds *c, char **cause)
{
	struct aws_send s;
	struct aws_send_ext x;
	struct aws_error err;
	struct http_response resp;
	struct http_header bearer;
	json_t *answer;
	char *endpoint, *query, *source, msg[768];
	int r = -1;

	if ((endpoint = aws_service_endpoint_in(ctx, "portal.sso", "SSO",
	    sso->region, cause)) == NULL) {
		char *why = *cause;

		aws_config_fault(cause, "%s", why);
		free(why);
		return -1;
	}
	query = aws_sso_query(sso);
	memset(&s, 0, sizeof(s));
	s.service_name = "SSO";
	s.operation = "GetRoleCredentials";
	s.region = sso->region;
	s.endpoint = endpoint;
	s.classify = aws_json_classify;
	bearer.name = "x-amz-sso_bearer_token";
	bearer.value = (char *)access_token;
	memset(&x, 0, sizeof(x));
	x.method = "GET";
	x.path = "/federation/credentials";
	x.query = query;
	x.headers = &bearer;
	x.nheaders = 1;
	aws_trace(ctx, "IAM Identity Center: GetRoleCredentials for account "
	    "%s, role %s", sso->account_id, sso->role_name);
	if (aws_send_ext(ctx, &s, &x, NULL, &resp, &err) == -1) {
		aws_error_format(&err, NULL, "GetRoleCredentials", msg,
		    sizeof(msg));
		if (err.http_status == 401 ||
		    strcmp(err.type, "UnauthorizedException") == 0) {
			char *m;

			xasprintf(&m, "IAM Identity Center %s", msg);
			aws_sso_login_fault(sso, cause, m);
			free(m);
		} else
			xasprintf(cause, "profile %s: IAM Identity Center %s",
			    sso->profile, msg);
		goto out;
	}
	answer = aws_sso_answer(&resp);
	xasprintf(&source, "IAM Identity Center (profile %s, account %s, "
	    "role %s)", sso->profile, sso->account_id, sso->role_name);
	r = aws_sso_take_credentials(sso, answer, source, c, cause);
	aws_sso_answer_free(answer);
out:
	free(query);
	free(endpoint);
	return r;
}

int
aws_creds_sso(struct aws_ctx *ctx, const char *profile, struct aws_creds *c,
    char **cause)
{
	struct aws_sso sso;
	struct aws_sso_token t;
	int r;

	if ((r = aws_sso_config(ctx, profile, &sso, cause)) != 1)
		return r;
	if ((r = aws_sso_token(ctx, &sso, &t, cause)) == 1) {
		r = aws_sso_role_credentials(ctx, &sso, t.access_token, c,
		    cause);
		aws_sso_token_free(&t);
	}
	free(sso.cache_path);
	return r;
}
