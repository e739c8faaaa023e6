/*
 * slack.h: what slack-notify says and how it gets there: records sorted
 * into kinds, each rendered as a Block Kit message (with a text fallback)
 * within Slack's limits, bursts folded into digests, duplicates remembered
 * (SQLite), and delivery to an incoming webhook with Slack's retry rules.
 *
 * Ownership: _new/_load/_open return objects the caller frees with the
 * matching _free/_close (all accept NULL). Rendered payloads are new
 * jansson references. Nothing here prints, and no message or cause ever
 * contains the webhook URL: use slack_webhook_display() for messages.
 */
#ifndef SECHUB_SLACK_H
#define SECHUB_SLACK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

/* Slack's documented limits (Block Kit reference, incoming webhooks). */
#define SLACK_MAX_BLOCKS	50
#define SLACK_MAX_SECTION	3000	/* section text */
#define SLACK_MAX_FIELD		2000	/* each section field */
#define SLACK_MAX_FIELDS	10
#define SLACK_MAX_HEADER	150	/* header plain_text */
#define SLACK_MAX_CONTEXT	10	/* context elements */
#define SLACK_MAX_TEXT		40000	/* top-level text */
/* What we allow ourselves: a fallback that reads as one notification, and
 * a whole message well under the undocumented aggregate block limit. */
#define SLACK_FALLBACK_LEN	300
#define SLACK_MESSAGE_BUDGET	12000

enum slack_kind {
	SLACK_FINDING,		/* ASFF (event or bare), GuardDuty native, OCSF */
	SLACK_IP,		/* an IP record after ipstore / nfw-sync */
	SLACK_NFW_SUMMARY,	/* nfw-sync --summary */
	SLACK_PRUNE_SUMMARY,	/* ipstore-prune --summary */
	SLACK_OTHER,		/* anything else */
	SLACK_NKINDS
};

/* What happened to an IP, from the fields ipstore and nfw-sync add. */
enum slack_ip_outcome {
	SLACK_IP_NEW,		/* NewIP true, not (yet) through nfw-sync */
	SLACK_IP_SEEN,		/* NewIP false, not through nfw-sync */
	SLACK_IP_BLOCKED,	/* Blocked true */
	SLACK_IP_NOT_BLOCKED,	/* Blocked false (Reason says why) */
	SLACK_IP_UNBLOCKED,	/* Unblocked true */
	SLACK_IP_LISTED		/* none of those: an entry (ipstore list) */
};
#define SLACK_IP_NOUTCOMES	6

/* Normalised fields of a finding, whatever its shape (NULL if absent). */
enum slack_field {
	SF_TITLE, SF_SEVERITY, SF_PRODUCT, SF_TYPE, SF_ACCOUNT, SF_REGION,
	SF_RESOURCE, SF_FIRST_SEEN, SF_LAST_SEEN, SF_LINK, SF_ID, SF_UPDATED,
	SF_NFIELDS
};

/* One thing to tell: a finding, an IP record, a summary or a record. */
struct slack_item {
	enum slack_kind		 kind;
	enum slack_ip_outcome	 outcome;	/* SLACK_IP only */
	int			 sevrank;	/* 0 INFORMATIONAL..4 CRITICAL, -1 */
	json_t			*obj;	/* the finding, or the whole record */
	char			*key;	/* dedupe key, NULL: never deduped */
	char			*field[SF_NFIELDS];	/* SLACK_FINDING only */
};

/* Kind names as the man page and --template use them: "finding", "ip",
 * "nfw-summary", "prune-summary", "other". -1 if unknown. */
const char *slack_kind_name(enum slack_kind);
int	 slack_kind_parse(const char *);
const char *slack_outcome_name(enum slack_ip_outcome);

/*
 * Sort a record into items: every finding it holds (an event or a
 * get-findings document holding several gives one item per finding,
 * whatever finding_each() calls a finding), else one IP record, summary
 * or other record: anything gives at least one. Items are appended to
 * *items (grown as needed, *n updated).
 */
void	 slack_classify(json_t *, struct slack_item ***, size_t *);
/*
 * The same for a record as the reader handed it out: its text (what
 * finding.c, the one judge of what a finding is, walks) and its decoded
 * value.
 */
void	 slack_classify_text(const char *, size_t, json_t *,
	    struct slack_item ***, size_t *);
void	 slack_item_free(struct slack_item *);

