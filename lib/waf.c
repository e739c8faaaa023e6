/*
 * waf.c: plan the addresses of a WAF (wafv2) IP set: names, ids and ARNs,
 * the GetIPSet answer, the safety rails on what the set holds, the new
 * set and its UpdateIPSet request. No I/O: bin/waf-sync.c does the calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "waf.h"

struct waf_ipset {
	char		*name;
	char		*id;
	char		*arn;
	char		*token;
	char		*description;	/* NULL if the set has none */
	enum waf_scope	 scope;
	int		 family;	/* 4 or 6 */
	size_t		 nentries;
	int		 match_all;	/* an entry is a /0 */
	struct nfw_set	 listed;	/* the entries but a /0 */
	struct nfw_set	 blocked;	/* every entry */
	/* IPv4 blocks an IPV6 set holds as IPv4-mapped entries: written as
	   IPv6, read as what they map (ip_parse_cidr()) */
	struct nfw_set	 mapped;
};

/* --- names ---------------------------------------------------------------- */

const char *
waf_scope_name(enum waf_scope scope)
{
	return scope == WAF_CLOUDFRONT ? "CLOUDFRONT" : "REGIONAL";
}

int
waf_scope_parse(const char *s, enum waf_scope *scope)
{
	if (strcasecmp(s, "REGIONAL") == 0)
		*scope = WAF_REGIONAL;
	else if (strcasecmp(s, "CLOUDFRONT") == 0)
		*scope = WAF_CLOUDFRONT;
	else
		return -1;
	return 0;
}

int
waf_name_valid(const char *s)
{
	size_t	 n = strlen(s);

	return n >= 1 && n <= 128 && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] == '\0';
}

int
waf_id_valid(const char *s)
{
	size_t	 i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

void
waf_ref_free(struct waf_ref *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->id);
	free(r->arn);
	free(r->region);
	memset(r, 0, sizeof(*r));
}

static int
all_of(const char *s, const char *set)
{
	return *s != '\0' && s[strspn(s, set)] == '\0';
}

/* arn:PARTITION:wafv2:REGION:ACCOUNT:regional|global/ipset/NAME/ID */
static int
parse_arn(const char *arn, struct waf_ref *r)
{
	char	*copy, *p, *f[6], *res[4];
	int	 i, ok = 0;

	p = copy = xstrdup(arn);
	for (i = 0; i < 6; i++)
		f[i] = strsep(&p, ":");
	if (p != NULL || f[5] == NULL)
		goto out;	/* not six fields */
	p = f[5];
	for (i = 0; i < 4; i++)
		res[i] = strsep(&p, "/");
	if (p != NULL || res[3] == NULL)
		goto out;
	if (strcmp(f[0], "arn") != 0 || !all_of(f[1],
	    "abcdefghijklmnopqrstuvwxyz-") || strcmp(f[2], "wafv2") != 0 ||
	    !all_of(f[3], "abcdefghijklmnopqrstuvwxyz0123456789-") ||
	    strlen(f[4]) != 12 || !all_of(f[4], "0123456789") ||
	    strcmp(res[1], "ipset") != 0 || !waf_name_valid(res[2]) ||
	    !waf_id_valid(res[3]))
		goto out;
	if (strcmp(res[0], "regional") == 0)
		r->scope = WAF_REGIONAL;
	else if (strcmp(res[0], "global") == 0 &&
	    strcmp(f[3], WAF_CLOUDFRONT_REGION) == 0)
		r->scope = WAF_CLOUDFRONT;
	else
		goto out;
	r->has_scope = 1;
	r->name = xstrdup(res[2]);
	r->id = xstrdup(res[3]);
	r->region = xstrdup(f[3]);
	r->arn = xstrdup(arn);
	ok = 1;
out:
	free(copy);
	return ok ? 0 : -1;
}

int
waf_ref_parse(const char *s, struct waf_ref *r, char **cause)
{
	memset(r, 0, sizeof(*r));
	*cause = NULL;
	if (strncmp(s, "arn:", 4) == 0) {
		if (parse_arn(s, r) == 0)
			return 0;
		waf_ref_free(r);
		*cause = xstrdup("not the ARN of an IP set (arn:aws:wafv2:"
		    "REGION:ACCOUNT:regional/ipset/NAME/ID, or global/... in "
		    "us-east-1)");
		return -1;
	}
	if (!waf_name_valid(s)) {
		*cause = xstrdup("an IP set name is 1 to 128 letters, digits, "
		    "_ and -, or give the ARN");
		return -1;
	}
	r->name = xstrdup(s);
	return 0;
}

