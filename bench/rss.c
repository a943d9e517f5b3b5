/*
 * rss.c: run a command and print its peak RSS in KiB.  A small C parent
 * (not Python, whose own pages a vfork'd child would count) so the figure
 * is the command's alone.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage	ru;
	pid_t		pid;
	int		status, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: rss command [arg ...]\n");
		return 2;
	}
	if ((pid = fork()) == -1)
		return 1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1)
		return 1;
	printf("%ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
