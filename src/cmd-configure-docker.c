/*
 * cmd-configure-docker.c: point Docker at vtoken for Google's registries,
 * as "gcloud auth configure-docker" does for gcloud.
 *
 * Adds "HOST": "vtoken" to credHelpers in Docker's config.json
 * ($DOCKER_CONFIG/config.json, else ~/.docker/config.json) for the hosts
 * named, or with none for gcloud's default list (gcr.io, us.gcr.io,
 * eu.gcr.io, asia.gcr.io, marketplace.gcr.io) and LOCATION-docker.pkg.dev
 * for each location of the profile's docker_locations.  Docker has no
 * wildcards: every host is listed.  Every other key and entry is kept;
 * the file is replaced atomically (file.c), mode 0600, since it may hold
 * credentials (auths).  One line per change on stdout; --dry-run prints
 * the change to credHelpers as a diff and writes nothing.
 *
 * A symbolic link to the config (a dotfile manager's) is followed: the
 * file it names is replaced, and the link stays.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vtoken.h"
#include "cmd.h"
#include "dockercred.h"
#include "file.h"
#include "gitcred.h"
#include "log.h"
#include "secret.h"
#include "vertex.h"
#include "xmalloc.h"

/* gcloud auth configure-docker's default hosts. */
static const char *const cd_default_hosts[] = {
	"gcr.io",
	"us.gcr.io",
	"eu.gcr.io",
	"asia.gcr.io",
	"marketplace.gcr.io",
};
#define CD_NDEFAULT	(sizeof cd_default_hosts / sizeof cd_default_hosts[0])

/* Docker's config.json: $DOCKER_CONFIG's, else ~/.docker's.  Caller frees. */
static int
cd_path(char **path, char **dir)
{
	const char	*d, *home;

	*path = *dir = NULL;
	if ((d = file_getenv("DOCKER_CONFIG")) != NULL)
		*dir = xstrdup(d);
	else if ((home = file_home()) != NULL)
		*dir = xasprintf("%s/.docker", home);
	else
		return vt_err(VT_ERR_CONFIG, "configure-docker: no home "
		    "directory and no DOCKER_CONFIG; set one");
	*path = xasprintf("%s/config.json", *dir);
	return 0;
}

/* A host argument: a registry host, with an optional port. */
static int
cd_valid_host(const char *h)
{
	char	*name = NULL;
	long	 port;
	int	 ok;

	ok = gitcred_host_split(h, &name, &port) == 0;
	free(name);
	return ok;
}

/* The hosts to configure: the arguments, else the defaults. */
static int
cd_hosts(struct vt_ctx *ctx, struct cmd_args *args, char ***out)
{
	char	**locs = NULL, **v;
	size_t	  i, n = 0, nlocs = 0;
	int	  r;

	*out = NULL;
	if (args->argc > 0) {
		v = xreallocarray(NULL, (size_t)args->argc + 1, sizeof *v);
		for (i = 0; i < (size_t)args->argc; i++) {
			if (!cd_valid_host(args->argv[i])) {
				v[n] = NULL;
				xstrv_free(v);
				return vt_err(VT_ERR_USAGE, "configure-docker: "
				    "'%s' is not a registry host (HOST or "
				    "HOST:PORT)", args->argv[i]);
			}
			v[n++] = xstrdup(args->argv[i]);
		}
		v[n] = NULL;
		*out = v;
		return 0;
	}
	if ((r = cmd_profile_list(ctx, "docker_locations",
	    vertex_valid_location, "a location (europe-west4)", &locs)) != 0)
		return r;
	for (i = 0; locs != NULL && locs[i] != NULL; i++)
		nlocs++;
	v = xreallocarray(NULL, CD_NDEFAULT + nlocs + 1, sizeof *v);
	for (i = 0; i < CD_NDEFAULT; i++)
		v[n++] = xstrdup(cd_default_hosts[i]);
	for (i = 0; i < nlocs; i++)
		v[n++] = xasprintf("%s-docker.pkg.dev", locs[i]);
	v[n] = NULL;
	xstrv_free(locs);
	*out = v;
	return 0;
}

