/*
 * mod-net.h: the table the vtoken-net module exports (see module.h).
 * net.c forwards http.h's and jwt.h's network and crypto calls to it.
 */
#ifndef VTOKEN_MOD_NET_H
#define VTOKEN_MOD_NET_H

#include "http.h"
#include "jwt.h"
#include "mod-host.h"

/* Bumped whenever the table changes: a stale module is refused. */
#define VT_NET_API_VERSION	4

struct vt_net_api {
	struct vt_module_head	head;
	int	(*request)(struct vt_ctx *, const struct http_request *,
		    struct http_response *);
	void	(*global_cleanup)(void);
	int	(*jwt_sign_rs256)(const char *, const char *,
		    const struct jwt_claims *, char **);
	int	(*url_host)(const char *, const char *, char **);
};

#endif /* VTOKEN_MOD_NET_H */
