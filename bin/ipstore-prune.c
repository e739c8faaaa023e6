/*
 * ipstore-prune: unblock the blocklist entries older than a duration (and
 * those whose own TTL has passed): mark them pending, then print what
 * stays blocked, or every pending entry (what the firewall must unblock).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws.h"
#include "clk.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "store.h"
#include "util.h"

#define DEFAULT_OLDER_THAN	"720h"

struct prune {
	struct store		*st;
	struct jl_writer	*out;
	struct store_match	 m;		/* what expires */
	int			 removed;	/* print the pending entries */
	int			 dry_run;
	int			 summary;	/* one record instead */
	uint64_t		 npruned;	/* marked pending by this run */
	uint64_t		 npending;	/* pending now */
	uint64_t		 nactive;	/* still blocked */
	int			 failed;
};

struct opts {
	struct aws_options	 aws;
	struct opt_value	 store;
	struct opt_value	 older_than;
	struct opt_value	 by;
	int			 removed;
	int			 dry_run;
	int			 summary;
};

#define O struct opts
static const struct opt options[] = {
	{ "older-than", 0, "DURATION", "unblock entries older than this (720h)",
	    "retention", 0, OPT_KEEPS(O, older_than) },
	{ "by", 0, "created|last-seen",
	    "measure age from CreatedAt or LastSeenAt (last-seen)", NULL, 0,
	    OPT_KEEPS(O, by) },
	{ "removed", 0, NULL,
	    "print every pending entry (what the firewall must unblock), not "
	    "what stays", NULL, 0, OPT_SETS(O, removed) },
	{ "summary", 0, NULL, "print one record of counts instead", NULL, 0,
	    OPT_SETS(O, summary) },
	OPT_DRY_RUN(O, dry_run, 0, "change nothing; print what would happen"),
	OPT_STORE(O, store, 0),
	OPT_PROFILE(O, aws.profile),
	OPT_REGION(O, aws.region),
	OPT_COMMON,
	OPT_END
};
#undef O

static const struct opt_prog prog = {
	"ipstore-prune",
	"usage: ipstore-prune [-nqV] [--verbose] [-s URL] "
	"[--older-than DURATION]\n"
	"                     [--by created|last-seen] [--removed] "
	"[--summary]\n"
	"                     [--profile NAME] [--region REGION]\n",
	options, NULL
};

static int
print_entry(struct prune *p, const struct store_entry *e)
{
	json_t	*o;
	char	*line;
	int	 r;

	o = store_entry_to_json(e);
	if ((line = json_dumps(o, JSON_COMPACT)) == NULL)
		abort();	/* out of memory */
	r = jl_write_raw(p->out, line, strlen(line));
	free(line);
	json_decref(o);
	if (r != 0) {
		p->failed = 1;	/* reported when the writer is freed */
		return 1;
	}
	return 0;
}

/* Every entry after the prune: counted, printed if in the state asked. */
static int
on_entry(const struct store_entry *e, void *arg)
{
	struct prune	*p = arg;
	int		 pending = e->removed_at != 0;

	if (pending)
		p->npending++;
	else
		p->nactive++;
	if (!p->summary && pending == p->removed)
		return print_entry(p, e);
	return 0;
}

/*
 * A dry run is the same run on a dry-run store (STORE_DRY_RUN), which
 * keeps the changes in memory: it prints what a real run would.
 */
static int
prune(struct prune *p)
{
	struct store_match	 any;
	char			*cause;

	if (store_unblock_all(p->st, &p->m, STORE_EXPIRED, NULL, NULL,
	    &p->npruned, &cause) != 0)
		goto fail;
	/* what is printed is read back from the store: exactly what is
	 * committed as pending (or active), this run's and earlier runs' */
	memset(&any, 0, sizeof(any));
	if (!p->summary)
		any.state = p->removed ? STORE_PENDING : STORE_ACTIVE;
	if (store_scan(p->st, &any, on_entry, p, &cause) != 0)
		goto fail;
	if (p->failed)
		return -1;
	if (!p->summary) {
		/* the other state, for the counts */
		any.state = p->removed ? STORE_ACTIVE : STORE_PENDING;
		if (store_count(p->st, &any, p->removed ? &p->nactive :
		    &p->npending, &cause) != 0)
			goto fail;
	}
	return 0;
fail:
	log_error(store_url(p->st), "%s", cause);
	free(cause);
	return -1;
}

