/*
 * sechub: block, unblock, reconcile and the flows of run.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "sechub.h"

/* --- block and unblock ------------------------------------------------------ */

/* user@host, for the store's record of who did it. */
static char *
actor(void)
{
	struct passwd	*pw = getpwuid(getuid());
	char		 host[256], *s;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	xasprintf(&s, "%s@%s", pw != NULL ? pw->pw_name : "unknown", host);
	return s;
}

/*
 * An address or block an operator asked to block: canonical text into buf,
 * or NULL after saying why it is refused (the rails, the floor).
 */
static const char *
vet_block(struct sechub *h, const char *arg, char *buf)
{
	struct ip_cidr	 c;
	const char	*why;
	size_t		 i;
	int		 host;

	if (ip_parse_cidr(arg, strlen(arg), 0, &c) != 0) {
		log_reject(arg, "not an address or CIDR block (host bits "
		    "must be zero)");
		return NULL;
	}
	host = c.bits == ip_maxbits(&c.addr);
	if ((why = ip_cidr_special(&c)) != NULL) {
		log_reject(arg, "refused: special-purpose: %s", why);
		return NULL;
	}
	for (i = 0; i < h->allowlist.n; i++) {
		const struct ip_cidr *a = &h->allowlist.blocks[i];

		if (a->addr.family == c.addr.family &&
		    (ip_cidr_contains(a, &c.addr) ||
		    ip_cidr_contains(&c, &a->addr))) {
			log_reject(arg, "refused: allowlisted: %s",
			    ip_format_cidr(a, buf));
			return NULL;
		}
	}
	if (!host && !h->force && c.bits < (c.addr.family == 4 ? FLOOR_V4 :
	    FLOOR_V6)) {
		log_reject(arg, "refused: wider than /%d: use --force if you "
		    "mean it", c.addr.family == 4 ? FLOOR_V4 : FLOOR_V6);
		return NULL;
	}
	return host ? ip_format(&c.addr, buf) : ip_format_cidr(&c, buf);
}

/* Records {"HostIp": ...} for the arguments into a new temporary file. */
static int
argument_records(struct sechub *h, char **argv, int argc, int block,
    size_t *n)
{
	json_t		*o;
	char		 buf[IP_STRLEN], *who = actor();
	const char	*ip;
	struct ip_cidr	 c;
	int		 i, fd = tmpfile_or_die();

	*n = 0;
	for (i = 0; i < argc; i++) {
		if (block)
			ip = vet_block(h, argv[i], buf);
		else if (ip_parse_cidr(argv[i], strlen(argv[i]), 0, &c) == 0)
			ip = c.bits == ip_maxbits(&c.addr) ?
			    ip_format(&c.addr, buf) : ip_format_cidr(&c, buf);
		else {
			log_reject(argv[i], "not an address or CIDR block");
			ip = NULL;
		}
		if (ip == NULL) {
			raise_status(h, EXIT_REJECTED);
			continue;
		}
		o = json_pack("{s:s}", "HostIp", ip);
		if (block) {
			json_object_set_new(o, "Source", json_string("manual"));
			json_object_set_new(o, "BlockedBy", json_string(who));
			if (h->v[O_REASON].value != NULL)
				json_object_set_new(o, "Reason",
				    json_string(h->v[O_REASON].value));
		}
		put_record(fd, o);
		json_decref(o);
		(*n)++;
	}
	free(who);
	return fd;
}

void
cmd_block(struct sechub *h, char **argv, int argc)
{
	struct proc_argv a;
	struct result	*res;
	size_t		 n;
	int		 in, added, out;

	need_targets(h);
	in = argument_records(h, argv, argc, 1, &n);
	if (n == 0) {
		close(in);
		return;
	}
	added = tmpfile_or_die();
	ipstore_args(h, &a, "add");
	if (h->v[O_FOR].value != NULL) {
		proc_argv_add(&a, "--ttl");
		proc_argv_add(&a, h->v[O_FOR].value);
	}
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	rewind_fd(in);
	run1(h, "block", "ipstore add", &a, in, added);
	close(in);
	converge_with(h, "block", added, -1, &res);
	out = annotate(h, added, res, 0);
	print_records(out);
	tell(h, "block", out);
	tell_failures(h, "block", res);
	results_free(res, h->targets.n);
	close(out);
	close(added);
}

