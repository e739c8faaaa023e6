/* t-util.c: growable buffers, formatting and wiping. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

int
main(void)
{
	struct buf	 b;
	char		*s, secret[] = "hunter2";

	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i);
	ok(b.len == strlen(buf_cstr(&b)), "buffer length matches its text");
	ok(strncmp(b.data, "0,1,2,", 6) == 0, "buffer keeps order");
	ok(strcmp(b.data + b.len - 4, "999,") == 0, "buffer grows past 4 KB");
	buf_reset(&b);
	is_str(buf_cstr(&b), "", "reset empties the buffer");
	buf_free(&b);
	buf_free(&b);
	ok(b.data == NULL, "free twice is harmless");

	xasprintf(&s, "%s-%03d", "x", 7);
	is_str(s, "x-007", "xasprintf formats");
	free(s);
	s = xstrndup("abcdef", 3);
	is_str(s, "abc", "xstrndup cuts");
	free(s);

	wipe(secret, strlen(secret));
	ok(memcmp(secret, "\0\0\0\0\0\0\0", 7) == 0, "wipe zeroes a secret");
	freezero_str(NULL);
	ok(1, "freezero_str(NULL) is harmless");
	return done_testing();
}
