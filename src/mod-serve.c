/*
 * mod-serve.c: the vtoken-serve module's table, and the broker's life:
 * start the threads and the server, wait for signals, and stop in order
 * (PRODUCT.md, "The broker"; serve.h shows the parts).
 *
 * SIGTERM and SIGINT stop accepting, let in-flight requests finish for
 * up to SERVE_DRAIN_SECONDS, then end the rest; SIGHUP asks the token
 * thread to re-read the configuration and credentials.  With a child
 * (exec --serve) those three go to the child instead, and the broker
 * stops when the child has exited.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <microhttpd.h>

#include "vtoken.h"
#include "log.h"
#include "serve.h"

/* Every connection is a descriptor, and so is every upstream one. */
static void
serve_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* 1 when the child has exited (its status in res). */
static int
serve_reap(pid_t child, struct serve_result *res)
{
	int	st;

	if (waitpid(child, &st, WNOHANG) != child)
		return 0;
	res->child_status = st;
	return 1;
}

/* Wait for a reason to stop; SIGHUP is handled here. */
static void
serve_wait(struct broker *b, const sigset_t *set, struct serve_result *res)
{
	struct timespec	ts = { 1, 0 };
	siginfo_t	info;
	pid_t		child = b->cfg->child;
	int		sig;

	if (child > 0 && serve_reap(child, res))
		return;
	for (;;) {
		if ((sig = sigtimedwait(set, &info, &ts)) == -1)
			continue;	/* EAGAIN or EINTR */
		if (sig == SIGCHLD) {
			if (child > 0 && serve_reap(child, res))
				return;
			continue;
		}
		if (child > 0) {
			/*
			 * A signal from the terminal (Ctrl-C, a hangup) went
			 * to the whole foreground process group, the command
			 * too: sent again, a second Ctrl-C would look like
			 * "force quit" to it.
			 */
			if (info.si_code != SI_KERNEL)
				kill(child, sig);
			continue;
		}
		if (sig != SIGHUP)
			return;
		log_info("SIGHUP: reloading");
		pthread_mutex_lock(&b->lock);
		b->want_reload = 1;
		pthread_cond_signal(&b->token_cond);
		pthread_mutex_unlock(&b->lock);
	}
}

/* Stop accepting; give in-flight requests their time to finish. */
static void
serve_drain(struct broker *b)
{
	struct timespec	 nap = { 0, 20 * 1000 * 1000 };
	double		 end = vt_now_mono() + SERVE_DRAIN_SECONDS;
	int		 n;

	pthread_mutex_lock(&b->lock);
	b->draining = 1;
	pthread_mutex_unlock(&b->lock);
	MHD_quiesce_daemon(b->mhd);
	for (;;) {
		pthread_mutex_lock(&b->lock);
		n = b->inflight;
		pthread_mutex_unlock(&b->lock);
		if (n == 0 || vt_now_mono() >= end)
			break;
		nanosleep(&nap, NULL);
	}
	if (n > 0)
		log_error("stopping with %d request%s unfinished", n,
		    n == 1 ? "" : "s");
}

static void
serve_run(struct serve_config *cfg, const struct serve_hooks *hooks,
    struct serve_result *res)
{
	struct broker	b;
	sigset_t	set;
	int		r;

	memset(res, 0, sizeof *res);
	memset(&b, 0, sizeof b);
	b.cfg = cfg;
	b.hooks = hooks;
	b.up = cfg->up;
	memset(&cfg->up, 0, sizeof cfg->up);
	pthread_mutex_init(&b.lock, NULL);
	serve_raise_nofile();
	/* Only this thread takes the signals; the others inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if ((r = serve_upstream_start(&b)) != 0)
		goto out;
	if ((r = serve_token_start(&b)) != 0) {
		serve_upstream_stop(&b);
		goto out;
	}
	if ((b.mhd = serve_http_start(&b)) == NULL) {
		r = vt_err(VT_ERR_INTERNAL, "cannot start the HTTP server");
		serve_token_stop(&b);
		serve_upstream_stop(&b);
		serve_token_cleanup(&b);
		goto out;
	}
	if ((r = hooks->ready(hooks->arg)) == 0)
		serve_wait(&b, &set, res);
	serve_drain(&b);
	/* The token thread first: then nothing else answers a request
	 * but serve_upstream_stop, which ends every one still open. */
	serve_token_stop(&b);
	serve_upstream_stop(&b);
	MHD_stop_daemon(b.mhd);
	serve_token_cleanup(&b);
out:
	hooks->upstream_free(&b.up);
	pthread_mutex_destroy(&b.lock);
	/*
	 * The signals stay blocked: the process is about to exit, and a
	 * second SIGTERM must not kill it before the state file is gone.
	 */
	res->status = r;
}

__attribute__((visibility("default")))
const struct vt_serve_api vt_serve_api = {
	.head = {
		.version = VT_SERVE_API_VERSION,
		.host_version = VT_HOST_API_VERSION,
		.bind = mod_host_bind,
	},
	.run = serve_run,
};
