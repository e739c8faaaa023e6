/*
 * opt.h: a program's command-line options declared once, as a table that
 * drives parsing, --help and the check that every option is in the
 * program's manual page (tests/opt-man.sh reads --help).
 *
 * Parsing is GNU-style (options and operands may be mixed, "--" ends the
 * options, "-" is an operand, short options bundle, "--name=value" and
 * "--name value" both work) except that a long option must be spelled in
 * full: "--rep" is an unknown option, never --replace. Every error is one
 * line through the log funnel ("prog: --rep: unknown option"), then the
 * synopsis on stderr, exit status 2.
 *
 * An option bound to a configuration setting (.setting, a key of conf.h)
 * that is not on the command line takes its value from the environment or
 * the configuration file: the program's handler sees it like any other
 * option, with "where" naming its origin ("SECHUB_STORE",
 * "/etc/sechub-tools/config:3") so that it can report a bad value where it
 * came from.
 *
 * Most options need no code: a row with OPT_KEEPS(type, field) keeps the
 * value and its origin in a struct opt_value of the program's context,
 * OPT_STRS(type, field) the value only in a const char *, OPT_SETS(type,
 * field) sets an int flag; the handler sees only the others.
 * Shared options (help, version, quiet, verbose, config, config-profile)
 * are declared with the OPT_* macros below and handled here.
 */
#ifndef SECHUB_OPT_H
#define SECHUB_OPT_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"

/* What opt_parse() does with an option. */
enum opt_action {
	OPT_CALL,	/* hand it to the program's handler (the default) */
	OPT_KEEP,	/* keep it in the struct opt_value at .offset of the
			   program's context, value and origin */
	OPT_STR,	/* keep the value only, in the const char * there */
	OPT_SET		/* set the int at .offset of the context to 1 */
};

/* An option's value and where it came from. */
struct opt_value {
	const char	*value;		/* NULL: not given anywhere */
	const char	*where;		/* "--store", "SECHUB_STORE",
					   "/etc/sechub-tools/config:3: store" */
};

/*
 * Where a value came from, when that was not the command line (which the
 * user just typed): the environment variable or "FILE:LINE: key"; NULL
 * for the command line and for defaults.
 */
static inline const char *
opt_origin(const struct opt_value *v)
{
	return v->where != NULL && v->where[0] != '-' ? v->where : NULL;
}

struct opt {
	const char	*name;		/* long name without "--"; NULL ends */
	int		 letter;	/* short option, or 0 */
	const char	*arg;		/* argument name in --help; NULL: a flag */
	const char	*help;		/* one line */
	const char	*setting;	/* conf.h key it stands for, or NULL */
	unsigned	 scope;		/* subcommands taking it (bits); 0: all */
	enum opt_action	 action;
	size_t		 at;		/* OPT_CALL: the id handed to the
					   handler; else the offset in the
					   context */
};

/* The last two members of a row: what to do with the option. */
#define OPT_ID(id)		OPT_CALL, (size_t)(id)
#define OPT_KEEPS(type, field)	OPT_KEEP, offsetof(type, field)
#define OPT_STRS(type, field)	OPT_STR, offsetof(type, field)
#define OPT_SETS(type, field)	OPT_SET, offsetof(type, field)

/* Ids the parser handles itself (never handed to a program). */
enum {
	OPT_ID_HELP = 1000000,
	OPT_ID_VERSION,
	OPT_ID_QUIET,
	OPT_ID_VERBOSE,
	OPT_ID_CONFIG,
	OPT_ID_CONFIG_PROFILE
};

#define OPT_HELP \
	{ "help", 'h', NULL, "show this help and exit", NULL, 0, \
	    OPT_ID(OPT_ID_HELP) }
#define OPT_VERSION \
	{ "version", 'V', NULL, "show the version and exit", NULL, 0, \
	    OPT_ID(OPT_ID_VERSION) }
#define OPT_QUIET \
	{ "quiet", 'q', NULL, "no warnings", NULL, 0, OPT_ID(OPT_ID_QUIET) }
#define OPT_VERBOSE \
	{ "verbose", 0, NULL, \
	    "say what is being done on stderr (never secrets)", NULL, 0, \
	    OPT_ID(OPT_ID_VERBOSE) }
#define OPT_CONFIG \
	{ "config", 0, "FILE", "the configuration file (see sechub-tools(7))", \
	    NULL, 0, OPT_ID(OPT_ID_CONFIG) }, \
	{ "config-profile", 0, "NAME", \
	    "the profile of the configuration file to use", NULL, 0, \
	    OPT_ID(OPT_ID_CONFIG_PROFILE) }
