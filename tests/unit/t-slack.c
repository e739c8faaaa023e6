/* t-slack.c: lib/slack: escaping and cutting, classification, Slack's
 * limits on pathological records, digests, webhook names, dedupe state. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "slack.h"
#include "tap.h"
#include "util.h"

static char *
escaped(const char *s, size_t max)
{
	struct buf	 b;
	char		*r;

	buf_init(&b);
	slack_escape(&b, s, strlen(s), max);
	r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

static void
test_escape(void)
{
	char	*s;

	is_str(s = escaped("a & <b> c", 100), "a &amp; &lt;b&gt; c",
	    "&, <, > escaped");
	free(s);
	is_str(s = escaped("abcdefghij", 10), "abcdefghij", "fits exactly");
	free(s);
	is_str(s = escaped("abcdefghijk", 10), "abcdefg\xe2\x80\xa6",
	    "cut with an ellipsis, within max bytes");
	free(s);
	/* Never cut an entity or a UTF-8 sequence in half. */
	is_str(s = escaped("aaaaa&bbbbbbbb", 10), "aaaaa\xe2\x80\xa6",
	    "an entity that does not fit is left out whole");
	free(s);
	is_str(s = escaped("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8),
	    "\xc3\xa9\xc3\xa9\xe2\x80\xa6", "cut on a character boundary");
	free(s);
}

static struct slack_item **
classify(const char *text, size_t *n)
{
	struct slack_item	**items = NULL;
	json_t			*v = json_loads(text, 0, NULL);

	*n = 0;
	slack_classify(v, &items, n);
	json_decref(v);
	return items;
}

static void
free_items(struct slack_item **items, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		slack_item_free(items[i]);
	free(items);
}

/* A finding's value: the record's own, or its text's if they differ. */
static void
test_classify_value(void)
{
	static const char one[] = "{\"Findings\":[7,{\"Id\":\"a\","
	    "\"AwsAccountId\":\"1\",\"Title\":\"first\"}]}";
	static const char two[] = "{\"Findings\":[{\"Id\":\"a\","
	    "\"AwsAccountId\":\"1\",\"Title\":\"first\"}],"
	    "\"Findings\":[{\"Id\":\"b\",\"AwsAccountId\":\"1\"}]}";
	struct slack_item	**it = NULL;
	size_t			 n = 0;
	json_t			*v = json_loads(one, 0, NULL), *want;

	slack_classify_text(one, strlen(one), v, &it, &n);
	ok(n == 1 && it[0]->obj == json_array_get(json_object_get(v,
	    "Findings"), 1), "the finding is the record's value, not a copy");
	json_decref(v);
	free_items(it, n);
	/* jansson keeps the last "Findings", the walk the first */
	it = NULL;
	n = 0;
	v = json_loads(two, 0, NULL);
	want = json_pack("{s:s,s:s,s:s}", "Id", "a", "AwsAccountId", "1",
	    "Title", "first");
	slack_classify_text(two, strlen(two), v, &it, &n);
	ok(n == 1 && strcmp(it[0]->field[SF_ID], "a") == 0 &&
	    json_equal(it[0]->obj, want),
	    "a key given twice: the value decoded from the finding's text");
	json_decref(want);
	json_decref(v);
	free_items(it, n);
}

