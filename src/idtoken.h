/*
 * idtoken.h: OpenID Connect ID tokens (signed JWTs naming an audience),
 * as Google's three flows hand them out: the token endpoint's jwt-bearer
 * grant with target_audience (service account keys), IAM Credentials
 * generateIdToken (impersonation), and the metadata server's identity
 * path.  source_id_token (source.h) is the entry point; these are the
 * checks every ID token passes before anyone sees it.
 *
 * vtoken does not verify the signature (the audience does that); it
 * checks the shape, so that what it prints is a JWT of bounded size made
 * of base64url text, meant for the audience asked for, and not expired.
 */
#ifndef VTOKEN_IDTOKEN_H
#define VTOKEN_IDTOKEN_H

#include <stddef.h>
#include <time.h>

struct token;
struct vt_ctx;

#define IDTOKEN_AUDIENCE_MAX	1024	/* bytes of an audience */
#define IDTOKEN_MAX_LIFE	86400	/* exp at most this far ahead */

/*
 * 0 if audience is 1 to IDTOKEN_AUDIENCE_MAX bytes of printable ASCII
 * without spaces, else VT_ERR_USAGE with the message recorded (which
 * never quotes the audience).  Pure.
 */
int	 idtoken_audience_check(const char *audience);

/*
 * Check the ID token s[0..len) (from names where it came from, for the
 * messages; the token itself never reaches one) and, if it passes, put a
 * copy into tok->access_token (a secret), its "exp" into tok->expires_at
 * and its "iat", if any, into tok->issued_at.  It must be at most
 * VT_TOKEN_MAX bytes of base64url text in three non-empty dot-separated
 * parts, whose header and payload are JSON objects; the payload's "aud"
 * (a string, or a list of them) must name audience and its "exp" (an
 * integer) must be later than now and at most IDTOKEN_MAX_LIFE ahead.
 * Errors: VT_ERR_CRED for a token too long, with characters a token
 * cannot have, or for another audience; VT_ERR_NET for anything
 * malformed or expired (a reply that is not an ID token).  Pure.
 */
int	 idtoken_accept(const char *s, size_t len, const char *audience,
	    const char *from, time_t now, struct token *tok);

/*
 * A JSON reply's string member field ("id_token", "token") through
 * idtoken_accept.  VT_ERR_NET if the body is not a JSON object with that
 * string.  The parsed reply is wiped.  Pure.
 */
int	 idtoken_from_json(const char *body, size_t len, const char *field,
	    const char *audience, const char *from, time_t now,
	    struct token *tok);

/*
 * Mint an ID token at a token endpoint: POST form (a service account
 * key's jwt-bearer grant whose assertion names target_audience; a
 * secret, the caller wipes it) to token_uri and check the reply's
 * id_token.  Errors as oauth_token_request.
 */
int	 idtoken_token_request(struct vt_ctx *ctx, const char *token_uri,
	    const char *form, const char *audience, struct token *tok);

#endif /* VTOKEN_IDTOKEN_H */
