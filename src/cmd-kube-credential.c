/*
 * cmd-kube-credential.c: kubectl's exec credential plugin, for GKE.
 *
 *   users:
 *   - name: gke
 *     user:
 *       exec:
 *         apiVersion: client.authentication.k8s.io/v1beta1
 *         command: vtoken
 *         args: [kube-credential]
 *         interactiveMode: Never
 *         provideClusterInfo: false
 *
 * kubectl sets KUBERNETES_EXEC_INFO to the request ({"apiVersion": ...,
 * "kind": "ExecCredential", "spec": {...}}) and reads an ExecCredential
 * of the same apiVersion from stdout, with the token and its expiry.
 * Without the variable (a person running it by hand, an old client) the
 * answer is v1beta1.  stdin is never read and nothing prompts: kubectl
 * connects stdin only for interactive plugins.
 *
 * kubectl keeps the credential in memory only, so every kubectl command
 * runs the plugin at least once; the token comes from vtoken's cache,
 * keyed by the credential's identity (never by kubeconfig context), so
 * each run after the first is a cache hit and switching account or
 * profile cannot serve the wrong principal.
 *
 * Errors: one "vtoken: ..." line on stderr, which kubectl shows, nothing
 * on stdout, and the usual exit status (2 for a request vtoken cannot
 * answer, checked before anything is minted).
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "vtoken.h"
#include "cmd.h"
#include "kubecred.h"
#include "log.h"

#define KUBECRED_ENV	"KUBERNETES_EXEC_INFO"

static char *
cmd_kube_credential_render(const struct token *tok, const void *api)
{
	return kubecred_answer(api, tok->access_token, tok->expires_at,
	    time(NULL));
}

static int
cmd_kube_credential_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	const char	*api, *why;
	int		 r;

	(void)args;
	if (kubecred_api_version(getenv(KUBECRED_ENV), &api, &why) != 0)
		return vt_err(VT_ERR_USAGE, "kube-credential: cannot answer "
		    KUBECRED_ENV ": %s; vtoken answers ExecCredential "
		    "requests of " KUBECRED_V1 " and v1beta1", why);
	if ((r = cmd_oauth_only(ctx)) != 0)
		return r;
	return cmd_answer(ctx, cmd_kube_credential_render, api, VT_ERR_CRED,
	    "kube-credential: the token cannot be sent to kubectl: it is not "
	    "made of token characters");
}

const struct cmd_entry cmd_kube_credential_entry = {
	.name = "kube-credential",
	.usage = "",
	.summary = "kubectl's exec credential plugin, for GKE.",
	.options = 0,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_kube_credential_exec
};
