/*
 * fuzz-waf.c: the IP set planner (lib/waf) on any GetIPSet answer, any
 * input set and any rails, and the IP set names and ARNs it reads.
 *
 * Input: the GetIPSet answer (JSON, as waf-sync reads it), then a NUL, then
 * lines: "mode merge|replace|remove", "private" (--allow-private), "allow
 * CIDR" (an allowlist block), "cloudfront" (the scope), "ref TEXT" (an
 * --ip-set value, parsed on its own), and addresses or CIDR blocks of the
 * input.
 *
 * Checks, against a model written here from waf-sync(1) (nothing taken
 * from waf.c but its interface):
 *  - the answer is refused, with a reason, exactly when the model says it
 *    is not an IP set that can be written back: no IPSet, no LockToken, a
 *    version that is neither IPV4 nor IPV6, no Name, Id or Addresses, or an
 *    entry that is not a CIDR block of the set's version (an IPv4-mapped
 *    entry of an IPV6 set is one: the IPv4 block it maps);
 *  - the planned blocks are sorted, disjoint, the fewest, of the set's
 *    version, never a /0, and cover exactly the wanted set: what the set
 *    may keep (its blocks but a /0, nothing special unless "private",
 *    nothing allowlisted, nothing at all when they cover every address)
 *    merged with, replaced by or minus the input (less what the rails
 *    forbid), and never every address. Sets are compared at every point
 *    where one of them may change, which is exact however large the blocks;
 *  - added, removed, "changed" and "fits" agree with the model; the blocks
 *    cleaned are exactly what the set held that the rails forbid, and one
 *    note says "matches all traffic" exactly when a /0 was held or would
 *    have been planned; IPv4 notes, saying "IPv4-mapped", exactly when an
 *    IPV6 set held IPv4-mapped entries, and then a change;
 *  - the UpdateIPSet request, as sent (serialised and read back), has
 *    Name, Scope, Id, the Description as read, the blocks and the lock
 *    token, and nothing else;
 *  - planning again from the set the request writes changes nothing (and
 *    cleans nothing, but an input that covers every address alone);
 *  - a name or ARN is taken exactly when it is one, and an ARN gives back
 *    its own name, id, region and scope.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "ip.h"
#include "nfw.h"
#include "util.h"
#include "waf.h"

__extension__ typedef unsigned __int128 u128;

#define MAX_LIST	512	/* input and allowlist blocks each */

/* --- addresses as numbers ------------------------------------------------- */

static u128
num(const struct ip_addr *a)
{
	u128	 v = 0;

	for (int i = 0; i < (a->family == 4 ? 4 : 16); i++)
		v = v << 8 | a->bytes[i];
	return v;
}

static struct ip_addr
addr_of(int family, u128 v)
{
	struct ip_addr	 a;

	memset(&a, 0, sizeof a);
	a.family = family;
	for (int i = (family == 4 ? 4 : 16) - 1; i >= 0; i--, v >>= 8)
		a.bytes[i] = (uint8_t)v;
	return a;
}

/* The last address of a block. */
static u128
last(const struct ip_cidr *c)
{
	int	 host = ip_maxbits(&c->addr) - c->bits;

	return num(&c->addr) | (host >= 128 ? ~(u128)0 :
	    ((u128)1 << host) - 1);
}

static int
family_top(int family, u128 v)
{
	return family == 4 ? v == 0xffffffffU : v == ~(u128)0;
}

/* --- the model ------------------------------------------------------------ */

struct list {
	struct ip_cidr	 v[MAX_LIST];
	size_t		 n;
};

struct model {
	int		 family;	/* the set's version, 0 if refused */
	int		 mode;
	int		 private_ok;
	int		 cloudfront;
	struct list	 held;		/* the set's entries */
	int		 held_zero;	/* one of them is a /0 */
	int		 held_mapped;	/* an IPV6 set's IPv4-mapped entries */
	struct list	 in;		/* the input */
	struct list	 allow;		/* the allowlist */
	struct ip_addr	*pts;		/* where the sets may change */
	size_t		 npts, ptscap;
	int		 whole_held;	/* the non-/0 entries cover all */
	int		 whole_want;	/* and the plan before the check */
	int		 whole_alone;	/* and the input alone */
};

