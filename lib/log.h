/*
 * log.h: the one diagnostics funnel of every program, and the exit-status
 * convention.
 *
 * Every message has the shape "prog: where: what[: why]" where "where" is
 * "file:line" for a record, a file name, an API operation, or absent. The
 * funnel remembers the worst thing that happened; log_exit_status() turns it
 * into the exit status. Whatever the caller formatted, a message is one line
 * that cannot drive the terminal: control characters and bytes that are not
 * UTF-8 are shown escaped (vis_str() in util.h; sechub-tools(7)
 * DIAGNOSTICS). Quote a value from the data with show_value().
 */
#ifndef SECHUB_LOG_H
#define SECHUB_LOG_H

#include <stdarg.h>

/* Exit statuses shared by every program except sh-match (grep's 0/1/2). */
#define EXIT_OK		0	/* everything done */
#define EXIT_REJECTED	1	/* done, but some input records were rejected */
#define EXIT_USAGE	2	/* bad option, configuration or pattern */
#define EXIT_RUNTIME	3	/* I/O, store, network or service failure */

enum log_level {
	LOG_DEBUG,	/* --verbose only */
	LOG_INFO,	/* --verbose only */
	LOG_WARN,	/* shown unless --quiet; does not change the status */
	LOG_REJECT,	/* a record was rejected: status at least 1 */
	LOG_USAGE,	/* usage or configuration error: status at least 2 */
	LOG_ERROR	/* runtime failure: status 3 */
};

void	 log_init(const char *);
const char *log_progname(void);
void	 log_set_quiet(int);
void	 log_set_verbose(int);
int	 log_verbose(void);

/* The funnel. where may be NULL. */
void	 log_msg(enum log_level, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 log_vmsg(enum log_level, const char *, const char *, va_list);

#define log_debug(w, ...)	log_msg(LOG_DEBUG, (w), __VA_ARGS__)
#define log_info(w, ...)	log_msg(LOG_INFO, (w), __VA_ARGS__)
#define log_warn(w, ...)	log_msg(LOG_WARN, (w), __VA_ARGS__)
#define log_reject(w, ...)	log_msg(LOG_REJECT, (w), __VA_ARGS__)
#define log_error(w, ...)	log_msg(LOG_ERROR, (w), __VA_ARGS__)

/* Report and exit at once: EXIT_USAGE or EXIT_RUNTIME. */
void	 fatal_usage(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	 fatal(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Report what getopt_long() complained about (with opterr = 0), given the
 * character it returned (':' missing argument, '?' unknown option), in the
 * funnel's shape: "prog: --store: missing argument", "prog: -x: unknown
 * option". The caller then prints its usage and exits 2.
 */
void	 log_getopt_error(int, char **);

/* Raise the recorded status without printing (e.g. after a child failed). */
void	 log_raise(enum log_level);
/* Counts of what went through the funnel. */
unsigned long log_count(enum log_level);
/* The worst level seen, as an exit status (EXIT_*). */
int	 log_exit_status(void);

/*
 * Close stdout and report a write error (full disk, closed descriptor) as a
 * runtime failure; call last, before returning log_exit_status().
 */
void	 log_close_stdout(void);

#endif
