/*
 * jl.c: a resumable, validating scanner that splits a byte stream into JSON
 * texts (JSON lines, concatenated or pretty-printed documents), the reader
 * built on it, and the JSON-lines writer.
 *
 * The scanner is a walker of its own (ev.c's parser cannot resume a record
 * that arrives in pieces) and bench/json/run keeps it so: it splits and
 * validates at 3.7 us an event, where ev_doc_parse takes 6.3 us.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
			if ((n = jtok_utf8_len(s + i, len - i)) == 0)
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
	return r;
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
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
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
 * of input. 0, or -1 on a read error.
 */
static int
line_end(struct jl_reader *r, size_t rel, size_t *out)
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
				return 0;
			}
			from = avail;
		}
		if ((rv = refill(r)) == -1)
			return -1;
		if (rv == 0) {
			*out = r->end - r->start;
			return 0;
		}
	}
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
	int		 cut_short = sc->newlines > 0 && errpos < avail;

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
	else if (line_end(r, errpos, &stop) == -1)
		return JL_IOERR;

	err->raw = r->buf + r->start;
	err->rawlen = stop;
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
	for (size_t k = 0; k < stop; k++) {
		if (r->buf[r->start + k] == '\n') {
			r->line++;
			r->col0 = 0;
		} else
			r->col0++;
	}
	r->start += stop;
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

	if ((rv = skip_between(r)) != JL_RECORD)
		return rv;
	if (line_end(r, 0, &stop) == -1) {
		/* no line: jl_next() reads on and reports the error */
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

	if ((rv = skip_between(r)) != JL_RECORD)
		return rv;
	scan_reset(sc);
	sc->line_records = r->col0 == 0 && r->buf[r->start] == '{';
	for (;;) {
		rv = scan(sc, r->buf + r->start, r->end - r->start, r->eof);
		if (rv == SCAN_OK)
			break;
		if (rv == SCAN_ERR)
			return malformed(r, err);
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

/* ---------------------------------------------------------------------
 * The writer.
 */

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
