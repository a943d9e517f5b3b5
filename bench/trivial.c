/* The yardstick: a C program that prints a constant line. */
#include <stdio.h>

int
main(void)
{
	puts("ya29.a-constant-line-as-long-as-a-short-token");
	return 0;
}
