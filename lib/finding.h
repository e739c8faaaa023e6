/*
 * finding.h: recognise the shapes findings come in, and list the remote
 * addresses a finding names.
 *
 * Shapes: EventBridge "Security Hub Findings - Imported" and "Findings
 * Imported V2" events (every finding in detail.findings), bare ASFF
 * findings, the {"Findings": [...]} documents of `aws securityhub
 * get-findings` and `aws guardduty get-findings`, "GuardDuty Finding"
 * events (also partial ones holding only detail), bare native GuardDuty
 * findings (2017-era ones too), OCSF findings (class 2000-2099), and JSON
 * arrays of any of these.
 *
 * This module is the one place that knows what a finding is: every
 * program that asks (sh-extract-ip, slack-notify) asks it. A value is
 *   ASFF       when it has a string Id and a string ProductArn,
 *              SchemaVersion or AwsAccountId;
 *   OCSF       when its class_uid is a number from 2000 to 2099 or, with
 *              no numeric class_uid, it has a finding_info object;
 *   GuardDuty  when it has a string type, a string arn or id, and a
 *              service or resource object or a numeric severity;
 * tried in that order.
 *
 * The module works on the text of one valid JSON value (as the reader hands
 * it out) without decoding it: it visits only the members it needs, which
 * is what makes sh-extract-ip several times faster than jq. Everything it
 * hands back points into that text, or into the struct finding, and is
 * valid only during the callback.
 */
#ifndef SECHUB_FINDING_H
#define SECHUB_FINDING_H

#include <stddef.h>

#include "clk.h"
#include "ip.h"

enum finding_shape {
	FINDING_ASFF,		/* AWS Security Finding Format */
	FINDING_GUARDDUTY,	/* native GuardDuty finding */
	FINDING_OCSF		/* OCSF finding (Detection Finding, ...) */
};

/*
 * A field of the finding as JSON text: a string token, quotes and escapes
 * included, ready to be copied into output; len 0 when the finding does
 * not say.
 */
struct finding_text {
	const char	*json;
	size_t		 len;
};

#define FINDING_ACTION_MAX	40
/* "4294967295.detail.findings.4294967295" and its NUL fit */
#define FINDING_PATH_MAX	64

/* A remote address the finding names (each address once per finding). */
struct finding_ip {
	struct ip_addr	 addr;
	/* "INBOUND", "OUTBOUND" or "UNKNOWN" */
	const char	*direction;
	/* "NETWORK_CONNECTION", "PORT_PROBE", ..., or "" if unknown */
	char		 action_type[FINDING_ACTION_MAX];
};

struct finding {
	enum finding_shape	 shape;
	struct finding_text	 id;	/* ARN, ASFF Id or OCSF uid */
	struct finding_text	 gd_id;	/* native GuardDuty: its own id */
	struct finding_text	 type;
	struct finding_text	 title;
	struct finding_text	 severity;	/* LOW, HIGH, ... */
	struct finding_text	 account;
	struct finding_text	 region;
	struct finding_text	 product;	/* the name it gives, if any */
	struct finding_text	 product_arn;	/* ASFF ProductArn */
	struct finding_text	 resource_type;	/* its first resource */
	struct finding_text	 resource_id;
	struct finding_text	 url;	/* its own console link (OCSF) */
	/* when it was last seen, "YYYY-MM-DDTHH:MM:SSZ" (absent if no time
	 * it gives reads as one) */
	struct finding_text	 observed_at;
	/* first and last seen as the finding writes them (finding_time_dup()
	 * reads them) */
	struct finding_text	 first_seen;
	struct finding_text	 last_seen;
	/* when it was updated, as the finding writes it (string or number):
	 * with id, what tells one version of a finding from the next */
	struct finding_text	 updated;

	struct finding_ip	*ips;	/* remote addresses, in order */
	size_t			 nips;
	struct finding_text	*bad;	/* strings that are no address */
	size_t			 nbad;

