/*
 * jl.c: a resumable, validating scanner that splits a byte stream into JSON
 * texts (JSON lines, concatenated or pretty-printed documents), and the
 * reader built on it, which keeps every line within a bound (the writer is
 * in jl_writer.c).
 *
 * The scanner is a walker of its own (ev.c's parser cannot resume a record
 * that arrives in pieces) and bench/json/run keeps it so: it splits and
 * validates at 3.7 us an event, where ev_doc_parse takes 6.3 us.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jl.h"
#include "jtok_impl.h"
#include "util.h"

/* ---------------------------------------------------------------------
 * The scanner. It is fed a contiguous span (the current record, growing as
 * more input arrives) and remembers where it stopped, so a record that
 * arrives in pieces is scanned once, whatever its size.
 */

enum scan_state {
	S_VALUE,	/* a value is expected */
	S_FIRST_MEMBER,	/* after '{': a key or '}' */
	S_FIRST_ELEM,	/* after '[': a value or ']' */
	S_KEY,		/* after ',' in an object: a key */
	S_COLON,	/* after a key */
	S_AFTER,	/* after a value inside a container */
	S_STRING,	/* inside a string (key or value) */
	S_NUMBER,	/* inside a number; sub-state in num */
	S_LITERAL,	/* inside true/false/null */
	S_DONE
};

enum num_state {
	N_MINUS,	/* after '-' */
	N_ZERO,		/* a leading 0 */
	N_INT,		/* integer digits */
	N_DOT,		/* after '.' */
	N_FRAC,		/* fraction digits */
	N_E,		/* after 'e' */
	N_ESIGN,	/* after the exponent sign */
	N_EXP		/* exponent digits */
};

enum scan_result { SCAN_OK, SCAN_MORE, SCAN_ERR };

struct scanner {
	enum scan_state	 state;
	enum num_state	 num;
	int		 in_key;	/* the string being scanned is a key */
	const char	*literal;	/* "true", "false", "null" */
	size_t		 litpos;
	size_t		 pos;		/* offset from the record start */
	int		 depth;
	uint8_t		 stack[JL_MAX_DEPTH];	/* 1 object, 0 array */
	unsigned long	 newlines;	/* newlines seen inside the record */
	size_t		 last_nl;	/* offset after the last one */
	size_t		 errpos;
	const char	*err;
	char		 errbuf[64];
	int		 line_records;	/* '{' at column 0: JSON lines */
	int		 cut;		/* the record was cut at a line end */
	size_t		 col0;		/* bytes before the record on its line */
	size_t		 max_line;	/* longest line allowed */
	int		 toolong;	/* a line of the record is longer */
	size_t		 long_from;	/* where that line starts */
	unsigned long	 long_newlines;	/* newlines before it */
};

static void
scan_reset(struct scanner *sc)
{
	sc->state = S_VALUE;
	sc->in_key = 0;
	sc->pos = 0;
	sc->depth = 0;
	sc->newlines = 0;
	sc->last_nl = 0;
	sc->err = NULL;
	sc->line_records = 0;
	sc->cut = 0;
	sc->col0 = 0;
	sc->max_line = SIZE_MAX;
	sc->toolong = 0;
}

/*
 * Has a line of the record, seen up to offset upto (on its last line),
 * grown longer than the limit? Remembers the first such line.
 */
static int
scan_toolong(struct scanner *sc, size_t upto)
{
	size_t	 len;

	if (sc->toolong)
		return 1;
	len = upto - sc->last_nl;
	if (sc->newlines == 0 && len <= SIZE_MAX - sc->col0)
		len += sc->col0;
	if (len > sc->max_line) {
		sc->toolong = 1;
		sc->long_from = sc->last_nl;
		sc->long_newlines = sc->newlines;
	}
	return sc->toolong;
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
/* nonzero if some byte of x is below n (n <= 128) */
#define HAS_LESS(x, n)	(((x) - ONES * (n)) & ~(x) & HIGHS)
#define HAS_ZERO(x)	HAS_LESS(x, 1)
#define HAS_BYTE(x, b)	HAS_ZERO((x) ^ (ONES * (b)))

static int
scan_fail(struct scanner *sc, size_t pos, const char *why)
{
	sc->errpos = pos;
	sc->err = why;
	return SCAN_ERR;
}

static int
scan_fail_char(struct scanner *sc, size_t pos, unsigned char c,
    const char *expected)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(sc->errbuf, sizeof sc->errbuf, "%s, found '%c'",
		    expected, c);
	else
		snprintf(sc->errbuf, sizeof sc->errbuf, "%s, found byte 0x%02x",
		    expected, c);
	return scan_fail(sc, pos, sc->errbuf);
}

