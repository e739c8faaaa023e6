/* t-finding.c: shape recognition, address lists and labels of lib/finding. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "tap.h"
#include "util.h"

struct seen {
	struct buf	 out;
	int		 calls;
	int		 stop_after;
};

static int
collect_cb(const struct finding *f, void *arg)
{
	struct seen	*s = arg;
	char		 id[128], addr[IP_STRLEN];
	size_t		 i;

	buf_addf(&s->out, "%s%s %s", s->out.len ? "; " : "",
	    finding_shape_name(f->shape),
	    finding_text_cstr(&f->id, id, sizeof id));
	for (i = 0; i < f->nips; i++)
		buf_addf(&s->out, " %s/%s/%s", ip_format(&f->ips[i].addr, addr),
		    f->ips[i].direction, f->ips[i].action_type);
	for (i = 0; i < f->nbad; i++)
		buf_addf(&s->out, " bad:%.*s", (int)f->bad[i].len,
		    f->bad[i].json);
	s->calls++;
	return s->stop_after != 0 && s->calls >= s->stop_after ? -1 : 0;
}

/* "n=N u=U: what the findings said" */
static const char *
walk(const char *json, int stop_after)
{
	static char	 result[2048];
	struct seen	 s;
	size_t		 unknown = 99;
	int		 n;

	memset(&s, 0, sizeof s);
	buf_init(&s.out);
	s.stop_after = stop_after;
	n = finding_each(json, strlen(json), collect_cb, &s, &unknown);
	snprintf(result, sizeof result, "n=%d u=%zu: %s", n, unknown,
	    s.out.len ? buf_cstr(&s.out) : "");
	buf_free(&s.out);
	return result;
}

static int
member_cb(const struct finding *f, void *arg)
{
	const char	*v;
	size_t		 len;
	struct buf	*b = arg;

	v = finding_member(f, "Title", &len);
	buf_addf(b, "Title=%.*s ", v ? (int)len : 4, v ? v : "none");
	v = finding_member(f, "id", &len);
	buf_addf(b, "id=%.*s ", v ? (int)len : 4, v ? v : "none");
	v = finding_member(f, "nope", &len);
	buf_addf(b, "nope=%s", v ? "found" : "none");
	return 0;
}