static void
list_add(struct list *l, const struct ip_cidr *c)
{
	if (l->n < MAX_LIST)
		l->v[l->n++] = *c;
}

static int
in_list(const struct list *l, const struct ip_addr *a, int nonzero)
{
	for (size_t k = 0; k < l->n; k++)
		if ((!nonzero || l->v[k].bits > 0) &&
		    ip_cidr_contains(&l->v[k], a))
			return 1;
	return 0;
}

static void
point(struct model *m, int family, u128 v)
{
	if (m->npts == m->ptscap) {
		m->ptscap = m->ptscap == 0 ? 64 : m->ptscap * 2;
		m->pts = xreallocarray(m->pts, m->ptscap, sizeof *m->pts);
	}
	m->pts[m->npts++] = addr_of(family, v);
}

/* Its first address and the one after its last, if of the set's version. */
static void
points_of(struct model *m, const struct ip_cidr *c)
{
	if (c->addr.family != m->family)
		return;
	point(m, m->family, num(&c->addr));
	if (!family_top(m->family, last(c)))
		point(m, m->family, last(c) + 1);
}

static int
forbidden(const struct model *m, const struct ip_addr *a)
{
	return (!m->private_ok && ip_special(a) != NULL) ||
	    in_list(&m->allow, a, 0);
}

static int
input_has(const struct model *m, const struct ip_addr *a)
{
	return in_list(&m->in, a, 0);
}

/* What the set may keep of what it holds. */
static int
base(const struct model *m, const struct ip_addr *a)
{
	return !m->whole_held && in_list(&m->held, a, 1) && !forbidden(m, a);
}

static int
want_before(const struct model *m, const struct ip_addr *a)
{
	switch (m->mode) {
	case NFW_MERGE:
		return (base(m, a) || input_has(m, a)) && !forbidden(m, a);
	case NFW_REPLACE:
		return input_has(m, a) && !forbidden(m, a);
	default:
		return base(m, a) && !input_has(m, a);
	}
}

/* The input alone, for a merge that would have covered everything. */
static int
input_alone(const struct model *m, const struct ip_addr *a)
{
	return input_has(m, a) && !forbidden(m, a);
}

static int
all_points(const struct model *m, int (*f)(const struct model *,
    const struct ip_addr *))
{
	for (size_t k = 0; k < m->npts; k++)
		if (!f(m, &m->pts[k]))
			return 0;
	return 1;
}

static int
held_nonzero(const struct model *m, const struct ip_addr *a)
{
	return in_list(&m->held, a, 1);
}

/* The plan: never every address; a merge that would be keeps the input. */
static int
wanted(const struct model *m, const struct ip_addr *a)
{
	if (!m->whole_want)
		return want_before(m, a);
	if (m->mode != NFW_MERGE || m->whole_alone)
		return 0;
	return input_alone(m, a);
}

/* Would waf-sync take this answer? Its entries into m->held. */
static int
model_answer(const json_t *a, struct model *m)
{
	const json_t	*set, *tok, *ver, *list, *v;
	struct ip_cidr	 c;
	size_t		 k;

	set = json_object_get(a, "IPSet");
	tok = json_object_get(a, "LockToken");
	ver = json_object_get(set, "IPAddressVersion");
	list = json_object_get(set, "Addresses");
	if (!json_is_object(set) || !json_is_string(tok) ||
	    json_string_length(tok) == 0 || !json_is_string(ver) ||
	    !json_is_array(list) ||
	    !json_is_string(json_object_get(set, "Name")) ||
	    !json_is_string(json_object_get(set, "Id")))
		return 0;
	if (strcmp(json_string_value(ver), "IPV4") == 0)
		m->family = 4;
	else if (strcmp(json_string_value(ver), "IPV6") == 0)
		m->family = 6;
	else
		return 0;
	json_array_foreach(list, k, v) {
		if (!json_is_string(v) || ip_parse_cidr(json_string_value(v),
		    json_string_length(v), 1, &c) == -1)
			return 0;
		/* written as IPv6, read as the IPv4 block it maps */
		if (m->family == 6 && c.addr.family == 4 &&
		    memchr(json_string_value(v), ':', json_string_length(v))) {
			m->held_mapped++;
			continue;
		}
		if (c.addr.family != m->family)
			return 0;
		list_add(&m->held, &c);
		m->held_zero |= c.bits == 0;
	}
	return 1;
}

