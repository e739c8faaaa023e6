/*
 * ip.h: IPv4 and IPv6 addresses: strict parsing, canonical text (RFC 5952 for
 * IPv6), CIDR blocks, special-purpose ranges, allowlists and aggregation of a
 * set of addresses into the fewest exact CIDR blocks.
 */
#ifndef SECHUB_IP_H
#define SECHUB_IP_H

#include <stddef.h>
#include <stdint.h>

#define IP_STRLEN	64	/* enough for any canonical address or CIDR */

struct ip_addr {
	int	 family;	/* 4 or 6 */
	uint8_t	 bytes[16];	/* network order; IPv4 uses the first 4 */
};

struct ip_cidr {
	struct ip_addr	addr;	/* host bits are zero */
	int		bits;	/* prefix length: 0..32 or 0..128 */
};

/*
 * Parse an address of exactly len bytes. IPv4 is strict dotted quad (no
 * leading zeros, no shorthand); IPv6 is RFC 4291 text, with an embedded
 * dotted quad allowed in the last 32 bits; no zone ids. An IPv4-mapped
 * address (::ffff:a.b.c.d, ::ffff:XXXX:XXXX) is returned as the IPv4
 * address it maps, so that every rail judges what it maps to. 0 or -1.
 */
int	 ip_parse(const char *, size_t, struct ip_addr *);
/* "a.b.c.d/n", "x::/n"; a bare address is /32 or /128. Host bits must be
 * zero unless loose is set (then they are masked off). A block inside
 * ::ffff:0:0/96 (/96 or longer) is the IPv4 block it maps. 0 or -1. */
int	 ip_parse_cidr(const char *, size_t, int, struct ip_cidr *);
/*
 * A HostIp of exactly len bytes: an address, or a CIDR block with its host
 * bits zero ("/32" and "/128" are the address; an IPv4-mapped block is the
 * IPv4 block it maps). 0, or -1.
 */
int	 ip_parse_host(const char *, size_t, struct ip_cidr *);
/* Canonical text into buf (IP_STRLEN bytes); returns buf. */
char	*ip_format(const struct ip_addr *, char *);
/* "addr/bits" into buf (IP_STRLEN bytes); returns buf. */
char	*ip_format_cidr(const struct ip_cidr *, char *);
/*
 * A blocklist key: an address, or a CIDR block with its host bits zero,
 * written canonically into buf (IP_STRLEN): the address alone when the
 * block is one address (a /32, a /128), else "address/bits". -1 if it is
 * neither.
 */
int	 ip_host_key(const char *, size_t, char *);
int	 ip_cmp(const struct ip_addr *, const struct ip_addr *);
int	 ip_cidr_contains(const struct ip_cidr *, const struct ip_addr *);
/* Do two blocks share an address (one holds the other)? */
int	 ip_cidr_overlaps(const struct ip_cidr *, const struct ip_cidr *);
/* Address bit length: 32 or 128. */
int	 ip_maxbits(const struct ip_addr *);

/*
 * Special-purpose ranges that must never be blocked by default: NULL for an
 * ordinary public address, else a short name ("private", "loopback",
 * "link-local", "shared address space", "multicast", "broadcast",
 * "unspecified", "reserved", "unique local", ...; "IPv4-mapped" only for an
 * address built by hand, since ip_parse() unmaps).
 * Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 * 2001:db8::/32) are deliberately NOT special: AWS sample findings use them.
 */
const char *ip_special(const struct ip_addr *);
/* The same question for a whole block: does it overlap a special range, or
 * is it 0.0.0.0/0 / ::/0? NULL if the block is ordinary. */
const char *ip_cidr_special(const struct ip_cidr *);
/*
 * The special-purpose ranges as CIDR blocks, for set arithmetic: the i-th
 * block (from 0) into *c and its name, or NULL past the last. An address
 * is special exactly when a block holds it, and ip_special() names the
 * first block that does.
 */
const char *ip_special_block(size_t, struct ip_cidr *);

/* A list of CIDR blocks, e.g. an allowlist. */
struct ip_list {
	struct ip_cidr	*blocks;
	size_t		 n;
	size_t		 cap;
};
void	 ip_list_init(struct ip_list *);
void	 ip_list_add(struct ip_list *, const struct ip_cidr *);
/*
 * Load CIDRs (or bare addresses), one per line, '#' comments and blank lines
 * ignored. -1 and *cause ("FILE:LINE: why", caller frees) on the first error.
 */
int	 ip_list_load(struct ip_list *, const char *, char **);
/* The first block containing the address, or NULL. */
const struct ip_cidr *ip_list_match(const struct ip_list *,
	    const struct ip_addr *);
/* The first block sharing an address with the given block, or NULL. */
const struct ip_cidr *ip_list_overlap(const struct ip_list *,
	    const struct ip_cidr *);
void	 ip_list_free(struct ip_list *);

/*
 * The safety rails' verdict on blocking an address or block c (a block is
 * refused whole when any address of it would be): NULL when they let it
 * through, else why (written into why): it matches all traffic, it is or
 * overlaps a block of allow, or (unless allow_private) it is or overlaps
 * a special-purpose range. The words of nfw-sync and waf-sync.
 */
const char *ip_refusal(const struct ip_list *allow, int allow_private,
	    const struct ip_cidr *c, char *why, size_t len);

/*
 * Aggregate addresses into the fewest CIDR blocks that cover exactly that
 * set (never an address outside it). The input may be unsorted and contain
 * duplicates and both families; the output is sorted (IPv4 first). Returns
 * the number of blocks written to *out (caller frees).
 */
size_t	 ip_aggregate(const struct ip_addr *, size_t, struct ip_cidr **);

#endif
