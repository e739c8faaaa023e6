/*
 * opt.c: parse a command line against a program's option table, print its
 * --help, and fill what the command line left out from the environment and
 * the configuration file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opt.h"
#include "util.h"

/* Help column: options, then their line from here on. */
#define HELP_COLUMN	30

static const char	*config_path;
static char		**all_operands;
static const char	*config_profile;

const char *
opt_config_path(void)
{
	return config_path;
}

const char *
opt_config_profile(void)
{
	return config_profile;
}

/*
 * The "where" strings handed to handlers live as long as the program (a
 * program may keep one to name a bad value later): kept here.
 */
static char	**interned;
static size_t	  ninterned;

static const char *
intern(const char *s)
{
	size_t	 i;

	for (i = 0; i < ninterned; i++)
		if (strcmp(interned[i], s) == 0)
			return interned[i];
	interned = xreallocarray(interned, ninterned + 1, sizeof(*interned));
	return interned[ninterned++] = xstrdup(s);
}

/* --- help ----------------------------------------------------------------- */

static void
option_text(const struct opt *o, char *buf, size_t len)
{
	int	 n;

	if (o->letter != 0)
		n = snprintf(buf, len, "  -%c, --%s", o->letter, o->name);
	else
		n = snprintf(buf, len, "      --%s", o->name);
	if (o->arg != NULL && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " %s", o->arg);
}

/* left, then help from HELP_COLUMN on, wrapped at 80 columns. */
static void
help_line(FILE *f, const char *left, const char *help)
{
	const int	 width = 80 - HELP_COLUMN;
	int		 n = (int)strlen(left), take;

	if (n + 2 > HELP_COLUMN)
		fprintf(f, "%s\n%*s", left, HELP_COLUMN, "");
	else
		fprintf(f, "%-*s", HELP_COLUMN, left);
	while ((int)strlen(help) > width) {
		for (take = width; take > 0 && help[take] != ' '; take--)
			;
		if (take == 0)
			break;
		fprintf(f, "%.*s\n%*s", take, help, HELP_COLUMN, "");
		help += take + 1;
	}
	fprintf(f, "%s\n", help);
}

void
opt_help(const struct opt_prog *p, FILE *f)
{
	const struct opt	*o;
	const struct opt_cmd	*c;
	char			 left[128];

	fputs(p->synopsis, f);
	if (p->cmds != NULL) {
		fputs("\nCommands:\n", f);
		for (c = p->cmds; c->name != NULL; c++) {
			snprintf(left, sizeof(left), "  %s", c->name);
			help_line(f, left, c->help);
		}
	}
	fputs("\nOptions:\n", f);
	for (o = p->opts; o->name != NULL; o++) {
		option_text(o, left, sizeof(left));
		help_line(f, left, o->help);
	}
	fprintf(f, "\nSee %s(1) for the whole story.\n", p->name);
}

void
opt_usage(const struct opt_prog *p)
{
	fflush(stdout);
	fputs(p->synopsis, stderr);
	exit(EXIT_USAGE);
}

/* --- the command line ----------------------------------------------------- */

struct parser {
	const struct opt_prog	*prog;
	opt_handler		 h;
	void			*arg;
	unsigned char		*given;	/* per option: on the command line */
	char			**operands;
	int			 noperands;
};

