/*
 * finding_shape.c: what a finding of each shape says: the fields of struct
 * finding (id, type, title, severity label, account, region, product,
 * resource, times) and the remote addresses it names, with their
 * direction and action type, wherever each shape keeps them.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clk.h"
#include "finding.h"
#include "finding_impl.h"
#include "ip.h"
#include "util.h"

static const struct {
	const char	*name;
	const char	*json;
} labels[] = {
	{ "INFORMATIONAL",	"\"INFORMATIONAL\"" },
	{ "LOW",		"\"LOW\"" },
	{ "MEDIUM",		"\"MEDIUM\"" },
	{ "HIGH",		"\"HIGH\"" },
	{ "CRITICAL",		"\"CRITICAL\"" },
};

/*
 * The label of a score: CRITICAL from crit on, HIGH from high, MEDIUM from
 * med, LOW from low (above low when low_excl), INFORMATIONAL below.
 */
static const char *
score_label(double v, double crit, double high, double med, double low,
    int low_excl)
{
	int	 r;

	r = v >= crit ? 4 : v >= high ? 3 : v >= med ? 2 :
	    (low_excl ? v > low : v >= low) ? 1 : 0;
	return labels[r].name;
}

const char *
finding_gd_label(double sev)
{
	return score_label(sev, 9.0, 7.0, 4.0, 0.0, 1);
}

const char *
finding_normalized_label(double n)
{
	return score_label(n, 90, 70, 40, 1, 0);
}

const char *
finding_ocsf_label(long id)
{
	switch (id) {
	case 1:
		return "INFORMATIONAL";
	case 2:
		return "LOW";
	case 3:
		return "MEDIUM";
	case 4:
		return "HIGH";
	case 5:
	case 6:		/* Fatal */
		return "CRITICAL";
	}
	return NULL;
}

int
finding_label_rank(const char *label)
{
	size_t	 i;

	if (label == NULL)
		return -1;
	for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcasecmp(label, labels[i].name) == 0)
			return (int)i;
	if (strcasecmp(label, "FATAL") == 0)	/* OCSF's severity 6 */
		return 4;
	if (strcasecmp(label, "INFO") == 0)
		return 0;
	return -1;
}

const char *
finding_rank_label(int rank)
{
	if (rank < 0 || rank >= (int)(sizeof labels / sizeof labels[0]))
		return NULL;
	return labels[rank].name;
}