/* Scan inside a string from sc->pos; returns at the closing quote. */
static int
scan_string(struct scanner *sc, const unsigned char *s, size_t len, int eof)
{
	size_t	 i = sc->pos;
	int	 n;

	for (;;) {
		while (i + 8 <= len) {
			uint64_t	 w;

			memcpy(&w, s + i, 8);
			if (HAS_LESS(w, 0x20) | HAS_BYTE(w, '"') |
			    HAS_BYTE(w, '\\') | (w & HIGHS))
				break;
			i += 8;
		}
		while (i < len && jtok_plain[s[i]])
			i++;
		if (i >= len)
			break;
		switch (s[i]) {
		case '"':
			sc->pos = i + 1;
			return SCAN_OK;
		case '\\':
			switch (n = jtok_escape_len(s, i, len)) {
			case JTOK_MORE:
				goto more;
			case JTOK_BAD_ESCAPE:
				return scan_fail(sc, i,
				    "invalid escape in string");
			case JTOK_BAD_HEX:
				return scan_fail(sc, i, "invalid \\u escape");
			case JTOK_LONE_SURROGATE:
				return scan_fail(sc, i,
				    "lone surrogate in \\u escape");
			}
			i += (size_t)n;
			continue;
		default:
			if (s[i] < 0x20)
				return scan_fail(sc, i,
				    "control character in string");
			if ((n = utf8_seq_len(s + i, len - i)) == 0)
				return scan_fail(sc, i, "invalid UTF-8");
			if (n < 0)
				goto more;
			i += (size_t)n;
		}
	}
more:
	sc->pos = i;	/* resume at the start of the unfinished piece */
	if (eof)
		return scan_fail(sc, i, "unterminated string");
	return SCAN_MORE;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Scan a number from sc->pos in sub-state sc->num. */
static int
scan_number(struct scanner *sc, const unsigned char *s, size_t len, int eof)
{
	size_t	 i = sc->pos;

	for (; i < len; i++) {
		unsigned char	 c = s[i];

		switch (sc->num) {
		case N_MINUS:
			if (c == '0')
				sc->num = N_ZERO;
			else if (is_digit(c))
				sc->num = N_INT;
			else
				return scan_fail(sc, i, "invalid number");
			continue;
		case N_ZERO:
			if (is_digit(c))
				return scan_fail(sc, i,
				    "invalid number (leading zero)");
			/* FALLTHROUGH */
		case N_INT:
			if (is_digit(c))
				continue;
			if (c == '.') {
				sc->num = N_DOT;
				continue;
			}
			if (c == 'e' || c == 'E') {
				sc->num = N_E;
				continue;
			}
			goto end;
		case N_DOT:
			if (!is_digit(c))
				return scan_fail(sc, i, "invalid number");
			sc->num = N_FRAC;
			continue;
		case N_FRAC:
			if (is_digit(c))
				continue;
			if (c == 'e' || c == 'E') {
				sc->num = N_E;
				continue;
			}
			goto end;
		case N_E:
			if (c == '+' || c == '-') {
				sc->num = N_ESIGN;
				continue;
			}
			/* FALLTHROUGH */
		case N_ESIGN:
			if (!is_digit(c))
				return scan_fail(sc, i, "invalid number");
			sc->num = N_EXP;
			continue;
		case N_EXP:
			if (is_digit(c))
				continue;
			goto end;
		}
	}
	sc->pos = i;
	if (!eof)
		return SCAN_MORE;
end:
	sc->pos = i;
	if (sc->num == N_MINUS || sc->num == N_DOT || sc->num == N_E ||
	    sc->num == N_ESIGN)
		return scan_fail(sc, i, "invalid number");
	return SCAN_OK;
}

/*
 * Skip blanks from sc->pos, counting newlines. In a record that began
 * with '{' at column 0, a later line starting with '{' means the record was
 * cut short (a truncated JSON line): pretty-printers indent nested objects,
 * so that line is the next record. Returns the offset of the next token,
 * or len when more input is needed.
 */
static size_t
skip_ws(struct scanner *sc, const unsigned char *s, size_t len, int eof)
{
	size_t	 i = sc->pos;

	while (i < len) {
		unsigned char	 c = s[i];

		if (c == '\n') {
			if (sc->line_records && sc->depth > 0) {
				if (i + 1 >= len && !eof) {
					sc->pos = i;	/* look again with more */
					return len;
				}
				if (i + 1 < len && s[i + 1] == '{') {
					sc->cut = 1;
					sc->pos = i;
					return i;
				}
			}
			(void)scan_toolong(sc, i);
			sc->newlines++;
			sc->last_nl = i + 1;
		} else if (c != ' ' && c != '\t' && c != '\r')
			break;
		i++;
	}
	sc->pos = i;
	return i;
}

/* After a complete value: close it inside its container or finish. */
static void
value_done(struct scanner *sc)
{
	sc->state = sc->depth == 0 ? S_DONE : S_AFTER;
}

/*
 * Continue scanning the record s[0..len). SCAN_OK when a whole value has been
 * seen (sc->pos is just after it), SCAN_MORE when more input is needed,
 * SCAN_ERR with sc->err and sc->errpos.
 */
static int
scan(struct scanner *sc, const char *text, size_t len, int eof)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i;
	int			 r;

	for (;;) {
		switch (sc->state) {
		case S_DONE:
			return SCAN_OK;
		case S_STRING:
			if ((r = scan_string(sc, s, len, eof)) != SCAN_OK)
				return r;
			if (sc->in_key) {
				sc->in_key = 0;
				sc->state = S_COLON;
			} else
				value_done(sc);
			continue;
		case S_NUMBER:
			if ((r = scan_number(sc, s, len, eof)) != SCAN_OK)
				return r;
			value_done(sc);
			continue;
		case S_LITERAL:
			while (sc->literal[sc->litpos] != '\0') {
				if (sc->pos >= len) {
					if (eof)
						return scan_fail(sc, sc->pos,
						    "unexpected end of input");
					return SCAN_MORE;
				}
				if (s[sc->pos] != (unsigned char)
				    sc->literal[sc->litpos])
					return scan_fail(sc, sc->pos,
					    "invalid literal");
				sc->pos++;
				sc->litpos++;
			}
			value_done(sc);
			continue;
		default:
			break;
		}

		i = skip_ws(sc, s, len, eof);
		if (sc->cut)
			return scan_fail(sc, i,
			    "record cut short (the next line starts another)");
		if (i >= len) {
			if (eof)
				return scan_fail(sc, i, "unexpected end of input");
			return SCAN_MORE;
		}
		switch (sc->state) {
		case S_FIRST_MEMBER:
			if (s[i] == '}') {
				sc->depth--;
				sc->pos = i + 1;
				value_done(sc);
				continue;
			}
			/* FALLTHROUGH */
		case S_KEY:
			if (s[i] != '"')
				return scan_fail_char(sc, i, s[i],
				    sc->state == S_KEY ? "object key expected" :
				    "object key or '}' expected");
			sc->in_key = 1;
			sc->state = S_STRING;
			sc->pos = i + 1;
			continue;
		case S_COLON:
			if (s[i] != ':')
				return scan_fail_char(sc, i, s[i], "':' expected");
			sc->pos = i + 1;
			sc->state = S_VALUE;
			continue;
		case S_AFTER:
			if (s[i] == ',') {
				sc->pos = i + 1;
				sc->state = sc->stack[sc->depth - 1] ? S_KEY :
				    S_VALUE;
				continue;
			}
			if (s[i] == (sc->stack[sc->depth - 1] ? '}' : ']')) {
				sc->depth--;
				sc->pos = i + 1;
				value_done(sc);
				continue;
			}
			return scan_fail_char(sc, i, s[i],
			    sc->stack[sc->depth - 1] ? "',' or '}' expected" :
			    "',' or ']' expected");
		case S_FIRST_ELEM:
			if (s[i] == ']') {
				sc->depth--;
				sc->pos = i + 1;
				value_done(sc);
				continue;
			}
			/* FALLTHROUGH */
		case S_VALUE:
			break;
		default:
			abort();
		}

		/* a value starts at s[i] */
		switch (s[i]) {
		case '{':
		case '[':
			if (sc->depth == JL_MAX_DEPTH)
				return scan_fail(sc, i, "nesting deeper than "
				    "512 levels");
			sc->stack[sc->depth++] = s[i] == '{';
			sc->state = s[i] == '{' ? S_FIRST_MEMBER : S_FIRST_ELEM;
			sc->pos = i + 1;
			continue;
		case '"':
			sc->state = S_STRING;
			sc->pos = i + 1;
			continue;
		case 't':
		case 'f':
		case 'n':
			sc->literal = s[i] == 't' ? "true" : s[i] == 'f' ?
			    "false" : "null";
			sc->litpos = 0;
			sc->state = S_LITERAL;
			sc->pos = i;
			continue;
		case '-':
			sc->num = N_MINUS;
			break;
		case '0':
			sc->num = N_ZERO;
			break;
		default:
			if (!is_digit(s[i]))
				return scan_fail_char(sc, i, s[i],
				    "value expected");
			sc->num = N_INT;
			break;
		}
		sc->state = S_NUMBER;
		sc->pos = i + 1;
	}
}

