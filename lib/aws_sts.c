/*
 * aws_sts.c: AWS STS over its query protocol (form POST, XML answers):
 * AssumeRole for profiles and for the roles of targets (cached per role in
 * the context that assumes them), AssumeRoleWithWebIdentity, and
 * GetCallerIdentity (who am I).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_impl.h"
#include "http.h"
#include "sigv4.h"
#include "util.h"

#define AWS_STS_VERSION		"2011-06-15"
#define AWS_STS_CONTENT_TYPE	"application/x-www-form-urlencoded; " \
				"charset=utf-8"

static void
aws_form_add(struct buf *b, const char *name, const char *value)
{
	if (b->len > 0)
		buf_addc(b, '&');
	sigv4_uri_encode(b, name, strlen(name), 0);
	buf_addc(b, '=');
	sigv4_uri_encode(b, value, strlen(value), 0);
}

/* The text of the first <tag>...</tag> in xml, entities decoded; NULL if
 * there is none, or it holds a NUL. */
static char *
aws_xml_text(const char *xml, size_t len, const char *tag)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	char *open, *close;
	const char *p, *start, *end;
	struct buf b;
	size_t i;

	if (xml == NULL)
		return NULL;
	xasprintf(&open, "<%s>", tag);
	xasprintf(&close, "</%s>", tag);
	start = memmem(xml, len, open, strlen(open));
	end = start != NULL ? memmem(start, len - (start - xml), close,
	    strlen(close)) : NULL;
	if (start == NULL || end == NULL) {
		free(open);
		free(close);
		return NULL;
	}
	start += strlen(open);
	free(open);
	free(close);
	/* No XML holds a NUL: such a value would be cut short. */
	if (memchr(start, '\0', end - start) != NULL)
		return NULL;
	buf_init(&b);
	for (p = start; p < end; p++) {
		if (*p == '&') {
			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
				if ((size_t)(end - p) >= strlen(ents[i].ent) &&
				    strncmp(p, ents[i].ent,
				    strlen(ents[i].ent)) == 0)
					break;
			if (i < sizeof(ents) / sizeof(ents[0])) {
				buf_addc(&b, ents[i].c);
				p += strlen(ents[i].ent) - 1;
				continue;
			}
		}
		buf_addc(&b, *p);
	}
	buf_cstr(&b);
	return b.data;
}

static void
aws_xml_classify(const struct http_response *resp, struct aws_error *err)
{
	char *code, *msg;

	code = aws_xml_text(resp->body, resp->bodylen, "Code");
	msg = aws_xml_text(resp->body, resp->bodylen, "Message");
	snprintf(err->type, sizeof(err->type), "%s", code != NULL ? code : "");
	snprintf(err->message, sizeof(err->message), "%s",
	    msg != NULL ? msg : "");
	aws_sanitize_text(err->type);
	aws_sanitize_text(err->message);
	free(code);
	free(msg);
}

/*
 * POST action with form parameters (name, value, ..., NULL), signed with
 * signer (NULL: unsigned, for AssumeRoleWithWebIdentity), with the
 * standard retries. 0 and *resp (caller frees; wipe it if it holds
 * credentials), or -1 and err.
 */
static int
aws_sts_request(struct aws_ctx *ctx, const char *action,
    const struct aws_creds *signer, const char *const *params,
    struct http_response *resp, struct aws_error *err)
{
	struct aws_send s;
	struct buf form;
	char *endpoint, *cause = NULL;
	size_t i;
	int r;

	memset(err, 0, sizeof(*err));
	if ((endpoint = aws_service_endpoint(ctx, "sts", "STS", &cause)) ==
	    NULL) {
		snprintf(err->message, sizeof(err->message), "%s", cause);
		err->config_error = 1;
		free(cause);
		return -1;
	}
	buf_init(&form);
	aws_form_add(&form, "Action", action);
	aws_form_add(&form, "Version", AWS_STS_VERSION);
	for (i = 0; params != NULL && params[i] != NULL; i += 2)
		aws_form_add(&form, params[i], params[i + 1]);
	buf_cstr(&form);

	memset(&s, 0, sizeof(s));
	s.service_name = "STS";
	s.operation = action;
	s.signing_name = "sts";
	s.region = ctx->region;
	s.endpoint = endpoint;
	s.content_type = AWS_STS_CONTENT_TYPE;
	s.body = form.data;
	s.bodylen = form.len;
	s.classify = aws_xml_classify;
	r = aws_send(ctx, &s, signer, resp, err);
	free(endpoint);
	wipe(form.data, form.cap);	/* may hold an identity token */
	buf_free(&form);
	return r;
}

/* The credentials in <Credentials> of an STS answer; source is taken
 * over. 1, or -1 and *cause. */