/* --- the lines ------------------------------------------------------------ */

static int
name_ok(const char *s, size_t n)
{
	if (n < 1 || n > 128)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' &&
		    s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') ||
		    s[k] == '_' || s[k] == '-'))
			return 0;
	return 1;
}

/* An --ip-set value: taken exactly when it is one, and read right. */
static void
check_ref(const char *s, size_t n)
{
	struct waf_ref	 r;
	char		*text = xstrndup(s, n), *cause = NULL, *tail, *mid;
	int		 got;

	if (memchr(s, '\0', n) != NULL) {
		free(text);
		return;
	}
	got = waf_ref_parse(text, &r, &cause);
	if (strncmp(text, "arn:", 4) != 0) {
		CHECK((got == 0) == name_ok(text, n), "name %s: %d", text, got);
		CHECK(got == -1 || (r.arn == NULL && r.id == NULL &&
		    strcmp(r.name, text) == 0), "name %s read wrong", text);
	} else if (got == 0) {
		CHECK(name_ok(r.name, strlen(r.name)) && waf_id_valid(r.id),
		    "ARN %s: name or id", text);
		xasprintf(&tail, "/ipset/%s/%s", r.name, r.id);
		CHECK(strlen(text) > strlen(tail) && strcmp(text +
		    strlen(text) - strlen(tail), tail) == 0,
		    "ARN %s does not end in %s", text, tail);
		xasprintf(&mid, ":wafv2:%s:", r.region);
		CHECK(strstr(text, mid) != NULL, "ARN %s: region %s", text,
		    r.region);
		CHECK(r.has_scope && (r.scope == WAF_CLOUDFRONT) ==
		    (strstr(text, ":global/ipset/") != NULL), "ARN %s: scope",
		    text);
		CHECK(r.scope != WAF_CLOUDFRONT ||
		    strcmp(r.region, "us-east-1") == 0,
		    "ARN %s: CLOUDFRONT outside us-east-1", text);
		free(tail);
		free(mid);
	}
	CHECK(got == 0 || cause != NULL, "%s refused without a reason", text);
	if (got == 0)
		waf_ref_free(&r);
	free(cause);
	free(text);
}

static void
read_line(struct model *m, const char *s, size_t len)
{
	struct ip_cidr	 c;

	if (len == 10 && memcmp(s, "mode merge", 10) == 0)
		m->mode = NFW_MERGE;
	else if (len == 12 && memcmp(s, "mode replace", 12) == 0)
		m->mode = NFW_REPLACE;
	else if (len == 11 && memcmp(s, "mode remove", 11) == 0)
		m->mode = NFW_REMOVE;
	else if (len == 7 && memcmp(s, "private", 7) == 0)
		m->private_ok = 1;
	else if (len == 10 && memcmp(s, "cloudfront", 10) == 0)
		m->cloudfront = 1;
	else if (len > 4 && memcmp(s, "ref ", 4) == 0)
		check_ref(s + 4, len - 4);
	else if (len > 6 && memcmp(s, "allow ", 6) == 0) {
		if (ip_parse_cidr(s + 6, len - 6, 1, &c) == 0)
			list_add(&m->allow, &c);
	} else if (ip_parse_cidr(s, len, 1, &c) == 0)
		list_add(&m->in, &c);
}

static void
read_lines(struct model *m, const char *s, size_t len)
{
	size_t	 from = 0, k;

	for (k = 0; k <= len; k++)
		if (k == len || s[k] == '\n') {
			if (k > from)
				read_line(m, s + from, k - from);
			from = k + 1;
		}
}

/* --- checks ---------------------------------------------------------------- */

/* How many of the planned blocks hold a (one at most, if disjoint). */
static size_t
holding(const struct waf_plan *p, const struct ip_addr *a)
{
	size_t	 n = 0;

	for (size_t k = 0; k < p->nblocks; k++)
		n += ip_cidr_contains(&p->blocks[k], a);
	return n;
}

