/*
 * serve-listen.c: the broker's listening socket.  Loopback only: a
 * 127.0.0.0/8 address, [::1], localhost, or a unix socket; systemd's
 * socket (LISTEN_FDS) is held to the same rule.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "vtoken.h"
#include "file.h"
#include "log.h"
#include "serve-cmd.h"
#include "settings.h"
#include "xmalloc.h"

#define SERVE_BACKLOG	1024

/* A parsed address: family, the host as given, the port, or a path. */
struct serve_addr {
	int		 family;
	char		 host[64];	/* "127.0.0.1", "::1", "localhost" */
	unsigned int	 port;
	const char	*path;		/* unix: */
};

static int
serve_addr_parse(const char *addr, struct serve_addr *a)
{
	struct in_addr	 in4;
	const char	*colon, *end;
	char		*e;
	unsigned long	 port;
	size_t		 n;

	memset(a, 0, sizeof *a);
	if (strncmp(addr, "unix:", 5) == 0) {
		a->family = AF_UNIX;
		a->path = addr + 5;
		return a->path[0] == '/' &&
		    strlen(a->path) <= serve_listen_path_max() ? 0 : -1;
	}
	if (addr[0] == '[') {
		if ((end = strchr(addr, ']')) == NULL || end[1] != ':')
			return -1;
		n = (size_t)(end - addr - 1);
		colon = end + 1;
		a->family = AF_INET6;
		if (n != 3 || strncmp(addr + 1, "::1", 3) != 0)
			return -1;
		memcpy(a->host, "::1", 4);
	} else {
		if ((colon = strrchr(addr, ':')) == NULL ||
		    (n = (size_t)(colon - addr)) >= sizeof a->host)
			return -1;
		memcpy(a->host, addr, n);
		a->host[n] = '\0';
		a->family = AF_INET;
		if (strcmp(a->host, "localhost") != 0 &&
		    (inet_pton(AF_INET, a->host, &in4) != 1 ||
		    (ntohl(in4.s_addr) >> 24) != 127))
			return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &e, 10);
	if (colon[1] < '0' || colon[1] > '9' || *e != '\0' || errno != 0 ||
	    port > 65535)
		return -1;
	a->port = (unsigned int)port;
	return 0;
}

int
serve_listen_valid(const char *addr)
{
	struct serve_addr	a;

	return serve_addr_parse(addr, &a) == 0;
}

size_t
serve_listen_path_max(void)
{
	return sizeof ((struct sockaddr_un *)0)->sun_path - 1;
}

/* name, base_url and hosts for a TCP socket on host:port. */
static void
serve_listen_names(struct serve_listen *ln, const char *host, int v6,
    unsigned int port)
{
	const char	*lit = v6 ? "[::1]" : "127.0.0.1";
	char		 h[80];
	size_t		 n = 0;

	snprintf(h, sizeof h, v6 ? "[%s]" : "%s", host);
	ln->name = xasprintf("%s:%u", h, port);
	ln->base_url = xasprintf("http://%s:%u/v1", h, port);
	ln->hosts = xcalloc(4, sizeof *ln->hosts);
	ln->hosts[n++] = xstrdup(ln->name);
	if (strcmp(h, "localhost") != 0)
		ln->hosts[n++] = xasprintf("localhost:%u", port);
	if (strcmp(h, lit) != 0)
		ln->hosts[n++] = xasprintf("%s:%u", lit, port);
}

