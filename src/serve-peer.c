/*
 * serve-peer.c: who is on the other end of a connection to the broker.
 *
 * On a unix socket the kernel says so directly (SO_PEERCRED).  On
 * loopback TCP the client's socket is another socket of this machine,
 * and the kernel's socket diagnostics (NETLINK_SOCK_DIAG, what ss(8)
 * uses) look it up by its four-tuple and report the uid that owns it.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "serve.h"

static int
serve_peer_unix(int fd, uid_t *uid)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*uid = cred.uid;
	return 0;
}

/* The diagnostics request for the client's end of fd. */
static int
serve_peer_request(int fd, struct inet_diag_req_v2 *req)
{
	struct sockaddr_storage	 me, peer;
	socklen_t		 len;

	len = sizeof me;
	if (getsockname(fd, (struct sockaddr *)&me, &len) == -1)
		return -1;
	len = sizeof peer;
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1)
		return -1;
	if (me.ss_family != peer.ss_family) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(req, 0, sizeof *req);
	req->sdiag_family = (uint8_t)me.ss_family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0U;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	/* The client's socket: its source is our peer. */
	if (me.ss_family == AF_INET) {
		const struct sockaddr_in *m = (void *)&me, *p = (void *)&peer;

		req->id.idiag_sport = p->sin_port;
		req->id.idiag_dport = m->sin_port;
		memcpy(req->id.idiag_src, &p->sin_addr, 4);
		memcpy(req->id.idiag_dst, &m->sin_addr, 4);
	} else if (me.ss_family == AF_INET6) {
		const struct sockaddr_in6 *m = (void *)&me, *p = (void *)&peer;

		req->id.idiag_sport = p->sin6_port;
		req->id.idiag_dport = m->sin6_port;
		memcpy(req->id.idiag_src, &p->sin6_addr, 16);
		memcpy(req->id.idiag_dst, &m->sin6_addr, 16);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

static int
serve_peer_diag(int fd, uid_t *uid)
{
	struct {
		struct nlmsghdr		nlh;
		struct inet_diag_req_v2	req;
	} msg;
	union {
		struct nlmsghdr	nlh;
		char		buf[8192];
	} reply;
	struct sockaddr_nl	 nl = { .nl_family = AF_NETLINK };
	struct nlmsghdr		*h;
	struct inet_diag_msg	*d;
	ssize_t			 n;
	int			 s, r = -1, e = ESRCH;

	memset(&msg, 0, sizeof msg);
	if (serve_peer_request(fd, &msg.req) == -1)
		return -1;
	msg.nlh.nlmsg_len = sizeof msg;
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.nlh.nlmsg_seq = 1;
	if ((s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return -1;
	if (sendto(s, &msg, sizeof msg, 0, (struct sockaddr *)&nl,
	    sizeof nl) == -1 ||
	    (n = recv(s, &reply, sizeof reply, 0)) == -1) {
		e = errno;
		goto out;
	}
	for (h = &reply.nlh; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *err = NLMSG_DATA(h);

			e = err->error < 0 ? -err->error : ESRCH;
			break;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof *d))
			continue;
		d = NLMSG_DATA(h);
		*uid = d->idiag_uid;
		r = 0;
		break;
	}
out:
	close(s);
	if (r != 0)
		errno = e;
	return r;
}

int
serve_peer_uid(int fd, int unix_socket, uid_t *uid)
{
	return unix_socket ? serve_peer_unix(fd, uid) :
	    serve_peer_diag(fd, uid);
}
