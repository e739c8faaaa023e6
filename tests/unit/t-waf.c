/*
 * t-waf.c: unit tests of the IP set planner: names, ids and ARNs, the
 * ListIPSets and GetIPSet answers, the rails on what the set holds, the
 * modes, the limit, and the UpdateIPSet request it builds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "nfw.h"
#include "util.h"
#include "waf.h"
#include "tap.h"

#define ID	"a1b2c3d4-5678-90ab-cdef-111122223333"
#define TOKEN	"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"

static void
add(struct nfw_set *s, const char *text)
{
	struct ip_cidr	 c;

	if (ip_parse_cidr(text, strlen(text), 0, &c) == -1) {
		fprintf(stderr, "bad test block %s\n", text);
		exit(99);
	}
	nfw_set_add_cidr(s, &c);
	nfw_set_normalise(s);
}

/* The input set of "a b c" (addresses or blocks). */
static void
input(struct nfw_set *s, const char *words)
{
	char	*copy = xstrdup(words), *p = copy, *w;

	nfw_set_init(s);
	while ((w = strsep(&p, " ")) != NULL)
		if (*w != '\0')
			add(s, w);
	free(copy);
}

/* A GetIPSet answer with these addresses ("a", "b", ...). */
static json_t *
answer(const char *version, const char *addresses)
{
	json_t		*a;
	json_error_t	 err;
	char		*text;

	xasprintf(&text, "{\"IPSet\":{\"Name\":\"blocklist\",\"Id\":\"" ID
	    "\",\"ARN\":\"arn:aws:wafv2:us-east-1:111122223333:regional/ipset/"
	    "blocklist/" ID "\",\"Description\":\"our blocklist\","
	    "\"IPAddressVersion\":\"%s\",\"Addresses\":[%s]},"
	    "\"LockToken\":\"" TOKEN "\"}", version, addresses);
	if ((a = json_loads(text, 0, &err)) == NULL) {
		fprintf(stderr, "bad test answer: %s\n", err.text);
		exit(99);
	}
	free(text);
	return a;
}

static struct waf_ipset *
ipset(const char *version, const char *addresses)
{
	json_t		 *a = answer(version, addresses);
	struct waf_ipset *s;
	char		 *cause;

	if ((s = waf_ipset_from_get(a, WAF_REGIONAL, &cause)) == NULL) {
		fprintf(stderr, "test set refused: %s\n", cause);
		exit(99);
	}
	json_decref(a);
	return s;
}

/* The set's blocks as "a b c". */
static char *
text_of(const struct nfw_set *s)
{
	struct ip_cidr	*c;
	struct buf	 b;
	char		 text[IP_STRLEN];
	size_t		 n, i;

	buf_init(&b);
	n = nfw_set_cidrs(s, &c);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i > 0 ? " " : "",
		    ip_format_cidr(&c[i], text));
	free(c);
	return buf_cstr(&b);
}

/* The cleaned notes as "block: reason; ...". */
static char *
notes(const struct waf_plan *p)
{
	struct buf	 b;
	char		 text[IP_STRLEN];
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < p->ncleaned; i++)
		buf_addf(&b, "%s%s: %s", i > 0 ? "; " : "",
		    ip_format_cidr(&p->cleaned[i].block, text),
		    p->cleaned[i].reason);
	return buf_cstr(&b);
}

/* Plan and check what the set becomes and what was cleaned. */
static void
check_plan(const char *version, const char *held, enum nfw_mode mode,
    const char *in, const struct waf_rails *rails, const char *want,
    const char *want_notes, int want_changed, const char *what)
{
	struct waf_ipset *s = ipset(version, held);
	struct waf_plan	*p;
	struct nfw_set	 set;
	char		*got;

	input(&set, in);
	p = waf_plan_new(s, mode, &set, rails);
	got = text_of(&p->blocked);
	is_str(got, want, "%s: the set", what);
	free(got);
	got = notes(p);
	is_str(got, want_notes, "%s: cleaned", what);
	free(got);
	is_int(p->changed, want_changed, "%s: changed", what);
	waf_plan_free(p);
	nfw_set_free(&set);
	waf_ipset_free(s);
}

