/*
 * fuzz-jl.c: the JSON-lines reader and its validating scanner (lib/jl).
 *
 * Checks, for any input: records and rejected bytes tile the input with
 * only blanks between them; every record validates alone and is valid for
 * jansson; and the scanner agrees with jansson on whether the whole input
 * is one JSON text. Built as fuzz-jlpipe (JL_PIPE), it also checks that the
 * reader gives the same records and errors whether the input is in memory
 * or arrives through a pipe in small pieces (the scanner is resumable);
 * that is slower, hence a target of its own. Both are done again with a
 * small line limit (1 to 64 bytes, from the input's length): records,
 * rejected bytes and the pieces of lines too long (jl_skip()) still tile
 * the input, no record reaches past the limit on any of its lines, and
 * memory and pipe still agree.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"
#include "jl.h"
#include "util.h"

#ifdef JL_PIPE
struct feeder {
	int		 rfd, wfd;
	const uint8_t	*data;
	size_t		 len;
	uint32_t	 seed;
};

/* Write the input in pieces of 1..64 bytes, one piece in the pipe at a time,
 * so each read(2) of the reader returns exactly one piece. */
static void *
feed(void *arg)
{
	struct feeder	*f = arg;
	uint32_t	 h = f->seed;
	size_t		 off = 0;

	while (off < f->len) {
		size_t	 n;
		int	 queued;

		h = h * 1103515245u + 12345u;
		n = 1 + (h >> 16) % 64;
		if (n > f->len - off)
			n = f->len - off;
		while (ioctl(f->rfd, FIONREAD, &queued) == 0 && queued > 0)
			sched_yield();
		if (write(f->wfd, f->data + off, n) != (ssize_t)n)
			abort();
		off += n;
	}
	close(f->wfd);
	return NULL;
}
#endif

/*
 * Run a reader to the end (with a line limit unless max is 0), describing
 * every record and error, and the rest of a line too long, in out.
 */
static void
describe(struct jl_reader *r, size_t max, struct buf *out)
{
	struct jl_record	 rec;
	struct jl_error		 err;
	const char		*piece;
	size_t			 plen;
	int			 st;

	if (max > 0)
		jl_set_max_line(r, max);
	while ((st = jl_next(r, &rec, &err)) != JL_EOF) {
		CHECK(st == JL_RECORD || st == JL_MALFORMED, "status %d", st);
		if (st == JL_RECORD) {
			buf_addf(out, "R %lu %zu:", rec.line, rec.len);
			buf_add(out, rec.text, rec.len);
		} else {
			/* how much of a long line came with the error depends
			 * on the reads: the whole rejected line is compared */
			struct buf	 rej;

			buf_init(&rej);
			buf_add(&rej, err.raw, err.rawlen);
			while (err.more && jl_skip(r, &piece, &plen) == 1)
				buf_add(&rej, piece, plen);
			buf_addf(out, "E %lu.%lu %s %zu:", err.line, err.column,
			    err.reason, rej.len);
			buf_add(out, rej.data, rej.len);
			buf_free(&rej);
		}
		buf_addc(out, '\n');
	}
}

static int
blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Only blanks between from and to; before the first record, also one BOM
 * after the leading blanks. */
static int
gap_ok(const uint8_t *data, size_t from, size_t to, int first)
{
	size_t	 k = from;

	while (k < to && blank(data[k]))
		k++;
	if (first && to - k >= 3 && memcmp(data + k, "\xef\xbb\xbf", 3) == 0)
		k += 3;
	while (k < to && blank(data[k]))
		k++;
	return k == to;
}

/* The longest part of a line in data[off..end), counting from the start of
 * the line holding data[off]; the byte order mark at bom (the reader skips
 * it) is not counted. */
static size_t
longest_line(const uint8_t *data, size_t off, size_t end, size_t bom)
{
	size_t	 start = off, best = 0, n;

	while (start > 0 && data[start - 1] != '\n')
		start--;
	for (size_t k = start; k <= end; k++) {
		if (k == end || data[k] == '\n') {
			n = k - start;
			if (bom >= start && bom < k)
				n -= 3;
			if (n > best)
				best = n;
			start = k + 1;
		}
	}
	return best;
}

/* With a small line limit: records and rejected bytes, long lines' pieces
 * included, tile the input; no record reaches past the limit. */
static void
check_limit(const uint8_t *data, size_t len, size_t max)
{
	struct jl_reader	*r;
	struct jl_record	 rec;
	struct jl_error		 err;
	const char		*piece;
	size_t			 at = 0, plen, bom = 0;
	int			 st, first = 1;

	/* a byte order mark after the leading blanks */
	while (bom < len && blank(data[bom]))
		bom++;
	if (len - bom < 3 || memcmp(data + bom, "\xef\xbb\xbf", 3) != 0)
		bom = SIZE_MAX;
	r = jl_from_mem((const char *)data, len, "mem");
	jl_set_max_line(r, max);
	while ((st = jl_next(r, &rec, &err)) != JL_EOF) {
		const char	*p = st == JL_RECORD ? rec.text : err.raw;
		size_t		 off = (size_t)(p - (const char *)data);
		size_t		 l = st == JL_RECORD ? rec.len : err.rawlen;

		CHECK(off >= at && off + l <= len, "limit %zu: out of order",
		    max);
		CHECK(gap_ok(data, at, off, first), "limit %zu: bytes "
		    "%zu..%zu skipped", max, at, off);
		first = 0;
		at = off + l;
		if (st == JL_RECORD) {
			CHECK(longest_line(data, off, off + l, bom) <= max,
			    "limit %zu: a record on a longer line", max);
			continue;
		}
		CHECK(err.toolong || strncmp(err.reason, "invalid JSON: ",
		    14) == 0, "reason: %s", err.reason);
		while (err.more && jl_skip(r, &piece, &plen) == 1) {
			CHECK(piece == (const char *)data + at,
			    "limit %zu: a piece out of place", max);
			at += plen;
		}
	}
	CHECK(gap_ok(data, at, len, first), "limit %zu: trailing bytes %zu.. "
	    "skipped", max, at);
	jl_close(r);
}