static int
aws_sts_take_credentials(struct http_response *resp, const char *what,
    char *source, struct aws_creds *c, char **cause)
{
	char *id, *secret, *token, *exp;
	int r;

	id = aws_xml_text(resp->body, resp->bodylen, "AccessKeyId");
	secret = aws_xml_text(resp->body, resp->bodylen, "SecretAccessKey");
	token = aws_xml_text(resp->body, resp->bodylen, "SessionToken");
	exp = aws_xml_text(resp->body, resp->bodylen, "Expiration");
	if (resp->body != NULL)
		wipe(resp->body, resp->bodylen);
	http_response_free(resp);
	if (token == NULL || *token == '\0') {
		xasprintf(cause, "%s: no credentials in the response", what);
		free(source);
		r = -1;
	} else
		r = aws_creds_take(id, secret, token, exp, what, source, c,
		    cause);
	free(id);
	freezero_str(secret);
	freezero_str(token);
	free(exp);
	return r;
}

/* Call action and take the credentials it answers with. */
static int
aws_sts_credentials(struct aws_ctx *ctx, const char *action,
    const struct aws_creds *signer, const char *const *params,
    char *source, struct aws_creds *c, char **cause)
{
	struct http_response resp;
	struct aws_error err;
	char what[640];

	aws_trace(ctx, "STS %s: requesting credentials", action);
	if (aws_sts_request(ctx, action, signer, params, &resp, &err) == -1) {
		xasprintf(cause, "STS %s", aws_error_format(&err, NULL,
		    action, what, sizeof(what)));
		free(source);
		return -1;
	}
	snprintf(what, sizeof(what), "STS %s", action);
	return aws_sts_take_credentials(&resp, what, source, c, cause);
}

char *
aws_session_name(const char *configured)
{
	char *name;

	if (configured != NULL && *configured != '\0')
		return xstrdup(configured);
	xasprintf(&name, "sechub-tools-%lld", (long long)time(NULL));
	return name;
}

int
aws_sts_assume_role(struct aws_ctx *ctx, const struct aws_creds *base,
    const char *role_arn, const char *session, const char *external_id,
    const char *duration, char *source, struct aws_creds *c, char **cause)
{
	const char *params[9];
	char *name;
	size_t np = 0;
	int r;

	name = aws_session_name(session);
	params[np++] = "RoleArn";
	params[np++] = role_arn;
	params[np++] = "RoleSessionName";
	params[np++] = name;
	if (external_id != NULL) {
		params[np++] = "ExternalId";
		params[np++] = external_id;
	}
	if (duration != NULL) {
		params[np++] = "DurationSeconds";
		params[np++] = duration;
	}
	params[np] = NULL;
	r = aws_sts_credentials(ctx, "AssumeRole", base, params, source, c,
	    cause);
	free(name);
	return r;
}

int
aws_sts_web_identity(struct aws_ctx *ctx, const char *role_arn,
    const char *session, const char *token, char *source,
    struct aws_creds *c, char **cause)
{
	const char *params[7];
	char *name;
	int r;

	name = aws_session_name(session);
	params[0] = "RoleArn";
	params[1] = role_arn;
	params[2] = "RoleSessionName";
	params[3] = name;
	params[4] = "WebIdentityToken";
	params[5] = token;
	params[6] = NULL;
	r = aws_sts_credentials(ctx, "AssumeRoleWithWebIdentity", NULL, params,
	    source, c, cause);
	free(name);
	return r;
}

/* --- roles of targets ---------------------------------------------------- */

void
aws_roles_free(struct aws_role *r)
{
	struct aws_role *next;

	for (; r != NULL; r = next) {
		next = r->next;
		aws_creds_clear(&r->creds);
		free(r->role_arn);
		free(r->external_id);
		free(r->session_name);
		free(r);
	}
}

static int
aws_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

struct aws_role *
aws_role_find(struct aws_ctx *source, const char *role_arn,
    const char *external_id, const char *session)
{
	struct aws_role *r;

	if (external_id != NULL && *external_id == '\0')
		external_id = NULL;
	if (session != NULL && *session == '\0')
		session = NULL;
	for (r = source->roles; r != NULL; r = r->next)
		if (strcmp(r->role_arn, role_arn) == 0 &&
		    aws_same(r->external_id, external_id) &&
		    (session == NULL || strcmp(r->session_name, session) == 0))
			return r;
	r = xcalloc(1, sizeof(*r));
	r->role_arn = xstrdup(role_arn);
	r->external_id = external_id != NULL ? xstrdup(external_id) : NULL;
	/* One session name for the role's lifetime in this process. */
	r->session_name = aws_session_name(session);
	r->next = source->roles;
	source->roles = r;
	return r;
}

