/*
 * ip.c: IPv4/IPv6 parsing and canonical text, CIDR blocks, special-purpose
 * ranges, allowlists and exact aggregation of address sets.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "util.h"

static int
parse_v4(const char *s, size_t len, uint8_t *out)
{
	size_t	 i = 0;
	int	 part;

	for (part = 0; part < 4; part++) {
		unsigned int	 v = 0;
		size_t		 start = i;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			v = v * 10 + (unsigned int)(s[i++] - '0');
		if (i == start || i - start > 3 || v > 255)
			return -1;
		if (i - start > 1 && s[start] == '0')
			return -1;	/* leading zeros read as octal elsewhere */
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

static int
parse_v6(const char *s, size_t len, uint8_t *out)
{
	uint16_t	 words[8];
	int		 n = 0, gap = -1;
	size_t		 i = 0;

	if (len < 2)
		return -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = 0;
		i = 2;
		if (i == len)
			goto done;
	}
	for (;;) {
		size_t		 start = i;
		unsigned int	 v = 0;
		int		 h;

		while (i < len && (h = hexdigit((unsigned char)s[i])) != -1 && i - start < 5) {
			v = (v << 4) | (unsigned int)h;
			i++;
		}
		if (i < len && s[i] == '.') {
			/* embedded IPv4 in the last 32 bits */
			if (n > 6 || parse_v4(s + start, len - start,
			    (uint8_t *)&words[n]) != 0)
				return -1;
			{
				uint8_t	*b = (uint8_t *)&words[n];

				words[n] = (uint16_t)(b[0] << 8 | b[1]);
				words[n + 1] = (uint16_t)(b[2] << 8 | b[3]);
			}
			n += 2;
			i = len;
			break;
		}
		if (i == start || i - start > 4 || n == 8)
			return -1;
		words[n++] = (uint16_t)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < len && s[i] == ':') {
			if (gap != -1)
				return -1;
			gap = n;
			i++;
			if (i == len)
				break;
		} else if (i == len)
			return -1;
	}
done:
	if (gap == -1) {
		if (n != 8)
			return -1;
	} else {
		int	 fill = 8 - n;

		if (fill < 1)
			return -1;
		memmove(&words[gap + fill], &words[gap],
		    (size_t)(n - gap) * sizeof words[0]);
		for (int k = 0; k < fill; k++)
			words[gap + k] = 0;
	}
	for (int k = 0; k < 8; k++) {
		out[2 * k] = (uint8_t)(words[k] >> 8);
		out[2 * k + 1] = (uint8_t)(words[k] & 0xff);
	}
	return 0;
}

/* Parse as written: an IPv4-mapped IPv6 address stays IPv6. */
static int
parse_raw(const char *s, size_t len, struct ip_addr *ip)
{
	memset(ip, 0, sizeof *ip);
	if (len == 0 || len >= IP_STRLEN)
		return -1;
	if (memchr(s, ':', len) != NULL) {
		ip->family = 6;
		return parse_v6(s, len, ip->bytes);
	}
	ip->family = 4;
	return parse_v4(s, len, ip->bytes);
}

static const uint8_t mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* ::ffff:a.b.c.d is a.b.c.d (RFC 4291 2.5.5.2): judge it as such. */
static void
unmap(struct ip_addr *ip)
{
	if (ip->family != 6 || memcmp(ip->bytes, mapped_prefix,
	    sizeof mapped_prefix) != 0)
		return;
	memmove(ip->bytes, ip->bytes + 12, 4);
	memset(ip->bytes + 4, 0, sizeof ip->bytes - 4);
	ip->family = 4;
}

int
ip_parse(const char *s, size_t len, struct ip_addr *ip)
{
	if (parse_raw(s, len, ip) != 0)
		return -1;
	unmap(ip);
	return 0;
}

int
ip_maxbits(const struct ip_addr *ip)
{
	return ip->family == 4 ? 32 : 128;
}

