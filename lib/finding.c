/*
 * finding.c: tell ASFF, native GuardDuty and OCSF findings apart, in all
 * the envelopes they travel in, and list the remote addresses each names,
 * by walking the JSON text once without decoding it.
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
#include "ip.h"
#include "util.h"

/*
 * A JSON value as a span of text. The walker below trusts that the text is
 * valid JSON (the reader checked it) but never reads outside [p, e).
 */
struct span {
	const char	*p;
	const char	*e;
};

#define SPAN_NONE	((struct span){ NULL, NULL })
#define HAS(s)		((s).p != NULL)

static const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* p is at the opening quote: return past the closing one, or NULL. */
static const char *
skip_string(const char *p, const char *e)
{
	const char	*q, *b;

	p++;
	for (;;) {
		if (p >= e || (q = memchr(p, '"', e - p)) == NULL)
			return NULL;
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if (((q - b) & 1) == 0)
			return q + 1;
		p = q + 1;
	}
}

/*
 * Where each object and array of the record ends, found in one pass so
 * that stepping over a member is a lookup rather than a scan. Set by
 * finding_each() for the duration of a walk.
 */
struct doc_index {
	const char	*base;
	size_t		 len;
	uint32_t	*open;	/* offsets of '{' and '[', ascending */
	uint32_t	*end;	/* past the matching close, or 0 */
	size_t		 n;
	size_t		 cap;
};

static _Thread_local const struct doc_index *doc;

static void
doc_build(struct doc_index *d, const char *text, size_t len)
{
	const char	*p = text, *e = text + len;
	uint32_t	*stack = NULL;
	size_t		 depth = 0, scap = 0;

	d->base = text;
	d->len = len;
	d->n = 0;
	if (len >= UINT32_MAX)
		return;
	while (p < e) {
		switch (*p) {
		case '"':
			if ((p = skip_string(p, e)) == NULL)
				goto out;
			continue;
		case '{':
		case '[':
			if (d->n == d->cap) {
				d->cap = d->cap ? d->cap * 2 : 256;
				d->open = xreallocarray(d->open, d->cap,
				    sizeof *d->open);
				d->end = xreallocarray(d->end, d->cap,
				    sizeof *d->end);
			}
			if (depth == scap) {
				scap = scap ? scap * 2 : 64;
				stack = xreallocarray(stack, scap,
				    sizeof *stack);
			}
			d->open[d->n] = p - text;
			d->end[d->n] = 0;
			stack[depth++] = d->n++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				goto out;
			d->end[stack[--depth]] = p + 1 - text;
			break;
		}
		p++;
	}
out:
	free(stack);
}