/* Two halves of one block, which should have been one. */
static int
halves(const struct ip_cidr *a, const struct ip_cidr *b)
{
	int	 shift = ip_maxbits(&a->addr) - a->bits + 1;

	return a->bits == b->bits && a->bits > 0 && shift < 128 &&
	    num(&a->addr) >> shift == num(&b->addr) >> shift;
}

static void
check_blocks(const struct model *m, const struct waf_plan *p)
{
	char		 t1[IP_STRLEN], t2[IP_STRLEN];
	struct ip_cidr	 c;

	for (size_t k = 0; k < p->nblocks; k++) {
		const struct ip_cidr *b = &p->blocks[k];

		ip_format_cidr(b, t1);
		CHECK(b->addr.family == m->family && b->bits >= 1,
		    "%s: of another version, or a /0", t1);
		CHECK(ip_parse_cidr(t1, strlen(t1), 0, &c) == 0 &&
		    ip_cmp(&c.addr, &b->addr) == 0 && c.bits == b->bits,
		    "%s is no canonical block", t1);
		points_of((struct model *)m, b);
		if (k == 0)
			continue;
		ip_format_cidr(&p->blocks[k - 1], t2);
		CHECK(ip_cmp(&p->blocks[k - 1].addr, &b->addr) < 0 &&
		    !ip_cidr_contains(&p->blocks[k - 1], &b->addr),
		    "%s then %s: not sorted and disjoint", t2, t1);
		CHECK(!halves(&p->blocks[k - 1], b), "%s and %s not merged",
		    t2, t1);
	}
}

/* The cleaned notes: the match-all one, and exactly listed & forbidden. */
static void
check_cleaned(const struct model *m, const struct waf_plan *p)
{
	const struct ip_cidr *prev = NULL;
	size_t	 k, zeros = 0, mapped = 0;
	char	 t[IP_STRLEN];

	for (k = 0; k < p->ncleaned; k++) {
		const struct ip_cidr *b = &p->cleaned[k].block;

		ip_format_cidr(b, t);
		if (m->family == 6 && b->addr.family == 4) {
			mapped++;
			CHECK(strncmp(p->cleaned[k].reason, "IPv4-mapped (::ffff:",
			    20) == 0, "note %s says %s", t,
			    p->cleaned[k].reason);
			CHECK(prev == NULL || ip_cmp(&prev->addr, &b->addr) < 0,
			    "note %s: not in address order", t);
			prev = b;
			continue;
		}
		CHECK(b->addr.family == m->family, "note %s: version", t);
		if (b->bits == 0) {
			zeros++;
			CHECK(strcmp(p->cleaned[k].reason, "matches all "
			    "traffic") == 0, "the /0 note says %s",
			    p->cleaned[k].reason);
			continue;
		}
		CHECK(*p->cleaned[k].reason != '\0', "note %s: no reason", t);
		points_of((struct model *)m, b);
		/* the /0 note may share its first address with another */
		CHECK(prev == NULL || ip_cmp(&prev->addr, &b->addr) < 0,
		    "note %s: not in address order", t);
		prev = b;
	}
	CHECK((mapped > 0) == (m->held_mapped > 0), "%zu IPv4-mapped notes "
	    "for %d such entries", mapped, m->held_mapped);
	CHECK(zeros == (m->held_zero || m->whole_held || m->whole_want),
	    "%zu match-all notes: held /0 %d, all held %d, all wanted %d",
	    zeros, m->held_zero, m->whole_held, m->whole_want);
}

static int
in_notes(const struct waf_plan *p, const struct ip_addr *a)
{
	for (size_t k = 0; k < p->ncleaned; k++)
		if (p->cleaned[k].block.bits > 0 &&
		    ip_cidr_contains(&p->cleaned[k].block, a))
			return 1;
	return 0;
}

