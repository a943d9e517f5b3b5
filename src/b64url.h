/*
 * b64url.h: base64url (RFC 4648 section 5, no padding on output).
 */
#ifndef VTOKEN_B64URL_H
#define VTOKEN_B64URL_H

#include <stddef.h>

/* A character's 6-bit value, or -1 if it is not base64url. */
int	 b64url_value(unsigned char c);
/* Encode len bytes; never fails.  Caller frees. */
char	*b64url_encode(const void *data, size_t len);
/*
 * Decode unpadded (or padded) canonical base64url.  Returns a
 * NUL-terminated buffer of *outlen bytes (caller frees; it may be a
 * secret), or NULL on any invalid input.
 */
unsigned char *b64url_decode(const char *s, size_t len, size_t *outlen);

#endif /* VTOKEN_B64URL_H */