/* The end of the container at p, from the index; NULL if not known. */
static const char *
doc_end(const char *p)
{
	size_t		 lo = 0, hi, mid;
	uint32_t	 off;

	if (doc == NULL || p < doc->base || p >= doc->base + doc->len)
		return NULL;
	off = p - doc->base;
	hi = doc->n;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (doc->open[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < doc->n && doc->open[lo] == off && doc->end[lo] != 0)
		return doc->base + doc->end[lo];
	return NULL;
}

/* p is at the first byte of a value: return past its end, or NULL. */
static const char *
skip_value(const char *p, const char *e)
{
	const char	*q;
	int		 depth = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return skip_string(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != '}' && *p != ']' &&
		    *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			p++;
		return p;
	}
	if ((q = doc_end(p)) != NULL && q <= e)
		return q;
	while (p < e) {
		switch (*p) {
		case '"':
			if ((p = skip_string(p, e)) == NULL)
				return NULL;
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p + 1;
			break;
		}
		p++;
	}
	return NULL;
}

/* An iterator over the members of an object or the elements of an array. */
struct iter {
	const char	*p;
	const char	*e;
};

static int
iter_open(struct iter *it, struct span v, char open)
{
	if (!HAS(v) || v.p >= v.e || *v.p != open)
		return -1;
	it->p = v.p + 1;
	it->e = v.e;
	return 0;
}

static int
iter_value(struct iter *it, struct span *val)
{
	const char	*q;

	/* no progress (a '}' where an element should be, in text that is
	 * not JSON) ends the walk rather than looping on the same byte */
	if ((q = skip_value(it->p, it->e)) == NULL || q == it->p)
		return 0;
	val->p = it->p;
	val->e = q;
	it->p = q;
	return 1;
}

/* Next member: key (contents, no quotes) and value. 0 at the end. */
static int
iter_member(struct iter *it, struct span *key, struct span *val)
{
	const char	*p, *q;

	p = skip_ws(it->p, it->e);
	if (p < it->e && *p == ',')
		p = skip_ws(p + 1, it->e);
	if (p >= it->e || *p != '"' || (q = skip_string(p, it->e)) == NULL)
		return 0;
	key->p = p + 1;
	key->e = q - 1;
	p = skip_ws(q, it->e);
	if (p >= it->e || *p != ':')
		return 0;
	it->p = skip_ws(p + 1, it->e);
	return iter_value(it, val);
}

static int
iter_elem(struct iter *it, struct span *val)
{
	const char	*p;

	p = skip_ws(it->p, it->e);
	if (p < it->e && *p == ',')
		p = skip_ws(p + 1, it->e);
	if (p >= it->e || *p == ']')
		return 0;
	it->p = p;
	return iter_value(it, val);
}

static int
span_is(struct span s, const char *lit, size_t len)
{
	return (size_t)(s.e - s.p) == len && memcmp(s.p, lit, len) == 0;
}
#define IS(s, lit)	span_is((s), (lit), sizeof(lit) - 1)

static int
is_string(struct span v)
{
	return HAS(v) && v.p < v.e && *v.p == '"';
}

static int
is_object(struct span v)
{
	return HAS(v) && v.p < v.e && *v.p == '{';
}

static int
is_array(struct span v)
{
	return HAS(v) && v.p < v.e && *v.p == '[';
}

static int
is_number(struct span v)
{
	return HAS(v) && v.p < v.e && (*v.p == '-' || isdigit((u_char)*v.p));
}

/* A member of an object, or SPAN_NONE. */
static struct span
member(struct span obj, const char *name)
{
	struct iter	 it;
	struct span	 k, v;
	size_t		 len = strlen(name);

	if (iter_open(&it, obj, '{') == 0) {
		while (iter_member(&it, &k, &v))
			if (span_is(k, name, len))
				return v;
	}
	return SPAN_NONE;
}

static int
number(struct span v, double *d)
{
	char	 tmp[64], *end;
	size_t	 n;

	if (!is_number(v) || (n = v.e - v.p) >= sizeof tmp)
		return -1;
	memcpy(tmp, v.p, n);
	tmp[n] = '\0';
	*d = strtod(tmp, &end);
	return *end == '\0' ? 0 : -1;
}

static int
hexval(const char *p, const char *e, unsigned int *v)
{
	return e - p < 4 ? -1 : hex4(p, v);
}

static size_t
put_utf8(char *out, unsigned int cp)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | (cp >> 6);
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | (cp >> 12);
		out[1] = 0x80 | ((cp >> 6) & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | (cp >> 18);
	out[1] = 0x80 | ((cp >> 12) & 0x3f);
	out[2] = 0x80 | ((cp >> 6) & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/*
 * The contents of a string token, unescaped, into buf (NUL-terminated).
 * Returns the length, or -1 if v is no string or does not fit.
 */
static long
string_value(struct span v, char *buf, size_t size)
{
	const char	*p, *e;
	size_t		 n = 0;
	unsigned int	 cp, lo;

	if (!is_string(v) || v.e - v.p < 2 || size == 0)
		return -1;
	p = v.p + 1;
	e = v.e - 1;
	while (p < e) {
		if (n + 5 > size)
			return -1;
		if (*p != '\\') {
			buf[n++] = *p++;
			continue;
		}
		if (++p >= e)
			return -1;
		switch (*p++) {
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u':
			if (hexval(p, e, &cp) != 0)
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && e - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    hexval(p + 2, e, &lo) == 0 &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			}
			n += put_utf8(buf + n, cp);
			break;
		default:	/* \" \\ \/ */
			buf[n++] = p[-1];
			break;
		}
	}
	buf[n] = '\0';
	return (long)n;
}

static int
string_is(struct span v, const char *s)
{
	char	 tmp[64];

	return string_value(v, tmp, sizeof tmp) >= 0 && strcmp(tmp, s) == 0;
}

/* --- labels ----------------------------------------------------------- */

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

const char *
finding_gd_label(double sev)
{
	if (sev >= 9.0)
		return "CRITICAL";
	if (sev >= 7.0)
		return "HIGH";
	if (sev >= 4.0)
		return "MEDIUM";
	if (sev > 0.0)
		return "LOW";
	return "INFORMATIONAL";
}

const char *
finding_normalized_label(double n)
{
	if (n >= 90)
		return "CRITICAL";
	if (n >= 70)
		return "HIGH";
	if (n >= 40)
		return "MEDIUM";
	if (n >= 1)
		return "LOW";
	return "INFORMATIONAL";
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

static void
set_label(struct finding_text *t, const char *name)
{
	size_t	 i;

	t->json = NULL;
	t->len = 0;
	for (i = 0; name != NULL && i < sizeof labels / sizeof labels[0]; i++) {
		if (strcmp(labels[i].name, name) == 0) {
			t->json = labels[i].json;
			t->len = strlen(t->json);
		}
	}
}

/* A label written in any case ("High", "high") as the canonical one. */
static int
set_label_string(struct finding_text *t, struct span v)
{
	char	 tmp[32];
	size_t	 i;

	if (string_value(v, tmp, sizeof tmp) < 0)
		return -1;
	for (i = 0; tmp[i] != '\0'; i++)
		tmp[i] = toupper((u_char)tmp[i]);
	set_label(t, tmp);
	return t->len != 0 ? 0 : -1;
}

const char *
finding_shape_name(enum finding_shape shape)
{
	switch (shape) {
	case FINDING_ASFF:
		return "ASFF";
	case FINDING_GUARDDUTY:
		return "GuardDuty";
	case FINDING_OCSF:
		return "OCSF";
	}
	return "?";
}

/* --- the walk --------------------------------------------------------- */

/* The top-level members any shape (or envelope) may need. */
enum slot {
	/* ASFF */
	S_Id, S_ProductArn, S_SchemaVersion, S_AwsAccountId, S_Types,
	S_Severity, S_FindingProviderFields, S_Region, S_LastObservedAt,
	S_UpdatedAt, S_CreatedAt, S_ProductName, S_ProductFields, S_Action,
	S_Resources,
	/* native GuardDuty */
	S_id, S_arn, S_type, S_severity, S_accountId, S_region, S_service,
	S_resource, S_updatedAt, S_createdAt,
	/* OCSF */
	S_class_uid, S_finding_info, S_severity_id, S_cloud, S_metadata,
	S_evidences, S_observables, S_time_dt, S_time, S_unmapped,
	/* envelopes */
	S_detail, S_findings, S_Findings, S_account,
	S_MAX
};

static const struct {
	const char	*name;
	size_t		 len;
} slot_names[S_MAX] = {
#define N(s)	{ s, sizeof(s) - 1 }
	N("Id"), N("ProductArn"), N("SchemaVersion"), N("AwsAccountId"),
	N("Types"), N("Severity"), N("FindingProviderFields"), N("Region"),
	N("LastObservedAt"), N("UpdatedAt"), N("CreatedAt"),
	N("ProductName"), N("ProductFields"), N("Action"), N("Resources"),
	N("id"), N("arn"), N("type"), N("severity"), N("accountId"),
	N("region"), N("service"), N("resource"), N("updatedAt"),
	N("createdAt"),
	N("class_uid"), N("finding_info"), N("severity_id"), N("cloud"),
	N("metadata"), N("evidences"), N("observables"), N("time_dt"),
	N("time"), N("unmapped"),
	N("detail"), N("findings"), N("Findings"), N("account"),
#undef N
};

struct members {
	struct span	 obj;
	struct span	 m[S_MAX];
};

static void
collect(struct members *ms, struct span obj)
{
	struct iter	 it;
	struct span	 k, v;
	size_t		 len;
	int		 i;

	memset(ms, 0, sizeof *ms);
	ms->obj = obj;
	if (iter_open(&it, obj, '{') != 0)
		return;
	while (iter_member(&it, &k, &v)) {
		len = k.e - k.p;
		for (i = 0; i < S_MAX; i++) {
			if (slot_names[i].len == len &&
			    memcmp(slot_names[i].name, k.p, len) == 0) {
				if (!HAS(ms->m[i]))
					ms->m[i] = v;
				break;
			}
		}
	}
}

#define M(ms, s)	((ms)->m[S_ ## s])

/* What connectionDirection said for an action type, while walking. */
struct conn_dir {
	char		 action[FINDING_ACTION_MAX];
	const char	*dir;
};

struct walk {
	struct finding		 f;
	finding_cb		 cb;
	void			*arg;
	int			 found;
	int			 stopped;
	size_t			 unknown;
	const struct members	*env;	/* the event, or NULL */
	struct conn_dir		 conn[8];
	size_t			 nconn;
	char			 action_type[FINDING_ACTION_MAX];
};

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

/* ObservedAt from a string timestamp; 0 if it was one. */
static int
observed_string(struct finding *f, struct span v)
{
	char	 tmp[64];
	long	 n;
	time_t	 t;

	if (f->observed_at.len != 0)
		return 0;
	if ((n = string_value(v, tmp, sizeof tmp)) <= 0 ||
	    clk_parse(tmp, n, &t) != 0)
		return -1;
	f->observed_buf[0] = '"';
	clk_format(t, f->observed_buf + 1);
	strcat(f->observed_buf, "\"");
	f->observed_at.json = f->observed_buf;
	f->observed_at.len = strlen(f->observed_buf);
	return 0;
}

/* ObservedAt from milliseconds since the epoch (OCSF). */
static int
observed_millis(struct finding *f, struct span v)
{
	double	 ms;

	if (f->observed_at.len != 0)
		return 0;
	if (number(v, &ms) != 0 || ms < 0 || ms > 253402300799000.0)
		return -1;
	f->observed_buf[0] = '"';
	clk_format((time_t)(ms / 1000), f->observed_buf + 1);
	strcat(f->observed_buf, "\"");
	f->observed_at.json = f->observed_buf;
	f->observed_at.len = strlen(f->observed_buf);
	return 0;
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
	if (string_is(v, "INBOUND"))
		return "INBOUND";
	if (string_is(v, "OUTBOUND"))
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
	if ((n = string_value(v, tmp, sizeof tmp)) < 0 ||
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
	add_ip(w, member(details, nm->v4), action, NULL);
	add_ip(w, member(details, nm->v6), action, NULL);
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
	struct iter	 it, in, arr;
	struct span	 k, v, k2, v2, el;
	char		 action[FINDING_ACTION_MAX];

	if (iter_open(&it, actions, '{') != 0)
		return;
	while (iter_member(&it, &k, &v)) {
		if (!is_object(v) || action_type_of(k, action) != 0)
			continue;
		if (iter_open(&in, v, '{') != 0)
			continue;
		while (iter_member(&in, &k2, &v2)) {
			if (span_is(k2, nm->remote, strlen(nm->remote)))
				remote_details(w, v2, action, nm);
			else if (span_is(k2, nm->direction,
			    strlen(nm->direction)))
				note_conn(w, action, v2);
			else if (span_is(k2, nm->probes, strlen(nm->probes)) &&
			    iter_open(&arr, v2, '[') == 0) {
				while (iter_elem(&arr, &el))
					remote_details(w, member(el,
					    nm->remote), action, nm);
			} else if (span_is(k2, nm->sources,
			    strlen(nm->sources)) &&
			    iter_open(&arr, v2, '[') == 0) {
				while (iter_elem(&arr, &el))
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
	struct iter	 it;
	struct span	 k, v;

	if (iter_open(&it, pf, '{') != 0)
		return;
	while (iter_member(&it, &k, &v)) {
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
	observed_string(&w->f, M(w->env, time));
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

	if (!text_empty(&f->region) || string_value(arn, tmp, sizeof tmp) < 0)
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
	struct iter	 it;
	struct span	 el;

	if (iter_open(&it, arr, '[') == 0 && iter_elem(&it, &el))
		set_text(t, el);
}

static void
fill_asff(struct walk *w, const struct members *ms)
{
	struct finding	*f = &w->f;
	struct span	 sev, last_seen = SPAN_NONE, el;
	struct iter	 it;
	double		 d;

	set_text(&f->id, M(ms, Id));
	first_string_of(&f->type, M(ms, Types));
	sev = M(ms, Severity);
	if (set_label_string(&f->severity, member(sev, "Label")) != 0 &&
	    set_label_string(&f->severity, member(member(
	    M(ms, FindingProviderFields), "Severity"), "Label")) != 0 &&
	    number(member(sev, "Normalized"), &d) == 0)
		set_label(&f->severity, finding_normalized_label(d));
	set_text(&f->account, M(ms, AwsAccountId));
	set_text(&f->region, M(ms, Region));
	region_from_arn(f, M(ms, ProductArn));
	if (iter_open(&it, M(ms, Resources), '[') == 0 && iter_elem(&it, &el))
		set_first(&f->region, member(el, "Region"));
	set_text(&f->product, M(ms, ProductName));

	walk_product_fields(w, M(ms, ProductFields), &last_seen);
	walk_actions(w, M(ms, Action), &asff_names);

	observed_string(f, M(ms, LastObservedAt));
	observed_string(f, last_seen);
	observed_string(f, M(ms, UpdatedAt));
	observed_string(f, M(ms, CreatedAt));
}

static const char gd_product[] = "\"GuardDuty\"";

static void
fill_native(struct walk *w, const struct members *ms)
{
	struct finding	*f = &w->f;
	struct span	 svc = M(ms, service);
	double		 d;

	set_text(&f->id, M(ms, arn));
	set_first(&f->id, M(ms, id));
	set_text(&f->type, M(ms, type));
	if (number(M(ms, severity), &d) == 0)
		set_label(&f->severity, finding_gd_label(d));
	else
		set_label_string(&f->severity, M(ms, severity));
	set_text(&f->account, M(ms, accountId));
	set_text(&f->region, M(ms, region));
	f->product.json = gd_product;
	f->product.len = sizeof gd_product - 1;

	walk_actions(w, member(svc, "action"), &native_names);

	observed_string(f, member(svc, "eventLastSeen"));
	observed_string(f, M(ms, updatedAt));
	observed_string(f, M(ms, createdAt));
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
		v = member(ep, own[i]);
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
	struct span	 ci = member(ev, "connection_info");
	struct span	 src = member(ev, "src_endpoint");
	struct span	 dst = member(ev, "dst_endpoint");
	double		 id = 0;
	const char	*a = w->action_type;

	if (number(member(ci, "direction_id"), &id) != 0) {
		char	 tmp[16];

		id = 0;
		if (string_value(member(ci, "direction"), tmp,
		    sizeof tmp) > 0) {
			if (strcasecmp(tmp, "inbound") == 0)
				id = 1;
			else if (strcasecmp(tmp, "outbound") == 0)
				id = 2;
		}
	}
	if (id == 1)
		add_ip(w, member(src, "ip"), a, "INBOUND");
	else if (id == 2)
		add_ip(w, member(dst, "ip"), a, "OUTBOUND");
	else {
		if (is_object(src) && !own_endpoint(src))
			add_ip(w, member(src, "ip"), a, "INBOUND");
		if (is_object(dst) && !own_endpoint(dst))
			add_ip(w, member(dst, "ip"), a, "OUTBOUND");
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
	struct span	 name = member(ob, "name");
	double		 type;

	if (number(member(ob, "type_id"), &type) != 0 || type != 2)
		return;
	if (is_string(name)) {
		name.p++;
		if (has_prefix(name, "evidences") ||
		    has_prefix(name, "resources") || has_prefix(name, "device"))
			return;
	}
	add_ip(w, member(ob, "value"), w->action_type, "UNKNOWN");
}

static void
fill_ocsf(struct walk *w, const struct members *ms)
{
	struct finding	*f = &w->f;
	struct span	 fi = M(ms, finding_info), el, at;
	struct iter	 it;
	double		 d;
	char		 tmp[FINDING_ACTION_MAX];
	long		 n;

	set_text(&f->id, member(fi, "uid"));
	first_string_of(&f->type, member(fi, "types"));
	if (number(M(ms, severity_id), &d) == 0 && d >= 0 && d < 100)
		set_label(&f->severity, finding_ocsf_label((long)d));
	if (f->severity.len == 0)
		set_label_string(&f->severity, M(ms, severity));
	set_text(&f->account, member(member(M(ms, cloud), "account"), "uid"));
	set_text(&f->region, member(M(ms, cloud), "region"));
	set_text(&f->product, member(member(M(ms, metadata), "product"),
	    "name"));

	/* Security Hub keeps GuardDuty's action type among the unmapped */
	w->action_type[0] = '\0';
	at = member(M(ms, unmapped),
	    "ProductFields.aws/guardduty/service/action/actionType");
	if ((n = string_value(at, tmp, sizeof tmp)) > 0 &&
	    strspn(tmp, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == (size_t)n)
		strcpy(w->action_type, tmp);

	if (iter_open(&it, M(ms, evidences), '[') == 0)
		while (iter_elem(&it, &el))
			ocsf_evidence(w, el);
	if (iter_open(&it, M(ms, observables), '[') == 0)
		while (iter_elem(&it, &el))
			ocsf_observable(w, el);

	observed_string(f, member(fi, "last_seen_time_dt"));
	observed_millis(f, member(fi, "last_seen_time"));
	observed_string(f, M(ms, time_dt));
	observed_millis(f, M(ms, time));
}

static int
is_asff(const struct members *ms)
{
	return is_string(M(ms, Id)) && (is_string(M(ms, ProductArn)) ||
	    is_string(M(ms, SchemaVersion)) || is_string(M(ms, AwsAccountId)));
}

static int
is_ocsf(const struct members *ms)
{
	double	 c;

	if (number(M(ms, class_uid), &c) == 0)
		return c >= 2000 && c < 2100;
	return is_object(M(ms, finding_info));
}

static int
is_native(const struct members *ms)
{
	return is_string(M(ms, type)) &&
	    (is_string(M(ms, arn)) || is_string(M(ms, id))) &&
	    (is_object(M(ms, service)) || is_object(M(ms, resource)));
}

/* Fill and hand over one finding of a known shape. */
static void
emit(struct walk *w, const struct members *ms, enum finding_shape shape)
{
	struct finding		*f = &w->f;

	if (w->stopped)
		return;
	f->shape = shape;
	memset(&f->id, 0, sizeof f->id);
	f->type = f->severity = f->account = f->region = f->id;
	f->observed_at = f->product = f->id;
	f->nips = f->nbad = 0;
	f->obj = ms->obj.p;
	f->obj_end = ms->obj.e;
	f->env = w->env != NULL ? w->env->obj.p : NULL;
	f->env_end = w->env != NULL ? w->env->obj.e : NULL;
	w->nconn = 0;
	w->action_type[0] = '\0';

	switch (shape) {
	case FINDING_ASFF:
		fill_asff(w, ms);
		break;
	case FINDING_GUARDDUTY:
		fill_native(w, ms);
		break;
	case FINDING_OCSF:
		fill_ocsf(w, ms);
		break;
	}
	envelope_fallbacks(w);
	settle_directions(w);
	w->found++;
	if (w->cb(f, w->arg) != 0)
		w->stopped = 1;
}

/* A finding, on its own or inside a container; 0 if it is one. */
static int
visit_finding(struct walk *w, const struct members *ms)
{
	if (is_asff(ms))
		emit(w, ms, FINDING_ASFF);
	else if (is_ocsf(ms))
		emit(w, ms, FINDING_OCSF);
	else if (is_native(ms))
		emit(w, ms, FINDING_GUARDDUTY);
	else
		return -1;
	return 0;
}

static void
visit_list(struct walk *w, struct span list)
{
	struct iter	 it;
	struct span	 el;
	struct members	 ms;

	if (iter_open(&it, list, '[') != 0)
		return;
	while (!w->stopped && iter_elem(&it, &el)) {
		collect(&ms, el);
		if (visit_finding(w, &ms) != 0)
			w->unknown++;
	}
}

/* A record: a finding, an event, a get-findings document. */
static void
visit_value(struct walk *w, struct span v)
{
	struct members	 ms, detail;

	collect(&ms, v);
	if (visit_finding(w, &ms) == 0)
		return;
	if (is_object(M(&ms, detail))) {
		collect(&detail, M(&ms, detail));
		w->env = &ms;
		if (is_array(M(&detail, findings)))
			visit_list(w, M(&detail, findings));
		else if (is_native(&detail))
			emit(w, &detail, FINDING_GUARDDUTY);
		else
			w->unknown++;
		w->env = NULL;
		return;
	}
	if (is_array(M(&ms, Findings))) {
		visit_list(w, M(&ms, Findings));
		return;
	}
	w->unknown++;
}

int
finding_each(const char *text, size_t len, finding_cb cb, void *arg,
    size_t *unknown)
{
	struct walk			 w;
	struct span			 v, el;
	struct iter			 it;
	struct doc_index		 index;
	const struct doc_index		*saved = doc;

	memset(&w, 0, sizeof w);
	memset(&index, 0, sizeof index);
	w.cb = cb;
	w.arg = arg;
	doc_build(&index, text, len);
	doc = &index;
	v.p = skip_ws(text, text + len);
	v.e = text + len;
	if (v.p < v.e && *v.p == '[') {
		/* an array of findings, events or documents */
		iter_open(&it, v, '[');
		while (!w.stopped && iter_elem(&it, &el))
			visit_value(&w, el);
	} else
		visit_value(&w, v);
	doc = saved;
	free(index.open);
	free(index.end);
	free(w.f.ips);
	free(w.f.bad);
	if (unknown != NULL)
		*unknown = w.unknown;
	return w.stopped ? -1 : w.found;
}

const char *
finding_member(const struct finding *f, const char *name, size_t *len)
{
	struct span	 obj, v;

	obj.p = f->obj;
	obj.e = f->obj_end;
	v = member(obj, name);
	if (!HAS(v) && f->env != NULL) {
		obj.p = f->env;
		obj.e = f->env_end;
		v = member(obj, name);
	}
	if (!HAS(v))
		return NULL;
	*len = v.e - v.p;
	return v.p;
}

char *
finding_text_cstr(const struct finding_text *t, char *buf, size_t size)
{
	struct span	 v;

	v.p = t->json;
	v.e = t->json + t->len;
	if (size > 0 && (t->len == 0 || string_value(v, buf, size) < 0))
		buf[0] = '\0';
	return buf;
}