static const struct opt *
by_name(const struct opt_prog *p, const char *name, size_t len)
{
	const struct opt *o;

	for (o = p->opts; o->name != NULL; o++)
		if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const struct opt *
by_letter(const struct opt_prog *p, int letter)
{
	const struct opt *o;

	for (o = p->opts; o->name != NULL; o++)
		if (o->letter == letter)
			return o;
	return NULL;
}

static void __attribute__((noreturn))
bad(const struct parser *ps, const char *where, const char *what)
{
	log_msg(LOG_USAGE, where, "%s", what);
	opt_usage(ps->prog);
}

/*
 * An unknown long option; one that starts the name of real ones (--rep) is
 * still refused, but the message names them.
 */
static void __attribute__((noreturn))
unknown(const struct parser *ps, const char *where, const char *name,
    size_t len)
{
	const struct opt *o;
	struct buf	 b;
	int		 k = 0;

	buf_init(&b);
	for (o = ps->prog->opts; o->name != NULL; o++) {
		if (len == 0 || strncmp(o->name, name, len) != 0)
			continue;
		buf_addf(&b, "%s--%s", k++ == 0 ? "" : " or ", o->name);
	}
	if (k == 0)
		bad(ps, where, "unknown option");
	log_msg(LOG_USAGE, where, "unknown option (long options are spelled "
	    "in full: %s?)", buf_cstr(&b));
	buf_free(&b);
	opt_usage(ps->prog);
}

/* Keep, set or hand over an option's value. */
static void
deliver(struct parser *ps, const struct opt *o, const char *value,
    const char *where)
{
	struct opt_value *v;

	switch (o->action) {
	case OPT_KEEP:
		v = (struct opt_value *)((char *)ps->arg + o->at);
		v->value = value;
		v->where = where;
		break;
	case OPT_STR:
		*(const char **)((char *)ps->arg + o->at) = value;
		break;
	case OPT_SET:
		*(int *)((char *)ps->arg + o->at) = 1;
		break;
	case OPT_CALL:
		ps->h(ps->arg, (int)o->at, value, where);
		break;
	}
}

/* One option with its argument (NULL for a flag). */
static void
take(struct parser *ps, const struct opt *o, const char *value,
    const char *where)
{
	ps->given[o - ps->prog->opts] = 1;
	switch (o->action == OPT_CALL ? (int)o->at : 0) {
	case OPT_ID_HELP:
		opt_help(ps->prog, stdout);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_RUNTIME);
	case OPT_ID_VERSION:
		printf("%s (%s) %s\n", ps->prog->name, PACKAGE_NAME,
		    PACKAGE_VERSION);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_RUNTIME);
	case OPT_ID_QUIET:
		log_set_quiet(1);
		break;
	case OPT_ID_VERBOSE:
		log_set_verbose(1);
		break;
	case OPT_ID_CONFIG:
		config_path = value;
		break;
	case OPT_ID_CONFIG_PROFILE:
		config_profile = value;
		break;
	default:
		deliver(ps, o, value, intern(where));
	}
}

/* "--name", "--name=value", "--name value"; returns the argv index used. */
static int
long_option(struct parser *ps, int argc, char **argv, int i)
{
	const char	*name = argv[i] + 2, *eq = strchr(name, '=');
	size_t		 len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct opt *o;
	char		 where[128];

	snprintf(where, sizeof(where), "--%.*s", (int)len, name);
	if ((o = by_name(ps->prog, name, len)) == NULL)
		unknown(ps, where, name, len);
	if (o->arg == NULL) {
		if (eq != NULL)
			bad(ps, where, "takes no argument");
		take(ps, o, NULL, where);
		return i;
	}
	if (eq != NULL) {
		take(ps, o, eq + 1, where);
		return i;
	}
	if (i + 1 >= argc)
		bad(ps, where, "missing argument");
	take(ps, o, argv[i + 1], where);
	return i + 1;
}

/* "-abc", "-sVALUE", "-s VALUE"; returns the argv index used. */
static int
short_options(struct parser *ps, int argc, char **argv, int i)
{
	const char	*s;
	const struct opt *o;
	char		 where[3] = "-?";

	for (s = argv[i] + 1; *s != '\0'; s++) {
		where[1] = *s;
		if ((o = by_letter(ps->prog, (unsigned char)*s)) == NULL)
			bad(ps, where, "unknown option");
		if (o->arg == NULL) {
			take(ps, o, NULL, where);
			continue;
		}
		if (s[1] != '\0') {
			take(ps, o, s + 1, where);
			return i;
		}
		if (i + 1 >= argc)
			bad(ps, where, "missing argument");
		take(ps, o, argv[i + 1], where);
		return i + 1;
	}
	return i;
}

static void
command_line(struct parser *ps, int argc, char **argv)
{
	int	 i, options = 1;

	/* kept in a static too: a program may exit with the result's
	 * pointer moved past the subcommand */
	ps->operands = all_operands = xcalloc(argc + 1,
	    sizeof(*ps->operands));
	for (i = 1; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0)
			options = 0;
		else if (options && strncmp(argv[i], "--", 2) == 0)
			i = long_option(ps, argc, argv, i);
		else if (options && argv[i][0] == '-' && argv[i][1] != '\0')
			i = short_options(ps, argc, argv, i);
		else
			ps->operands[ps->noperands++] = argv[i];
	}
}

/* --- subcommands ---------------------------------------------------------- */

