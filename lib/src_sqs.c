/*
 * src_sqs.c: SQS as a source of events (JSON 1.0 protocol): long-poll
 * ReceiveMessage, DeleteMessageBatch and ChangeMessageVisibilityBatch, and
 * the event inside a body (an EventBridge target's, or an SNS
 * notification's Message).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "src.h"
#include "util.h"

char *
sqs_url_region(const char *url)
{
	const char *host, *end, *dot;

	if ((host = strstr(url, "://")) == NULL)
		return NULL;
	host += 3;
	end = host + strcspn(host, "/:");
	/* sqs.R.amazonaws.com[.cn] */
	if (strncmp(host, "sqs.", 4) == 0 &&
	    (dot = memchr(host + 4, '.', end - host - 4)) != NULL &&
	    strncmp(dot, ".amazonaws.com", 14) == 0 && dot > host + 4)
		return xstrndup(host + 4, dot - host - 4);
	/* R.queue.amazonaws.com (legacy) */
	if ((dot = memchr(host, '.', end - host)) != NULL &&
	    strncmp(dot, ".queue.amazonaws.com", 20) == 0 && dot > host)
		return xstrndup(host, dot - host);
	return NULL;
}

int
sqs_visibility(struct aws_ctx *aws, const char *queue, long *secs,
    struct aws_error *err)
{
	json_t *req, *resp = NULL;
	const char *v;
	char *end;
	int r = -1;

	req = json_pack("{s:s, s:[s]}", "QueueUrl", queue, "AttributeNames",
	    "VisibilityTimeout");
	if (aws_call(aws, &aws_sqs, "GetQueueAttributes", req, &resp, err) ==
	    -1)
		goto out;
	v = json_string_value(json_object_get(json_object_get(resp,
	    "Attributes"), "VisibilityTimeout"));
	errno = 0;
	if (v == NULL || (*secs = strtol(v, &end, 10), *end != '\0') ||
	    errno != 0 || *secs < 0) {
		src_bad_response(err,
		    "response without a VisibilityTimeout attribute");
		goto out;
	}
	r = 0;
out:
	json_decref(req);
	json_decref(resp);
	return r;
}

void
sqs_message_clear(struct sqs_message *m)
{
	free(m->message_id);
	free(m->receipt);
	free(m->body);
	memset(m, 0, sizeof(*m));
}

int
sqs_receive(struct aws_ctx *aws, const char *queue, int wait, long visibility,
    struct sqs_message *m, int *n, struct aws_error *err)
{
	json_t *req, *resp = NULL, *list, *msg;
	const char *id, *receipt, *body, *count;
	size_t i;
	int r = -1;

	*n = 0;
	/* ApproximateReceiveCount through AttributeNames "All": what every
	 * model takes (botocore < 1.31 lists only queue attributes in its
	 * enum; the newer MessageSystemAttributeNames means the same) */
	req = json_pack("{s:s, s:i, s:i, s:[s]}", "QueueUrl", queue,
	    "MaxNumberOfMessages", SQS_BATCH, "WaitTimeSeconds", wait,
	    "AttributeNames", "All");
	if (visibility >= 0)
		json_object_set_new(req, "VisibilityTimeout",
		    json_integer(visibility));
	if (aws_call(aws, &aws_sqs, "ReceiveMessage", req, &resp, err) == -1)
		goto out;
	list = json_object_get(resp, "Messages");	/* absent: none */
	json_array_foreach(list, i, msg) {
		id = json_string_value(json_object_get(msg, "MessageId"));
		receipt = json_string_value(json_object_get(msg,
		    "ReceiptHandle"));
		body = json_string_value(json_object_get(msg, "Body"));
		if (id == NULL || receipt == NULL || body == NULL ||
		    *n == SQS_BATCH)
			continue;
		memset(&m[*n], 0, sizeof(m[*n]));
		m[*n].message_id = xstrdup(id);
		m[*n].receipt = xstrdup(receipt);
		m[*n].bodylen = json_string_length(json_object_get(msg,
		    "Body"));
		m[*n].body = xmalloc(m[*n].bodylen + 1);
		memcpy(m[*n].body, body, m[*n].bodylen + 1);
		count = json_string_value(json_object_get(json_object_get(msg,
		    "Attributes"), "ApproximateReceiveCount"));
		m[*n].receives = count != NULL ? strtol(count, NULL, 10) : 0;
		(*n)++;
	}
	r = 0;
out:
	json_decref(req);
	json_decref(resp);
	return r;
}

