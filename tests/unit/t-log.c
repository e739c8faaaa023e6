/* t-log.c: the diagnostics funnel's exit-status bookkeeping and format. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char *
capture_stderr(void (*fn)(void))
{
	char	 path[] = "/tmp/t-log.XXXXXX";
	static char out[4096];
	int	 fd, saved;
	ssize_t	 n;

	fd = mkstemp(path);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof out - 1);
	out[n < 0 ? 0 : n] = '\0';
	close(fd);
	unlink(path);
	return out;
}

static void
emit_reject(void)
{
	log_reject("in.jsonl:42", "invalid JSON: %s", "'}' expected\nnear");
}

/* what a finding field could hold: terminal escapes, C1, bad UTF-8 */
static void
emit_hostile(void)
{
	log_warn("f.jsonl:1", "HostIp \"%s\": not an IP address",
	    "\033]0;owned\a\033[2J\r\t\b\v\f\x7f\xc2\x9b" "6n\x9b\xff"
	    "\xc3\xa9\xe2\x82\xac ok\\");
}

static void
emit_long(void)
{
	char	 big[4000];

	memset(big, '\033', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_warn(NULL, "%s", big);
}

static void
emit_quiet(void)
{
	log_set_quiet(1);
	log_warn(NULL, "should not be seen");
	log_info(NULL, "nor this");
	log_set_quiet(0);
}

static void
emit_verbose(void)
{
	log_set_verbose(1);
	log_info("UpdateRuleGroup", "attempt %d", 2);
	log_set_verbose(0);
}

int
main(void)
{
	log_init("/usr/bin/sh-test");
	is_str(log_progname(), "sh-test", "program name without directory");
	is_int(log_exit_status(), EXIT_OK, "status starts at 0");
	is_str(capture_stderr(emit_reject),
	    "sh-test: in.jsonl:42: invalid JSON: '}' expected\\nnear\n",
	    "prog: where: what, on one line (a newline shown as \\n)");
	is_int(log_exit_status(), EXIT_REJECTED, "a rejected record gives 1");
	is_str(capture_stderr(emit_hostile),
	    "sh-test: f.jsonl:1: HostIp \"\\033]0;owned\\a\\033[2J\\r\\t\\b\\v"
	    "\\f\\177\\302\\2336n\\233\\377\xc3\xa9\xe2\x82\xac ok\\\": not an IP "
	    "address\n",
	    "control characters, C1 and bad UTF-8 are shown escaped; "
	    "UTF-8 text and backslashes are kept");
	{
		const char	*out = capture_stderr(emit_long);
		size_t		 n = strlen(out);

		ok(n > 1000 && n <= 2048 && out[n - 1] == '\n' &&
		    strchr(out, '\033') == NULL && strcmp(out + n - 5,
		    "\\033\n") == 0, "a long message is cut between escapes "
		    "(%zu bytes)", n);
	}
	is_str(capture_stderr(emit_quiet), "", "--quiet hides warnings");
	is_int(log_exit_status(), EXIT_REJECTED, "warnings keep the status");
	is_str(capture_stderr(emit_verbose),
	    "sh-test: UpdateRuleGroup: attempt 2\n", "--verbose shows notes");
	log_raise(LOG_ERROR);
	is_int(log_exit_status(), EXIT_RUNTIME, "a runtime error gives 3");
	log_raise(LOG_REJECT);
	is_int(log_exit_status(), EXIT_RUNTIME, "the worst level stays");
	is_int(log_count(LOG_REJECT), 1, "rejections are counted");
	return done_testing();
}
