/*
 * slack.c: records into Slack messages: classification of what a record is,
 * Block Kit rendering within Slack's limits, digests, templates.
 * Delivery and the dedupe state live in slack_post.c.
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
#include "util.h"

#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, 3 bytes */

static int	check_mrkdwn(const char *, char **, const char *);
#define IP_LEN_GUARD	100	/* longer "HostIp" values are cut */

static const char *kind_names[SLACK_NKINDS] = {
	"finding", "ip", "nfw-summary", "prune-summary", "other"
};

const char *
slack_kind_name(enum slack_kind k)
{
	return (k < SLACK_NKINDS ? kind_names[k] : "?");
}

int
slack_kind_parse(const char *s)
{
	int	 i;

	for (i = 0; i < SLACK_NKINDS; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (i);
	return (-1);
}

const char *
slack_outcome_name(enum slack_ip_outcome o)
{
	switch (o) {
	case SLACK_IP_NEW:
		return ("new");
	case SLACK_IP_SEEN:
		return ("seen");
	case SLACK_IP_BLOCKED:
		return ("blocked");
	case SLACK_IP_NOT_BLOCKED:
		return ("not-blocked");
	case SLACK_IP_UNBLOCKED:
		return ("unblocked");
	case SLACK_IP_LISTED:
		return ("listed");
	}
	return ("?");
}

/* --- small JSON helpers -------------------------------------------------- */

json_t *
slack_path(const json_t *root, const char *path, size_t len)
{
	const json_t	*v = root;
	const char	*p = path, *end = path + len, *dot;
	char		 key[256], *ep;
	size_t		 klen;
	unsigned long	 idx;

	while (v != NULL && p < end) {
		if ((dot = memchr(p, '.', end - p)) == NULL)
			dot = end;
		klen = dot - p;
		if (klen >= sizeof(key))
			return (NULL);
		memcpy(key, p, klen);
		key[klen] = '\0';
		if (json_is_array(v)) {
			errno = 0;
			idx = strtoul(key, &ep, 10);
			if (klen == 0 || *ep != '\0' || errno != 0)
				return (NULL);
			v = json_array_get(v, idx);
		} else if (json_is_object(v))
			v = json_object_get(v, key);
		else
			return (NULL);
		p = dot + 1;
		if (dot == end)
			break;
	}
	return ((json_t *)v);
}

static json_t *
jp(const json_t *root, const char *path)
{
	return (slack_path(root, path, strlen(path)));
}

/* A string at path, or NULL (empty strings count as absent). */
static const char *
js(const json_t *root, const char *path)
{
	json_t		*v = jp(root, path);
	const char	*s;

	if (!json_is_string(v))
		return (NULL);
	s = json_string_value(v);
	return (*s != '\0' ? s : NULL);
}

/* A scalar at path as a new string, or NULL. */
static char *
jdup(const json_t *root, const char *path)
{
	json_t	*v = jp(root, path);
	char	*s;

	if (json_is_string(v) && *json_string_value(v) != '\0')
		return (xstrdup(json_string_value(v)));
	if (json_is_integer(v)) {
		xasprintf(&s, "%lld", (long long)json_integer_value(v));
		return (s);
	}
	if (json_is_real(v)) {
		xasprintf(&s, "%g", json_real_value(v));
		return (s);
	}
	return (NULL);
}

/* Value as display text: strings as they are, the rest as compact JSON. */
static char *
jtext(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return (NULL);
	if (json_is_string(v))
		return (xstrdup(json_string_value(v)));
	return (json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
}

/* A time as RFC 3339 UTC when it parses (strings or epoch ms), else as is. */
static char *
jtime(const json_t *root, const char *path)
{
	json_t		*v = jp(root, path);
	char		 b[CLK_BUFSZ];
	const char	*s;
	time_t		 t;

	if (json_is_integer(v) || json_is_real(v)) {
		double	 d = json_number_value(v);
		char	 n[64];

		if (d > 1e11)
			d /= 1000;	/* epoch milliseconds */
		if (d >= 0 && d <= 253402300799.0) {	/* to 9999-12-31 */
			t = (time_t)d;
			return (xstrdup(clk_format(t, b)));
		}
		/* no time we can show (found by fuzz-slack): the number */
		snprintf(n, sizeof(n), "%.17g", json_number_value(v));
		return (xstrdup(n));
	}
	if ((s = js(root, path)) == NULL)
		return (NULL);
	if (clk_parse(s, strlen(s), &t) == 0)
		return (xstrdup(clk_format(t, b)));
	return (xstrdup(s));
}

static const char *
sev_emoji(int rank)
{
	static const char *e[] = { ":white_circle:", ":large_blue_circle:",
	    ":large_yellow_circle:", ":red_circle:", ":rotating_light:" };

	return (rank >= 0 && rank <= 4 ? e[rank] : ":grey_question:");
}

/* --- escaping and limits ------------------------------------------------- */

/* Bytes of the character at s[0..n): a whole UTF-8 sequence, else one. */
static size_t
char_len(const char *s, size_t n)
{
	int	 r;

	if ((unsigned char)s[0] < 0x80 ||
	    (r = jtok_utf8_len((const unsigned char *)s, n)) <= 0)
		return (1);
	return ((size_t)r);
}

/* Append s (n bytes), escaped for mrkdwn if esc, in at most max bytes. */
static void
append_cut(struct buf *b, const char *s, size_t n, size_t max, int esc)
{
	size_t		 i, clen, need = 0, out = 0;
	const char	*rep;

	for (i = 0; i < n; i++)
		need += !esc ? 1 : s[i] == '&' ? 5 : (s[i] == '<' ||
		    s[i] == '>') ? 4 : 1;
	for (i = 0; i < n; i += clen) {
		/* text that is not UTF-8: a '<' after a lead byte is a '<' */
		clen = char_len(s + i, n - i);
		rep = NULL;
		if (esc && s[i] == '&')
			rep = "&amp;";
		else if (esc && s[i] == '<')
			rep = "&lt;";
		else if (esc && s[i] == '>')
			rep = "&gt;";
		if (need > max && out + (rep ? strlen(rep) : clen) + 3 > max) {
			if (max >= 3)
				buf_adds(b, ELLIPSIS);
			return;
		}
		if (rep != NULL) {
			buf_adds(b, rep);
			out += strlen(rep);
		} else {
			buf_add(b, s + i, clen);
			out += clen;
		}
	}
}

void
slack_escape(struct buf *b, const char *s, size_t n, size_t max)
{
	append_cut(b, s, n, max, 1);
}

/*
 * Append text that is mrkdwn already (a template's) in at most max bytes:
 * a cut never falls inside an entity or a <link|label>, which would leave
 * a bare '&' or '<' that Slack refuses.
 */
static void
append_mrkdwn(struct buf *b, const char *s, size_t n, size_t max)
{
	const char	*e;
	size_t		 i, tlen, out = 0;

	if (n <= max) {
		buf_add(b, s, n);
		return;
	}
	for (i = 0; i < n; i += tlen) {
		if (s[i] == '&' && (e = memchr(s + i, ';', n - i)) != NULL)
			tlen = e - (s + i) + 1;
		else if (s[i] == '<' && (e = memchr(s + i, '>', n - i)) != NULL)
			tlen = e - (s + i) + 1;
		else
			tlen = char_len(s + i, n - i);
		if (out + tlen + 3 > max) {
			if (max >= 3)
				buf_adds(b, ELLIPSIS);
			return;
		}
		buf_add(b, s + i, tlen);
		out += tlen;
	}
}

static void
esc(struct buf *b, const char *s, size_t max)
{
	if (s == NULL)
		s = "-";
	append_cut(b, s, strlen(s), max, 1);
}

/* Plain text (header, fallback is mrkdwn-escaped separately). */
static json_t *
plain(const char *s, size_t max)
{
	struct buf	 b;
	json_t		*o;
	size_t		 i;

	buf_init(&b);
	append_cut(&b, s, strlen(s), max, 0);
	for (i = 0; i < b.len; i++)	/* a header is one line */
		if (b.data[i] == '\n' || b.data[i] == '\r' ||
		    b.data[i] == '\t')
			b.data[i] = ' ';
	o = json_pack("{s:s, s:s, s:b}", "type", "plain_text", "text",
	    buf_cstr(&b), "emoji", 1);
	buf_free(&b);
	return (o);
}

static json_t *
mrkdwn_obj(struct buf *b)
{
	return (json_pack("{s:s, s:s}", "type", "mrkdwn", "text",
	    buf_cstr(b)));
}

static json_t *
section(struct buf *b)
{
	return (json_pack("{s:s, s:o}", "type", "section", "text",
	    mrkdwn_obj(b)));
}

static json_t *
header(const char *s)
{
	return (json_pack("{s:s, s:o}", "type", "header", "text",
	    plain(s, SLACK_MAX_HEADER)));
}

static json_t *
context(struct buf *b)
{
	return (json_pack("{s:s, s:[o]}", "type", "context", "elements",
	    mrkdwn_obj(b)));
}

/* A section field "*Name*\nvalue"; value is escaped; code: in backticks. */
static void
add_field(json_t *fields, const char *name, const char *value, int code)
{
	struct buf	 b;

	if (value == NULL || json_array_size(fields) >= SLACK_MAX_FIELDS)
		return;
	buf_init(&b);
	buf_addf(&b, "*%s*\n", name);
	if (code)
		buf_addc(&b, '`');
	esc(&b, value, SLACK_MAX_FIELD - b.len - 2);
	if (code)
		buf_addc(&b, '`');
	json_array_append_new(fields, mrkdwn_obj(&b));
	buf_free(&b);
}

static json_t *
fields_section(json_t *fields)
{
	return (json_pack("{s:s, s:o}", "type", "section", "fields", fields));
}

/* The payload: fallback text (escaped, short) and blocks. */
static json_t *
payload(struct buf *fallback, json_t *blocks)
{
	return (json_pack("{s:s, s:o}", "text", buf_cstr(fallback),
	    "blocks", blocks));
}

/* Percent-encode for a URL query or fragment (RFC 3986 unreserved kept). */
static void
urlenc(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			buf_addc(b, *s);
		else
			buf_addf(b, "%%%02X", (unsigned char)*s);
	}
}

/* "<url|label>" with the URL made safe for mrkdwn. */
static void
add_link(struct buf *b, const char *url, const char *label)
{
	const char	*p;

	buf_addc(b, '<');
	for (p = url; *p != '\0'; p++) {
		if (*p == '&')
			buf_adds(b, "&amp;");
		else if (*p == '<' || *p == '>' || *p == '|' || *p == ' ')
			buf_addf(b, "%%%02X", (unsigned char)*p);
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '|');
	esc(b, label, 200);
	buf_addc(b, '>');
}

/* --- classification: what finding.c says a record holds ------------------ */

static struct slack_item *
item_new(enum slack_kind kind, json_t *obj)
{
	struct slack_item	*it = xcalloc(1, sizeof(*it));

	it->kind = kind;
	it->obj = json_incref(obj);
	it->sevrank = -1;
	return (it);
}

void
slack_item_free(struct slack_item *it)
{
	int	 i;

	if (it == NULL)
		return;
	json_decref(it->obj);
	free(it->key);
	for (i = 0; i < SF_NFIELDS; i++)
		free(it->field[i]);
	free(it);
}

static void
push(struct slack_item ***items, size_t *n, struct slack_item *it)
{
	*items = xreallocarray(*items, *n + 1, sizeof(**items));
	(*items)[(*n)++] = it;
}

/* The Security Hub console's search for one finding by its exact Id
 * (the Id is encoded twice, as the console does). */
static char *
securityhub_link(const char *id, const char *region)
{
	struct buf	 b, once;
	char		*link;

	buf_init(&once);
	urlenc(&once, id);
	buf_init(&b);
	buf_addf(&b, "https://console.aws.amazon.com/securityhub/home"
	    "?region=%s#/findings?search=Id%%3D%%255Coperator"
	    "%%255C%%253AEQUALS%%255C%%253A", region);
	urlenc(&b, buf_cstr(&once));
	link = xstrdup(buf_cstr(&b));
	buf_free(&once);
	buf_free(&b);
	return (link);
}

/* The GuardDuty console's page of one finding (its short id). */
static char *
guardduty_link(const char *id, const char *region)
{
	struct buf	 b;
	char		*link;

	buf_init(&b);
	buf_addf(&b, "https://%s.console.aws.amazon.com/guardduty/home"
	    "?region=%s#/findings?macros=current&fId=", region, region);
	urlenc(&b, id);
	link = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return (link);
}

/* "Type id" of the finding's first resource, or whichever it gives. */
static char *
resource_dup(const struct finding *f)
{
	char	*type = finding_text_dup(&f->resource_type);
	char	*id = finding_text_dup(&f->resource_id);
	char	*s = NULL;

	if (type != NULL || id != NULL)
		xasprintf(&s, "%s%s%s", type ? type : "", type && id ? " " : "",
		    id ? id : "");
	free(type);
	free(id);
	return (s);
}

/* The console page of a finding: its own link, else one made from its id. */
static char *
console_link(const struct finding *f, char *const *F)
{
	char		*s, *gd;
	const char	*p;

	if ((s = finding_text_dup(&f->url)) != NULL || F[SF_ID] == NULL ||
	    F[SF_REGION] == NULL)
		return (s);
	if (f->shape == FINDING_GUARDDUTY) {
		if ((gd = finding_text_dup(&f->gd_id)) == NULL)
			return (NULL);
		s = guardduty_link(gd, F[SF_REGION]);
		free(gd);
		return (s);
	}
	/* an OCSF finding of GuardDuty's: its page there, by the short id */
	if (f->shape == FINDING_OCSF && strstr(F[SF_ID], ":guardduty:") !=
	    NULL && (p = strrchr(F[SF_ID], '/')) != NULL && p[1] != '\0')
		return (guardduty_link(p + 1, F[SF_REGION]));
	return (securityhub_link(F[SF_ID], F[SF_REGION]));
}

/* The finding's own JSON, decoded (what templates look into). */
static json_t *
finding_obj(const struct finding *f)
{
	struct jl_record	 rec;
	char			 reason[160];
	json_t			*v;

	memset(&rec, 0, sizeof(rec));
	rec.text = finding_json(f, &rec.len);
	rec.file = "finding";
	if ((v = jl_decode(&rec, reason, sizeof(reason))) == NULL)
		v = json_object();	/* the reader checked it: not reached */
	return (v);
}

struct classify {
	struct slack_item	***items;
	size_t			*n;
};

static int
on_finding(const struct finding *f, void *arg)
{
	struct classify		*c = arg;
	struct slack_item	*it;
	json_t			*obj = finding_obj(f);
	char			**F;

	it = item_new(SLACK_FINDING, obj);
	json_decref(obj);
	F = it->field;
	F[SF_TITLE] = finding_text_dup(&f->title);
	F[SF_SEVERITY] = finding_text_dup(&f->severity);
	F[SF_PRODUCT] = finding_product_dup(f);
	F[SF_TYPE] = finding_text_dup(&f->type);
	F[SF_ACCOUNT] = finding_text_dup(&f->account);
	F[SF_REGION] = finding_text_dup(&f->region);
	F[SF_RESOURCE] = resource_dup(f);
	F[SF_FIRST_SEEN] = finding_time_dup(&f->first_seen);
	F[SF_LAST_SEEN] = finding_time_dup(&f->last_seen);
	F[SF_ID] = finding_text_dup(&f->id);
	F[SF_UPDATED] = finding_text_dup(&f->updated);
	F[SF_LINK] = console_link(f, F);
	it->sevrank = finding_label_rank(F[SF_SEVERITY]);
	if (F[SF_ID] != NULL)
		xasprintf(&it->key, "finding\t%s\t%s", F[SF_ID],
		    F[SF_UPDATED] ? F[SF_UPDATED] : "");
	push(c->items, c->n, it);
	return (0);
}

static int
has_any(const json_t *o, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (json_object_get(o, *keys) != NULL)
			return (1);
	return (0);
}

static struct slack_item *
ip_item(json_t *rec)
{
	struct slack_item	*it = item_new(SLACK_IP, rec);
	json_t			*v;
	const char		*f;

	if (json_is_true(json_object_get(rec, "Unblocked")))
		it->outcome = SLACK_IP_UNBLOCKED;
	else if (json_is_boolean(v = json_object_get(rec, "Blocked")))
		it->outcome = json_is_true(v) ? SLACK_IP_BLOCKED :
		    SLACK_IP_NOT_BLOCKED;
	else if (json_is_boolean(v = json_object_get(rec, "NewIP")))
		it->outcome = json_is_true(v) ? SLACK_IP_NEW : SLACK_IP_SEEN;
	else
		it->outcome = SLACK_IP_LISTED;
	it->sevrank = finding_label_rank(js(rec, "Severity"));
	f = js(rec, "FindingId");
	xasprintf(&it->key, "ip\t%s\t%s\t%s\t%s\t%s", js(rec, "HostIp"),
	    slack_outcome_name(it->outcome), f ? f : "",
	    js(rec, "ObservedAt") ? js(rec, "ObservedAt") : "",
	    js(rec, "CreatedAt") ? js(rec, "CreatedAt") : "");
	return (it);
}

void
slack_classify_text(const char *text, size_t len, json_t *rec,
    struct slack_item ***items, size_t *n)
{
	static const char *nfw_keys[] = { "RuleGroup", "RuleGroupArn",
	    "RuleGroupName", NULL };
	static const char *nfw_counts[] = { "Added", "Removed", "Total",
	    "Changed", NULL };
	static const char *prune_keys[] = { "Pruned", "PrunedCount",
	    "RemovedCount", NULL };
	struct classify	 c = { items, n };
	size_t		 before = *n;

	if (finding_each(text, len, on_finding, &c, NULL) > 0)
		return;
	if (json_is_object(rec) && js(rec, "HostIp") != NULL)
		push(items, n, ip_item(rec));
	else if (json_is_object(rec) && has_any(rec, nfw_keys) &&
	    has_any(rec, nfw_counts))
		push(items, n, item_new(SLACK_NFW_SUMMARY, rec));
	else if (json_is_object(rec) && has_any(rec, prune_keys))
		push(items, n, item_new(SLACK_PRUNE_SUMMARY, rec));
	if (*n == before)
		push(items, n, item_new(SLACK_OTHER, rec));
}

void
slack_classify(json_t *rec, struct slack_item ***items, size_t *n)
{
	char	*text = json_dumps(rec, JSON_COMPACT | JSON_ENCODE_ANY);

	slack_classify_text(text ? text : "", text ? strlen(text) : 0, rec,
	    items, n);
	free(text);
}

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
	buf_addf(&fb, "%s ", sev_emoji(it->sevrank));
	esc(&fb, sev, 20);
	buf_addc(&fb, ' ');
	esc(&fb, F[SF_PRODUCT] ? F[SF_PRODUCT] : "Security Hub", 40);
	buf_adds(&fb, " finding: ");
	esc(&fb, title, SLACK_FALLBACK_LEN - 80);
	if (*where != '\0') {
		buf_adds(&fb, " (");
		esc(&fb, where, 60);
		buf_adds(&fb, ")");
	}

	buf_init(&hb);
	buf_addf(&hb, "%s %s: %s", sev_emoji(it->sevrank), sev, title);
	json_array_append_new(blocks, header(buf_cstr(&hb)));

	buf_reset(&hb);
	buf_addf(&hb, "%s %s", sev_emoji(it->sevrank), sev);
	add_field(fields, "Severity", buf_cstr(&hb), 0);
	add_field(fields, "Product", F[SF_PRODUCT], 0);
	add_field(fields, "Type", F[SF_TYPE], 1);
	add_field(fields, "Account", F[SF_ACCOUNT], 0);
	add_field(fields, "Region", F[SF_REGION], 0);
	add_field(fields, "Resource", F[SF_RESOURCE], 1);
	add_field(fields, "First seen", F[SF_FIRST_SEEN], 0);
	add_field(fields, "Last seen", F[SF_LAST_SEEN], 0);
	json_array_append_new(blocks, fields_section(fields));

	buf_init(&cb);
	/* only web links: a finding's own src_url of "!channel" would be a
	 * mention, and one that is no URL failed the payload check */
	/* (and not a link so long that, escaped, it overflows the block: a
	 * long finding Id made one and the alert was not posted) */
	if (F[SF_LINK] != NULL && strlen(F[SF_LINK]) <= 500 &&
	    (strncmp(F[SF_LINK], "https://", 8) == 0 ||
	    strncmp(F[SF_LINK], "http://", 7) == 0)) {
		add_link(&cb, F[SF_LINK], strstr(F[SF_LINK],
		    "/securityhub/") ? "Open in Security Hub" :
		    strstr(F[SF_LINK], "/guardduty/") ? "Open in GuardDuty" :
		    "Open in the console");
		if (F[SF_ID] != NULL)
			buf_adds(&cb, " | ");
	}
	if (F[SF_ID] != NULL) {
		buf_addc(&cb, '`');
		esc(&cb, F[SF_ID], cb.len + 10 < SLACK_MAX_SECTION ?
		    SLACK_MAX_SECTION - cb.len - 10 : 0);
		buf_addc(&cb, '`');
	}
	if (cb.len > 0)
		json_array_append_new(blocks, context(&cb));
	buf_free(&cb);
	buf_free(&hb);
	{
		json_t	*p = payload(&fb, blocks);

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
	const char	*ip = js(r, "HostIp"), *emoji, *verb, *type, *sev;
	const char	*reason;
	struct buf	 fb, sb, tmp;
	json_t		*blocks = json_array(), *fields = json_array(), *p;
	char		*since, *until, *last, *acct;

	verb = ip_verb(it->outcome, &emoji);
	type = js(r, "FindingType");
	sev = js(r, "Severity");
	reason = js(r, "Reason");
	buf_init(&fb);
	buf_addf(&fb, "%s %s ", emoji, verb);
	esc(&fb, ip, IP_LEN_GUARD);
	if (it->outcome == SLACK_IP_NOT_BLOCKED && reason != NULL) {
		buf_adds(&fb, ": ");
		esc(&fb, reason, 120);
	} else if (type != NULL || sev != NULL) {
		buf_adds(&fb, " (");
		esc(&fb, type ? type : sev, 120);
		if (type != NULL && sev != NULL) {
			/* the record's, so escaped (a '<' kept the message
			 * from being posted) */
			buf_adds(&fb, ", ");
			esc(&fb, sev, 40);
		}
		buf_adds(&fb, ")");
	}

	buf_init(&sb);
	buf_addf(&sb, "%s *%s* `", emoji, verb);
	esc(&sb, ip, IP_LEN_GUARD);
	buf_adds(&sb, "`");
	if (reason != NULL) {
		buf_adds(&sb, "\n*Reason:* ");
		esc(&sb, reason, 1000);
	}
	json_array_append_new(blocks, section(&sb));

	since = jtime(r, "CreatedAt");
	until = jtime(r, "ExpiresAt");
	last = jtime(r, "LastSeenAt");
	buf_init(&tmp);
	if (sev != NULL)
		buf_addf(&tmp, "%s %s", sev_emoji(it->sevrank), sev);
	add_field(fields, "Why", type, 1);
	add_field(fields, "Severity", sev ? buf_cstr(&tmp) : NULL, 0);
	acct = jdup(r, "AccountId");
	add_field(fields, "Account", acct, 0);
	add_field(fields, "Region", js(r, "Region"), 0);
	add_field(fields, it->outcome == SLACK_IP_UNBLOCKED ? "Blocked since" :
	    "Since", since, 0);
	if (it->outcome != SLACK_IP_UNBLOCKED)
		add_field(fields, "Until", until ? until :
		    it->outcome == SLACK_IP_NOT_BLOCKED ? NULL :
		    "pruned by age", 0);
	add_field(fields, "Last seen", last, 0);
	add_field(fields, "Direction", js(r, "Direction"), 0);
	if (json_array_size(fields) > 0)
		json_array_append_new(blocks, fields_section(fields));
	else
		json_decref(fields);
	if (js(r, "FindingId") != NULL) {
		buf_reset(&tmp);
		buf_adds(&tmp, "Finding `");
		esc(&tmp, js(r, "FindingId"), 1000);
		buf_adds(&tmp, "`");
		json_array_append_new(blocks, context(&tmp));
	}
	free(since);
	free(until);
	free(last);
	free(acct);
	buf_free(&tmp);
	buf_free(&sb);
	p = payload(&fb, blocks);
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
		return (jtext(v));
	buf_init(&b);
	buf_addf(&b, "%zu", json_array_size(v));
	json_array_foreach(v, i, e) {
		if (i == 10) {
			buf_addf(&b, ", and %zu more",
			    json_array_size(v) - 10);
			break;
		}
		s = jtext(e);	/* NULL for a null element: "Added":[null] */
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
		{ "OlderThan", "Older than" }, { "PrunedCount", "Pruned" },
		{ "RemovedCount", "Removed" }, { "By", "Age by" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(key, labels[i][0]) == 0)
			return (labels[i][1]);
	return (key);
}

/* ": 3 added, 0 removed, 41 blocked" after a summary's headline. */
static void
summary_counts(struct buf *b, const json_t *r, enum slack_kind kind)
{
	static const char *nfw[] = { "Added", "added", "Removed", "removed",
	    "Total", "blocked", NULL };
	static const char *prune[] = { "Pruned", "removed", "PrunedCount",
	    "removed", "RemovedCount", "removed", "Remaining", "remain",
	    NULL };
	const char	*const *p = kind == SLACK_NFW_SUMMARY ? nfw : prune;
	json_t		*v;
	int		 n = 0;

	for (; *p != NULL; p += 2) {
		if (!json_is_integer(v = json_object_get(r, p[0])))
			continue;
		buf_addf(b, "%s%lld %s", n++ ? ", " : ": ",
		    (long long)json_integer_value(v), p[1]);
	}
	if (js(r, "Error") != NULL) {
		buf_adds(b, n ? "; " : ": ");
		esc(b, js(r, "Error"), 200);
	}
}

/* Summaries: a headline and the record's own fields, in a fixed order. */
static json_t *
render_summary(const struct slack_item *it)
{
	static const char *nfw_fields[] = { "Mode", "Added", "Removed",
	    "Total", "Blocks", "CapacityUsed", "Capacity", "Changed",
	    "DryRun", "Error", NULL };
	static const char *prune_fields[] = { "Pruned", "PrunedCount",
	    "RemovedCount", "Removed", "Remaining", "OlderThan", "By",
	    "DryRun", "Store", NULL };
	const json_t	*r = it->obj;
	const char	*const *names;
	const char	*group, *emoji;
	struct buf	 fb, sb, hb;
	json_t		*blocks = json_array(), *fields = json_array(), *p;
	char		*v;
	int		 dry = json_is_true(json_object_get(r, "DryRun"));
	int		 err;

	buf_init(&hb);
	if (it->kind == SLACK_NFW_SUMMARY) {
		names = nfw_fields;
		if ((group = js(r, "RuleGroupName")) == NULL &&
		    (group = js(r, "RuleGroup")) == NULL)
			group = js(r, "RuleGroupArn");
		err = js(r, "Error") != NULL;
		emoji = err ? ":x:" : dry ? ":memo:" : ":shield:";
		/* An ARN is long: the name is its last segment. */
		if (group != NULL && strncmp(group, "arn:", 4) == 0 &&
		    strrchr(group, '/') != NULL)
			group = strrchr(group, '/') + 1;
		buf_adds(&hb, "Network Firewall rule group ");
		esc(&hb, group, 200);
		buf_adds(&hb, err ? ": update failed" : dry ?
		    ": plan (dry run)" :
		    json_is_false(json_object_get(r, "Changed")) ?
		    ": unchanged" : ": updated");
	} else {
		names = prune_fields;
		emoji = ":broom:";
		buf_adds(&hb, "Blocklist pruned");
		if (dry)
			buf_adds(&hb, " (dry run)");
	}
	buf_init(&fb);
	buf_addf(&fb, "%s %s", emoji, buf_cstr(&hb));
	summary_counts(&fb, r, it->kind);
	buf_init(&sb);
	buf_addf(&sb, "%s *%s*", emoji, buf_cstr(&hb));
	buf_free(&hb);
	json_array_append_new(blocks, section(&sb));
	for (; *names != NULL; names++) {
		v = summary_value(json_object_get(r, *names));
		add_field(fields, summary_label(*names), v, 0);
		free(v);
	}
	if (json_array_size(fields) > 0)
		json_array_append_new(blocks, fields_section(fields));
	else
		json_decref(fields);
	buf_free(&sb);
	p = payload(&fb, blocks);
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
	esc(&fb, s, SLACK_FALLBACK_LEN - 30);
	free(s);
	buf_init(&sb);
	code_block(&sb, it->obj, SLACK_MAX_SECTION);
	json_array_append_new(blocks, section(&sb));
	buf_free(&sb);
	p = payload(&fb, blocks);
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
		append_mrkdwn(&fb, f, strcspn(f, "\r\n"), SLACK_FALLBACK_LEN);
		buf_init(&sb);
		append_mrkdwn(&sb, s, strlen(s), SLACK_MAX_SECTION);
		blocks = json_array();
		json_array_append_new(blocks, section(&sb));
		p = payload(&fb, blocks);
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
		buf_addf(b, "%s %s `", sev_emoji(it->sevrank),
		    F[SF_SEVERITY] ? F[SF_SEVERITY] : "UNKNOWN");
		esc(b, F[SF_TYPE], 120);
		buf_adds(b, "` ");
		esc(b, F[SF_TITLE], 160);
		if (F[SF_ACCOUNT] != NULL || F[SF_REGION] != NULL) {
			buf_adds(b, " (");
			esc(b, F[SF_ACCOUNT], 20);
			buf_adds(b, ", ");
			esc(b, F[SF_REGION], 30);
			buf_adds(b, ")");
		}
		break;
	case SLACK_IP:
		buf_adds(b, "`");
		esc(b, js(r, "HostIp"), IP_LEN_GUARD);
		buf_adds(b, "`");
		if (it->outcome == SLACK_IP_NOT_BLOCKED &&
		    (s = js(r, "Reason")) != NULL) {
			buf_adds(b, " ");
			esc(b, s, 160);
		} else if ((s = js(r, "FindingType")) != NULL) {
			buf_adds(b, " ");
			esc(b, s, 120);
			if ((s = js(r, "Severity")) != NULL) {
				buf_adds(b, ", ");
				esc(b, s, 20);
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
		emoji = sev_emoji(top);
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
			esc(&fb, js(sorted[i]->obj, "HostIp"), IP_LEN_GUARD);
		}
		if (n > 3)
			buf_addf(&fb, ", and %zu more", n - 3);
	}

	buf_init(&line);
	buf_addf(&line, "%s %s", emoji, buf_cstr(&title));
	json_array_append_new(blocks, header(buf_cstr(&line)));
	if (items[0]->kind == SLACK_FINDING) {
		buf_reset(&line);
		severity_counts(&line, items, n);
		json_array_append_new(blocks, section(&line));
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
	json_array_append_new(blocks, section(&sb));

	buf_free(&sb);
	buf_free(&line);
	buf_free(&title);
	free(sorted);
	p = payload(&fb, blocks);
	buf_free(&fb);
	return (p);
}

/* --- grouping ------------------------------------------------------------ */

static int
group_of(const struct slack_item *it)
{
	if (it->kind == SLACK_IP)
		return (SLACK_NKINDS + it->outcome);
	return (it->kind);
}

static void
msg_add(struct slack_msg **out, size_t *nout, json_t *payload,
    struct slack_item *const *items, size_t n)
{
	struct slack_msg	*m;

	*out = xreallocarray(*out, *nout + 1, sizeof(**out));
	m = &(*out)[(*nout)++];
	m->payload = payload;
	m->items = xreallocarray(NULL, n, sizeof(*m->items));
	memcpy(m->items, items, n * sizeof(*m->items));
	m->nitems = n;
}

size_t
slack_group(struct slack_item *const *items, size_t n, size_t digest_after,
    struct slack_template *const *tpls, struct slack_msg **out)
{
	enum { NGROUPS = SLACK_NKINDS + SLACK_IP_NOUTCOMES };
	size_t			 count[NGROUPS] = { 0 }, first[NGROUPS];
	size_t			 i, j, nout = 0, ng;
	int			 order[NGROUPS], g, k, norder = 0;
	struct slack_item	**members;
	enum slack_kind		 kind;

	*out = NULL;
	for (i = 0; i < n; i++) {
		g = group_of(items[i]);
		if (count[g]++ == 0) {
			first[g] = i;
			order[norder++] = g;
		}
	}
	members = xreallocarray(NULL, n ? n : 1, sizeof(*members));
	for (k = 0; k < norder; k++) {
		g = order[k];
		for (ng = 0, j = first[g]; j < n; j++)
			if (group_of(items[j]) == g)
				members[ng++] = items[j];
		kind = members[0]->kind;
		if (ng > digest_after && kind != SLACK_NFW_SUMMARY &&
		    kind != SLACK_PRUNE_SUMMARY)
			msg_add(out, &nout, slack_render_digest(members, ng),
			    members, ng);
		else
			for (j = 0; j < ng; j++)
				msg_add(out, &nout, slack_render(members[j],
				    tpls ? tpls[kind] : NULL), &members[j], 1);
	}
	free(members);
	return (nout);
}

void
slack_msgs_free(struct slack_msg *m, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		json_decref(m[i].payload);
		free(m[i].items);
	}
	free(m);
}

/* --- checking a payload against Slack's limits ---------------------------- */

static size_t
chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

/* mrkdwn: every &, < and > must be escaped, except in <link|label>. */
static int
check_mrkdwn(const char *s, char **cause, const char *where)
{
	const char	*p, *e;

	for (p = s; *p != '\0'; p++) {
		if (*p == '&' && strncmp(p, "&amp;", 5) != 0 &&
		    strncmp(p, "&lt;", 4) != 0 && strncmp(p, "&gt;", 4) != 0) {
			xasprintf(cause, "%s: unescaped '&'", where);
			return (-1);
		}
		if (*p == '>') {
			xasprintf(cause, "%s: unescaped '>'", where);
			return (-1);
		}
		if (*p == '<') {
			if ((strncmp(p + 1, "http", 4) != 0 && p[1] != '!' &&
			    p[1] != '@' && p[1] != '#') ||
			    (e = strchr(p, '>')) == NULL ||
			    memchr(p + 1, '<', e - p - 1) != NULL) {
				xasprintf(cause, "%s: unescaped '<'", where);
				return (-1);
			}
			p = e;
		}
	}
	return (0);
}

static int
check_text(const json_t *t, size_t max, char **cause, const char *where)
{
	const char	*type = js(t, "type"), *s = js(t, "text");

	if (type == NULL || s == NULL) {
		xasprintf(cause, "%s: text object without type or text",
		    where);
		return (-1);
	}
	if (chars(s) > max) {
		xasprintf(cause, "%s: %zu characters, more than %zu", where,
		    chars(s), max);
		return (-1);
	}
	if (strcmp(type, "mrkdwn") == 0)
		return (check_mrkdwn(s, cause, where));
	return (0);
}

int
slack_payload_check(const json_t *p, char **cause)
{
	json_t		*blocks, *b, *f;
	const char	*text, *type;
	size_t		 i, j;
	char		 where[64];

	*cause = NULL;
	if ((text = js(p, "text")) == NULL) {
		xasprintf(cause, "no text fallback");
		return (-1);
	}
	if (chars(text) > SLACK_MAX_TEXT) {
		xasprintf(cause, "text: more than %d characters",
		    SLACK_MAX_TEXT);
		return (-1);
	}
	if (check_mrkdwn(text, cause, "text") == -1)
		return (-1);
	if ((blocks = json_object_get(p, "blocks")) == NULL)
		return (0);
	if (!json_is_array(blocks) || json_array_size(blocks) >
	    SLACK_MAX_BLOCKS || json_array_size(blocks) == 0) {
		xasprintf(cause, "blocks: not an array of 1 to %d blocks",
		    SLACK_MAX_BLOCKS);
		return (-1);
	}
	json_array_foreach(blocks, i, b) {
		snprintf(where, sizeof(where), "blocks[%zu]", i);
		if ((type = js(b, "type")) == NULL) {
			xasprintf(cause, "%s: no type", where);
			return (-1);
		}
		if (strcmp(type, "header") == 0) {
			if (check_text(json_object_get(b, "text"),
			    SLACK_MAX_HEADER, cause, where) == -1)
				return (-1);
			if (strcmp(js(b, "text.type"), "plain_text") != 0) {
				xasprintf(cause, "%s: header not plain_text",
				    where);
				return (-1);
			}
		} else if (strcmp(type, "section") == 0) {
			f = json_object_get(b, "fields");
			if (json_object_get(b, "text") == NULL && f == NULL) {
				xasprintf(cause, "%s: empty section", where);
				return (-1);
			}
			if (json_object_get(b, "text") != NULL &&
			    check_text(json_object_get(b, "text"),
			    SLACK_MAX_SECTION, cause, where) == -1)
				return (-1);
			if (f != NULL && (!json_is_array(f) ||
			    json_array_size(f) > SLACK_MAX_FIELDS ||
			    json_array_size(f) == 0)) {
				xasprintf(cause, "%s: 1 to %d fields", where,
				    SLACK_MAX_FIELDS);
				return (-1);
			}
			for (j = 0; j < json_array_size(f); j++)
				if (check_text(json_array_get(f, j),
				    SLACK_MAX_FIELD, cause, where) == -1)
					return (-1);
		} else if (strcmp(type, "context") == 0) {
			f = json_object_get(b, "elements");
			if (!json_is_array(f) || json_array_size(f) == 0 ||
			    json_array_size(f) > SLACK_MAX_CONTEXT) {
				xasprintf(cause, "%s: 1 to %d elements", where,
				    SLACK_MAX_CONTEXT);
				return (-1);
			}
			for (j = 0; j < json_array_size(f); j++)
				if (check_text(json_array_get(f, j),
				    SLACK_MAX_SECTION, cause, where) == -1)
					return (-1);
		} else if (strcmp(type, "divider") != 0) {
			xasprintf(cause, "%s: unexpected block type", where);
			return (-1);
		}
	}
	return (0);
}

/* --- templates ------------------------------------------------------------ */

struct slack_template {
	enum slack_kind	 kind;
	char		*body;
};

/*
 * A template line's own text must be mrkdwn that Slack takes: '&', '<' and
 * '>' escaped but in links. A value from the record is escaped when it is
 * put in, but a default is put in as it is: each {{path|text}} is checked
 * as "v" + text + "v", so that both must pass, and so that a link whose
 * address starts with a value is refused too (the value could be
 * "!channel", which escaping leaves alone).
 */
static int
tpl_literal_check(const char *line, char **why)
{
	struct buf	 b;
	const char	*p = line, *open, *close, *bar;
	char		*cause = NULL;
	int		 rc;

	buf_init(&b);
	while ((open = strstr(p, "{{")) != NULL &&
	    (close = strstr(open + 2, "}}")) != NULL) {
		buf_add(&b, p, open - p);
		buf_addc(&b, 'v');
		if ((bar = memchr(open + 2, '|', close - open - 2)) != NULL)
			buf_add(&b, bar + 1, close - bar - 1);
		buf_addc(&b, 'v');
		p = close + 2;
	}
	buf_add(&b, p, strcspn(p, "\r\n"));
	rc = check_mrkdwn(buf_cstr(&b), &cause, "text");
	buf_free(&b);
	if (rc == -1) {
		xasprintf(why, "%s (write &amp; &lt; &gt; for & < >; a "
		    "link is <https://...|label>)", cause);
		free(cause);
	}
	return (rc);
}

struct slack_template *
slack_template_load(const char *path, char **cause)
{
	FILE			*fp;
	struct buf		 b;
	char			*line = NULL, *p, *why;
	size_t			 cap = 0;
	ssize_t			 len;
	unsigned long		 lineno = 0;
	int			 kind = -1;
	struct slack_template	*t;

	*cause = NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	buf_init(&b);
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (kind == -1) {
			if (line[0] == '#' || strspn(line, " \t\r\n") ==
			    (size_t)len)
				continue;
			line[strcspn(line, "\r\n")] = '\0';
			if (strncmp(line, "kind:", 5) != 0) {
				xasprintf(cause, "%s:%lu: \"kind: KIND\" "
				    "expected", path, lineno);
				break;
			}
			p = line + 5 + strspn(line + 5, " \t");
			p[strcspn(p, " \t")] = '\0';
			if ((kind = slack_kind_parse(p)) == -1) {
				xasprintf(cause, "%s:%lu: unknown kind \"%s\"",
				    path, lineno, p);
				break;
			}
			continue;
		}
		if (tpl_literal_check(line, &why) == -1) {
			xasprintf(cause, "%s:%lu: %s", path, lineno, why);
			free(why);
			break;
		}
		buf_add(&b, line, len);
	}
	free(line);
	if (*cause == NULL && ferror(fp))
		xasprintf(cause, "%s: %s", path, strerror(errno));
	fclose(fp);
	if (*cause == NULL && kind == -1)
		xasprintf(cause, "%s: no \"kind:\" line", path);
	while (*cause == NULL && b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r'))
		b.len--;
	if (*cause == NULL && b.len == 0)
		xasprintf(cause, "%s: empty template", path);
	if (*cause != NULL) {
		buf_free(&b);
		return (NULL);
	}
	t = xcalloc(1, sizeof(*t));
	t->kind = kind;
	t->body = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return (t);
}

enum slack_kind
slack_template_kind(const struct slack_template *t)
{
	return (t->kind);
}

void
slack_template_free(struct slack_template *t)
{
	if (t == NULL)
		return;
	free(t->body);
	free(t);
}

char *
slack_template_expand(const struct slack_template *t, const json_t *obj)
{
	struct buf	 b;
	const char	*p = t->body, *open, *close, *bar;
	char		*v;
	size_t		 plen;

	buf_init(&b);
	while ((open = strstr(p, "{{")) != NULL &&
	    (close = strstr(open + 2, "}}")) != NULL) {
		buf_add(&b, p, open - p);
		open += 2;
		bar = memchr(open, '|', close - open);
		plen = (bar ? bar : close) - open;
		v = jtext(slack_path(obj, open, plen));
		if (v != NULL)
			slack_escape(&b, v, strlen(v), SLACK_MAX_FIELD);
		else if (bar != NULL)
			buf_add(&b, bar + 1, close - bar - 1);
		free(v);
		p = close + 2;
	}
	buf_adds(&b, p);
	v = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return (v);
}
