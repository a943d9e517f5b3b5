/*
 * file.c: reading a small file that is already open into memory,
 * writing one atomically, and waiting for a lock on one.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vtoken.h"
#include "file.h"
#include "secret.h"
#include "xmalloc.h"

/* Read all of a regular file of at most max bytes; see file.h. */
int
file_read_fd(int fd, size_t max, char **bufp, size_t *lenp, size_t *capp)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;
	int		 r = -1, saved;

	*bufp = NULL;
	*lenp = 0;
	if (capp != NULL)
		*capp = 0;
	if (fstat(fd, &st) == -1)
		goto out;
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		errno = EINVAL;
		goto out;
	}
	if ((uintmax_t)st.st_size > max || (uintmax_t)st.st_size >= SIZE_MAX) {
		errno = EFBIG;
		goto out;
	}

	/*
	 * One byte more than fstat said: filling it means the file grew
	 * since, and the caller is told to try again rather than given a
	 * buffer that was grown (and copied) or a truncated read.  When it
	 * is not filled, it holds the NUL.
	 */
	cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap);
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap) {
		errno = EAGAIN;
		goto out;
	}
	buf[len] = '\0';

	*bufp = buf;
	buf = NULL;
	*lenp = len;
	if (capp != NULL)
		*capp = cap;
	r = 0;
out:
	saved = errno;
	secret_freezero(buf, cap);
	errno = saved;
	return r;
}

const char *
file_home(void)
{
	const char	*home;
	struct passwd	*pw;

	if ((home = getenv("HOME")) != NULL && *home != '\0')
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    *pw->pw_dir != '\0')
		return pw->pw_dir;
	return NULL;
}

const char *
file_strerror(int err, size_t max)
{
	static char	big[96];

	switch (err) {
	case EINVAL:
		return "it is not a regular file";
	case EFBIG:
		snprintf(big, sizeof big, "it is too large (larger than %zu "
		    "bytes); is it the right file?", max);
		return big;
	case EAGAIN:
		return "it changed while being read; try again";
	default:
		return strerror(err);
	}
}

/* 1 if path is a private regular file of ours holding exactly data. */
static int
file_same(const char *path, const char *data, size_t len)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 n, cap = 0;
	int		 fd, same = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
	    (size_t)st.st_size == len &&
	    file_read_fd(fd, len + 1, &buf, &n, &cap) == 0)
		same = n == len && memcmp(buf, data, len) == 0;
	secret_freezero(buf, cap);
	close(fd);
	return same;
}

int
file_write_atomic(const char *path, const char *data, size_t len)
{
	char	*tmp, *slash, *dir;
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd = -1, dfd, r = -1, saved;

	if (file_same(path, data, len))
		return 1;
	/* mkstemp makes the file 0600, next to the target. */
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1)
		goto out;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	/* The rename itself, durable. */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dir);
	r = 0;
out:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (r != 0)
		(void)unlink(tmp);
	free(tmp);
	errno = saved;
	return r;
}

const char *
file_untrusted(int fd, char *buf, size_t bufsz)
{
	struct stat	st;

	if (fstat(fd, &st) != 0)
		snprintf(buf, bufsz, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(buf, bufsz, "it is not a regular file");
	else if (st.st_uid != geteuid())
		snprintf(buf, bufsz, "it belongs to uid %lu",
		    (unsigned long)st.st_uid);
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		snprintf(buf, bufsz, "others may write to it");
	else
		return NULL;
	return buf;
}

/* SIGALRM's handler while waiting for a lock: it only interrupts flock(). */
static void
file_lock_alarm(int sig)
{
	(void)sig;
}

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

int
file_lock_wait(int fd, double secs)
{
	struct sigaction	 sa, old;
	struct sigevent		 sev;
	struct itimerspec	 its;
	timer_t			 timer;
	double			 end;
	int			 r, saved;

	if ((r = flock(fd, LOCK_EX | LOCK_NB)) == 0 || errno != EWOULDBLOCK)
		return r;
	if (secs <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	end = vt_now_mono() + secs;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = file_lock_alarm;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old) == -1)
		return -1;
	/* To this thread only: the keyring's threads must not take it. */
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) == -1) {
		saved = errno;
		sigaction(SIGALRM, &old, NULL);
		errno = saved;
		return -1;
	}
	/*
	 * First at the deadline, then every 50 ms: a signal that came just
	 * before flock() was entered would otherwise be lost.
	 */
	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = (time_t)secs;
	its.it_value.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) + 1;
	its.it_interval.tv_nsec = 50 * 1000 * 1000;
	if (timer_settime(timer, 0, &its, NULL) == -1) {
		saved = errno;
		timer_delete(timer);
		sigaction(SIGALRM, &old, NULL);
		errno = saved;
		return -1;
	}
	while ((r = flock(fd, LOCK_EX)) == -1 && errno == EINTR &&
	    vt_now_mono() < end)
		;
	saved = errno;
	timer_delete(timer);
	sigaction(SIGALRM, &old, NULL);
	if (r == -1)
		errno = saved == EINTR ? ETIMEDOUT : saved;
	return r;
}
