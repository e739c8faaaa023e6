/*
 * ipstore: the blocklist store from the command line: add IP records (and
 * say which are new), list, get, unblock (rm), forget what the firewall
 * confirms no longer blocked, count, create, and mirror one store into
 * another.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "clk.h"
#include "input.h"
#include "ip.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "store.h"
#include "util.h"

/* Records per transaction at most. */
#define BATCH_MAX	5000
/* Commit when the input has been quiet this long (milliseconds)... */
#define BATCH_IDLE_MS	10
/* ...and in any case when the oldest uncommitted record is this old. */
#define BATCH_AGE_MS	1000

struct opts {
	struct opt_value	 store;
	struct opt_value	 ttl;
	struct opt_value	 older_than;
	struct opt_value	 by;
	struct opt_value	 max_line;
	const char		*rejects;
	const char		*from;
	const char		*to;
	const char		*before;	/* forget --pending --before */
	const char		*reason;	/* rm --reason */
	int			 dry_run;	/* add, rm, forget, mirror */
	int			 removed;	/* list, count: pending entries */
	int			 all;		/* list, count: both states */
	int			 pending;	/* forget --pending */
	struct aws_options	 aws;
};

/*
 * Output held back until the transaction holding it commits. A second
 * thread commits when the input goes quiet or the oldest record is a second
 * old, so a slow stream never keeps records (or the write lock) waiting.
 */
struct batch {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	pthread_t	 thread;
	int		 threaded;
	struct store	*st;
	struct jl_writer *out;
	char		**lines;
	size_t		 n;
	size_t		 cap;
	int		 dirty;		/* the store has uncommitted changes */
	struct timespec	 dirty_since;
	int		 reading;	/* the main thread waits for input */
	struct timespec	 reading_since;
	int		 stop;
	char		*error;		/* why the batch failed; main reports */
	int		 error_is_write;
};

enum { C_ADD, C_LIST, C_GET, C_RM, C_FORGET, C_COUNT, C_INIT, C_MIRROR };
#define S_ADD		(1u << C_ADD)
#define S_LIST		(1u << C_LIST)
#define S_GET		(1u << C_GET)
#define S_RM		(1u << C_RM)
#define S_FORGET	(1u << C_FORGET)
#define S_COUNT		(1u << C_COUNT)
#define S_INIT		(1u << C_INIT)
#define S_MIRROR	(1u << C_MIRROR)
#define S_STORE		(S_ADD | S_LIST | S_GET | S_RM | S_FORGET | S_COUNT | \
			    S_INIT)

static const struct opt_cmd commands[] = {
	{ "add", C_ADD, S_ADD, 0, -1,
	    "add IP records; print each with NewIP once committed" },
	{ "list", C_LIST, S_LIST, 0, 0,
	    "print the active entries (--removed: pending, --all: both)" },
	{ "get", C_GET, S_GET, 1, -1, "print the entries of these addresses" },
	{ "rm", C_RM, S_RM, 0, -1,
	    "unblock addresses (arguments, or records on stdin): pending" },
	{ "forget", C_FORGET, S_FORGET, 0, -1,
	    "forget the pending addresses nfw-sync's records say are not "
	    "blocked" },
	{ "count", C_COUNT, S_COUNT, 0, 0,
	    "print the number of active entries (--removed, --all)" },
	{ "init", C_INIT, S_INIT, 0, 0, "create the store" },
	{ "mirror", C_MIRROR, S_MIRROR, 0, 0,
	    "merge every entry of one store into another" },
	{ NULL, 0, 0, 0, 0, NULL }
};

