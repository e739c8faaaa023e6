/*
 * aws.h: the small AWS layer: credentials and region resolved the way the
 * AWS CLI does (IAM Identity Center profiles included), roles assumed per
 * target, endpoints (with AWS_ENDPOINT_URL[_<SERVICE>] overrides), SigV4
 * signing, JSON 1.0 RPC calls (DynamoDB, Network Firewall) with the SDKs'
 * standard retries, and STS GetCallerIdentity.
 *
 * Secrets (secret key, session token, IAM Identity Center access and
 * refresh tokens, client secret) never leave this module in text form and
 * are wiped when freed.
 */
#ifndef SECHUB_AWS_H
#define SECHUB_AWS_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>

struct aws_options {
	const char	*profile;	/* --profile, else AWS_PROFILE, else "default" */
	const char	*region;	/* --region, else AWS_REGION, ... */
	/*
	 * A role to assume for every call (a target in another account):
	 * STS AssumeRole signed with the profile's credentials, whatever
	 * they are (keys, SSO, a role of the profile itself, metadata).
	 * NULL: the profile's credentials are used as they are.
	 */
	const char	*role_arn;
	const char	*external_id;	/* ExternalId sent with it, or NULL */
	const char	*role_session_name; /* NULL: "sechub-tools-<time>" */
};

struct aws_ctx;

/*
 * Resolve region and (lazily) credentials. NULL and *cause on error: an
 * unknown profile, no region, a malformed setting (all configuration
 * errors, exit status 2).
 */
struct aws_ctx *aws_new(const struct aws_options *, char **);
/*
 * A context for one more target that shares source's credentials: the
 * same profile, opts->region (NULL: source's), and opts->role_arn /
 * external_id / role_session_name (role_arn NULL: the profile's own
 * credentials, in that region). Roles are assumed with the profile's
 * credentials (never with a role source itself assumed) and cached in
 * source, once per (role, external id, session name) however many
 * targets name them, until they near expiry; then they are assumed
 * again. opts->profile must be NULL or source's (for another profile
 * use aws_new). source must outlive the new context. NULL and *cause
 * on a malformed role_arn, external_id or role_session_name.
 *
 * A run over many targets: one aws_new() per profile, one
 * aws_new_role() per target, aws_call() on each, aws_free() the targets
 * and then the profiles' contexts.
 */
struct aws_ctx *aws_new_role(struct aws_ctx *, const struct aws_options *,
	    char **);
/* Accepts NULL. A context made by aws_new_role is freed before its
 * source. */
void	 aws_free(struct aws_ctx *);
const char *aws_region(const struct aws_ctx *);

/* A service the toolkit calls over JSON 1.0. */
struct aws_service {
	const char	*name;		/* for messages: "DynamoDB" */
	const char	*signing_name;	/* "dynamodb", "network-firewall" */
	const char	*target_prefix;	/* "DynamoDB_20120810" */
	const char	*endpoint_prefix; /* "dynamodb" -> https://dynamodb.R.amazonaws.com */
	const char	*env_suffix;	/* "DYNAMODB" for AWS_ENDPOINT_URL_DYNAMODB */
};
extern const struct aws_service aws_dynamodb;
extern const struct aws_service aws_network_firewall;
extern const struct aws_service aws_wafv2;	/* JSON 1.1 */

/* A service error: "ConditionalCheckFailedException", "...". */
struct aws_error {
	long	 http_status;	/* 0 for transport failures */
	char	 type[128];	/* __type after '#', before ':'; "" if none */
	char	 message[512];	/* message or Message; never a secret */
	int	 attempts;	/* attempts made */
	int	 retryable;	/* the last failure was of a retryable kind */
	int	 config_error;	/* bad endpoint, no credentials: exit 2 */
};

/*
 * POST operation (e.g. "PutItem") with a JSON body; retries throttling, 5xx
 * and transport failures (AWS_MAX_ATTEMPTS), never validation/auth errors.
 * 0 and *response (caller owns), or -1 and err filled.
 */
int	 aws_call(struct aws_ctx *, const struct aws_service *, const char *,
	    const json_t *, json_t **, struct aws_error *);
/* "DynamoDB PutItem: ConditionalCheckFailedException: the conditional
 * request failed" into buf; returns buf. */
char	*aws_error_format(const struct aws_error *, const struct aws_service *,
	    const char *, char *, size_t);

/* For --verbose traces: the access key id in use (never the secret). */
const char *aws_access_key_id(struct aws_ctx *);

/*
 * Who am I: STS GetCallerIdentity with the context's credentials (the
 * assumed role's, for a role context), through the usual chain, endpoint
 * (AWS_ENDPOINT_URL_STS, ...) and retries; temporary credentials that
 * turn out expired are resolved again once. Asked once per context: the
 * answer is kept until aws_free. 0 and *identity (borrowed from the
 * context), or -1 and err filled (err.config_error: no credentials).
 */
struct aws_identity {
	char	*account;	/* "111122223333" */
	char	*arn;		/* "arn:aws:sts::111122223333:assumed-role/R/s" */
	char	*user_id;	/* "AROAEXAMPLE:s", "AIDAEXAMPLE" */
};
int	 aws_caller_identity(struct aws_ctx *, const struct aws_identity **,
	    struct aws_error *);

/*
 * Extensions (backward compatible).
 *
 * aws_credentials: resolve credentials now (they are otherwise resolved by
 * the first call): 0, or -1 and err filled. aws_credentials_source: where
 * they came from ("environment", "profile ops (shared credentials file)",
 * "credential_process", "assume role ...", "IAM Identity Center ...",
 * "container", "instance metadata"), NULL before resolution.
 *
 * An IAM Identity Center profile whose cached login is missing, expired
 * and not refreshable, or refused by the portal fails with err.message
 * ending in "run: aws sso login --profile NAME" and err.config_error set.
 */
int	 aws_credentials(struct aws_ctx *, struct aws_error *);
const char *aws_credentials_source(const struct aws_ctx *);

/* The endpoint a service is reached at: AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL, then the profile's services section and endpoint_url,
 * else https://PREFIX.REGION.amazonaws.com. NULL and *cause if malformed. */
char	*aws_endpoint(struct aws_ctx *, const struct aws_service *, char **);

/* --verbose traces (attempts, backoff, credential source): one line per
 * call, never a secret. NULL turns them off. */
typedef void (*aws_trace_fn)(const char *, void *);
void	 aws_set_trace(struct aws_ctx *, aws_trace_fn, void *);

/*
 * The services sh-findings reads (aws_rest.c). Security Hub and GuardDuty
 * speak rest-json (target_prefix NULL): call them with aws_rest_call().
 * SQS speaks JSON 1.0 (AmazonSQS.<Op>): aws_call().
 */
extern const struct aws_service aws_securityhub;
extern const struct aws_service aws_guardduty;
extern const struct aws_service aws_sqs;

/*
 * A rest-json call: method ("GET", "POST"), path after the endpoint's
 * ("/findings"; segments %-encoded by the caller), query (%-encoded, or
 * NULL), request body (NULL: none, no Content-Type). Retries, answers and
 * errors as aws_call().
 */
int	 aws_rest_call(struct aws_ctx *, const struct aws_service *,
	    const char *, const char *, const char *, const char *,
	    const json_t *, json_t **, struct aws_error *);

#endif