int
finding_label_set(const char *list, unsigned int *set, char **cause)
{
	const char	*p = list, *end;
	char		 name[32];
	size_t		 n;
	int		 r;

	*set = 0;
	for (;;) {
		p += strspn(p, " ");
		end = p + strcspn(p, ",");
		for (n = (size_t)(end - p); n > 0 && p[n - 1] == ' '; n--)
			continue;
		if (n == 0 || n >= sizeof(name))
			r = -1;
		else {
			memcpy(name, p, n);
			name[n] = '\0';
			r = finding_label_rank(name);
		}
		if (r < 0) {
			xasprintf(cause, "not a severity label: \"%.*s\" (use "
			    "INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL, "
			    "separated by commas)", (int)(n > 40 ? 40 : n), p);
			return -1;
		}
		*set |= 1u << r;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

static void
set_label(struct finding_text *t, const char *name)
{
	int	 r = finding_label_rank(name);

	t->json = r >= 0 ? labels[r].json : NULL;
	t->len = r >= 0 ? strlen(labels[r].json) : 0;
}

/* A label written in any case ("High", "high") as the canonical one. */
static int
set_label_string(struct finding_text *t, struct span v)
{
	char	 tmp[32];

	if (span_string(v, tmp, sizeof tmp) < 0)
		return -1;
	set_label(t, tmp);
	return t->len != 0 ? 0 : -1;
}

static void
set_text(struct finding_text *t, struct span v)
{
	if (is_string(v)) {
		t->json = v.p;
		t->len = v.e - v.p;
	}
}

static int
text_empty(const struct finding_text *t)
{
	return t->len <= 2;	/* absent, or "" */
}

static void
set_first(struct finding_text *t, struct span v)
{
	if (text_empty(t))
		set_text(t, v);
}

/* A time as a JSON string "YYYY-MM-DDTHH:MM:SSZ" in buf, into t. */
static void
set_time_text(struct finding_text *t, char *buf, time_t when)
{
	buf[0] = '"';
	clk_format(when, buf + 1);
	strcat(buf, "\"");
	t->json = buf;
	t->len = strlen(buf);
}

/* ObservedAt, from the first of its sources that reads as a time. */
static void
observed(struct finding *f, struct span v)
{
	time_t	 when;

	if (f->observed_at.len == 0 && span_time(v, &when) == 0)
		set_time_text(&f->observed_at, f->observed_buf, when);
}

/*
 * A scalar as the finding writes it (a non-empty string or a number), from
 * the first of its sources that has one.
 */
static void
set_scalar(struct finding_text *t, struct span v)
{
	if (t->len == 0 && ((is_string(v) && v.e - v.p > 2) ||
	    is_number(v))) {
		t->json = v.p;
		t->len = v.e - v.p;
	}
}

/* The first resource: its id, and its type only with an id. */
static void
set_resource(struct finding *f, struct span type, struct span id)
{
	if (!is_string(id) || id.e - id.p <= 2)
		return;
	set_text(&f->resource_id, id);
	set_text(&f->resource_type, type);
}

/* "networkConnectionAction" or "NetworkConnection" -> NETWORK_CONNECTION */
static int
action_type_of(struct span name, char *out)
{
	const char	*p;
	size_t		 n = 0, len = name.e - name.p;

	if (len > 6 && memcmp(name.e - 6, "Action", 6) == 0)
		name.e -= 6;
	for (p = name.p; p < name.e; p++) {
		if (!isalnum((u_char)*p))
			return -1;
		if (n + 3 > FINDING_ACTION_MAX)
			return -1;
		if (isupper((u_char)*p) && p != name.p)
			out[n++] = '_';
		out[n++] = toupper((u_char)*p);
	}
	out[n] = '\0';
	return n != 0 ? 0 : -1;
}

/* What the remote host did to us, or we to it, for an action type. */
static const char *
direction_of(const char *action, const char *conn)
{
	if (conn != NULL && strcmp(action, "NETWORK_CONNECTION") == 0)
		return conn;
	if (strcmp(action, "PORT_PROBE") == 0 ||
	    strcmp(action, "AWS_API_CALL") == 0 ||
	    strcmp(action, "KUBERNETES_API_CALL") == 0 ||
	    strcmp(action, "RDS_LOGIN_ATTEMPT") == 0)
		return "INBOUND";
	return conn != NULL ? conn : "UNKNOWN";
}

static const char *
direction_word(struct span v)
{
	if (span_string_is(v, "INBOUND"))
		return "INBOUND";
	if (span_string_is(v, "OUTBOUND"))
		return "OUTBOUND";
	return NULL;
}

static void
note_conn(struct walk *w, const char *action, struct span v)
{
	const char	*dir;

	if ((dir = direction_word(v)) == NULL && !is_string(v))
		return;
	if (dir == NULL)
		dir = "UNKNOWN";
	if (w->nconn < sizeof w->conn / sizeof w->conn[0]) {
		strcpy(w->conn[w->nconn].action, action);
		w->conn[w->nconn++].dir = dir;
	}
}

/*
 * Add an address the finding names. direction NULL: decided at the end
 * from the action type and what connectionDirection said.
 */
static void
add_ip(struct walk *w, struct span v, const char *action,
    const char *direction)
{
	struct finding		*f = &w->f;
	struct finding_ip	*fi;
	struct ip_addr		 a;
	char			 tmp[IP_STRLEN + 8];
	long			 n;
	size_t			 i;

	if (!is_string(v) || v.e - v.p <= 2)
		return;		/* not a string, or "" */
	if ((n = span_string(v, tmp, sizeof tmp)) < 0 ||
	    ip_parse(tmp, n, &a) != 0) {
		if (f->nbad == f->badcap) {
			f->badcap = f->badcap ? f->badcap * 2 : 4;
			f->bad = xreallocarray(f->bad, f->badcap,
			    sizeof *f->bad);
		}
		f->bad[f->nbad].json = v.p;
		f->bad[f->nbad++].len = v.e - v.p;
		return;
	}
	for (i = 0; i < f->nips; i++)
		if (ip_cmp(&f->ips[i].addr, &a) == 0)
			return;
	if (f->nips == f->ipcap) {
		f->ipcap = f->ipcap ? f->ipcap * 2 : 8;
		f->ips = xreallocarray(f->ips, f->ipcap, sizeof *f->ips);
	}
	fi = &f->ips[f->nips++];
	fi->addr = a;
	fi->direction = direction;
	strcpy(fi->action_type, action != NULL ? action : "");
}

/* Settle the directions left open once the whole finding was seen. */
static void
settle_directions(struct walk *w)
{
	struct finding_ip	*fi;
	const char		*conn;
	size_t			 i, j;

	for (i = 0; i < w->f.nips; i++) {
		fi = &w->f.ips[i];
		if (fi->direction != NULL)
			continue;
		conn = NULL;
		for (j = 0; j < w->nconn; j++)
			if (strcmp(w->conn[j].action, fi->action_type) == 0)
				conn = w->conn[j].dir;
		fi->direction = direction_of(fi->action_type, conn);
	}
}

/* Member names of the action objects: native camelCase or ASFF PascalCase */
struct action_names {
	const char	*remote;
	const char	*v4;
	const char	*v6;
	const char	*probes;
	const char	*sources;
	const char	*direction;
};

static const struct action_names native_names = {
	"remoteIpDetails", "ipAddressV4", "ipAddressV6", "portProbeDetails",
	"sourceIPs", "connectionDirection"
};
static const struct action_names asff_names = {
	"RemoteIpDetails", "IpAddressV4", "IpAddressV6", "PortProbeDetails",
	"SourceIps", "ConnectionDirection"
};

static void
remote_details(struct walk *w, struct span details, const char *action,
    const struct action_names *nm)
{
	add_ip(w, span_member(details, nm->v4), action, NULL);
	add_ip(w, span_member(details, nm->v6), action, NULL);
}

/*
 * Every "<x>Action" object of service.action (native) or Action (ASFF):
 * remoteIpDetails, portProbeDetails[].remoteIpDetails, sourceIPs[]. Never
 * localIpDetails: that is our own side.
 */
static void
walk_actions(struct walk *w, struct span actions,
    const struct action_names *nm)
{
	struct span_iter it, in, arr;
	struct span	 k, v, k2, v2, el;
	char		 action[FINDING_ACTION_MAX];

	if (span_iter_open(&it, actions, '{') != 0)
		return;
	while (span_iter_member(&it, &k, &v)) {
		if (!is_object(v) || action_type_of(k, action) != 0)
			continue;
		if (span_iter_open(&in, v, '{') != 0)
			continue;
		while (span_iter_member(&in, &k2, &v2)) {
			if (span_is(k2, nm->remote, strlen(nm->remote)))
				remote_details(w, v2, action, nm);
			else if (span_is(k2, nm->direction,
			    strlen(nm->direction)))
				note_conn(w, action, v2);
			else if (span_is(k2, nm->probes, strlen(nm->probes)) &&
			    span_iter_open(&arr, v2, '[') == 0) {
				while (span_iter_elem(&arr, &el))
					remote_details(w, span_member(el,
					    nm->remote), action, nm);
			} else if (span_is(k2, nm->sources,
			    strlen(nm->sources)) &&
			    span_iter_open(&arr, v2, '[') == 0) {
				while (span_iter_elem(&arr, &el))
					add_ip(w, el, action, NULL);
			}
		}
	}
}

/* "<digits>_/" at p: return past it, or NULL. */
static const char *
flat_index(const char *p, const char *e)
{
	const char	*q = p;

	while (q < e && isdigit((u_char)*q))
		q++;
	if (q == p || e - q < 1 || *q != '_')
		return NULL;
	return q + 1;
}

#define GD_PREFIX	"aws/guardduty/service/"
#define GD_ACTION	GD_PREFIX "action/"

/*
 * One ProductFields key below aws/guardduty/service/action/:
 *   <x>Action/remoteIpDetails/ipAddressV4 (or V6)
 *   <x>Action/<list>.N_/remoteIpDetails/ipAddressV4 (portProbeDetails.N_)
 *   <x>Action/sourceIPs.N_
 *   <x>Action/connectionDirection
 */
static void
flat_action_key(struct walk *w, struct span key, struct span v)
{
	const char	*p = key.p + sizeof(GD_ACTION) - 1, *slash, *q;
	struct span	 name, rest;
	char		 action[FINDING_ACTION_MAX];

	if ((slash = memchr(p, '/', key.e - p)) == NULL)
		return;
	name.p = p;
	name.e = slash;
	if (name.e - name.p <= 6 || memcmp(name.e - 6, "Action", 6) != 0 ||
	    action_type_of(name, action) != 0)
		return;
	rest.p = slash + 1;
	rest.e = key.e;
	if (IS(rest, "connectionDirection")) {
		note_conn(w, action, v);
		return;
	}
	if (rest.e - rest.p > 10 && memcmp(rest.p, "sourceIPs.", 10) == 0) {
		if (flat_index(rest.p + 10, rest.e) == rest.e)
			add_ip(w, v, action, NULL);
		return;
	}
	if ((q = memchr(rest.p, '/', rest.e - rest.p)) != NULL &&
	    (slash = memchr(rest.p, '.', q - rest.p)) != NULL) {
		/* a list element: portProbeDetails.N_/... */
		if (flat_index(slash + 1, rest.e) != q)
			return;
		rest.p = q + 1;
	}
	if (IS(rest, "remoteIpDetails/ipAddressV4") ||
	    IS(rest, "remoteIpDetails/ipAddressV6"))
		add_ip(w, v, action, NULL);
}

/* ProductFields: the GuardDuty keys, eventLastSeen and ProductName. */
static void
walk_product_fields(struct walk *w, struct span pf, struct span *last_seen)
{
	struct span_iter it;
	struct span	 k, v;

	if (span_iter_open(&it, pf, '{') != 0)
		return;
	while (span_iter_member(&it, &k, &v)) {
		if (k.e - k.p > (long)sizeof(GD_ACTION) - 1 &&
		    memcmp(k.p, GD_ACTION, sizeof(GD_ACTION) - 1) == 0)
			flat_action_key(w, k, v);
		else if (IS(k, GD_PREFIX "eventLastSeen"))
			*last_seen = v;
		else if (IS(k, "aws/securityhub/ProductName"))
			set_first(&w->f.product, v);
	}
}

/* The fields every shape falls back on: account, region, time. */
static void
envelope_fallbacks(struct walk *w)
{
	if (w->env == NULL)
		return;
	set_first(&w->f.account, M(w->env, account));
	set_first(&w->f.region, M(w->env, region));
	observed(&w->f, M(w->env, time));
}

/* Looks like an AWS region: us-east-1, us-gov-west-1, ap-southeast-2. */
static int
region_like(const char *p, size_t n)
{
	size_t	 i, dashes = 0;

	if (n < 4 || n + 3 > sizeof(((struct finding *)0)->region_buf) ||
	    !isdigit((u_char)p[n - 1]) || !islower((u_char)p[0]))
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '-')
			dashes++;
		else if (!islower((u_char)p[i]) && !isdigit((u_char)p[i]))
			return 0;
	}
	return dashes >= 2;
}

