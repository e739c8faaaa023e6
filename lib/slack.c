/*
 * slack.c: records into the items slack-notify tells about (findings, as
 * finding.c finds them; IP records; summaries; anything else), and a
 * batch of items into messages, groups of many folded into digests.
 * Rendering is in slack_render.c, delivery and the dedupe state in
 * slack_post.c.
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
		s = slack_guardduty_link(gd, F[SF_REGION]);
		free(gd);
		return (s);
	}
	/* an OCSF finding of GuardDuty's: its page there, by the short id */
	if (f->shape == FINDING_OCSF && strstr(F[SF_ID], ":guardduty:") !=
	    NULL && (p = strrchr(F[SF_ID], '/')) != NULL && p[1] != '\0')
		return (slack_guardduty_link(p + 1, F[SF_REGION]));
	return (slack_securityhub_link(F[SF_ID], F[SF_REGION]));
}

/*
 * The finding's own JSON, decoded (what templates look into): its value in
 * the decoded record, where finding.c says it lies; decoded from its text
 * only when the record may decode otherwise (or is not at hand). New
 * reference.
 */
static json_t *
finding_obj(const struct finding *f, json_t *record)
{
	struct jl_record	 rec;
	char			 reason[160];
	const char		*path;
	json_t			*v;

	if (record != NULL && (path = finding_path(f)) != NULL &&
	    json_is_object(v = slack_path(record, path, strlen(path))))
		return (json_incref(v));
	memset(&rec, 0, sizeof(rec));
	rec.text = finding_json(f, &rec.len);
	rec.file = "finding";
	if ((v = jl_decode(&rec, reason, sizeof(reason))) == NULL)
		v = json_object();	/* the reader checked it: not reached */
	return (v);
}

struct classify {
	json_t			*rec;
	struct slack_item	***items;
	size_t			*n;
};

static int
on_finding(const struct finding *f, void *arg)
{
	struct classify		*c = arg;
	struct slack_item	*it;
	json_t			*obj = finding_obj(f, c->rec);
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
	it->sevrank = finding_label_rank(slack_js(rec, "Severity"));
	f = slack_js(rec, "FindingId");
	xasprintf(&it->key, "ip\t%s\t%s\t%s\t%s\t%s", slack_js(rec, "HostIp"),
	    slack_outcome_name(it->outcome), f ? f : "",
	    slack_js(rec, "ObservedAt") ? slack_js(rec, "ObservedAt") : "",
	    slack_js(rec, "CreatedAt") ? slack_js(rec, "CreatedAt") : "");
	return (it);
}

/*
 * ipstore-prune --summary: {"Store":URL,"Pruned":N,"Pending":P,
 * "Remaining":M,"Before":"RFC 3339","DryRun":bool} (Pending and Before
 * may be absent).
 */
static int
prune_summary(const json_t *rec)
{
	return (json_is_object(rec) && slack_js(rec, "Store") != NULL &&
	    json_is_integer(json_object_get(rec, "Pruned")) &&
	    json_is_integer(json_object_get(rec, "Remaining")));
}

void
slack_classify_text(const char *text, size_t len, json_t *rec,
    struct slack_item ***items, size_t *n)
{
	static const char *nfw_keys[] = { "RuleGroup", "RuleGroupArn",
	    "RuleGroupName", NULL };
	static const char *nfw_counts[] = { "Added", "Removed", "Total",
	    "Changed", NULL };
	struct classify	 c = { rec, items, n };
	size_t		 before = *n;

	if (finding_each(text, len, on_finding, &c, NULL) > 0)
		return;
	if (json_is_object(rec) && slack_js(rec, "HostIp") != NULL)
		push(items, n, ip_item(rec));
	else if (json_is_object(rec) && has_any(rec, nfw_keys) &&
	    has_any(rec, nfw_counts))
		push(items, n, item_new(SLACK_NFW_SUMMARY, rec));
	else if (prune_summary(rec))
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

