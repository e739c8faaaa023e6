/*
 * nfw.h: planning the blocklist rules of a Network Firewall STATELESS rule
 * group: read a DescribeRuleGroup response, find our two rules (one drop
 * rule matching Sources, one matching Destinations, at fixed priorities),
 * compute the new blocked set (merge, replace or remove) within the safety
 * rails, aggregate it into the fewest exact CIDR blocks, check the group's
 * capacity and build the UpdateRuleGroup request that changes those two
 * rules and nothing else.
 *
 * Nothing here talks to the network or prints; bin/nfw-sync.c does. The
 * set arithmetic is in nfw_set.c.
 * _new/_from functions return objects the caller owns and frees with the
 * matching _free (which accepts NULL); getters borrow.
 */
#ifndef SECHUB_NFW_H
#define SECHUB_NFW_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ip.h"

#define NFW_SRC_PRIORITY	30000	/* the original's RULEGROUPPRI */
#define NFW_DST_PRIORITY	30100	/* RULEGROUPPRI + 100 */
#define NFW_PRIORITY_MAX	65535

enum nfw_mode {
	NFW_MERGE,	/* current set plus the input */
	NFW_REPLACE,	/* exactly the input */
	NFW_REMOVE	/* current set minus the input */
};

/* "merge", "replace", "remove". */
const char *nfw_mode_name(enum nfw_mode);

/*
 * A set of addresses of both families, kept as sorted, disjoint,
 * non-adjacent ranges so that blocks of any size (a /24 someone put in our
 * rule by hand) take no more room than a host: 8 bytes a range for IPv4,
 * 32 for IPv6. The members are nfw_set.c's.
 */
struct nfw_range4;
struct nfw_range6;
struct nfw_set {
	struct nfw_range4 *v4;
	size_t		   n4, cap4, sorted4;	/* v4[0..sorted4) normalised */
	struct nfw_range6 *v6;
	size_t		   n6, cap6, sorted6;
};

void	 nfw_set_init(struct nfw_set *);
void	 nfw_set_free(struct nfw_set *);
/*
 * Add a block, or one address. The set normalises itself as it grows, so
 * that many duplicates take the room of one: memory follows the distinct
 * ranges, not the number of calls. Normalise (nfw_set_normalise()) before
 * reading the set.
 */
void	 nfw_set_add_cidr(struct nfw_set *, const struct ip_cidr *);
void	 nfw_set_add_addr(struct nfw_set *, const struct ip_addr *);
/* Sort, merge overlapping and adjacent ranges. */
void	 nfw_set_normalise(struct nfw_set *);
/* The rest take normalised sets. */
int	 nfw_set_equal(const struct nfw_set *, const struct nfw_set *);
int	 nfw_set_contains(const struct nfw_set *, const struct ip_addr *);
/* Does the set hold any address of the block? */
int	 nfw_set_overlaps(const struct nfw_set *, const struct ip_cidr *);
/* Number of ranges (0: the set is empty). */
size_t	 nfw_set_size(const struct nfw_set *);
/* out = a, a | b, a - b, a & b (out is initialised here). */
void	 nfw_set_copy(const struct nfw_set *, struct nfw_set *);
void	 nfw_set_union(const struct nfw_set *, const struct nfw_set *,
	    struct nfw_set *);
void	 nfw_set_minus(const struct nfw_set *, const struct nfw_set *,
	    struct nfw_set *);
void	 nfw_set_intersect(const struct nfw_set *, const struct nfw_set *,
	    struct nfw_set *);
/* Number of addresses, saturating at INT64_MAX. */
int64_t	 nfw_set_count(const struct nfw_set *);
/*
 * The fewest CIDR blocks that cover exactly the set, IPv4 first, ascending.
 * Returns the count; *out is the caller's to free. nfw_set_ncidrs() counts
 * them without writing them.
 */
size_t	 nfw_set_cidrs(const struct nfw_set *, struct ip_cidr **);
size_t	 nfw_set_ncidrs(const struct nfw_set *);
/*
 * The same blocks one at a time, none kept: fn(block, arg) for each, in
 * order, until it returns non-zero, which is returned (else 0).
 */
int	 nfw_set_each_cidr(const struct nfw_set *,
	    int (*)(const struct ip_cidr *, void *), void *);
