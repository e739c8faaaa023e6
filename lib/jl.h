/*
 * jl.h: a reader over a stream of JSON texts and a writer of JSON lines.
 *
 * The reader accepts JSON lines, but also concatenated and pretty-printed
 * documents (`aws ... get-findings` prints one pretty document), CRLF, blank
 * lines, a last line without newline and lines up to a maximum length
 * (JL_MAX_LINE_DEFAULT unless jl_set_max_line() says otherwise). Each record
 * is validated (JSON grammar, UTF-8, nesting depth) exactly once. A
 * malformed record is returned as JL_MALFORMED with the whole lines it
 * occupied, and the reader goes on at the next line. A line longer than the
 * maximum is never held whole: it is a JL_MALFORMED whose bytes come in
 * pieces (jl_skip()), and the reader goes on at the next line.
 */
#ifndef SECHUB_JL_H
#define SECHUB_JL_H

#include <stddef.h>
#include <jansson.h>

#define JL_MAX_DEPTH	512	/* deeper nesting is rejected */
/* longer lines are rejected: 64 times EventBridge's 256 KB event limit */
#define JL_MAX_LINE_DEFAULT	((size_t)16 * 1024 * 1024)

/* A valid JSON text. Borrowed from the reader until the next jl_next(). */
struct jl_record {
	const char	*text;	/* the value's bytes, no surrounding blanks */
	size_t		 len;
	const char	*file;	/* name given to the reader ("-" -> "<stdin>") */
	unsigned long	 line;	/* line of the first byte, from 1 */
};

/* A malformed record. Borrowed from the reader until the next jl_next(). */
struct jl_error {
	const char	*raw;	/* the rejected bytes, line terminators included */
	size_t		 rawlen;
	const char	*file;
	unsigned long	 line;	/* where the problem was found */
	unsigned long	 column;	/* byte column on that line, from 1 */
	char		 reason[160];	/* "invalid JSON: ... near column N" */
	int		 toolong;	/* "line longer than N bytes" */
	int		 more;		/* the line goes on: see jl_skip() */
};

enum jl_status {
	JL_IOERR = -1,	/* read error: errno is set */
	JL_EOF = 0,
	JL_RECORD = 1,
	JL_MALFORMED = 2
};

struct jl_reader;

/* Open a file ("-" is stdin). NULL and *cause (caller frees) on error. */
struct jl_reader *jl_open(const char *, char **);
/* Read from a descriptor the caller owns; name is used in messages. */
struct jl_reader *jl_from_fd(int, const char *);
/* Read from memory (not copied; must outlive the reader). */
struct jl_reader *jl_from_mem(const char *, size_t, const char *);
void	 jl_close(struct jl_reader *);
/* The longest line allowed, in bytes (at least 1). */
void	 jl_set_max_line(struct jl_reader *, size_t);
int	 jl_next(struct jl_reader *, struct jl_record *, struct jl_error *);
/*
 * After a JL_MALFORMED with err->more set (a line too long, cut where the
 * buffer ended): 1 and the next piece of the rejected line, borrowed until
 * the next call; the last piece holds the line's newline. 0 once the line
 * has ended (at its newline or the end of input), JL_IOERR on a read error.
 * A caller that does not want the bytes need not call it: jl_next() and
 * jl_peek_line() drop the rest of the line themselves.
 */
int	 jl_skip(struct jl_reader *, const char **, size_t *);

/*
 * A fast path for a program that validates records itself (sh-match).
 * jl_peek_line() skips blanks between records as jl_next() does and hands
 * back the rest of the current line, line terminator excluded, unvalidated:
 * JL_RECORD, JL_EOF or JL_IOERR (a read error inside the line, or a line
 * longer than allowed, gives an empty line instead: jl_next() then meets
 * and reports it). If the caller finds that the line holds exactly one
 * valid JSON text of len bytes followed by blanks only, jl_take_line()
 * consumes the line and fills the record as jl_next() would have; in every
 * other case the caller calls jl_next(), which validates from the same
 * place, so records, rejects and messages stay the same. The line is read whole before it is handed
 * back (up to the maximum): a record's last byte is seen once its line
 * ends (or input ends).
 */
int	 jl_peek_line(struct jl_reader *, const char **, size_t *);
void	 jl_take_line(struct jl_reader *, struct jl_record *, size_t);

/*
 * Validate one complete JSON text in buf. Returns the number of bytes the
 * value occupies (leading blanks included, trailing not), or 0 with reason
 * filled (and *errpos the offset of the problem) if it is not valid. Used
 * by the reader; exposed for tests and for code that checks embedded JSON.
 */
size_t	 jl_validate(const char *, size_t, char *, size_t, size_t *);

/*
 * Decode a record into a jansson value. Integers beyond 64 bits are decoded
 * as reals rather than rejected. NULL and reason on failure.
 */
json_t	*jl_decode(const struct jl_record *, char *, size_t);

/* "file:line" of a record, in a static buffer (for log_msg's where). */
const char *jl_where(const struct jl_record *);

/*
 * The writer: compact JSON, one line per record, written with one write(2)
 * per record. Output to a pipe or terminal is flushed per record (so
 * `tail -f | ...` streams); output to a regular file is buffered.
 */
struct jl_writer;

struct jl_writer *jl_writer_new(int, const char *);
/* Write a value as one compact line. 0, or -1 with errno set. */
int	 jl_write(struct jl_writer *, const json_t *);
/* Write bytes as one line (a newline is appended). 0 or -1. */
int	 jl_write_raw(struct jl_writer *, const char *, size_t);
int	 jl_writer_flush(struct jl_writer *);
/* Flush and free (the descriptor is not closed). 0 or -1 on write error. */
int	 jl_writer_free(struct jl_writer *);

#endif