/* The fields Slack (and history) read, as one line per finding. */
static int
fields_cb(const struct finding *f, void *arg)
{
	struct buf	*b = arg;
	char		*v[10];
	size_t		 i;

	v[0] = finding_text_dup(&f->title);
	v[1] = finding_text_dup(&f->severity);
	v[2] = finding_product_dup(f);
	v[3] = finding_text_dup(&f->resource_type);
	v[4] = finding_text_dup(&f->resource_id);
	v[5] = finding_time_dup(&f->first_seen);
	v[6] = finding_time_dup(&f->last_seen);
	v[7] = finding_text_dup(&f->updated);
	v[8] = finding_text_dup(&f->gd_id);
	v[9] = finding_text_dup(&f->url);
	for (i = 0; i < 10; i++)
		if (v[i] == NULL)
			v[i] = xstrdup("-");
	buf_addf(b, "%stitle=%s sev=%s product=%s resource=%s/%s first=%s "
	    "last=%s updated=%s gd_id=%s url=%s", b->len ? "; " : "",
	    v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
	for (i = 0; i < 10; i++)
		free(v[i]);
	return 0;
}

/* What cb writes of every finding in json, or "none". */
static const char *
gather(const char *json, finding_cb cb)
{
	static char	 result[2048];
	struct buf	 b;

	buf_init(&b);
	finding_each(json, strlen(json), cb, &b, NULL);
	snprintf(result, sizeof result, "%s", b.len ? buf_cstr(&b) : "none");
	buf_free(&b);
	return result;
}

static const char *
fields(const char *json)
{
	return gather(json, fields_cb);
}

static int
path_cb(const struct finding *f, void *arg)
{
	struct buf	*b = arg;
	const char	*p = finding_path(f);

	buf_addf(b, "%s%s", b->len ? " " : "", p == NULL ? "NULL" :
	    *p == '\0' ? "." : p);
	return 0;
}

/* Every finding's path in the record, "." for the record itself. */
static const char *
paths(const char *json)
{
	return gather(json, path_cb);
}

static void
test_paths(void)
{
	static const char f[] = "{\"Id\":\"a\",\"AwsAccountId\":\"1\"}";
	static const char gd[] = "{\"type\":\"t\",\"id\":\"i\","
	    "\"resource\":{}}";
	char	 json[512];

	is_str(paths(f), ".", "a bare finding is the record");
	snprintf(json, sizeof json, "[7,%s,{},%s]", f, gd);
	is_str(paths(json), "1 3", "an array's findings by index");
	snprintf(json, sizeof json, "{\"detail\":{\"findings\":[%s,1,%s]}}",
	    f, f);
	is_str(paths(json), "detail.findings.0 detail.findings.2",
	    "an event's findings");
	snprintf(json, sizeof json, "[{\"detail\":%s},{\"Findings\":[3,%s]}]",
	    gd, f);
	is_str(paths(json), "0.detail 1.Findings.1",
	    "a GuardDuty event's detail, a document's list, inside an array");
	snprintf(json, sizeof json, "{\"Findings\":[%s],\"Findings\":[]}", f);
	is_str(paths(json), "NULL", "no path through a key given twice");
	snprintf(json, sizeof json, "{\"detail\":{\"findings\":[%s],"
	    "\"findings\":7}}", f);
	is_str(paths(json), "NULL", "nor through one given twice in detail");
	snprintf(json, sizeof json, "{\"detail\":{\"findings\":[%s]},"
	    "\"detail\":{}}", f);
	is_str(paths(json), "NULL", "nor through an event's detail given twice");
}

static void
test_fields(void)
{
	char	 buf[64];
	struct finding_text t;

	is_str(fields("{\"SchemaVersion\":\"2018-10-08\",\"Id\":\"a\","
	    "\"ProductArn\":\"arn:aws:securityhub:us-east-1::product/aws/"
	    "guardduty\",\"Title\":\"T \\u00e9\",\"Severity\":{\"Label\":"
	    "\"high\"},\"Resources\":[{\"Type\":\"AwsEc2Instance\",\"Id\":"
	    "\"i-1\",\"Region\":\"eu-west-1\"},{\"Id\":\"i-2\"}],"
	    "\"FirstObservedAt\":\"2026-01-01T00:00:00.500Z\",\"CreatedAt\":"
	    "\"2025-12-31T00:00:00Z\",\"UpdatedAt\":\"2026-01-02T00:00:00Z\"}"),
	    "title=T \xc3\xa9 sev=HIGH product=guardduty "
	    "resource=AwsEc2Instance/i-1 first=2026-01-01T00:00:00Z "
	    "last=2026-01-02T00:00:00Z updated=2026-01-02T00:00:00Z "
	    "gd_id=- url=-",
	    "ASFF: title, label, product from the ARN, first resource, times");
	is_str(fields("{\"Id\":\"a\",\"AwsAccountId\":\"1\",\"ProductName\":"
	    "\"Inspector\",\"Resources\":[{\"Type\":\"AwsEc2Instance\"}],"
	    "\"LastObservedAt\":\"not a time\"}"),
	    "title=- sev=- product=Inspector resource=-/- "
	    "first=- last=not a time updated=- gd_id=- "
	    "url=-",
	    "ASFF: the stated product; a resource without an id is none; a "
	    "time that is none is shown as written");
	is_str(fields("{\"type\":\"Recon:EC2/PortProbeUnprotectedPort\","
	    "\"id\":\"f1\",\"arn\":\"arn:f1\",\"title\":\"Probe\","
	    "\"severity\":8,\"resource\":{\"resourceType\":\"Instance\","
	    "\"instanceDetails\":{\"instanceId\":\"i-9\"}},\"service\":{"
	    "\"eventFirstSeen\":\"2026-01-01T00:00:07.426Z\","
	    "\"eventLastSeen\":\"2026-01-01T01:00:00Z\"},\"updatedAt\":"
	    "\"2026-01-01T01:00:01.000Z\"}"),
	    "title=Probe sev=HIGH product=GuardDuty resource=Instance/i-9 "
	    "first=2026-01-01T00:00:07Z last=2026-01-01T01:00:00Z "
	    "updated=2026-01-01T01:00:01.000Z gd_id=f1 url=-",
	    "GuardDuty: title, resource, service times, its own id");
	is_str(fields("{\"type\":\"t\",\"id\":\"f2\",\"severity\":2.5,"
	    "\"resource\":{\"s3BucketDetails\":[{\"name\":\"b\"}]}}"),
	    "title=- sev=LOW product=GuardDuty resource=-/b "
	    "first=- last=- updated=- gd_id=f2 url=-",
	    "GuardDuty: the first bucket is the resource");
	is_str(walk("{\"schemaVersion\":\"2.0\",\"type\":\"t\",\"id\":"
	    "\"f3\",\"severity\":9.2}", 0), "n=1 u=0: GuardDuty f3",
	    "GuardDuty: type, id and a numeric severity make a finding "
	    "(get-findings output that omits service)");
	is_str(walk("{\"type\":\"t\",\"id\":\"f3\",\"severity\":\"9\"}",
	    0), "n=0 u=1: ", "GuardDuty: not with a severity that is text");
	is_str(fields("{\"class_uid\":2004,\"severity\":\"Fatal\","
	    "\"finding_info\":{\"uid\":\"u\",\"title\":\"O\",\"src_url\":"
	    "\"https://x.test/f\",\"first_seen_time\":1767225600000,"
	    "\"last_seen_time_dt\":\"2026-01-01T00:00:05Z\","
	    "\"modified_time\":1767225606000},\"resources\":[{\"type\":"
	    "\"AwsIamAccessKey\",\"uid\":\"AKID\"}]}"),
	    "title=O sev=CRITICAL product=- resource=AwsIamAccessKey/AKID "
	    "first=2026-01-01T00:00:00Z last=2026-01-01T00:00:05Z "
	    "updated=1767225606000 gd_id=- url=https://x.test/f",
	    "OCSF: Fatal is CRITICAL, milliseconds are times, its own link");
	is_str(walk("{\"class_uid\":3001,\"finding_info\":{\"uid\":\"u\"}}",
	    0), "n=0 u=1: ", "OCSF: a class outside 2000-2099 is no finding");

	ok(finding_label_rank("critical") == 4 &&
	    finding_label_rank("Fatal") == 4 &&
	    finding_label_rank("INFORMATIONAL") == 0 &&
	    finding_label_rank("info") == 0 &&
	    finding_label_rank("HIGH ") == -1 && finding_label_rank(NULL) == -1,
	    "label ranks, in any case");
	ok(finding_rank_label(3) != NULL &&
	    strcmp(finding_rank_label(3), "HIGH") == 0 &&
	    finding_rank_label(5) == NULL && finding_rank_label(-1) == NULL,
	    "the label of a rank");
	{
		unsigned int	 set = 99;
		char		*cause = NULL;

		ok(finding_label_set("high,Critical", &set, &cause) == 0 &&
		    set == (1u << 3 | 1u << 4), "a label set, in any case");
		ok(finding_label_set(" low , fatal,INFO", &set, &cause) == 0 &&
		    set == (1u << 1 | 1u << 4 | 1u << 0),
		    "a label set: spaces around labels, OCSF's names");
		ok(finding_label_set("HIGH,SEVERE", &set, &cause) == -1 &&
		    cause != NULL && strstr(cause, "\"SEVERE\"") != NULL,
		    "a label set: a word that is no label is named");
		free(cause);
		cause = NULL;
		ok(finding_label_set("HIGH,", &set, &cause) == -1 &&
		    cause != NULL, "a label set: an empty label is refused");
		free(cause);
		cause = NULL;
		ok(finding_label_set("", &set, &cause) == -1 && cause != NULL,
		    "a label set: so is an empty list");
		free(cause);
	}
	t.json = "1700000000";
	t.len = strlen(t.json);
	{
		char	*v = finding_time_dup(&t);

		is_str(v, "2023-11-14T22:13:20Z", "a number of seconds is a "
		    "time");
		free(v);
	}
	t.json = "-5";
	t.len = 2;
	{
		char	*v = finding_time_dup(&t);

		is_str(v, "-5", "a number before 1970 is shown as it is");
		free(v);
	}
	t.json = "\"\"";
	t.len = 2;
	ok(finding_text_dup(&t) == NULL && *finding_text_cstr(&t, buf,
	    sizeof buf) == '\0', "the empty string is absent");
}

int
main(void)
{
	static const char event[] = "{\"id\":\"ev-1\",\"detail-type\":\"x\","
	    "\"detail\":{\"findings\":[{\"Id\":\"f\",\"AwsAccountId\":\"1\","
	    "\"Title\":\"T\"}]}}";
	struct buf	 b;

	/* labels */
	is_str(finding_gd_label(0), "INFORMATIONAL", "GuardDuty 0");
	is_str(finding_gd_label(0.1), "LOW", "GuardDuty 0.1");
	is_str(finding_gd_label(3.9), "LOW", "GuardDuty 3.9");
	is_str(finding_gd_label(4.0), "MEDIUM", "GuardDuty 4.0");
	is_str(finding_gd_label(6.9), "MEDIUM", "GuardDuty 6.9");
	is_str(finding_gd_label(7.0), "HIGH", "GuardDuty 7.0");
	is_str(finding_gd_label(8.9), "HIGH", "GuardDuty 8.9");
	is_str(finding_gd_label(9.0), "CRITICAL", "GuardDuty 9.0");
	is_str(finding_normalized_label(0), "INFORMATIONAL", "Normalized 0");
	is_str(finding_normalized_label(1), "LOW", "Normalized 1");
	is_str(finding_normalized_label(39), "LOW", "Normalized 39");
	is_str(finding_normalized_label(40), "MEDIUM", "Normalized 40");
	is_str(finding_normalized_label(70), "HIGH", "Normalized 70");
	is_str(finding_normalized_label(90), "CRITICAL", "Normalized 90");
	is_str(finding_ocsf_label(1), "INFORMATIONAL", "OCSF 1");
	is_str(finding_ocsf_label(4), "HIGH", "OCSF 4");
	is_str(finding_ocsf_label(6), "CRITICAL", "OCSF 6 (Fatal)");
	ok(finding_ocsf_label(0) == NULL && finding_ocsf_label(99) == NULL,
	    "OCSF 0 and 99 have no label");

	/* values that are no findings */
	is_str(walk("{}", 0), "n=0 u=1: ", "an empty object is no finding");
	is_str(walk("42", 0), "n=0 u=1: ", "a number is no finding");
	is_str(walk("[]", 0), "n=0 u=0: ", "an empty array holds nothing");
	is_str(walk("{\"Findings\": []}", 0), "n=0 u=0: ",
	    "an empty get-findings document is known");
	is_str(walk("{\"detail\": {\"state\": \"running\"}}", 0), "n=0 u=1: ",
	    "an event of another kind is no finding");
	is_str(walk("[{\"Id\":\"a\",\"AwsAccountId\":\"1\"}, 7, {}]", 0),
	    "n=1 u=2: ASFF a", "an array: findings and other values counted");

	/* truncated or unbalanced text stays within bounds */
	is_str(walk("{\"detail\":{\"findings\":[{\"Id\":\"x\",\"AwsAccountId\"",
	    0), "n=0 u=1: ", "truncated text yields nothing");
	is_str(walk("{\"Id\":\"x\",\"ProductArn\":\"p\","
	    "\"ProductFields\":{\"a\":\"b\"}}}}]]", 0), "n=1 u=0: ASFF x",
	    "stray closing brackets after a finding are ignored");

	/* escapes: in an address, and in a field */
	is_str(walk("{\"type\":\"t\",\"arn\":\"a\\/b\",\"service\":{\"action\":"
	    "{\"awsApiCallAction\":{\"remoteIpDetails\":{\"ipAddressV4\":"
	    "\"\\u0031\\u0039\\u0038.51.100.1\"}}}}}", 0),
	    "n=1 u=0: GuardDuty a/b 198.51.100.1/INBOUND/AWS_API_CALL",
	    "escaped address and id are decoded");

	/* connectionDirection may come after the address key */
	is_str(walk("{\"Id\":\"x\",\"SchemaVersion\":\"1\",\"ProductFields\":{"
	    "\"aws/guardduty/service/action/networkConnectionAction/"
	    "remoteIpDetails/ipAddressV6\":\"2001:DB8::0:1\","
	    "\"aws/guardduty/service/action/networkConnectionAction/"
	    "localIpDetails/ipAddressV4\":\"10.0.0.1\","
	    "\"aws/guardduty/service/action/networkConnectionAction/"
	    "connectionDirection\":\"OUTBOUND\"}}", 0),
	    "n=1 u=0: ASFF x 2001:db8::1/OUTBOUND/NETWORK_CONNECTION",
	    "direction applies whatever the key order; local address ignored");

	/* an unknown action that names a remote host, a bad address */
	is_str(walk("{\"type\":\"t\",\"id\":\"i\",\"resource\":{},\"service\":"
	    "{\"action\":{\"someNewThingAction\":{\"remoteIpDetails\":"
	    "{\"ipAddressV4\":\"203.0.113.1\"}},\"portProbeAction\":"
	    "{\"portProbeDetails\":[{\"remoteIpDetails\":{\"ipAddressV4\":"
	    "\"999.1.1.1\"}},{\"remoteIpDetails\":{\"ipAddressV4\":"
	    "\"203.0.113.1\"}}]}}}}", 0),
	    "n=1 u=0: GuardDuty i 203.0.113.1/UNKNOWN/SOME_NEW_THING "
	    "bad:\"999.1.1.1\"",
	    "new action types named, bad addresses listed, repeats dropped");

	/* the callback can stop the walk */
	is_str(walk("{\"Findings\":[{\"Id\":\"1\",\"AwsAccountId\":\"1\"},"
	    "{\"Id\":\"2\",\"AwsAccountId\":\"1\"}]}", 1),
	    "n=-1 u=0: ASFF 1", "a callback returning -1 stops the walk");

	/* finding_member: the finding first, then the event around it */
	buf_init(&b);
	finding_each(event, strlen(event), member_cb, &b, NULL);
	is_str(buf_cstr(&b), "Title=\"T\" id=\"ev-1\" nope=none",
	    "finding_member looks in the finding, then in the event");
	buf_free(&b);

	test_fields();
	test_paths();
	return done_testing();
}
