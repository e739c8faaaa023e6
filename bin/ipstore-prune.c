/*
 * ipstore-prune: expire blocklist entries older than a duration (and those
 * whose own TTL has passed), then print what stays blocked, or what went.
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
	struct store_match	 m;
	int			 removed;	/* print what went instead */
	int			 dry_run;
	uint64_t		 nremoved;
	uint64_t		 nremain;
	int			 failed;
};

struct opts {
	struct aws_options	 aws;
	struct opt_value	 store;
	struct opt_value	 older_than;
	struct opt_value	 by;
	int			 removed;
	int			 dry_run;
};

#define O struct opts
static const struct opt options[] = {
	{ "older-than", 0, "DURATION", "remove entries older than this (720h)",
	    "retention", 0, OPT_KEEPS(O, older_than) },
	{ "by", 0, "created|last-seen",
	    "measure age from CreatedAt or LastSeenAt (last-seen)", NULL, 0,
	    OPT_KEEPS(O, by) },
	{ "removed", 0, NULL, "print what was removed, not what stays", NULL,
	    0, OPT_SETS(O, removed) },
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
	"                     [--by created|last-seen] [--removed]\n"
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

/* Called for each entry removed, after the batch holding it committed. */
static int
on_removed(const struct store_entry *e, void *arg)
{
	struct prune	*p = arg;

	return p->removed ? print_entry(p, e) : 0;
}

/* Every entry left after the prune (or, dry, every entry). */
static int
on_entry(const struct store_entry *e, void *arg)
{
	struct prune	*p = arg;
	int		 expired;

	expired = p->dry_run && store_match_entry(&p->m, e);
	if (expired)
		p->nremoved++;
	else
		p->nremain++;
	if (expired == p->removed)
		return print_entry(p, e);
	return 0;
}

static int
prune(struct prune *p)
{
	char	*cause;

	if (!p->dry_run) {
		if (store_prune(p->st, &p->m, on_removed, p, &p->nremoved,
		    &cause) != 0)
			goto fail;
		if (p->failed)
			return -1;
		if (p->removed) {
			/* Count what remains for the summary only. */
			if (store_count(p->st, &p->nremain, &cause) != 0)
				goto fail;
			return 0;
		}
	}
	if (store_scan(p->st, NULL, on_entry, p, &cause) != 0)
		goto fail;
	return p->failed ? -1 : 0;
fail:
	log_error(store_url(p->st), "%s", cause);
	free(cause);
	return -1;
}

static void
summary(const struct prune *p, const char *older_than)
{
	char	 buf[CLK_BUFSZ];

	log_info(store_url(p->st), "%s %llu entr%s last %s before %s "
	    "(older than %s) or past their ExpiresAt, %llu remain%s",
	    p->dry_run ? "would remove" : "removed",
	    (unsigned long long)p->nremoved, p->nremoved == 1 ? "y" : "ies",
	    p->m.by == STORE_BY_CREATED ? "created" : "seen",
	    clk_format(p->m.before, buf), older_than,
	    (unsigned long long)p->nremain, p->nremain == 1 ? "s" : "");
}

int
main(int argc, char *argv[])
{
	struct prune	 p;
	struct opts	 o;
	struct opt_result args;
	char		*cause;
	int64_t		 age;
	time_t		 now;

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
	now = clk_now();
	p.m.before = now - age;
	p.m.expired_at = now;

	if ((p.st = store_open(o.store.value, 0, &o.aws, &cause)) == NULL) {
		if (store_config_error())
			fatal_usage(opt_origin(&o.store), "%s", cause);
		fatal(NULL, "%s", cause);
	}
	p.out = jl_writer_new(STDOUT_FILENO, "<stdout>");
	if (prune(&p) == 0)
		summary(&p, o.older_than.value);
	if (jl_writer_free(p.out) != 0)
		log_error("stdout", "write error: %s", strerror(errno));
	store_close(p.st);
	opt_result_free(&args);
	log_close_stdout();
	return log_exit_status();
}