/*
 * "arn:aws:securityhub:us-east-1::product/aws/guardduty" -> us-east-1,
 * when the ARN is well formed (the service field is not empty).
 */
static void
region_from_arn(struct finding *f, struct span arn)
{
	char		 tmp[256], *field[5], *p;
	size_t		 i, n;

	if (!text_empty(&f->region) || span_string(arn, tmp, sizeof tmp) < 0)
		return;
	p = tmp;
	for (i = 0; i < 5; i++) {
		field[i] = p;
		if (i < 4 && (p = strchr(p, ':')) == NULL)
			return;
		if (i < 4)
			*p++ = '\0';
	}
	if (strcmp(field[0], "arn") != 0 || *field[2] == '\0')
		return;
	n = strlen(field[3]);
	if (!region_like(field[3], n))
		return;
	f->region_buf[0] = '"';
	memcpy(f->region_buf + 1, field[3], n);
	f->region_buf[n + 1] = '"';
	f->region_buf[n + 2] = '\0';
	f->region.json = f->region_buf;
	f->region.len = n + 2;
}

static void
first_string_of(struct finding_text *t, struct span arr)
{
	struct span_iter it;
	struct span	 el;

	if (span_iter_open(&it, arr, '[') == 0 && span_iter_elem(&it, &el))
		set_text(t, el);
}

