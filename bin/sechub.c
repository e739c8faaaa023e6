/*
 * sechub: the operator's command. Block and unblock addresses, see what
 * every target blocks and whether it agrees with the store, make every
 * target block exactly the store's active entries, run the three flows,
 * show the settings and check the setup. Built on the six filters, which it
 * runs as child processes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clk.h"
#include "jl.h"
#include "log.h"
#include "util.h"
#include "sechub.h"

static const struct opt_cmd commands[] = {
	{ "block", C_BLOCK, S_BLOCK, 1, -1,
	    "block addresses or CIDR blocks on every target" },
	{ "unblock", C_UNBLOCK, S_UNBLOCK, 1, -1,
	    "unblock them on every target, then forget them" },
	{ "status", C_STATUS, S_STATUS, 0, 0,
	    "what each target blocks, and where it differs from the store" },
	{ "reconcile", C_RECONCILE, S_RECONCILE, 0, 0,
	    "make every target block exactly the store's active entries" },
	{ "run", C_RUN, S_RUN, 1, -1,
	    "run a flow: record, send, prune or all [EVENTS...]" },
	{ "config", C_CONFIG, S_CONFIG, 0, 0,
	    "show every setting and where it came from" },
	{ "doctor", C_DOCTOR, S_DOCTOR, 0, 0,
	    "check what would otherwise fail at 3 a.m." },
	{ NULL, 0, 0, 0, 0, NULL }
};

#define H struct sechub
#define V(id)	OPT_KEEPS(H, v[id])
const struct opt sechub_options[] = {
	OPT_STORE(H, v[O_STORE], 0),
	{ "rule-group", 'g', "NAME|ARN",
	    "act on this rule group only, not the configured targets",
	    "rule_group", 0, V(O_RULE_GROUP) },
	{ "allowlist", 0, "FILE",
	    "never block the addresses and blocks listed in FILE",
	    "allowlist", 0, V(O_ALLOWLIST) },
	{ "allow", 0, "CIDR", "never block CIDR (repeatable)", "allow", 0,
	    OPT_ID(O_ALLOW) },
	{ "webhook-file", 0, "FILE", "the file holding the Slack webhook URL",
	    "webhook_file", 0, V(O_WEBHOOK) },
	{ "retention", 0, "DURATION",
	    "run prune: unblock what was not seen for this long (720h)",
	    "retention", S_RUN | S_CONFIG | S_DOCTOR, V(O_RETENTION) },
	{ "state-dir", 0, "DIR", "where sechub keeps its state", "state_dir",
	    0, V(O_STATE_DIR) },
	{ "profile", 0, "NAME", "the AWS profile", "profile", 0,
	    V(O_PROFILE) },
	{ "region", 0, "REGION", "the AWS region", "region", 0, V(O_REGION) },
	OPT_DRY_RUN(H, dry_run, 0, "change nothing anywhere; show what would "
	    "happen"),
	{ "reason", 0, "TEXT",
	    "block, unblock: why, for the store and the channel", NULL,
	    S_BLOCK | S_UNBLOCK, V(O_REASON) },
	{ "for", 0, "DURATION",
	    "block: unblock after this long, whatever the retention", NULL,
	    S_BLOCK, V(O_FOR) },
	{ "force", 0, NULL,
	    "block: take a block wider than /16 (IPv4) or /32 (IPv6)", NULL,
	    S_BLOCK, OPT_SETS(H, force) },
	{ "format", 0, "table|json",
	    "status, config: aligned columns or JSON lines", NULL,
	    S_STATUS | S_CONFIG, V(O_FORMAT) },
	{ "record-pattern", 0, "FILE",
	    "run record: the event pattern of the flow", "record_pattern",
	    S_RUN | S_CONFIG | S_DOCTOR, V(O_RECORD_PATTERN) },
	{ "send-pattern", 0, "FILE", "run send: the event pattern of the flow",
	    "send_pattern", S_RUN | S_CONFIG | S_DOCTOR, V(O_SEND_PATTERN) },
	{ "follow", 'f', NULL,
	    "run: take the events from sh-findings, following the source",
	    NULL, S_RUN, OPT_SETS(H, follow) },
	{ "source", 0, "SOURCE",
	    "run --follow: securityhub, guardduty or sqs:QUEUE_URL", "source",
	    S_RUN | S_CONFIG, V(O_SOURCE) },
	{ "interval", 0, "DURATION",
	    "run --follow: the pause between reads (30s)", NULL, S_RUN,
	    V(O_INTERVAL) },
	OPT_COMMON,
	OPT_END
};
#undef V
#undef H

static const struct opt_prog prog = {
	"sechub",
	"usage: sechub [-nqV] [--verbose] [--config FILE] "
	"[--config-profile NAME]\n"
	"              command [argument ...]\n"
	"       sechub block [--reason TEXT] [--for DURATION] [--force] "
	"ADDR|CIDR ...\n"
	"       sechub unblock [--reason TEXT] ADDR|CIDR ...\n"
	"       sechub status [--format table|json]\n"
	"       sechub reconcile\n"
	"       sechub run record|send|prune|all [EVENTS ...]\n"
	"       sechub run [--source SOURCE] --follow record|send|all\n"
	"       sechub config [--format table|json]\n"
	"       sechub doctor\n",
	sechub_options, commands
};

/* Raise the command's exit status (never lower it). */
void
raise_status(struct sechub *h, int status)
{
	if (status > h->status)
		h->status = status;
}

