/*
 * jwt.c: RS256 JSON Web Tokens (RFC 7515, RFC 7519), as the jwt-bearer
 * grant of a service account needs; base64url is b64url.c's.
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

/* Serialise compactly; '/' need not be escaped and URLs read better. */
#define JWT_JSON_FLAGS	\
    (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

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