int
waf_list_find(const json_t *resp, const char *name, const char **id,
    const char **next, char **cause)
{
	const json_t	*sets, *v;
	const char	*n, *marker;
	size_t		 i;
	int		 found = 0;

	*id = *next = NULL;
	*cause = NULL;
	sets = json_object_get(resp, "IPSets");
	if (!json_is_object(resp) || (sets != NULL && !json_is_array(sets))) {
		*cause = xstrdup("ListIPSets answer has no list of IPSets");
		return -1;
	}
	json_array_foreach(sets, i, v) {
		n = json_string_value(json_object_get(v, "Name"));
		if (n == NULL || strcmp(n, name) != 0)
			continue;
		if (found++ > 0) {
			*cause = xstrdup("ListIPSets names two IP sets of this "
			    "name: give the ARN or --id");
			return -1;
		}
		*id = json_string_value(json_object_get(v, "Id"));
		if (*id == NULL || !waf_id_valid(*id)) {
			*cause = xstrdup("ListIPSets gives the IP set no valid "
			    "Id");
			return -1;
		}
	}
	marker = json_string_value(json_object_get(resp, "NextMarker"));
	/* a page without IP sets ends the list, whatever its marker says */
	if (json_array_size(sets) > 0 && marker != NULL && *marker != '\0')
		*next = marker;
	return found;
}

/* --- the IP set as read --------------------------------------------------- */

static char *
get_string(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? xstrdup(s) : NULL;
}

/* The entries of Addresses into s; 0, or -1 and *cause. */
static int
read_addresses(struct waf_ipset *s, const json_t *list, char **cause)
{
	const json_t	*v;
	struct ip_cidr	 c;
	size_t		 i;

	json_array_foreach(list, i, v) {
		/* the whole string: "192.0.2.1/32\u0000x" is no block */
		if (!json_is_string(v) || ip_parse_cidr(json_string_value(v),
		    json_string_length(v), 1, &c) == -1) {
			xasprintf(cause, "Addresses[%zu]: not a CIDR block", i);
			return -1;
		}
		/* ::ffff:198.51.100.0/120 is 198.51.100.0/24: it goes */
		if (c.addr.family == 4 && s->family == 6 &&
		    memchr(json_string_value(v), ':',
		    json_string_length(v)) != NULL) {
			nfw_set_add_cidr(&s->mapped, &c);
			continue;
		}
		if (c.addr.family != s->family) {
			xasprintf(cause, "Addresses[%zu]: an IPv%d block in an "
			    "%s set", i, c.addr.family,
			    waf_ipset_version(s));
			return -1;
		}
		if (c.bits == 0)
			s->match_all = 1;
		else
			nfw_set_add_cidr(&s->listed, &c);
		nfw_set_add_cidr(&s->blocked, &c);
	}
	s->nentries = json_array_size(list);
	nfw_set_normalise(&s->listed);
	nfw_set_normalise(&s->blocked);
	nfw_set_normalise(&s->mapped);
	return 0;
}

