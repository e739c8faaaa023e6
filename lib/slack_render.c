/*
 * slack_render.c: one message per item (a finding, an IP record, a
 * summary, any other record; or a template's text) and digests of many,
 * within Slack's limits.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "finding.h"
#include "jl.h"
#include "jtok_impl.h"
#include "slack.h"
#include "slack_impl.h"
#include "util.h"

/* --- rendering of one item ----------------------------------------------- */

static json_t *
render_finding(const struct slack_item *it)
{
	char *const	*F = it->field;
	const char	*title = F[SF_TITLE] ? F[SF_TITLE] : F[SF_TYPE] ?
			    F[SF_TYPE] : "Finding";
	const char	*sev = F[SF_SEVERITY] ? F[SF_SEVERITY] : "UNKNOWN";
	struct buf	 fb, hb, cb;
	json_t		*blocks = json_array(), *fields = json_array();
	char		 where[256];

	snprintf(where, sizeof(where), "%s%s%s", F[SF_ACCOUNT] ?
	    F[SF_ACCOUNT] : "", F[SF_ACCOUNT] && F[SF_REGION] ? ", " : "",
	    F[SF_REGION] ? F[SF_REGION] : "");
	buf_init(&fb);
	/* severity and product come from the finding: escaped like the title
	 * (a '<' in them made the whole message fail the payload check, so
	 * a finding could keep itself out of Slack) */
	buf_addf(&fb, "%s ", slack_sev_emoji(it->sevrank));
	slack_esc(&fb, sev, 20);
	buf_addc(&fb, ' ');
	slack_esc(&fb, F[SF_PRODUCT] ? F[SF_PRODUCT] : "Security Hub", 40);
	buf_adds(&fb, " finding: ");
	slack_esc(&fb, title, SLACK_FALLBACK_LEN - 80);
	if (*where != '\0') {
		buf_adds(&fb, " (");
		slack_esc(&fb, where, 60);
		buf_adds(&fb, ")");
	}

	buf_init(&hb);
	buf_addf(&hb, "%s %s: %s", slack_sev_emoji(it->sevrank), sev, title);
	json_array_append_new(blocks, slack_header(buf_cstr(&hb)));

	buf_reset(&hb);
	buf_addf(&hb, "%s %s", slack_sev_emoji(it->sevrank), sev);
	slack_add_field(fields, "Severity", buf_cstr(&hb), 0);
	slack_add_field(fields, "Product", F[SF_PRODUCT], 0);
	slack_add_field(fields, "Type", F[SF_TYPE], 1);
	slack_add_field(fields, "Account", F[SF_ACCOUNT], 0);
	slack_add_field(fields, "Region", F[SF_REGION], 0);
	slack_add_field(fields, "Resource", F[SF_RESOURCE], 1);
	slack_add_field(fields, "First seen", F[SF_FIRST_SEEN], 0);
	slack_add_field(fields, "Last seen", F[SF_LAST_SEEN], 0);
	json_array_append_new(blocks, slack_fields_section(fields));

	buf_init(&cb);
	/* only web links: a finding's own src_url of "!channel" would be a
	 * mention, and one that is no URL failed the payload check */
	/* (and not a link so long that, escaped, it overflows the block: a
	 * long finding Id made one and the alert was not posted) */
	if (F[SF_LINK] != NULL && strlen(F[SF_LINK]) <= 500 &&
	    (strncmp(F[SF_LINK], "https://", 8) == 0 ||
	    strncmp(F[SF_LINK], "http://", 7) == 0)) {
		slack_add_link(&cb, F[SF_LINK], strstr(F[SF_LINK],
		    "/securityhub/") ? "Open in Security Hub" :
		    strstr(F[SF_LINK], "/guardduty/") ? "Open in GuardDuty" :
		    "Open in the console");
		if (F[SF_ID] != NULL)
			buf_adds(&cb, " | ");
	}
	if (F[SF_ID] != NULL) {
		buf_addc(&cb, '`');
		slack_esc(&cb, F[SF_ID], cb.len + 10 < SLACK_MAX_SECTION ?
		    SLACK_MAX_SECTION - cb.len - 10 : 0);
		buf_addc(&cb, '`');
	}
	if (cb.len > 0)
		json_array_append_new(blocks, slack_context(&cb));
	buf_free(&cb);
	buf_free(&hb);
	{
		json_t	*p = slack_payload(&fb, blocks);

		buf_free(&fb);
		return (p);
	}
}