/* Records of what was asked to be unblocked but is not in the store. */
struct absent {
	struct hosts	 removed;
	int		 fd;
};

static void
add_absent(json_t *o, void *arg)
{
	struct absent	*ab = arg;
	const char	*ip = json_string_value(json_object_get(o, "HostIp"));
	size_t		 i;

	for (i = 0; ip != NULL && i < ab->removed.n; i++)
		if (strcmp(ab->removed.v[i], ip) == 0)
			return;
	json_object_set_new(o, "Reason", json_string("not in the store"));
	put_record(ab->fd, o);
}

void
cmd_unblock(struct sechub *h, char **argv, int argc)
{
	struct proc_argv a;
	struct result	*res;
	struct absent	 ab = { { NULL, 0 }, -1 };
	size_t		 n, i;
	int		 in, removed, out;

	need_targets(h);
	in = argument_records(h, argv, argc, 0, &n);
	if (n == 0) {
		close(in);
		return;
	}
	removed = tmpfile_or_die();
	ipstore_args(h, &a, "rm");
	if (h->v[O_REASON].value != NULL) {
		proc_argv_add(&a, "--reason");
		proc_argv_add(&a, h->v[O_REASON].value);
	}
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	proc_argv_add(&a, "-");
	rewind_fd(in);
	run1(h, "unblock", "ipstore rm", &a, in, removed);
	/* what the store did not have may still be blocked: say so too */
	each_record(removed, collect_host, &ab.removed);
	ab.fd = removed;
	lseek(removed, 0, SEEK_END);
	each_record(in, add_absent, &ab);
	converge_with(h, "unblock", -1, in, &res);
	out = annotate(h, removed, res, 1);
	print_records(out);
	tell(h, "unblock", out);
	tell_failures(h, "unblock", res);
	results_free(res, h->targets.n);
	for (i = 0; i < ab.removed.n; i++)
		free(ab.removed.v[i]);
	free(ab.removed.v);
	close(out);
	close(removed);
	close(in);
}

/* --- reconcile and the flows ------------------------------------------------ */

/* One result record per target, named. */
static int
target_summaries(struct sechub *h, const struct result *res)
{
	json_t	*o;
	size_t	 i;
	int	 fd = tmpfile_or_die();

	for (i = 0; i < h->targets.n; i++) {
		o = res[i].summary != NULL ? json_deep_copy(res[i].summary) :
		    json_pack("{s:s, s:s}", h->targets.v[i].kind ==
		    TARGET_WAF ? "IPSet" : "RuleGroup",
		    target_place(&h->targets.v[i]), "Error", "no result");
		json_object_set_new(o, "Target",
		    json_string(h->targets.v[i].name));
		put_record(fd, o);
		json_decref(o);
	}
	return fd;
}

void
cmd_reconcile(struct sechub *h, char **argv, int argc)
{
	struct result	*res;
	int		 fd;

	need_targets(h);
	converge_with(h, "reconcile", -1, -1, &res);
	fd = target_summaries(h, res);
	print_records(fd);
	tell(h, "reconcile", fd);
	close(fd);
	results_free(res, h->targets.n);
}

static char *
pattern_path(struct sechub *h, int id, const char *name)
{
	char	*p;

	if (h->v[id].value != NULL)
		return xstrdup(h->v[id].value);
	p = default_pattern(name);
	if (access(p, R_OK) != 0)
		fatal_usage(NULL, "%s: %s (set %s in the configuration)", p,
		    strerror(errno), id == O_RECORD_PATTERN ? "record_pattern" :
		    "send_pattern");
	return p;
}