static void
summary_record(struct prune *p)
{
	char	 buf[CLK_BUFSZ];
	json_t	*o;

	o = json_pack("{s:s, s:I, s:I, s:I, s:s, s:b}",
	    "Store", store_url(p->st),
	    "Pruned", (json_int_t)p->npruned,
	    "Pending", (json_int_t)p->npending,
	    "Remaining", (json_int_t)p->nactive,
	    "Before", clk_format(p->m.before, buf),
	    "DryRun", p->dry_run);
	if (jl_write(p->out, o) != 0)
		p->failed = 1;	/* reported when the writer is freed */
	json_decref(o);
}

static void
summary_line(const struct prune *p, const char *older_than)
{
	char	 buf[CLK_BUFSZ];

	log_info(store_url(p->st), "%s %llu entr%s pending (last %s before "
	    "%s, older than %s, or past their ExpiresAt); %llu pending, "
	    "%llu blocked",
	    p->dry_run ? "would mark" : "marked",
	    (unsigned long long)p->npruned, p->npruned == 1 ? "y" : "ies",
	    p->m.by == STORE_BY_CREATED ? "created" : "seen",
	    clk_format(p->m.before, buf), older_than,
	    (unsigned long long)p->npending, (unsigned long long)p->nactive);
}

/* What the store says about an entry it read (its time unreadable). */
static void
warn_entry(const char *ip, const char *what, void *url)
{
	log_warn(url, "%s: %s", ip, what);
}

int
main(int argc, char *argv[])
{
	struct prune	 p;
	struct opts	 o;
	struct opt_result args;
	enum err_kind	 kind;
	char		*cause;
	int64_t		 age;

	log_init("ipstore-prune");
	/* a dynamodb: store holds an AWS secret */
	if (no_core_dumps(&cause) != 0)
		fatal(NULL, "%s", cause);
	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	o.older_than = (struct opt_value){ DEFAULT_OLDER_THAN, NULL };
	o.by = (struct opt_value){ "last-seen", NULL };
	opt_parse(&prog, argc, argv, NULL, &o, &args);
	if (args.noperands != 0)
		opt_usage(&prog);
	p.removed = o.removed;
	p.dry_run = o.dry_run;
	p.summary = o.summary;
	if (clk_init(&cause) != 0)
		fatal_usage(NULL, "%s", cause);
	if (clk_parse_duration(o.older_than.value, &age, &cause) != 0)
		fatal_usage(o.older_than.where ? o.older_than.where :
		    "--older-than", "%s", cause);
	if (strcmp(o.by.value, "last-seen") == 0)
		p.m.by = STORE_BY_LAST_SEEN;
	else if (strcmp(o.by.value, "created") == 0)
		p.m.by = STORE_BY_CREATED;
	else
		fatal_usage(o.by.where, "expected created or last-seen, "
		    "not \"%s\"", o.by.value);
	p.m.before = clk_ago(age);
	p.m.expired_at = clk_now();

	if ((p.st = store_open(o.store.value, p.dry_run ? STORE_DRY_RUN : 0,
	    &o.aws, &kind, &cause)) == NULL) {
		if (err_exit_status(kind) == EXIT_USAGE)
			fatal_usage(opt_origin(&o.store), "%s", cause);
		fatal(NULL, "%s", cause);
	}
	store_on_warning(p.st, warn_entry, (void *)store_url(p.st));
	p.out = jl_writer_new(STDOUT_FILENO, "<stdout>");
	if (prune(&p) == 0) {
		if (p.summary)
			summary_record(&p);
		summary_line(&p, o.older_than.value);
	}
	if (jl_writer_free(p.out) != 0)
		log_error("stdout", "write error: %s", strerror(errno));
	store_close(p.st);
	opt_result_free(&args);
	log_close_stdout();
	return log_exit_status();
}
