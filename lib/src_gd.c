/*
 * src_gd.c: GuardDuty as a source of findings: ListDetectors, ListFindings
 * on updatedAt (epoch milliseconds), GetFindings in batches of 50, native
 * findings, and the "GuardDuty Finding" event that wraps one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "cursor.h"
#include "sigv4.h"
#include "src.h"
#include "util.h"

#define GD_PAGE		50	/* ListFindings and GetFindings maximum */

json_t *
gd_criteria_builtin(void)
{
	return json_pack("{s:{s:{s:[s]}}}", "criterion", "service.archived",
	    "equals", "false");
}

/* "Criterion" -> "criterion", "GreaterThanOrEqual" -> ...: the CLI's
 * member names to the wire's (the model's locationName). */
static json_t *
lower_first_keys(const json_t *obj)
{
	json_t *out = json_object(), *v;
	const char *key;
	char *k;

	json_object_foreach((json_t *)obj, key, v) {
		k = xstrdup(key);
		k[0] = (char)tolower((unsigned char)k[0]);
		json_object_set(out, k, v);
		free(k);
	}
	return out;
}

json_t *
gd_criteria_load(const char *path, char **cause)
{
	json_error_t jerr;
	json_t *doc, *crit, *fixed = NULL, *cond, *fc, *out = NULL;
	const char *field;

	*cause = NULL;
	if (strncmp(path, "file://", 7) == 0)
		path += 7;
	if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
		xasprintf(cause, "%s: %s", path, jerr.text);
		return NULL;
	}
	/* a whole list-findings input, or the criteria alone */
	if ((fc = json_object_get(doc, "FindingCriteria")) == NULL &&
	    (fc = json_object_get(doc, "findingCriteria")) == NULL)
		fc = doc;
	if ((crit = json_object_get(fc, "Criterion")) == NULL)
		crit = json_object_get(fc, "criterion");
	if (!json_is_object(crit)) {
		xasprintf(cause, "%s: finding criteria: a Criterion object "
		    "expected", path);
		goto out;
	}
	fixed = json_object();
	json_object_foreach(crit, field, cond) {
		if (!json_is_object(cond)) {
			xasprintf(cause, "%s: criterion %s: a condition "
			    "object expected", path, field);
			goto out;
		}
		if (strcmp(field, "updatedAt") == 0) {
			xasprintf(cause, "%s: criterion updatedAt: the cursor "
			    "sets it (see --since and --state)", path);
			goto out;
		}
		json_object_set_new(fixed, field, lower_first_keys(cond));
	}
	out = json_pack("{s:O}", "criterion", fixed);
out:
	json_decref(fixed);
	json_decref(doc);
	return out;
}

int
gd_detectors(struct aws_ctx *aws, json_t **ids, struct aws_error *err)
{
	json_t *resp = NULL, *list, *v;
	const char *token;
	struct buf q;
	size_t i;

	*ids = json_array();
	buf_init(&q);
	for (;;) {
		if (aws_rest_call(aws, &aws_guardduty, "ListDetectors", "GET",
		    "/detector", q.len > 0 ? buf_cstr(&q) :
		    "maxResults=50", NULL, &resp, err) == -1)
			goto fail;
		list = json_object_get(resp, "detectorIds");
		json_array_foreach(list, i, v)
			if (json_is_string(v))
				json_array_append(*ids, v);
		token = json_string_value(json_object_get(resp, "nextToken"));
		if (token == NULL || *token == '\0')
			break;
		buf_reset(&q);
		buf_adds(&q, "maxResults=50&nextToken=");
		sigv4_uri_encode(&q, token, strlen(token), 0);
		json_decref(resp);
		resp = NULL;
	}
	json_decref(resp);
	buf_free(&q);
	return 0;
fail:
	buf_free(&q);
	json_decref(*ids);
	*ids = NULL;
	return -1;
}

static char *
detector_path(const char *detector, const char *rest)
{
	struct buf b;
	char *p;

	buf_init(&b);
	buf_adds(&b, "/detector/");
	sigv4_uri_encode(&b, detector, strlen(detector), 0);
	buf_adds(&b, rest);
	p = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return p;
}

