/*
 * jparse.c: the baseline of bench/match/run: parse every line of a file
 * with jansson into a DOM, and nothing else (what a DOM-per-event design
 * pays before it starts matching). Prints the number of lines parsed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

int
main(int argc, char **argv)
{
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	unsigned long	 ok = 0;
	json_error_t	 e;
	json_t		*v;

	if (argc != 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: jparse file\n");
		return 2;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		if ((v = json_loadb(line, (size_t)n, 0, &e)) != NULL) {
			ok++;
			json_decref(v);
		}
	}
	printf("%lu\n", ok);
	free(line);
	fclose(fp);
	return 0;
}