static void
test_classify(void)
{
	struct slack_item	**it;
	size_t			 n;

	it = classify("{\"detail-type\":\"Security Hub Findings - Imported\","
	    "\"region\":\"us-east-1\",\"detail\":{\"findings\":["
	    "{\"SchemaVersion\":\"2018-10-08\",\"Id\":\"a\",\"UpdatedAt\":"
	    "\"2026-01-01T00:00:00Z\",\"Severity\":{\"Normalized\":75}},"
	    "{\"SchemaVersion\":\"2018-10-08\",\"Id\":\"b\"}]}}", &n);
	is_int(n, 2, "an event with two findings gives two items");
	is_int(it[0]->kind, SLACK_FINDING, "they are findings");
	is_str(it[0]->field[SF_SEVERITY], "HIGH",
	    "severity from Normalized when there is no Label");
	is_str(it[0]->field[SF_REGION], "us-east-1",
	    "region from the event when the finding has none");
	is_str(it[0]->key, "finding\ta\t2026-01-01T00:00:00Z",
	    "dedupe key: Id and UpdatedAt");
	free_items(it, n);

	it = classify("{\"Findings\":[{\"schemaVersion\":\"2.0\",\"type\":"
	    "\"Recon:EC2/PortProbeUnprotectedPort\",\"id\":\"f1\",\"arn\":"
	    "\"arn:f1\",\"severity\":9.2,\"region\":\"eu-west-1\"}]}", &n);
	is_int(n, 1, "guardduty get-findings: one item");
	is_str(it[0]->field[SF_SEVERITY], "CRITICAL",
	    "GuardDuty severity 9.2 is CRITICAL");
	is_str(it[0]->field[SF_ID], "arn:f1", "native id is the ARN");
	free_items(it, n);

	it = classify("{\"class_uid\":2004,\"severity_id\":5,"
	    "\"finding_info\":{\"uid\":\"u\",\"title\":\"t\"}}", &n);
	is_int(it[0]->kind, SLACK_FINDING, "OCSF detection finding");
	is_str(it[0]->field[SF_SEVERITY], "CRITICAL", "OCSF severity_id 5");
	free_items(it, n);

	it = classify("{\"HostIp\":\"192.0.2.1\",\"Blocked\":false,"
	    "\"Unblocked\":true}", &n);
	is_int(it[0]->outcome, SLACK_IP_UNBLOCKED, "Unblocked wins");
	free_items(it, n);
	it = classify("{\"HostIp\":\"192.0.2.1\",\"NewIP\":false}", &n);
	is_int(it[0]->outcome, SLACK_IP_SEEN, "NewIP false: seen again");
	free_items(it, n);
	it = classify("{\"RuleGroup\":\"g\",\"Added\":1}", &n);
	is_int(it[0]->kind, SLACK_NFW_SUMMARY, "nfw-sync summary");
	free_items(it, n);
	it = classify("[1,2]", &n);
	is_int(it[0]->kind, SLACK_OTHER, "an array is something else");
	free_items(it, n);
	it = classify("{\"detail\":{\"findings\":[]}}", &n);
	is_int(n == 1 && it[0]->kind == SLACK_OTHER, 1,
	    "an event without findings is something else");
	free_items(it, n);

	test_classify_value();
}

/*
 * Render whatever a record gives; every payload must pass the check. The
 * record comes as slack-notify hands it over, its text and its value (the
 * caller writes both, as a reader would have them: dumping or decoding
 * 100 MB here would measure jansson, not slack.c); it takes both.
 */
static int
renders_within_limits(const char *what, struct buf *text, json_t *rec,
    size_t digest_after)
{
	struct slack_item	**items = NULL;
	struct slack_msg	*msgs;
	size_t			 n = 0, nm, i;
	char			*cause = NULL;
	int			 good = 1;

	slack_classify_text(buf_cstr(text), text->len, rec, &items, &n);
	buf_reset(text);
	nm = slack_group(items, n, digest_after, NULL, &msgs);
	for (i = 0; i < nm && good; i++)
		if (slack_payload_check(msgs[i].payload, &cause) == -1) {
			printf("# %s: %s\n", what, cause);
			good = 0;
		}
	free(cause);
	slack_msgs_free(msgs, nm);
	free_items(items, n);
	json_decref(rec);
	return good && nm > 0;
}

