/*
 * fuzz-slack.c: Slack rendering (lib/slack): any record, sorted into items
 * as slack-notify sorts it (finding.c judging what is a finding)
 * and grouped into messages with digests, renders into payloads within
 * Slack's limits (slack_payload_check); slack_escape leaves no raw '<' or
 * '>', only the three entities after '&', and stays within its budget.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "jl.h"
#include "slack.h"
#include "util.h"

static void
check_escape(const char *s, size_t len, size_t max)
{
	struct buf	 b;

	buf_init(&b);
	slack_escape(&b, s, len, max);
	buf_cstr(&b);
	/* the cut mark "…" may come on top of the budget */
	CHECK(b.len <= max + 3, "escaped %zu bytes, budget %zu", b.len, max);
	for (size_t k = 0; k < b.len; k++) {
		CHECK(b.data[k] != '<' && b.data[k] != '>', "raw %c",
		    b.data[k]);
		if (b.data[k] == '&')
			CHECK(strncmp(b.data + k, "&amp;", 5) == 0 ||
			    strncmp(b.data + k, "&lt;", 4) == 0 ||
			    strncmp(b.data + k, "&gt;", 4) == 0,
			    "bare &: %.8s", b.data + k);
	}
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct jl_record	 rec;
	struct slack_item	**items = NULL;
	struct slack_msg	*msgs = NULL;
	size_t			 n = 0, nmsgs;
	char			 reason[160], *cause;
	json_t			*v;

	check_escape((const char *)data, len, len % 64 + 1);
	if (jl_validate((const char *)data, len, NULL, 0, NULL) != len)
		return 0;
	rec.text = (const char *)data;
	rec.len = len;
	rec.file = "fuzz";
	rec.line = 1;
	if ((v = jl_decode(&rec, reason, sizeof reason)) == NULL)
		return 0;
	/* as slack-notify sorts a record: its text and its value */
	slack_classify_text(rec.text, rec.len, v, &items, &n);
	CHECK(n >= 1, "no item for a record");
	nmsgs = slack_group(items, n, 1 + len % 4, NULL, &msgs);
	CHECK(nmsgs >= 1, "no message for %zu items", n);
	for (size_t k = 0; k < nmsgs; k++) {
		cause = NULL;
		CHECK(slack_payload_check(msgs[k].payload, &cause) == 0,
		    "payload beyond Slack's limits: %s", cause);
	}
	slack_msgs_free(msgs, nmsgs);
	for (size_t k = 0; k < n; k++)
		slack_item_free(items[k]);
	free(items);
	json_decref(v);
	return 0;
}
