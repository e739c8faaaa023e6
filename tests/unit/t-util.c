/*
 * t-util.c: growable buffers, formatting and wiping; no core dumps, private
 * files, sizes, and values shown in messages.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

static const char *
size_of(const char *text)
{
	static char	 out[64];
	char		*cause;
	size_t		 n;

	if (parse_size(text, &n, &cause) != 0) {
		snprintf(out, sizeof out, "error: %s", cause);
		free(cause);
	} else
		snprintf(out, sizeof out, "%zu", n);
	return out;
}

static const char *
shown(const char *s, size_t len)
{
	static char	 buf[VALUE_SHOW_SIZE];

	return show_value(buf, s, len);
}

static void
test_private_files(void)
{
	char		 dir[] = "/tmp/t-util.XXXXXX", path[64], link[64];
	char		*cause;
	struct stat	 st;
	mode_t		 old;
	int		 fd;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/rejects", dir);
	snprintf(link, sizeof link, "%s/link", dir);
	old = umask(0);
	fd = open_private(path, O_WRONLY | O_APPEND, &cause);
	umask(old);
	ok(fd != -1 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "a file created is mode 0600, whatever the umask");
	if (fd != -1)
		close(fd);
	chmod(path, 0640);
	fd = open_private(path, O_WRONLY | O_APPEND, &cause);
	ok(fd != -1 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640,
	    "an existing file is opened as it is");
	if (fd != -1)
		close(fd);
	symlink(path, link);
	fd = open_private(link, O_WRONLY | O_APPEND, &cause);
	ok(fd == -1 && cause != NULL && strstr(cause, "/link: is a symbolic "
	    "link: refusing to follow it") != NULL, "a symbolic link is refused: "
	    "%s", cause ? cause : "(opened)");
	free(cause);
	unlink(link);
	symlink("/nonexistent/target", link);
	fd = open_private(link, O_WRONLY | O_APPEND, &cause);
	ok(fd == -1 && cause != NULL && strstr(cause, "symbolic link") != NULL &&
	    access("/nonexistent/target", F_OK) != 0,
	    "a dangling symbolic link is refused, nothing created");
	free(cause);
	snprintf(path, sizeof path, "%s/no/such", dir);
	fd = open_private(path, O_WRONLY, &cause);
	ok(fd == -1 && cause != NULL && strstr(cause, "No such file") != NULL,
	    "other errors say why: %s", cause ? cause : "(opened)");
	free(cause);
	unlink(link);
	snprintf(path, sizeof path, "%s/rejects", dir);
	unlink(path);
	rmdir(dir);
}

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

	is_str(size_of("16777216"), "16777216", "a size in bytes");
	is_str(size_of("64K"), "65536", "K");
	is_str(size_of("16M"), "16777216", "M");
	is_str(size_of("1g"), "1073741824", "g");
	is_str(size_of("0"), "error: 0: must be at least 1 byte", "0 refused");
	is_str(size_of("12MB"), "error: 12MB: not a size (bytes, or a number "
	    "with K, M or G)", "MB refused");
	is_str(size_of("-1"), "error: -1: not a size (bytes, or a number "
	    "with K, M or G)", "negative refused");
	is_str(size_of(""), "error: : not a size (bytes, or a number "
	    "with K, M or G)", "empty refused");
	is_str(size_of("99999999999999999999999"),
	    "error: 99999999999999999999999: too large", "huge refused");
	is_str(size_of("9999999999G"), "error: 9999999999G: too large",
	    "huge with a unit refused");

	{
		char	 out[64];
		size_t	 n;

		n = vis_str(out, sizeof out, "a\033[31m\x7f\xc2\x85\xff\0z", 12);
		is_str(out, "a\\033[31m\\177\\302\\205\\377\\000z",
		    "vis: ESC, DEL, C1 in UTF-8, a bad byte, NUL");
		is_int(n, 12, "vis: every source byte shown");
		n = vis_str(out, 8, "ab\033cd", 5);
		is_str(out, "ab\\033c", "vis: cut to the buffer, never inside an "
		    "escape");
		is_int(n, 4, "vis: says how much was shown");
		n = vis_str(out, 5, "ab\xe2\x82\xac", 5);
		is_str(out, "ab", "vis: never inside a character");
	}
	is_str(shown("1.2.3", 5), "1.2.3", "a short value is shown whole");
	{
		char	 big[200];

		memset(big, 'x', sizeof big);
		is_int(strlen(shown(big, sizeof big)), VALUE_SHOW_MAX + 3,
		    "a long value is cut to VALUE_SHOW_MAX bytes and \"...\"");
		memset(big, '\033', sizeof big);
		is_int(strlen(shown(big, sizeof big)), VALUE_SHOW_MAX * 4 + 3,
		    "escapes do not shorten what is shown");
		memset(big, 'x', sizeof big);
		memcpy(big + VALUE_SHOW_MAX - 1, "\xe2\x82\xac", 3);
		ok(strcmp(shown(big, sizeof big) + VALUE_SHOW_MAX - 1, "...") == 0,
		    "a character is not split at the cut");
	}
	is_str(shown("10.0.0.1\0x", 10), "10.0.0.1\\000x",
	    "an embedded NUL is shown, not an end");

	test_private_files();

	{
		struct rlimit	 rl = { RLIM_INFINITY, RLIM_INFINITY };
		char		*cause;

		(void)setrlimit(RLIMIT_CORE, &rl);
		ok(no_core_dumps(&cause) == 0, "no_core_dumps succeeds");
		ok(getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 &&
		    rl.rlim_max == 0, "RLIMIT_CORE is 0, soft and hard");
		is_int(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0,
		    "the process is not dumpable");
	}
	return done_testing();
}
