/*
 * src_shub.c: Security Hub as a source of findings: GetFindings (ASFF)
 * and GetFindingsV2 (OCSF) pages sorted by update time, the built-in and
 * the user's filters, the finding aggregator's home Region, and findings
 * wrapped as the events EventBridge delivers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "cursor.h"
#include "sigv4.h"
#include "src.h"
#include "util.h"

#define SHUB_PAGE	100	/* GetFindings' MaxResults maximum */
#define OCSF_UPDATED	"finding_info.modified_time_dt"

/* GuardDuty action types whose details name the other side. */
static const char *remote_actions[] = {
	"NETWORK_CONNECTION", "PORT_PROBE", "AWS_API_CALL",
	"KUBERNETES_API_CALL", "RDS_LOGIN_ATTEMPT"
};

json_t *
shub_filters_builtin(int ocsf)
{
	json_t *f, *actions;
	size_t i;

	if (ocsf)
		return json_pack("{s:[{s:[{s:s, s:{s:s, s:s}}]}], s:s}",
		    "CompositeFilters", "StringFilters", "FieldName",
		    "metadata.product.name", "Filter", "Value", "GuardDuty",
		    "Comparison", "EQUALS", "CompositeOperator", "AND");
	actions = json_array();
	for (i = 0; i < sizeof(remote_actions) / sizeof(*remote_actions);
	    i++)
		json_array_append_new(actions, json_pack("{s:s, s:s, s:s}",
		    "Key", "aws/guardduty/service/action/actionType",
		    "Value", remote_actions[i], "Comparison", "EQUALS"));
	f = json_pack("{s:[{s:s, s:s}], s:[{s:s, s:s}], s:o}",
	    "ProductName", "Value", "GuardDuty", "Comparison", "EQUALS",
	    "RecordState", "Value", "ACTIVE", "Comparison", "EQUALS",
	    "ProductFields", actions);
	return f;
}

/* Does an OCSF filter tree name the date field the cursor sets? */
static int
ocsf_names_updated(const json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), OCSF_UPDATED) == 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			if (ocsf_names_updated(m))
				return 1;
	} else if (json_is_object(v))
		json_object_foreach((json_t *)v, key, m)
			if (ocsf_names_updated(m))
				return 1;
	return 0;
}

json_t *
shub_filters_load(const char *path, int ocsf, char **cause)
{
	json_error_t jerr;
	json_t *doc, *f;
	const char *op;

	*cause = NULL;
	if (strncmp(path, "file://", 7) == 0)
		path += 7;
	if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
		xasprintf(cause, "%s: %s", path, jerr.text);
		return NULL;
	}
	if ((f = json_object_get(doc, "Filters")) != NULL)
		json_incref(f);
	else
		f = json_incref(doc);
	json_decref(doc);
	if (!json_is_object(f)) {
		xasprintf(cause, "%s: filters: a JSON object expected", path);
		goto fail;
	}
	if (!ocsf && json_object_get(f, "UpdatedAt") != NULL) {
		xasprintf(cause, "%s: filters on UpdatedAt: the cursor sets "
		    "them (see --since and --state)", path);
		goto fail;
	}
	if (ocsf && ocsf_names_updated(f)) {
		xasprintf(cause, "%s: filters on %s: the cursor sets them "
		    "(see --since and --state)", path, OCSF_UPDATED);
		goto fail;
	}
	op = json_string_value(json_object_get(f, "CompositeOperator"));
	if (ocsf && op != NULL && strcmp(op, "AND") != 0) {
		xasprintf(cause, "%s: CompositeOperator %s: only AND can be "
		    "combined with the cursor's time filter", path, op);
		goto fail;
	}
	return f;
fail:
	json_decref(f);
	return NULL;
}

static json_t *
shub_request(int ocsf, const json_t *filters, int64_t start_ms,
    int64_t end_ms, const char *token)
{
	json_t *req, *f, *composites;
	char start[25], end[25];

	cursor_format_ms(start_ms, start);
	cursor_format_ms(end_ms, end);
	f = json_deep_copy(filters);
	if (ocsf) {
		if ((composites = json_object_get(f, "CompositeFilters")) ==
		    NULL) {
			composites = json_array();
			json_object_set_new(f, "CompositeFilters", composites);
		}
		json_array_append_new(composites, json_pack(
		    "{s:[{s:s, s:{s:s, s:s}}]}", "DateFilters", "FieldName",
		    OCSF_UPDATED, "Filter", "Start", start, "End", end));
		json_object_set_new(f, "CompositeOperator", json_string("AND"));
	} else
		json_object_set_new(f, "UpdatedAt", json_pack("[{s:s, s:s}]",
		    "Start", start, "End", end));
	req = json_pack("{s:o, s:[{s:s, s:s}], s:i}", "Filters", f,
	    "SortCriteria", "Field", ocsf ? OCSF_UPDATED : "UpdatedAt",
	    "SortOrder", "asc", "MaxResults", SHUB_PAGE);
	if (token != NULL)
		json_object_set_new(req, "NextToken", json_string(token));
	return req;
}

