/*
 * source-metadata.c: the service account attached to a GCE VM, a GKE node
 * or pod, Cloud Run or Cloud Functions, through the metadata server.
 *
 * Detection must never make a laptop wait.  It is cheap first: disabled
 * by NO_GCE_CHECK or METADATA_SERVER_DETECTION=none; present when
 * GCE_METADATA_HOST is set, when the DMI product name says Google, or in
 * Cloud Run or Cloud Functions (their environment variables).  Only then
 * one probe: a single GET of http://$GCE_METADATA_IP/ (default
 * 169.254.169.254), bounded to MD_PROBE_SECONDS, never retried.  A
 * negative answer is remembered for MD_ABSENT_TTL in a small file under
 * $XDG_CACHE_HOME/vtoken/, so that repeated calls never probe again.
 *
 * Every request carries "Metadata-Flavor: Google" and every reply must
 * carry it back: a reply without it did not come from a metadata server
 * (a captive portal, some other service on that address) and is refused
 * as a service failure (exit 5).  Requests are plain http:// to the
 * metadata host only: http.c allows that for requests with the metadata
 * flag and that host, and never for a URL from a credential file.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "vtoken.h"
#include "cache.h"
#include "file.h"
#include "http.h"
#include "idtoken.h"
#include "log.h"
#include "oauth.h"
#include "output.h"
#include "secret.h"
#include "settings.h"
#include "source.h"
#include "xmalloc.h"

#define MD_DEFAULT_HOST		"metadata.google.internal"
#define MD_DEFAULT_IP		"169.254.169.254"
#define MD_ROOT			"/computeMetadata/v1/"
#define MD_DMI_PRODUCT_NAME	"/sys/class/dmi/id/product_name"
#define MD_PROBE_SECONDS	0.4	/* the whole probe, connect included */
#define MD_ABSENT_TTL		3600	/* seconds a negative probe holds */
#define MD_ABSENT_FILE		"metadata-absent"
#define MD_SMALL_MAX		1024	/* e-mail, project ID, probe file */

struct md_priv {
	char	*host;		/* host[:port] of the data requests */
};

static int	md_fetch(struct source *, struct vt_ctx *,
	    const struct scope_req *, struct token *);
static int	md_id_token(struct source *, struct vt_ctx *, const char *,
	    int, struct token *);
static void	md_free_priv(void *);

static const struct source_ops md_ops = {
	.type = "metadata_server",
	.fetch = md_fetch,
	.id_token = md_id_token,
	.free_priv = md_free_priv,
};

/* This run's detection: -1 not yet, 0 absent, 1 present; and why. */
static int	 md_detected = -1;
static char	*md_why;

/* The host of data requests: GCE_METADATA_HOST, its legacy name, default. */
static const char *
md_host(void)
{
	const char	*v;

	if ((v = file_getenv("GCE_METADATA_HOST")) != NULL ||
	    (v = file_getenv("GCE_METADATA_ROOT")) != NULL)
		return v;
	return MD_DEFAULT_HOST;
}

/* 1 if the metadata tier is switched off; *why says by what. */
static int
md_disabled(const char **why)
{
	const char	*v;

	if ((v = file_getenv("NO_GCE_CHECK")) != NULL &&
	    (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "yes") == 0)) {
		*why = "disabled by NO_GCE_CHECK";
		return 1;
	}
	if ((v = file_getenv("METADATA_SERVER_DETECTION")) != NULL &&
	    strcmp(v, "none") == 0) {
		*why = "disabled by METADATA_SERVER_DETECTION=none";
		return 1;
	}
	return 0;
}

/*
 * The DMI product name says Google ("Google Compute Engine", "Google").
 * VTOKEN_TEST_DMI_PRODUCT_NAME names another file, for vtoken's own tests
 * only (a CI machine may itself run on GCE).
 */