static void
mask_host_bits(struct ip_addr *ip, int bits)
{
	int	 nbytes = ip_maxbits(ip) / 8;

	for (int k = 0; k < nbytes; k++) {
		int	 keep = bits - 8 * k;

		if (keep >= 8)
			continue;
		if (keep <= 0)
			ip->bytes[k] = 0;
		else
			ip->bytes[k] &= (uint8_t)(0xff << (8 - keep));
	}
}

static int
parse_cidr(const char *s, size_t len, int loose, int raw, struct ip_cidr *c)
{
	const char	*slash;
	struct ip_addr	 masked;
	int		 bits = 0;

	memset(c, 0, sizeof *c);
	slash = memchr(s, '/', len);
	if (parse_raw(s, slash != NULL ? (size_t)(slash - s) : len,
	    &c->addr) != 0)
		return -1;
	if (slash == NULL)
		bits = ip_maxbits(&c->addr);
	else {
		if ((size_t)(slash - s) + 1 == len)
			return -1;
		for (const char *p = slash + 1; p < s + len; p++) {
			if (*p < '0' || *p > '9' || bits > 128)
				return -1;
			bits = bits * 10 + (*p - '0');
		}
		if (s + len - slash > 2 && slash[1] == '0')
			return -1;
		if (bits > ip_maxbits(&c->addr))
			return -1;
	}
	/* a block inside ::ffff:0:0/96 is the IPv4 block it maps */
	if (!raw && bits >= 96 && c->addr.family == 6 &&
	    memcmp(c->addr.bytes, mapped_prefix, sizeof mapped_prefix) == 0) {
		unmap(&c->addr);
		bits -= 96;
	}
	c->bits = bits;
	masked = c->addr;
	mask_host_bits(&masked, bits);
	if (!loose && memcmp(&masked, &c->addr, sizeof masked) != 0)
		return -1;
	c->addr = masked;
	return 0;
}

int
ip_parse_cidr(const char *s, size_t len, int loose, struct ip_cidr *c)
{
	return parse_cidr(s, len, loose, 0, c);
}

int
ip_host_key(const char *s, size_t len, char *buf)
{
	struct ip_cidr	 c;

	if (memchr(s, '/', len) == NULL) {
		if (ip_parse(s, len, &c.addr) != 0)
			return -1;
		ip_format(&c.addr, buf);
		return 0;
	}
	if (parse_cidr(s, len, 0, 0, &c) != 0)
		return -1;
	if (c.bits == ip_maxbits(&c.addr))
		ip_format(&c.addr, buf);
	else
		ip_format_cidr(&c, buf);
	return 0;
}

char *
ip_format(const struct ip_addr *ip, char *buf)
{
	const uint8_t	*b = ip->bytes;
	uint16_t	 w[8];
	int		 best = -1, bestlen = 0, run = -1, runlen = 0;
	size_t		 off = 0;

	if (ip->family == 4) {
		snprintf(buf, IP_STRLEN, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		return buf;
	}
	for (int k = 0; k < 8; k++)
		w[k] = (uint16_t)(b[2 * k] << 8 | b[2 * k + 1]);
	/* RFC 5952: the longest run of two or more zero words, first wins */
	for (int k = 0; k <= 8; k++) {
		if (k < 8 && w[k] == 0) {
			if (run == -1) {
				run = k;
				runlen = 0;
			}
			runlen++;
		} else if (run != -1) {
			if (runlen > bestlen && runlen >= 2) {
				best = run;
				bestlen = runlen;
			}
			run = -1;
		}
	}
	/* IPv4-mapped addresses keep the dotted quad (RFC 5952 section 5) */
	if (best == 0 && bestlen == 5 && w[5] == 0xffff) {
		snprintf(buf, IP_STRLEN, "::ffff:%u.%u.%u.%u", b[12], b[13],
		    b[14], b[15]);
		return buf;
	}
	for (int k = 0; k < 8; k++) {
		if (k == best) {
			off += snprintf(buf + off, IP_STRLEN - off, "::");
			k += bestlen - 1;
			continue;
		}
		if (k > 0 && k != best + bestlen)
			off += snprintf(buf + off, IP_STRLEN - off, ":");
		off += snprintf(buf + off, IP_STRLEN - off, "%x", w[k]);
	}
	return buf;
}

char *
ip_format_cidr(const struct ip_cidr *c, char *buf)
{
	char	 a[IP_STRLEN];

	snprintf(buf, IP_STRLEN, "%s/%d", ip_format(&c->addr, a), c->bits);
	return buf;
}

int
ip_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, ip_maxbits(a) / 8);
}