/*
 * Templates: replace the rendering of one kind. The file is
 *	kind: ip
 *	:no_entry: *{{HostIp}}* blocked ({{FindingType|unknown type}})
 * i.e. a "kind:" line, then mrkdwn text where {{path}} is a field path
 * (keys joined by '.', array indexes as numbers) into the record (for
 * findings: into the finding) and {{path|text}} gives text when absent.
 * Values are escaped; objects and arrays appear as compact JSON.
 */
struct slack_template;
struct slack_template *slack_template_load(const char *, char **);
enum slack_kind slack_template_kind(const struct slack_template *);
void	 slack_template_free(struct slack_template *);
/* Expand into a new string (caller frees). */
char	*slack_template_expand(const struct slack_template *, const json_t *);
/* Look a field path up ("detail.findings.0.Id"); borrowed or NULL. */
json_t	*slack_path(const json_t *, const char *, size_t);

/* Render one item (tpl NULL: the built-in rendering). New reference. */
json_t	*slack_render(const struct slack_item *, const struct slack_template *);
/* Render a digest of n items of one group. New reference. */
json_t	*slack_render_digest(struct slack_item *const *, size_t);

/*
 * Group a batch: items are grouped by kind (and IP outcome); a group of
 * more than digest_after items becomes one digest, smaller ones one
 * message per item. Summaries are never folded. Messages come out in the
 * order their groups first appeared. tpls: a template per kind or NULL.
 * Returns the number of messages in *out (free with slack_msgs_free).
 */
struct slack_msg {
	json_t			*payload;
	struct slack_item	**items;	/* borrowed: what it tells */
	size_t			 nitems;
};
size_t	 slack_group(struct slack_item *const *, size_t, size_t,
	    struct slack_template *const *, struct slack_msg **);
void	 slack_msgs_free(struct slack_msg *, size_t);

/* Check a payload against Slack's limits: 0, or -1 and *cause. */
int	 slack_payload_check(const json_t *, char **);

/* Escape &, <, > for mrkdwn and append at most max bytes (cut on a
 * character boundary, "…" marking the cut). Exposed for tests. */
struct buf;
void	 slack_escape(struct buf *, const char *, size_t, size_t);

/*
 * Webhooks. slack_webhook_check accepts https URLs, and http only to a
 * loopback address (local stand-ins); -1 and *cause (without the URL)
 * otherwise. slack_webhook_display writes a printable name with the
 * secret path hidden, the last segment shown as three stars.
 */
int	 slack_webhook_check(const char *, char **);
char	*slack_webhook_display(const char *, char *, size_t);
/* Read a webhook URL from a file only its owner can read. NULL and *cause. */
char	*slack_webhook_read(const char *, char **);

enum slack_post_status {
	SLACK_POSTED,		/* 200 */
	SLACK_REFUSED,		/* 400 and other 4xx for this message only */
	SLACK_GONE,		/* 403, 404, 410: the webhook is unusable */
	SLACK_FAILED		/* 5xx, timeouts: retries exhausted */
};

struct slack_post_opts {
	int	 max_attempts;		/* 5xx and transport failures */
	int	 max_rate_limited;	/* 429 answers honoured per message */
	long	 max_retry_after_ms;	/* longest Retry-After honoured */
	long	 timeout_ms;
	/* Trace of each attempt (no URL in it), or NULL. */
	void	 (*trace)(void *, const char *);
	void	*trace_arg;
};
void	 slack_post_opts_init(struct slack_post_opts *);

struct slack_post_result {
	enum slack_post_status status;
	long	 http_status;	/* last HTTP status, 0 if none */
	int	 attempts;
	char	 reason[160];	/* Slack's answer ("no_service") or the
				   transport failure; printable, no URL */
};

/* Post a payload (JSON text). Returns rs->status. */
enum slack_post_status slack_post(const char *, const char *, size_t,
	    const struct slack_post_opts *, struct slack_post_result *);

/*
 * Dedupe state: keys posted within a window. path NULL keeps it in memory
 * (this run only). 1 if key was posted at or after since, else 0; -1 and
 * *cause on a database error.
 */
struct slack_state;
struct slack_state *slack_state_open(const char *, char **);
int	 slack_state_seen(struct slack_state *, const char *, time_t,
	    char **);
int	 slack_state_mark(struct slack_state *, const char *, time_t,
	    char **);
/* 1 the first time a key is offered in this run, 0 after that. */
int	 slack_state_first(struct slack_state *, const char *, char **);
/* Forget keys posted before since. */
int	 slack_state_expire(struct slack_state *, time_t, char **);
void	 slack_state_close(struct slack_state *);

#endif
