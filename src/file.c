/*
 * file.c: filesystem primitives (file.h): the environment's paths, the
 * checks on an open descriptor, private directories, reading a small
 * file, replacing one atomically, and lock files.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/random.h>
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
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

/* Tries at a temporary name before giving up (another file has each). */
#define FILE_TEMP_TRIES	100

const char *
file_getenv(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

const char *
file_home(void)
{
	const char	*home;
	struct passwd	*pw;

	if ((home = file_getenv("HOME")) != NULL)
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    *pw->pw_dir != '\0')
		return pw->pw_dir;
	return NULL;
}

char *
file_expand_home(const char *path)
{
	const char	*home = file_home();

	if (strncmp(path, "~/", 2) == 0 && home != NULL)
		return xasprintf("%s/%s", home, path + 2);
	return xstrdup(path);
}

char *
file_xdg_dir(const char *var, const char *home_sub)
{
	const char	*v, *home;

	if ((v = getenv(var)) != NULL && v[0] == '/')
		return xasprintf("%s/vtoken", v);
	if (home_sub == NULL || (home = file_home()) == NULL)
		return NULL;
	return xasprintf("%s/%s/vtoken", home, home_sub);
}

int
file_open_read(int dfd, const char *path, int flags)
{
	return openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK | ((flags & FILE_NOFOLLOW) != 0 ? O_NOFOLLOW : 0));
}

int
file_check(int fd, int flags, struct stat *st)
{
	struct stat	sb;

	if (st == NULL)
		st = &sb;
	if (fstat(fd, st) == -1)
		return FILE_BAD_ERRNO;
	if ((flags & FILE_DIR) != 0 ? !S_ISDIR(st->st_mode) :
	    !S_ISREG(st->st_mode))
		return FILE_BAD_TYPE;
	if ((flags & FILE_ANY_OWNER) == 0 && st->st_uid != geteuid() &&
	    ((flags & FILE_ROOT_OK) == 0 || st->st_uid != 0))
		return FILE_BAD_OWNER;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return FILE_BAD_WRITABLE;
	if ((flags & FILE_PRIVATE) != 0 && (st->st_mode & 077) != 0)
		return FILE_BAD_SHARED;
	return FILE_OK;
}

const char *
file_untrusted(int fd, int flags, char *buf, size_t bufsz)
{
	struct stat	st;

	switch (file_check(fd, flags, &st)) {
	case FILE_OK:
		return NULL;
	case FILE_BAD_TYPE:
		snprintf(buf, bufsz, "it is not a %s", (flags & FILE_DIR) != 0 ?
		    "directory" : "regular file");
		break;
	case FILE_BAD_OWNER:
		snprintf(buf, bufsz, "it belongs to uid %lu",
		    (unsigned long)st.st_uid);
		break;
	case FILE_BAD_WRITABLE:
		snprintf(buf, bufsz, "others may write to it");
		break;
	case FILE_BAD_SHARED:
		snprintf(buf, bufsz, "it is mode %03o; others may open it",
		    (unsigned)(st.st_mode & 0777));
		break;
	default:
		snprintf(buf, bufsz, "%s", strerror(errno));
		break;
	}
	return buf;
}

/*
 * 1 if open(O_NOFOLLOW) failed with err because path is a symlink: ELOOP,
 * or with O_DIRECTORY ENOTDIR, which Linux reports first.
 */
static int
file_is_link(const char *path, int err)
{
	struct stat	st;

	if (err == ELOOP)
		return 1;
	return err == ENOTDIR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/*
 * mkdir path 0700, and with parents its missing parents first (their
 * errors are left to the last mkdir and the open after it).  0 made or
 * already there, else -1 with errno.
 */
static int
file_mkdir(char *path, int parents)
{
	char	*p;

	for (p = path; parents && *p != '\0' &&
	    (p = strchr(p + 1, '/')) != NULL;) {
		*p = '\0';
		(void)mkdir(path, 0700);
		*p = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
file_dir_open(const char *path, int flags, int *dfd)
{
	struct stat	 st;
	char		*copy;
	int		 fd, bad, made = 0, saved;

	*dfd = -1;
	if ((flags & FILE_MKDIR) != 0) {
		copy = xstrdup(path);
		if (file_mkdir(copy, (flags & FILE_PARENTS) != 0) == -1)
			made = errno;
		free(copy);
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    ((flags & FILE_FOLLOW) != 0 ? 0 : O_NOFOLLOW))) == -1) {
		if (file_is_link(path, errno))
			return FILE_BAD_LINK;
		if (made != 0) {
			errno = made;
			return FILE_BAD_MKDIR;
		}
		return FILE_BAD_ERRNO;
	}
	bad = file_check(fd, FILE_DIR | FILE_PRIVATE, &st);
	/*
	 * Ours, and nobody else could have put anything in it: it is only
	 * readable by others.  Private, as what goes in it is.
	 */
	if (bad == FILE_BAD_SHARED && fchmod(fd, st.st_mode & 0700) == 0) {
		log_info("directory '%s' was mode %03o; made it 0700", path,
		    (unsigned)(st.st_mode & 0777));
		bad = FILE_OK;
	}
	if (bad != FILE_OK) {
		saved = errno;
		close(fd);
		errno = saved;
		return bad;
	}
	*dfd = fd;
	return FILE_OK;
}

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

/* 1 if name in dfd is a private regular file of ours holding exactly data. */
static int
file_same(int dfd, const char *name, const char *data, size_t len)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 n, cap = 0;
	int		 fd, same = 0;

	if ((fd = file_open_read(dfd, name, FILE_NOFOLLOW)) == -1)
		return 0;
	if (file_check(fd, FILE_PRIVATE, &st) == FILE_OK &&
	    (size_t)st.st_size == len &&
	    file_read_fd(fd, len + 1, &buf, &n, &cap) == 0)
		same = n == len && memcmp(buf, data, len) == 0;
	secret_freezero(buf, cap);
	close(fd);
	return same;
}

