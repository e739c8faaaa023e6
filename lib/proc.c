/*
 * proc.c: start pipelines of the toolkit's programs and collect their exit
 * statuses, for sechub.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

/* Where our own programs are: $SECHUB_BINDIR, else beside us, else "". */
static const char *
bindir(void)
{
	static char	 dir[PATH_MAX];
	static int	 done;
	const char	*env;
	ssize_t		 n;
	char		*slash;

	if (done)
		return dir;
	done = 1;
	if ((env = getenv("SECHUB_BINDIR")) != NULL && *env != '\0') {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	if ((n = readlink("/proc/self/exe", dir, sizeof(dir) - 1)) <= 0) {
		dir[0] = '\0';
		return dir;
	}
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	return dir;
}

/* exec argv, beside us if the program is there; returns on failure. */
static void
exec_program(char **argv)
{
	char	 path[PATH_MAX];

	if (strchr(argv[0], '/') == NULL && *bindir() != '\0' &&
	    snprintf(path, sizeof(path), "%s/%s", bindir(), argv[0]) <
	    (int)sizeof(path) && access(path, X_OK) == 0)
		execv(path, argv);
	execvp(argv[0], argv);
}

/* In the child: exec argv, or say why not. */
static void __attribute__((noreturn))
exec_stage(char **argv)
{
	exec_program(argv);
	fprintf(stderr, "sechub: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void
proc_exec(char **argv, char **cause)
{
	fflush(NULL);
	exec_program(argv);
	xasprintf(cause, "%s: %s", argv[0], strerror(errno));
}

const char *
proc_self(void)
{
	static char	 self[PATH_MAX];
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return NULL;
	self[n] = '\0';
	return self;
}

static int
null_fd(int flags)
{
	return open("/dev/null", flags | O_CLOEXEC);
}

int
proc_pipeline(const struct proc_stage *st, size_t n, int in_fd, int out_fd,
    int *status, char **cause)
{
	pid_t	*pids = xcalloc(n, sizeof(*pids));
	int	 prev = in_fd >= 0 ? in_fd : null_fd(O_RDONLY), p[2], out, w;
	int	 own_prev = in_fd < 0;
	size_t	 i, started = 0;

	*cause = NULL;
	for (i = 0; i < n; i++) {
		if (i + 1 < n) {
			if (pipe2(p, O_CLOEXEC) != 0) {
				xasprintf(cause, "pipe: %s", strerror(errno));
				break;
			}
			out = p[1];
		} else
			out = out_fd >= 0 ? out_fd : null_fd(O_WRONLY);
		fflush(NULL);
		if ((pids[i] = fork()) == -1) {
			xasprintf(cause, "fork: %s", strerror(errno));
			if (i + 1 < n) {
				close(p[0]);
				close(p[1]);
			} else if (out_fd < 0)
				close(out);
			break;
		}
		if (pids[i] == 0) {
			signal(SIGPIPE, SIG_DFL);
			if (dup2(prev, 0) == -1 || dup2(out, 1) == -1)
				_exit(127);
			exec_stage(st[i].argv);
		}
		started++;
		if (own_prev || i > 0)
			close(prev);
		if (i + 1 < n)
			close(p[1]);
		else if (out_fd < 0)
			close(out);
		prev = i + 1 < n ? p[0] : -1;
	}
	if (prev >= 0 && (own_prev || started > 0))
		close(prev);
	for (i = 0; i < n; i++) {
		status[i] = 127;
		if (i >= started)
			continue;
		while (waitpid(pids[i], &w, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(w))
			status[i] = WEXITSTATUS(w);
		else if (WIFSIGNALED(w))
			status[i] = 128 + WTERMSIG(w);
	}
	free(pids);
	return started == n ? 0 : -1;
}

int
proc_failed(const int *status, size_t n, int min)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (status[i] >= min)
			return (int)i;
	return -1;
}

int
proc_tmpfile(char **cause)
{
	const char	*dir = getenv("TMPDIR");
	char		*path;
	int		 fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600)) != -1)
		return fd;
	xasprintf(&path, "%s/sechub.XXXXXX", dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		xasprintf(cause, "%s: %s", dir, strerror(errno));
	else
		unlink(path);
	free(path);
	return fd;
}

void
proc_argv_init(struct proc_argv *a, const char *prog)
{
	memset(a, 0, sizeof(*a));
	proc_argv_add(a, prog);
}

void
proc_argv_add(struct proc_argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

void
proc_argv_addf(struct proc_argv *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	proc_argv_add(a, s);
	free(s);
}

void
proc_argv_free(struct proc_argv *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}