static int
prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int	 full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

int
ip_cidr_contains(const struct ip_cidr *c, const struct ip_addr *ip)
{
	if (c->addr.family != ip->family)
		return 0;
	return prefix_equal(c->addr.bytes, ip->bytes, c->bits);
}

int
ip_cidr_overlaps(const struct ip_cidr *a, const struct ip_cidr *b)
{
	if (a->addr.family != b->addr.family)
		return 0;
	/* two blocks overlap when the shorter prefix contains the other */
	return prefix_equal(a->addr.bytes, b->addr.bytes,
	    a->bits < b->bits ? a->bits : b->bits);
}

struct special {
	const char	*text;
	const char	*name;
	struct ip_cidr	 cidr;
};

static struct special specials[] = {
	{ "0.0.0.0/8", "unspecified (this network)", { { 0, { 0 } }, 0 } },
	{ "10.0.0.0/8", "private (RFC 1918)", { { 0, { 0 } }, 0 } },
	{ "100.64.0.0/10", "shared address space (RFC 6598)", { { 0, { 0 } }, 0 } },
	{ "127.0.0.0/8", "loopback", { { 0, { 0 } }, 0 } },
	{ "169.254.0.0/16", "link-local", { { 0, { 0 } }, 0 } },
	{ "172.16.0.0/12", "private (RFC 1918)", { { 0, { 0 } }, 0 } },
	{ "192.0.0.0/24", "reserved (IETF protocol assignments)", { { 0, { 0 } }, 0 } },
	{ "192.88.99.0/24", "reserved (6to4 relay anycast)", { { 0, { 0 } }, 0 } },
	{ "192.168.0.0/16", "private (RFC 1918)", { { 0, { 0 } }, 0 } },
	{ "198.18.0.0/15", "reserved (benchmarking)", { { 0, { 0 } }, 0 } },
	{ "224.0.0.0/4", "multicast", { { 0, { 0 } }, 0 } },
	{ "255.255.255.255/32", "broadcast", { { 0, { 0 } }, 0 } },
	{ "240.0.0.0/4", "reserved", { { 0, { 0 } }, 0 } },
	{ "::/128", "unspecified", { { 0, { 0 } }, 0 } },
	{ "::1/128", "loopback", { { 0, { 0 } }, 0 } },
	{ "::ffff:0:0/96", "IPv4-mapped", { { 0, { 0 } }, 0 } },
	{ "64:ff9b::/96", "IPv4/IPv6 translation", { { 0, { 0 } }, 0 } },
	{ "64:ff9b:1::/48", "IPv4/IPv6 translation", { { 0, { 0 } }, 0 } },
	{ "100::/64", "discard-only", { { 0, { 0 } }, 0 } },
	{ "2001::/23", "reserved (IETF protocol assignments)", { { 0, { 0 } }, 0 } },
	{ "2002::/16", "6to4", { { 0, { 0 } }, 0 } },
	{ "fc00::/7", "private (unique local)", { { 0, { 0 } }, 0 } },
	{ "fe80::/10", "link-local", { { 0, { 0 } }, 0 } },
	{ "ff00::/8", "multicast", { { 0, { 0 } }, 0 } },
};
#define NSPECIALS (sizeof specials / sizeof specials[0])

static void
specials_init(void)
{
	static int	 done;

	if (done)
		return;
	for (size_t k = 0; k < NSPECIALS; k++) {
		/* as written: ::ffff:0:0/96 is not 0.0.0.0/0 here */
		if (parse_cidr(specials[k].text, strlen(specials[k].text),
		    0, 1, &specials[k].cidr) != 0)
			abort();
	}
	done = 1;
}

/* 2000::/3 is the only IPv6 space allocated for global unicast. */
static int
v6_unallocated(const uint8_t *b)
{
	return (b[0] & 0xe0) != 0x20 && (b[0] & 0xfe) != 0xfc &&
	    !(b[0] == 0xfe && (b[1] & 0xc0) == 0x80) && b[0] != 0xff;
}

