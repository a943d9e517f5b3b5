/*
 * retry.h: the retry policy of HTTP requests (retry.c).
 */
#ifndef VTOKEN_RETRY_H
#define VTOKEN_RETRY_H

#include <stddef.h>

/* 1 for the HTTP statuses worth another attempt (408, 429, 500, 502-504). */
int	 retry_status(long status);
/* Retry-After in its delta-seconds form; -1 for a date or junk. */
long	 retry_after_parse(const char *v, size_t n);
/* The seconds to wait before attempt number next (2 or 3), jittered. */
double	 retry_backoff(int next);
/*
 * Sleep for secs seconds, resuming after signals; for vtoken's own tests
 * only, scaled by VTOKEN_TEST_BACKOFF_SCALE (retry.c says how).
 */
void	 retry_sleep(double secs);
/* The factor retry_sleep() applies: 1, or VTOKEN_TEST_BACKOFF_SCALE. */
double	 retry_scale(void);

#endif /* VTOKEN_RETRY_H */