static void
test_names(void)
{
	struct waf_ref	 r;
	enum waf_scope	 sc;
	char		*cause;
	char		 long_name[130];

	ok(waf_name_valid("blocklist_v4-2"), "a name of letters, _ and -");
	ok(!waf_name_valid("block list"), "a blank is no name");
	ok(!waf_name_valid(""), "an empty name is none");
	memset(long_name, 'a', 129);
	long_name[129] = '\0';
	ok(!waf_name_valid(long_name), "129 characters are too many");
	long_name[128] = '\0';
	ok(waf_name_valid(long_name), "128 are not");
	ok(waf_id_valid(ID), "a lower-case UUID is an id");
	ok(!waf_id_valid("A1B2C3D4-5678-90AB-CDEF-111122223333"),
	    "an upper-case one is not");
	ok(!waf_id_valid("a1b2c3d4-5678-90ab-cdef-11112222333"),
	    "nor one digit short");
	ok(waf_scope_parse("cloudfront", &sc) == 0 && sc == WAF_CLOUDFRONT,
	    "scope in any case");
	ok(waf_scope_parse("GLOBAL", &sc) == -1, "GLOBAL is no scope");

	ok(waf_ref_parse("blocklist", &r, &cause) == 0 && r.id == NULL &&
	    !r.has_scope && strcmp(r.name, "blocklist") == 0,
	    "a name: to be looked up");
	waf_ref_free(&r);
	ok(waf_ref_parse("arn:aws:wafv2:eu-west-1:111122223333:regional/"
	    "ipset/blocklist/" ID, &r, &cause) == 0 && r.has_scope &&
	    r.scope == WAF_REGIONAL && strcmp(r.region, "eu-west-1") == 0 &&
	    strcmp(r.id, ID) == 0 && strcmp(r.name, "blocklist") == 0,
	    "a regional ARN: name, id, region, scope");
	waf_ref_free(&r);
	ok(waf_ref_parse("arn:aws:wafv2:us-east-1:111122223333:global/ipset/"
	    "edge/" ID, &r, &cause) == 0 && r.scope == WAF_CLOUDFRONT,
	    "a global ARN is CLOUDFRONT");
	waf_ref_free(&r);
	ok(waf_ref_parse("arn:aws:wafv2:eu-west-1:111122223333:global/ipset/"
	    "edge/" ID, &r, &cause) == -1, "a global ARN outside us-east-1 is "
	    "refused");
	free(cause);
	ok(waf_ref_parse("arn:aws:wafv2:us-east-1:111122223333:regional/"
	    "regexpatternset/x/" ID, &r, &cause) == -1,
	    "the ARN of a regex set is refused");
	free(cause);
	ok(waf_ref_parse("arn:aws:wafv2:us-east-1:111122223333:regional/"
	    "ipset/x/" ID "/more", &r, &cause) == -1,
	    "an ARN with more parts is refused");
	free(cause);
	ok(waf_ref_parse("arn:aws:network-firewall:us-east-1:111122223333:"
	    "stateless-rulegroup/x", &r, &cause) == -1,
	    "another service's ARN is refused");
	is_str(cause, "not the ARN of an IP set (arn:aws:wafv2:REGION:"
	    "ACCOUNT:regional/ipset/NAME/ID, or global/... in us-east-1)",
	    "and says what an ARN looks like");
	free(cause);
	ok(waf_ref_parse("my set", &r, &cause) == -1, "a bad name is refused");
	free(cause);
}