/* The set of the given addresses. */
void	 nfw_set_from_addrs(struct nfw_set *, const struct ip_addr *, size_t);
/* ["192.0.2.1/32", ...] (new reference). */
json_t	*nfw_set_json(const struct nfw_set *);

/*
 * Capacity of one StatelessRule object: the product over its match
 * settings (Sources, Destinations, SourcePorts, DestinationPorts,
 * Protocols, TCPFlags) of the number of elements, 1 for an absent or empty
 * setting.
 */
int64_t	 nfw_rule_capacity(const json_t *);

/* A described rule group. */
struct nfw_group;

/*
 * Read a DescribeRuleGroup response. The group must be STATELESS; a rule
 * at either of our priorities must look like ours (a drop rule matching
 * only Sources, resp. only Destinations, with valid CIDRs) and be the only
 * rule there, else this refuses rather than overwrite someone else's rule.
 * NULL and *cause.
 */
struct nfw_group *nfw_group_from_describe(const json_t *, int, int, char **);
void	 nfw_group_free(struct nfw_group *);
const char *nfw_group_token(const struct nfw_group *);
const char *nfw_group_arn(const struct nfw_group *);
const char *nfw_group_name(const struct nfw_group *);
/* Capacity fixed at creation; -1 if the response did not say. */
int64_t	 nfw_group_capacity(const struct nfw_group *);
/* Capacity of the rules that are not ours. */
int64_t	 nfw_group_other_capacity(const struct nfw_group *);
/* Union of the addresses our two rules match now. */
const struct nfw_set *nfw_group_blocked(const struct nfw_group *);

/*
 * The safety rails: what may never be blocked. They hold for the input and
 * for what our rules already hold alike. 0.0.0.0/0 and ::/0 (and a set
 * covering a whole address family) are never blocked, whatever the rails.
 */
struct nfw_rails {
	const struct ip_list	*allowlist;	/* never blocked; NULL: none */
	int			 allow_private;	/* special-purpose ranges
						   may be blocked */
};

/* A block the rails found: in our rules (taken out), or in another. */
struct nfw_note {
	struct ip_cidr	 block;
	int		 priority;	/* the other rule's (-1: not a valid
					   one); 0 for ours */
	const char	*match;		/* "Sources" or "Destinations" */
	char		 reason[IP_STRLEN + 48];
};

/* What to do to a described group. */
struct nfw_plan {
	enum nfw_mode	 mode;
	struct nfw_set	 blocked;	/* the set after the change */
	struct nfw_set	 added;		/* blocked - before */
	struct nfw_set	 removed;	/* before - blocked */
	struct ip_cidr	*blocks;	/* blocked, aggregated; NULL unless fits */
	size_t		 nblocks;
	int64_t		 capacity_needed; /* other rules + 2 * nblocks */
	int64_t		 capacity;	/* the group's, -1 if unknown */
	int		 fits;		/* capacity_needed <= capacity */
	int		 changed;	/* an UpdateRuleGroup is needed */
	/* match-all, special or allowlisted blocks our rules held, which
	 * the change takes out, in address order */
	struct nfw_note	*cleaned;
	size_t		 ncleaned;
	/* match-all and (without allow_private) special blocks in other
	 * rules that drop: not ours, left alone, worth a warning */
	struct nfw_note	*left_alone;
	size_t		 nleft_alone;
};

/*
 * Plan a change with the given input set (normalised; the caller vets and
 * reports refused addresses, the plan leaves out what the rails forbid
 * whoever asks). Never fails: a plan that does not fit has fits == 0.
 * rails NULL: the defaults (special ranges refused, no allowlist).
 */
struct nfw_plan *nfw_plan_new(const struct nfw_group *, enum nfw_mode,
	    const struct nfw_set *, const struct nfw_rails *);
void	 nfw_plan_free(struct nfw_plan *);

/*
 * The complete UpdateRuleGroup request (new reference): the described
 * RuleGroup with our two rules replaced (or removed when the set is empty,
 * never an empty Sources/Destinations list), the description, encryption
 * and source metadata sent back as they were, and the update token.
 * The request shares unchanged parts with the group: read it, serialise
 * it, free it, but do not modify it.
 */
json_t	*nfw_plan_request(const struct nfw_plan *, const struct nfw_group *);

#endif
