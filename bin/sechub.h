/*
 * sechub.h: what the parts of sechub share (sechub.c: options, children,
 * state; sechub-sync.c: targets and store; sechub-cmd.c: the changing
 * commands; sechub-show.c: status, config, doctor).
 */
#ifndef SECHUB_H
#define SECHUB_H

#include <jansson.h>

#include "conf.h"
#include "ip.h"
#include "opt.h"
#include "proc.h"
#include "target.h"


#ifndef SECHUB_EXAMPLES_DIR
#define SECHUB_EXAMPLES_DIR "/usr/local/share/sechub-tools/examples"
#endif
#define RECORD_PATTERN	"patterns/catch-remote-hosts.json"
#define SEND_PATTERN	"patterns/high-critical.json"
#define LOCK_WAIT_S	60	/* for another sechub to finish */
#define FLOOR_V4	16	/* shortest prefix sechub block takes */
#define FLOOR_V6	32

enum { C_BLOCK, C_UNBLOCK, C_STATUS, C_RECONCILE, C_RUN, C_CONFIG, C_DOCTOR };
#define S_BLOCK		(1u << C_BLOCK)
#define S_UNBLOCK	(1u << C_UNBLOCK)
#define S_STATUS	(1u << C_STATUS)
#define S_RECONCILE	(1u << C_RECONCILE)
#define S_RUN		(1u << C_RUN)
#define S_CONFIG	(1u << C_CONFIG)
#define S_DOCTOR	(1u << C_DOCTOR)
#define S_CHANGE	(S_BLOCK | S_UNBLOCK | S_RECONCILE | S_RUN)

enum {
	O_STORE, O_RULE_GROUP, O_ALLOWLIST, O_ALLOW, O_WEBHOOK, O_RETENTION,
	O_STATE_DIR, O_PROFILE, O_REGION, O_REASON, O_FOR, O_FORMAT,
	O_RECORD_PATTERN, O_SEND_PATTERN, O_SOURCE, O_INTERVAL, O_MAX
};

/* Everything a command needs. */
struct sechub {
	struct opt_value  v[O_MAX];	/* option values, from wherever */
	char		**allow;	/* --allow / allow values */
	size_t		  nallow;
	const char	 *allow_where;
	int		  dry_run;
	int		  force;
	int		  follow;
	int		  json;
	struct conf	 *conf;
	struct targets	  targets;
	struct ip_list	  allowlist;	/* file and inline, for the rails */
	char		 *state_dir;
	int		  lock_fd;
	int		  status;	/* the worst exit status so far */
	const char	 *severity;	/* slack-notify --severity, if any */
};

/* What one target's nfw-sync or waf-sync --summary said. */
struct result {
	json_t		*summary;	/* NULL if it printed none */
	int		 status;
	const char	*prog;		/* the filter run, or NULL */
};

/* Host addresses of records, for a dry run's picture of the store. */
struct hosts {
	char	**v;
	size_t	  n;
};

/* sechub.c */
extern const struct opt sechub_options[];
void raise_status(struct sechub *h, int status);
void store_args(const struct sechub *h, struct proc_argv *a);
void allow_args(const struct sechub *h, struct proc_argv *a);
void verbosity_args(struct proc_argv *a);
int run_stages(struct sechub *h, const char *flow, const struct proc_stage *st,
    size_t n, int in, int out);
int
run1(struct sechub *h, const char *flow, const char *name,
    struct proc_argv *a, int in, int out);
int tmpfile_or_die(void);
void rewind_fd(int fd);
void each_record(int fd, void (*cb)(json_t *, void *), void *arg);
void put_record(int fd, const json_t *o);
void print_records(int fd);
size_t count_records(int fd);
char *default_pattern(const char *name);

/* sechub-sync.c */
void need_targets(const struct sechub *h);
char *store_url_text(const struct sechub *h);
int store_missing(const struct sechub *h);
void ensure_store(struct sechub *h, const char *flow);
const char *result_error(const struct result *r);
size_t replace_all(struct sechub *h, const char *flow, int active, int dry,
    struct result *results);
void results_free(struct result *r, size_t n);
void ipstore_args(const struct sechub *h, struct proc_argv *a, const char *cmd);
int store_list(struct sechub *h, const char *flow, int pending);
void collect_host(json_t *o, void *arg);
size_t converge_with(struct sechub *h, const char *flow, int plus, int minus,
    struct result **results);
void tell(struct sechub *h, const char *flow, int fd);
void tell_failures(struct sechub *h, const char *flow, const struct result *res);
int annotate(struct sechub *h, int fd, const struct result *res, int unblock);

/* sechub-cmd.c */
void cmd_block(struct sechub *h, char **argv, int argc);
void cmd_unblock(struct sechub *h, char **argv, int argc);
void cmd_reconcile(struct sechub *h, char **argv, int argc);
void cmd_run(struct sechub *h, char **argv, int argc);

/* sechub-show.c */
void cmd_status(struct sechub *h, char **argv, int argc);
void cmd_config(struct sechub *h, char **argv, int argc);
void cmd_doctor(struct sechub *h, char **argv, int argc);

#endif