struct waf_ipset *
waf_ipset_from_get(const json_t *resp, enum waf_scope scope, char **cause)
{
	struct waf_ipset *s;
	const json_t	*set, *list;
	const char	*version, *token;

	*cause = NULL;
	set = json_object_get(resp, "IPSet");
	token = json_string_value(json_object_get(resp, "LockToken"));
	if (!json_is_object(set) || token == NULL || *token == '\0') {
		*cause = xstrdup("GetIPSet answer lacks IPSet or LockToken");
		return NULL;
	}
	version = json_string_value(json_object_get(set, "IPAddressVersion"));
	list = json_object_get(set, "Addresses");
	if (version == NULL || (strcmp(version, "IPV4") != 0 &&
	    strcmp(version, "IPV6") != 0)) {
		*cause = xstrdup("GetIPSet answer: IPAddressVersion is neither "
		    "IPV4 nor IPV6");
		return NULL;
	}
	if (!json_is_array(list) || !json_is_string(json_object_get(set,
	    "Name")) || !json_is_string(json_object_get(set, "Id"))) {
		*cause = xstrdup("GetIPSet answer lacks Name, Id or Addresses");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->scope = scope;
	s->family = strcmp(version, "IPV4") == 0 ? 4 : 6;
	s->name = get_string(set, "Name");
	s->id = get_string(set, "Id");
	s->arn = get_string(set, "ARN");
	s->token = xstrdup(token);
	s->description = get_string(set, "Description");
	nfw_set_init(&s->listed);
	nfw_set_init(&s->blocked);
	nfw_set_init(&s->mapped);
	if (read_addresses(s, list, cause) == -1) {
		waf_ipset_free(s);
		return NULL;
	}
	return s;
}

void
waf_ipset_free(struct waf_ipset *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->id);
	free(s->arn);
	free(s->token);
	free(s->description);
	nfw_set_free(&s->listed);
	nfw_set_free(&s->blocked);
	nfw_set_free(&s->mapped);
	free(s);
}

const char *
waf_ipset_name(const struct waf_ipset *s)
{
	return s->name;
}

const char *
waf_ipset_id(const struct waf_ipset *s)
{
	return s->id;
}

const char *
waf_ipset_arn(const struct waf_ipset *s)
{
	return s->arn;
}

const char *
waf_ipset_token(const struct waf_ipset *s)
{
	return s->token;
}

enum waf_scope
waf_ipset_scope(const struct waf_ipset *s)
{
	return s->scope;
}

int
waf_ipset_family(const struct waf_ipset *s)
{
	return s->family;
}

const char *
waf_ipset_version(const struct waf_ipset *s)
{
	return s->family == 4 ? "IPV4" : "IPV6";
}

size_t
waf_ipset_entries(const struct waf_ipset *s)
{
	return s->nentries;
}

const struct nfw_set *
waf_ipset_blocked(const struct waf_ipset *s)
{
	return &s->blocked;
}

/* --- set helpers ---------------------------------------------------------- */

static int
set_empty(const struct nfw_set *s)
{
	return nfw_set_count(s) == 0;
}

/* The one block as a set. */
static void
set_of(const struct ip_cidr *c, struct nfw_set *s)
{
	nfw_set_init(s);
	nfw_set_add_cidr(s, c);
	nfw_set_normalise(s);
}

/* Every address of a family: 0.0.0.0/0 or ::/0. */
static void
family_set(int family, struct nfw_set *s)
{
	struct ip_cidr	 c;

	memset(&c, 0, sizeof(c));
	c.addr.family = family;
	set_of(&c, s);
}

/* Does s hold every address of all (a family's set)? */
static int
set_whole(const struct nfw_set *s, const struct nfw_set *all)
{
	struct nfw_set	 missing;
	int		 whole;

	nfw_set_minus(all, s, &missing);
	whole = set_empty(&missing);
	nfw_set_free(&missing);
	return whole;
}

/* --- the rails ------------------------------------------------------------ */

/* A piece of what may not be blocked, and why. */
struct forbid {
	struct nfw_set	 piece;		/* disjoint from earlier pieces */
	const char	*special;	/* the range's name, or NULL: */
	struct ip_cidr	 allowed;	/* the allowlist block */
};

struct forbidden {
	struct forbid	*v;
	size_t		 n;
	struct nfw_set	 set;		/* their union */
};

/* Add what of block is not forbidden yet, first come first named. */
static void
forbid_block(struct forbidden *f, const struct ip_cidr *c, const char *special)
{
	struct nfw_set	 block, all;
	struct forbid	*x;

	set_of(c, &block);
	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	x = &f->v[f->n];
	nfw_set_minus(&block, &f->set, &x->piece);
	nfw_set_free(&block);
	if (set_empty(&x->piece)) {
		nfw_set_free(&x->piece);
		return;
	}
	x->special = special;
	x->allowed = *c;
	f->n++;
	nfw_set_union(&f->set, &x->piece, &all);
	nfw_set_free(&f->set);
	f->set = all;
}

