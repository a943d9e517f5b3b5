/*
 * kubecred.c: kubectl's exec credential protocol (kubecred.h).
 *
 * The request is read strictly: a value that is not the JSON object
 * client-go writes, or asks for an apiVersion vtoken does not speak, is
 * refused with a reason, so that a kubeconfig naming the wrong version
 * fails with a clear message instead of a token kubectl cannot read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "kubecred.h"
#include "oauth.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

int
kubecred_api_version(const char *info, const char **api, const char **why)
{
	struct json_object	*o;
	const char		*kind, *v;
	int			 r = -1;

	*api = NULL;
	*why = NULL;
	if (info == NULL || *info == '\0') {
		*api = KUBECRED_V1BETA1;
		return 0;
	}
	if ((o = oauth_json_parse(info, strlen(info), why)) == NULL)
		return -1;
	kind = oauth_json_str(o, "kind");
	v = oauth_json_str(o, "apiVersion");
	if (kind == NULL || strcmp(kind, KUBECRED_KIND) != 0)
		*why = "its kind is not ExecCredential";
	else if (v == NULL)
		*why = "it has no apiVersion";
	else if (strcmp(v, KUBECRED_V1) == 0) {
		*api = KUBECRED_V1;
		r = 0;
	} else if (strcmp(v, KUBECRED_V1BETA1) == 0) {
		*api = KUBECRED_V1BETA1;
		r = 0;
	} else
		*why = "its apiVersion is neither " KUBECRED_V1 " nor "
		    KUBECRED_V1BETA1;
	secret_json_put(o);
	return r;
}

char *
kubecred_answer(const char *api, const char *token, time_t expires_at,
    time_t now)
{
	char	 when[32], exp[64] = "";

	if (strcmp(api, KUBECRED_V1) != 0 && strcmp(api, KUBECRED_V1BETA1) != 0)
		return NULL;
	/* RFC 6750 characters need no JSON escaping (dockercred.c). */
	if (*token == '\0' || !output_token_valid(token))
		return NULL;
	if (expires_at > 0) {
		if (output_rfc3339(output_client_expiry(expires_at, now), when,
		    sizeof when) == NULL)
			return NULL;
		snprintf(exp, sizeof exp, ",\"expirationTimestamp\":\"%s\"",
		    when);
	}
	return xasprintf("{\"apiVersion\":\"%s\",\"kind\":\"%s\","
	    "\"status\":{\"token\":\"%s\"%s}}\n", api, KUBECRED_KIND, token,
	    exp);
}