#define O struct opts
static const struct opt options[] = {
	OPT_STORE(O, store, S_STORE),
	{ "ttl", 0, "DURATION", "add: the entries expire this long after now",
	    NULL, S_ADD, OPT_KEEPS(O, ttl) },
	{ "rejects", 0, "FILE",
	    "add, rm, forget: append rejected records to FILE", NULL,
	    S_ADD | S_RM | S_FORGET, OPT_STRS(O, rejects) },
	{ "max-line", 0, "BYTES",
	    "add, rm, forget: reject lines longer than BYTES (16M)", NULL,
	    S_ADD | S_RM | S_FORGET, OPT_KEEPS(O, max_line) },
	OPT_DRY_RUN(O, dry_run, S_ADD | S_RM | S_FORGET | S_MIRROR,
	    "add, rm, forget, mirror: change nothing; print what would be"),
	{ "removed", 0, NULL, "list, count: the pending entries", NULL,
	    S_LIST | S_COUNT, OPT_SETS(O, removed) },
	{ "all", 0, NULL, "list, count: active and pending entries", NULL,
	    S_LIST | S_COUNT, OPT_SETS(O, all) },
	{ "pending", 0, NULL,
	    "forget: every entry pending since before --before", NULL,
	    S_FORGET, OPT_SETS(O, pending) },
	{ "before", 0, "TIME", "forget --pending: RFC 3339, strictly before",
	    NULL, S_FORGET, OPT_STRS(O, before) },
	{ "reason", 0, "TEXT", "rm: the RemovedReason (default manual)", NULL,
	    S_RM, OPT_STRS(O, reason) },
	{ "older-than", 0, "DURATION", "list: only entries older than this",
	    NULL, S_LIST, OPT_KEEPS(O, older_than) },
	{ "by", 0, "created|last-seen",
	    "list: the age of CreatedAt or LastSeenAt", NULL, S_LIST,
	    OPT_KEEPS(O, by) },
	{ "from", 0, "URL", "mirror: the store to read", NULL, S_MIRROR,
	    OPT_STRS(O, from) },
	{ "to", 0, "URL", "mirror: the store to write", NULL, S_MIRROR,
	    OPT_STRS(O, to) },
	OPT_PROFILE(O, aws.profile),
	OPT_REGION(O, aws.region),
	OPT_COMMON,
	OPT_END
};
#undef O

static const struct opt_prog prog = {
	"ipstore",
	"usage: ipstore [-nqV] [--verbose] [-s URL] [--profile NAME] "
	"[--region REGION]\n"
	"               command [argument ...]\n"
	"       ipstore add [--ttl DURATION] [--max-line BYTES] "
	"[--rejects FILE]\n"
	"                   [file ...]\n"
	"       ipstore list [--removed | --all] [--older-than DURATION]\n"
	"                    [--by created|last-seen]\n"
	"       ipstore get IP ...\n"
	"       ipstore rm [--reason TEXT] [--max-line BYTES] "
	"[--rejects FILE]\n"
	"                  [IP ... | -]\n"
	"       ipstore forget [--max-line BYTES] [--rejects FILE] "
	"[file ...]\n"
	"       ipstore forget --pending --before TIME\n"
	"       ipstore count [--removed | --all]\n"
	"       ipstore init\n"
	"       ipstore mirror --from URL --to URL\n",
	options, commands
};

