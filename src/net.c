/*
 * net.c: http.h's and jwt.h's network and crypto entry points in the
 * program, forwarding to the vtoken-net module, loaded on first use (see
 * module.h).  Linked into the program only; the unit tests link http.c
 * and jwt.c directly.
 */
#include "config.h"

#include <stddef.h>

#include "vtoken.h"
#include "log.h"
#include "module.h"
#include "mod-net.h"

static const struct vt_net_api *net;

static int
net_load(void)
{
	const void	*api;
	int		 r;

	if (net != NULL)
		return 0;
	if ((r = module_load("net", "vt_net_api", VT_NET_API_VERSION,
	    &api)) != 0)
		return r;
	net = api;
	return 0;
}

int
http_request(struct vt_ctx *ctx, const struct http_request *req,
    struct http_response *resp)
{
	int	r;

	if ((r = net_load()) != 0)
		return r;
	return net->request(ctx, req, resp);
}

int
jwt_sign_rs256(const char *pem_key, const char *kid,
    const struct jwt_claims *claims, char **out)
{
	int	r;

	*out = NULL;
	if ((r = net_load()) != 0)
		return r;
	return net->jwt_sign_rs256(pem_key, kid, claims, out);
}

int
http_url_host(const char *url, const char *what, char **host)
{
	int	r;

	*host = NULL;
	if ((r = net_load()) != 0)
		return r;
	return net->url_host(url, what, host);
}

void
http_global_cleanup(void)
{
	if (net != NULL)
		net->global_cleanup();
}