static void
test_limits(void)
{
	char		*big = xmalloc(100001);
	json_t		*list;
	struct buf	 t;
	int		 i;

	/* '<' needs no JSON escape: big is its own JSON string's contents */
	memset(big, '<', 100000);
	big[100000] = '\0';
	buf_init(&t);
	buf_addf(&t, "{\"note\":\"%s\"}", big);
	ok(renders_within_limits("huge record", &t,
	    json_pack("{s:s}", "note", big), 5),
	    "a record with 100,000 '<' stays within the limits");
	buf_addf(&t, "{\"SchemaVersion\":\"x\",\"Id\":\"%s\","
	    "\"Title\":\"%s\",\"Types\":[\"%s\"]}", big, big, big);
	ok(renders_within_limits("huge title", &t,
	    json_pack("{s:s,s:s,s:s,s:[s]}", "SchemaVersion", "x", "Id", big,
	    "Title", big, "Types", big), 5),
	    "a finding with huge Id, Title and type stays within the limits");
	buf_addf(&t, "{\"HostIp\":\"%s\",\"Reason\":\"%s\","
	    "\"Blocked\":false}", big, big);
	ok(renders_within_limits("huge ip", &t, json_pack("{s:s,s:s,s:b}",
	    "HostIp", big, "Reason", big, "Blocked", 0), 5),
	    "an IP record with huge fields stays within the limits");
	list = json_array();
	buf_adds(&t, "{\"Findings\":[");
	for (i = 0; i < 1000; i++) {
		json_array_append_new(list, json_pack("{s:s,s:s,s:s}",
		    "SchemaVersion", "x", "Id", big + i, "Title", big));
		buf_adds(&t, i ? ",{\"SchemaVersion\":\"x\",\"Id\":\"" :
		    "{\"SchemaVersion\":\"x\",\"Id\":\"");
		buf_adds(&t, big + i);
		buf_adds(&t, "\",\"Title\":\"");
		buf_adds(&t, big);
		buf_adds(&t, "\"}");
	}
	buf_adds(&t, "]}");
	ok(renders_within_limits("digest", &t, json_pack("{s:o}", "Findings",
	    list), 5), "a digest of 1000 huge findings stays within limits");
	buf_free(&t);
	free(big);
}

static void
test_check(void)
{
	json_t	*p;
	char	*cause = NULL;

	p = json_pack("{s:s}", "text", "a < b");
	is_int(slack_payload_check(p, &cause), -1, "unescaped < refused");
	free(cause);
	json_decref(p);
	p = json_pack("{s:s}", "text", "see <https://x.test/a?b=1&amp;c|x>");
	is_int(slack_payload_check(p, &cause), 0, "a link is fine");
	json_decref(p);
	p = json_pack("{s:s,s:[{s:s,s:{s:s,s:s}}]}", "text", "t", "blocks",
	    "type", "header", "text", "type", "mrkdwn", "text", "x");
	is_int(slack_payload_check(p, &cause), -1, "header must be plain_text");
	free(cause);
	json_decref(p);
}

static void
test_webhook(void)
{
	char	 d[256], *cause = NULL;

	is_str(slack_webhook_display("https://hooks.slack.com/services/"
	    "T0123/B0456/abcdefSECRET", d, sizeof(d)),
	    "hooks.slack.com/services/T\xe2\x80\xa6/B\xe2\x80\xa6/***",
	    "the display name hides the secret path");
	is_str(slack_webhook_display("https://example.com/hook/SECRET?x=1",
	    d, sizeof(d)), "example.com/h\xe2\x80\xa6/***",
	    "any other path too");
	is_int(slack_webhook_check("http://hooks.slack.com/services/x",
	    &cause), -1, "http:// to a remote host refused");
	ok(cause != NULL && strstr(cause, "services") == NULL,
	    "and the cause does not repeat the URL");
	free(cause);
	is_int(slack_webhook_check("http://127.0.0.1:8080/services/x",
	    &cause), 0, "http:// to loopback allowed (local stand-ins)");
	is_int(slack_webhook_check("https://u:p@hooks.slack.com/x", &cause),
	    -1, "user information refused");
	free(cause);
}

static void
test_state(void)
{
	struct slack_state	*st;
	char			*cause = NULL;

	st = slack_state_open(NULL, &cause);
	ok(st != NULL, "in-memory state opens");
	is_int(slack_state_first(st, "k", &cause), 1, "first offer of a key");
	is_int(slack_state_first(st, "k", &cause), 0, "second offer");
	is_int(slack_state_seen(st, "k", 0, &cause), 0, "not posted yet");
	slack_state_mark(st, "k", 1000, &cause);
	is_int(slack_state_seen(st, "k", 900, &cause), 1, "posted since 900");
	is_int(slack_state_seen(st, "k", 1001, &cause), 0,
	    "not posted since 1001");
	slack_state_expire(st, 1001, &cause);
	is_int(slack_state_seen(st, "k", 0, &cause), 0, "expired");
	slack_state_close(st);
}

int
main(void)
{
	test_escape();
	test_classify();
	test_limits();
	test_check();
	test_webhook();
	test_state();
	return done_testing();
}