static void
elapsed_start(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void
batch_fail(struct batch *b, char *error, int is_write)
{
	if (b->error == NULL) {
		b->error = error;
		b->error_is_write = is_write;
	} else
		free(error);
}

/* Commit, then print what the commit made durable. Lock held. */
static void
batch_flush(struct batch *b)
{
	char	*cause;
	size_t	 i;

	if (b->error == NULL && b->dirty &&
	    store_commit(b->st, &cause) != 0)
		batch_fail(b, cause, 0);
	b->dirty = 0;
	for (i = 0; i < b->n; i++) {
		if (b->error == NULL &&
		    jl_write_raw(b->out, b->lines[i], strlen(b->lines[i])) != 0)
			batch_fail(b, xstrdup(strerror(errno)), 1);
		free(b->lines[i]);
	}
	b->n = 0;
	if (b->error == NULL && jl_writer_flush(b->out) != 0)
		batch_fail(b, xstrdup(strerror(errno)), 1);
}

static void *
batch_main(void *arg)
{
	struct batch	*b = arg;
	struct timespec	 until;

	pthread_mutex_lock(&b->lock);
	while (!b->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += BATCH_IDLE_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->wake, &b->lock, &until);
		if (b->stop || !b->dirty || b->error != NULL)
			continue;
		if ((b->reading &&
		    elapsed_ms(&b->reading_since) >= BATCH_IDLE_MS) ||
		    elapsed_ms(&b->dirty_since) >= BATCH_AGE_MS)
			batch_flush(b);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void
batch_init(struct batch *b, struct store *st, struct jl_writer *out,
    int threaded)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	b->st = st;
	b->out = out;
	if (threaded && pthread_create(&b->thread, NULL, batch_main, b) == 0)
		b->threaded = 1;
}

/* The store is about to change: note when, for the age rule. Lock held. */
static void
batch_touch(struct batch *b)
{
	if (!b->dirty) {
		b->dirty = 1;
		elapsed_start(&b->dirty_since);
	}
}

/* Queue a line for after the commit; takes ownership. Lock held. */
static void
batch_queue(struct batch *b, char *line)
{
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 256 : b->cap * 2;
		b->lines = xreallocarray(b->lines, b->cap, sizeof(*b->lines));
	}
	b->lines[b->n++] = line;
	if (b->n >= BATCH_MAX)
		batch_flush(b);
}

/* Flush the rest, stop the thread and report a failure. 0 or -1. */
static int
batch_finish(struct batch *b)
{
	int	 r = 0;

	pthread_mutex_lock(&b->lock);
	batch_flush(b);
	b->stop = 1;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
	if (b->threaded)
		pthread_join(b->thread, NULL);
	if (b->error != NULL) {
		/* A write error is reported once, when the writer is freed. */
		if (!b->error_is_write)
			log_error(store_url(b->st), "%s", b->error);
		r = -1;
	}
	free(b->error);
	free(b->lines);
	pthread_cond_destroy(&b->wake);
	pthread_mutex_destroy(&b->lock);
	return r;
}

/* The next input record, marking the wait so the batch can commit. */
static int
batch_next(struct batch *b, struct input *in, struct jl_record *rec)
{
	int	 r;

	pthread_mutex_lock(&b->lock);
	b->reading = 1;
	elapsed_start(&b->reading_since);
	pthread_mutex_unlock(&b->lock);
	r = input_next(in, rec);
	pthread_mutex_lock(&b->lock);
	b->reading = 0;
	if (b->error != NULL)
		r = 0;
	return r;	/* with the lock held; the caller unlocks */
}

static char *
dump_line(const json_t *o)
{
	char	*s;

	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		abort();	/* out of memory */
	return s;
}

static void
set_time(json_t *o, const char *key, time_t t)
{
	char	 buf[CLK_BUFSZ];

	json_object_set_new(o, key, json_string(clk_format(t, buf)));
}

/* --profile and --region, for a dynamodb: store */
static struct aws_options aws_opts;
/* -n: every store the command opens is a dry-run store */
static int	 dry_run;

/* What the store says about an entry it read (its time unreadable). */
static void
warn_entry(const char *ip, const char *what, void *url)
{
	log_warn(url, "%s: %s", ip, what);
}

static struct store *
open_store(const struct opt_value *url, int flags)
{
	struct store	*st;
	enum err_kind	 kind;
	char		*cause;

	if (dry_run)
		flags |= STORE_DRY_RUN;
	if ((st = store_open(url->value, flags, &aws_opts, &kind, &cause)) !=
	    NULL) {
		store_on_warning(st, warn_entry, (void *)store_url(st));
		return st;
	}
	if (err_exit_status(kind) == EXIT_USAGE)
		fatal_usage(opt_origin(url), "%s", cause);
	fatal(NULL, "%s", cause);
}