int
gd_list_page(struct aws_ctx *aws, const char *detector,
    const json_t *criteria, int64_t start_ms, const char *token,
    json_t **ids, char **next, struct aws_error *err)
{
	json_t *req, *crit, *resp = NULL, *list;
	const char *t;
	char *path;
	int r = -1;

	*ids = NULL;
	*next = NULL;
	crit = json_deep_copy(criteria);
	json_object_set_new(json_object_get(crit, "criterion"), "updatedAt",
	    json_pack("{s:I}", "greaterThanOrEqual", (json_int_t)start_ms));
	req = json_pack("{s:o, s:{s:s, s:s}, s:i}", "findingCriteria", crit,
	    "sortCriteria", "attributeName", "updatedAt", "orderBy", "ASC",
	    "maxResults", GD_PAGE);
	if (token != NULL)
		json_object_set_new(req, "nextToken", json_string(token));
	path = detector_path(detector, "/findings");
	if (aws_rest_call(aws, &aws_guardduty, "ListFindings", "POST", path,
	    NULL, req, &resp, err) == -1)
		goto out;
	if (!json_is_array(list = json_object_get(resp, "findingIds"))) {
		src_bad_response(err,
		    "response without a findingIds list");
		goto out;
	}
	*ids = json_incref(list);
	if ((t = json_string_value(json_object_get(resp, "nextToken"))) !=
	    NULL && *t != '\0')
		*next = xstrdup(t);
	r = 0;
out:
	free(path);
	json_decref(req);
	json_decref(resp);
	return r;
}

static int
by_updated(const void *a, const void *b)
{
	const json_t *fa = *(json_t *const *)a, *fb = *(json_t *const *)b;
	struct src_key ka, kb;

	if (gd_key(fa, &ka) == -1)
		ka.updated_ms = INT64_MIN;
	if (gd_key(fb, &kb) == -1)
		kb.updated_ms = INT64_MIN;
	return ka.updated_ms < kb.updated_ms ? -1 :
	    ka.updated_ms > kb.updated_ms;
}

int
gd_get_findings(struct aws_ctx *aws, const char *detector, const json_t *ids,
    json_t **findings, struct aws_error *err)
{
	json_t *req, *resp = NULL, *list, **v;
	char *path;
	size_t i, n;
	int r = -1;

	*findings = NULL;
	req = json_pack("{s:O}", "findingIds", ids);
	path = detector_path(detector, "/findings/get");
	if (aws_rest_call(aws, &aws_guardduty, "GetFindings", "POST", path,
	    NULL, req, &resp, err) == -1)
		goto out;
	if (!json_is_array(list = json_object_get(resp, "findings"))) {
		src_bad_response(err,
		    "response without a findings list");
		goto out;
	}
	/* GetFindings does not promise an order: oldest first, stable */
	n = json_array_size(list);
	v = xreallocarray(NULL, n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	qsort(v, n, sizeof(*v), by_updated);
	*findings = json_array();
	for (i = 0; i < n; i++)
		json_array_append(*findings, v[i]);
	free(v);
	r = 0;
out:
	free(path);
	json_decref(req);
	json_decref(resp);
	return r;
}

int
gd_key(const json_t *finding, struct src_key *k)
{
	memset(k, 0, sizeof(*k));
	k->id = json_string_value(json_object_get(finding, "id"));
	k->updated = json_string_value(json_object_get(finding, "updatedAt"));
	if (k->id == NULL || k->updated == NULL ||
	    cursor_parse_ms(k->updated, &k->updated_ms) == -1)
		return -1;
	return 0;
}

json_t *
gd_event(const json_t *finding)
{
	struct src_key k;
	const char *arn;
	json_t *resources = json_array();

	if (gd_key(finding, &k) == -1) {
		k.id = "";
		k.updated = "";
	}
	if ((arn = json_string_value(json_object_get(finding, "arn"))) !=
	    NULL)
		json_array_append_new(resources, json_string(arn));
	return src_event_new("GuardDuty Finding", "aws.guardduty",
	    json_string_value(json_object_get(finding, "accountId")),
	    json_string_value(json_object_get(finding, "region")), k.id,
	    k.updated, resources, json_deep_copy(finding));
}
