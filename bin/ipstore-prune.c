/*
 * ipstore-prune: expire blocklist entries older than a duration (and those
 * whose own TTL has passed), then print what stays blocked, or what went.
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
	struct store_match	 m;
	int			 removed;	/* print what went instead */
	int			 dry_run;
	uint64_t		 nremoved;
	uint64_t		 nremain;
	int			 failed;
};

static void
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f, "usage: ipstore-prune [-nqV] [--verbose] [-s URL] "
	    "[--older-than DURATION]\n"
	    "                     [--by created|last-seen] [--removed]\n"
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
	time_t		 now;
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
	now = clk_now();
	p.m.before = clk_ago(age);
	p.m.expired_at = now;

	if ((p.st = store_open(url, 0, &aws_opts, &kind, &cause)) == NULL) {
		if (err_exit_status(kind) == EXIT_USAGE)
			fatal_usage(NULL, "%s", cause);
		fatal(NULL, "%s", cause);
	}
	p.out = jl_writer_new(STDOUT_FILENO, "<stdout>");
	if (prune(&p) == 0)
		summary(&p, older_than);
	if (jl_writer_free(p.out) != 0)
		log_error("stdout", "write error: %s", strerror(errno));
	store_close(p.st);
	log_close_stdout();
	return log_exit_status();
}