	/* private: where the finding and its envelope lie, buffers */
	const char		*obj, *obj_end;
	const char		*env, *env_end;
	size_t			 ipcap, badcap;
	char			 region_buf[48];
	char			 observed_buf[CLK_BUFSZ + 2];
	char			 path[FINDING_PATH_MAX];
	int			 path_ok;
};

/* Called for each finding; return 0 to go on, -1 to stop the walk. */
typedef int (*finding_cb)(const struct finding *, void *);

/*
 * Visit every finding a JSON value holds. Returns the number of findings
 * visited (0 for an empty container such as {"Findings": []}), or -1 if
 * the callback stopped the walk. *unknown (if not NULL) is set to the
 * number of values that were not findings of any known shape: 1 for a
 * record that is none, or the number of such elements of a container.
 * The text must be one valid JSON value (the reader checked it); on other
 * text the walk stays within len bytes and finds nothing sensible.
 */
int	 finding_each(const char *, size_t, finding_cb, void *, size_t *);

/*
 * A top-level member of the finding or, failing that, of the record
 * around it (the event, for a finding in detail): the member's JSON text,
 * or NULL. Used by --keep.
 */
const char *finding_member(const struct finding *, const char *, size_t *);

/* The finding's own JSON text (an object), len bytes. */
const char *finding_json(const struct finding *, size_t *);
/*
 * Where the finding lies in the record, as a path of keys and array
 * indexes joined by '.' ("" for the record itself, "2", "detail",
 * "detail.findings.0", "1.Findings.3"): what a caller holding the record
 * decoded follows to the finding's value instead of decoding its text
 * again. NULL when a decoder may read the record another way (a key the
 * walk followed appears twice in its object: the walk takes the first, a
 * decoder may keep the last).
 */
const char *finding_path(const struct finding *);

/* The value of a text field as a C string in buf (empty if absent). */
char	*finding_text_cstr(const struct finding_text *, char *, size_t);
/*
 * The value of a text field as a new C string (caller frees): a string's
 * contents, a number's text; NULL if absent or the empty string.
 */
char	*finding_text_dup(const struct finding_text *);
/*
 * A time field as a new string (caller frees): "YYYY-MM-DDTHH:MM:SSZ" if
 * it reads as a time (an RFC 3339 string, or a number of seconds, or of
 * milliseconds above 1e11, since 1970), else as finding_text_dup() gives
 * it; NULL if absent.
 */
char	*finding_time_dup(const struct finding_text *);
/*
 * The product's name as people read it: the one the finding gives, else
 * the last part of its ProductArn ("guardduty"); NULL if neither.
 */
char	*finding_product_dup(const struct finding *);

/* Shape name for messages: "ASFF", "GuardDuty", "OCSF". */
const char *finding_shape_name(enum finding_shape);

/*
 * Severity labels. GuardDuty's numbers: 9.0 and above CRITICAL, 7.0-8.9
 * HIGH, 4.0-6.9 MEDIUM, above 0 LOW, else INFORMATIONAL. Security Hub's
 * Normalized 0-100: 90 CRITICAL, 70 HIGH, 40 MEDIUM, 1 LOW, 0
 * INFORMATIONAL. OCSF severity_id: 1 INFORMATIONAL ... 5 CRITICAL, 6
 * (Fatal) CRITICAL, others NULL.
 */
const char *finding_gd_label(double);
const char *finding_normalized_label(double);
const char *finding_ocsf_label(long);
/*
 * A label's rank, 0 (INFORMATIONAL) to 4 (CRITICAL), in any case; OCSF's
 * FATAL is CRITICAL and INFO is INFORMATIONAL; -1 for anything else or
 * NULL. finding_rank_label() gives the label of a rank (NULL if none).
 */
int	 finding_label_rank(const char *);
const char *finding_rank_label(int);
/*
 * A list of labels ("HIGH,CRITICAL", "high, critical": any case, as
 * finding_label_rank() reads them, separated by commas) as a set of ranks:
 * bit r for rank r. -1 and a cause for an empty label or one that is none.
 */
int	 finding_label_set(const char *, unsigned int *, char **);

#endif
