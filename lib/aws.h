/*
 * aws.h: the small AWS layer: credentials and region resolved the way the
 * AWS CLI does, endpoints (with AWS_ENDPOINT_URL[_<SERVICE>] overrides),
 * SigV4 signing, and JSON 1.0 RPC calls (DynamoDB, Network Firewall) with
 * the SDKs' standard retries.
 *
 * Secrets (secret key, session token) never leave this module in text form
 * and are wiped when freed.
 */
#ifndef SECHUB_AWS_H
#define SECHUB_AWS_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>

struct aws_options {
	const char	*profile;	/* --profile, else AWS_PROFILE, else "default" */
	const char	*region;	/* --region, else AWS_REGION, ... */
};

struct aws_ctx;

/* Resolve region and (lazily) credentials. NULL and *cause on error. */
struct aws_ctx *aws_new(const struct aws_options *, char **);
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
 * Extensions (backward compatible).
 *
 * aws_credentials: resolve credentials now (they are otherwise resolved by
 * the first call): 0, or -1 and err filled. aws_credentials_source: where
 * they came from ("environment", "profile ops (shared credentials file)",
 * "credential_process", "assume role ...", "container", "instance
 * metadata"), NULL before resolution.
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

#endif
