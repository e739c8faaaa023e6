/*
 * fuzz-ipagg.c: exact aggregation of address sets (ip_aggregate).
 *
 * The input is a list of addresses, 3 bytes each: a selector and two bytes
 * that vary the low end of the address, so that neighbours (and therefore
 * merges) are frequent. Checks that the blocks are sorted and disjoint,
 * cover every input address, cover nothing else (their sizes add up to the
 * number of distinct addresses) and are the fewest possible (no two of
 * them are siblings that would merge into their parent).
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "ip.h"
#include "util.h"

/* Sibling blocks: same size, same prefix but for the last bit. */
static int
siblings(const struct ip_cidr *a, const struct ip_cidr *b)
{
	struct ip_cidr	 pa, pb;

	if (a->addr.family != b->addr.family || a->bits != b->bits ||
	    a->bits == 0)
		return 0;
	pa.addr = a->addr;
	pa.bits = a->bits - 1;
	pb.addr = b->addr;
	pb.bits = b->bits - 1;
	return ip_cidr_contains(&pa, &b->addr) &&
	    ip_cidr_contains(&pb, &a->addr) && ip_cmp(&a->addr, &b->addr) != 0;
}

static int
addr_cmp(const void *a, const void *b)
{
	return ip_cmp(a, b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ip_addr	*in;
	struct ip_cidr	*out;
	size_t		 n = len / 3, nout, distinct = 0;
	uint64_t	 covered = 0;

	if (n > 1024)
		n = 1024;
	in = xcalloc(n == 0 ? 1 : n, sizeof *in);
	for (size_t k = 0; k < n; k++) {
		const uint8_t	*p = data + 3 * k;
		struct ip_addr	*a = &in[k];

		switch (p[0] & 3) {
		case 0:		/* 198.51.100.0/22 */
		case 1:
			a->family = 4;
			a->bytes[0] = 198;
			a->bytes[1] = 51;
			a->bytes[2] = 100 + (p[0] >> 2 & 3);
			a->bytes[3] = p[1];
			/* bytes beyond the 4th must be ignored */
			a->bytes[4 + p[2] % 12] = p[2];
			break;
		case 2:		/* 2001:db8::/112 and a few neighbours */
			a->family = 6;
			a->bytes[0] = 0x20;
			a->bytes[1] = 0x01;
			a->bytes[2] = 0x0d;
			a->bytes[3] = 0xb8;
			a->bytes[13] = p[0] >> 6;
			a->bytes[14] = p[1];
			a->bytes[15] = p[2];
			break;
		default:	/* the edges of both spaces */
			a->family = p[0] & 4 ? 6 : 4;
			memset(a->bytes, p[0] & 8 ? 0xff : 0,
			    a->family == 4 ? 4 : 16);
			a->bytes[a->family == 4 ? 2 : 14] ^= p[1] & 0x0f;
			a->bytes[a->family == 4 ? 3 : 15] ^= p[2];
			break;
		}
	}
	nout = ip_aggregate(in, n, &out);

	/* sorted, disjoint, aligned, and no two neighbours are siblings
	 * (in a sorted disjoint list, siblings would be neighbours) */
	for (size_t j = 0; j < nout; j++) {
		int		 host = ip_maxbits(&out[j].addr) - out[j].bits;
		struct ip_cidr	 c = out[j];
		char		 t1[IP_STRLEN], t2[IP_STRLEN];

		/* at most 1024 addresses: no block may be larger */
		CHECK(host >= 0 && host <= 10, "block /%d", out[j].bits);
		covered += (uint64_t)1 << host;
		/* host bits are zero: the block is its own canonical text */
		ip_format_cidr(&c, t1);
		CHECK(ip_parse_cidr(t1, strlen(t1), 0, &c) == 0, "%s", t1);
		if (j == 0)
			continue;
		CHECK(ip_cmp(&out[j - 1].addr, &out[j].addr) < 0,
		    "not sorted: %s, %s", ip_format_cidr(&out[j - 1], t1),
		    ip_format_cidr(&out[j], t2));
		CHECK(!ip_cidr_contains(&out[j - 1], &out[j].addr),
		    "overlap: %s, %s", ip_format_cidr(&out[j - 1], t1),
		    ip_format_cidr(&out[j], t2));
		CHECK(!siblings(&out[j - 1], &out[j]), "not merged: %s, %s",
		    ip_format_cidr(&out[j - 1], t1),
		    ip_format_cidr(&out[j], t2));
	}

	/* every address is in a block: the last one starting at or before
	 * it (blocks are disjoint, so in no other) */
	for (size_t k = 0; k < n; k++) {
		size_t	 lo = 0, hi = nout;

		while (hi - lo > 1) {
			size_t	 mid = lo + (hi - lo) / 2;

			if (ip_cmp(&out[mid].addr, &in[k]) <= 0)
				lo = mid;
			else
				hi = mid;
		}
		CHECK(nout > 0 && ip_cidr_contains(&out[lo], &in[k]),
		    "address %zu not covered", k);
	}

	/* the distinct addresses, counted on a sorted copy */
	{
		struct ip_addr	*s = xcalloc(n == 0 ? 1 : n, sizeof *s);

		for (size_t k = 0; k < n; k++) {
			s[k].family = in[k].family;
			memcpy(s[k].bytes, in[k].bytes,
			    in[k].family == 4 ? 4 : 16);
		}
		qsort(s, n, sizeof *s, addr_cmp);
		for (size_t k = 0; k < n; k++)
			distinct += k == 0 || ip_cmp(&s[k - 1], &s[k]) != 0;
		free(s);
	}
	CHECK(covered == distinct, "blocks cover %llu addresses, input has "
	    "%zu", (unsigned long long)covered, distinct);
	free(out);
	free(in);
	return 0;
}
