/*
 * file.h: the one home of vtoken's filesystem primitives, git's
 * lockfile/tempfile API being the model.  Every check of who owns a file
 * and who else may touch it, every private directory, every atomic write
 * and every lock file goes through here, so that each is written, and
 * reviewed, once.
 *
 * Two rules, both in file_check().  What vtoken writes itself (cache
 * entries, lock files, the metadata probe's memory) must be private:
 * ours, with no group or other permission bit.  What others write for
 * vtoken (the config file, a key or credential file, a credential
 * program's output) must only be safe from tampering: not writable by
 * anyone else, and (unless the flags say otherwise) ours.
 *
 * Buffers read here are sized once and never realloc'd, since the
 * content may be a secret.
 */
#ifndef VTOKEN_FILE_H
#define VTOKEN_FILE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

/* Flags; each function says which it reads. */
#define FILE_NOFOLLOW	0x01	/* refuse a symbolic link as the last name */
#define FILE_DIR	0x02	/* want a directory, not a regular file */
#define FILE_PRIVATE	0x04	/* no group or other permission bit at all */
#define FILE_ROOT_OK	0x08	/* root may own it too (a system file) */
#define FILE_ANY_OWNER	0x10	/* anyone may own it (a mounted secret) */
#define FILE_MKDIR	0x20	/* create the directory, 0700, if missing */
#define FILE_PARENTS	0x40	/* with FILE_MKDIR: missing parents too */
#define FILE_FOLLOW	0x80	/* file_dir_open: a symbolic link is followed */

/* What file_check() or file_dir_open() refused, for the caller's message. */
enum file_bad {
	FILE_OK = 0,
	FILE_BAD_ERRNO,		/* a system call failed: errno says why */
	FILE_BAD_MKDIR,		/* it could not be made: mkdir's errno */
	FILE_BAD_LINK,		/* a symbolic link */
	FILE_BAD_TYPE,		/* not a regular file (not a directory) */
	FILE_BAD_OWNER,		/* another user's */
	FILE_BAD_WRITABLE,	/* group or others may write to it */
	FILE_BAD_SHARED		/* others have access (FILE_PRIVATE); for a
				 * directory, making it 0700 failed: errno */
};

/*
 * The environment variable name when it is set and not empty, else
 * NULL: an empty value counts as unset everywhere in vtoken.  Borrowed.
 */
const char *file_getenv(const char *name);

/*
 * The user's home directory: $HOME when set and not empty, else the
 * passwd entry; NULL when neither is known.  Borrowed.
 */
const char *file_home(void);

/*
 * path with a leading "~/" replaced by the home directory (profiles are
 * not read by a shell); else, or with no home, a copy.  Caller frees.
 */
char	*file_expand_home(const char *path);

/*
 * vtoken's directory under an XDG base directory: "$var/vtoken" when var
 * holds an absolute path (the spec says a relative one is ignored), else
 * "<home>/<home_sub>/vtoken", or NULL when home_sub is NULL or there is
 * no home.  Caller frees.  ("XDG_CACHE_HOME", ".cache") is the cache.
 */
char	*file_xdg_dir(const char *var, const char *home_sub);

/*
 * Open path (relative to the directory dfd, or AT_FDCWD) for reading a
 * file that someone may have planted: O_CLOEXEC, O_NOCTTY (a terminal
 * does not become ours), O_NONBLOCK (a FIFO does not hang the open), and
 * O_NOFOLLOW with FILE_NOFOLLOW (other flags are ignored).  Check the
 * descriptor with file_check() before trusting it.  open()'s result.
 */
int	 file_open_read(int dfd, const char *path, int flags);

/*
 * Check the open descriptor fd (fstat, so no race with its name) against
 * the rules at the top: a regular file (a directory with FILE_DIR) of
 * this user (or root, FILE_ROOT_OK; or anyone, FILE_ANY_OWNER) that no
 * one else may write to, and with FILE_PRIVATE no group or other bit at
 * all.  Returns FILE_OK or the first enum file_bad that applies; *st is
 * filled when st is not NULL and fstat worked.
 */
int	 file_check(int fd, int flags, struct stat *st);