void
finding_fill_asff(struct walk *w, const struct members *ms)
{
	static const char *const resource_names[] = { "Region", "Type", "Id",
	    NULL };
	struct finding	*f = &w->f;
	struct span	 sev, last_seen = SPAN_NONE, el, res[3];
	struct span_iter it;
	double		 d;

	set_text(&f->id, M(ms, Id));
	first_string_of(&f->type, M(ms, Types));
	set_text(&f->title, M(ms, Title));
	sev = M(ms, Severity);
	if (set_label_string(&f->severity, span_member(sev, "Label")) != 0 &&
	    set_label_string(&f->severity, span_member(span_member(
	    M(ms, FindingProviderFields), "Severity"), "Label")) != 0 &&
	    span_number(span_member(sev, "Normalized"), &d) == 0)
		set_label(&f->severity, finding_normalized_label(d));
	set_text(&f->account, M(ms, AwsAccountId));
	set_text(&f->region, M(ms, Region));
	region_from_arn(f, M(ms, ProductArn));
	if (span_iter_open(&it, M(ms, Resources), '[') == 0 &&
	    span_iter_elem(&it, &el)) {
		span_members(el, resource_names, res);
		set_first(&f->region, res[0]);
		set_resource(f, res[1], res[2]);
	}
	set_text(&f->product, M(ms, ProductName));
	set_text(&f->product_arn, M(ms, ProductArn));

	walk_product_fields(w, M(ms, ProductFields), &last_seen);
	walk_actions(w, M(ms, Action), &asff_names);

	observed(f, M(ms, LastObservedAt));
	observed(f, last_seen);
	observed(f, M(ms, UpdatedAt));
	observed(f, M(ms, CreatedAt));
	set_scalar(&f->first_seen, M(ms, FirstObservedAt));
	set_scalar(&f->first_seen, M(ms, CreatedAt));
	set_scalar(&f->last_seen, M(ms, LastObservedAt));
	set_scalar(&f->last_seen, M(ms, UpdatedAt));
	set_scalar(&f->updated, M(ms, UpdatedAt));
}

