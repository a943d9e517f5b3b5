/*
 * file.h: reading a small file that is already open into memory,
 * writing one atomically, and waiting for a lock on one.
 *
 * Each caller opens the file itself, with its own flags, and checks the
 * descriptor (owner, mode, type) its own way; this is only the read, with
 * a size cap and a buffer that is never realloc'd, so that a file of
 * secrets leaves no unwiped copy behind.
 */
#ifndef VTOKEN_FILE_H
#define VTOKEN_FILE_H

#include <stddef.h>

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
 * The user's home directory: $HOME when set and not empty, else the
 * passwd entry; NULL when neither is known.  Borrowed.
 */
const char *file_home(void);

/*
 * Replace path with data, atomically (a temporary file, mode 0600, in the
 * same directory, synced and renamed), unless it already holds exactly
 * that: then nothing is written and 1 is returned.  0 written, -1 with
 * errno.  A reader sees the old content or the new, never a mix.
 */
int	 file_write_atomic(const char *path, const char *data, size_t len);

/*
 * Why the open file fd may not be trusted with private data (a cache, a
 * lock): NULL when it is a regular file of this user that nobody else
 * may write to, else a phrase for "ignoring 'PATH': <phrase>", in buf.
 */
const char *file_untrusted(int fd, char *buf, size_t bufsz);

/*
 * Take an exclusive flock() on fd, waiting at most secs seconds.  The
 * wait blocks (a timer interrupts it at the end) rather than polling:
 * fifty waiters that wake every few milliseconds starve the one process
 * they wait for.  0 locked; -1 with errno (ETIMEDOUT when time ran out).
 */
int	 file_lock_wait(int fd, double secs);

#endif /* VTOKEN_FILE_H */
