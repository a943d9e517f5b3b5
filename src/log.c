/*
 * log.c: messages on stderr and the one-line error of a failed run.
 *
 * Every line is escaped (control characters and non-ASCII bytes become
 * \xNN), so a hostile server reply or file name cannot forge output lines
 * or terminal escapes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

static int	 log_verbosity;
static char	*log_errbuf;

void
log_init(int verbosity)
{
	log_verbosity = verbosity;
}

int
log_level(void)
{
	return log_verbosity;
}

char *
log_escape(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	  c;
	char		 *out, *p;
	size_t		  i;

	p = out = xmalloc(len * 4 + 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\\') {
			*p++ = '\\';
			*p++ = '\\';
		} else if (c >= 0x20 && c < 0x7f)
			*p++ = (char)c;
		else {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		}
	}
	*p = '\0';
	return out;
}

/* Format, escape and print one line with a prefix. */
static void __attribute__((format(printf, 2, 0)))
log_vprint(const char *prefix, const char *fmt, va_list ap)
{
	char	*msg, *esc;

	msg = xvasprintf(fmt, ap);
	esc = log_escape(msg, strlen(msg));
	fprintf(stderr, "vtoken: %s%s\n", prefix, esc);
	fflush(stderr);
	free(esc);
	free(msg);
}

void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbosity < 0)
		return;
	va_start(ap, fmt);
	log_vprint("warning: ", fmt, ap);
	va_end(ap);
}

void
log_note(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbosity < 0)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbosity < 2)
		return;
	va_start(ap, fmt);
	log_vprint("debug: ", fmt, ap);
	va_end(ap);
}

/* log_error (-1), log_note (0), log_info (1) or log_debug (2), for the
 * modules (mod-host.h). */
void
log_vmsg(int level, const char *fmt, va_list ap)
{
	if (log_verbosity >= level)
		log_vprint(level >= 2 ? "debug: " : "", fmt, ap);
}

int
vt_verr(int code, const char *fmt, va_list ap)
{
	char	*msg;

	msg = xvasprintf(fmt, ap);
	free(log_errbuf);
	log_errbuf = log_escape(msg, strlen(msg));
	free(msg);
	return code;
}

int
vt_err(int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	code = vt_verr(code, fmt, ap);
	va_end(ap);
	return code;
}

const char *
vt_errmsg(void)
{
	return log_errbuf;
}

void
vt_err_clear(void)
{
	free(log_errbuf);
	log_errbuf = NULL;
}

const char *
log_redact(const char *secret, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "[redacted, %zu bytes]",
	    secret != NULL ? strlen(secret) : (size_t)0);
	return buf;
}
