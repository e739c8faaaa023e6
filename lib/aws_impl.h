/*
 * aws_impl.h: internals shared by aws.c (context, endpoints, calls),
 * aws_config.c (the shared config and credentials files), aws_creds.c
 * (the credential chain), aws_sts.c (STS: assumed roles, who am I),
 * aws_sso.c (IAM Identity Center profiles) and aws_send.c (one request
 * with the standard retries). Not for programs: they use
 * aws.h.
 */
#ifndef SECHUB_AWS_IMPL_H
#define SECHUB_AWS_IMPL_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "aws.h"
#include "http.h"
#include "sigv4.h"

/* One parsed INI file (~/.aws/config or ~/.aws/credentials). */
struct aws_ini_entry {
	char	*section;	/* "default", "x" ([profile x] in config), or
				   "services x", "sso-session x" */
	char	*key;		/* lower-case; "sub.key" for nested lines */
	char	*value;		/* may be a secret: wiped when freed */
	int	 line;
};
struct aws_ini {
	char			*path;
	struct aws_ini_entry	*entries;
	size_t			 n;
	char			**sections;	/* every section seen */
	size_t			 nsections;
};

/* Load path; a missing file is an empty one. 0 or -1 and *cause. */
int	 aws_ini_load(const char *, int, struct aws_ini *, char **);
void	 aws_ini_free(struct aws_ini *);
const char *aws_ini_get(const struct aws_ini *, const char *, const char *);
int	 aws_ini_has_section(const struct aws_ini *, const char *);

/* Credentials valid for less than this are resolved again. */
#define AWS_REFRESH_MARGIN	300
/* The standard retry mode's token bucket. */
#define AWS_RETRY_QUOTA		500

/* Credentials in use. Strings owned, wiped when cleared. */
struct aws_creds {
	char	*access_key_id;
	char	*secret_access_key;
	char	*session_token;		/* NULL if none */
	time_t	 expiration;		/* 0: never */
	char	*source;		/* "environment", "profile x", ... */
};
void	 aws_creds_clear(struct aws_creds *);
/* Replace c with copies of the strings; source is taken over. */
void	 aws_creds_set(struct aws_creds *, const char *, const char *,
	    const char *, time_t, char *);
/* An RFC 3339 expiration into *out (0 for none); -1 and *cause if
 * malformed or already past. what names the provider in messages. */
int	 aws_expiration(const char *, const char *, time_t *, char **);
/* Credentials from the strings a provider answered with (id, secret,
 * token or NULL, expiration or NULL): 1, or -1 and *cause. source is
 * taken over. */
int	 aws_creds_take(const char *, const char *, const char *, const char *,
	    const char *, char *, struct aws_creds *, char **);

/* A role assumed from a context's credentials (aws_options.role_arn),
 * kept in that context's list so that every target naming the same role
 * shares one set of credentials until they near expiry. */
struct aws_role {
	char		*role_arn;
	char		*external_id;		/* NULL: none */
	char		*session_name;		/* as sent to STS */
	struct aws_creds creds;
	int		 have_creds;
	struct aws_role	*next;
};

struct aws_ctx {
	char		*profile;
	int		 profile_explicit;	/* --profile, not AWS_PROFILE */
	char		*region;
	struct aws_ini	 config;
	struct aws_ini	 credentials;
	struct aws_creds creds;
	int		 have_creds;
	char		*ca_bundle;		/* profile ca_bundle, if no
						   AWS_CA_BUNDLE */
	struct http_retry retry;
	int		 retry_tokens;		/* standard mode's quota */
	aws_trace_fn	 trace;
	void		*trace_arg;
	/* Role contexts: calls are signed with role->creds, assumed with the
	 * credentials of source (this context itself for aws_new, another
	 * one for aws_new_role). */
	struct aws_ctx	*source;
	struct aws_role	*role;			/* in source->roles */
	struct aws_role	*roles;			/* assumed from this one */
	struct aws_identity identity;		/* aws_caller_identity */
	int		 have_identity;
};

/* The credentials calls are signed with: the role's, else the chain's. */
struct aws_creds *aws_ctx_creds(struct aws_ctx *);
/* Make them valid for a while yet (force: resolve again now). 0, or -1
 * and err filled. */
int	 aws_ensure_creds(struct aws_ctx *, int, struct aws_error *);
/* The same for the chain's own credentials (ctx->creds) only. */
int	 aws_ensure_chain(struct aws_ctx *, int, struct aws_error *);
void	 aws_roles_free(struct aws_role *);

/* A profile setting: credentials file first, then config file. */
const char *aws_profile_get(const struct aws_ctx *, const char *,
	    const char *);
int	 aws_profile_exists(const struct aws_ctx *, const char *);

/* Resolve credentials through the chain (aws_creds.c). 0, or -1 with *cause
 * and *config_error set when nothing provided any (a configuration
 * problem rather than a failure of a provider). */
int	 aws_creds_resolve(struct aws_ctx *, struct aws_creds *, int *,
	    char **);
/* Record that the chain failed on a configuration mistake (exit status
 * 2), and say why into *cause. */