static const char *
ip_verb(enum slack_ip_outcome o, const char **emoji)
{
	static const char *e[] = { ":new:", ":repeat:", ":no_entry:",
	    ":warning:", ":white_check_mark:", ":clipboard:" };
	static const char *v[] = { "New IP recorded", "Seen again",
	    "Blocked", "Not blocked", "Unblocked", "In the blocklist" };

	*emoji = e[o];
	return (v[o]);
}

static json_t *
render_ip(const struct slack_item *it)
{
	const json_t	*r = it->obj;
	const char	*ip = slack_js(r, "HostIp"), *emoji, *verb, *type, *sev;
	const char	*reason;
	struct buf	 fb, sb, tmp;
	json_t		*blocks = json_array(), *fields = json_array(), *p;
	char		*since, *until, *last, *acct;

	verb = ip_verb(it->outcome, &emoji);
	type = slack_js(r, "FindingType");
	sev = slack_js(r, "Severity");
	reason = slack_js(r, "Reason");
	buf_init(&fb);
	buf_addf(&fb, "%s %s ", emoji, verb);
	slack_esc(&fb, ip, IP_LEN_GUARD);
	if (it->outcome == SLACK_IP_NOT_BLOCKED && reason != NULL) {
		buf_adds(&fb, ": ");
		slack_esc(&fb, reason, 120);
	} else if (type != NULL || sev != NULL) {
		buf_adds(&fb, " (");
		slack_esc(&fb, type ? type : sev, 120);
		if (type != NULL && sev != NULL) {
			/* the record's, so escaped (a '<' kept the message
			 * from being posted) */
			buf_adds(&fb, ", ");
			slack_esc(&fb, sev, 40);
		}
		buf_adds(&fb, ")");
	}

	buf_init(&sb);
	buf_addf(&sb, "%s *%s* `", emoji, verb);
	slack_esc(&sb, ip, IP_LEN_GUARD);
	buf_adds(&sb, "`");
	if (reason != NULL) {
		buf_adds(&sb, "\n*Reason:* ");
		slack_esc(&sb, reason, 1000);
	}
	json_array_append_new(blocks, slack_section(&sb));

	since = slack_jtime(r, "CreatedAt");
	until = slack_jtime(r, "ExpiresAt");
	last = slack_jtime(r, "LastSeenAt");
	buf_init(&tmp);
	if (sev != NULL)
		buf_addf(&tmp, "%s %s", slack_sev_emoji(it->sevrank), sev);
	slack_add_field(fields, "Why", type, 1);
	slack_add_field(fields, "Severity", sev ? buf_cstr(&tmp) : NULL, 0);
	acct = slack_jdup(r, "AccountId");
	slack_add_field(fields, "Account", acct, 0);
	slack_add_field(fields, "Region", slack_js(r, "Region"), 0);
	slack_add_field(fields, it->outcome == SLACK_IP_UNBLOCKED ?
	    "Blocked since" : "Since", since, 0);
	if (it->outcome != SLACK_IP_UNBLOCKED)
		slack_add_field(fields, "Until", until ? until :
		    it->outcome == SLACK_IP_NOT_BLOCKED ? NULL :
		    "pruned by age", 0);
	slack_add_field(fields, "Last seen", last, 0);
	slack_add_field(fields, "Direction", slack_js(r, "Direction"), 0);
	if (json_array_size(fields) > 0)
		json_array_append_new(blocks, slack_fields_section(fields));
	else
		json_decref(fields);
	if (slack_js(r, "FindingId") != NULL) {
		buf_reset(&tmp);
		buf_adds(&tmp, "Finding `");
		slack_esc(&tmp, slack_js(r, "FindingId"), 1000);
		buf_adds(&tmp, "`");
		json_array_append_new(blocks, slack_context(&tmp));
	}
	free(since);
	free(until);
	free(last);
	free(acct);
	buf_free(&tmp);
	buf_free(&sb);
	p = slack_payload(&fb, blocks);
	buf_free(&fb);
	return (p);
}

