/*
 * input.c: the record loop every program shares: files or stdin, valid
 * records handed back, malformed ones reported and kept in --rejects.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "log.h"
#include "util.h"

struct input {
	char			**files;
	int			  nfiles;
	int			  next_file;
	struct jl_reader	 *reader;
	int			  rejects_fd;
	char			 *rejects_path;
	unsigned long		  nrecords;
	unsigned long		  nrejected;
	unsigned long		  nerrors;	/* files not read to the end */
};

static char *stdin_only[] = { "-", NULL };

struct input *
input_new(char **files, int nfiles, const char *rejects, char **cause)
{
	struct input	*in;

	*cause = NULL;
	in = xcalloc(1, sizeof *in);
	in->rejects_fd = -1;
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	in->files = files;
	in->nfiles = nfiles;
	if (rejects != NULL) {
		in->rejects_fd = open(rejects,
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (in->rejects_fd == -1) {
			xasprintf(cause, "--rejects %s: %s", rejects,
			    strerror(errno));
			free(in);
			return NULL;
		}
		in->rejects_path = xstrdup(rejects);
	}
	return in;
}

static void
keep_rejected(struct input *in, const char *raw, size_t len, int newline)
{
	struct buf	 b;
	size_t		 off = 0;

	in->nrejected++;
	if (in->rejects_fd == -1)
		return;
	buf_init(&b);
	buf_add(&b, raw, len);
	if (newline && (len == 0 || raw[len - 1] != '\n'))
		buf_addc(&b, '\n');
	while (off < b.len) {
		ssize_t	 n = write(in->rejects_fd, b.data + off, b.len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_error(in->rejects_path, "%s", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	buf_free(&b);
}

/*
 * Make in->reader the next readable file's, reporting the ones that cannot
 * be opened. 0 when no file is left.
 */
static int
open_next(struct input *in)
{
	char	*cause;

	while (in->next_file < in->nfiles) {
		in->reader = jl_open(in->files[in->next_file++], &cause);
		if (in->reader != NULL)
			return 1;
		log_error(NULL, "%s", cause);
		free(cause);
		in->nerrors++;
	}
	return 0;
}

int
input_next(struct input *in, struct jl_record *rec)
{
	struct jl_error	 err;
	int		 r;

	for (;;) {
		if (in->reader == NULL && !open_next(in))
			return 0;
		r = jl_next(in->reader, rec, &err);
		switch (r) {
		case JL_RECORD:
			in->nrecords++;
			return 1;
		case JL_MALFORMED: {
			char	 where[512];

			snprintf(where, sizeof where, "%s:%lu", err.file,
			    err.line);
			log_reject(where, "%s", err.reason);
			/* the bytes as they came; a missing final newline is added */
			keep_rejected(in, err.raw, err.rawlen, 1);
			continue;
		}
		case JL_IOERR:
			log_error(in->files[in->next_file - 1], "%s",
			    strerror(errno));
			in->nerrors++;
			/* FALLTHROUGH */
		default:
			jl_close(in->reader);
			in->reader = NULL;
			continue;
		}
	}
}

int
input_peek_line(struct input *in, const char **text, size_t *len)
{
	int	 r;

	for (;;) {
		if (in->reader == NULL && !open_next(in))
			return 0;
		if ((r = jl_peek_line(in->reader, text, len)) == JL_RECORD)
			return 1;
		if (r == JL_IOERR) {
			log_error(in->files[in->next_file - 1], "%s",
			    strerror(errno));
			in->nerrors++;
		}
		jl_close(in->reader);
		in->reader = NULL;
	}
}

void
input_take_line(struct input *in, struct jl_record *rec, size_t len)
{
	jl_take_line(in->reader, rec, len);
	in->nrecords++;
}

void
input_reject(struct input *in, const struct jl_record *rec, const char *fmt,
    ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_REJECT, jl_where(rec), fmt, ap);
	va_end(ap);
	keep_rejected(in, rec->text, rec->len, 1);
}

unsigned long
input_records(const struct input *in)
{
	return in->nrecords;
}

unsigned long
input_rejected(const struct input *in)
{
	return in->nrejected;
}

unsigned long
input_errors(const struct input *in)
{
	return in->nerrors;
}

void
input_free(struct input *in)
{
	if (in == NULL)
		return;
	jl_close(in->reader);
	if (in->rejects_fd != -1)
		close(in->rejects_fd);
	free(in->rejects_path);
	free(in);
}