/* What a native finding's resource is, and its id for each type. */
static void
native_resource(struct finding *f, struct span res)
{
	static const char *const ids[][2] = {
		{ "instanceDetails", "instanceId" },
		{ "accessKeyDetails", "userName" },
		{ "accessKeyDetails", "accessKeyId" },
		{ "eksClusterDetails", "name" },
		{ "rdsDbInstanceDetails", "dbInstanceIdentifier" },
		{ "s3BucketDetails", NULL },	/* the first bucket's name */
		{ "lambdaDetails", "functionName" },
		{ "ecsClusterDetails", "name" },
	};
	struct span	 v, el;
	struct span_iter it;
	size_t		 i;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		v = span_member(res, ids[i][0]);
		if (ids[i][1] != NULL)
			v = span_member(v, ids[i][1]);
		else if (span_iter_open(&it, v, '[') == 0 &&
		    span_iter_elem(&it, &el))
			v = span_member(el, "name");
		else
			v = SPAN_NONE;
		if (is_string(v) && v.e - v.p > 2) {
			set_text(&f->resource_id, v);
			break;
		}
	}
	v = span_member(res, "resourceType");
	if (is_string(v) && v.e - v.p > 2)
		set_text(&f->resource_type, v);
}

static const char gd_product[] = "\"GuardDuty\"";

