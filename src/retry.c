/*
 * retry.c: the retry policy every HTTP request shares (retry.h): which
 * replies are worth another attempt, how long to wait (exponential
 * backoff with jitter, Retry-After), and the wait itself.  Pure C, no
 * libcurl: built into the net module with http.c.
 */
#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "vtoken.h"
#include "log.h"
#include "retry.h"

#define RETRY_BACKOFF_FIRST	1.0	/* seconds before attempt 2 */
#define RETRY_JITTER		0.1	/* +-10% */

/* Retry-After in its delta-seconds form; -1 for a date or junk. */
long
retry_after_parse(const char *v, size_t n)
{
	long	secs = 0;
	size_t	i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (secs < 1000000)
			secs = secs * 10 + (v[i] - '0');
	}
	return secs;
}

/* A uniformly random factor in [1 - RETRY_JITTER, 1 + RETRY_JITTER]. */
static double
retry_jitter(void)
{
	uint32_t	v = 0;

	/* Not a secret: only spreads retries of many clients apart. */
	if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
		v = (uint32_t)(vt_now_mono() * 1e9) ^ (uint32_t)getpid();
	return 1.0 + RETRY_JITTER * (2.0 * (v / 4294967295.0) - 1.0);
}

/*
 * The factor applied to every backoff and Retry-After wait: 1, or for
 * vtoken's own tests only VTOKEN_TEST_BACKOFF_SCALE, a number in (0, 1]
 * (e.g. 0.05), so that the suite does not sleep through real backoff.
 * Only the sleep is scaled: the schedule, the decision whether a retry
 * still fits before the deadline and the "retrying in" messages stay
 * those of the unscaled waits.  Read once; ignored when not set-uid-safe
 * (secure_getenv) or not such a number.
 */
double
retry_scale(void)
{
	static double	 scale = -1.0;
	const char	*v;
	char		*end;
	double		 f;

	if (scale > 0)
		return scale;
	scale = 1.0;
	if ((v = secure_getenv("VTOKEN_TEST_BACKOFF_SCALE")) == NULL ||
	    *v == '\0')
		return scale;
	errno = 0;
	f = strtod(v, &end);
	if (errno == 0 && end != v && *end == '\0' && f > 0 && f <= 1) {
		scale = f;
		log_debug("VTOKEN_TEST_BACKOFF_SCALE: waits between attempts "
		    "scaled by %g", f);
	}
	return scale;
}

/* Sleep for secs seconds (a backoff wait, scaled), resuming after signals. */
void
retry_sleep(double secs)
{
	struct timespec	ts;

	secs *= retry_scale();
	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* 1 for the HTTP statuses worth another attempt. */
int
retry_status(long status)
{
	switch (status) {
	case 408:
	case 429:
	case 500:
	case 502:
	case 503:
	case 504:
		return 1;
	default:
		return 0;
	}
}

/* The seconds to wait before attempt number next (2 or 3). */
double
retry_backoff(int next)
{
	return RETRY_BACKOFF_FIRST * (double)(1 << (next - 2)) * retry_jitter();
}