static int64_t
parse_duration(const char *where, const char *text)
{
	int64_t	 seconds;
	char	*cause;

	if (clk_parse_duration(text, &seconds, &cause) != 0)
		fatal_usage(where, "%s", cause);
	return seconds;
}

static struct input *
open_input(char **files, int nfiles, const struct opts *o)
{
	struct input	*in;
	char		*cause;
	size_t		 max_line = 0;

	if (o->max_line.value != NULL && parse_size(o->max_line.value,
	    &max_line, &cause) != 0)
		fatal_usage(o->max_line.where, "%s", cause);
	if ((in = input_new(files, nfiles, o->rejects, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (max_line > 0)
		input_set_max_line(in, max_line);
	return in;
}

/* add: one input record. Lock held. */
static void
add_record(struct batch *b, struct input *in, const struct jl_record *rec,
    int64_t ttl)
{
	struct store_entry	 e;
	json_t			*o;
	char			 reason[160], *cause;
	int			 is_new, r;

	if ((o = jl_decode(rec, reason, sizeof(reason))) == NULL) {
		input_reject(in, rec, "%s", reason);
		return;
	}
	if (store_entry_from_json(&e, o, &cause) != 0) {
		input_reject(in, rec, "%s", cause);
		free(cause);
		json_decref(o);
		return;
	}
	if (ttl > 0)	/* within year 9999, as clk_parse_duration() checked */
		e.expires_at = clk_now() + ttl < CLK_MAX ? clk_now() + ttl :
		    CLK_MAX;
	batch_touch(b);
	if ((r = store_add(b->st, &e, &is_new, &cause)) == 1) {
		input_reject(in, rec, "%s", cause);	/* refused, as given */
		free(cause);
		goto out;
	}
	if (r != 0) {
		batch_fail(b, cause, 0);
		goto out;
	}
	json_object_set_new(o, "HostIp", json_string(e.host_ip));
	json_object_set_new(o, "NewIP", json_boolean(is_new));
	if (e.created_at != 0)
		set_time(o, "CreatedAt", e.created_at);
	else
		json_object_del(o, "CreatedAt");	/* unknown (store.h) */
	set_time(o, "LastSeenAt", e.last_seen_at);
	if (e.expires_at != 0)
		set_time(o, "ExpiresAt", e.expires_at);
	else
		json_object_del(o, "ExpiresAt");
	json_object_del(o, "RemovedAt");	/* what is added is blocked */
	json_object_del(o, "RemovedReason");
	batch_queue(b, dump_line(o));
out:
	store_entry_clear(&e);
	json_decref(o);
}

static void
cmd_add(const struct opts *o, char **argv, int argc, struct jl_writer *out)
{
	struct batch		 b;
	struct store		*st;
	struct input		*in;
	struct jl_record	 rec;
	int64_t			 ttl = 0;

	if (o->ttl.value != NULL && (ttl = parse_duration(o->ttl.where,
	    o->ttl.value)) <= 0)
		fatal_usage(o->ttl.where, "must be longer than 0s");
	in = open_input(argv, argc, o);
	st = open_store(&o->store, STORE_CREATE);
	batch_init(&b, st, out, 1);
	while (batch_next(&b, in, &rec) == 1) {
		add_record(&b, in, &rec, ttl);
		pthread_mutex_unlock(&b.lock);
	}
	pthread_mutex_unlock(&b.lock);
	batch_finish(&b);
	log_info(store_url(st), "%lu records read, %lu rejected",
	    input_records(in), input_rejected(in));
	input_free(in);
	store_close(st);
}

struct printer {
	struct jl_writer	*out;
	int			 failed;
};

static int
print_entry(const struct store_entry *e, void *arg)
{
	struct printer	*p = arg;
	json_t		*o;
	char		*line;
	int		 r;

	o = store_entry_to_json(e);
	line = dump_line(o);
	r = jl_write_raw(p->out, line, strlen(line));
	free(line);
	json_decref(o);
	if (r != 0) {
		p->failed = 1;	/* reported when the writer is freed */
		return 1;
	}
	return 0;
}

static enum store_age
parse_by(const char *by, const char *where)
{
	if (by == NULL || strcmp(by, "last-seen") == 0)
		return STORE_BY_LAST_SEEN;
	if (strcmp(by, "created") == 0)
		return STORE_BY_CREATED;
	fatal_usage(where, "expected created or last-seen, not \"%s\"", by);
}

/* list, count: the active entries, or --removed (pending) or --all. */
static enum store_state
which_state(const struct opts *o)
{
	if (o->removed && o->all)
		fatal_usage(NULL, "--removed and --all: choose one");
	return o->all ? STORE_ANY : o->removed ? STORE_PENDING : STORE_ACTIVE;
}

static void
cmd_list(const struct opts *o, char **argv, int argc,
    struct jl_writer *out)
{
	struct store_match	 m;
	struct printer		 p = { out, 0 };
	struct store		*st;
	char			*cause;

	memset(&m, 0, sizeof(m));
	m.state = which_state(o);
	m.by = parse_by(o->by.value, o->by.where);
	if (o->older_than.value != NULL)
		m.before = clk_ago(parse_duration(o->older_than.where,
		    o->older_than.value));
	st = open_store(&o->store, 0);
	if (store_scan(st, &m, print_entry, &p, &cause) != 0) {
		log_error(store_url(st), "%s", cause);
		free(cause);
	}
	store_close(st);
}

/* An IP given as an argument, in canonical form; NULL if invalid. */
static const char *
argument_ip(const char *arg, char *buf)
{
	char		 shown[VALUE_SHOW_SIZE];

	if (ip_host_key(arg, strlen(arg), buf) != 0) {
		log_reject(show_value(shown, arg, strlen(arg)),
		    "invalid IP address or CIDR block");
		return NULL;
	}
	return buf;
}

/* get of a pending entry: printed, and said on stderr (status 1). */
static void
not_blocked(const struct store_entry *e)
{
	char	 buf[CLK_BUFSZ];

	log_reject(e->host_ip, "unblocked (%s) at %s, pending until the "
	    "firewall no longer blocks it", e->removed_reason,
	    clk_format(e->removed_at, buf));
}

static void
cmd_get(const struct opts *o, char **argv, int argc, struct jl_writer *out)
{
	struct store_entry	 e;
	struct printer		 p = { out, 0 };
	struct store		*st;
	char			 buf[IP_STRLEN], *cause;
	const char		*ip;
	int			 i, found;

	st = open_store(&o->store, 0);
	for (i = 0; i < argc && !p.failed; i++) {
		if ((ip = argument_ip(argv[i], buf)) == NULL)
			continue;
		found = store_get(st, ip, &e, &cause);
		if (found < 0) {
			log_error(store_url(st), "%s", cause);
			free(cause);
			break;
		}
		if (found == 0)
			log_reject(ip, "not in the store");
		else {
			print_entry(&e, &p);
			if (e.removed_at != 0)
				not_blocked(&e);
		}
		store_entry_clear(&e);
	}
	store_close(st);
}

/*
 * rm: unblock one IP (pending, for reason); queue its record, with
 * RemovedAt. An entry already pending is printed as it is, so that a
 * failed unblock can be run again; an address not in the store is said,
 * one line, and is no error: nothing blocks it. Lock held.
 */
static void
rm_one(struct batch *b, const char *ip, const char *reason, const char *where)
{
	struct store_entry	 e;
	json_t			*o;
	char			*cause;
	int			 found;

	batch_touch(b);
	found = store_unblock(b->st, ip, NULL, reason, &e, &cause);
	if (found == 0)
		found = store_get(b->st, ip, &e, &cause);
	if (found < 0) {
		batch_fail(b, cause, 0);
		return;
	}
	if (found == 0) {
		log_warn(where, "%s: not in the store", ip);
		return;
	}
	o = store_entry_to_json(&e);
	batch_queue(b, dump_line(o));
	json_decref(o);
	store_entry_clear(&e);
}

static void
rm_record(struct batch *b, struct input *in, const struct jl_record *rec,
    const char *why)
{
	struct store_entry	 e;
	json_t			*o;
	char			 reason[160], *cause;

	if ((o = jl_decode(rec, reason, sizeof(reason))) == NULL) {
		input_reject(in, rec, "%s", reason);
		return;
	}
	if (store_entry_from_json(&e, o, &cause) != 0) {
		input_reject(in, rec, "%s", cause);
		free(cause);
	} else
		rm_one(b, e.host_ip, why, jl_where(rec));
	store_entry_clear(&e);
	json_decref(o);
}

/* rm --reason: what RemovedReason says (store_valid_reason()). */
static const char *
rm_reason(const char *text)
{
	char	*cause;

	if (text == NULL)
		return STORE_MANUAL;
	if (store_valid_reason(text, &cause) != 0)
		fatal_usage("--reason", "%s", cause);	/* exits */
	return text;
}

static void
cmd_rm(const struct opts *o, char **argv, int argc, struct jl_writer *out)
{
	struct batch		 b;
	struct store		*st;
	struct input		*in;
	struct jl_record	 rec;
	char			 buf[IP_STRLEN];
	const char		*ip, *why;
	int			 i;

	why = rm_reason(o->reason);
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0)) {
		in = open_input(argv, argc, o);
		st = open_store(&o->store, 0);
		batch_init(&b, st, out, 1);
		while (batch_next(&b, in, &rec) == 1) {
			rm_record(&b, in, &rec, why);
			pthread_mutex_unlock(&b.lock);
		}
		pthread_mutex_unlock(&b.lock);
		batch_finish(&b);
		input_free(in);
	} else {
		st = open_store(&o->store, 0);
		batch_init(&b, st, out, 0);
		for (i = 0; i < argc && b.error == NULL; i++) {
			if ((ip = argument_ip(argv[i], buf)) != NULL)
				rm_one(&b, ip, why, NULL);
		}
		batch_finish(&b);
	}
	store_close(st);
}

static void
cmd_count(const struct opts *o, char **argv, int argc,
    struct jl_writer *out)
{
	struct store_match	 m;
	struct store		*st;
	uint64_t		 n;
	char			*cause, line[32];

	memset(&m, 0, sizeof(m));
	m.state = which_state(o);
	st = open_store(&o->store, 0);
	if (store_count(st, &m, &n, &cause) != 0) {
		log_error(store_url(st), "%s", cause);
		free(cause);
	} else {
		snprintf(line, sizeof(line), "%llu", (unsigned long long)n);
		(void)jl_write_raw(out, line, strlen(line));	/* see run() */
	}
	store_close(st);
}

/*
 * forget, as a filter: a record that says "Blocked": false (the firewall
 * no longer blocks its HostIp) forgets the address if it is pending (and,
 * when the record has RemovedAt, pending since exactly then: an address
 * blocked and unblocked again meanwhile is another matter). Every record
 * is passed on unchanged, once what it caused is committed. Lock held.
 */
static void
forget_record(struct batch *b, struct input *in, const struct jl_record *rec,
    uint64_t *forgotten)
{
	struct store_match	 m;
	const char		*ip, *at;
	json_t			*o, *v;
	char			 reason[160], buf[IP_STRLEN], *cause;
	time_t			 t;
	int			 r;

	if ((o = jl_decode(rec, reason, sizeof(reason))) == NULL) {
		input_reject(in, rec, "%s", reason);
		return;
	}
	if (!json_is_false(json_object_get(o, "Blocked")))
		goto pass;
	v = json_object_get(o, "Cleaned");
	if (v != NULL && !json_is_false(v))
		goto pass;	/* the rails cleaned it: no unblock of ours */
	memset(&m, 0, sizeof(m));
	ip = json_string_value(json_object_get(o, "HostIp"));
	if (ip == NULL || ip_host_key(ip, strlen(ip), buf) != 0) {
		input_reject(in, rec, "\"Blocked\": false without a valid "
		    "HostIp: nothing forgotten");
		goto pass;
	}
	if (json_object_get(o, "RemovedAt") != NULL) {
		at = json_string_value(json_object_get(o, "RemovedAt"));
		if (at == NULL || clk_parse(at, strlen(at), &t) != 0) {
			input_reject(in, rec, "RemovedAt is no RFC 3339 time: "
			    "nothing forgotten");
			goto pass;
		}
		m.removed_from = t;
		m.removed_before = t + 1;
	}
	batch_touch(b);
	if ((r = store_forget(b->st, buf, &m, NULL, &cause)) < 0) {
		batch_fail(b, cause, 0);
		goto out;
	}
	if (r == 1) {
		(*forgotten)++;
		log_info(jl_where(rec), "%s: %s", buf, dry_run ?
		    "would be forgotten" : "forgotten");
	}
pass:
	batch_queue(b, xstrndup(rec->text, rec->len));
out:
	json_decref(o);
}

/* forget --pending --before TIME: print each entry forgotten. */
static int
print_forgotten(const struct store_entry *e, void *arg)
{
	return print_entry(e, arg);
}

static void
forget_pending(const struct opts *o, struct jl_writer *out)
{
	struct store_match	 m;
	struct printer		 p = { out, 0 };
	struct store		*st;
	uint64_t		 n;
	char			*cause;
	time_t			 t;

	if (o->before == NULL ||
	    clk_parse(o->before, strlen(o->before), &t) != 0)
		fatal_usage(NULL, "forget --pending: --before TIME (RFC 3339) "
		    "is needed, the start of the run that confirmed it");
	memset(&m, 0, sizeof(m));
	m.removed_before = t;
	st = open_store(&o->store, 0);
	if (store_forget_all(st, &m, print_forgotten, &p, &n, &cause) != 0) {
		log_error(store_url(st), "%s", cause);
		free(cause);
	} else
		log_info(store_url(st), "%llu entries forgotten (pending "
		    "since before %s)", (unsigned long long)n, o->before);
	store_close(st);
}

static void
cmd_forget(const struct opts *o, char **argv, int argc, struct jl_writer *out)
{
	struct batch		 b;
	struct store		*st;
	struct input		*in;
	struct jl_record	 rec;
	uint64_t		 n = 0;

	if (o->pending) {
		if (argc != 0)
			fatal_usage(NULL, "forget --pending: takes no files");
		forget_pending(o, out);
		return;
	}
	if (o->before != NULL)
		fatal_usage(NULL, "--before: only with forget --pending");
	in = open_input(argv, argc, o);
	st = open_store(&o->store, 0);
	batch_init(&b, st, out, 1);
	while (batch_next(&b, in, &rec) == 1) {
		forget_record(&b, in, &rec, &n);
		pthread_mutex_unlock(&b.lock);
	}
	pthread_mutex_unlock(&b.lock);
	if (batch_finish(&b) == 0)
		log_info(store_url(st), "%lu records read, %llu address%s %s",
		    input_records(in), (unsigned long long)n, n == 1 ? "" :
		    "es", dry_run ? "would be forgotten" : "forgotten");
	input_free(in);
	store_close(st);
}

static void
cmd_init(const struct opts *o, char **argv, int argc,
    struct jl_writer *out)
{
	struct store	*st;
	char		*cause;

	st = open_store(&o->store, STORE_CREATE);
	if (store_init(st, &cause) != 0) {
		log_error(store_url(st), "%s", cause);
		free(cause);
	} else {
		if (store_notice(st) != NULL)
			log_warn(store_url(st), "%s", store_notice(st));
		log_info(store_url(st), "ready");
	}
	store_close(st);
}

/* mirror: merge each source entry into the destination. */
struct mirror {
	struct batch	*b;
	uint64_t	 seen;
	uint64_t	 inserted;
};

static int
mirror_entry(const struct store_entry *src, void *arg)
{
	struct mirror		*mi = arg;
	struct batch		*b = mi->b;
	struct store_entry	 e;
	json_t			*o;
	char			*cause;
	int			 is_new, r;

	store_entry_copy(&e, src);
	batch_touch(b);
	if ((r = store_merge(b->st, &e, &is_new, &cause)) == 1) {
		log_reject(e.host_ip, "%s", cause);	/* refused, as given */
		free(cause);
		store_entry_clear(&e);
		return 0;
	}
	if (r != 0) {
		batch_fail(b, cause, 0);
		store_entry_clear(&e);
		return 1;
	}
	mi->seen++;
	mi->inserted += is_new;
	o = store_entry_to_json(&e);
	json_object_set_new(o, "NewIP", json_boolean(is_new));
	batch_queue(b, dump_line(o));
	json_decref(o);
	store_entry_clear(&e);
	return b->error != NULL;
}

static void
cmd_mirror(const struct opts *o, char **argv, int argc,
    struct jl_writer *out)
{
	struct store	*from, *to;
	struct batch	 b;
	struct mirror	 mi;
	char		*cause;

	if (o->from == NULL || o->to == NULL)
		fatal_usage(NULL, "mirror: both --from and --to are needed");
	from = open_store(&(struct opt_value){ o->from, NULL }, 0);
	to = open_store(&(struct opt_value){ o->to, NULL }, STORE_CREATE);
	batch_init(&b, to, out, 0);
	memset(&mi, 0, sizeof(mi));
	mi.b = &b;
	if (store_scan(from, NULL, mirror_entry, &mi, &cause) != 0) {
		log_error(store_url(from), "%s", cause);
		free(cause);
	}
	if (batch_finish(&b) == 0)
		log_info(store_url(to), "%llu entries mirrored from %s, "
		    "%llu new", (unsigned long long)mi.seen, store_url(from),
		    (unsigned long long)mi.inserted);
	store_close(to);
	store_close(from);
}

typedef void cmd_fn(const struct opts *, char **, int, struct jl_writer *);

static cmd_fn *const run_command[] = {
	[C_ADD] = cmd_add,
	[C_LIST] = cmd_list,
	[C_GET] = cmd_get,
	[C_RM] = cmd_rm,
	[C_FORGET] = cmd_forget,
	[C_COUNT] = cmd_count,
	[C_INIT] = cmd_init,
	[C_MIRROR] = cmd_mirror
};

int
main(int argc, char *argv[])
{
	struct opts		 o;
	struct opt_result	 args;
	struct jl_writer	*out;
	char			*cause;

	log_init("ipstore");
	/* a dynamodb: store holds an AWS secret */
	if (no_core_dumps(&cause) != 0)
		fatal(NULL, "%s", cause);
	memset(&o, 0, sizeof(o));
	opt_parse(&prog, argc, argv, NULL, &o, &args);
	aws_opts = o.aws;
	dry_run = o.dry_run;
	if (clk_init(&cause) != 0)
		fatal_usage(NULL, "%s", cause);
	out = jl_writer_new(STDOUT_FILENO, "<stdout>");
	run_command[args.cmd->id](&o, args.operands, args.noperands, out);
	if (jl_writer_free(out) != 0)
		log_error("stdout", "write error: %s", strerror(errno));
	opt_result_free(&args);
	log_close_stdout();
	return log_exit_status();
}
