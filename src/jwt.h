/*
 * jwt.h: RS256 JSON Web Tokens (RFC 7515/7519) signed with OpenSSL's EVP
 * interface; base64url from b64url.h.
 */
#ifndef VTOKEN_JWT_H
#define VTOKEN_JWT_H

#include <stddef.h>
#include <time.h>

#include "b64url.h"


struct jwt_claims {
	const char	*iss;
	const char	*sub;		/* optional */
	const char	*aud;		/* optional */
	const char	*scope;		/* optional, space-separated */
	time_t		 iat;
	time_t		 exp;
	/*
	 * Optional: an ID token for this audience is asked for instead of
	 * an access token (Google's jwt-bearer grant; scope is then unset).
	 */
	const char	*target_audience;
};

/*
 * Build and sign "header.claims.signature" with the PEM private key (PKCS#8
 * or PKCS#1 RSA).  kid is optional.  Returns 0 and *out (a secret: the
 * caller releases it with secret_free), or VT_ERR_CRED when the key does
 * not parse or is not RSA ("private_key ... is not a valid RSA key": no key
 * material in the message).
 */
int	 jwt_sign_rs256(const char *pem_key, const char *kid,
	    const struct jwt_claims *claims, char **out);

#endif /* VTOKEN_JWT_H */
