/*
 * jwt.c: base64url (RFC 4648 section 5) and RS256 JSON Web Tokens
 * (RFC 7515, RFC 7519), as the jwt-bearer grant of a service account needs.
 *
 * The codec is written by hand rather than wrapped around OpenSSL's
 * EVP_EncodeBlock/EVP_DecodeBlock: those speak the '+/' alphabet, always
 * pad, skip leading and trailing whitespace and report a decoded length
 * that still counts the padding, so wrapping them takes two translated
 * copies and as much code as the codec itself, and is less strict.  This
 * one is short and refuses anything that is not canonical base64url.
 *
 * The assertion returned by jwt_sign_rs256() is a bearer credential for an
 * hour: it is a secret and goes back through secret_free().
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "vtoken.h"
#include "jwt.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Serialise compactly; '/' need not be escaped and URLs read better. */
#define JWT_JSON_FLAGS	\
    (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Map a base64url character to its 6-bit value, or -1 if it is not one. */
static int
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

/* Refuse to prompt for a passphrase: OpenSSL's default reads the tty. */
static int
jwt_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/*
 * Parse the PEM private key (PKCS#8 or PKCS#1) and insist on RSA.  The
 * messages never quote the key: it is the service account's secret.
 */
static int
jwt_load_key(const char *pem, EVP_PKEY **out)
{
	BIO		*bio = NULL;
	EVP_PKEY	*pkey = NULL;
	int		 r;

	*out = NULL;
	/* A read-only BIO over our buffer: OpenSSL makes no copy of it. */
	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL) {
		r = vt_err(VT_ERR_INTERNAL, "cannot set up OpenSSL to read "
		    "the private key");
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, jwt_no_passphrase, NULL);
	if (pkey == NULL) {
		r = vt_err(VT_ERR_CRED, "private_key is not a valid RSA "
		    "private key in PEM form; create a new key for the "
		    "service account");
		goto out;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		r = vt_err(VT_ERR_CRED, "private_key is not a valid RSA "
		    "private key (it is %s); RS256 needs an RSA key",
		    EVP_PKEY_get0_type_name(pkey) != NULL ?
		    EVP_PKEY_get0_type_name(pkey) : "of another type");
		goto out;
	}
	*out = pkey;
	pkey = NULL;
	r = 0;
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return r;
}

/* Serialise obj compactly and base64url-encode it; NULL on failure. */
static char *
jwt_encode_json(json_object *obj)
{
	const char	*s;
	size_t		 len;

	if ((s = json_object_to_json_string_length(obj, JWT_JSON_FLAGS,
	    &len)) == NULL)
		return NULL;
	return b64url_encode(s, len);
}

/* Add a string member unless value is NULL. */
static void
jwt_add_string(json_object *obj, const char *key, const char *value)
{
	if (value != NULL)
		json_object_object_add(obj, key, json_object_new_string(value));
}

/* Build the jwt-bearer assertion a service account trades for a token. */
int
jwt_sign_rs256(const char *pem_key, const char *kid,
    const struct jwt_claims *claims, char **out)
{
	json_object	*hdr = NULL, *cl = NULL;
	EVP_PKEY	*pkey = NULL;
	EVP_MD_CTX	*md = NULL;
	unsigned char	*sig = NULL;
	char		*hdr64 = NULL, *cl64 = NULL, *input = NULL;
	char		*sig64 = NULL;
	size_t		 siglen = 0, sigcap = 0;
	int		 r;

	*out = NULL;
	if (pem_key == NULL || claims == NULL || claims->iss == NULL) {
		r = vt_err(VT_ERR_INTERNAL, "cannot sign a JWT without a key "
		    "and an issuer");
		goto out;
	}
	if ((r = jwt_load_key(pem_key, &pkey)) != 0)
		goto out;

	hdr = json_object_new_object();
	jwt_add_string(hdr, "alg", "RS256");
	jwt_add_string(hdr, "typ", "JWT");
	jwt_add_string(hdr, "kid", kid);
	cl = json_object_new_object();
	jwt_add_string(cl, "iss", claims->iss);
	jwt_add_string(cl, "scope", claims->scope);
	jwt_add_string(cl, "aud", claims->aud);
	json_object_object_add(cl, "iat",
	    json_object_new_int64((int64_t)claims->iat));
	json_object_object_add(cl, "exp",
	    json_object_new_int64((int64_t)claims->exp));
	jwt_add_string(cl, "sub", claims->sub);
	jwt_add_string(cl, "target_audience", claims->target_audience);
	if ((hdr64 = jwt_encode_json(hdr)) == NULL ||
	    (cl64 = jwt_encode_json(cl)) == NULL) {
		r = vt_err(VT_ERR_INTERNAL, "cannot serialise the JWT");
		goto out;
	}
	/* The signing input is not secret; the signature over it is. */
	input = xasprintf("%s.%s", hdr64, cl64);

	/* RSASSA-PKCS1-v1_5 (the default padding) with SHA-256. */
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &sigcap, (const unsigned char *)input,
	    strlen(input)) != 1) {
		r = vt_err(VT_ERR_INTERNAL, "cannot sign the JWT: OpenSSL "
		    "refused to set up RS256");
		goto out;
	}
	sig = xmalloc(sigcap);
	siglen = sigcap;
	if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
	    strlen(input)) != 1) {
		r = vt_err(VT_ERR_INTERNAL, "cannot sign the JWT: OpenSSL "
		    "failed to sign");
		goto out;
	}
	sig64 = b64url_encode(sig, siglen);
	*out = xasprintf("%s.%s", input, sig64);
	r = 0;
out:
	secret_free(sig64);
	secret_freezero(sig, sigcap);
	free(input);
	free(cl64);
	free(hdr64);
	json_object_put(cl);
	json_object_put(hdr);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	/* Leave nothing for a later, unrelated OpenSSL call to report. */
	ERR_clear_error();
	return r;
}
