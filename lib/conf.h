/*
 * conf.h: the one configuration file every program reads, an INI file in
 * the style of ~/.aws/config:
 *
 *	[default]
 *	store = sqlite:/var/lib/sechub-tools/blocklist.db
 *	rule_group = blocklist
 *	allowlist = /etc/sechub-tools/allowlist
 *
 *	[profile prod]
 *	store = dynamodb:blocklist
 *	targets = edge-use1 edge-euw1
 *
 *	[target edge-use1]
 *	rule_group = blocklist
 *	region = us-east-1
 *
 * The file is $SECHUB_CONFIG, else $XDG_CONFIG_HOME/sechub-tools/config
 * (~/.config/sechub-tools/config), else /etc/sechub-tools/config; none at
 * all is an empty configuration. A profile is a section of its own ([default]
 * or [profile NAME], chosen with --config-profile or $SECHUB_PROFILE) and
 * inherits nothing from the others. A setting's value is taken from, in
 * order: the command line, the environment, the chosen profile, the
 * program's built-in default; a conf_origin says which.
 *
 * Every key of the file is known here (conf_keys[]): an unknown key, a key
 * in the wrong kind of section or a bad value is a configuration error that
 * names file:line.
 */
#ifndef SECHUB_CONF_H
#define SECHUB_CONF_H

#include <stddef.h>

#include "err.h"

/* What a key is. */
enum conf_type {
	CONF_STRING,
	CONF_PATH,
	CONF_DURATION,	/* as clk_parse_duration() reads it */
	CONF_CIDRS,	/* addresses or CIDR blocks, blank or comma separated */
	CONF_NAMES,	/* names, blank or comma separated */
	CONF_BOOL	/* yes/no, true/false, on/off, 1/0 */
};

/* Where a key may appear. */
#define CONF_IN_PROFILE	0x01	/* [default] and [profile NAME] */
#define CONF_IN_TARGET	0x02	/* [target NAME] */
#define CONF_SECRET	0x04	/* masked when shown; the file must be 0600 */
/* The environment variables are read by the consumer itself (the AWS
 * access code reads AWS_PROFILE and AWS_REGION): a value set there is
 * reported as the origin but never handed over from here. */
#define CONF_ENV_ELSEWHERE 0x08

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	int		 flags;
	const char	*env[3];	/* variables, first wins; NULL ends */
	const char	*what;		/* one line, for sechub config */
};

/* Every key, ending with a NULL name. */
extern const struct conf_key conf_keys[];
const struct conf_key *conf_key_find(const char *);

enum conf_source {
	CONF_FROM_DEFAULT,
	CONF_FROM_FILE,
	CONF_FROM_ENV,
	CONF_FROM_FLAG
};

/* A value and where it came from. */
struct conf_origin {
	enum conf_source source;
	char		 where[512];	/* "--store", "SECHUB_STORE",
					   "/etc/sechub-tools/config:12" */
};

struct conf;

/*
 * Read the configuration: path (NULL: the search above) and profile (NULL:
 * $SECHUB_PROFILE, else "default"). A missing file is an empty
 * configuration unless it was named ($SECHUB_CONFIG or path); a profile
 * that was named must exist. NULL and *cause ("FILE:LINE: why").
 */
struct conf *conf_load(const char *, const char *, char **);
void	 conf_free(struct conf *);
/* The file read, or NULL when there was none. */
const char *conf_path(const struct conf *);
/* The profile in use ("default", "prod"). */
const char *conf_profile(const struct conf *);

/*
 * The value of key in the chosen profile (section NULL) or in the section
 * [target NAME] (section "NAME"): the value, borrowed, or NULL. where, if
 * not NULL, receives "FILE:LINE".
 */
const char *conf_get(const struct conf *, const char *, const char *,
	    struct conf_origin *);
/*
 * A setting of the chosen profile from the environment, else the file
 * (conf may be NULL: the environment only): the value or NULL, and its
 * origin. For CONF_ENV_ELSEWHERE keys a value found in the environment
 * sets *env_only to 1 and is returned for display only.
 */
const char *conf_setting(const struct conf *, const char *,
	    struct conf_origin *, int *);

struct ip_list;
/*
 * Add the addresses and CIDR blocks of a CONF_CIDRS value (or of an --allow
 * argument) to a list. 0, or -1 and *cause naming the bad word.
 */
int	 conf_add_cidrs(struct ip_list *, const char *, char **);

/* A CONF_BOOL value: 1, 0, or -1 if it is not one. */
int	 conf_bool(const char *);

/* The target sections, in the order of the file. */
size_t	 conf_ntargets(const struct conf *);
const char *conf_target_name(const struct conf *, size_t);

/*
 * Split a CONF_CIDRS or CONF_NAMES value into words (blanks and commas
 * separate): calls cb for each; a non-zero return stops and is returned.
 */
int	 conf_words(const char *, int (*)(const char *, size_t, void *),
	    void *);

#endif