size_t
jl_validate(const char *text, size_t len, char *reason, size_t reasonsz,
    size_t *errpos)
{
	struct scanner	*sc;
	size_t		 n = 0;

	sc = xmalloc(sizeof *sc);
	scan_reset(sc);
	if (scan(sc, text, len, 1) == SCAN_OK)
		n = sc->pos;
	else {
		if (reason != NULL)
			snprintf(reason, reasonsz, "%s", sc->err);
		if (errpos != NULL)
			*errpos = sc->errpos;
	}
	free(sc);
	return n;
}

/* ---------------------------------------------------------------------
 * The reader.
 */

#define READ_CHUNK	(256 * 1024)

struct jl_reader {
	int		 fd;
	int		 own_fd;
	char		*name;
	int		 eof;
	int		 at_start;	/* nothing consumed yet (BOM check) */
	char		*buf;
	size_t		 cap;
	size_t		 start;		/* first unconsumed byte */
	size_t		 end;		/* first byte not filled */
	int		 mem;		/* buf is the caller's memory */
	unsigned long	 line;		/* line of buf[start] */
	size_t		 col0;		/* bytes before buf[start] on its line */
	size_t		 peeklen;	/* jl_peek_line(): line length */
	int		 peeknl;	/* and whether a '\n' ends it */
	size_t		 max_line;	/* longest line read */
	int		 skipping;	/* inside a line too long: to its end */
	struct scanner	 sc;
};