static int
depth_of(json_t *v)
{
	int		 d = 0, k;
	size_t		 i;
	const char	*key;
	json_t		*e;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if ((k = depth_of(e)) > d)
				d = k;
		return d + 1;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, key, e)
			if ((k = depth_of(e)) > d)
				d = k;
		return d + 1;
	}
	return 0;
}

/* Failures of jansson that are not failures of the JSON grammar. */
static int
jansson_limit(const char *reason)
{
	return strstr(reason, "overflow") != NULL ||
	    strstr(reason, "too big") != NULL ||
	    strstr(reason, "NUL byte in object key") != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char		*text = (const char *)data;
	struct jl_reader	*r;
	struct jl_record	 rec;
	struct jl_error		 err;
	struct buf		 a;
#ifdef JL_PIPE
	struct buf		 b;
	struct feeder		 f;
	pthread_t		 t;
	int			 fds[2];
#endif
	int			 st, first = 1;
	size_t			 at = 0, n, pos, small = 1 + len % 64;
	char			 reason[160];
	json_error_t		 je;
	json_t			*v;

	for (int pass = 0; pass < 2; pass++) {
		size_t	 max = pass == 0 ? 0 : small;

		/* 1. in memory */
		buf_init(&a);
		r = jl_from_mem(text, len, "mem");
		describe(r, max, &a);
		jl_close(r);

#ifdef JL_PIPE
		/* 2. the same bytes through a pipe, in pieces */
		if (pipe(fds) == -1)
			abort();
		f.rfd = fds[0];
		f.wfd = fds[1];
		f.data = data;
		f.len = len;
		f.seed = (uint32_t)len * 2654435761u ^ (len > 0 ? data[0] : 0);
		if (pthread_create(&t, NULL, feed, &f) != 0)
			abort();
		buf_init(&b);
		r = jl_from_fd(fds[0], "mem");
		describe(r, max, &b);
		jl_close(r);
		pthread_join(t, NULL);
		close(fds[0]);
		CHECK(a.len == b.len && (a.len == 0 ||
		    memcmp(a.data, b.data, a.len) == 0),
		    "memory and pipe readers differ (line limit %zu):\n"
		    "--- memory\n%.*s--- pipe\n%.*s", max,
		    (int)a.len, a.data, (int)b.len, b.data);
		buf_free(&b);
#endif
		buf_free(&a);
	}
	check_limit(data, len, small);

	/* 3. records and rejected bytes tile the input */
	r = jl_from_mem(text, len, "mem");
	while ((st = jl_next(r, &rec, &err)) != JL_EOF) {
		const char	*p = st == JL_RECORD ? rec.text : err.raw;
		size_t		 off = (size_t)(p - text);
		size_t		 l = st == JL_RECORD ? rec.len : err.rawlen;

		CHECK(off >= at && off + l <= len, "out of order");
		CHECK(gap_ok(data, at, off, first), "bytes %zu..%zu skipped",
		    at, off);
		first = 0;
		at = off + l;
		CHECK(l > 0, "empty record or error");
		if (st == JL_MALFORMED) {
			CHECK(strncmp(err.reason, "invalid JSON: ", 14) == 0,
			    "reason: %s", err.reason);
			continue;
		}
		CHECK(!blank(data[off]) && !blank(data[off + l - 1]),
		    "record with blanks around it");
		n = jl_validate(rec.text, rec.len, reason, sizeof reason, &pos);
		CHECK(n == rec.len, "record does not validate alone: %s",
		    reason);
		v = jl_decode(&rec, reason, sizeof reason);
		CHECK(v != NULL || jansson_limit(reason),
		    "valid record jansson rejects: %s: %.*s", reason,
		    (int)rec.len, rec.text);
		json_decref(v);
	}
	CHECK(gap_ok(data, at, len, first), "trailing bytes %zu.. skipped", at);
	jl_close(r);

	/* 4. the whole input as one JSON text: scanner and jansson agree */
	reason[0] = '\0';
	n = jl_validate(text, len, reason, sizeof reason, &pos);
	if (n > 0)
		for (size_t k = n; k < len && n > 0; k++)
			if (!blank(data[k]))
				n = 0;
	/* jansson stops at a NUL byte after a value ("true\0" is accepted):
	 * no comparison for inputs that hold one */
	if (memchr(data, '\0', len) != NULL)
		return 0;
	v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL |
	    JSON_DECODE_INT_AS_REAL, &je);
	if (v != NULL) {
		CHECK(n > 0 || (depth_of(v) > JL_MAX_DEPTH &&
		    strstr(reason, "nesting") != NULL),
		    "jansson accepts, scanner rejects: %s",
		    n == 0 && reason[0] != '\0' ? reason : "trailing bytes");
		json_decref(v);
	} else
		CHECK(n == 0 || jansson_limit(je.text) ||
		    strstr(je.text, "maximum parsing depth") != NULL,
		    "scanner accepts, jansson rejects: %s", je.text);
	return 0;
}
