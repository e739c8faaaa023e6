/*
 * proc.h: run the toolkit's own programs from sechub: one program or a
 * pipeline of them, its input from a file descriptor, its output to
 * another, every stage's exit status back. The programs are looked for
 * first beside the running program (so that /usr/bin/sechub started by
 * cron with PATH=/usr/bin:/bin finds /usr/local/bin/ipstore next to it
 * only if it is there), then on PATH; $SECHUB_BINDIR overrides both.
 */
#ifndef SECHUB_PROC_H
#define SECHUB_PROC_H

#include <stddef.h>

struct proc_stage {
	const char	 *name;		/* for messages: "ipstore add" */
	char		**argv;		/* NULL-terminated; argv[0] a name */
};

/*
 * Run the stages as one pipeline: the first reads in_fd (-1: /dev/null),
 * the last writes out_fd (-1: /dev/null), each stage's standard error is
 * ours. Waits for every stage; status[i] is its exit status, 128 + N if
 * signal N ended it, 127 if it could not be run. 0, or -1 and *cause if the
 * pipeline could not be started at all.
 */
int	 proc_pipeline(const struct proc_stage *, size_t, int, int, int *,
	    char **);

/*
 * Replace this process with one of our programs (looked for as the stages
 * of a pipeline are). Returns only on failure, with *cause.
 */
void	 proc_exec(char **, char **);

/* The path of the running program (for a command line that runs it
 * again); NULL if it cannot be found. Borrowed. */
const char *proc_self(void);

/* The first stage whose status is at least min, or -1. */
int	 proc_failed(const int *, size_t, int);

/*
 * An anonymous temporary file (deleted already), read-write, 0600, in
 * $TMPDIR or /tmp. -1 and *cause.
 */
int	 proc_tmpfile(char **);

/* A growable argv. */
struct proc_argv {
	char	**v;
	size_t	  n;
	size_t	  cap;
};
void	 proc_argv_init(struct proc_argv *, const char *);
void	 proc_argv_add(struct proc_argv *, const char *);
void	 proc_argv_addf(struct proc_argv *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 proc_argv_free(struct proc_argv *);

#endif
