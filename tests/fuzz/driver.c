/*
 * driver.c: a main() for the fuzz targets when they are built without
 * libFuzzer (make check): runs each file named on the command line through
 * LLVMFuzzerTestOneInput once, so seeds and past findings stay regression
 * cases in every build, sanitizers and valgrind included.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char **argv)
{
	for (int k = 1; k < argc; k++) {
		FILE	*f;
		uint8_t	*data = NULL;
		size_t	 len = 0, cap = 0, n;

		if ((f = fopen(argv[k], "rb")) == NULL) {
			fprintf(stderr, "%s: %s\n", argv[k], strerror(errno));
			return 2;
		}
		do {
			if (len == cap) {
				cap = cap == 0 ? 65536 : cap * 2;
				if ((data = realloc(data, cap)) == NULL)
					abort();
			}
			n = fread(data + len, 1, cap - len, f);
			len += n;
		} while (n > 0);
		if (ferror(f)) {
			fprintf(stderr, "%s: read error\n", argv[k]);
			return 2;
		}
		fclose(f);
		/* a copy of exactly len bytes, so reads past the end are caught */
		{
			uint8_t	*exact = malloc(len == 0 ? 1 : len);

			if (exact == NULL)
				abort();
			memcpy(exact, data, len);
			LLVMFuzzerTestOneInput(exact, len);
			free(exact);
		}
		free(data);
	}
	return 0;
}