static void
forbidden_init(struct forbidden *f, int family, const struct waf_rails *rails)
{
	struct ip_cidr	 c;
	const char	*name;
	size_t		 i;

	memset(f, 0, sizeof(*f));
	nfw_set_init(&f->set);
	if (rails == NULL || !rails->allow_private)
		for (i = 0; (name = ip_special_block(i, &c)) != NULL; i++)
			if (c.addr.family == family)
				forbid_block(f, &c, name);
	if (rails != NULL && rails->allowlist != NULL)
		for (i = 0; i < rails->allowlist->n; i++)
			if (rails->allowlist->blocks[i].addr.family == family)
				forbid_block(f, &rails->allowlist->blocks[i],
				    NULL);
}

static void
forbidden_free(struct forbidden *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		nfw_set_free(&f->v[i].piece);
	free(f->v);
	nfw_set_free(&f->set);
}

static struct waf_note *
add_note(struct waf_plan *p, const struct ip_cidr *c)
{
	struct waf_note	*n;

	p->cleaned = xreallocarray(p->cleaned, p->ncleaned + 1,
	    sizeof(*p->cleaned));
	n = &p->cleaned[p->ncleaned++];
	memset(n, 0, sizeof(*n));
	n->block = *c;
	return n;
}

/* 0.0.0.0/0 (::/0) was in the set or would have been: once. */
static void
note_match_all(struct waf_plan *p, int family)
{
	struct ip_cidr	 c;
	struct waf_note	*n;
	size_t		 i;

	for (i = 0; i < p->ncleaned; i++)
		if (p->cleaned[i].block.bits == 0)
			return;
	memset(&c, 0, sizeof(c));
	c.addr.family = family;
	n = add_note(p, &c);
	snprintf(n->reason, sizeof(n->reason), "matches all traffic");
}

/* The blocks of listed that x forbids, each noted with why. */
static void
note_forbidden(struct waf_plan *p, const struct nfw_set *listed,
    const struct forbid *x)
{
	struct nfw_set	 part;
	struct ip_cidr	*c;
	struct waf_note	*n;
	size_t		 nc, i;
	char		 text[IP_STRLEN];

	nfw_set_intersect(listed, &x->piece, &part);
	nc = nfw_set_cidrs(&part, &c);
	for (i = 0; i < nc; i++) {
		n = add_note(p, &c[i]);
		if (x->special != NULL)
			snprintf(n->reason, sizeof(n->reason), "special-"
			    "purpose %s: %s", c[i].bits == ip_maxbits(
			    &c[i].addr) ? "address" : "range", x->special);
		else
			snprintf(n->reason, sizeof(n->reason),
			    "allowlisted: %s", ip_format_cidr(&x->allowed,
			    text));
	}
	free(c);
	nfw_set_free(&part);
}

/*
 * The IPv4-mapped entries of an IPV6 set, as the IPv4 blocks they map: no
 * IPv6 address is in them, and an IPv4 block goes in an IPv4 set.
 */
static void
note_mapped(struct waf_plan *p, const struct nfw_set *mapped)
{
	struct ip_cidr	*c, as6;
	struct waf_note	*n;
	size_t		 nc, i;
	char		 text[IP_STRLEN];

	nc = nfw_set_cidrs(mapped, &c);
	for (i = 0; i < nc; i++) {
		n = add_note(p, &c[i]);
		memset(&as6, 0, sizeof(as6));
		as6.addr.family = 6;
		as6.addr.bytes[10] = as6.addr.bytes[11] = 0xff;
		memcpy(as6.addr.bytes + 12, c[i].addr.bytes, 4);
		as6.bits = c[i].bits + 96;
		snprintf(n->reason, sizeof(n->reason), "IPv4-mapped (%s): "
		    "IPv4 addresses go in an IPv4 set", ip_format_cidr(&as6,
		    text));
	}
	free(c);
}

static int
note_cmp(const void *a, const void *b)
{
	const struct waf_note *x = a, *y = b;
	int	 r;

	if ((r = ip_cmp(&x->block.addr, &y->block.addr)) != 0)
		return r;
	return x->block.bits < y->block.bits ? -1 :
	    x->block.bits > y->block.bits;
}

/* --- plans ---------------------------------------------------------------- */

/* What of the set may stay: no /0, nothing the rails forbid. */
static void
clean_base(struct waf_plan *p, const struct waf_ipset *s,
    const struct forbidden *f, const struct nfw_set *all,
    struct nfw_set *base)
{
	struct nfw_set	 listed;
	size_t		 i;

