/*
 * kubecred.h: kubectl's exec credential protocol (client-go's
 * plugin/pkg/client/auth/exec), without I/O: reading the request that
 * KUBERNETES_EXEC_INFO carries and writing the ExecCredential answer.
 * Pure functions, unit-tested in tests/unit/test-kubecred.c; the command
 * is cmd-kube-credential.c.
 */
#ifndef VTOKEN_KUBECRED_H
#define VTOKEN_KUBECRED_H

#include <time.h>

#define KUBECRED_V1		"client.authentication.k8s.io/v1"
#define KUBECRED_V1BETA1	"client.authentication.k8s.io/v1beta1"
#define KUBECRED_KIND		"ExecCredential"

/*
 * The apiVersion to answer with, from the value of KUBERNETES_EXEC_INFO
 * (NULL or empty: the variable is unset, and the answer is v1beta1, as
 * gke-gcloud-auth-plugin's).  The value must be one JSON object with
 * "kind": "ExecCredential" and an "apiVersion" of KUBECRED_V1 or
 * KUBECRED_V1BETA1; "spec" and anything else is ignored.  Returns 0 with
 * *api (static), or -1 with a reason in *why (static text, never input).
 */
int	 kubecred_api_version(const char *info, const char **api,
	    const char **why);

/*
 * The answer: {"apiVersion": api, "kind": "ExecCredential", "status":
 * {"token": token, "expirationTimestamp": RFC 3339}} and a newline; the
 * timestamp is output_client_expiry(expires_at, now), and left out when
 * expires_at is 0 (an API key).  NULL if token is empty or not made of
 * RFC 6750 token characters, or api is not one of the two.  The result
 * holds the token: secret_free() it.
 */
char	*kubecred_answer(const char *api, const char *token,
	    time_t expires_at, time_t now);

#endif /* VTOKEN_KUBECRED_H */