static int
serve_listen_tcp(const struct serve_addr *a, struct serve_listen *ln)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, one = 1, v6 = a->family == AF_INET6;

	memset(&ss, 0, sizeof ss);
	if (v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((uint16_t)a->port);
		len = sizeof *s6;
	} else {
		s4->sin_family = AF_INET;
		if (strcmp(a->host, "localhost") == 0)
			s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else
			inet_pton(AF_INET, a->host, &s4->sin_addr);
		s4->sin_port = htons((uint16_t)a->port);
		len = sizeof *s4;
	}
	if ((fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return vt_err(VT_ERR_INTERNAL, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SERVE_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		int e = errno;

		close(fd);
		return vt_err(e == EADDRINUSE ? VT_ERR_CONFIG : VT_ERR_INTERNAL,
		    "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "", a->host,
		    v6 ? "]" : "", a->port, strerror(e));
	}
	ln->fd = fd;
	serve_listen_names(ln, a->host, v6,
	    ntohs(v6 ? s6->sin6_port : s4->sin_port));
	return 0;
}

static int
serve_listen_unix(const char *path, struct serve_listen *ln)
{
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	struct stat		 st;
	int			 fd, e;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return vt_err(VT_ERR_INTERNAL, "socket: %s", strerror(errno));
	/* A socket file nobody answers on is a broker's leftover. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			close(fd);
			return vt_err(VT_ERR_CONFIG, "cannot listen on "
			    "unix:%s: something answers there already", path);
		}
		unlink(path);
		close(fd);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			return vt_err(VT_ERR_INTERNAL, "socket: %s",
			    strerror(errno));
	}
	/* umask 077 (process_harden): only this user may connect. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(fd, SERVE_BACKLOG) == -1) {
		e = errno;
		close(fd);
		return vt_err(e == EADDRINUSE ? VT_ERR_CONFIG : VT_ERR_INTERNAL,
		    "cannot listen on unix:%s: %s", path, strerror(e));
	}
	ln->fd = fd;
	ln->unix_socket = 1;
	ln->name = xasprintf("unix:%s", path);
	ln->base_url = xstrdup("http://localhost/v1");
	ln->unlink_path = xstrdup(path);
	return 0;
}

/* systemd's socket: 1 if there is none, 0 with ln filled, VT_ERR_*. */
static int
serve_listen_systemd(struct serve_listen *ln)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	const char		*pid = file_getenv("LISTEN_PID");
	const char		*fds = file_getenv("LISTEN_FDS");
	char			 host[INET6_ADDRSTRLEN];
	int			 fd = 3, v6;

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() ||
	    atoi(fds) < 1)
		return 1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (atoi(fds) > 1)
		log_warn("systemd passed %s sockets; using the first", fds);
	/* Zeroed: a unix path of all 108 bytes comes without its NUL. */
	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return vt_err(VT_ERR_CONFIG, "the socket systemd passed is "
		    "unusable: %s", strerror(errno));
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	ln->fd = fd;
	if (ss.ss_family == AF_UNIX) {
		ln->unix_socket = 1;
		ln->name = xasprintf("unix:%s",
		    ((struct sockaddr_un *)&ss)->sun_path);
		ln->base_url = xstrdup("http://localhost/v1");
		return 0;
	}
	v6 = ss.ss_family == AF_INET6;
	if ((v6 && !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->
	    sin6_addr)) || (!v6 && (ss.ss_family != AF_INET || (ntohl(
	    ((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) != 127)))
		return vt_err(VT_ERR_CONFIG, "the socket systemd passed is not "
		    "on loopback: set ListenStream=127.0.0.1:PORT");
	inet_ntop(ss.ss_family, v6 ? (void *)&((struct sockaddr_in6 *)&ss)->
	    sin6_addr : (void *)&((struct sockaddr_in *)&ss)->sin_addr, host,
	    sizeof host);
	serve_listen_names(ln, host, v6, ntohs(v6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port));
	return 0;
}

int
serve_listen_open(struct vt_ctx *ctx, struct serve_listen *ln)
{
	struct serve_addr	a;
	int			r;

	memset(ln, 0, sizeof *ln);
	ln->fd = -1;
	if ((r = serve_listen_systemd(ln)) <= 0)
		return r;
	if (serve_addr_parse(ctx->listen.value, &a) != 0)
		return vt_err(setting_bad_code(&ctx->listen), "invalid listen "
		    "address '%s' (from %s): expected 127.0.0.1:PORT, "
		    "[::1]:PORT, localhost:PORT or unix:/PATH", ctx->listen.value,
		    ctx->listen.origin);
	return a.family == AF_UNIX ? serve_listen_unix(a.path, ln) :
	    serve_listen_tcp(&a, ln);
}

int
serve_listen_private(struct serve_listen *ln)
{
	struct serve_addr	a;

	memset(ln, 0, sizeof *ln);
	ln->fd = -1;
	serve_addr_parse("127.0.0.1:0", &a);
	return serve_listen_tcp(&a, ln);
}

void
serve_listen_close(struct serve_listen *ln)
{
	if (ln->fd != -1)
		close(ln->fd);
	if (ln->unlink_path != NULL)
		unlink(ln->unlink_path);
	free(ln->unlink_path);
	free(ln->name);
	free(ln->base_url);
	xstrv_free(ln->hosts);
	memset(ln, 0, sizeof *ln);
	ln->fd = -1;
}