static void
test_list(void)
{
	json_t		*a;
	const char	*id, *next;
	char		*cause;

	a = json_loads("{\"IPSets\":[{\"Name\":\"other\",\"Id\":\"" TOKEN
	    "\"},{\"Name\":\"blocklist\",\"Id\":\"" ID "\"}],\"NextMarker\":"
	    "\"m2\"}", 0, NULL);
	is_int(waf_list_find(a, "blocklist", &id, &next, &cause), 1,
	    "list: found");
	is_str(id, ID, "list: its id");
	is_int(waf_list_find(a, "nothere", &id, &next, &cause), 0,
	    "list: not on this page");
	is_str(next, "m2", "list: the next page's marker");
	json_decref(a);
	a = json_loads("{\"IPSets\":[],\"NextMarker\":\"m3\"}", 0, NULL);
	is_int(waf_list_find(a, "x", &id, &next, &cause), 0,
	    "list: an empty page");
	ok(next == NULL, "list: an empty page ends the list, marker or not");
	json_decref(a);
	a = json_loads("{\"IPSets\":[{\"Name\":\"x\",\"Id\":\"" ID "\"},"
	    "{\"Name\":\"x\",\"Id\":\"" TOKEN "\"}]}", 0, NULL);
	is_int(waf_list_find(a, "x", &id, &next, &cause), -1,
	    "list: one name twice is refused");
	free(cause);
	json_decref(a);
	a = json_loads("{\"IPSets\":[{\"Name\":\"x\",\"Id\":\"X\"}]}", 0,
	    NULL);
	is_int(waf_list_find(a, "x", &id, &next, &cause), -1,
	    "list: a bad id is refused");
	free(cause);
	json_decref(a);
}

/* A GetIPSet answer refused, saying why. */
static void
refused(const char *version, const char *addresses, const char *want,
    const char *what)
{
	json_t	*a = answer(version, addresses);
	char	*cause = NULL;

	ok(waf_ipset_from_get(a, WAF_REGIONAL, &cause) == NULL,
	    "get: %s is refused", what);
	is_str(cause, want, "get: %s: and says why", what);
	free(cause);
	json_decref(a);
}

static void
test_get(void)
{
	struct waf_ipset *s;
	json_t		*a;
	char		*cause, *t;

	s = ipset("IPV4", "\"192.0.2.1/32\",\"192.0.2.0/32\","
	    "\"198.51.100.7/24\"");
	is_int(waf_ipset_family(s), 4, "get: an IPV4 set");
	is_int(waf_ipset_entries(s), 3, "get: three entries");
	t = text_of(waf_ipset_blocked(s));
	is_str(t, "192.0.2.0/31 198.51.100.0/24", "get: host bits masked, "
	    "neighbours one range");
	free(t);
	is_str(waf_ipset_token(s), TOKEN, "get: the lock token");
	waf_ipset_free(s);

	refused("IPV4", "\"2001:db8::1/128\"",
	    "Addresses[0]: an IPv6 block in an IPV4 set",
	    "an IPv6 block in an IPV4 set");
	refused("IPV6", "\"192.0.2.1/32\"",
	    "Addresses[0]: an IPv4 block in an IPV6 set",
	    "an IPv4 block written as such in an IPV6 set");
	refused("IPV6", "\"2001:db8::/32\",\"not an address\"",
	    "Addresses[1]: not a CIDR block",
	    "an entry that is no CIDR block (writing back would lose it)");
	a = answer("IPV5", "");
	ok(waf_ipset_from_get(a, WAF_REGIONAL, &cause) == NULL,
	    "get: no known version");
	free(cause);
	json_decref(a);
	a = json_loads("{\"IPSet\":{}}", 0, NULL);
	ok(waf_ipset_from_get(a, WAF_REGIONAL, &cause) == NULL,
	    "get: no lock token");
	free(cause);
	json_decref(a);
}

