/*
 * mod-host.c: built into each module (not the program): the program
 * functions module code calls, forwarded to the table the program lends
 * at load time (mod-host.h).  Hidden, like the rest of a module.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include "vtoken.h"
#include "cache.h"
#include "file.h"
#include "log.h"
#include "mod-host.h"
#include "output.h"
#include "secret.h"

static const struct vt_host_api	*host;

void
mod_host_bind(const struct vt_host_api *h)
{
	host = h;
}

int
log_level(void)
{
	return host->log_level();
}

void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	host->log_vmsg(-1, fmt, ap);
	va_end(ap);
}

void
log_note(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	host->log_vmsg(0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	host->log_vmsg(1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	host->log_vmsg(2, fmt, ap);
	va_end(ap);
}

int
vt_err(int code, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, fmt);
	r = host->vt_verr(code, fmt, ap);
	va_end(ap);
	return r;
}

void
secret_wipe(void *p, size_t len)
{
	host->secret_wipe(p, len);
}

void
secret_free(char *s)
{
	host->secret_free(s);
}

void
secret_freezero(void *p, size_t len)
{
	host->secret_freezero(p, len);
}

size_t
secret_notes(const char *const **v, const size_t **len)
{
	return host->secret_notes(v, len);
}

double
vt_now_mono(void)
{
	return host->now_mono();
}

int
output_token_valid(const char *tok)
{
	return host->token_valid(tok);
}

void
token_release(struct token *tok)
{
	host->token_release(tok);
}

void
cache_entry_release(struct cache_entry *e)
{
	host->cache_entry_release(e);
}

const char *
file_getenv(const char *name)
{
	return host->file_getenv(name);
}