static int
md_dmi_google(void)
{
	const char	*path;
	char		 buf[256];
	ssize_t		 n;
	int		 fd;

	if ((path = file_getenv("VTOKEN_TEST_DMI_PRODUCT_NAME")) == NULL)
		path = MD_DMI_PRODUCT_NAME;
	if ((fd = file_open_read(AT_FDCWD, path, 0)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "Google") != NULL;
}

/* Detection without I/O beyond one small file; NULL if inconclusive. */
static const char *
md_cheap(void)
{
	static const char *const serverless[] = {
		"K_SERVICE",		/* Cloud Run services, Functions gen2 */
		"CLOUD_RUN_JOB",	/* Cloud Run jobs */
		"FUNCTION_TARGET",	/* Cloud Functions */
		"FUNCTION_NAME",	/* Cloud Functions, older runtimes */
		"GAE_SERVICE",		/* App Engine */
		NULL
	};
	const char	*v;
	size_t		 i;

	if (file_getenv("GCE_METADATA_HOST") != NULL)
		return "GCE_METADATA_HOST is set";
	if ((v = file_getenv("METADATA_SERVER_DETECTION")) != NULL &&
	    strcmp(v, "assume-present") == 0)
		return "METADATA_SERVER_DETECTION=assume-present";
	for (i = 0; serverless[i] != NULL; i++) {
		if (file_getenv(serverless[i]) != NULL)
			return serverless[i];
	}
	if (md_dmi_google())
		return "DMI product name says Google";
	return NULL;
}

/*
 * The cache directory (cache.h), open, for the probe's memory; made when
 * create is set.  -1 when there is none or it is not private (the memory
 * is then simply not used).
 */
static int
md_cache_dir(int create)
{
	char	*dir;
	int	 dfd, bad;

	if ((dir = cache_file_dir()) == NULL)
		return -1;
	bad = file_dir_open(dir, create ? FILE_MKDIR | FILE_PARENTS : 0, &dfd);
	if (bad != FILE_OK && create)
		log_info("not remembering the metadata probe: '%s' is not a "
		    "private directory of ours", dir);
	free(dir);
	return bad == FILE_OK ? dfd : -1;
}

/* 1 if a probe of ip found nothing less than MD_ABSENT_TTL ago. */
static int
md_absent_remembered(const char *ip, time_t *when)
{
	char		*buf = NULL, *end;
	size_t		 len;
	long long	 t;
	int		 dfd, fd = -1, n, yes = 0;

	*when = 0;
	if ((dfd = md_cache_dir(0)) == -1)
		return 0;
	if ((fd = file_open_read(dfd, MD_ABSENT_FILE, FILE_NOFOLLOW)) == -1 ||
	    file_check(fd, FILE_PRIVATE, NULL) != FILE_OK ||
	    file_read_fd(fd, MD_SMALL_MAX, &buf, &len, NULL) != 0)
		goto out;
	/* "absent IP TIME\n" */
	n = (int)strlen(ip);
	if (len < 8 + (size_t)n || strncmp(buf, "absent ", 7) != 0 ||
	    strncmp(buf + 7, ip, (size_t)n) != 0 || buf[7 + n] != ' ')
		goto out;
	errno = 0;
	t = strtoll(buf + 8 + n, &end, 10);
	if (errno != 0 || end == buf + 8 + n || (*end != '\n' &&
	    *end != '\0'))
		goto out;
	if (t <= time(NULL) && time(NULL) - t < MD_ABSENT_TTL) {
		*when = (time_t)t;
		yes = 1;
	}
out:
	if (fd != -1)
		close(fd);
	close(dfd);
	free(buf);
	return yes;
}

/* Remember that a probe of ip found nothing. */
static void
md_absent_remember(const char *ip)
{
	char	*line;
	int	 dfd;

	if ((dfd = md_cache_dir(1)) == -1)
		return;
	line = xasprintf("absent %s %lld\n", ip, (long long)time(NULL));
	(void)file_replace_at(dfd, MD_ABSENT_FILE, line, strlen(line));
	free(line);
	close(dfd);
}

/* The one probe: 200 with Metadata-Flavor: Google within the bound. */
static int
md_probe(struct vt_ctx *ctx, const char *ip)
{
	struct http_request	 req;
	struct http_response	 resp;
	char			*url;
	int			 r, yes;

	memset(&req, 0, sizeof req);
	url = xasprintf("http://%s/", ip);
	req.method = "GET";
	req.url = url;
	req.metadata = 1;
	req.retry = 0;
	req.max_seconds = MD_PROBE_SECONDS;
	r = http_request(ctx, &req, &resp);
	yes = r == 0 && resp.status == 200 && resp.metadata_flavor;
	if (r != 0) {
		log_info("metadata server probe: %s", vt_errmsg() != NULL ?
		    vt_errmsg() : "failed");
		vt_err_clear();
	} else
		log_info("metadata server probe: HTTP %ld%s", resp.status,
		    resp.metadata_flavor ? "" : " without Metadata-Flavor");
	http_response_release(&resp);
	free(url);
	return yes;
}

/* Is there a metadata server?  Once per run; *why for the trace. */
static int
md_detect(struct vt_ctx *ctx, const char **why)
{
	const char	*ip, *how;
	char		 when[32];
	time_t		 t;

	if (md_detected != -1) {
		*why = md_why;
		return md_detected;
	}
	free(md_why);
	if (md_disabled(&how)) {
		md_detected = 0;
		md_why = xstrdup(how);
	} else if ((how = md_cheap()) != NULL) {
		md_detected = 1;
		md_why = xasprintf("detected: %s", how);
	} else {
		if ((ip = file_getenv("GCE_METADATA_IP")) == NULL)
			ip = MD_DEFAULT_IP;
		if (md_absent_remembered(ip, &t)) {
			md_detected = 0;
			md_why = xasprintf("not detected: a probe of %s found "
			    "none at %s (remembered for %d min)", ip,
			    output_rfc3339(t, when, sizeof when),
			    MD_ABSENT_TTL / 60);
		} else if (md_probe(ctx, ip)) {
			md_detected = 1;
			md_why = xasprintf("detected: %s answered", ip);
		} else {
			md_absent_remember(ip);
			md_detected = 0;
			md_why = xasprintf("not detected: no answer from %s "
			    "within %.1fs", ip, MD_PROBE_SECONDS);
		}
	}
	*why = md_why;
	return md_detected;
}

/*
 * GET a metadata path.  0 with resp for any reply that came from a
 * metadata server (the caller judges the status); VT_ERR_NET for a
 * transport failure or a reply without Metadata-Flavor: Google.
 * secret: the whole reply is a secret (the -vvv trace only measures it).
 */
static int
md_request(struct vt_ctx *ctx, const char *host, const char *path,
    int secret, struct http_response *resp)
{
	struct http_request	 req;
	char			*url;
	int			 r;

	memset(&req, 0, sizeof req);
	url = xasprintf("http://%s%s%s", host, MD_ROOT, path);
	req.method = "GET";
	req.url = url;
	req.metadata = 1;
	req.retry = 1;
	req.secret_reply = secret;
	r = http_request(ctx, &req, resp);
	if (r == 0 && !resp->metadata_flavor) {
		http_response_release(resp);
		r = vt_err(VT_ERR_NET, "the reply from %s lacks "
		    "'Metadata-Flavor: Google', so it is not from a metadata "
		    "server; check GCE_METADATA_HOST, or set NO_GCE_CHECK=1",
		    host);
	}
	free(url);
	return r;
}

static int
md_get(struct vt_ctx *ctx, const char *host, const char *path,
    struct http_response *resp)
{
	return md_request(ctx, host, path, 0, resp);
}

/* The error for a reply of status from the metadata server about what. */
static int
md_status_err(long status, const char *host, const char *what)
{
	if (status == 404)
		return vt_err(VT_ERR_CONFIG, "the metadata server at %s has "
		    "no %s (HTTP 404): attach a service account to this "
		    "instance, or use --credentials FILE", host, what);
	if (status == 400 || status == 401 || status == 403)
		return vt_err(VT_ERR_CRED, "the metadata server at %s refused "
		    "the %s request (HTTP %ld): check the instance's service "
		    "account and access scopes", host, what, status);
	return vt_err(VT_ERR_NET, "the metadata server at %s failed the %s "
	    "request (HTTP %ld); try again later", host, what, status);
}

/*
 * A short text value (e-mail, project ID): 0 and *out, or VT_ERR_*.
 * The value must be one line of printable ASCII.
 */
static int
md_get_text(struct vt_ctx *ctx, const char *host, const char *path,
    const char *what, char **out)
{
	struct http_response	 resp;
	size_t			 n, i;
	int			 r;

	*out = NULL;
	if ((r = md_get(ctx, host, path, &resp)) != 0)
		return r;
	if (resp.status != 200) {
		r = md_status_err(resp.status, host, what);
		goto out;
	}
	n = resp.len;
	while (n > 0 && (resp.body[n - 1] == '\n' || resp.body[n - 1] == ' '))
		n--;
	for (i = 0; i < n; i++) {
		if (resp.body[i] <= 0x20 || resp.body[i] >= 0x7f)
			break;
	}
	if (n == 0 || i < n || n > MD_SMALL_MAX) {
		r = vt_err(VT_ERR_NET, "the metadata server at %s sent a "
		    "malformed %s", host, what);
		goto out;
	}
	*out = xstrndup(resp.body, n);
	r = 0;
out:
	http_response_release(&resp);
	return r;
}

/*
 * The scopes parameter, only when the user chose scopes: the server's
 * default is the instance's own scopes.  NULL for none.
 */
static char *
md_scopes_query(const struct scope_req *sc)
{
	const char	*kv[3];
	char		*joined, *q;

	if (!sc->chosen || sc->list == NULL || sc->list[0] == NULL)
		return NULL;
	joined = settings_scopes_join(sc->list, ',');
	kv[0] = "scopes";
	kv[1] = joined;
	kv[2] = NULL;
	q = http_form_encode(kv);
	free(joined);
	return q;
}

/* Ask the metadata server for the attached service account's token. */
static int
md_fetch(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	struct md_priv		*md = src->priv;
	struct http_response	 resp;
	char			*query, *path;
	time_t			 now;
	int			 r;

	query = md_scopes_query(sc);
	path = xasprintf("instance/service-accounts/default/token%s%s",
	    query != NULL ? "?" : "", query != NULL ? query : "");
	now = time(NULL);
	if ((r = md_get(ctx, md->host, path, &resp)) != 0)
		goto out;
	if (resp.status == 200)
		r = oauth_parse_token(resp.body, resp.len, now, tok);
	else
		r = md_status_err(resp.status, md->host, "service account "
		    "token");
	http_response_release(&resp);
out:
	free(path);
	free(query);
	return r;
}

/*
 * Ask the metadata server for an ID token of the attached service
 * account: the reply is the bare JWT (a trailing newline tolerated).
 */
static int
md_id_token(struct source *src, struct vt_ctx *ctx, const char *audience,
    int full, struct token *tok)
{
	struct md_priv		*md = src->priv;
	struct http_response	 resp;
	char			*aud, *path, *from;
	size_t			 n;
	time_t			 now;
	int			 r;

	aud = g_uri_escape_string(audience, NULL, FALSE);
	path = xasprintf("instance/service-accounts/default/identity?"
	    "audience=%s%s", aud, full ? "&format=full" : "");
	g_free(aud);
	from = xasprintf("the metadata server at %s", md->host);
	now = time(NULL);
	if ((r = md_request(ctx, md->host, path, 1, &resp)) != 0)
		goto out;
	if (resp.status == 200) {
		n = resp.len;
		while (n > 0 && (resp.body[n - 1] == '\n' ||
		    resp.body[n - 1] == '\r'))
			n--;
		r = idtoken_accept(resp.body, n, audience, from, now, tok);
	} else
		r = md_status_err(resp.status, md->host, "ID token");
	http_response_release(&resp);
out:
	free(from);
	free(path);
	return r;
}

static void
md_free_priv(void *priv)
{
	struct md_priv	*md = priv;

	if (md == NULL)
		return;
	free(md->host);
	free(md);
}

/* Whether a metadata server is there, and its host (source.h). */
int
source_metadata_detect(struct vt_ctx *ctx, const char **why)
{
	return md_detect(ctx, why);
}

const char *
source_metadata_host(void)
{
	return md_host();
}

/* A source for the metadata server's default account (source.h). */
int
source_metadata_new(struct vt_ctx *ctx, struct source **out)
{
	struct md_priv	*md;
	struct source	*src;
	const char	*host = md_host();
	char		*email = NULL;
	int		 r;

	*out = NULL;
	/*
	 * The e-mail costs a request (and loading libcurl): only a command
	 * that describes the credential (status) asks for it.  The cache
	 * key needs no more than the host, since an instance has one
	 * default service account.
	 */
	if (!ctx->describe)
		email = xstrdup("default service account");
	else if ((r = md_get_text(ctx, host,
	    "instance/service-accounts/default/email",
	    "service account e-mail", &email)) != 0)
		return r;
	md = xcalloc(1, sizeof *md);
	md->host = xstrdup(host);
	src = source_new(&md_ops, "metadata server", NULL);
	src->identity = email;
	src->token_uri = xasprintf("http://%s%sinstance/service-accounts/"
	    "default/token", host, MD_ROOT);
	src->cache_id = xasprintf("metadata\n%s", host);
	src->priv = md;
	*out = src;
	return 0;
}

/* The project from the metadata server (source.h). */
int
source_metadata_project(struct vt_ctx *ctx, char **project)
{
	const char	*why;

	*project = NULL;
	if (!md_detect(ctx, &why))
		return 1;
	return md_get_text(ctx, md_host(), "project/project-id",
	    "project ID", project);
}