static void
test_modes(void)
{
	check_plan("IPV4", "\"198.51.100.7/32\"", NFW_MERGE,
	    "203.0.113.9 203.0.113.8", NULL,
	    "198.51.100.7/32 203.0.113.8/31", "", 1, "merge");
	check_plan("IPV4", "\"198.51.100.7/32\"", NFW_MERGE,
	    "198.51.100.7", NULL, "198.51.100.7/32", "", 0,
	    "merge, already there: no change");
	check_plan("IPV4", "\"198.51.100.6/32\",\"198.51.100.7/32\"",
	    NFW_MERGE, "", NULL, "198.51.100.6/31", "", 0,
	    "the same addresses, not aggregated: no change");
	check_plan("IPV4", "\"198.51.100.7/32\"", NFW_REPLACE,
	    "203.0.113.9", NULL, "203.0.113.9/32", "", 1, "replace");
	check_plan("IPV4", "\"198.51.100.0/24\"", NFW_REMOVE,
	    "198.51.100.7", NULL,
	    "198.51.100.0/30 198.51.100.4/31 198.51.100.6/32 "
	    "198.51.100.8/29 198.51.100.16/28 198.51.100.32/27 "
	    "198.51.100.64/26 198.51.100.128/25", "", 1,
	    "remove from a block: the rest stays, in the fewest blocks");
	check_plan("IPV4", "\"198.51.100.7/32\"", NFW_REMOVE,
	    "198.51.100.7", NULL, "", "", 1, "remove the last");
	check_plan("IPV4", "", NFW_MERGE, "2001:db8::1 203.0.113.1", NULL,
	    "203.0.113.1/32", "", 1, "the other version is left out");
	check_plan("IPV6", "\"2001:db8::/127\"", NFW_MERGE,
	    "2001:db8::2 2001:db8::3 192.0.2.1", NULL, "2001:db8::/126", "",
	    1, "an IPv6 set: aggregated");
}

static void
test_rails(void)
{
	struct ip_list	 allow;
	struct ip_cidr	 c;
	struct waf_rails rails;

	check_plan("IPV4", "\"0.0.0.0/0\",\"198.51.100.7/32\"", NFW_MERGE,
	    "", NULL, "198.51.100.7/32", "0.0.0.0/0: matches all traffic",
	    1, "a /0 in the set is taken out, even without input");
	check_plan("IPV4", "\"0.0.0.0/1\",\"128.0.0.0/1\"", NFW_REMOVE,
	    "", NULL, "", "0.0.0.0/0: matches all traffic", 1,
	    "two halves make all traffic too");
	check_plan("IPV4", "\"10.0.0.5/32\",\"198.51.100.7/32\"", NFW_REMOVE,
	    "198.51.100.7", NULL, "",
	    "10.0.0.5/32: special-purpose address: private (RFC 1918)", 1,
	    "a special address in the set goes, whatever the mode");
	check_plan("IPV4", "\"9.255.255.254/31\",\"10.0.0.0/31\"", NFW_MERGE,
	    "", NULL, "9.255.255.254/31",
	    "10.0.0.0/31: special-purpose range: private (RFC 1918)", 1,
	    "a special block goes, its neighbour stays");
	check_plan("IPV6", "\"fe80::/64\",\"2001:db8::1/128\"", NFW_MERGE,
	    "", NULL, "2001:db8::1/128",
	    "fe80::/64: special-purpose range: link-local", 1,
	    "IPv6 specials too");
	check_plan("IPV6", "\"::ffff:198.51.100.0/120\",\"::ffff:c633:6407\","
	    "\"2001:db8::1/128\"", NFW_MERGE, "", NULL, "2001:db8::1/128",
	    "198.51.100.0/24: IPv4-mapped (::ffff:198.51.100.0/120): IPv4 "
	    "addresses go in an IPv4 set", 1,
	    "IPv4-mapped entries of an IPV6 set: IPv4 blocks, taken out");
	check_plan("IPV6", "\"::ffff:0:0/96\",\"::/0\"", NFW_MERGE, "", NULL,
	    "", "0.0.0.0/0: IPv4-mapped (::ffff:0.0.0.0/96): IPv4 addresses "
	    "go in an IPv4 set; ::/0: matches all traffic", 1,
	    "a mapped IPv4 /0 does not hide the set's own /0");
	check_plan("IPV6", "\"::ffff:192.0.2.1/128\"", NFW_REMOVE, "", NULL,
	    "", "192.0.2.1/32: IPv4-mapped (::ffff:192.0.2.1/128): IPv4 "
	    "addresses go in an IPv4 set", 1,
	    "a mapped entry alone is a change to make");

	ip_list_init(&allow);
	ip_parse_cidr("198.51.100.7", 12, 0, &c);
	ip_list_add(&allow, &c);
	rails.allowlist = &allow;
	rails.allow_private = 0;
	check_plan("IPV4", "\"198.51.100.6/31\"", NFW_MERGE, "", &rails,
	    "198.51.100.6/32",
	    "198.51.100.7/32: allowlisted: 198.51.100.7/32", 1,
	    "the allowlist applies to what is blocked: carved out");
	check_plan("IPV4", "", NFW_REPLACE, "198.51.100.7 203.0.113.1",
	    &rails, "203.0.113.1/32", "", 1,
	    "and to the input, whoever asks");
	rails.allow_private = 1;
	check_plan("IPV4", "\"10.0.0.5/32\"", NFW_MERGE, "", &rails,
	    "10.0.0.5/32", "", 0, "--allow-private keeps a special address");
	check_plan("IPV4", "\"0.0.0.0/0\"", NFW_MERGE, "", &rails, "",
	    "0.0.0.0/0: matches all traffic", 1,
	    "--allow-private never keeps a /0");
	ip_list_free(&allow);
}