void	 aws_config_fault(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* IAM Identity Center (aws_sso.c): credentials of a profile with
 * sso_account_id / sso_role_name, from the token `aws sso login` cached.
 * 1 with credentials, 0 if the profile is not of that kind, -1 and
 * *cause. */
int	 aws_creds_sso(struct aws_ctx *, const char *, struct aws_creds *,
	    char **);

/* STS (aws_sts.c). A role assumed with base's credentials: AssumeRole
 * with RoleArn, RoleSessionName, ExternalId and DurationSeconds (the last
 * two may be NULL); source is taken over. 1 with credentials, or -1. */
int	 aws_sts_assume_role(struct aws_ctx *, const struct aws_creds *,
	    const char *, const char *, const char *, const char *, char *,
	    struct aws_creds *, char **);
/* AssumeRoleWithWebIdentity (unsigned). 1 or -1. */
int	 aws_sts_web_identity(struct aws_ctx *, const char *, const char *,
	    const char *, char *, struct aws_creds *, char **);
/* A RoleSessionName: the configured one, else "sechub-tools-<time>". */
char	*aws_session_name(const char *);
/* Ensure a role context's credentials (aws_ensure_creds calls it). */
int	 aws_role_ensure(struct aws_ctx *, int, struct aws_error *);
/* The entry of source's role list for this role (NULL or "" external id
 * and session name: none, generated), added if new. */
struct aws_role *aws_role_find(struct aws_ctx *, const char *, const char *,
	    const char *);
void	 aws_identity_free(struct aws_identity *);

/* Trace through the context's callback, if any. */
void	 aws_trace(const struct aws_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* An endpoint URL split into what the signer and libcurl need. */
struct aws_url {
	char	*url;		/* as given, without trailing '/' of root */
	char	*host;		/* Host header: "h", "h:port" */
	char	*path;		/* "/" or the endpoint's path */
};
int	 aws_url_parse(const char *, struct aws_url *, char **);
void	 aws_url_free(struct aws_url *);

/*
 * One signed (or, with creds NULL, unsigned) request with the standard
 * retries. classify() is the protocol's error parser: it fills err from a
 * non-2xx response. 0 with *resp (caller frees), or -1 and err.
 */
struct aws_send {
	const char		*service_name;	/* for traces: "STS" */
	const char		*operation;
	const char		*signing_name;
	const char		*region;	/* signing region */
	const char		*endpoint;	/* full URL */
	const char		*content_type;
	const char		*target;	/* X-Amz-Target or NULL */
	const char		*body;
	size_t			 bodylen;
	void			(*classify)(const struct http_response *,
				    struct aws_error *);
	int			 dynamodb;	/* x-amz-crc32, LimitExceeded */
};
/* Extensions of struct aws_send, all optional (zero: a POST to the
 * endpoint's own path):
 *   method	"GET", "POST", ...
 *   path	appended to the endpoint's path ("/federation/credentials")
 *   query	sent after '?', already %-encoded, or NULL
 *   headers	sent as given beside the protocol's (at most 4)
 * They live in struct aws_send_ext so the struct above stays as it is. */
struct aws_send_ext {
	const char		*method;
	const char		*path;
	const char		*query;
	const struct http_header *headers;
	size_t			 nheaders;
};
int	 aws_send_ext(struct aws_ctx *, const struct aws_send *,
	    const struct aws_send_ext *, const struct aws_creds *,
	    struct http_response *, struct aws_error *);
int	 aws_send(struct aws_ctx *, const struct aws_send *,
	    const struct aws_creds *, struct http_response *,
	    struct aws_error *);
/* aws_send_ext() (x may be NULL) with the context's credentials, once
 * more if they expired early, the answer decoded as a JSON object ({}
 * when empty). 0 and *response (caller owns), or -1 and err. */
int	 aws_send_json(struct aws_ctx *, const struct aws_send *,
	    const struct aws_send_ext *, json_t **, struct aws_error *);
/* Does this error code name a retryable condition? */
int	 aws_code_retryable(const char *, int);

/* The endpoint of a service by endpoint prefix ("sts") and environment
 * suffix ("STS"), with every override aws_endpoint() honours. */
char	*aws_service_endpoint(const struct aws_ctx *, const char *,
	    const char *, char **);
/* The same for another region than the context's (IAM Identity Center's
 * sso_region). */
char	*aws_service_endpoint_in(const struct aws_ctx *, const char *,
	    const char *, const char *, char **);

/* A server's text into dst, cut to size, control characters blanked. */
void	 aws_copy_message(char *, size_t, const char *);
/* The JSON error parser of aws_call, for other JSON protocols. */
void	 aws_json_classify(const struct http_response *, struct aws_error *);
/* Wipe every string value of a JSON document that may hold secrets. */
void	 aws_json_scrub(json_t *);
/* A region name: lower-case letters, digits and '-', at most 64. */
int	 aws_region_name_valid(const char *);
/* "~/x" relative to $HOME. */
char	*aws_expand_path(const char *);
/* Control characters from a server never reach a terminal: each becomes
 * a space. Accepts NULL. */
void	 aws_sanitize_text(char *);

#endif