const char *
ip_special(const struct ip_addr *ip)
{
	specials_init();
	for (size_t k = 0; k < NSPECIALS; k++) {
		if (ip_cidr_contains(&specials[k].cidr, ip))
			return specials[k].name;
	}
	if (ip->family == 6 && v6_unallocated(ip->bytes))
		return "reserved";
	return NULL;
}

const char *
ip_cidr_special(const struct ip_cidr *c)
{
	specials_init();
	if (c->bits == 0)
		return c->addr.family == 4 ? "0.0.0.0/0 (every IPv4 address)" :
		    "::/0 (every IPv6 address)";
	for (size_t k = 0; k < NSPECIALS; k++) {
		const struct ip_cidr	*s = &specials[k].cidr;

		if (s->addr.family != c->addr.family)
			continue;
		/* two blocks overlap when the shorter prefix contains the other */
		if (prefix_equal(s->addr.bytes, c->addr.bytes,
		    s->bits < c->bits ? s->bits : c->bits))
			return specials[k].name;
	}
	if (c->addr.family == 6) {
		if (c->bits < 3)
			return "reserved";
		if (v6_unallocated(c->addr.bytes))
			return "reserved";
	}
	return NULL;
}

/* What v6_unallocated() says, as blocks: all of ::/0 but 2000::/3,
 * fc00::/7, fe80::/10 and ff00::/8. */
static const char *v6_unallocated_blocks[] = {
	"::/3", "4000::/2", "8000::/2", "c000::/3", "e000::/4", "f000::/5",
	"f800::/6", "fe00::/9", "fec0::/10"
};

const char *
ip_special_block(size_t i, struct ip_cidr *c)
{
	const char	*text;
	size_t		 nv6 = sizeof v6_unallocated_blocks /
			    sizeof *v6_unallocated_blocks;

	specials_init();
	if (i < NSPECIALS) {
		*c = specials[i].cidr;
		return specials[i].name;
	}
	if ((i -= NSPECIALS) >= nv6)
		return NULL;
	text = v6_unallocated_blocks[i];
	if (ip_parse_cidr(text, strlen(text), 0, c) != 0)
		abort();
	return "reserved";
}

void
ip_list_init(struct ip_list *l)
{
	l->blocks = NULL;
	l->n = l->cap = 0;
}

void
ip_list_add(struct ip_list *l, const struct ip_cidr *c)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		l->blocks = xreallocarray(l->blocks, l->cap, sizeof *l->blocks);
	}
	l->blocks[l->n++] = *c;
}

int
ip_list_load(struct ip_list *l, const char *path, char **cause)
{
	FILE		*f;
	char		*line = NULL;
	size_t		 linesz = 0;
	ssize_t		 n;
	unsigned long	 lineno = 0;
	int		 r = -1;

	*cause = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &linesz, f)) != -1) {
		char		*p = line, *end;
		struct ip_cidr	 c;

		lineno++;
		if ((end = strchr(p, '#')) != NULL)
			*end = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\n' || end[-1] == '\r'))
			end--;
		if (end == p)
			continue;
		if (ip_parse_cidr(p, (size_t)(end - p), 0, &c) != 0) {
			char	 shown[VALUE_SHOW_SIZE];

			xasprintf(cause, "%s:%lu: not an IP address or CIDR "
			    "block (host bits must be zero): %s", path, lineno,
			    show_value(shown, p, (size_t)(end - p)));
			goto out;
		}
		ip_list_add(l, &c);
	}
	if (ferror(f)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	free(line);
	fclose(f);
	return r;
}

const struct ip_cidr *
ip_list_match(const struct ip_list *l, const struct ip_addr *ip)
{
	for (size_t k = 0; k < l->n; k++) {
		if (ip_cidr_contains(&l->blocks[k], ip))
			return &l->blocks[k];
	}
	return NULL;
}

const struct ip_cidr *
ip_list_overlap(const struct ip_list *l, const struct ip_cidr *c)
{
	for (size_t k = 0; k < l->n; k++) {
		if (ip_cidr_overlaps(&l->blocks[k], c))
			return &l->blocks[k];
	}
	return NULL;
}

