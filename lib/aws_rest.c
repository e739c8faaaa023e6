/*
 * aws_rest.c: signed rest-json calls (Security Hub, GuardDuty) through the
 * same sending, retries and credentials as the JSON 1.0 calls, and the
 * descriptors of the services sh-findings reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "aws_impl.h"
#include "util.h"

/* Signing names, endpoint prefixes and protocols as botocore's models
 * (securityhub 2018-10-26, guardduty 2017-11-28: rest-json; sqs
 * 2012-11-05: json 1.0, target prefix AmazonSQS, in botocore >= 1.31). */
const struct aws_service aws_securityhub = {
	"Security Hub", "securityhub", NULL, "securityhub", "SECURITYHUB"
};
const struct aws_service aws_guardduty = {
	"GuardDuty", "guardduty", NULL, "guardduty", "GUARDDUTY"
};
const struct aws_service aws_sqs = {
	"SQS", "sqs", "AmazonSQS", "sqs", "SQS"
};

int
aws_rest_call(struct aws_ctx *ctx, const struct aws_service *svc,
    const char *operation, const char *method, const char *path,
    const char *query, const json_t *request, json_t **response,
    struct aws_error *err)
{
	struct aws_send s;
	struct aws_send_ext x;
	char *body = NULL, *endpoint = NULL, *cause = NULL;
	int r = -1;

	*response = NULL;
	memset(err, 0, sizeof(*err));
	if ((endpoint = aws_endpoint(ctx, svc, &cause)) == NULL) {
		snprintf(err->message, sizeof(err->message), "%s", cause);
		err->config_error = 1;
		free(cause);
		return -1;
	}
	if (request != NULL &&
	    (body = json_dumps(request, JSON_COMPACT)) == NULL) {
		snprintf(err->message, sizeof(err->message),
		    "cannot encode the request");
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.service_name = svc->name;
	s.operation = operation;
	s.signing_name = svc->signing_name;
	s.region = aws_region(ctx);
	s.endpoint = endpoint;
	s.content_type = body != NULL ? "application/json" : NULL;
	s.body = body;
	s.bodylen = body != NULL ? strlen(body) : 0;
	/* __type, else x-amzn-ErrorType: both services send one of them */
	s.classify = aws_json_classify;
	memset(&x, 0, sizeof(x));
	x.method = method;
	x.path = path;
	x.query = query;
	r = aws_send_json(ctx, &s, &x, response, err);
out:
	free(endpoint);
	free(body);
	return r;
}