static void
test_limit_and_request(void)
{
	struct waf_ipset *s = ipset("IPV4", "\"198.51.100.7/32\"");
	struct waf_plan	*p;
	struct nfw_set	 in;
	struct ip_cidr	 c;
	json_t		*req;
	char		*text;
	int		 i;

	nfw_set_init(&in);
	memset(&c, 0, sizeof(c));
	c.addr.family = 4;
	c.bits = 32;
	/* every other address: no two aggregate */
	for (i = 0; i < WAF_MAX_ADDRESSES; i++) {
		c.addr.bytes[0] = 203;
		c.addr.bytes[1] = (uint8_t)(i >> 15);
		c.addr.bytes[2] = (uint8_t)(i >> 7);
		c.addr.bytes[3] = (uint8_t)(i << 1);
		nfw_set_add_cidr(&in, &c);
	}
	nfw_set_normalise(&in);
	p = waf_plan_new(s, NFW_REPLACE, &in, NULL);
	is_int(p->nblocks, WAF_MAX_ADDRESSES, "10,000 blocks");
	ok(p->fits, "fit");
	waf_plan_free(p);
	p = waf_plan_new(s, NFW_MERGE, &in, NULL);
	is_int(p->nblocks, WAF_MAX_ADDRESSES + 1, "10,001 blocks");
	ok(!p->fits, "do not fit");
	waf_plan_free(p);
	nfw_set_free(&in);

	input(&in, "203.0.113.9 203.0.113.8");
	p = waf_plan_new(s, NFW_MERGE, &in, NULL);
	req = waf_plan_request(p, s);
	text = json_dumps(req, JSON_COMPACT);
	is_str(text, "{\"Name\":\"blocklist\",\"Scope\":\"REGIONAL\",\"Id\":\""
	    ID "\",\"Description\":\"our blocklist\",\"Addresses\":["
	    "\"198.51.100.7/32\",\"203.0.113.8/31\"],\"LockToken\":\"" TOKEN
	    "\"}", "the request: the set whole, with the lock token read");
	free(text);
	json_decref(req);
	waf_plan_free(p);
	nfw_set_free(&in);
	waf_ipset_free(s);
}

int
main(void)
{
	test_names();
	test_list();
	test_get();
	test_modes();
	test_rails();
	test_limit_and_request();
	return done_testing();
}
