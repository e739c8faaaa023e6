/*
 * spool.c: input records kept in an unlinked temporary file until the
 * output, so that memory does not grow with the input.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "util.h"

struct spool {
	FILE		*f;
	char		*dir;
	int		 error;		/* the first write error (errno) */
};

struct spool *
spool_new(const char *dir, char **cause)
{
	struct spool	*sp;
	char		*path;
	int		 fd;

	*cause = NULL;
	if (dir == NULL && ((dir = getenv("TMPDIR")) == NULL || *dir == '\0'))
		dir = "/tmp";
	xasprintf(&path, "%s/%s.XXXXXX", dir, log_progname());
	/* mkstemp: O_EXCL, mode 0600; the name goes at once */
	if ((fd = mkstemp(path)) == -1) {
		xasprintf(cause, "%s: cannot keep the records for the output: "
		    "%s", dir, strerror(errno));
		free(path);
		return NULL;
	}
	unlink(path);
	free(path);
	sp = xcalloc(1, sizeof(*sp));
	sp->dir = xstrdup(dir);
	if ((sp->f = fdopen(fd, "w+")) == NULL) {
		xasprintf(cause, "%s: cannot keep the records for the output: "
		    "%s", dir, strerror(errno));
		close(fd);
		spool_free(sp);
		return NULL;
	}
	return sp;
}

/*
 * One record as one line. A valid JSON text has newlines (and carriage
 * returns) between its tokens only, never inside a string: as blanks they
 * change nothing.
 */
void
spool_add(struct spool *sp, const char *text, size_t len)
{
	size_t	 i, from = 0;

	for (i = 0; i < len; i++)
		if (text[i] == '\n' || text[i] == '\r') {
			fwrite(text + from, 1, i - from, sp->f);
			putc(' ', sp->f);
			from = i + 1;
		}
	fwrite(text + from, 1, len - from, sp->f);
	if (putc('\n', sp->f) == EOF && sp->error == 0)
		sp->error = errno;
}

int
spool_finish(struct spool *sp, char **cause)
{
	*cause = NULL;
	if (sp->error == 0 && (fflush(sp->f) == EOF || ferror(sp->f)))
		sp->error = errno != 0 ? errno : EIO;
	if (sp->error == 0)
		return 0;
	xasprintf(cause, "%s: cannot keep the records for the output: %s",
	    sp->dir, strerror(sp->error));
	return -1;
}

struct jl_reader *
spool_reader(struct spool *sp)
{
	rewind(sp->f);
	return jl_from_fd(fileno(sp->f), "<records>");
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->f != NULL)
		fclose(sp->f);
	free(sp->dir);
	free(sp);
}
