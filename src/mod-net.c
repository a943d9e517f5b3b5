/*
 * mod-net.c: the vtoken-net module's one exported symbol.  Everything
 * else in the module is built with hidden visibility.
 */
#include "config.h"

#include "vtoken.h"
#include "mod-net.h"

__attribute__((visibility("default")))
const struct vt_net_api vt_net_api = {
	.head = {
		.version = VT_NET_API_VERSION,
		.host_version = VT_HOST_API_VERSION,
		.bind = mod_host_bind,
	},
	.request = http_request,
	.global_cleanup = http_global_cleanup,
	.jwt_sign_rs256 = jwt_sign_rs256,
	.url_host = http_url_host,
};