void
finding_fill_native(struct walk *w, const struct members *ms)
{
	struct finding	*f = &w->f;
	struct span	 svc = M(ms, service);
	double		 d;

	set_text(&f->id, M(ms, arn));
	set_first(&f->id, M(ms, id));
	set_text(&f->gd_id, M(ms, id));
	set_text(&f->type, M(ms, type));
	set_text(&f->title, M(ms, title));
	if (span_number(M(ms, severity), &d) == 0)
		set_label(&f->severity, finding_gd_label(d));
	else
		set_label_string(&f->severity, M(ms, severity));
	set_text(&f->account, M(ms, accountId));
	set_text(&f->region, M(ms, region));
	f->product.json = gd_product;
	f->product.len = sizeof gd_product - 1;
	native_resource(f, M(ms, resource));

	walk_actions(w, span_member(svc, "action"), &native_names);

	observed(f, span_member(svc, "eventLastSeen"));
	observed(f, M(ms, updatedAt));
	observed(f, M(ms, createdAt));
	set_scalar(&f->first_seen, span_member(svc, "eventFirstSeen"));
	set_scalar(&f->last_seen, span_member(svc, "eventLastSeen"));
	set_scalar(&f->updated, M(ms, updatedAt));
}

/* An OCSF endpoint that is our own resource (it names an instance, ...). */
static int
own_endpoint(struct span ep)
{
	static const char *const own[] = {
		"instance_uid", "interface_uid", "vpc_uid", "subnet_uid"
	};
	size_t	 i;
	struct span v;

	for (i = 0; i < sizeof own / sizeof own[0]; i++) {
		v = span_member(ep, own[i]);
		if (is_string(v) && v.e - v.p > 2)
			return 1;
	}
	return 0;
}

/*
 * An evidence's remote side: src_endpoint when the connection came in,
 * dst_endpoint when it went out; with no direction, each endpoint that is
 * not our own resource (source: INBOUND, destination: OUTBOUND).
 */
static void
ocsf_evidence(struct walk *w, struct span ev)
{
	struct span	 ci = span_member(ev, "connection_info");
	struct span	 src = span_member(ev, "src_endpoint");
	struct span	 dst = span_member(ev, "dst_endpoint");
	double		 id = 0;
	const char	*a = w->action_type;

	if (span_number(span_member(ci, "direction_id"), &id) != 0) {
		char	 tmp[16];

		id = 0;
		if (span_string(span_member(ci, "direction"), tmp,
		    sizeof tmp) > 0) {
			if (strcasecmp(tmp, "inbound") == 0)
				id = 1;
			else if (strcasecmp(tmp, "outbound") == 0)
				id = 2;
		}
	}
	if (id == 1)
		add_ip(w, span_member(src, "ip"), a, "INBOUND");
	else if (id == 2)
		add_ip(w, span_member(dst, "ip"), a, "OUTBOUND");
	else {
		if (is_object(src) && !own_endpoint(src))
			add_ip(w, span_member(src, "ip"), a, "INBOUND");
		if (is_object(dst) && !own_endpoint(dst))
			add_ip(w, span_member(dst, "ip"), a, "OUTBOUND");
	}
}

