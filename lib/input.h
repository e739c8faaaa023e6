/*
 * input.h: the record loop shared by every program that reads records.
 *
 * Walks the files named on the command line (or stdin; "-" is stdin), hands
 * back valid records, and deals with the rest the same way everywhere: a
 * malformed record is reported through the log funnel as
 * "prog: file:line: invalid JSON: ..." (status EXIT_REJECTED) and appended,
 * byte for byte, to the --rejects file if one was given; an unreadable file
 * is reported (EXIT_RUNTIME) and skipped. The rejects file is created mode
 * 0600 and never through a symbolic link; when writing to it fails (a full
 * disk), input_free() says so once, with the number of records not kept
 * (EXIT_RUNTIME).
 *
 * Programs that reject a valid record for their own reasons (a bad HostIp)
 * call input_reject() so it lands in the same rejects file.
 */
#ifndef SECHUB_INPUT_H
#define SECHUB_INPUT_H

#include "jl.h"

struct input;

/*
 * files: argv-style list (n may be 0: stdin). rejects: path or NULL.
 * NULL and *cause if the rejects file cannot be opened.
 */
struct input *input_new(char **, int, const char *, char **);
/*
 * The longest line read (JL_MAX_LINE_DEFAULT unless set): a longer one is
 * rejected as "file:line: line longer than N bytes (--max-line)" and copied
 * to the rejects file as it streams past, never held whole.
 */
void	 input_set_max_line(struct input *, size_t);
/* 1 and a record, or 0 at the end of all input. */
int	 input_next(struct input *, struct jl_record *);
/*
 * The fast path (see jl_peek_line()): 1 and the next line of input,
 * unvalidated, or 0 at the end of all input. The caller then either takes
 * the line as a record of len bytes it has validated itself with
 * input_take_line(), or calls input_next() as usual.
 */
int	 input_peek_line(struct input *, const char **, size_t *);
void	 input_take_line(struct input *, struct jl_record *, size_t);
/* Reject a valid record with a reason; "why" is printed after file:line. */
void	 input_reject(struct input *, const struct jl_record *, const char *,
	    ...) __attribute__((format(printf, 3, 4)));
/* Counts so far. */
unsigned long input_records(const struct input *);
unsigned long input_rejected(const struct input *);
/* Files that could not be opened, or ended in a read error. */
unsigned long input_errors(const struct input *);
void	 input_free(struct input *);

#endif