/* sh-match -p PATTERN [files]: events from files, or from in_fd. */
static void
match_args(struct sechub *h, struct proc_argv *a, const char *pattern,
    char **files, int nfiles)
{
	int	 i;

	proc_argv_init(a, "sh-match");
	proc_argv_add(a, "-p");
	proc_argv_add(a, pattern);
	for (i = 0; i < nfiles; i++)
		proc_argv_add(a, files[i]);
}

/* record-ip: block the remote hosts of matching findings. */
static void
flow_record(struct sechub *h, char **files, int nfiles, int in)
{
	struct proc_argv m, x, add;
	struct proc_stage st[3];
	struct result	*res;
	char		*pattern = pattern_path(h, O_RECORD_PATTERN,
	    RECORD_PATTERN);
	int		 batch = tmpfile_or_die(), out;

	need_targets(h);
	match_args(h, &m, pattern, files, nfiles);
	proc_argv_init(&x, "sh-extract-ip");
	allow_args(h, &x);
	ipstore_args(h, &add, "add");
	if (h->dry_run)
		proc_argv_add(&add, "--dry-run");
	st[0] = (struct proc_stage){ "sh-match", m.v };
	st[1] = (struct proc_stage){ "sh-extract-ip", x.v };
	st[2] = (struct proc_stage){ "ipstore add", add.v };
	run_stages(h, "record-ip", st, 3, in, batch);
	proc_argv_free(&m);
	proc_argv_free(&x);
	proc_argv_free(&add);
	free(pattern);
	/* whatever failed above, the targets follow the store */
	converge_with(h, "record-ip", batch, -1, &res);
	out = annotate(h, batch, res, 0);
	tell(h, "record-ip", out);
	tell_failures(h, "record-ip", res);
	results_free(res, h->targets.n);
	close(out);
	close(batch);
}

/* send-findings: tell the channel of the findings that matter. */
static void
flow_send(struct sechub *h, char **files, int nfiles, int in)
{
	struct proc_argv m;
	char		*pattern = pattern_path(h, O_SEND_PATTERN,
	    SEND_PATTERN);
	int		 matched = tmpfile_or_die();

	match_args(h, &m, pattern, files, nfiles);
	run1(h, "send-findings", "sh-match", &m, in, matched);
	free(pattern);
	/*
	 * The shipped pattern chooses events with a HIGH or CRITICAL
	 * finding; an event carries other findings too: tell only those.
	 * A pattern of one's own decides alone.
	 */
	if (h->v[O_SEND_PATTERN].value == NULL)
		h->severity = "HIGH,CRITICAL";
	tell(h, "send-findings", matched);
	h->severity = NULL;
	close(matched);
}

/* prune-ip: unblock what has not been seen for the retention. */
static void
flow_prune(struct sechub *h)
{
	struct proc_argv a;
	struct result	*res;
	int		 pruned = tmpfile_or_die(), out;

	need_targets(h);
	proc_argv_init(&a, "ipstore-prune");
	store_args(h, &a);
	verbosity_args(&a);
	if (h->v[O_RETENTION].value != NULL) {
		proc_argv_add(&a, "--older-than");
		proc_argv_add(&a, h->v[O_RETENTION].value);
	}
	proc_argv_add(&a, "--removed");
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	run1(h, "prune-ip", "ipstore-prune", &a, -1, pruned);
	converge_with(h, "prune-ip", -1, pruned, &res);
	out = annotate(h, pruned, res, 1);
	tell(h, "prune-ip", out);
	tell_failures(h, "prune-ip", res);
	results_free(res, h->targets.n);
	close(out);
	close(pruned);
}