/* One batch call over messages: entries Id "0".."9". */
static int
sqs_batch(struct aws_ctx *aws, const char *op, const char *queue,
    struct sqs_message **m, int n, long visibility, int *failed, char *why,
    size_t whylen, struct aws_error *err)
{
	json_t *req, *resp = NULL, *entries, *e, *f;
	const char *code;
	char id[16];
	size_t i;
	int k, r = -1;

	*failed = 0;
	if (why != NULL && whylen > 0)
		*why = '\0';
	entries = json_array();
	for (k = 0; k < n; k++) {
		snprintf(id, sizeof(id), "%d", k);
		e = json_pack("{s:s, s:s}", "Id", id, "ReceiptHandle",
		    m[k]->receipt);
		if (visibility >= 0)
			json_object_set_new(e, "VisibilityTimeout",
			    json_integer(visibility));
		json_array_append_new(entries, e);
	}
	req = json_pack("{s:s, s:o}", "QueueUrl", queue, "Entries", entries);
	if (aws_call(aws, &aws_sqs, op, req, &resp, err) == -1)
		goto out;
	json_array_foreach(json_object_get(resp, "Failed"), i, f) {
		code = json_string_value(json_object_get(f, "Code"));
		if (*failed == 0 && why != NULL)
			snprintf(why, whylen, "%s", code != NULL ? code :
			    "unknown error");
		(*failed)++;
	}
	r = 0;
out:
	json_decref(req);
	json_decref(resp);
	return r;
}

int
sqs_delete(struct aws_ctx *aws, const char *queue, struct sqs_message **m,
    int n, int *failed, char *why, size_t whylen, struct aws_error *err)
{
	return sqs_batch(aws, "DeleteMessageBatch", queue, m, n, -1, failed,
	    why, whylen, err);
}

int
sqs_extend(struct aws_ctx *aws, const char *queue, struct sqs_message **m,
    int n, long visibility, int *failed, char *why, size_t whylen,
    struct aws_error *err)
{
	return sqs_batch(aws, "ChangeMessageVisibilityBatch", queue, m, n,
	    visibility, failed, why, whylen, err);
}

/* One JSON object; its text as one line (borrowed or a compact copy). */
static json_t *
one_line(const char *text, size_t len, const char **line, size_t *linelen,
    char **owned)
{
	json_t *v;
	size_t b = 0, e = len;

	if ((v = json_loadb(text, len, 0, NULL)) == NULL ||
	    !json_is_object(v)) {
		json_decref(v);
		return NULL;
	}
	while (b < e && strchr(" \t\r\n", text[b]) != NULL)
		b++;
	while (e > b && strchr(" \t\r\n", text[e - 1]) != NULL)
		e--;
	if (memchr(text + b, '\n', e - b) == NULL &&
	    memchr(text + b, '\r', e - b) == NULL) {
		*line = text + b;
		*linelen = e - b;
		return v;
	}
	*owned = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
	*line = *owned;
	*linelen = strlen(*owned);
	return v;
}

int
sqs_event(const char *body, size_t len, json_t **event, const char **text,
    size_t *textlen, char **owned, char *why, size_t whylen)
{
	json_t *v, *inner;
	const char *type, *message;

	*event = NULL;
	*owned = NULL;
	if ((v = one_line(body, len, text, textlen, owned)) == NULL) {
		snprintf(why, whylen, "the body is not a JSON object");
		return -1;
	}
	type = json_string_value(json_object_get(v, "Type"));
	message = json_string_value(json_object_get(v, "Message"));
	if (type == NULL || strcmp(type, "Notification") != 0 ||
	    json_object_get(v, "TopicArn") == NULL || message == NULL) {
		*event = v;
		return 0;
	}
	/* an SNS notification: the event is its Message, a string */
	free(*owned);
	*owned = NULL;
	inner = one_line(message, json_string_length(json_object_get(v,
	    "Message")), text, textlen, owned);
	if (inner == NULL) {
		json_decref(v);
		snprintf(why, whylen, "the SNS Message is not a JSON object");
		return -1;
	}
	/* *text may point into v's Message, which goes with v: copy it */
	if (*owned == NULL) {
		*owned = xstrndup(*text, *textlen);
		*text = *owned;
	}
	json_decref(v);
	*event = inner;
	return 0;
}