	nfw_set_copy(&s->listed, &listed);
	if (s->match_all)
		note_match_all(p, s->family);
	if (set_whole(&listed, all)) {
		note_match_all(p, s->family);
		nfw_set_free(&listed);
		nfw_set_init(&listed);
	}
	for (i = 0; i < f->n; i++)
		note_forbidden(p, &listed, &f->v[i]);
	nfw_set_minus(&listed, &f->set, base);
	nfw_set_free(&listed);
}

static void
plan_sets(struct waf_plan *p, const struct waf_ipset *s,
    const struct nfw_set *input, const struct forbidden *f)
{
	struct nfw_set	 all, in, base, merged;

	family_set(s->family, &all);
	nfw_set_intersect(input, &all, &in);
	clean_base(p, s, f, &all, &base);
	switch (p->mode) {
	case NFW_MERGE:
		nfw_set_union(&base, &in, &merged);
		nfw_set_minus(&merged, &f->set, &p->blocked);
		nfw_set_free(&merged);
		break;
	case NFW_REPLACE:
		nfw_set_minus(&in, &f->set, &p->blocked);
		break;
	case NFW_REMOVE:
		nfw_set_minus(&base, &in, &p->blocked);
		break;
	}
	/*
	 * A set that holds every address matches all traffic. When the set's
	 * blocks and the input make one, the set's blocks go and the input
	 * stays: planning again then changes nothing.
	 */
	if (set_whole(&p->blocked, &all)) {
		note_match_all(p, s->family);
		nfw_set_free(&p->blocked);
		nfw_set_init(&p->blocked);
		if (p->mode == NFW_MERGE) {
			nfw_set_minus(&in, &f->set, &merged);
			if (set_whole(&merged, &all))
				nfw_set_free(&merged);
			else
				p->blocked = merged;
		}
	}
	nfw_set_free(&all);
	nfw_set_free(&in);
	nfw_set_free(&base);
}

struct waf_plan *
waf_plan_new(const struct waf_ipset *s, enum nfw_mode mode,
    const struct nfw_set *input, const struct waf_rails *rails)
{
	struct waf_plan	*p;
	struct forbidden f;

	p = xcalloc(1, sizeof(*p));
	p->mode = mode;
	forbidden_init(&f, s->family, rails);
	plan_sets(p, s, input, &f);
	forbidden_free(&f);
	/* after the match-all note, which looks for a /0 of its version */
	note_mapped(p, &s->mapped);
	if (p->ncleaned > 1)
		qsort(p->cleaned, p->ncleaned, sizeof(*p->cleaned), note_cmp);
	nfw_set_minus(&p->blocked, &s->blocked, &p->added);
	nfw_set_minus(&s->blocked, &p->blocked, &p->removed);
	p->nblocks = nfw_set_cidrs(&p->blocked, &p->blocks);
	p->fits = p->nblocks <= WAF_MAX_ADDRESSES;
	p->changed = !nfw_set_equal(&p->blocked, &s->blocked) ||
	    nfw_set_count(&s->mapped) > 0;
	return p;
}

void
waf_plan_free(struct waf_plan *p)
{
	if (p == NULL)
		return;
	nfw_set_free(&p->blocked);
	nfw_set_free(&p->added);
	nfw_set_free(&p->removed);
	free(p->blocks);
	free(p->cleaned);
	free(p);
}

json_t *
waf_plan_request(const struct waf_plan *p, const struct waf_ipset *s)
{
	json_t	*req, *list = json_array();
	char	 text[IP_STRLEN];
	size_t	 i;

	for (i = 0; i < p->nblocks; i++)
		json_array_append_new(list,
		    json_string(ip_format_cidr(&p->blocks[i], text)));
	req = json_pack("{s:s, s:s, s:s}", "Name", s->name, "Scope",
	    waf_scope_name(s->scope), "Id", s->id);
	if (s->description != NULL && *s->description != '\0')
		json_object_set_new(req, "Description",
		    json_string(s->description));
	json_object_set_new(req, "Addresses", list);
	json_object_set_new(req, "LockToken", json_string(s->token));
	return req;
}
