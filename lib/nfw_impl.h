/*
 * nfw_impl.h: what nfw.c (groups, rails, plans) needs of nfw_set.c (set
 * arithmetic) beyond nfw.h: addresses as integers and a set's ranges one
 * family at a time. For those two files only.
 */
#ifndef SECHUB_NFW_IMPL_H
#define SECHUB_NFW_IMPL_H

#include "nfw.h"

__extension__ typedef unsigned __int128 u128;

/* Families as indexes: 0 IPv4, 1 IPv6. */
#define NFW_V4	0
#define NFW_V6	1

static inline int
nfw_fam(int family)
{
	return family == 4 ? NFW_V4 : NFW_V6;
}

/* The largest address of a family (index). */
static inline u128
nfw_fam_max(int fam)
{
	return fam == NFW_V4 ? (u128)0xffffffffU : ~(u128)0;
}

u128	 nfw_addr_value(const struct ip_addr *);
void	 nfw_value_addr(int, u128, struct ip_addr *);
/* First and last address of a block. */
void	 nfw_cidr_span(const struct ip_cidr *, u128 *, u128 *);

/* Ranges of one family: how many, the i-th, append one (in order). */
size_t	 nfw_set_nranges(const struct nfw_set *, int);
void	 nfw_set_range(const struct nfw_set *, int, size_t, u128 *, u128 *);
void	 nfw_set_push(struct nfw_set *, int, u128, u128);
/* Index of the first range of the family ending at or after v. */
size_t	 nfw_set_lower(const struct nfw_set *, int, u128);
/* Drop a family from the set; give it the family of another instead. */
void	 nfw_set_clear_family(struct nfw_set *, int);
void	 nfw_set_take_family(struct nfw_set *, const struct nfw_set *, int);
/* Does the set hold every address of the family? */
int	 nfw_set_whole_family(const struct nfw_set *, int);
/*
 * The fewest CIDR blocks covering [lo, hi] of the family, appended to *out
 * (*n used, *cap allocated); with out NULL only counted. Returns the count.
 */
size_t	 nfw_range_cidrs(int, u128, u128, struct ip_cidr **, size_t *,
	    size_t *);

#endif