int
shub_get_page(struct aws_ctx *aws, int ocsf, const json_t *filters,
    int64_t start_ms, int64_t end_ms, const char *token, json_t **findings,
    char **next, struct aws_error *err)
{
	json_t *req, *resp = NULL, *f;
	const char *t;
	int r = -1;

	*findings = NULL;
	*next = NULL;
	req = shub_request(ocsf, filters, start_ms, end_ms, token);
	if (aws_rest_call(aws, &aws_securityhub, ocsf ? "GetFindingsV2" :
	    "GetFindings", "POST", ocsf ? "/findingsv2" : "/findings", NULL,
	    req, &resp, err) == -1)
		goto out;
	if (!json_is_array(f = json_object_get(resp, "Findings"))) {
		src_bad_response(err,
		    "response without a Findings list");
		goto out;
	}
	*findings = json_incref(f);
	if ((t = json_string_value(json_object_get(resp, "NextToken"))) !=
	    NULL && *t != '\0')
		*next = xstrdup(t);
	r = 0;
out:
	json_decref(req);
	json_decref(resp);
	return r;
}

int
shub_key(const json_t *finding, int ocsf, struct src_key *k)
{
	const json_t *info;

	memset(k, 0, sizeof(*k));
	if (ocsf) {
		info = json_object_get(finding, "finding_info");
		k->id = json_string_value(json_object_get(info, "uid"));
		k->updated = json_string_value(json_object_get(info,
		    "modified_time_dt"));
	} else {
		k->id = json_string_value(json_object_get(finding, "Id"));
		k->updated = json_string_value(json_object_get(finding,
		    "UpdatedAt"));
	}
	if (k->id == NULL || k->updated == NULL ||
	    cursor_parse_ms(k->updated, &k->updated_ms) == -1)
		return -1;
	return 0;
}

int
shub_not_enabled(const struct aws_error *err)
{
	/* "Account ... is not subscribed to AWS Security Hub" */
	return strcmp(err->type, "InvalidAccessException") == 0;
}

int
shub_home_region(struct aws_ctx *aws, char **region, struct aws_error *err)
{
	json_t *resp = NULL, *list, *got = NULL;
	const char *arn, *home;
	struct buf path;
	int r = -1;

	*region = NULL;
	if (aws_rest_call(aws, &aws_securityhub, "ListFindingAggregators",
	    "GET", "/findingAggregator/list", NULL, NULL, &resp, err) == -1)
		return shub_not_enabled(err) ? 0 : -1;
	list = json_object_get(resp, "FindingAggregators");
	arn = json_string_value(json_object_get(json_array_get(list, 0),
	    "FindingAggregatorArn"));
	if (arn == NULL) {
		json_decref(resp);
		return 0;
	}
	buf_init(&path);
	buf_adds(&path, "/findingAggregator/get/");
	/* {FindingAggregatorArn+}: a greedy label, its slashes kept */
	sigv4_uri_encode(&path, arn, strlen(arn), 1);
	if (aws_rest_call(aws, &aws_securityhub, "GetFindingAggregator",
	    "GET", buf_cstr(&path), NULL, NULL, &got, err) == -1)
		goto out;
	if ((home = json_string_value(json_object_get(got,
	    "FindingAggregationRegion"))) != NULL && *home != '\0')
		*region = xstrdup(home);
	r = 0;
out:
	buf_free(&path);
	json_decref(got);
	json_decref(resp);
	return r;
}

/* A stable event id: two FNV-1a hashes of the finding's identity. */
static void
event_id(const char *id, const char *updated, char *out)
{
	uint64_t h1 = 1469598103934665603ULL, h2 = 0x84222325cbf29ce4ULL;
	const unsigned char *p;
	const char *parts[2] = { id, updated };
	int i;

	for (i = 0; i < 2; i++)
		for (p = (const unsigned char *)parts[i]; *p != '\0'; p++) {
			h1 = (h1 ^ *p) * 1099511628211ULL;
			h2 = (h2 ^ *p) * 0x100000001b3ULL + 0x9e37;
		}
	snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%012llx",
	    (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
	    (unsigned)h1 & 0xfff, (unsigned)(h2 >> 52) & 0xfff,
	    (unsigned long long)(h2 & 0xffffffffffffULL));
}

void
src_bad_response(struct aws_error *err, const char *what)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->message, sizeof(err->message), "%s", what);
}

json_t *
src_event_new(const char *detail_type, const char *source,
    const char *account, const char *region, const char *id,
    const char *updated, json_t *resources, json_t *detail)
{
	char uuid[37];

	event_id(id, updated, uuid);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
	    "version", "0", "id", uuid, "detail-type", detail_type,
	    "source", source, "account", account != NULL ? account : "",
	    "time", updated, "region", region != NULL ? region : "",
	    "resources", resources, "detail", detail);
}

json_t *
shub_event(const json_t *finding, int ocsf)
{
	struct src_key k;
	const char *account, *region, *arn;
	json_t *resources = json_array(), *cloud;

	if (shub_key(finding, ocsf, &k) == -1) {
		k.id = "";
		k.updated = "";
	}
	if (ocsf) {
		cloud = json_object_get(finding, "cloud");
		account = json_string_value(json_object_get(json_object_get(
		    cloud, "account"), "uid"));
		region = json_string_value(json_object_get(cloud, "region"));
	} else {
		account = json_string_value(json_object_get(finding,
		    "AwsAccountId"));
		region = json_string_value(json_object_get(finding, "Region"));
		if ((arn = json_string_value(json_object_get(finding,
		    "ProductArn"))) != NULL)
			json_array_append_new(resources, json_sprintf("%s/%s",
			    arn, k.id));
	}
	return src_event_new(ocsf ? "Findings Imported V2" :
	    "Security Hub Findings - Imported", "aws.securityhub", account,
	    region, k.id, k.updated, resources, json_pack("{s:[O]}",
	    "findings", finding));
}
