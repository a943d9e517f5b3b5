/*
 * redact.h: masking secrets in the -vvv trace (redact.c).
 */
#ifndef VTOKEN_REDACT_H
#define VTOKEN_REDACT_H

#include <stddef.h>

/*
 * Copy data (a header block, a request or reply body, curl's own text)
 * with credentials masked: the values of the Authorization (all but a
 * Bearer or Basic scheme), Proxy-Authorization, Cookie, Set-Cookie,
 * X-Goog-Api-Key and X-Goog-IAM-Authorization-Token headers; of form
 * fields and JSON string members named access_token, refresh_token,
 * id_token, client_secret, password, code, code_verifier, device_code,
 * assertion, subject_token, actor_token, private_key, token, accessToken,
 * saml_response, key or api_key (a JSON value may stand on a later line);
 * and every secret noted with secret_note(), wherever it stands.  Each
 * becomes "[redacted, N bytes]".  Returns a NUL-terminated string the
 * caller frees; it is not escaped (log.c does that).
 */
char	*redact_trace(const char *data, size_t len);

#endif /* VTOKEN_REDACT_H */
