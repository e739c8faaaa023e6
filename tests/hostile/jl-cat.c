/*
 * jl-cat.c: a minimal filter on the shared record loop (lib/input), for the
 * hostile-input tests: decodes every record and writes it back compact, as
 * every program does before looking at fields. Not installed.
 *   jl-cat [--max-line BYTES] [--rejects FILE] [FILE ...]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "jl.h"
#include "log.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct input		*in;
	struct jl_writer	*w;
	struct jl_record	 rec;
	const char		*rejects = NULL;
	char			*cause, reason[160];
	size_t			 max_line = 0;
	json_t			*v;
	int			 k = 1;

	log_init(argv[0]);
	if (k + 1 < argc && strcmp(argv[k], "--max-line") == 0) {
		if (parse_size(argv[k + 1], &max_line, &cause) != 0)
			fatal_usage("--max-line", "%s", cause);
		k += 2;
	}
	if (k + 1 < argc && strcmp(argv[k], "--rejects") == 0) {
		rejects = argv[k + 1];
		k += 2;
	}
	if ((in = input_new(argv + k, argc - k, rejects, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (max_line > 0)
		input_set_max_line(in, max_line);
	w = jl_writer_new(STDOUT_FILENO, "<stdout>");
	while (input_next(in, &rec)) {
		if ((v = jl_decode(&rec, reason, sizeof reason)) == NULL) {
			input_reject(in, &rec, "%s", reason);
			continue;
		}
		if (jl_write(w, v) != 0)
			fatal(NULL, "write error");
		json_decref(v);
	}
	if (jl_writer_free(w) != 0)
		log_error(NULL, "write error");
	input_free(in);
	log_close_stdout();
	return log_exit_status();
}