/* The options every program has. */
#define OPT_COMMON	OPT_HELP, OPT_VERSION, OPT_QUIET, OPT_VERBOSE, OPT_CONFIG
#define OPT_END		{ NULL, 0, NULL, NULL, NULL, 0, OPT_ID(0) }

/*
 * Options several programs share, so that names and help match, kept in
 * field of the program's context type: a struct opt_value for --store, an
 * int for --dry-run, a const char * for the others.
 */
#define OPT_STORE(type, field, scope) \
	{ "store", 's', "URL", "the store: sqlite:PATH or dynamodb:TABLE", \
	    "store", (scope), OPT_KEEPS(type, field) }
#define OPT_PROFILE(type, field) \
	{ "profile", 0, "NAME", "the AWS profile", "profile", 0, \
	    OPT_STRS(type, field) }
#define OPT_REGION(type, field) \
	{ "region", 0, "REGION", "the AWS region", "region", 0, \
	    OPT_STRS(type, field) }
#define OPT_REJECTS(type, field, scope) \
	{ "rejects", 0, "FILE", \
	    "append rejected records to FILE, byte for byte", NULL, (scope), \
	    OPT_STRS(type, field) }
/* --max-line needs parsing: the handler gets (id) and calls parse_size() */
#define OPT_MAX_LINE(id, scope) \
	{ "max-line", 0, "BYTES", \
	    "reject lines longer than BYTES (default 16M)", NULL, (scope), \
	    OPT_ID(id) }
#define OPT_DRY_RUN(type, field, scope, help) \
	{ "dry-run", 'n', NULL, (help), NULL, (scope), OPT_SETS(type, field) }
/*
 * The role to assume for every call (a target of another account): three
 * rows kept in field, a struct aws_options of the program's context.
 */
#define OPT_ROLE(type, field) \
	{ "role-arn", 0, "ARN", \
	    "assume this IAM role (a target of another account)", NULL, 0, \
	    OPT_STRS(type, field.role_arn) }, \
	{ "external-id", 0, "ID", \
	    "the ExternalId the role's trust policy asks for", NULL, 0, \
	    OPT_STRS(type, field.external_id) }, \
	{ "role-session-name", 0, "NAME", \
	    "the name of the role's session (sechub-tools-TIME)", NULL, 0, \
	    OPT_STRS(type, field.role_session_name) }

/* A subcommand (ipstore add, sechub block): name, scope bit, operands. */
struct opt_cmd {
	const char	*name;
	int		 id;		/* the program's own number for it */
	unsigned	 scope;		/* its bit in struct opt's scope */
	int		 min_args;
	int		 max_args;	/* -1: any number */
	const char	*help;		/* one line for --help */
};

struct opt_prog {
	const char		*name;
	const char		*synopsis;	/* "usage: ..." lines, with \n */
	const struct opt	*opts;
	const struct opt_cmd	*cmds;		/* NULL: no subcommands */
};

/*
 * The handler of OPT_CALL options: the context, id and argument (NULL for
 * a flag) of each, with where it came from ("--store", "-s",
 * "SECHUB_STORE", "FILE:LINE: key"). May be NULL if there are none.
 */
typedef void (*opt_handler)(void *, int, const char *, const char *);

/* What opt_parse() leaves for the program. */
struct opt_result {
	char			**operands;	/* NULL-terminated; freed by
						   opt_result_free */
	int			  noperands;
	const struct opt_cmd	 *cmd;		/* the subcommand, or NULL */
	struct conf		 *conf;		/* the configuration read, or
						   NULL if no option needs one */
};

/*
 * Parse argv: calls h for each option of the command line, in order; with
 * subcommands, takes the first operand as the subcommand (exits 2 if it is
 * missing or unknown, or if an option given is not for it, or if the count
 * of operands is wrong); then reads the configuration (only if an option
 * has a setting) and calls h for each setting-bound option of the
 * subcommand's scope that the command line did not give and the
 * environment or the file does. Handles the shared options (--help and
 * --version exit 0). Usage errors exit 2.
 */
void	 opt_parse(const struct opt_prog *, int, char **, opt_handler, void *,
	    struct opt_result *);
void	 opt_result_free(struct opt_result *);

/* Print the synopsis on stderr and exit 2 (after a usage message). */
void	 opt_usage(const struct opt_prog *) __attribute__((noreturn));
/* --help: synopsis, every option with its line, the manual page. */
void	 opt_help(const struct opt_prog *, FILE *);

/* The configuration file and profile asked for (--config,
 * --config-profile), for programs that read the configuration again. */
const char *opt_config_path(void);
const char *opt_config_profile(void);

#endif
