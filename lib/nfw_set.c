/*
 * nfw_set.c: sets of addresses as sorted, disjoint ranges, one array per
 * family (IPv4 ranges in 8 bytes), and the exact CIDR blocks that cover
 * them. The arithmetic the planner in nfw.c does with them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_impl.h"
#include "util.h"

struct nfw_range4 {
	uint32_t	 lo, hi;	/* first and last address */
};

struct nfw_range6 {
	u128		 lo, hi;
};

/* --- addresses as integers ------------------------------------------------ */

static int
fam_bits(int fam)
{
	return fam == NFW_V4 ? 32 : 128;
}

/* All ones in the low n bits (n from 0 to 128). */
static u128
low_mask(int n)
{
	if (n >= 128)
		return ~(u128)0;
	return ((u128)1 << n) - 1;
}

u128
nfw_addr_value(const struct ip_addr *a)
{
	u128	 v = 0;
	int	 i, n = a->family == 4 ? 4 : 16;

	for (i = 0; i < n; i++)
		v = (v << 8) | a->bytes[i];
	return v;
}

void
nfw_value_addr(int fam, u128 v, struct ip_addr *a)
{
	int	 i, n = fam == NFW_V4 ? 4 : 16;

	memset(a, 0, sizeof(*a));
	a->family = fam == NFW_V4 ? 4 : 6;
	for (i = n - 1; i >= 0; i--) {
		a->bytes[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

void
nfw_cidr_span(const struct ip_cidr *c, u128 *lo, u128 *hi)
{
	int	 host = fam_bits(nfw_fam(c->addr.family)) - c->bits;

	*lo = nfw_addr_value(&c->addr) & ~low_mask(host);
	*hi = *lo | low_mask(host);
}

/* --- ranges of one family ------------------------------------------------- */

size_t
nfw_set_nranges(const struct nfw_set *s, int fam)
{
	return fam == NFW_V4 ? s->n4 : s->n6;
}

void
nfw_set_range(const struct nfw_set *s, int fam, size_t i, u128 *lo, u128 *hi)
{
	if (fam == NFW_V4) {
		*lo = s->v4[i].lo;
		*hi = s->v4[i].hi;
	} else {
		*lo = s->v6[i].lo;
		*hi = s->v6[i].hi;
	}
}

static void
grow(void **v, size_t *cap, size_t size)
{
	*cap = *cap ? *cap * 2 : 16;
	*v = xreallocarray(*v, *cap, size);
}

static void
push_raw(struct nfw_set *s, int fam, u128 lo, u128 hi)
{
	if (fam == NFW_V4) {
		if (s->n4 == s->cap4)
			grow((void **)&s->v4, &s->cap4, sizeof(*s->v4));
		s->v4[s->n4].lo = (uint32_t)lo;
		s->v4[s->n4++].hi = (uint32_t)hi;
	} else {
		if (s->n6 == s->cap6)
			grow((void **)&s->v6, &s->cap6, sizeof(*s->v6));
		s->v6[s->n6].lo = lo;
		s->v6[s->n6++].hi = hi;
	}
}

/*
 * Append a range that starts at or after the last one's start, merging it
 * into the last when they overlap or touch: the set stays normalised.
 */
void
nfw_set_push(struct nfw_set *s, int fam, u128 lo, u128 hi)
{
	size_t	 n = nfw_set_nranges(s, fam);
	u128	 plo, phi;

	if (n > 0) {
		nfw_set_range(s, fam, n - 1, &plo, &phi);
		if (lo <= phi || lo == phi + 1) {
			if (hi > phi) {
				if (fam == NFW_V4)
					s->v4[n - 1].hi = (uint32_t)hi;
				else
					s->v6[n - 1].hi = hi;
			}
			goto out;
		}
	}
	push_raw(s, fam, lo, hi);
out:
	if (fam == NFW_V4)
		s->sorted4 = s->n4;
	else
		s->sorted6 = s->n6;
}

size_t
nfw_set_lower(const struct nfw_set *s, int fam, u128 v)
{
	size_t	 lo = 0, hi = nfw_set_nranges(s, fam), mid;
	u128	 rlo, rhi;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		nfw_set_range(s, fam, mid, &rlo, &rhi);
		if (rhi < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
nfw_set_clear_family(struct nfw_set *s, int fam)
{
	if (fam == NFW_V4)
		s->n4 = s->sorted4 = 0;
	else
		s->n6 = s->sorted6 = 0;
}

void
nfw_set_take_family(struct nfw_set *s, const struct nfw_set *from, int fam)
{
	size_t	 i, n = nfw_set_nranges(from, fam);
	u128	 lo, hi;

	nfw_set_clear_family(s, fam);
	for (i = 0; i < n; i++) {
		nfw_set_range(from, fam, i, &lo, &hi);
		nfw_set_push(s, fam, lo, hi);
	}
}

int
nfw_set_whole_family(const struct nfw_set *s, int fam)
{
	u128	 lo, hi;

	if (nfw_set_nranges(s, fam) != 1)
		return 0;
	nfw_set_range(s, fam, 0, &lo, &hi);
	return lo == 0 && hi == nfw_fam_max(fam);
}

/* --- sets ----------------------------------------------------------------- */

void
nfw_set_init(struct nfw_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
nfw_set_free(struct nfw_set *s)
{
	if (s == NULL)
		return;
	free(s->v4);
	free(s->v6);
	nfw_set_init(s);
}


static int
cmp4(const void *a, const void *b)
{
	const struct nfw_range4 *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/*
 * Sort IPv4 ranges by their start: two passes of a 16-bit radix sort for
 * large sets (millions of addresses sort in tens of milliseconds).
 */
static void
sort4(struct nfw_range4 *v, size_t n)
{
	struct nfw_range4 *tmp, *from = v, *to, *t;
	size_t		*count, i, sum, c;
	int		 shift;

	if (n < 4096) {
		qsort(v, n, sizeof(*v), cmp4);
		return;
	}
	tmp = xreallocarray(NULL, n, sizeof(*tmp));
	count = xcalloc(65536, sizeof(*count));
	to = tmp;
	for (shift = 0; shift < 32; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(from[i].lo >> shift) & 0xffff]++;
		for (i = 0, sum = 0; i < 65536; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[(from[i].lo >> shift) & 0xffff]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	/* two passes: the sorted run is back in v */
	free(count);
	free(tmp);
}

static int
cmp6(const void *a, const void *b)
{
	const struct nfw_range6 *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

static void
set_at(struct nfw_set *s, int fam, size_t i, u128 lo, u128 hi)
{
	if (fam == NFW_V4) {
		s->v4[i].lo = (uint32_t)lo;
		s->v4[i].hi = (uint32_t)hi;
	} else {
		s->v6[i].lo = lo;
		s->v6[i].hi = hi;
	}
}

/* Merge a family's sorted ranges in place: it is normalised. */
static void
merge_family(struct nfw_set *s, int fam)
{
	size_t	 i, k = 0, n = nfw_set_nranges(s, fam);
	u128	 klo, khi, lo, hi;

	if (n > 0) {
		nfw_set_range(s, fam, 0, &klo, &khi);
		for (i = 1; i < n; i++) {
			nfw_set_range(s, fam, i, &lo, &hi);
			if (lo <= khi || (khi != nfw_fam_max(fam) &&
			    lo == khi + 1)) {
				if (hi > khi)
					khi = hi;
				continue;
			}
			set_at(s, fam, k++, klo, khi);
			klo = lo;
			khi = hi;
		}
		set_at(s, fam, k++, klo, khi);
	}
	if (fam == NFW_V4)
		s->n4 = s->sorted4 = k;
	else
		s->n6 = s->sorted6 = k;
}

void
nfw_set_normalise(struct nfw_set *s)
{
	if (s->sorted4 != s->n4) {
		sort4(s->v4, s->n4);
		merge_family(s, NFW_V4);
	}
	if (s->sorted6 != s->n6) {
		qsort(s->v6, s->n6, sizeof(*s->v6), cmp6);
		merge_family(s, NFW_V6);
	}
}

/*
 * Before growing a family's array, normalise it if half of it has not
 * been: duplicates then cost nothing, and the work stays linear overall.
 */
static int
compact(struct nfw_set *s, size_t n, size_t sorted, size_t cap)
{
	if (n < cap || n - sorted < cap / 2)
		return 0;
	nfw_set_normalise(s);
	return 1;
}

void
nfw_set_add_cidr(struct nfw_set *s, const struct ip_cidr *c)
{
	u128	 lo, hi;
	int	 fam = nfw_fam(c->addr.family);

	nfw_cidr_span(c, &lo, &hi);
	if (fam == NFW_V4)
		compact(s, s->n4, s->sorted4, s->cap4);
	else
		compact(s, s->n6, s->sorted6, s->cap6);
	push_raw(s, fam, lo, hi);
}

void
nfw_set_add_addr(struct nfw_set *s, const struct ip_addr *a)
{
	u128	 v = nfw_addr_value(a);

	if (a->family == 4) {
		compact(s, s->n4, s->sorted4, s->cap4);
		push_raw(s, NFW_V4, v, v);
	} else {
		compact(s, s->n6, s->sorted6, s->cap6);
		push_raw(s, NFW_V6, v, v);
	}
}

int
nfw_set_equal(const struct nfw_set *a, const struct nfw_set *b)
{
	return a->n4 == b->n4 && a->n6 == b->n6 &&
	    (a->n4 == 0 || memcmp(a->v4, b->v4, a->n4 * sizeof(*a->v4)) ==
	    0) && (a->n6 == 0 || memcmp(a->v6, b->v6, a->n6 *
	    sizeof(*a->v6)) == 0);
}

int
nfw_set_contains(const struct nfw_set *s, const struct ip_addr *a)
{
	int	 fam = nfw_fam(a->family);
	u128	 v = nfw_addr_value(a), lo, hi;
	size_t	 i = nfw_set_lower(s, fam, v);

	if (i == nfw_set_nranges(s, fam))
		return 0;
	nfw_set_range(s, fam, i, &lo, &hi);
	return lo <= v;
}

int
nfw_set_overlaps(const struct nfw_set *s, const struct ip_cidr *c)
{
	int	 fam = nfw_fam(c->addr.family);
	u128	 clo, chi, lo, hi;
	size_t	 i;

	nfw_cidr_span(c, &clo, &chi);
	/* the first range ending at or after the block's start */
	if ((i = nfw_set_lower(s, fam, clo)) == nfw_set_nranges(s, fam))
		return 0;
	nfw_set_range(s, fam, i, &lo, &hi);
	return lo <= chi;
}

size_t
nfw_set_size(const struct nfw_set *s)
{
	return s->n4 + s->n6;
}

void
nfw_set_copy(const struct nfw_set *a, struct nfw_set *out)
{
	nfw_set_init(out);
	if (a->n4 > 0) {
		out->v4 = xreallocarray(NULL, a->n4, sizeof(*a->v4));
		memcpy(out->v4, a->v4, a->n4 * sizeof(*a->v4));
	}
	if (a->n6 > 0) {
		out->v6 = xreallocarray(NULL, a->n6, sizeof(*a->v6));
		memcpy(out->v6, a->v6, a->n6 * sizeof(*a->v6));
	}
	out->n4 = out->cap4 = out->sorted4 = a->n4;
	out->n6 = out->cap6 = out->sorted6 = a->n6;
}

void
nfw_set_union(const struct nfw_set *a, const struct nfw_set *b,
    struct nfw_set *out)
{
	size_t	 i, j, na, nb;
	u128	 alo, ahi, blo, bhi;
	int	 fam;

	nfw_set_init(out);
	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		na = nfw_set_nranges(a, fam);
		nb = nfw_set_nranges(b, fam);
		/* in order of their starts, merging as they come */
		for (i = j = 0; i < na || j < nb;) {
			alo = ahi = blo = bhi = 0;
			if (i < na)
				nfw_set_range(a, fam, i, &alo, &ahi);
			if (j < nb)
				nfw_set_range(b, fam, j, &blo, &bhi);
			if (j == nb || (i < na && alo <= blo)) {
				nfw_set_push(out, fam, alo, ahi);
				i++;
			} else {
				nfw_set_push(out, fam, blo, bhi);
				j++;
			}
		}
	}
}

void
nfw_set_minus(const struct nfw_set *a, const struct nfw_set *b,
    struct nfw_set *out)
{
	size_t	 i, j, k, na, nb;
	u128	 rlo, rhi, xlo, xhi, lo;
	int	 fam, alive;

	nfw_set_init(out);
	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		na = nfw_set_nranges(a, fam);
		nb = nfw_set_nranges(b, fam);
		for (i = 0, j = 0; i < na; i++) {
			nfw_set_range(a, fam, i, &rlo, &rhi);
			while (j < nb) {
				nfw_set_range(b, fam, j, &xlo, &xhi);
				if (xhi >= rlo)
					break;
				j++;
			}
			lo = rlo;
			alive = 1;
			for (k = j; alive && k < nb; k++) {
				nfw_set_range(b, fam, k, &xlo, &xhi);
				if (xlo > rhi)
					break;
				if (xlo > lo)
					nfw_set_push(out, fam, lo, xlo - 1);
				if (xhi >= rhi)
					alive = 0;
				else
					lo = xhi + 1;
			}
			if (alive)
				nfw_set_push(out, fam, lo, rhi);
		}
	}
}

void
nfw_set_intersect(const struct nfw_set *a, const struct nfw_set *b,
    struct nfw_set *out)
{
	size_t	 i, j, na, nb;
	u128	 alo, ahi, blo, bhi;
	int	 fam;

	nfw_set_init(out);
	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		na = nfw_set_nranges(a, fam);
		nb = nfw_set_nranges(b, fam);
		for (i = j = 0; i < na && j < nb;) {
			nfw_set_range(a, fam, i, &alo, &ahi);
			nfw_set_range(b, fam, j, &blo, &bhi);
			if (ahi >= blo && bhi >= alo)
				nfw_set_push(out, fam, alo > blo ? alo : blo,
				    ahi < bhi ? ahi : bhi);
			if (ahi < bhi)
				i++;
			else
				j++;
		}
	}
}

int64_t
nfw_set_count(const struct nfw_set *s)
{
	u128	 total = 0, lo, hi;
	size_t	 i, n;
	int	 fam;

	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		n = nfw_set_nranges(s, fam);
		for (i = 0; i < n; i++) {
			nfw_set_range(s, fam, i, &lo, &hi);
			if (hi - lo >= (u128)INT64_MAX)
				return INT64_MAX;
			total += hi - lo + 1;
			if (total >= (u128)INT64_MAX)
				return INT64_MAX;
		}
	}
	return (int64_t)total;
}

/* Number of trailing zero bits of v, at most limit. */
static int
trailing_zeros(u128 v, int limit)
{
	uint64_t low = (uint64_t)v, high = (uint64_t)(v >> 64);
	int	 n;

	if (low != 0)
		n = __builtin_ctzll(low);
	else if (high != 0)
		n = 64 + __builtin_ctzll(high);
	else
		n = 128;
	return n < limit ? n : limit;
}

size_t
nfw_range_cidrs(int fam, u128 lo, u128 hi, struct ip_cidr **out, size_t *n,
    size_t *cap)
{
	int	 k, max = fam_bits(fam);
	size_t	 count = 0;
	u128	 span;

	for (;;) {
		/* the largest aligned block at lo that ends by hi */
		k = trailing_zeros(lo, max);
		while (k > 0 && low_mask(k) > hi - lo)
			k--;
		span = low_mask(k);
		if (out != NULL) {
			if (*n == *cap)
				grow((void **)out, cap, sizeof(**out));
			nfw_value_addr(fam, lo, &(*out)[*n].addr);
			(*out)[(*n)++].bits = max - k;
		}
		count++;
		if (hi - lo == span)
			return count;
		lo += span + 1;
	}
}

size_t
nfw_set_cidrs(const struct nfw_set *s, struct ip_cidr **out)
{
	size_t	 i, nr, n = 0, cap = 0;
	u128	 lo, hi;
	int	 fam;

	*out = NULL;
	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		nr = nfw_set_nranges(s, fam);
		for (i = 0; i < nr; i++) {
			nfw_set_range(s, fam, i, &lo, &hi);
			nfw_range_cidrs(fam, lo, hi, out, &n, &cap);
		}
	}
	return n;
}

int
nfw_set_each_cidr(const struct nfw_set *s,
    int (*fn)(const struct ip_cidr *, void *), void *arg)
{
	struct ip_cidr	*blocks = NULL;
	size_t		 i, k, nr, n, cap = 0;
	u128		 lo, hi;
	int		 fam, r = 0;

	for (fam = NFW_V4; fam <= NFW_V6 && r == 0; fam++) {
		nr = nfw_set_nranges(s, fam);
		for (i = 0; i < nr && r == 0; i++) {
			nfw_set_range(s, fam, i, &lo, &hi);
			n = 0;	/* a range's blocks, at most 2 x 128 */
			nfw_range_cidrs(fam, lo, hi, &blocks, &n, &cap);
			for (k = 0; k < n && r == 0; k++)
				r = fn(&blocks[k], arg);
		}
	}
	free(blocks);
	return r;
}

size_t
nfw_set_ncidrs(const struct nfw_set *s)
{
	size_t	 i, nr, n = 0;
	u128	 lo, hi;
	int	 fam;

	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		nr = nfw_set_nranges(s, fam);
		for (i = 0; i < nr; i++) {
			nfw_set_range(s, fam, i, &lo, &hi);
			/* a single address is the common case */
			n += lo == hi ? 1 : nfw_range_cidrs(fam, lo, hi, NULL,
			    NULL, NULL);
		}
	}
	return n;
}

void
nfw_set_from_addrs(struct nfw_set *s, const struct ip_addr *addrs, size_t n)
{
	size_t	 i;

	nfw_set_init(s);
	for (i = 0; i < n; i++)
		nfw_set_add_addr(s, &addrs[i]);
	nfw_set_normalise(s);
}

json_t *
nfw_set_json(const struct nfw_set *s)
{
	struct ip_cidr	*blocks;
	size_t		 n, i;
	char		 text[IP_STRLEN];
	json_t		*a = json_array();

	n = nfw_set_cidrs(s, &blocks);
	for (i = 0; i < n; i++)
		json_array_append_new(a,
		    json_string(ip_format_cidr(&blocks[i], text)));
	free(blocks);
	return a;
}
