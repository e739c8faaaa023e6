/*
 * spool.h: records kept out of memory until the output, for a program that
 * must read all of its input before it can say what became of each record
 * (nfw-sync): an unlinked temporary file, mode 0600, one record a line.
 * The records read back are valid JSON texts, as they were given (a
 * pretty-printed record on one line: its newlines were blanks between
 * tokens).
 */
#ifndef SECHUB_SPOOL_H
#define SECHUB_SPOOL_H

#include <stddef.h>

#include "jl.h"

struct spool;

/*
 * A new spool in dir (NULL: $TMPDIR, else /tmp), named after the program
 * until this returns, then not at all. NULL and *cause on failure.
 */
struct spool *spool_new(const char *, char **);
/* Keep a record. A write error is kept for spool_finish(). */
void	 spool_add(struct spool *, const char *, size_t);
/* Done adding: 0, or -1 and *cause (the first write error). */
int	 spool_finish(struct spool *, char **);
/* A reader of the records kept, from the first (the caller closes it). */
struct jl_reader *spool_reader(struct spool *);
void	 spool_free(struct spool *);

#endif