/* At every point: the plan, its notes, added and removed. */
static void
check_points(const struct model *m, const struct waf_plan *p)
{
	int	 differs = 0;
	char	 t[IP_STRLEN];

	for (size_t k = 0; k < m->npts; k++) {
		const struct ip_addr *a = &m->pts[k];
		int	 want = wanted(m, a), held = in_list(&m->held, a, 0);
		size_t	 got = holding(p, a);

		ip_format(a, t);
		CHECK(got == (size_t)want, "%s: in %zu planned blocks, wanted %d "
		    "(mode %d)", t, got, want, m->mode);
		CHECK(nfw_set_contains(&p->blocked, a) == want, "%s: the "
		    "blocked set disagrees with the blocks", t);
		CHECK(nfw_set_contains(&p->added, a) == (want && !held),
		    "%s: added", t);
		CHECK(nfw_set_contains(&p->removed, a) == (held && !want),
		    "%s: removed", t);
		CHECK(in_notes(p, a) == (!m->whole_held &&
		    held_nonzero(m, a) && forbidden(m, a)),
		    "%s: cleaned %d, held %d, forbidden %d", t,
		    in_notes(p, a), held_nonzero(m, a), forbidden(m, a));
		differs |= want != held;
	}
	CHECK(p->changed == (differs || m->held_mapped > 0), "changed %d, "
	    "differs %d, IPv4-mapped entries %d", p->changed, differs,
	    m->held_mapped);
	CHECK(p->fits == (p->nblocks <= WAF_MAX_ADDRESSES), "fits %d with "
	    "%zu blocks", p->fits, p->nblocks);
}

/* The request as sent; returns it read back (the caller frees). */
static json_t *
check_request(const json_t *req0, const json_t *answer,
    const struct waf_plan *p, enum waf_scope scope)
{
	const json_t	*set = json_object_get(answer, "IPSet"), *d, *list;
	json_t		*req;
	json_error_t	 err;
	char		*text, t[IP_STRLEN];
	size_t		 want = 5;

	text = json_dumps(req0, JSON_COMPACT);
	CHECK(text != NULL, "cannot serialise the request");
	req = json_loads(text, 0, &err);
	CHECK(req != NULL, "request does not read back: %s", err.text);
	free(text);
	CHECK(json_equal(json_object_get(req, "Name"),
	    json_object_get(set, "Name")) && json_equal(json_object_get(req,
	    "Id"), json_object_get(set, "Id")) &&
	    json_equal(json_object_get(req, "LockToken"),
	    json_object_get(answer, "LockToken")), "Name, Id or LockToken "
	    "not as read");
	CHECK(strcmp(json_string_value(json_object_get(req, "Scope")),
	    waf_scope_name(scope)) == 0, "Scope");
	d = json_object_get(set, "Description");
	if (json_is_string(d) && json_string_length(d) > 0) {
		want++;
		CHECK(json_equal(json_object_get(req, "Description"), d),
		    "Description not as read");
	}
	CHECK(json_object_size(req) == want, "%zu request members, not %zu",
	    json_object_size(req), want);
	list = json_object_get(req, "Addresses");
	CHECK(json_array_size(list) == p->nblocks, "%zu addresses sent, %zu "
	    "planned", json_array_size(list), p->nblocks);
	for (size_t k = 0; k < p->nblocks; k++)
		CHECK(strcmp(json_string_value(json_array_get(list, k)),
		    ip_format_cidr(&p->blocks[k], t)) == 0, "Addresses[%zu] is "
		    "not %s", k, t);
	return req;
}

/* Plan again from the set the request writes: nothing changes. */
static void
check_again(const struct model *m, const json_t *req, const json_t *answer,
    const struct waf_plan *p, const struct nfw_set *in,
    const struct waf_rails *rails, enum waf_scope scope)
{
	struct waf_ipset *s2;
	struct waf_plan	*p2;
	json_t		*a2, *set;
	char		*cause = NULL;

	a2 = json_deep_copy(answer);
	set = json_object_get(a2, "IPSet");
	json_object_set(set, "Addresses", json_object_get(req, "Addresses"));
	s2 = waf_ipset_from_get(a2, scope, &cause);
	CHECK(s2 != NULL, "the planned set is refused: %s", cause);
	CHECK(nfw_set_equal(waf_ipset_blocked(s2), &p->blocked),
	    "the planned set does not hold the planned addresses");
	p2 = waf_plan_new(s2, p->mode, in, rails);
	/* an input that covers everything alone is still noted */
	CHECK(!p2->changed && p2->ncleaned == (m->whole_alone &&
	    m->mode != NFW_REMOVE), "planning again changes the set (%zu "
	    "cleaned)", p2->ncleaned);
	CHECK(p2->nblocks == p->nblocks && (p->nblocks == 0 ||
	    memcmp(p2->blocks, p->blocks, p->nblocks * sizeof *p->blocks) ==
	    0), "planning again gives other blocks");
	waf_plan_free(p2);
	waf_ipset_free(s2);
	json_decref(a2);
}