static struct jl_reader *
reader_new(const char *name)
{
	struct jl_reader	*r;

	r = xcalloc(1, sizeof *r);
	r->fd = -1;
	r->name = xstrdup(strcmp(name, "-") == 0 ? "<stdin>" : name);
	r->line = 1;
	r->at_start = 1;
	r->max_line = JL_MAX_LINE_DEFAULT;
	return r;
}

void
jl_set_max_line(struct jl_reader *r, size_t max)
{
	r->max_line = max == 0 ? 1 : max;
}

struct jl_reader *
jl_open(const char *path, char **cause)
{
	struct jl_reader	*r;
	int			 fd;

	*cause = NULL;
	if (strcmp(path, "-") == 0)
		return jl_from_fd(STDIN_FILENO, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r = jl_from_fd(fd, path);
	r->own_fd = 1;
	return r;
}

struct jl_reader *
jl_from_fd(int fd, const char *name)
{
	struct jl_reader	*r;

	r = reader_new(name);
	r->fd = fd;
	r->cap = READ_CHUNK;
	r->buf = xmalloc(r->cap);
	return r;
}

struct jl_reader *
jl_from_mem(const char *text, size_t len, const char *name)
{
	struct jl_reader	*r;

	r = reader_new(name);
	r->buf = (char *)text;
	r->cap = r->end = len;
	r->mem = 1;
	r->eof = 1;
	return r;
}

void
jl_close(struct jl_reader *r)
{
	if (r == NULL)
		return;
	if (r->own_fd)
		close(r->fd);
	if (!r->mem)
		free(r->buf);
	free(r->name);
	free(r);
}

/*
 * Read more input, keeping buf[start..end). Returns 1 if bytes were added,
 * 0 at end of input, -1 on a read error.
 */
static int
refill(struct jl_reader *r)
{
	ssize_t	 n;

	if (r->eof)
		return 0;
	if (r->start > 0 && r->start == r->end)
		r->start = r->end = 0;
	if (r->end == r->cap) {
		if (r->start > r->cap / 2) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		} else {
			r->cap *= 2;
			r->buf = xrealloc(r->buf, r->cap);
		}
	}
	for (;;) {
		/* a chunk at a time, so a long line is seen growing */
		n = read(r->fd, r->buf + r->end, r->cap - r->end > READ_CHUNK ?
		    READ_CHUNK : r->cap - r->end);
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	if (n == -1)
		return -1;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

/*
 * The end of the line holding the byte at rel (offsets relative to
 * r->start, which refill() keeps valid): just after its '\n', or the end
 * of input. The line may not end past limit: 1 when it does (what was read
 * stays in the buffer). 0, or -1 on a read error.
 */
static int
line_end(struct jl_reader *r, size_t rel, size_t limit, size_t *out)
{
	size_t	 from = rel;
	int	 rv;

	for (;;) {
		size_t	 avail = r->end - r->start;
		char	*nl;

		if (from < avail) {
			nl = memchr(r->buf + r->start + from, '\n', avail - from);
			if (nl != NULL) {
				*out = (size_t)(nl - (r->buf + r->start)) + 1;
				return *out - 1 > limit ? 1 : 0;
			}
			from = avail;
		}
		if (avail > limit)
			return 1;
		if ((rv = refill(r)) == -1)
			return -1;
		if (rv == 0) {
			*out = r->end - r->start;
			return 0;
		}
	}
}

/* The offset past which the line starting at rel (col bytes before it on its
 * line) is longer than the reader allows. */
static size_t
line_limit(const struct jl_reader *r, size_t rel, size_t col)
{
	if (col >= r->max_line)
		return rel;
	if (r->max_line - col > SIZE_MAX - rel)
		return SIZE_MAX;
	return rel + (r->max_line - col);
}

/* Go on after n bytes, counting their lines. */
static void
consume(struct jl_reader *r, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (r->buf[r->start + k] == '\n') {
			r->line++;
			r->col0 = 0;
		} else
			r->col0++;
	}
	r->start += n;
}

/*
 * A line of the record is longer than the reader allows: reject the bytes
 * from the record's start to the end of that line. What the buffer holds is
 * handed back now; when the line goes on past it, err->more is set and
 * jl_skip() hands back the rest piece by piece, so the line is never held
 * whole and the reader goes on at the next line.
 */
static int
overlong(struct jl_reader *r, struct jl_error *err)
{
	struct scanner	*sc = &r->sc;
	size_t		 avail = r->end - r->start, from = sc->long_from;
	char		*nl;

	nl = memchr(r->buf + r->start + from, '\n', avail - from);
	err->raw = r->buf + r->start;
	err->rawlen = nl != NULL ? (size_t)(nl - (r->buf + r->start)) + 1 :
	    avail;
	err->file = r->name;
	err->line = r->line + sc->long_newlines;
	err->column = (unsigned long)(r->max_line > ULONG_MAX - 1 ?
	    ULONG_MAX : r->max_line + 1);
	err->toolong = 1;
	err->more = nl == NULL && !r->eof;
	snprintf(err->reason, sizeof err->reason, "line longer than %zu bytes",
	    r->max_line);
	consume(r, err->rawlen);
	r->skipping = err->more;
	scan_reset(sc);
	return JL_MALFORMED;
}

int
jl_skip(struct jl_reader *r, const char **piece, size_t *len)
{
	char	*nl;
	size_t	 n;
	int	 rv;

	*piece = NULL;
	*len = 0;
	while (r->skipping) {
		if (r->start == r->end) {
			if ((rv = refill(r)) == -1)
				return JL_IOERR;
			if (rv == 0) {
				r->skipping = 0;
				break;
			}
			continue;
		}
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		n = nl != NULL ? (size_t)(nl - (r->buf + r->start)) + 1 :
		    r->end - r->start;
		*piece = r->buf + r->start;
		*len = n;
		r->start += n;
		if (nl != NULL) {
			r->skipping = 0;
			r->line++;
			r->col0 = 0;
		} else
			r->col0 += n;
		return 1;
	}
	return 0;
}

/* The rest of a line too long that the caller did not take: dropped. */
static int
skip_rest(struct jl_reader *r)
{
	const char	*piece;
	size_t		 len;
	int		 rv;

	while ((rv = jl_skip(r, &piece, &len)) == 1)
		;
	return rv == JL_IOERR ? -1 : 0;
}

/*
 * Turn the scanner's error into a rejected record: the bytes from the
 * record's start to the end of the line where the problem was found. When
 * the problem is a '{' or '[' opening a later line, the record was cut
 * short (a truncated JSON line): that line is left for the next record.
 */
static int
malformed(struct jl_reader *r, struct jl_error *err)
{
	struct scanner	*sc = &r->sc;
	size_t		 errpos = sc->errpos, lstart = sc->last_nl, stop;
	size_t		 avail = r->end - r->start;
	int		 cut_short = sc->newlines > 0 && errpos < avail, rv;

	if (cut_short) {
		char	 c = r->buf[r->start + errpos];

		cut_short = c == '{' || c == '[';
		for (size_t k = lstart; cut_short && k < errpos; k++) {
			c = r->buf[r->start + k];
			if (c != ' ' && c != '\t' && c != '\r')
				cut_short = 0;
		}
	}
	if (sc->cut)
		stop = errpos + 1;	/* the truncated line, newline included */
	else if (cut_short)
		stop = lstart;
	else if ((rv = line_end(r, errpos, line_limit(r, lstart,
	    sc->newlines == 0 ? r->col0 : 0), &stop)) == -1)
		return JL_IOERR;
	else if (rv == 1) {
		/* the rest of the line is longer than allowed: not read whole */
		sc->toolong = 1;
		sc->long_from = lstart;
		sc->long_newlines = sc->newlines;
		return overlong(r, err);
	}

	err->raw = r->buf + r->start;
	err->rawlen = stop;
	err->more = 0;
	err->toolong = 0;
	err->file = r->name;
	err->line = r->line + sc->newlines;
	err->column = (unsigned long)(sc->newlines > 0 ? errpos - lstart :
	    r->col0 + errpos) + 1;
	if (errpos >= r->end - r->start && r->eof)
		snprintf(err->reason, sizeof err->reason,
		    "invalid JSON: %s at end of input", sc->err);
	else
		snprintf(err->reason, sizeof err->reason,
		    "invalid JSON: %s near column %lu", sc->err, err->column);

	/* go on after the rejected bytes, counting their lines */
	consume(r, stop);
	scan_reset(sc);
	return JL_MALFORMED;
}

/*
 * Skip blanks between records, counting lines, and a byte order mark at the
 * start of input: JL_RECORD when a record starts at buf[start].
 */
static int
skip_between(struct jl_reader *r)
{
	int	 rv;

	for (;;) {
		while (r->start < r->end) {
			char	 c = r->buf[r->start];

			if (c == '\n') {
				r->line++;
				r->col0 = 0;
			} else if (c != ' ' && c != '\t' && c != '\r')
				break;
			else
				r->col0++;
			r->start++;
		}
		if (r->start < r->end) {
			if (!r->at_start)
				return JL_RECORD;
			r->at_start = 0;
			while (r->end - r->start < 3 && !r->eof)
				if (refill(r) == -1)
					return JL_IOERR;
			if (r->end - r->start >= 3 &&
			    memcmp(r->buf + r->start, "\xef\xbb\xbf", 3) == 0)
				r->start += 3;
			continue;
		}
		if ((rv = refill(r)) == -1)
			return JL_IOERR;
		if (rv == 0)
			return JL_EOF;
	}
}

int
jl_peek_line(struct jl_reader *r, const char **text, size_t *len)
{
	size_t	 stop;
	int	 rv;

	if (r->skipping && skip_rest(r) == -1)
		return JL_IOERR;
	if ((rv = skip_between(r)) != JL_RECORD)
		return rv;
	if (line_end(r, 0, line_limit(r, 0, r->col0), &stop) != 0) {
		/*
		 * no line (a read error, or longer than allowed): jl_next()
		 * reads on and reports it
		 */
		r->peeknl = 0;
		r->peeklen = 0;
		*text = r->buf + r->start;
		*len = 0;
		return JL_RECORD;
	}
	r->peeknl = stop > 0 && r->buf[r->start + stop - 1] == '\n';
	r->peeklen = stop - (r->peeknl ? 1 : 0);
	*text = r->buf + r->start;
	*len = r->peeklen;
	return JL_RECORD;
}

void
jl_take_line(struct jl_reader *r, struct jl_record *rec, size_t len)
{
	rec->text = r->buf + r->start;
	rec->len = len;
	rec->file = r->name;
	rec->line = r->line;
	r->start += r->peeklen;
	if (r->peeknl) {
		r->start++;
		r->line++;
		r->col0 = 0;
	} else
		r->col0 += r->peeklen;
}

int
jl_next(struct jl_reader *r, struct jl_record *rec, struct jl_error *err)
{
	struct scanner	*sc = &r->sc;
	int		 rv;

	if (r->skipping && skip_rest(r) == -1)
		return JL_IOERR;
	if ((rv = skip_between(r)) != JL_RECORD)
		return rv;
	scan_reset(sc);
	sc->line_records = r->col0 == 0 && r->buf[r->start] == '{';
	sc->col0 = r->col0;
	sc->max_line = r->max_line;
	for (;;) {
		rv = scan(sc, r->buf + r->start, r->end - r->start, r->eof);
		if (rv == SCAN_OK) {
			if (scan_toolong(sc, sc->pos))
				return overlong(r, err);
			break;
		}
		if (rv == SCAN_ERR) {
			if (scan_toolong(sc, sc->errpos))
				return overlong(r, err);
			return malformed(r, err);
		}
		/*
		 * more input is needed: not while a line is too long (as far
		 * as it was scanned: the bytes after sc->pos, a newline the
		 * scanner looks past or a piece of an escape, are not yet
		 * counted, so a read that ends there decides nothing)
		 */
		if (scan_toolong(sc, sc->pos))
			return overlong(r, err);
		if ((rv = refill(r)) == -1)
			return JL_IOERR;
	}
	rec->text = r->buf + r->start;
	rec->len = sc->pos;
	rec->file = r->name;
	rec->line = r->line;
	r->line += sc->newlines;
	r->col0 = sc->newlines > 0 ? sc->pos - sc->last_nl : r->col0 + sc->pos;
	r->start += sc->pos;
	return JL_RECORD;
}

json_t *
jl_decode(const struct jl_record *rec, char *reason, size_t reasonsz)
{
	json_error_t	 e;
	json_t		*v;
	size_t		 flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;

	if ((v = json_loadb(rec->text, rec->len, flags, &e)) != NULL)
		return v;
	/* integers beyond 64 bits: keep the record, as a real */
	if (strstr(e.text, "too big") != NULL &&
	    (v = json_loadb(rec->text, rec->len,
	    flags | JSON_DECODE_INT_AS_REAL, &e)) != NULL)
		return v;
	if (reason != NULL)
		snprintf(reason, reasonsz, "%s", e.text);
	return NULL;
}

const char *
jl_where(const struct jl_record *rec)
{
	static char	 where[512];

	snprintf(where, sizeof where, "%s:%lu", rec->file, rec->line);
	return where;
}