/* "add", "add and rm", "add, rm and list". */
static void
commands_of(const struct opt_prog *p, unsigned scope, char *buf, size_t len)
{
	const struct opt_cmd *c;
	size_t	 n = 0, k = 0, total = 0;

	for (c = p->cmds; c->name != NULL; c++)
		total += (c->scope & scope) != 0;
	buf[0] = '\0';
	for (c = p->cmds; c->name != NULL; c++) {
		if (!(c->scope & scope))
			continue;
		k++;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
		    k == 1 ? "" : k == total ? " and " : ", ", c->name);
	}
}

static const struct opt_cmd *
subcommand(struct parser *ps)
{
	const struct opt_prog	*p = ps->prog;
	const struct opt_cmd	*c;
	const struct opt	*o;
	char			 names[256];
	int			 nargs;

	if (ps->noperands == 0)
		opt_usage(p);
	for (c = p->cmds; c->name != NULL; c++)
		if (strcmp(c->name, ps->operands[0]) == 0)
			break;
	if (c->name == NULL)
		fatal_usage(ps->operands[0], "unknown command");
	for (o = p->opts; o->name != NULL; o++) {
		if (!ps->given[o - p->opts] || o->scope == 0 ||
		    (o->scope & c->scope))
			continue;
		commands_of(p, o->scope, names, sizeof(names));
		log_msg(LOG_USAGE, NULL, "--%s: only for %s", o->name, names);
		exit(EXIT_USAGE);
	}
	nargs = ps->noperands - 1;
	if (nargs > 0 && c->max_args == 0)
		fatal_usage(c->name, "takes no arguments");
	if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args))
		opt_usage(p);
	return c;
}

/* --- the configuration ---------------------------------------------------- */

static int
wants_conf(const struct opt_prog *p, const struct opt_cmd *cmd)
{
	const struct opt *o;

	for (o = p->opts; o->name != NULL; o++)
		if (o->setting != NULL &&
		    (cmd == NULL || o->scope == 0 || (o->scope & cmd->scope)))
			return 1;
	return 0;
}

static void
settings(struct parser *ps, const struct opt_cmd *cmd, struct conf *conf)
{
	const struct opt_prog	*p = ps->prog;
	const struct opt	*o;
	struct conf_origin	 origin;
	const char		*value;
	char			 where[sizeof(origin.where) + 64];
	int			 env_only;

	for (o = p->opts; o->name != NULL; o++) {
		if (o->setting == NULL || ps->given[o - p->opts] ||
		    (cmd != NULL && o->scope != 0 && !(o->scope & cmd->scope)))
			continue;
		value = conf_setting(conf, o->setting, &origin, &env_only);
		if (value == NULL || env_only)
			continue;
		if (origin.source == CONF_FROM_FILE) {
			snprintf(where, sizeof(where), "%s: %s", origin.where,
			    o->setting);
			deliver(ps, o, value, intern(where));
		} else
			deliver(ps, o, value, intern(origin.where));
	}
}

void
opt_parse(const struct opt_prog *p, int argc, char **argv, opt_handler h,
    void *arg, struct opt_result *r)
{
	struct parser	 ps;
	size_t		 nopts = 0;
	char		*cause;

	memset(r, 0, sizeof(*r));
	memset(&ps, 0, sizeof(ps));
	ps.prog = p;
	ps.h = h;
	ps.arg = arg;
	while (p->opts[nopts].name != NULL)
		nopts++;
	ps.given = xcalloc(nopts + 1, 1);
	command_line(&ps, argc, argv);
	if (p->cmds != NULL)
		r->cmd = subcommand(&ps);
	if (wants_conf(p, r->cmd)) {
		if ((r->conf = conf_load(config_path, config_profile,
		    &cause)) == NULL)
			fatal_usage(NULL, "%s", cause);
		settings(&ps, r->cmd, r->conf);
	}
	free(ps.given);
	r->operands = ps.operands;
	r->noperands = ps.noperands;
	if (r->cmd != NULL) {
		r->operands++;
		r->noperands--;
	}
}

void
opt_result_free(struct opt_result *r)
{
	if (r->cmd != NULL)
		r->operands--;
	if (r->operands == all_operands)
		all_operands = NULL;
	free(r->operands);
	conf_free(r->conf);
	memset(r, 0, sizeof(*r));
}