static int
aws_expired_error(const struct aws_error *err)
{
	return strcmp(err->type, "ExpiredTokenException") == 0 ||
	    strcmp(err->type, "ExpiredToken") == 0;
}

/* AssumeRole for ctx->role with the source's credentials, once more with
 * fresh ones if STS finds them expired. */
static int
aws_role_assume(struct aws_ctx *ctx, struct aws_error *err)
{
	struct aws_role *role = ctx->role;
	struct aws_ctx *src = ctx->source;
	struct http_response resp;
	struct aws_creds *base;
	const char *params[7];
	char *source, *cause = NULL;
	size_t np = 0;
	int attempt;

	params[np++] = "RoleArn";
	params[np++] = role->role_arn;
	params[np++] = "RoleSessionName";
	params[np++] = role->session_name;
	if (role->external_id != NULL) {
		params[np++] = "ExternalId";
		params[np++] = role->external_id;
	}
	params[np] = NULL;
	for (attempt = 0;; attempt++) {
		if (aws_ensure_chain(src, attempt > 0, err) == -1)
			return -1;
		base = &src->creds;
		aws_trace(ctx, "assuming role %s%s with credentials from %s",
		    role->role_arn, role->external_id != NULL ?
		    " (with an external id)" : "", base->source);
		if (aws_sts_request(ctx, "AssumeRole", base, params, &resp,
		    err) == 0)
			break;
		if (attempt > 0 || !aws_expired_error(err) ||
		    base->expiration == 0)
			return -1;
	}
	xasprintf(&source, "assume role %s (with %s)", role->role_arn,
	    base->source);
	if (aws_sts_take_credentials(&resp, "STS AssumeRole", source,
	    &role->creds, &cause) == -1) {
		memset(err, 0, sizeof(*err));
		snprintf(err->message, sizeof(err->message), "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

int
aws_role_ensure(struct aws_ctx *ctx, int force, struct aws_error *err)
{
	struct aws_role *role = ctx->role;
	char what[640];

	if (role->have_creds && !force && (role->creds.expiration == 0 ||
	    role->creds.expiration - time(NULL) > AWS_REFRESH_MARGIN))
		return 0;
	if (role->have_creds)
		aws_trace(ctx, "credentials of role %s expire soon: assuming "
		    "it again", role->role_arn);
	aws_creds_clear(&role->creds);
	role->have_creds = 0;
	if (aws_role_assume(ctx, err) == -1) {
		if (err->type[0] != '\0' || err->http_status != 0) {
			struct buf b;

			aws_error_format(err, NULL, "AssumeRole", what,
			    sizeof(what));
			buf_init(&b);
			buf_addf(&b, "role %s: STS %s", role->role_arn, what);
			snprintf(err->message, sizeof(err->message), "%s",
			    buf_cstr(&b));
			buf_free(&b);
			err->type[0] = '\0';
			err->http_status = 0;
			err->attempts = 0;
		}
		return -1;
	}
	role->have_creds = 1;
	aws_trace(ctx, "credentials: %s, access key id %s", role->creds.source,
	    role->creds.access_key_id);
	return 0;
}

/* --- who am I ------------------------------------------------------------ */

void
aws_identity_free(struct aws_identity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}

int
aws_caller_identity(struct aws_ctx *ctx, const struct aws_identity **out,
    struct aws_error *err)
{
	struct http_response resp;
	struct aws_identity id;
	int refreshed = 0;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (ctx->have_identity) {
		*out = &ctx->identity;
		return 0;
	}
	for (;;) {
		if (aws_ensure_creds(ctx, refreshed, err) == -1)
			return -1;
		if (aws_sts_request(ctx, "GetCallerIdentity", aws_ctx_creds(ctx),
		    NULL, &resp, err) == 0)
			break;
		/* Temporary credentials that expired early: once more. */
		if (refreshed || !aws_expired_error(err) ||
		    aws_ctx_creds(ctx)->expiration == 0)
			return -1;
		refreshed = 1;
	}
	id.account = aws_xml_text(resp.body, resp.bodylen, "Account");
	id.arn = aws_xml_text(resp.body, resp.bodylen, "Arn");
	id.user_id = aws_xml_text(resp.body, resp.bodylen, "UserId");
	http_response_free(&resp);
	aws_sanitize_text(id.account);
	aws_sanitize_text(id.arn);
	aws_sanitize_text(id.user_id);
	if (id.account == NULL || id.arn == NULL || id.user_id == NULL) {
		aws_identity_free(&id);
		memset(err, 0, sizeof(*err));
		snprintf(err->message, sizeof(err->message),
		    "no Account, Arn and UserId in the response");
		return -1;
	}
	ctx->identity = id;
	ctx->have_identity = 1;
	*out = &ctx->identity;
	return 0;
}
