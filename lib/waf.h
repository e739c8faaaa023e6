/*
 * waf.h: planning the addresses of AWS WAF (wafv2) IP sets: IP set names,
 * ids and ARNs; a GetIPSet answer read into a set of addresses of one
 * version; the new set (merge, replace or remove) within the safety rails,
 * aggregated into the fewest CIDR blocks WAF accepts (IPv4 /1 to /32, IPv6
 * /1 to /128, never /0), checked against the 10,000 addresses an IP set
 * holds; and the UpdateIPSet request that sends it with the lock token.
 *
 * Nothing here talks to the network or prints; bin/waf-sync.c does.
 * _new/_from functions return objects the caller owns and frees with the
 * matching _free (which accepts NULL); getters borrow.
 */
#ifndef SECHUB_WAF_H
#define SECHUB_WAF_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ip.h"
#include "nfw.h"	/* struct nfw_set, enum nfw_mode */

/* Addresses and blocks one IP set holds (a hard quota, not adjustable). */
#define WAF_MAX_ADDRESSES	10000

enum waf_scope {
	WAF_REGIONAL,	/* load balancers, API Gateway, ...: their region */
	WAF_CLOUDFRONT	/* CloudFront and Amplify: called in us-east-1 */
};

/* The region every CLOUDFRONT call goes to and is signed for. */
#define WAF_CLOUDFRONT_REGION	"us-east-1"

/* "REGIONAL", "CLOUDFRONT". */
const char *waf_scope_name(enum waf_scope);
/* Either spelling in any case: 0, or -1 if it is neither. */
int	 waf_scope_parse(const char *, enum waf_scope *);

/* An IP set name as WAF takes it: 1 to 128 letters, digits, _ and -. */
int	 waf_name_valid(const char *);
/* An id or a lock token: a lower-case UUID. */
int	 waf_id_valid(const char *);

/* An IP set as named on the command line: a name, or an ARN. */
struct waf_ref {
	char		*name;
	char		*id;		/* NULL: to be looked up by name */
	char		*arn;		/* as given, or NULL */
	char		*region;	/* the ARN's, or NULL */
	int		 has_scope;	/* the ARN said which */
	enum waf_scope	 scope;
};

/*
 * A name, or an ARN "arn:PARTITION:wafv2:REGION:ACCOUNT:regional|global/
 * ipset/NAME/ID" (global: CLOUDFRONT, region us-east-1). 0, or -1 and
 * *cause (the ref is then empty).
 */
int	 waf_ref_parse(const char *, struct waf_ref *, char **);
void	 waf_ref_free(struct waf_ref *);

/*
 * One page of a ListIPSets answer: 1 and *id (borrowed) when the set
 * named name is on it, 0 when not, with *next the marker of the next page
 * or NULL when there is none (no NextMarker, or a page without IP sets);
 * -1 and *cause when the answer is not one (or names the set twice).
 */
int	 waf_list_find(const json_t *, const char *, const char **,
	    const char **, char **);

/* A GetIPSet answer: the IP set, its addresses, its lock token. */
struct waf_ipset;

/*
 * Read a GetIPSet answer for scope. Every entry of Addresses must be a
 * CIDR block of the set's IPAddressVersion (host bits are masked off, as
 * they match the same addresses); else this refuses, since writing the
 * set back would lose what it could not read. NULL and *cause.
 */
struct waf_ipset *waf_ipset_from_get(const json_t *, enum waf_scope,
	    char **);
void	 waf_ipset_free(struct waf_ipset *);
const char *waf_ipset_name(const struct waf_ipset *);
const char *waf_ipset_id(const struct waf_ipset *);
const char *waf_ipset_arn(const struct waf_ipset *);
const char *waf_ipset_token(const struct waf_ipset *);
enum waf_scope waf_ipset_scope(const struct waf_ipset *);
/* 4 (IPV4) or 6 (IPV6). */
int	 waf_ipset_family(const struct waf_ipset *);
/* "IPV4", "IPV6". */
const char *waf_ipset_version(const struct waf_ipset *);
/* Entries of Addresses as read. */
size_t	 waf_ipset_entries(const struct waf_ipset *);
/* Every address the set holds now (its /0 entries included). */
const struct nfw_set *waf_ipset_blocked(const struct waf_ipset *);

/* The safety rails: what may never be blocked, in the input or the set. */
struct waf_rails {
	const struct ip_list	*allowlist;	/* never blocked; NULL: none */
	int			 allow_private;	/* special-purpose ranges
						   may be blocked */
};

/* A block the rails take out of what the IP set holds, and why. */
struct waf_note {
	struct ip_cidr	 block;
	char		 reason[IP_STRLEN + 48];
};

/* What to do to an IP set. */
struct waf_plan {
	enum nfw_mode	 mode;
	struct nfw_set	 blocked;	/* the set after the change */
	struct nfw_set	 added;		/* blocked - before */
	struct nfw_set	 removed;	/* before - blocked */
	struct ip_cidr	*blocks;	/* blocked, aggregated */
	size_t		 nblocks;
	int		 fits;		/* nblocks <= WAF_MAX_ADDRESSES */
	int		 changed;	/* an UpdateIPSet is needed */
	/* match-all, special or allowlisted blocks the set held, and the
	 * IPv4 blocks an IPV6 set held as IPv4-mapped entries (always taken
	 * out: ::ffff:0:0/96 is IPv4 to every program), which the change
	 * takes out, in address order (IPv4 first) */
	struct waf_note	*cleaned;
	size_t		 ncleaned;
};

/*
 * Plan a change with the given input set (normalised; addresses of the
 * other version are left out; the caller vets and reports refused input,
 * the plan leaves out what the rails forbid whoever asks). A set that
 * would cover every address of its version matches all traffic: it is
 * never planned. Never fails: a plan past the limit has fits == 0.
 * rails NULL: the defaults (special ranges refused, no allowlist).
 */
struct waf_plan *waf_plan_new(const struct waf_ipset *, enum nfw_mode,
	    const struct nfw_set *, const struct waf_rails *);
void	 waf_plan_free(struct waf_plan *);

/*
 * The complete UpdateIPSet request (new reference): Name, Scope, Id, the
 * Description as read (UpdateIPSet replaces what it is not given), the
 * planned Addresses and the lock token that was read.
 */
json_t	*waf_plan_request(const struct waf_plan *, const struct waf_ipset *);

#endif
