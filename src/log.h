/*
 * log.h: messages on stderr and the one-line error of a failed run.
 *
 * Every line starts "vtoken: "; control characters are escaped so that a
 * hostile server reply cannot forge lines or move the cursor.  Secrets
 * never go into a format string: log at most log_redact()'s summary.
 */
#ifndef VTOKEN_LOG_H
#define VTOKEN_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* -1 quiet (errors only), 0 normal (warnings), 1.. debug levels (-v). */
void	 log_init(int verbosity);
int	 log_level(void);

/*
 * "vtoken: ...", even when quiet: a failure that is not the run's last
 * (one profile of refresh --all).
 */
void	 log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "vtoken: warning: ..." unless quiet. */
void	 log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "vtoken: ..." unless quiet: what a daemon reports as it goes. */
void	 log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "vtoken: ..." at level >= 1 (-v). */
void	 log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "vtoken: debug: ..." at level >= 2 (-vv). */
void	 log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Record the message of the current failure and return code (a negative
 * VT_ERR_*), so callers write: return vt_err(VT_ERR_NET, "...", ...).
 * A later call replaces the message.  Message style (git): lowercase, no
 * full stop, what failed first, then what to do.
 */
int	 vt_err(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 vt_verr(int code, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/*
 * With a va_list: log_error (level -1), log_note (0), log_info (1) or
 * log_debug (2).
 */
void	 log_vmsg(int level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* The recorded message, or NULL. */
const char *vt_errmsg(void);
void	 vt_err_clear(void);

/*
 * Describe a secret without revealing it: "[redacted, 212 bytes]".
 * Writes into buf (at least 48 bytes) and returns it.
 */
const char *log_redact(const char *secret, char *buf, size_t bufsz);

/* Escape control characters and non-ASCII bytes of s into a new string. */
char	*log_escape(const char *s, size_t len);

#endif /* VTOKEN_LOG_H */
