/*
 * aws_impl.h: internals shared by aws.c (context, endpoints, calls),
 * aws_config.c (the shared config and credentials files) and aws_creds.c
 * (the credential chain). Not for programs: they use aws.h.
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

/* Credentials in use. Strings owned, wiped when cleared. */
struct aws_creds {
	char	*access_key_id;
	char	*secret_access_key;
	char	*session_token;		/* NULL if none */
	time_t	 expiration;		/* 0: never */
	char	*source;		/* "environment", "profile x", ... */
};
void	 aws_creds_clear(struct aws_creds *);

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
};

/* A profile setting: credentials file first, then config file. */
const char *aws_profile_get(const struct aws_ctx *, const char *,
	    const char *);
int	 aws_profile_exists(const struct aws_ctx *, const char *);

/* Resolve credentials through the chain (aws_creds.c). 0, or -1 with *cause
 * and *config_error set when nothing provided any (a configuration
 * problem rather than a failure of a provider). */
int	 aws_creds_resolve(struct aws_ctx *, struct aws_creds *, int *,
	    char **);

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
	const char		*content_type;	/* NULL: none (no body) */
	const char		*target;	/* X-Amz-Target or NULL */
	const char		*body;
	size_t			 bodylen;
	void			(*classify)(const struct http_response *,
				    struct aws_error *);
	int			 dynamodb;	/* x-amz-crc32, LimitExceeded */
	/* REST protocols (zero for JSON 1.0 and query): */
	const char		*method;	/* NULL: POST */
	const char		*path;		/* after the endpoint's path,
						   %-encoded; NULL: none */
	const char		*query;		/* after '?', %-encoded */
};
int	 aws_send(struct aws_ctx *, const struct aws_send *,
	    const struct aws_creds *, struct http_response *,
	    struct aws_error *);
/* aws_send() with the context's credentials (refreshed once if they
 * expired early), the answer decoded as a JSON object ({} when empty).
 * 0 and *response (caller owns), or -1 and err. */
int	 aws_send_json(struct aws_ctx *, const struct aws_send *, json_t **,
	    struct aws_error *);
/* The rest-json protocol's error parser (x-amzn-ErrorType, code, Code). */
void	 aws_restjson_classify(const struct http_response *,
	    struct aws_error *);
/* Append a %-encoded path and a query to an endpoint URL. */
void	 aws_url_join(struct aws_url *, const char *, const char *);
/* Does this error code name a retryable condition? */
int	 aws_code_retryable(const char *, int);

/* The endpoint of a service by endpoint prefix ("sts") and environment
 * suffix ("STS"), with every override aws_endpoint() honours. */
char	*aws_service_endpoint(const struct aws_ctx *, const char *,
	    const char *, char **);

#endif
