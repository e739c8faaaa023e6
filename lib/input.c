/*
 * input.c: the record loop every program shares: files or stdin, valid
 * records handed back, malformed ones (lines too long among them, streamed)
 * reported and kept in --rejects, a rejects file that fails reported once.
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
	int			  rejects_errno;	/* the first write error */
	unsigned long		  nlost;	/* rejected, not kept */
	size_t			  max_line;
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
	in->max_line = JL_MAX_LINE_DEFAULT;
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	in->files = files;
	in->nfiles = nfiles;
	if (rejects != NULL) {
		/* rejected findings hold attacker data and customer details */
		in->rejects_fd = open_private(rejects, O_WRONLY | O_APPEND,
		    cause);
		if (in->rejects_fd == -1) {
			char	*c = *cause;

			xasprintf(cause, "--rejects %s", c);
			free(c);
			free(in);
			return NULL;
		}
		in->rejects_path = xstrdup(rejects);
	}
	return in;
}

void
input_set_max_line(struct input *in, size_t max)
{
	in->max_line = max;
	if (in->reader != NULL)
		jl_set_max_line(in->reader, max);
}

/* Append bytes to the rejects file; after a failure, nothing more. */
static int
write_rejects(struct input *in, const char *p, size_t len)
{
	size_t	 off = 0;

	while (off < len && in->rejects_errno == 0) {
		ssize_t	 n = write(in->rejects_fd, p + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			in->rejects_errno = errno;
		else
			off += (size_t)n;
	}
	return in->rejects_errno == 0 ? 0 : -1;
}

/*
 * Keep a rejected record, byte for byte, with a newline after it when it
 * has none. A failing rejects file (a full disk) is counted here and
 * reported once, with the count, by input_free().
 */
static void
keep_rejected(struct input *in, const char *raw, size_t len, int newline)
{
	in->nrejected++;
	if (in->rejects_fd == -1)
		return;
	if (write_rejects(in, raw, len) == 0 && newline &&
	    (len == 0 || raw[len - 1] != '\n'))
		(void)write_rejects(in, "\n", 1);
	if (in->rejects_errno != 0)
		in->nlost++;
}

/*
 * A line too long: what the reader had of it, then the rest as it comes,
 * straight to the rejects file (or nowhere), never held whole.
 */
static int
keep_long_line(struct input *in, const struct jl_error *err)
{
	const char	*piece;
	size_t		 len;
	int		 r = 0, nl = err->rawlen > 0 && err->raw[err->rawlen - 1] == '\n';

	in->nrejected++;
	if (in->rejects_fd != -1)
		(void)write_rejects(in, err->raw, err->rawlen);
	while (err->more && (r = jl_skip(in->reader, &piece, &len)) == 1) {
		if (in->rejects_fd != -1)
			(void)write_rejects(in, piece, len);
		nl = len > 0 && piece[len - 1] == '\n';
	}
	if (err->more && r == JL_IOERR)
		return -1;
	if (in->rejects_fd != -1 && !nl)
		(void)write_rejects(in, "\n", 1);
	if (in->rejects_fd != -1 && in->rejects_errno != 0)
		in->nlost++;
	return 0;
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
		if (in->reader != NULL) {
			jl_set_max_line(in->reader, in->max_line);
			return 1;
		}
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
			if (err.toolong) {
				log_reject(where, "%s (--max-line)", err.reason);
				if (keep_long_line(in, &err) == 0)
					continue;
				/* a read error inside the line */
				log_error(in->files[in->next_file - 1], "%s",
				    strerror(errno));
				jl_close(in->reader);
				in->reader = NULL;
				continue;
			}
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
	if (in->rejects_errno != 0)
		log_error(in->rejects_path, "%lu rejected record%s not kept: %s",
		    in->nlost, in->nlost == 1 ? "" : "s",
		    strerror(in->rejects_errno));
	jl_close(in->reader);
	if (in->rejects_fd != -1)
		close(in->rejects_fd);
	free(in->rejects_path);
	free(in);
}
