/*
 * log.c: the diagnostics funnel. Every message of every program goes
 * through log_vmsg(), which owns the "prog: where: what" shape and keeps the
 * worst level seen for the exit status.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const char	*progname = "sechub-tools";
static int		 quiet;
static int		 verbose;
/* atomic: programs with a sender thread (slack-notify) log from two threads */
static _Atomic int		 worst = LOG_DEBUG;
static _Atomic unsigned long	 counts[LOG_ERROR + 1];

void
log_init(const char *name)
{
	const char	*slash;

	if ((slash = strrchr(name, '/')) != NULL)
		name = slash + 1;
	progname = name;
}

const char *
log_progname(void)
{
	return progname;
}

void
log_set_quiet(int on)
{
	quiet = on;
}

void
log_set_verbose(int on)
{
	verbose = on;
}

int
log_verbose(void)
{
	return verbose;
}

void
log_raise(enum log_level level)
{
	int	 cur = atomic_load(&worst);

	while ((int)level > cur &&
	    !atomic_compare_exchange_weak(&worst, &cur, (int)level))
		;
}

void
log_vmsg(enum log_level level, const char *where, const char *fmt,
    va_list ap)
{
	char	 msg[2048], line[2048];
	size_t	 len;
	int	 n;

	if (level > LOG_ERROR)
		level = LOG_ERROR;
	counts[level]++;
	log_raise(level);
	if (level <= LOG_INFO && !verbose)
		return;
	if (level == LOG_WARN && quiet)
		return;

	n = snprintf(msg, sizeof msg, "%s: ", progname);
	if (where != NULL && n >= 0 && (size_t)n < sizeof msg)
		n += snprintf(msg + n, sizeof msg - n, "%s: ", where);
	if (n >= 0 && (size_t)n < sizeof msg)
		n += vsnprintf(msg + n, sizeof msg - n, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	/*
	 * One line that cannot drive the terminal, whatever the caller
	 * formatted and whatever the data held: control characters are
	 * shown escaped (see vis_str() in util.h).
	 */
	vis_str(line, sizeof line - 1, msg, (size_t)n);
	len = strlen(line);
	line[len++] = '\n';
	fflush(stdout);
	(void)!write(STDERR_FILENO, line, len);
}

void
log_msg(enum log_level level, const char *where, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(level, where, fmt, ap);
	va_end(ap);
}

void
fatal_usage(const char *where, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_USAGE, where, fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

void
fatal(const char *where, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, where, fmt, ap);
	va_end(ap);
	exit(EXIT_RUNTIME);
}

void
log_getopt_error(int ch, char **argv)
{
	if (ch == ':')
		log_msg(LOG_USAGE, argv[optind - 1], "missing argument");
	else if (optopt != 0)
		log_msg(LOG_USAGE, NULL, "-%c: unknown option", optopt);
	else
		log_msg(LOG_USAGE, argv[optind - 1], "unknown option");
}

unsigned long
log_count(enum log_level level)
{
	if (level > LOG_ERROR)
		return 0;
	return counts[level];
}

int
log_exit_status(void)
{
	switch (atomic_load(&worst)) {
	case LOG_REJECT:
		return EXIT_REJECTED;
	case LOG_USAGE:
		return EXIT_USAGE;
	case LOG_ERROR:
		return EXIT_RUNTIME;
	default:
		return EXIT_OK;
	}
}

void
log_close_stdout(void)
{
	int	 bad;

	bad = fflush(stdout) != 0 || ferror(stdout);
	if (!bad && fclose(stdout) != 0 && errno != EBADF)
		bad = 1;
	if (bad)
		log_error("stdout", "%s", strerror(errno));
}
