/*
 * b64url.c: base64url (RFC 4648 section 5), pure, for every part of
 * vtoken that reads or writes it: JWTs (jwt.c), ID tokens (idtoken.c)
 * and the broker's local key (cmd-serve.c).  Built into the program and
 * into the net module.
 *
 * The codec is written by hand rather than wrapped around OpenSSL's
 * EVP_EncodeBlock/EVP_DecodeBlock or GLib's g_base64_*: those speak the
 * '+/' alphabet, pad, and accept more than canonical text, so wrapping
 * them takes translated copies (of what may be a secret) and as much code
 * as the codec itself, and is less strict.  This one is short and
 * refuses anything that is not canonical base64url.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "b64url.h"
#include "secret.h"
#include "xmalloc.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Map a base64url character to its 6-bit value, or -1 if it is not one. */
int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Encode for a JWT segment: URL-safe alphabet, no padding. */
char *
b64url_encode(const void *data, size_t len)
{
	const unsigned char	*in = data;
	char			*out, *p;
	uint32_t		 v;
	size_t			 i, rest;

	/* len / 3 + 2 groups of 4 hold the tail and the NUL; no overflow. */
	p = out = xreallocarray(NULL, len / 3 + 2, 4);
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*p++ = b64url_alphabet[v >> 18 & 0x3f];
		*p++ = b64url_alphabet[v >> 12 & 0x3f];
		*p++ = b64url_alphabet[v >> 6 & 0x3f];
		*p++ = b64url_alphabet[v & 0x3f];
	}
	/* A tail of 1 or 2 bytes becomes 2 or 3 characters, unpadded. */
	rest = len - i;
	if (rest > 0) {
		v = (uint32_t)in[i] << 16;
		if (rest == 2)
			v |= (uint32_t)in[i + 1] << 8;
		*p++ = b64url_alphabet[v >> 18 & 0x3f];
		*p++ = b64url_alphabet[v >> 12 & 0x3f];
		if (rest == 2)
			*p++ = b64url_alphabet[v >> 6 & 0x3f];
	}
	*p = '\0';
	return out;
}

/*
 * Strict decoding: the alphabet is '-_', never '+/'; '=' may only pad the
 * last quantum to a multiple of 4; no whitespace; the unused low bits of
 * the last character must be zero, so every byte string has exactly one
 * accepted encoding (two spellings of one token are a parser's hazard).
 */
unsigned char *
b64url_decode(const char *s, size_t len, size_t *outlen)
{
	const unsigned char	*in = (const unsigned char *)s;
	unsigned char		*out, *p;
	uint32_t		 v;
	size_t			 i, n, npad, cap;
	int			 a, b, c, d;

	if (outlen != NULL)
		*outlen = 0;
	npad = 0;
	while (npad < 2 && npad < len && in[len - 1 - npad] == '=')
		npad++;
	if (npad > 0 && len % 4 != 0)
		return NULL;
	n = len - npad;
	if (n % 4 == 1)
		return NULL;
	cap = n / 4 * 3 + 3;
	p = out = xmalloc(cap);
	for (i = 0; i + 4 <= n; i += 4) {
		a = b64url_value(in[i]);
		b = b64url_value(in[i + 1]);
		c = b64url_value(in[i + 2]);
		d = b64url_value(in[i + 3]);
		if ((a | b | c | d) < 0)
			goto fail;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		    (uint32_t)d;
		*p++ = v >> 16 & 0xff;
		*p++ = v >> 8 & 0xff;
		*p++ = v & 0xff;
	}
	if (n - i == 2) {
		a = b64url_value(in[i]);
		b = b64url_value(in[i + 1]);
		if ((a | b) < 0 || (b & 0x0f) != 0)
			goto fail;
		*p++ = (unsigned char)(a << 2 | b >> 4);
	} else if (n - i == 3) {
		a = b64url_value(in[i]);
		b = b64url_value(in[i + 1]);
		c = b64url_value(in[i + 2]);
		if ((a | b | c) < 0 || (c & 0x03) != 0)
			goto fail;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
		*p++ = v >> 16 & 0xff;
		*p++ = v >> 8 & 0xff;
	}
	*p = '\0';
	if (outlen != NULL)
		*outlen = (size_t)(p - out);
	return out;

fail:
	/* What was decoded so far may be part of a secret. */
	secret_freezero(out, cap);
	return NULL;
}