/*
 * file_check() as a phrase for "ignoring 'PATH': <phrase>", in buf: NULL
 * when fd passes, else buf ("it belongs to uid 65534", "others may write
 * to it").
 */
const char *file_untrusted(int fd, int flags, char *buf, size_t bufsz);

/*
 * Open the directory path, which must be private: not a symbolic link
 * (unless FILE_FOLLOW: then the rules apply to the directory it names, as
 * for a dotfile manager's link to ~/.config/vtoken), a directory of ours
 * that nobody else may write to.  One that others may
 * only read (made by hand, an old umask) is made 0700 on the descriptor,
 * with an info line.  FILE_MKDIR creates it 0700 when missing, and with
 * FILE_PARENTS its missing parents too (also 0700, as mkdir -p would,
 * not checked).  Returns FILE_OK with the descriptor in *dfd (O_RDONLY,
 * for the *at() calls and file_replace_at()), else an enum file_bad:
 * FILE_BAD_ERRNO with ENOENT when it is missing and not to be created.
 */
int	 file_dir_open(const char *path, int flags, int *dfd);

/*
 * Read the open regular file fd, of at most max bytes, into a new
 * NUL-terminated buffer.  The buffer is sized once from fstat and never
 * realloc'd, since the content may be a secret: release it with
 * secret_freezero(buf, cap) or (for non-secrets) free().  cap may be NULL
 * when the caller frees with free().  fd is left open.
 * Returns 0 with *buf, *len (bytes read) and *cap (allocated size), or
 * -1 with *buf NULL and errno: EINVAL not a regular file, EFBIG larger
 * than max, EAGAIN it grew while being read, or the error of fstat() or
 * read().  Out of memory exits (xmalloc).
 */
int	 file_read_fd(int fd, size_t max, char **buf, size_t *len,
	    size_t *cap);

/*
 * Why file_read_fd() with limit max failed with errno err, as a phrase
 * for "cannot read 'PATH': <phrase>".  Borrowed; valid until the next call.
 */
const char *file_strerror(int err, size_t max);

/*
 * Replace name in the directory dfd with the len bytes of data,
 * atomically: a new temporary file "<name>.XXXXXX" (O_EXCL, O_NOFOLLOW,
 * mode 0600) in the same directory, written, synced, renamed over name,
 * and the directory synced; on failure it is removed.  A reader sees the
 * old content or the new, never a mix, and a kill -9 leaves at most a
 * stray temporary file.  When name is already a private file of ours
 * holding exactly data, nothing is written.  Returns 0 written, 1
 * unchanged, or -1 with errno.  data may be a secret: no copy is made.
 */
int	 file_replace_at(int dfd, const char *name, const char *data,
	    size_t len);

/* file_replace_at() for a path: its directory is opened (links followed). */
int	 file_write_atomic(const char *path, const char *data, size_t len);

/*
 * Take an exclusive flock() on the lock file name in the directory dfd
 * (or AT_FDCWD), created 0600 if need be, waiting at most secs seconds.
 * The lock file must be private (FILE_PRIVATE, not a symbolic link):
 * anyone else who could open it could hold it to block us.  The wait
 * blocks (a timer interrupts it at the end) rather than polling: fifty
 * waiters that wake every few milliseconds starve the one process they
 * wait for.  Returns the descriptor (closing it, or dying, releases the
 * lock), or -1 with errno (EPERM refused, ETIMEDOUT time ran out) and in
 * why a phrase for "ignoring lock file 'PATH': <phrase>".
 */
int	 file_lock(int dfd, const char *name, double secs, char *why,
	    size_t whysz);
/*
 * The same without waiting: the descriptor, or -1 with errno (EWOULDBLOCK:
 * another process holds it; ENOENT: no such file, with FILE_LOCK_NOCREATE)
 * and the phrase in why.  FILE_LOCK_SHARED takes a shared lock.
 */
#define FILE_LOCK_SHARED	0x1
#define FILE_LOCK_NOCREATE	0x2
int	 file_lock_try(int dfd, const char *name, int flags, char *why,
	    size_t whysz);

#endif /* VTOKEN_FILE_H */
