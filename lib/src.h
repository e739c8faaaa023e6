/*
 * src.h: the services sh-findings reads findings and events from: Security
 * Hub (src_shub.c), GuardDuty (src_gd.c) and SQS (src_sqs.c). Each call is
 * one API request (with the standard retries of aws_call()); the caller
 * drives pagination, the cursor and delivery.
 *
 * Returned json_t values are new references the caller owns; strings
 * returned through char ** are the caller's to free.
 */
#ifndef SECHUB_SRC_H
#define SECHUB_SRC_H

#include <stdint.h>
#include <jansson.h>

#include "aws.h"

/* A finding's identity for the cursor: borrowed from the finding. */
struct src_key {
	const char	*id;
	const char	*updated;	/* UpdatedAt as the service wrote it */
	int64_t		 updated_ms;
};

/* An EventBridge event (version 0, a stable id from the finding's id and
 * UpdatedAt, time = UpdatedAt); takes resources and detail. */
json_t	*src_event_new(const char *, const char *, const char *,
	    const char *, const char *, const char *, json_t *, json_t *);

/* A 200 answer that lacks what it must hold: err says what. */
void	 src_bad_response(struct aws_error *, const char *);

/* --- Security Hub --------------------------------------------------------- */

/* The built-in filters: active GuardDuty findings whose action has a
 * remote host (network connection, port probe, API call, Kubernetes API
 * call, RDS login attempt); for GetFindingsV2 (ocsf) the GuardDuty
 * product. */
json_t	*shub_filters_builtin(int);
/* Filters as `aws securityhub get-findings --filters` takes them, from a
 * file ("file://" prefix allowed; a {"Filters": ...} document too). They
 * may not filter on UpdatedAt (ocsf: finding_info.modified_time_dt),
 * which the cursor sets. NULL and *cause. */
json_t	*shub_filters_load(const char *, int, char **);
/* One GetFindings (ocsf: GetFindingsV2) page of findings updated in
 * [start_ms, end_ms], oldest first. token: NULL for the first page;
 * *next: NULL after the last. 0, or -1 and err. */
int	 shub_get_page(struct aws_ctx *, int, const json_t *, int64_t,
	    int64_t, const char *, json_t **, char **, struct aws_error *);
/* Id and UpdatedAt (ocsf: finding_info.uid and modified_time_dt). */
int	 shub_key(const json_t *, int, struct src_key *);
/* The home Region of the account's finding aggregator, or *region NULL
 * when there is none. 0, or -1 and err. */
int	 shub_home_region(struct aws_ctx *, char **, struct aws_error *);
/* Is this error "Security Hub is not enabled here"? */
int	 shub_not_enabled(const struct aws_error *);
/* A "Security Hub Findings - Imported" event holding one finding (ocsf:
 * "Findings Imported V2"), as EventBridge delivers it. */
json_t	*shub_event(const json_t *, int);

/* --- GuardDuty ------------------------------------------------------------ */

/* The built-in criteria (findings not archived), or FindingCriteria as
 * `aws guardduty list-findings --finding-criteria` takes them ("Criterion",
 * "Eq", ... are put in the wire's lower camel case). NULL and *cause. */
json_t	*gd_criteria_builtin(void);
json_t	*gd_criteria_load(const char *, char **);
/* ListDetectors (every page): *ids an array of strings. */
int	 gd_detectors(struct aws_ctx *, json_t **, struct aws_error *);
/* One ListFindings page of findings updated at or after start_ms, oldest
 * first: *ids (at most 50) and *next (NULL after the last). */
int	 gd_list_page(struct aws_ctx *, const char *, const json_t *, int64_t,
	    const char *, json_t **, char **, struct aws_error *);
/* GetFindings of at most 50 ids: *findings, sorted oldest first. */
int	 gd_get_findings(struct aws_ctx *, const char *, const json_t *,
	    json_t **, struct aws_error *);
int	 gd_key(const json_t *, struct src_key *);
/* A "GuardDuty Finding" event holding one finding. */
json_t	*gd_event(const json_t *);

/* --- SQS ------------------------------------------------------------------ */

#define SQS_BATCH	10	/* messages per receive, delete, change */

/* A received message. Strings owned by the message. */
struct sqs_message {
	char	*message_id;
	char	*receipt;
	char	*body;
	size_t	 bodylen;
	long	 receives;	/* ApproximateReceiveCount, 0 if unknown */
};

/* The Region in a queue URL (https://sqs.R.amazonaws.com/..., and the
 * legacy R.queue.amazonaws.com), or NULL. */
char	*sqs_url_region(const char *);
/* The queue's VisibilityTimeout (GetQueueAttributes), in seconds. */
int	 sqs_visibility(struct aws_ctx *, const char *, long *,
	    struct aws_error *);
/* One ReceiveMessage: up to SQS_BATCH messages into m, *n of them. wait:
 * long-poll seconds (0-20); visibility: seconds, or -1 for the queue's. */
int	 sqs_receive(struct aws_ctx *, const char *, int, long,
	    struct sqs_message *, int *, struct aws_error *);
void	 sqs_message_clear(struct sqs_message *);
/* DeleteMessageBatch / ChangeMessageVisibilityBatch of n (<= SQS_BATCH)
 * messages. *failed: how many the service refused (their codes in why). */
int	 sqs_delete(struct aws_ctx *, const char *, struct sqs_message **,
	    int, int *, char *, size_t, struct aws_error *);
int	 sqs_extend(struct aws_ctx *, const char *, struct sqs_message **,
	    int, long, int *, char *, size_t, struct aws_error *);
/*
 * The event in a message body: the body itself (an EventBridge target), or
 * the Message of an SNS notification. *event: the decoded event; *text,
 * *len: its bytes as one line (borrowed from body when it already is one
 * line, else *owned holds a compact copy the caller frees). -1 and why
 * when the body or the SNS Message is not a JSON object.
 */
int	 sqs_event(const char *, size_t, json_t **, const char **, size_t *,
	    char **, char *, size_t);

#endif
