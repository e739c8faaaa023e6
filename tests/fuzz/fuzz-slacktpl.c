/*
 * fuzz-slacktpl.c: slack-notify --template (lib/slack.c). The input is a
 * template file, a NUL byte, then a record. Any file either loads or is
 * refused with a reason; a loaded template, expanded over any record and
 * rendered, gives a payload within Slack's limits (slack_payload_check),
 * so an operator's template can never keep an alert out of Slack.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"
#include "jl.h"
#include "slack.h"
#include "util.h"

static char	*path;	/* the template, rewritten for each input */

static void
cleanup(void)
{
	if (path != NULL)
		unlink(path);
}

static void
write_template(const uint8_t *data, size_t len)
{
	FILE	*f;

	if (path == NULL) {
		const char	*tmp = getenv("TMPDIR");
		int		 fd;

		if (tmp == NULL || *tmp == '\0')
			tmp = "/tmp";
		xasprintf(&path, "%s/fuzz-slacktpl.XXXXXX", tmp);
		CHECK((fd = mkstemp(path)) != -1, "mkstemp %s", path);
		close(fd);
		atexit(cleanup);
	}
	CHECK((f = fopen(path, "wb")) != NULL, "open %s", path);
	CHECK(fwrite(data, 1, len, f) == len, "write %s", path);
	CHECK(fclose(f) == 0, "close %s", path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct slack_template	*tpl, *tpls[SLACK_NKINDS];
	struct slack_item	**items = NULL;
	struct slack_msg	*msgs = NULL;
	struct jl_record	 rec;
	const uint8_t		*nul;
	size_t			 tlen, n = 0, nmsgs, k;
	char			 reason[160], *cause = NULL, *s;
	json_t			*v, *p;

	nul = memchr(data, '\0', len);
	tlen = nul != NULL ? (size_t)(nul - data) : len;
	write_template(data, tlen);
	tpl = slack_template_load(path, &cause);
	CHECK((tpl == NULL) == (cause != NULL), "loaded %p, reason %s",
	    (void *)tpl, cause ? cause : "none");
	if (tpl == NULL) {
		CHECK(*cause != '\0', "an empty reason");
		free(cause);
		return 0;
	}
	if (nul == NULL) {
		slack_template_free(tpl);
		return 0;
	}
	rec.text = (const char *)nul + 1;
	rec.len = len - tlen - 1;
	rec.file = "fuzz";
	rec.line = 1;
	if (jl_validate(rec.text, rec.len, NULL, 0, NULL) != rec.len ||
	    (v = jl_decode(&rec, reason, sizeof reason)) == NULL) {
		slack_template_free(tpl);
		return 0;
	}

	/* the template over the whole record, whatever its kind */
	s = slack_template_expand(tpl, v);
	CHECK(s != NULL, "no expansion");
	free(s);

	/* and as slack-notify uses it: for the items of its kind */
	memset(tpls, 0, sizeof tpls);
	tpls[slack_template_kind(tpl)] = tpl;
	slack_classify_text(rec.text, rec.len, v, &items, &n);
	for (k = 0; k < n; k++) {
		p = slack_render(items[k], tpl);
		cause = NULL;
		CHECK(slack_payload_check(p, &cause) == 0,
		    "templated payload beyond Slack's limits: %s", cause);
		json_decref(p);
	}
	nmsgs = slack_group(items, n, 1 + len % 4, tpls, &msgs);
	for (k = 0; k < nmsgs; k++) {
		cause = NULL;
		CHECK(slack_payload_check(msgs[k].payload, &cause) == 0,
		    "payload beyond Slack's limits: %s", cause);
	}
	slack_msgs_free(msgs, nmsgs);
	for (k = 0; k < n; k++)
		slack_item_free(items[k]);
	free(items);
	json_decref(v);
	slack_template_free(tpl);
	return 0;
}
