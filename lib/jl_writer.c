/*
 * jl_writer.c: the JSON-lines writer: compact JSON, one line per record,
 * one write(2) per record to a pipe or terminal, batched to a file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include "jl.h"
#include "util.h"

#define WRITE_BUFSZ	(64 * 1024)

struct jl_writer {
	int		 fd;
	int		 buffered;	/* regular file: batch records */
	struct buf	 out;
	int		 failed;
};

struct jl_writer *
jl_writer_new(int fd, const char *name)
{
	struct jl_writer	*w;
	struct stat		 st;

	(void)name;
	w = xcalloc(1, sizeof *w);
	w->fd = fd;
	w->buffered = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	buf_init(&w->out);
	return w;
}

int
jl_writer_flush(struct jl_writer *w)
{
	size_t	 off = 0;

	if (w->failed) {
		errno = w->failed;
		return -1;
	}
	while (off < w->out.len) {
		ssize_t	 n = write(w->fd, w->out.data + off, w->out.len - off);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			w->failed = errno;
			buf_reset(&w->out);
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(&w->out);
	return 0;
}

static int
record_end(struct jl_writer *w)
{
	buf_addc(&w->out, '\n');
	if (!w->buffered || w->out.len >= WRITE_BUFSZ)
		return jl_writer_flush(w);
	return 0;
}

int
jl_write_raw(struct jl_writer *w, const char *text, size_t len)
{
	if (w->failed) {
		errno = w->failed;
		return -1;
	}
	buf_add(&w->out, text, len);
	return record_end(w);
}

static int
dump_cb(const char *text, size_t len, void *arg)
{
	buf_add(arg, text, len);
	return 0;
}

int
jl_write(struct jl_writer *w, const json_t *v)
{
	if (w->failed) {
		errno = w->failed;
		return -1;
	}
	if (json_dump_callback(v, dump_cb, &w->out,
	    JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
		errno = EINVAL;
		return -1;
	}
	return record_end(w);
}

int
jl_writer_free(struct jl_writer *w)
{
	int	 r;

	if (w == NULL)
		return 0;
	r = jl_writer_flush(w);
	buf_free(&w->out);
	free(w);
	return r;
}