/* Where the sets may change: every block's ends, the specials' too. */
static void
all_points_of(struct model *m)
{
	struct ip_cidr	 c;
	size_t		 k;

	point(m, m->family, 0);
	for (k = 0; k < m->held.n; k++)
		points_of(m, &m->held.v[k]);
	for (k = 0; k < m->in.n; k++)
		points_of(m, &m->in.v[k]);
	for (k = 0; k < m->allow.n; k++)
		points_of(m, &m->allow.v[k]);
	for (k = 0; ip_special_block(k, &c) != NULL; k++)
		points_of(m, &c);
}

static void
input_set(const struct model *m, struct nfw_set *s, struct ip_list *allow)
{
	nfw_set_init(s);
	for (size_t k = 0; k < m->in.n; k++)
		nfw_set_add_cidr(s, &m->in.v[k]);
	nfw_set_normalise(s);
	ip_list_init(allow);
	for (size_t k = 0; k < m->allow.n; k++)
		ip_list_add(allow, &m->allow.v[k]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct model	*m = xcalloc(1, sizeof *m);
	struct waf_ipset *s;
	struct waf_plan	*p;
	struct waf_rails rails;
	struct ip_list	 allow;
	struct nfw_set	 in;
	enum waf_scope	 scope;
	const uint8_t	*nul;
	size_t		 jlen;
	json_t		*answer, *req0, *req;
	char		*cause = NULL;
	int		 valid;

	m->mode = NFW_MERGE;
	nul = memchr(data, '\0', len);
	jlen = nul != NULL ? (size_t)(nul - data) : len;
	if (nul != NULL)
		read_lines(m, (const char *)nul + 1, len - jlen - 1);
	scope = m->cloudfront ? WAF_CLOUDFRONT : WAF_REGIONAL;
	if ((answer = json_loadb((const char *)data, jlen, 0, NULL)) == NULL)
		goto out;
	valid = model_answer(answer, m);
	s = waf_ipset_from_get(answer, scope, &cause);
	CHECK((s != NULL) == valid, "the answer is %s, the model says %s",
	    s != NULL ? "taken" : "refused", valid ? "take" : "refuse");
	if (s == NULL) {
		CHECK(cause != NULL && *cause != '\0', "refused without a "
		    "reason");
		free(cause);
		json_decref(answer);
		goto out;
	}
	CHECK(waf_ipset_family(s) == m->family, "version");
	CHECK(waf_ipset_entries(s) == json_array_size(json_object_get(
	    json_object_get(answer, "IPSet"), "Addresses")), "entries");

	input_set(m, &in, &allow);
	rails.allowlist = &allow;
	rails.allow_private = m->private_ok;
	p = waf_plan_new(s, m->mode, &in, &rails);

	all_points_of(m);
	m->whole_held = all_points(m, held_nonzero);
	m->whole_want = all_points(m, want_before);
	m->whole_alone = all_points(m, input_alone);
	check_blocks(m, p);
	check_cleaned(m, p);
	check_points(m, p);

	req0 = waf_plan_request(p, s);
	req = check_request(req0, answer, p, scope);
	check_again(m, req, answer, p, &in, &rails, scope);
	json_decref(req);
	json_decref(req0);
	waf_plan_free(p);
	waf_ipset_free(s);
	nfw_set_free(&in);
	ip_list_free(&allow);
	json_decref(answer);
out:
	free(m->pts);
	free(m);
	return 0;
}