void
ip_list_free(struct ip_list *l)
{
	free(l->blocks);
	ip_list_init(l);
}

static int
addr_qsort_cmp(const void *a, const void *b)
{
	return ip_cmp(a, b);
}

/* Is bit `bit` (0 = most significant) of the address set? */
static int
bit_of(const struct ip_addr *ip, int bit)
{
	return (ip->bytes[bit / 8] >> (7 - bit % 8)) & 1;
}

/*
 * Exact aggregation over a sorted, de-duplicated run of one family: a
 * stack of blocks where two sibling blocks of equal size merge into their
 * parent. Linear in the number of addresses.
 */
static size_t
aggregate_family(const struct ip_addr *a, size_t n, struct ip_cidr *out)
{
	size_t	 top = 0;

	for (size_t k = 0; k < n; k++) {
		out[top].addr = a[k];
		out[top].bits = ip_maxbits(&a[k]);
		top++;
		while (top >= 2) {
			struct ip_cidr	*lo = &out[top - 2], *hi = &out[top - 1];
			int		 b = lo->bits;

			if (hi->bits != b || b == 0)
				break;
			/* siblings: same prefix of b-1 bits, lo ends in 0 */
			if (bit_of(&lo->addr, b - 1) != 0 ||
			    !prefix_equal(lo->addr.bytes, hi->addr.bytes, b - 1))
				break;
			lo->bits = b - 1;
			top--;
		}
	}
	return top;
}

size_t
ip_aggregate(const struct ip_addr *in, size_t n, struct ip_cidr **out)
{
	struct ip_addr	*a;
	struct ip_cidr	*res;
	size_t		 m = 0, nv4, total;

	a = xreallocarray(NULL, n == 0 ? 1 : n, sizeof *a);
	memcpy(a, in, n * sizeof *a);
	for (size_t k = 0; k < n; k++) {
		/* canonical: unused bytes of IPv4 are zero */
		if (a[k].family == 4)
			memset(a[k].bytes + 4, 0, 12);
	}
	qsort(a, n, sizeof *a, addr_qsort_cmp);
	for (size_t k = 0; k < n; k++) {
		if (m == 0 || ip_cmp(&a[m - 1], &a[k]) != 0)
			a[m++] = a[k];
	}
	for (nv4 = 0; nv4 < m && a[nv4].family == 4; nv4++)
		;
	res = xreallocarray(NULL, m == 0 ? 1 : m, sizeof *res);
	total = aggregate_family(a, nv4, res);
	total += aggregate_family(a + nv4, m - nv4, res + total);
	free(a);
	*out = res;
	return total;
}

int
ip_parse_host(const char *s, size_t len, struct ip_cidr *c)
{
	if (ip_parse(s, len, &c->addr) == 0) {
		c->bits = ip_maxbits(&c->addr);
		return 0;
	}
	if (memchr(s, '/', len) == NULL)
		return -1;
	return ip_parse_cidr(s, len, 0, c);
}

const char *
ip_refusal(const struct ip_list *allow, int allow_private,
    const struct ip_cidr *c, char *why, size_t len)
{
	const struct ip_cidr *allowed;
	const char	*special;
	char		 text[IP_STRLEN];
	int		 host = c->bits == ip_maxbits(&c->addr);

	if (c->bits == 0) {
		snprintf(why, len, "matches all traffic");
		return why;
	}
	if ((allowed = ip_list_overlap(allow, c)) != NULL) {
		snprintf(why, len, "%s: %s", host ? "allowlisted" :
		    "overlaps allowlisted block", ip_format_cidr(allowed, text));
		return why;
	}
	if (allow_private)
		return NULL;
	if (host && (special = ip_special(&c->addr)) != NULL) {
		snprintf(why, len, "special-purpose address: %s", special);
		return why;
	}
	if (!host && (special = ip_cidr_special(c)) != NULL) {
		snprintf(why, len, "overlaps special-purpose range: %s",
		    special);
		return why;
	}
	return NULL;
}
