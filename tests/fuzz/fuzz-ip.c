/*
 * fuzz-ip.c: address and CIDR parsing and canonical text (lib/ip).
 *
 * Checks, for any input: ip_parse accepts exactly what the C library's
 * inet_pton accepts (both are strict: no leading zeros in IPv4, no zone
 * ids) and reads the same address (an IPv4-mapped one as the IPv4 address
 * it maps, and a block of /96 or more inside ::ffff:0:0/96 as the IPv4
 * block); canonical text parses back to the same
 * address and is its own canonical text; a CIDR block parses back from its
 * text, contains its address and has no host bits; the special-range and
 * allowlist functions run on whatever came out.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <string.h>

#include "fuzz.h"
#include "ip.h"

static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void
check_addr(const struct ip_addr *ip)
{
	char		 text[IP_STRLEN], again[IP_STRLEN], sys[INET6_ADDRSTRLEN];
	struct ip_addr	 back;
	struct ip_cidr	 c;

	ip_format(ip, text);
	CHECK(ip_parse(text, strlen(text), &back) == 0, "%s does not parse",
	    text);
	CHECK(ip_cmp(ip, &back) == 0, "%s parses to another address", text);
	CHECK(strcmp(ip_format(&back, again), text) == 0, "%s -> %s", text,
	    again);
	if (ip->family == 4) {
		inet_ntop(AF_INET, ip->bytes, sys, sizeof sys);
		CHECK(strcmp(sys, text) == 0, "%s, libc %s", text, sys);
	} else {
		/* libc prints ::a.b.c.d for IPv4-compatible addresses (a form
		 * RFC 4291 deprecated); RFC 5952 text is hex there */
		static const uint8_t	 zero12[12];

		inet_ntop(AF_INET6, ip->bytes, sys, sizeof sys);
		if (memcmp(ip->bytes, zero12, 12) != 0 ||
		    strchr(sys, '.') == NULL)
			CHECK(strcmp(sys, text) == 0, "%s, libc %s", text, sys);
	}
	(void)ip_special(ip);
	c.addr = *ip;
	c.bits = ip_maxbits(ip);
	CHECK(ip_cidr_contains(&c, ip), "/%d does not contain itself", c.bits);
}

static void
check_cidr(const char *s, size_t len, int loose)
{
	struct ip_cidr	 c, back;
	char		 text[IP_STRLEN];
	int		 r;

	r = ip_parse_cidr(s, len, loose, &c);
	if (r == 0 && c.addr.family == 6 && c.bits >= 96)
		CHECK(memcmp(c.addr.bytes, mapped, sizeof mapped) != 0,
		    "a mapped block stays IPv6: \"%.*s\"", (int)len, s);
	if (r != 0)
		return;
	CHECK(c.bits >= 0 && c.bits <= ip_maxbits(&c.addr), "bits %d",
	    c.bits);
	ip_format_cidr(&c, text);
	CHECK(ip_parse_cidr(text, strlen(text), 0, &back) == 0,
	    "%s does not parse back", text);
	CHECK(back.bits == c.bits && ip_cmp(&back.addr, &c.addr) == 0,
	    "%s parses to another block", text);
	CHECK(ip_cidr_contains(&c, &c.addr), "%s does not contain its address",
	    text);
	if (!loose) {
		/* strict: the text named exactly this block */
		struct ip_cidr	 l;

		CHECK(ip_parse_cidr(s, len, 1, &l) == 0 &&
		    ip_cmp(&l.addr, &c.addr) == 0 && l.bits == c.bits,
		    "loose parsing differs from strict for %s", text);
	}
	(void)ip_cidr_special(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*s = (const char *)data;
	char		 z[128];
	uint8_t		 sys[16];
	struct ip_addr	 ip;
	int		 r, want;

	r = ip_parse(s, len, &ip);
	if (len < sizeof z && memchr(s, '\0', len) == NULL) {
		memcpy(z, s, len);
		z[len] = '\0';
		if (memchr(s, ':', len) != NULL)
			want = inet_pton(AF_INET6, z, sys) == 1 ? 0 : -1;
		else
			want = inet_pton(AF_INET, z, sys) == 1 ? 0 : -1;
		CHECK(r == want, "ip_parse %d, inet_pton %d: \"%s\"", r, want,
		    z);
		if (r == 0 && ip.family == 4 && memchr(s, ':', len) != NULL)
			/* IPv4-mapped: the IPv4 address it maps */
			CHECK(memcmp(sys, mapped, 12) == 0 &&
			    memcmp(sys + 12, ip.bytes, 4) == 0,
			    "ip_parse and inet_pton differ on \"%s\"", z);
		else if (r == 0)
			CHECK(memcmp(ip.bytes, sys, ip.family == 4 ? 4 : 16) ==
			    0, "ip_parse and inet_pton differ on \"%s\"", z);
	} else
		CHECK(r == -1, "accepted %zu bytes%s", len,
		    len < sizeof z ? " with a NUL" : "");
	if (r == 0)
		check_addr(&ip);
	check_cidr(s, len, 0);
	check_cidr(s, len, 1);
	return 0;
}