static int
has_prefix(struct span s, const char *pfx)
{
	size_t	 n = strlen(pfx);

	return (size_t)(s.e - s.p) >= n && memcmp(s.p, pfx, n) == 0;
}

/*
 * Observables of type 2 (IP Address), except those naming evidences (seen
 * above, with their direction) or our own resources and device.
 */
static void
ocsf_observable(struct walk *w, struct span ob)
{
	struct span	 name = span_member(ob, "name");
	double		 type;

	if (span_number(span_member(ob, "type_id"), &type) != 0 || type != 2)
		return;
	if (is_string(name)) {
		name.p++;
		if (has_prefix(name, "evidences") ||
		    has_prefix(name, "resources") || has_prefix(name, "device"))
			return;
	}
	add_ip(w, span_member(ob, "value"), w->action_type, "UNKNOWN");
}

void
finding_fill_ocsf(struct walk *w, const struct members *ms)
{
	struct finding	*f = &w->f;
	struct span	 fi = M(ms, finding_info), el = SPAN_NONE, at;
	struct span_iter it;
	double		 d;
	char		 tmp[FINDING_ACTION_MAX];
	long		 n;

	set_text(&f->id, span_member(fi, "uid"));
	first_string_of(&f->type, span_member(fi, "types"));
	set_text(&f->title, span_member(fi, "title"));
	if (span_number(M(ms, severity_id), &d) == 0 && d >= 0 && d < 100)
		set_label(&f->severity, finding_ocsf_label((long)d));
	if (f->severity.len == 0)
		set_label_string(&f->severity, M(ms, severity));
	set_text(&f->account, span_member(span_member(M(ms, cloud),
	    "account"), "uid"));
	set_text(&f->region, span_member(M(ms, cloud), "region"));
	set_text(&f->product, span_member(span_member(M(ms, metadata),
	    "product"), "name"));
	if (span_iter_open(&it, M(ms, resources), '[') == 0)
		span_iter_elem(&it, &el);
	set_resource(f, span_member(el, "type"), span_member(el, "uid"));
	set_text(&f->url, span_member(fi, "src_url"));

	/* Security Hub keeps GuardDuty's action type among the unmapped */
	w->action_type[0] = '\0';
	at = span_member(M(ms, unmapped),
	    "ProductFields.aws/guardduty/service/action/actionType");
	if ((n = span_string(at, tmp, sizeof tmp)) > 0 &&
	    strspn(tmp, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == (size_t)n)
		strcpy(w->action_type, tmp);

	if (span_iter_open(&it, M(ms, evidences), '[') == 0)
		while (span_iter_elem(&it, &el))
			ocsf_evidence(w, el);
	if (span_iter_open(&it, M(ms, observables), '[') == 0)
		while (span_iter_elem(&it, &el))
			ocsf_observable(w, el);

	observed(f, span_member(fi, "last_seen_time_dt"));
	observed(f, span_member(fi, "last_seen_time"));
	observed(f, M(ms, time_dt));
	observed(f, M(ms, time));
	set_scalar(&f->first_seen, span_member(fi, "first_seen_time_dt"));
	set_scalar(&f->first_seen, span_member(fi, "first_seen_time"));
	set_scalar(&f->last_seen, span_member(fi, "last_seen_time_dt"));
	set_scalar(&f->last_seen, span_member(fi, "last_seen_time"));
	set_scalar(&f->updated, span_member(fi, "modified_time_dt"));
	set_scalar(&f->updated, span_member(fi, "modified_time"));
}

/* The envelope's fields for what the finding does not say; directions. */
void
finding_fill_finish(struct walk *w)
{
	envelope_fallbacks(w);
	settle_directions(w);
}