/* --- options ------------------------------------------------------------- */

static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct sechub	*h = arg;

	if (id != O_ALLOW)
		return;
	h->allow = xreallocarray(h->allow, h->nallow + 1, sizeof(*h->allow));
	h->allow[h->nallow++] = xstrdup(value);
	h->allow_where = where;
}

/* --- running the filters ------------------------------------------------- */

/* Options every child that touches the store gets. */
void
store_args(const struct sechub *h, struct proc_argv *a)
{
	if (h->v[O_STORE].value != NULL) {
		proc_argv_add(a, "--store");
		proc_argv_add(a, h->v[O_STORE].value);
	}
	if (h->v[O_PROFILE].value != NULL) {
		proc_argv_add(a, "--profile");
		proc_argv_add(a, h->v[O_PROFILE].value);
	}
	if (h->v[O_REGION].value != NULL) {
		proc_argv_add(a, "--region");
		proc_argv_add(a, h->v[O_REGION].value);
	}
}

/* The allowlist options of sh-extract-ip and nfw-sync. */
void
allow_args(const struct sechub *h, struct proc_argv *a)
{
	size_t	 i;

	if (h->v[O_ALLOWLIST].value != NULL) {
		proc_argv_add(a, "--allowlist");
		proc_argv_add(a, h->v[O_ALLOWLIST].value);
	}
	for (i = 0; i < h->nallow; i++) {
		proc_argv_add(a, "--allow");
		proc_argv_add(a, h->allow[i]);
	}
}

void
verbosity_args(struct proc_argv *a)
{
	if (log_verbose())
		proc_argv_add(a, "--verbose");
}

/*
 * Run stages as one pipeline and name the first that failed (status 2 or
 * more: sh-match's 1 is "nothing matched", the others' 1 "records
 * rejected"). Returns the worst status of the stages.
 */
int
run_stages(struct sechub *h, const char *flow, const struct proc_stage *st,
    size_t n, int in, int out)
{
	int	 status[8], worst = 0, failed;
	size_t	 i;
	char	*cause;

	if (proc_pipeline(st, n, in, out, status, &cause) != 0) {
		log_error(flow, "%s", cause);
		free(cause);
	}
	for (i = 0; i < n; i++)
		if (status[i] > worst && !(i == 0 && status[i] == 1 &&
		    strcmp(st[i].name, "sh-match") == 0))
			worst = status[i];
	if ((failed = proc_failed(status, n, 2)) >= 0) {
		if (n > 1)
			log_error(flow, "stage %d (%s) failed with status %d",
			    failed + 1, st[failed].name, status[failed]);
		else
			log_error(flow, "%s failed with status %d",
			    st[failed].name, status[failed]);
	}
	raise_status(h, worst >= 2 ? EXIT_RUNTIME : worst);
	return worst;
}

int
run1(struct sechub *h, const char *flow, const char *name,
    struct proc_argv *a, int in, int out)
{
	struct proc_stage st = { name, a->v };
	int		 r;

	r = run_stages(h, flow, &st, 1, in, out);
	proc_argv_free(a);
	return r;
}

