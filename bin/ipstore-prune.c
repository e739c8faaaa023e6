/*
 * ipstore-prune: unblock the blocklist entries older than a duration (and
 * those whose own TTL has passed): mark them pending, then print what
 * stays blocked, or every pending entry (what the firewall must unblock).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws.h"
#include "clk.h"
#include "jl.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "version.h"

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

static void
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f, "usage: ipstore-prune [-nqV] [--verbose] [-s URL] "
	    "[--older-than DURATION]\n"
	    "                     [--by created|last-seen] [--removed] "
	    "[--summary]\n"
	    "                     [--profile NAME] [--region REGION]\n");
	exit(status);
}

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

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "by",		required_argument, NULL, 'b' },
		{ "dry-run",	no_argument,	   NULL, 'n' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "older-than",	required_argument, NULL, 'o' },
		{ "profile",	required_argument, NULL, 'P' },
		{ "quiet",	no_argument,	   NULL, 'q' },
		{ "region",	required_argument, NULL, 'G' },
		{ "removed",	no_argument,	   NULL, 'R' },
		{ "store",	required_argument, NULL, 's' },
		{ "summary",	no_argument,	   NULL, 'S' },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL,		0,		   NULL, 0 }
	};
	struct prune	 p;
	struct aws_options aws_opts = { NULL, NULL };
	const char	*url = NULL, *older_than = DEFAULT_OLDER_THAN;
	const char	*by = "last-seen";
	enum err_kind	 kind;
	char		*cause;
	int64_t		 age;
	int		 ch;

	log_init("ipstore-prune");
	memset(&p, 0, sizeof(p));
	opterr = 0;	/* our messages, through the funnel */
	while ((ch = getopt_long(argc, argv, ":hnqs:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			by = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'n':
			p.dry_run = 1;
			break;
		case 'o':
			older_than = optarg;
			break;
		case 'P':
			aws_opts.profile = optarg;
			break;
		case 'G':
			aws_opts.region = optarg;
			break;
		case 'q':
			log_set_quiet(1);
			break;
		case 'R':
			p.removed = 1;
			break;
		case 's':
			url = optarg;
			break;
		case 'S':
			p.summary = 1;
			break;
		case 'v':
			log_set_verbose(1);
			break;
		case 'V':
			puts(SECHUB_VERSION_LINE("ipstore-prune"));
			return 0;
		default:	/* ':' or '?' */
			log_getopt_error(ch, argv);
			usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	if (clk_init(&cause) != 0)
		fatal_usage(NULL, "%s", cause);
	if (clk_parse_duration(older_than, &age, &cause) != 0)
		fatal_usage(NULL, "--older-than: %s", cause);
	if (strcmp(by, "last-seen") == 0)
		p.m.by = STORE_BY_LAST_SEEN;
	else if (strcmp(by, "created") == 0)
		p.m.by = STORE_BY_CREATED;
	else
		fatal_usage(NULL, "--by: expected created or last-seen, "
		    "not \"%s\"", by);
	p.m.before = clk_ago(age);
	p.m.expired_at = clk_now();

	if ((p.st = store_open(url, p.dry_run ? STORE_DRY_RUN : 0, &aws_opts,
	    &kind, &cause)) == NULL) {
		if (err_exit_status(kind) == EXIT_USAGE)
			fatal_usage(NULL, "%s", cause);
		fatal(NULL, "%s", cause);
	}
	p.out = jl_writer_new(STDOUT_FILENO, "<stdout>");
	if (prune(&p) == 0) {
		if (p.summary)
			summary_record(&p);
		summary_line(&p, older_than);
	}
	if (jl_writer_free(p.out) != 0)
		log_error("stdout", "write error: %s", strerror(errno));
	store_close(p.st);
	log_close_stdout();
	return log_exit_status();
}