/* n letters and digits, from getrandom(), else from the clock and pid. */
static void
file_temp_suffix(char *s, size_t n)
{
	static const char	 set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned long	 seq;
	unsigned char		 r[16];
	struct timespec		 ts;
	unsigned long		 v;
	size_t			 i;

	if (n > sizeof r || getrandom(r, n, GRND_NONBLOCK) != (ssize_t)n) {
		/* Only uniqueness matters: O_EXCL refuses a taken name. */
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (unsigned long)ts.tv_nsec ^ (unsigned long)getpid() << 20 ^
		    ++seq * 2654435761UL;
		for (i = 0; i < n && i < sizeof r; i++, v /= sizeof set - 1)
			r[i] = (unsigned char)(v % (sizeof set - 1));
	}
	for (i = 0; i < n; i++)
		s[i] = set[r[i] % (sizeof set - 1)];
}

/* Create a new temporary file "<name>.XXXXXX" in dfd; *tmp its name. */
static int
file_temp(int dfd, const char *name, char **tmp)
{
	char	*t;
	size_t	 len;
	int	 fd, i;

	t = xasprintf("%s.XXXXXX", name);
	len = strlen(t);
	for (i = 0; i < FILE_TEMP_TRIES; i++) {
		file_temp_suffix(t + len - 6, 6);
		/* O_EXCL|O_NOFOLLOW: nothing planted at the name is used. */
		fd = openat(dfd, t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1)
		free(t);
	else
		*tmp = t;
	return fd;
}

/* Write all of buf to fd. */
static int
file_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_replace_at(int dfd, const char *name, const char *data, size_t len)
{
	char	*tmp = NULL;
	int	 fd, r = -1, saved;

	if (file_same(dfd, name, data, len))
		return 1;
	if ((fd = file_temp(dfd, name, &tmp)) == -1)
		return -1;
	if (file_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		goto out;
	}
	if (close(fd) != 0 || renameat(dfd, tmp, dfd, name) != 0)
		goto out;
	/* The rename itself, durable. */
	(void)fsync(dfd);
	r = 0;
out:
	saved = errno;
	if (r != 0)
		(void)unlinkat(dfd, tmp, 0);
	free(tmp);
	errno = saved;
	return r;
}

int
file_write_atomic(const char *path, const char *data, size_t len)
{
	const char	*slash, *name;
	char		*dir;
	int		 dfd, r, saved;

	if ((slash = strrchr(path, '/')) == NULL) {
		dir = xstrdup(".");
		name = path;
	} else {
		dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
		name = slash + 1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd == -1)
		return -1;
	r = file_replace_at(dfd, name, data, len);
	saved = errno;
	close(dfd);
	errno = saved;
	return r;
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

/*
 * Take an exclusive flock() on fd, waiting at most secs seconds (see
 * file_lock()).  0 locked; -1 with errno (ETIMEDOUT when time ran out).
 */
static int
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

/* Open the lock file name in dfd (created if create), if it is private. */
static int
file_lock_open(int dfd, const char *name, int create, char *why,
    size_t whysz)
{
	int	fd;

	fd = openat(dfd, name, O_RDWR | (create ? O_CREAT : 0) | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(why, whysz, "%s", strerror(errno));
		return -1;
	}
	if (file_untrusted(fd, FILE_PRIVATE, why, whysz) != NULL) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
file_lock_try(int dfd, const char *name, int flags, char *why, size_t whysz)
{
	int	fd, saved;

	if ((fd = file_lock_open(dfd, name, (flags & FILE_LOCK_NOCREATE) == 0,
	    why, whysz)) == -1)
		return -1;
	if (flock(fd, ((flags & FILE_LOCK_SHARED) != 0 ? LOCK_SH : LOCK_EX) |
	    LOCK_NB) == -1) {
		saved = errno;
		snprintf(why, whysz, "%s", saved == EWOULDBLOCK ? "another "
		    "process holds it" : strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
file_lock(int dfd, const char *name, double secs, char *why, size_t whysz)
{
	int	fd, saved;

	if ((fd = file_lock_open(dfd, name, 1, why, whysz)) == -1)
		return -1;
	if (file_lock_wait(fd, secs) != 0) {
		saved = errno;
		snprintf(why, whysz, "%s", saved == ETIMEDOUT ? "it was held "
		    "until the deadline" : strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