int
tmpfile_or_die(void)
{
	char	*cause;
	int	 fd;

	if ((fd = proc_tmpfile(&cause)) == -1)
		fatal(NULL, "%s", cause);
	return fd;
}

void
rewind_fd(int fd)
{
	if (lseek(fd, 0, SEEK_SET) == -1)
		fatal(NULL, "lseek: %s", strerror(errno));
}

/* Call cb for each JSON object in fd (from the start); skips the rest. */
void
each_record(int fd, void (*cb)(json_t *, void *), void *arg)
{
	struct jl_reader *r;
	struct jl_record rec;
	struct jl_error	 err;
	json_t		*o;
	char		 reason[160];
	int		 s;

	rewind_fd(fd);
	r = jl_from_fd(fd, "<child>");
	while ((s = jl_next(r, &rec, &err)) != JL_EOF && s != JL_IOERR) {
		if (s != JL_RECORD || (o = jl_decode(&rec, reason,
		    sizeof(reason))) == NULL)
			continue;
		if (json_is_object(o))
			cb(o, arg);
		json_decref(o);
	}
	jl_close(r);
}

/* Append one record to fd as a line. */
void
put_record(int fd, const json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT);
	size_t	 n;

	if (s == NULL)
		abort();
	n = strlen(s);
	s[n] = '\n';
	if (write(fd, s, n + 1) != (ssize_t)(n + 1))
		fatal(NULL, "temporary file: %s", strerror(errno));
	free(s);
}

/* Copy fd's bytes to our stdout (or nowhere for NULL). */
void
print_records(int fd)
{
	char	 buf[65536];
	ssize_t	 n;

	rewind_fd(fd);
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, n) != n) {
			log_error("stdout", "%s", strerror(errno));
			return;
		}
}

/* The number of records (lines) in fd. */
size_t
count_records(int fd)
{
	char	 buf[65536];
	ssize_t	 n, i;
	size_t	 lines = 0;

	rewind_fd(fd);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	return lines;
}

/*
 * A shipped pattern: where make install put it, else (sechub run from its
 * build tree, not installed) in the source tree it was built from.
 */
char *
default_pattern(const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", SECHUB_EXAMPLES_DIR, name);
#ifdef SECHUB_SRC_EXAMPLES_DIR
	if (access(p, R_OK) != 0) {
		char	*src;

		xasprintf(&src, "%s/%s", SECHUB_SRC_EXAMPLES_DIR, name);
		if (access(src, R_OK) == 0) {
			free(p);
			return src;
		}
		free(src);
	}
#endif
	return p;
}

/* --- state and locking --------------------------------------------------- */

char *
default_state_dir(void)
{
	const char	*x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char		*d = NULL;

	if ((d = systemd_state_dir()) != NULL)
		return d;
	if (x != NULL && *x == '/')
		xasprintf(&d, "%s/sechub-tools", x);
	else if (home != NULL && *home == '/')
		xasprintf(&d, "%s/.local/state/sechub-tools", home);
	return d;
}