/* The events of `run all`, read once into a file the flows share. */
static int
copy_events(char **files, int nfiles)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 i, in, fd = tmpfile_or_die();

	for (i = 0; i < (nfiles > 0 ? nfiles : 1); i++) {
		if (nfiles == 0 || strcmp(files[i], "-") == 0)
			in = STDIN_FILENO;
		else if ((in = open(files[i], O_RDONLY | O_CLOEXEC)) == -1)
			fatal(files[i], "%s", strerror(errno));
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				fatal(NULL, "temporary file: %s",
				    strerror(errno));
		if (n < 0)
			fatal(nfiles > 0 ? files[i] : "<stdin>", "%s",
			    strerror(errno));
		if (in != STDIN_FILENO)
			close(in);
	}
	return fd;
}

/* "'text'" for sh -c, single quotes escaped. */
static void
shell_quote(struct buf *b, const char *text)
{
	buf_addc(b, '\'');
	for (; *text != '\0'; text++)
		if (*text == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *text);
	buf_adds(b, "' ");
}

/*
 * run --follow: become sh-findings in follow mode, which runs `sechub run
 * FLOW` on each batch of events and moves its cursor only when that
 * succeeded.
 */
static void
follow(struct sechub *h, const char *flow)
{
	struct proc_argv a;
	struct buf	 cmd;
	const char	*self = proc_self();
	char		*cause;

	if (strcmp(flow, "prune") == 0)
		fatal_usage("--follow", "prune reads no events");
	if (self == NULL)
		fatal(NULL, "cannot find the running program");
	buf_init(&cmd);
	shell_quote(&cmd, self);
	if (h->dry_run)
		buf_adds(&cmd, "--dry-run ");
	if (log_verbose())
		buf_adds(&cmd, "--verbose ");
	buf_addf(&cmd, "run %s", flow);
	proc_argv_init(&a, "sh-findings");
	proc_argv_add(&a, "--follow");
	proc_argv_add(&a, "--events");
	proc_argv_add(&a, "--state");
	proc_argv_addf(&a, "%s/findings.state", h->state_dir);
	if (h->v[O_SOURCE].value != NULL) {
		proc_argv_add(&a, "--source");
		proc_argv_add(&a, h->v[O_SOURCE].value);
	}
	if (h->v[O_INTERVAL].value != NULL) {
		proc_argv_add(&a, "--interval");
		proc_argv_add(&a, h->v[O_INTERVAL].value);
	}
	if (h->v[O_PROFILE].value != NULL) {
		proc_argv_add(&a, "--profile");
		proc_argv_add(&a, h->v[O_PROFILE].value);
	}
	verbosity_args(&a);
	proc_argv_add(&a, "--exec");
	proc_argv_add(&a, buf_cstr(&cmd));
	buf_free(&cmd);
	/* each batch's run takes the lock itself */
	if (h->lock_fd != -1) {
		close(h->lock_fd);
		h->lock_fd = -1;
	}
	proc_exec(a.v, &cause);
	fatal(NULL, "%s", cause);
}

void
cmd_run(struct sechub *h, char **argv, int argc)
{
	const char	*flow = argv[0];
	int		 events;

	if (h->follow) {
		if (argc > 1)
			fatal_usage("--follow", "reads no files: the events "
			    "come from sh-findings");
		follow(h, flow);
	}

	if (strcmp(flow, "record") == 0)
		flow_record(h, argv + 1, argc - 1, STDIN_FILENO);
	else if (strcmp(flow, "send") == 0)
		flow_send(h, argv + 1, argc - 1, STDIN_FILENO);
	else if (strcmp(flow, "prune") == 0) {
		if (argc > 1)
			fatal_usage("run prune", "takes no events");
		flow_prune(h);
	} else if (strcmp(flow, "all") == 0) {
		events = copy_events(argv + 1, argc - 1);
		rewind_fd(events);
		flow_record(h, NULL, 0, events);
		rewind_fd(events);
		flow_send(h, NULL, 0, events);
		flow_prune(h);
		close(events);
	} else
		fatal_usage(flow, "unknown flow (record, send, prune, all)");
}
