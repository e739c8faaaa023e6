/*
 * slack_tpl.c: the check of a payload against Slack's limits (what
 * slack-notify never posts without), and --template: loading (a template's
 * own text must pass the mrkdwn rule) and expansion over a record.
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

/* --- checking a payload against Slack's limits ---------------------------- */

static int
check_text(const json_t *t, size_t max, char **cause, const char *where)
{
	const char	*type = slack_js(t, "type"), *s = slack_js(t, "text");

	if (type == NULL || s == NULL) {
		xasprintf(cause, "%s: text object without type or text",
		    where);
		return (-1);
	}
	if (slack_chars(s) > max) {
		xasprintf(cause, "%s: %zu characters, more than %zu", where,
		    slack_chars(s), max);
		return (-1);
	}
	if (strcmp(type, "mrkdwn") == 0)
		return (slack_check_mrkdwn(s, cause, where));
	return (0);
}

/* Every text object of an array (NULL: none). */
static int
check_texts(const json_t *a, size_t max, char **cause, const char *where)
{
	size_t	 j;

	for (j = 0; j < json_array_size(a); j++)
		if (check_text(json_array_get(a, j), max, cause, where) == -1)
			return (-1);
	return (0);
}

int
slack_payload_check(const json_t *p, char **cause)
{
	json_t		*blocks, *b, *f;
	const char	*text, *type;
	size_t		 i;
	char		 where[64];

	*cause = NULL;
	if ((text = slack_js(p, "text")) == NULL) {
		xasprintf(cause, "no text fallback");
		return (-1);
	}
	if (slack_chars(text) > SLACK_MAX_TEXT) {
		xasprintf(cause, "text: more than %d characters",
		    SLACK_MAX_TEXT);
		return (-1);
	}
	if (slack_check_mrkdwn(text, cause, "text") == -1)
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
		if ((type = slack_js(b, "type")) == NULL) {
			xasprintf(cause, "%s: no type", where);
			return (-1);
		}
		if (strcmp(type, "header") == 0) {
			if (check_text(json_object_get(b, "text"),
			    SLACK_MAX_HEADER, cause, where) == -1)
				return (-1);
			if (strcmp(slack_js(b, "text.type"),
			    "plain_text") != 0) {
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
			if (check_texts(f, SLACK_MAX_FIELD, cause, where) == -1)
				return (-1);
		} else if (strcmp(type, "context") == 0) {
			f = json_object_get(b, "elements");
			if (!json_is_array(f) || json_array_size(f) == 0 ||
			    json_array_size(f) > SLACK_MAX_CONTEXT) {
				xasprintf(cause, "%s: 1 to %d elements", where,
				    SLACK_MAX_CONTEXT);
				return (-1);
			}
			if (check_texts(f, SLACK_MAX_SECTION, cause, where) ==
			    -1)
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
	rc = slack_check_mrkdwn(buf_cstr(&b), &cause, "text");
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
		v = slack_jtext(slack_path(obj, open, plen));
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
