/*
 * slack_text.c: the text layer of slack-notify's messages: fields looked
 * up in records, text escaped and cut for mrkdwn within Slack's limits
 * (never inside a character, an entity or a link), the Block Kit pieces
 * every message is made of, console links, and the rule Slack holds
 * mrkdwn to.
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

/* --- kinds and outcomes, by name ----------------------------------------- */

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
	static const char *names[SLACK_IP_NOUTCOMES] = { "new", "seen",
	    "blocked", "not-blocked", "unblocked", "listed" };

	return ((unsigned)o < SLACK_IP_NOUTCOMES ? names[o] : "?");
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
slack_jp(const json_t *root, const char *path)
{
	return (slack_path(root, path, strlen(path)));
}

/* A string at path, or NULL (empty strings count as absent). */
const char *
slack_js(const json_t *root, const char *path)
{
	json_t		*v = slack_jp(root, path);
	const char	*s;

	if (!json_is_string(v))
		return (NULL);
	s = json_string_value(v);
	return (*s != '\0' ? s : NULL);
}

/* A scalar at path as a new string, or NULL. */
char *
slack_jdup(const json_t *root, const char *path)
{
	json_t	*v = slack_jp(root, path);
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
char *
slack_jtext(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return (NULL);
	if (json_is_string(v))
		return (xstrdup(json_string_value(v)));
	return (json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
}

/* A time as RFC 3339 UTC when it parses (strings or epoch ms), else as is. */
char *
slack_jtime(const json_t *root, const char *path)
{
	json_t		*v = slack_jp(root, path);
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
	if ((s = slack_js(root, path)) == NULL)
		return (NULL);
	if (clk_parse(s, strlen(s), &t) == 0)
		return (xstrdup(clk_format(t, b)));
	return (xstrdup(s));
}

const char *
slack_sev_emoji(int rank)
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
	    (r = utf8_seq_len((const unsigned char *)s, n)) <= 0)
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
void
slack_append_mrkdwn(struct buf *b, const char *s, size_t n, size_t max)
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

void
slack_esc(struct buf *b, const char *s, size_t max)
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

json_t *
slack_section(struct buf *b)
{
	return (json_pack("{s:s, s:o}", "type", "section", "text",
	    mrkdwn_obj(b)));
}

json_t *
slack_header(const char *s)
{
	return (json_pack("{s:s, s:o}", "type", "header", "text",
	    plain(s, SLACK_MAX_HEADER)));
}

json_t *
slack_context(struct buf *b)
{
	return (json_pack("{s:s, s:[o]}", "type", "context", "elements",
	    mrkdwn_obj(b)));
}

/* A section field "*Name*\nvalue"; value is escaped; code: in backticks. */
void
slack_add_field(json_t *fields, const char *name, const char *value, int code)
{
	struct buf	 b;

	if (value == NULL || json_array_size(fields) >= SLACK_MAX_FIELDS)
		return;
	buf_init(&b);
	buf_addf(&b, "*%s*\n", name);
	if (code)
		buf_addc(&b, '`');
	slack_esc(&b, value, SLACK_MAX_FIELD - b.len - 2);
	if (code)
		buf_addc(&b, '`');
	json_array_append_new(fields, mrkdwn_obj(&b));
	buf_free(&b);
}

json_t *
slack_fields_section(json_t *fields)
{
	return (json_pack("{s:s, s:o}", "type", "section", "fields", fields));
}

/* The payload: fallback text (escaped, short) and blocks. */
json_t *
slack_payload(struct buf *fallback, json_t *blocks)
{
	return (json_pack("{s:s, s:o}", "text", buf_cstr(fallback),
	    "blocks", blocks));
}

/* Percent-encode for a URL query or fragment (RFC 3986 unreserved kept). */
static void
slack_urlenc(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			buf_addc(b, *s);
		else
			buf_addf(b, "%%%02X", (unsigned char)*s);
	}
}

/* "<url|label>" with the URL made safe for mrkdwn. */
void
slack_add_link(struct buf *b, const char *url, const char *label)
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
	slack_esc(b, label, 200);
	buf_addc(b, '>');
}

/* --- links ---------------------------------------------------------------- */

/* The Security Hub console's search for one finding by its exact Id
 * (the Id is encoded twice, as the console does). */
char *
slack_securityhub_link(const char *id, const char *region)
{
	struct buf	 b, once;
	char		*link;

	buf_init(&once);
	slack_urlenc(&once, id);
	buf_init(&b);
	buf_addf(&b, "https://console.aws.amazon.com/securityhub/home"
	    "?region=%s#/findings?search=Id%%3D%%255Coperator"
	    "%%255C%%253AEQUALS%%255C%%253A", region);
	slack_urlenc(&b, buf_cstr(&once));
	link = xstrdup(buf_cstr(&b));
	buf_free(&once);
	buf_free(&b);
	return (link);
}

/* The GuardDuty console's page of one finding (its short id). */
char *
slack_guardduty_link(const char *id, const char *region)
{
	struct buf	 b;
	char		*link;

	buf_init(&b);
	buf_addf(&b, "https://%s.console.aws.amazon.com/guardduty/home"
	    "?region=%s#/findings?macros=current&fId=", region, region);
	slack_urlenc(&b, id);
	link = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return (link);
}

/* --- mrkdwn that Slack takes ---------------------------------------------- */

size_t
slack_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

/* mrkdwn: every &, < and > must be escaped, except in <link|label>. */
int
slack_check_mrkdwn(const char *s, char **cause, const char *where)
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

