/* t-ip.c: address parsing, canonical text, special ranges, aggregation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ip.h"
#include "tap.h"

/* ip_host_key() of s, or "invalid". */
static const char *
key(const char *s)
{
	static char	 buf[IP_STRLEN];

	return ip_host_key(s, strlen(s), buf) == 0 ? buf : "invalid";
}

static const char *
canon(const char *s)
{
	static char	 buf[IP_STRLEN];
	struct ip_addr	 a;

	if (ip_parse(s, strlen(s), &a) != 0)
		return "invalid";
	return ip_format(&a, buf);
}

static const char *
special(const char *s)
{
	struct ip_addr	 a;
	const char	*why;

	if (ip_parse(s, strlen(s), &a) != 0)
		return "invalid";
	why = ip_special(&a);
	return why == NULL ? "public" : why;
}

static const char *
aggregate(const char *list)
{
	static char	 out[4096];
	struct ip_addr	 a[64];
	struct ip_cidr	*c;
	char		 tmp[256], *tok, *save, buf[IP_STRLEN];
	size_t		 n = 0, m, off = 0;

	snprintf(tmp, sizeof tmp, "%s", list);
	for (tok = strtok_r(tmp, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		if (ip_parse(tok, strlen(tok), &a[n]) == 0)
			n++;
	m = ip_aggregate(a, n, &c);
	out[0] = '\0';
	for (size_t k = 0; k < m; k++)
		off += snprintf(out + off, sizeof out - off, "%s%s",
		    k ? " " : "", ip_format_cidr(&c[k], buf));
	free(c);
	return out;
}

int
main(void)
{
	struct ip_cidr	 c;
	struct ip_addr	 a;
	struct ip_list	 l;
	char		 path[] = "/tmp/t-ip.XXXXXX", *cause;
	FILE		*f;
	int		 fd;

	is_str(canon("198.51.100.7"), "198.51.100.7", "IPv4");
	is_str(canon("0.0.0.0"), "0.0.0.0", "IPv4 zero");
	is_str(canon("10.0.0.01"), "invalid", "IPv4 leading zero refused");
	is_str(canon("256.1.1.1"), "invalid", "IPv4 octet > 255 refused");
	is_str(canon("1.2.3"), "invalid", "IPv4 three parts refused");
	is_str(canon("1.2.3.4.5"), "invalid", "IPv4 five parts refused");
	is_str(canon("1.2.3.4 "), "invalid", "trailing blank refused");
	is_str(canon("2001:DB8:0:0:0:0:0:1"), "2001:db8::1", "RFC 5952 lower, ::");
	is_str(canon("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1",
	    "RFC 5952: first of equal runs");
	is_str(canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1",
	    "RFC 5952: a single zero word is not shortened");
	is_str(canon("2001:0db8:0000:0000:0000:ff00:0042:8329"),
	    "2001:db8::ff00:42:8329", "leading zeros dropped");
	is_str(canon("::"), "::", "unspecified");
	is_str(canon("::1"), "::1", "loopback");
	is_str(canon("fe80::"), "fe80::", "trailing ::");
	/* an IPv4-mapped address is the IPv4 address it maps */
	is_str(canon("::ffff:192.0.2.1"), "192.0.2.1", "IPv4-mapped, dotted");
	is_str(canon("::ffff:c000:201"), "192.0.2.1", "IPv4-mapped, hex");
	is_str(canon("0:0:0:0:0:FFFF:8.8.8.8"), "8.8.8.8",
	    "IPv4-mapped, written out");
	is_str(canon("::ffff:1:c000:201"), "::ffff:1:c000:201",
	    "not mapped: the prefix is longer");
	is_str(canon("::192.0.2.1"), "::c000:201",
	    "IPv4-compatible (deprecated) stays IPv6");
	is_str(canon("::ffff:0:c000:201"), "::ffff:0:c000:201",
	    "IPv4-translated (RFC 2765) stays IPv6");
	is_str(canon("64:ff9b::192.0.2.33"), "64:ff9b::c000:221",
	    "embedded IPv4 elsewhere is hex");
	is_str(canon("1:2:3:4:5:6:7:8:9"), "invalid", "nine words refused");
	is_str(canon("1::2::3"), "invalid", "two :: refused");
	is_str(canon("12345::"), "invalid", "five hex digits refused");
	is_str(canon(":1::"), "invalid", "lone leading colon refused");
	is_str(canon("fe80::1%eth0"), "invalid", "zone id refused");
	is_str(canon(""), "invalid", "empty refused");

	is_str(special("198.51.100.7"), "public", "documentation v4 is not special");
	is_str(special("2001:db8::1"), "public", "documentation v6 is not special");
	is_str(special("10.1.2.3"), "private (RFC 1918)", "10/8");
	is_str(special("172.31.255.255"), "private (RFC 1918)", "172.16/12");
	is_str(special("172.32.0.1"), "public", "just outside 172.16/12");
	is_str(special("192.168.1.1"), "private (RFC 1918)", "192.168/16");
	is_str(special("100.64.0.1"), "shared address space (RFC 6598)", "CGN");
	is_str(special("127.0.0.1"), "loopback", "loopback v4");
	is_str(special("169.254.169.254"), "link-local", "metadata address");
	is_str(special("224.0.0.1"), "multicast", "multicast v4");
	is_str(special("255.255.255.255"), "broadcast", "broadcast");
	is_str(special("240.0.0.1"), "reserved", "class E");
	is_str(special("0.0.0.0"), "unspecified (this network)", "0.0.0.0");
	is_str(special("::1"), "loopback", "loopback v6");
	is_str(special("fd00::1"), "private (unique local)", "ULA");
	is_str(special("fe80::1"), "link-local", "link-local v6");
	is_str(special("ff02::1"), "multicast", "multicast v6");
	is_str(special("::ffff:8.8.8.8"), "public",
	    "mapped: judged as the public 8.8.8.8");
	is_str(special("::ffff:10.0.0.1"), "private (RFC 1918)",
	    "mapped: judged as the private 10.0.0.1");
	is_str(special("::ffff:7f00:1"), "loopback", "mapped, hex: loopback");
	{
		struct ip_addr	 m = { 6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		    0xff, 8, 8, 8, 8 } };

		is_str(ip_special(&m), "IPv4-mapped",
		    "a mapped address built by hand is still special");
	}
	is_str(special("2600:1f18::1"), "public", "AWS v6 is public");
	is_str(special("4000::1"), "reserved", "unallocated v6");

	ok(ip_parse_cidr("10.0.0.0/8", 10, 0, &c) == 0 && c.bits == 8,
	    "CIDR parses");
	ok(ip_parse_cidr("10.0.0.1/8", 10, 0, &c) == -1,
	    "host bits refused when strict");
	ok(ip_parse_cidr("10.0.0.1/8", 10, 1, &c) == 0 && c.addr.bytes[3] == 0,
	    "host bits masked when loose");
	ok(ip_parse_cidr("10.0.0.0/33", 11, 0, &c) == -1, "/33 refused");
	ok(ip_parse_cidr("10.0.0.0/", 9, 0, &c) == -1, "empty prefix refused");
	ok(ip_parse_cidr("2001:db8::/32", 13, 0, &c) == 0 &&
	    ip_parse("2001:db8:ffff::1", 16, &a) == 0 &&
	    ip_cidr_contains(&c, &a), "v6 containment");
	ok(ip_parse("2001:db9::1", 11, &a) == 0 && !ip_cidr_contains(&c, &a),
	    "v6 non-containment");
	ok(ip_parse_cidr("0.0.0.0/0", 9, 0, &c) == 0 &&
	    ip_cidr_special(&c) != NULL, "0.0.0.0/0 is special");
	ok(ip_parse_cidr("8.0.0.0/7", 9, 0, &c) == 0 &&
	    ip_cidr_special(&c) == NULL, "8.0.0.0/7 is ordinary");
	ok(ip_parse_cidr("0.0.0.0/4", 9, 0, &c) == 0 &&
	    ip_cidr_special(&c) != NULL, "0.0.0.0/4 overlaps 10/8");
	ok(ip_parse_cidr("::ffff:10.0.0.0/104", 19, 0, &c) == 0 &&
	    c.addr.family == 4 && c.bits == 8 && c.addr.bytes[0] == 10,
	    "::ffff:10.0.0.0/104 is 10.0.0.0/8");
	ok(ip_parse_cidr("::ffff:0:0/96", 13, 0, &c) == 0 &&
	    c.addr.family == 4 && c.bits == 0 && ip_cidr_special(&c) != NULL,
	    "::ffff:0:0/96 is 0.0.0.0/0, and special");
	ok(ip_parse_cidr("::ffff:8.8.8.8/128", 18, 0, &c) == 0 &&
	    c.addr.family == 4 && c.bits == 32, "a mapped /128 is a /32");
	ok(ip_parse_cidr("::ffff:8.8.8.1/120", 18, 1, &c) == 0 &&
	    c.addr.family == 4 && c.bits == 24 && c.addr.bytes[3] == 0,
	    "a mapped block, host bits masked when loose");
	ok(ip_parse_cidr("::ffff:8.8.8.1/120", 18, 0, &c) == -1,
	    "and refused when strict");
	ok(ip_parse_cidr("::/80", 5, 0, &c) == 0 && c.addr.family == 6 &&
	    ip_cidr_special(&c) != NULL,
	    "a block around the mapped range stays IPv6, and special");

	is_str(aggregate("10.0.0.1"), "10.0.0.1/32", "one address");
	is_str(aggregate("198.51.100.0 198.51.100.1"), "198.51.100.0/31",
	    "aligned pair merges");
	is_str(aggregate("198.51.100.1 198.51.100.2"),
	    "198.51.100.1/32 198.51.100.2/32", "unaligned pair does not");
	is_str(aggregate("198.51.100.3 198.51.100.0 198.51.100.2 198.51.100.1 "
	    "198.51.100.1"), "198.51.100.0/30", "four, unsorted, duplicate");
	is_str(aggregate("198.51.100.0 198.51.100.1 198.51.100.2 "
	    "198.51.100.4"), "198.51.100.0/31 198.51.100.2/32 198.51.100.4/32",
	    "never a block with an address outside the set");
	is_str(aggregate("2001:db8::1 203.0.113.9 2001:db8::"),
	    "203.0.113.9/32 2001:db8::/127", "IPv4 first, IPv6 merges");

	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "# office\n203.0.113.0/24\n\n  2001:db8::/32  # v6\n");
	fclose(f);
	ip_list_init(&l);
	ok(ip_list_load(&l, path, &cause) == 0 && l.n == 2, "allowlist loads");
	ok(ip_parse("203.0.113.77", 12, &a) == 0 &&
	    ip_list_match(&l, &a) != NULL, "allowlist matches");
	ok(ip_parse("203.0.114.1", 11, &a) == 0 &&
	    ip_list_match(&l, &a) == NULL, "allowlist does not over-match");
	ok(ip_parse_cidr("203.0.112.0/22", 14, 0, &c) == 0 &&
	    ip_list_overlap(&l, &c) == &l.blocks[0],
	    "a block holding an allowlisted block overlaps it");
	ok(ip_parse_cidr("2001:db8:7::/48", 15, 0, &c) == 0 &&
	    ip_list_overlap(&l, &c) == &l.blocks[1],
	    "a block inside an allowlisted block overlaps it");
	ok(ip_parse_cidr("203.0.114.0/23", 14, 0, &c) == 0 &&
	    ip_list_overlap(&l, &c) == NULL,
	    "a block beside the allowlist does not overlap it");
	ok(ip_parse_cidr("::/0", 4, 0, &c) == 0 &&
	    ip_list_overlap(&l, &c) == &l.blocks[1],
	    "::/0 overlaps only the IPv6 block");
	ip_list_free(&l);
	f = fopen(path, "w");
	fprintf(f, "1.2.3.4\n1.2.3.0/8\n");
	fclose(f);
	ok(ip_list_load(&l, path, &cause) == -1 && strstr(cause, ":2:") != NULL,
	    "allowlist error names the line");
	free(cause);
	ip_list_free(&l);
	unlink(path);

	/* blocklist keys: an address, or a block with its host bits zero */
	is_str(key("198.51.100.7"), "198.51.100.7", "key: an address");
	is_str(key("198.51.100.7/32"), "198.51.100.7", "key: a /32 is its address");
	is_str(key("198.51.100.0/24"), "198.51.100.0/24", "key: a block");
	is_str(key("198.51.100.1/24"), "invalid", "key: host bits set refused");
	is_str(key("2001:DB8::/32"), "2001:db8::/32", "key: an IPv6 block, canonical");
	is_str(key("2001:db8::1/128"), "2001:db8::1", "key: a /128 is its address");
	is_str(key("::ffff:198.51.100.0/120"), "198.51.100.0/24",
	    "key: a mapped block is the IPv4 block");
	is_str(key("198.51.100.0/"), "invalid", "key: no prefix length refused");
	is_str(key("198.51.100.0/33"), "invalid", "key: /33 refused");
	return done_testing();
}
