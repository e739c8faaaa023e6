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
 * Shared options (help, version, quiet, verbose, config, config-profile)
 * are declared with the OPT_* macros below and handled here.
 */
#ifndef SECHUB_OPT_H
#define SECHUB_OPT_H

#include <stdio.h>

#include "conf.h"

struct opt {
	const char	*name;		/* long name without "--"; NULL ends */
	int		 letter;	/* short option, or 0 */
	const char	*arg;		/* argument name in --help; NULL: a flag */
	int		 id;		/* handed to the handler */
	const char	*help;		/* one line */
	const char	*setting;	/* conf.h key it stands for, or NULL */
	unsigned	 scope;		/* subcommands taking it (bits); 0: all */
};

/* Ids the parser handles itself (never handed to a program). */
enum {
	OPT_ID_HELP = -100,
	OPT_ID_VERSION,
	OPT_ID_QUIET,
	OPT_ID_VERBOSE,
	OPT_ID_CONFIG,
	OPT_ID_CONFIG_PROFILE
};

#define OPT_HELP \
	{ "help", 'h', NULL, OPT_ID_HELP, "show this help and exit", NULL, 0 }
#define OPT_VERSION \
	{ "version", 'V', NULL, OPT_ID_VERSION, "show the version and exit", \
	    NULL, 0 }
#define OPT_QUIET \
	{ "quiet", 'q', NULL, OPT_ID_QUIET, "no warnings", NULL, 0 }
#define OPT_VERBOSE \
	{ "verbose", 0, NULL, OPT_ID_VERBOSE, \
	    "say what is being done on stderr (never secrets)", NULL, 0 }
#define OPT_CONFIG \
	{ "config", 0, "FILE", OPT_ID_CONFIG, \
	    "the configuration file (see sechub-tools(7))", NULL, 0 }, \
	{ "config-profile", 0, "NAME", OPT_ID_CONFIG_PROFILE, \
	    "the profile of the configuration file to use", NULL, 0 }
/* The options every program has. */
#define OPT_COMMON	OPT_HELP, OPT_VERSION, OPT_QUIET, OPT_VERBOSE, OPT_CONFIG
#define OPT_END		{ NULL, 0, NULL, 0, NULL, NULL, 0 }

/* Options several programs share, so that names and help match. */
#define OPT_STORE(id) \
	{ "store", 's', "URL", (id), \
	    "the store: sqlite:PATH or dynamodb:TABLE", "store", 0 }
#define OPT_PROFILE(id) \
	{ "profile", 0, "NAME", (id), "the AWS profile", "profile", 0 }
#define OPT_REGION(id) \
	{ "region", 0, "REGION", (id), "the AWS region", "region", 0 }
#define OPT_REJECTS(id) \
	{ "rejects", 0, "FILE", (id), \
	    "append rejected records to FILE, byte for byte", NULL, 0 }
#define OPT_MAX_LINE(id) \
	{ "max-line", 0, "BYTES", (id), \
	    "reject lines longer than BYTES (default 16M)", NULL, 0 }
#define OPT_DRY_RUN(id, help) \
	{ "dry-run", 'n', NULL, (id), (help), NULL, 0 }

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
 * The handler: id and argument (NULL for a flag) of each option, with
 * where it came from ("--store", "-s", "SECHUB_STORE", "FILE:LINE").
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
