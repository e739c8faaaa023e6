/*
 * target.h: where the blocklist is enforced, from the configuration: the
 * rule group of the profile itself (rule_group, region, profile), and the
 * [target NAME] sections its `targets` key names: a Network Firewall rule
 * group (type nfw, the default; nfw-sync) or one AWS WAF IP set (type
 * waf; waf-sync). A rule group given on the command line or in
 * $SECHUB_RULE_GROUP replaces them all.
 */
#ifndef SECHUB_TARGET_H
#define SECHUB_TARGET_H

#include <stddef.h>

#include "conf.h"

enum target_kind {
	TARGET_NFW,	/* a Network Firewall stateless rule group */
	TARGET_WAF	/* one AWS WAF IP set, of one address version */
};

struct target {
	char		*name;		/* the section's name, or the group's */
	enum target_kind kind;
	char		*rule_group;	/* name or ARN (TARGET_NFW) */
	char		*ip_set;	/* name or ARN (TARGET_WAF) */
	char		*scope;		/* "REGIONAL" or "CLOUDFRONT" (WAF) */
	char		*region;	/* NULL: the default */
	char		*profile;	/* NULL: the default */
	char		*role_arn;
	char		*external_id;
	char		 where[600];	/* "FILE:LINE", "--rule-group", ... */
};

struct targets {
	struct target	*v;
	size_t		 n;
};

/*
 * The targets of the chosen profile. rule_group (may be NULL) is a rule
 * group given on the command line or in the environment, with where it
 * came from; region and profile, the ones in force for the profile's own
 * group. 0, or -1 and *cause (a configuration error).
 */
int	 targets_load(const struct conf *, const char *, const char *,
	    const char *, const char *, struct targets *, char **);
void	 targets_free(struct targets *);
/* "nfw-sync", "waf-sync": the filter that plans and changes the target. */
const char *target_prog(const struct target *);
/* What it names: the rule group or the IP set, as configured. */
const char *target_place(const struct target *);

#endif