/* A field of a summary as text: arrays as "N: a, b, c…", else the value. */
static char *
summary_value(const json_t *v)
{
	struct buf	 b;
	size_t		 i;
	json_t		*e;
	char		*s;

	if (v == NULL || json_is_null(v))
		return (NULL);
	if (!json_is_array(v))
		return (slack_jtext(v));
	buf_init(&b);
	buf_addf(&b, "%zu", json_array_size(v));
	json_array_foreach(v, i, e) {
		if (i == 10) {
			buf_addf(&b, ", and %zu more",
			    json_array_size(v) - 10);
			break;
		}
		/* NULL for a null element: "Added":[null] */
		s = slack_jtext(e);
		buf_adds(&b, i == 0 ? ": " : ", ");
		buf_adds(&b, s != NULL ? s : "null");
		free(s);
	}
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return (s);
}

/* A summary field's name as people read it. */
static const char *
summary_label(const char *key)
{
	static const char *labels[][2] = {
		{ "Total", "Blocked in all" }, { "Blocks", "CIDR blocks" },
		{ "CapacityUsed", "Capacity used" }, { "DryRun", "Dry run" },
		{ "OlderThan", "Older than" }, { "Pending", "Pending unblock" },
		{ "Before", "Cut-off" }, { "By", "Age by" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(key, labels[i][0]) == 0)
			return (labels[i][1]);
	return (key);
}

/*
 * ": 3 added, 0 removed, 41 blocked" after a summary's headline. A prune
 * summary with Pending (ipstore-prune --summary) says what its counts are:
 * entries newly pending unblock, pending in all, still blocked.
 */
static void
summary_counts(struct buf *b, const json_t *r, enum slack_kind kind, int dry)
{
	static const char *nfw[] = { "Added", "added", "Removed", "removed",
	    "Total", "blocked", NULL };
	static const char *prune[] = { "Pruned", "removed", "Remaining",
	    "remain", NULL };
	static const char *pending[] = { "Pruned", "newly pending unblock",
	    "Pending", "pending unblock", "Remaining", "remain", NULL };
	static const char *pending_dry[] = { "Pruned",
	    "would be newly pending unblock", "Pending", "pending unblock",
	    "Remaining", "remain", NULL };
	const char	*const *p;
	json_t		*v;
	int		 n = 0;

	if (kind == SLACK_NFW_SUMMARY)
		p = nfw;
	else if (json_is_integer(json_object_get(r, "Pending")))
		p = dry ? pending_dry : pending;
	else
		p = prune;
	for (; *p != NULL; p += 2) {
		if (!json_is_integer(v = json_object_get(r, p[0])))
			continue;
		buf_addf(b, "%s%lld %s", n++ ? ", " : ": ",
		    (long long)json_integer_value(v), p[1]);
	}
	if (slack_js(r, "Error") != NULL) {
		buf_adds(b, n ? "; " : ": ");
		slack_esc(b, slack_js(r, "Error"), 200);
	}
}

/* Summaries: a headline and the record's own fields, in a fixed order. */
static json_t *
render_summary(const struct slack_item *it)
{
	static const char *nfw_fields[] = { "Mode", "Added", "Removed",
	    "Total", "Blocks", "CapacityUsed", "Capacity", "Changed",
	    "DryRun", "Error", NULL };
	static const char *prune_fields[] = { "Pruned", "Pending",
	    "Remaining", "Before", "OlderThan", "By", "DryRun", "Store",
	    NULL };
	const json_t	*r = it->obj;
	const char	*const *names;
	const char	*group, *emoji, *label;
	struct buf	 fb, sb, hb;
	json_t		*blocks = json_array(), *fields = json_array(), *p;
	char		*v;
	int		 dry = json_is_true(json_object_get(r, "DryRun"));
	int		 err, pending = 0;

	buf_init(&hb);
	if (it->kind == SLACK_NFW_SUMMARY) {
		names = nfw_fields;
		if ((group = slack_js(r, "RuleGroupName")) == NULL &&
		    (group = slack_js(r, "RuleGroup")) == NULL)
			group = slack_js(r, "RuleGroupArn");
		err = slack_js(r, "Error") != NULL;
		emoji = err ? ":x:" : dry ? ":memo:" : ":shield:";
		/* An ARN is long: the name is its last segment. */
		if (group != NULL && strncmp(group, "arn:", 4) == 0 &&
		    strrchr(group, '/') != NULL)
			group = strrchr(group, '/') + 1;
		buf_adds(&hb, "Network Firewall rule group ");
		slack_esc(&hb, group, 200);
		buf_adds(&hb, err ? ": update failed" : dry ?
		    ": plan (dry run)" :
		    json_is_false(json_object_get(r, "Changed")) ?
		    ": unchanged" : ": updated");
	} else {
		names = prune_fields;
		pending = json_is_integer(json_object_get(r, "Pending"));
		emoji = dry && pending ? ":memo:" : ":broom:";
		buf_adds(&hb, dry && pending ? "Blocklist prune planned" :
		    "Blocklist pruned");
		if (dry)
			buf_adds(&hb, " (dry run)");
	}
	buf_init(&fb);
	buf_addf(&fb, "%s %s", emoji, buf_cstr(&hb));
	summary_counts(&fb, r, it->kind, dry);
	buf_init(&sb);
	buf_addf(&sb, "%s *%s*", emoji, buf_cstr(&hb));
	buf_free(&hb);
	json_array_append_new(blocks, slack_section(&sb));
	for (; *names != NULL; names++) {
		v = summary_value(json_object_get(r, *names));
		label = pending && strcmp(*names, "Pruned") == 0 ?
		    "Newly pending unblock" : summary_label(*names);
		slack_add_field(fields, label, v, 0);
		free(v);
	}
	if (json_array_size(fields) > 0)
		json_array_append_new(blocks, slack_fields_section(fields));
	else
		json_decref(fields);
	buf_free(&sb);
	p = slack_payload(&fb, blocks);
	buf_free(&fb);
	return (p);
}

/* A record's compact JSON as a code block of at most max bytes. */
static void
code_block(struct buf *b, const json_t *r, size_t max)
{
	char		*s = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
	char		*p;

	/* A backtick would end the block: show it as a quote instead. */
	buf_adds(b, "```");
	for (p = s; *p != '\0'; p++)
		if (*p == '`')
			*p = '\'';
	slack_escape(b, s, strlen(s), max - 6);
	buf_adds(b, "```");
	free(s);
}

static json_t *
render_other(const struct slack_item *it)
{
	struct buf	 fb, sb;
	char		*s = json_dumps(it->obj, JSON_COMPACT | JSON_ENCODE_ANY);
	json_t		*blocks = json_array(), *p;

	buf_init(&fb);
	buf_adds(&fb, ":page_facing_up: Record: ");
	slack_esc(&fb, s, SLACK_FALLBACK_LEN - 30);
	free(s);
	buf_init(&sb);
	code_block(&sb, it->obj, SLACK_MAX_SECTION);
	json_array_append_new(blocks, slack_section(&sb));
	buf_free(&sb);
	p = slack_payload(&fb, blocks);
	buf_free(&fb);
	return (p);
}

json_t *
slack_render(const struct slack_item *it, const struct slack_template *tpl)
{
	char		*s, *cause;
	const char	*f, *nl;
	struct buf	 fb, sb;
	json_t		*blocks, *p;

	if (tpl != NULL) {
		s = slack_template_expand(tpl, it->obj);
		/* The first line with text is the fallback. */
		for (f = s; *f != '\0'; f = nl + 1) {
			nl = f + strcspn(f, "\n");
			if (strspn(f, " \t\r") < (size_t)(nl - f) || *nl == '\0')
				break;
		}
		buf_init(&fb);
		slack_append_mrkdwn(&fb, f, strcspn(f, "\r\n"),
		    SLACK_FALLBACK_LEN);
		buf_init(&sb);
		slack_append_mrkdwn(&sb, s, strlen(s), SLACK_MAX_SECTION);
		blocks = json_array();
		json_array_append_new(blocks, slack_section(&sb));
		p = slack_payload(&fb, blocks);
		buf_free(&fb);
		buf_free(&sb);
		free(s);
		/*
		 * A template that says nothing about this record (every
		 * field missing) would keep its alert out of Slack: the
		 * built-in message goes instead.
		 */
		if (slack_payload_check(p, &cause) == 0)
			return (p);
		free(cause);
		json_decref(p);
	}
	switch (it->kind) {
	case SLACK_FINDING:
		return (render_finding(it));
	case SLACK_IP:
		return (render_ip(it));
	case SLACK_NFW_SUMMARY:
	case SLACK_PRUNE_SUMMARY:
		return (render_summary(it));
	default:
		return (render_other(it));
	}
}

/* --- digests ------------------------------------------------------------- */

#define DIGEST_LINES	25	/* items named in a digest */

struct ranked {
	struct slack_item	*it;
	size_t			 seq;	/* arrival order, for ties */
};

static int
by_severity(const void *a, const void *b)
{
	const struct ranked	*x = a, *y = b;

	if (x->it->sevrank != y->it->sevrank)
		return (y->it->sevrank - x->it->sevrank);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Most severe first, in arrival order otherwise (a new array). */
static struct slack_item **
sort_by_severity(struct slack_item *const *items, size_t n)
{
	struct ranked		*r = xreallocarray(NULL, n, sizeof(*r));
	struct slack_item	**sorted = xreallocarray(NULL, n,
				    sizeof(*sorted));
	size_t			 i;

	for (i = 0; i < n; i++) {
		r[i].it = items[i];
		r[i].seq = i;
	}
	qsort(r, n, sizeof(*r), by_severity);
	for (i = 0; i < n; i++)
		sorted[i] = r[i].it;
	free(r);
	return (sorted);
}

/* One line of a digest for an item. */
static void
digest_line(struct buf *b, const struct slack_item *it)
{
	const json_t	*r = it->obj;
	char *const	*F = it->field;
	const char	*s;

	switch (it->kind) {
	case SLACK_FINDING:
		buf_addf(b, "%s %s `", slack_sev_emoji(it->sevrank),
		    F[SF_SEVERITY] ? F[SF_SEVERITY] : "UNKNOWN");
		slack_esc(b, F[SF_TYPE], 120);
		buf_adds(b, "` ");
		slack_esc(b, F[SF_TITLE], 160);
		if (F[SF_ACCOUNT] != NULL || F[SF_REGION] != NULL) {
			buf_adds(b, " (");
			slack_esc(b, F[SF_ACCOUNT], 20);
			buf_adds(b, ", ");
			slack_esc(b, F[SF_REGION], 30);
			buf_adds(b, ")");
		}
		break;
	case SLACK_IP:
		buf_adds(b, "`");
		slack_esc(b, slack_js(r, "HostIp"), IP_LEN_GUARD);
		buf_adds(b, "`");
		if (it->outcome == SLACK_IP_NOT_BLOCKED &&
		    (s = slack_js(r, "Reason")) != NULL) {
			buf_adds(b, " ");
			slack_esc(b, s, 160);
		} else if ((s = slack_js(r, "FindingType")) != NULL) {
			buf_adds(b, " ");
			slack_esc(b, s, 120);
			if ((s = slack_js(r, "Severity")) != NULL) {
				buf_adds(b, ", ");
				slack_esc(b, s, 20);
			}
		}
		break;
	default: {
		char	*d = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);

		buf_adds(b, "`");
		slack_escape(b, d, strlen(d), 100);
		buf_adds(b, "`");
		free(d);
		break;
	}
	}
}

/* "37 IPs blocked", "200 findings", "12 other records". */
static void
digest_title(struct buf *b, const struct slack_item *it, size_t n)
{
	static const char *ipverb[] = { "recorded (new)", "seen again",
	    "blocked", "not blocked", "unblocked", "in the blocklist" };

	switch (it->kind) {
	case SLACK_FINDING:
		buf_addf(b, "%zu finding%s", n, n == 1 ? "" : "s");
		break;
	case SLACK_IP:
		buf_addf(b, "%zu IP%s %s", n, n == 1 ? "" : "s",
		    ipverb[it->outcome]);
		break;
	default:
		buf_addf(b, "%zu %s record%s", n, slack_kind_name(it->kind),
		    n == 1 ? "" : "s");
		break;
	}
}

static void
severity_counts(struct buf *b, struct slack_item *const *items, size_t n)
{
	size_t	 count[6] = { 0 }, i;
	int	 r, first = 1;

	for (i = 0; i < n; i++)
		count[items[i]->sevrank + 1]++;
	for (r = 4; r >= -1; r--) {
		if (count[r + 1] == 0)
			continue;
		buf_addf(b, "%s%zu %s", first ? "" : ", ", count[r + 1],
		    r >= 0 ? finding_rank_label(r) : "UNKNOWN");
		first = 0;
	}
}

json_t *
slack_render_digest(struct slack_item *const *items, size_t n)
{
	struct slack_item	**sorted;
	struct buf		 fb, title, sb, line;
	json_t			*blocks = json_array(), *p;
	size_t			 i, shown = 0;
	const char		*emoji;

	sorted = sort_by_severity(items, n);

	if (items[0]->kind == SLACK_FINDING) {
		int	 top = -1;

		for (i = 0; i < n; i++)
			if (items[i]->sevrank > top)
				top = items[i]->sevrank;
		emoji = slack_sev_emoji(top);
	} else if (items[0]->kind == SLACK_IP)
		ip_verb(items[0]->outcome, &emoji);
	else
		emoji = ":page_facing_up:";
	buf_init(&title);
	digest_title(&title, items[0], n);

	/* Fallback: "37 IPs blocked: a, b, c, and 34 more". */
	buf_init(&fb);
	buf_addf(&fb, "%s %s", emoji, buf_cstr(&title));
	if (items[0]->kind == SLACK_FINDING) {
		buf_adds(&fb, ": ");
		severity_counts(&fb, items, n);
	} else if (items[0]->kind == SLACK_IP) {
		for (i = 0; i < n && i < 3; i++) {
			buf_adds(&fb, i == 0 ? ": " : ", ");
			slack_esc(&fb, slack_js(sorted[i]->obj, "HostIp"),
			    IP_LEN_GUARD);
		}
		if (n > 3)
			buf_addf(&fb, ", and %zu more", n - 3);
	}

	buf_init(&line);
	buf_addf(&line, "%s %s", emoji, buf_cstr(&title));
	json_array_append_new(blocks, slack_header(buf_cstr(&line)));
	if (items[0]->kind == SLACK_FINDING) {
		buf_reset(&line);
		severity_counts(&line, items, n);
		json_array_append_new(blocks, slack_section(&line));
	}

	/* The items, as many as fit in one section and DIGEST_LINES. */
	buf_init(&sb);
	for (i = 0; i < n && shown < DIGEST_LINES; i++) {
		buf_reset(&line);
		buf_adds(&line, "\xe2\x80\xa2 ");	/* bullet */
		digest_line(&line, sorted[i]);
		if (sb.len + line.len + 1 > SLACK_MAX_SECTION - 40)
			break;
		if (sb.len > 0)
			buf_addc(&sb, '\n');
		buf_add(&sb, line.data, line.len);
		shown++;
	}
	if (shown < n)
		buf_addf(&sb, "\n\xe2\x80\xa6 and %zu more", n - shown);
	json_array_append_new(blocks, slack_section(&sb));

	buf_free(&sb);
	buf_free(&line);
	buf_free(&title);
	free(sorted);
	p = slack_payload(&fb, blocks);
	buf_free(&fb);
	return (p);
}