/* mkdir -p with 0700 for what we create. 0, or -1 and errno. */
static int
make_dirs(const char *path)
{
	char	*p = xstrdup(path), *s;
	int	 r = 0;

	for (s = p + 1; r == 0 && (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	if (r == 0 && mkdir(p, 0700) != 0 && errno != EEXIST)
		r = -1;
	free(p);
	return r;
}

static void
open_state(struct sechub *h)
{
	h->state_dir = h->v[O_STATE_DIR].value != NULL ?
	    xstrdup(h->v[O_STATE_DIR].value) : default_state_dir();
	if (h->state_dir == NULL)
		fatal_usage(NULL, "no state directory: set state_dir, "
		    "SECHUB_STATE_DIR or --state-dir (no $HOME)");
	if (make_dirs(h->state_dir) != 0)
		fatal(h->state_dir, "cannot create the state directory: %s",
		    strerror(errno));
}

/* One changing command at a time on this host: wait for the others. */
static void
lock_state(struct sechub *h)
{
	char	*path;
	int	 waited = 0;

	xasprintf(&path, "%s/lock", h->state_dir);
	h->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (h->lock_fd == -1)
		fatal(path, "%s", strerror(errno));
	while (flock(h->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			fatal(path, "%s", strerror(errno));
		if (waited == 0)
			log_info(path, "another sechub is running; waiting");
		if (waited++ >= LOCK_WAIT_S * 10)
			fatal(path, "another sechub has held the lock for "
			    "%ds; giving up", LOCK_WAIT_S);
		usleep(100000);
	}
	free(path);
}

/* --- main ------------------------------------------------------------------- */

typedef void cmd_fn(struct sechub *, char **, int);

static cmd_fn *const run_command[] = {
	[C_BLOCK] = cmd_block,
	[C_UNBLOCK] = cmd_unblock,
	[C_STATUS] = cmd_status,
	[C_RECONCILE] = cmd_reconcile,
	[C_RUN] = cmd_run,
	[C_CONFIG] = cmd_config,
	[C_DOCTOR] = cmd_doctor
};

static void
setup(struct sechub *h, const struct opt_result *args)
{
	const char	*f = h->v[O_FORMAT].value;
	char		*cause;
	size_t		 i;

	if (f != NULL && strcmp(f, "table") != 0 && strcmp(f, "json") != 0)
		fatal_usage(h->v[O_FORMAT].where, "expected table or json, not "
		    "\"%s\"", f);
	h->json = f != NULL && strcmp(f, "json") == 0;
	if (h->v[O_FOR].value != NULL) {
		int64_t	 s;

		if (clk_parse_duration(h->v[O_FOR].value, &s, &cause) != 0)
			fatal_usage(h->v[O_FOR].where, "%s", cause);
	}
	ip_list_init(&h->allowlist);
	if (h->v[O_ALLOWLIST].value != NULL && ip_list_load(&h->allowlist,
	    h->v[O_ALLOWLIST].value, &cause) != 0)
		fatal_usage(h->v[O_ALLOWLIST].where, "%s", cause);
	for (i = 0; i < h->nallow; i++)
		if (conf_add_cidrs(&h->allowlist, h->allow[i], &cause) != 0)
			fatal_usage(h->allow_where, "%s", cause);
	if (targets_load(h->conf, h->v[O_RULE_GROUP].value,
	    h->v[O_RULE_GROUP].where, h->v[O_REGION].value, h->v[O_PROFILE].value,
	    &h->targets, &cause) != 0)
		fatal_usage(NULL, "%s", cause);
	/* the children read the same configuration */
	if (opt_config_path() != NULL)
		setenv("SECHUB_CONFIG", opt_config_path(), 1);
	if (opt_config_profile() != NULL)
		setenv("SECHUB_PROFILE", opt_config_profile(), 1);
	if (args->cmd->scope & (S_CHANGE | S_DOCTOR))
		open_state(h);
	if (args->cmd->scope & S_CHANGE) {
		lock_state(h);
		ensure_store(h, args->cmd->name);
	}
}

int
main(int argc, char **argv)
{
	struct sechub		 h;
	struct opt_result	 args;
	char			*cause;
	size_t			 i;
	unsigned long		 errors;
	int			 status;

	log_init("sechub");
	/* doctor holds credentials; a child's environment may hold keys */
	if (no_core_dumps(&cause) != 0)
		fatal(NULL, "%s", cause);
	memset(&h, 0, sizeof(h));
	h.lock_fd = -1;
	opt_parse(&prog, argc, argv, on_option, &h, &args);
	h.conf = args.conf;
	if (clk_init(&cause) != 0)
		fatal_usage("SECHUB_NOW", "%s", cause);
	setup(&h, &args);
	run_command[args.cmd->id](&h, args.operands, args.noperands);

	/* doctor's checks say what failed, its status is theirs alone */
	status = args.cmd->id == C_DOCTOR ? h.status : h.status >
	    log_exit_status() ? h.status : log_exit_status();
	if (h.lock_fd != -1)
		close(h.lock_fd);
	targets_free(&h.targets);
	ip_list_free(&h.allowlist);
	for (i = 0; i < h.nallow; i++)
		free(h.allow[i]);
	free(h.allow);
	free(h.state_dir);
	opt_result_free(&args);
	errors = log_count(LOG_ERROR);
	log_close_stdout();
	return log_count(LOG_ERROR) > errors ? EXIT_RUNTIME : status;
}