/*
 * Read the config at path into *buf (NULL when there is none).  It must
 * be a regular file that no one else may write to.
 */
static int
cd_read(const char *path, char **buf, size_t *len, size_t *cap)
{
	char	why[128];
	int	fd, r = 0;

	*buf = NULL;
	*len = *cap = 0;
	if ((fd = file_open_read(AT_FDCWD, path, 0)) == -1) {
		if (errno == ENOENT)
			return 0;
		return vt_err(VT_ERR_CONFIG, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	if (file_untrusted(fd, 0, why, sizeof why) != NULL)
		r = vt_err(VT_ERR_CONFIG, "not changing '%s': %s", path, why);
	else if (file_read_fd(fd, VT_FILE_MAX, buf, len, cap) != 0)
		r = vt_err(VT_ERR_CONFIG, "cannot read '%s': %s", path,
		    file_strerror(errno, VT_FILE_MAX));
	close(fd);
	return r;
}

/*
 * The file to write for path: itself, or what its links lead to, even
 * when the last of them names a file that is not there yet (a link into
 * a dotfiles repository, say): the link is kept, its target created.
 * NULL with errno when a link cannot be read or they loop.
 */
static char *
cd_target(const char *path)
{
	struct stat	 st;
	char		*p, *t, *d, *real;
	ssize_t		 n;
	int		 hops;

	p = xstrdup(path);
	for (hops = 0; hops < 40; hops++) {
		if ((real = realpath(p, NULL)) != NULL || errno != ENOENT ||
		    lstat(p, &st) == -1 || !S_ISLNK(st.st_mode)) {
			if (real == NULL && errno == ENOENT)
				return p;	/* not there: p itself */
			free(p);
			return real;
		}
		t = xcalloc(1, PATH_MAX);
		if ((n = readlink(p, t, PATH_MAX - 1)) == -1) {
			free(t);
			free(p);
			return NULL;
		}
		if (t[0] != '/') {
			d = strrchr(p, '/');
			d = d != NULL ? xstrndup(p, (size_t)(d - p)) :
			    xstrdup(".");
			free(p);
			p = xasprintf("%s/%s", d, t);
			free(d);
			free(t);
		} else {
			free(p);
			p = t;
		}
	}
	free(p);
	errno = ELOOP;
	return NULL;
}

/* Write text over the config at path (the file its links name). */
static int
cd_write(const char *path, const char *text)
{
	char	*real;
	int	 r = 0;

	if ((real = cd_target(path)) == NULL)
		return vt_err(VT_ERR_CONFIG, "cannot resolve '%s': %s", path,
		    strerror(errno));
	if (file_write_atomic(real, text, strlen(text)) == -1)
		r = vt_err(VT_ERR_CONFIG, "cannot write '%s': %s", real,
		    strerror(errno));
	free(real);
	return r;
}

/*
 * Make the config's directory (0700) and lock it, so that configure-docker
 * runs at once each add their hosts rather than the last one's alone
 * surviving.  The directory itself is locked (flock): no file of ours
 * is left in it.  Waits up to 10 seconds.
 */
static int
cd_lock(const char *dir, int *fd)
{
	struct timespec	nap = { 0, 50 * 1000 * 1000 };
	int		i;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return vt_err(VT_ERR_CONFIG, "cannot make '%s': %s", dir,
		    strerror(errno));
	if ((*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return vt_err(VT_ERR_CONFIG, "cannot open '%s': %s", dir,
		    strerror(errno));
	for (i = 0; flock(*fd, LOCK_EX | LOCK_NB) == -1; i++) {
		if (errno != EWOULDBLOCK || i == 200) {
			close(*fd);
			*fd = -1;
			return vt_err(VT_ERR_CONFIG, "cannot lock '%s': %s",
			    dir, errno == EWOULDBLOCK ? "another process "
			    "held it for 10 seconds" : strerror(errno));
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* One change, as a report line or (diff) as the lines of a diff. */
static void
cd_print_change(const struct dockercred_change *c, int diff)
{
	char	*old = NULL;

	if (c->old_helper != NULL)
		old = log_escape(c->old_helper, strlen(c->old_helper));
	if (diff) {
		if (old != NULL)
			printf("-\t\"%s\": \"%s\"\n", c->host, old);
		printf("+\t\"%s\": \"%s\"\n", c->host, DOCKERCRED_HELPER);
	} else if (old != NULL)
		printf("changed credHelpers \"%s\": \"%s\" -> \"%s\"\n",
		    c->host, old, DOCKERCRED_HELPER);
	else
		printf("added credHelpers \"%s\": \"%s\"\n", c->host,
		    DOCKERCRED_HELPER);
	free(old);
}

static int
cmd_configure_docker_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct dockercred_change	 *ch = NULL;
	char				 *path = NULL, *dir = NULL;
	char				 *buf = NULL, *text = NULL, **hosts = NULL;
	char				**listed = NULL;
	const char			 *why;
	size_t				  len = 0, cap = 0, n = 0, i;
	int				  r, lockfd = -1;

	if ((r = cd_path(&path, &dir)) != 0 ||
	    (r = cd_hosts(ctx, args, &hosts)) != 0 ||
	    (!args->dry_run && (r = cd_lock(dir, &lockfd)) != 0) ||
	    (r = cd_read(path, &buf, &len, &cap)) != 0)
		goto out;
	if (dockercred_config_merge(buf, len, (const char *const *)hosts,
	    &text, &ch, &n, &why) != 0) {
		r = vt_err(VT_ERR_CONFIG, "not changing '%s': %s; fix it or "
		    "move it away", path, why);
		goto out;
	}
	/* The same rule as docker-credential get: Google's, or listed. */
	if ((r = cmd_profile_list(ctx, "docker_hosts", gitcred_valid_entry,
	    CMD_HOSTS_WHAT, &listed)) != 0)
		goto out;
	for (i = 0; hosts[i] != NULL; i++) {
		if (dockercred_host_allowed(hosts[i],
		    (const char *const *)listed) == 0)
			log_warn("configure-docker: vtoken answers for '%s' "
			    "only when the profile's docker_hosts lists it",
			    hosts[i]);
	}
	if (args->dry_run) {
		if (n > 0)
			printf("--- %s\n+++ %s (vtoken configure-docker)\n"
			    "@@ credHelpers @@\n", path, path);
		for (i = 0; i < n; i++)
			cd_print_change(&ch[i], 1);
	} else if (n > 0 && (r = cd_write(path, text)) != 0)
		goto out;
	if (ctx->verbosity >= 0 && !args->dry_run) {
		for (i = 0; i < n; i++)
			cd_print_change(&ch[i], 0);
	}
	if (ctx->verbosity >= 0 && n == 0)
		printf("'%s' already uses vtoken for these hosts; nothing to "
		    "change\n", path);
	else if (ctx->verbosity >= 0 && !args->dry_run)
		printf("wrote '%s'\n", path);
	if (fflush(stdout) != 0 || ferror(stdout))
		r = vt_err(VT_ERR_INTERNAL, "cannot write to standard output");
out:
	if (lockfd != -1)
		close(lockfd);
	dockercred_changes_free(ch, n);
	secret_free(text);
	if (buf != NULL)
		secret_freezero(buf, cap);
	xstrv_free(hosts);
	xstrv_free(listed);
	free(path);
	free(dir);
	return r;
}

const struct cmd_entry cmd_configure_docker_entry = {
	.name = "configure-docker",
	.usage = "[--dry-run] [host ...]",
	.summary = "Make Docker use vtoken for Google's registries.",
	.options = CMDOPT_DRY_RUN,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_configure_docker_exec
};
