/*
 * test-jwt.c: base64url and RS256 signing.
 *
 * The keys are generated when the test runs; none is committed.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "vtoken.h"
#include "jwt.h"
#include "log.h"
#include "secret.h"

struct keys {
	EVP_PKEY	*rsa;
	char		*pkcs8;		/* PKCS#8 PEM */
	char		*pkcs1;		/* PKCS#1 PEM */
	char		*pkcs8_enc;	/* ... ENCRYPTED PRIVATE KEY----- */
	EVP_PKEY	*ec;
	char		*ec_pem;
};

/* Copy a memory BIO's content into a NUL-terminated string. */
static char *
bio_string(BIO *bio)
{
	char	*data, *s;
	long	 len;

	len = BIO_get_mem_data(bio, &data);
	assert_true(len > 0);
	s = malloc((size_t)len + 1);
	assert_non_null(s);
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
	return s;
}

/* Write pkey as PEM with writer's choice of format. */
static char *
pem_of(EVP_PKEY *pkey, int form)
{
	BIO	*bio;
	char	*s;

	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	switch (form) {
	case 8:
		assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL,
		    NULL, 0, NULL, NULL), 1);
		break;
	case 1:
		/* "Traditional" is PKCS#1 for RSA. */
		assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio,
		    pkey, NULL, NULL, 0, NULL, NULL), 1);
		break;
	default:
		assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, pkey,
		    EVP_aes_256_cbc(), "passphrase", 10, NULL, NULL), 1);
		break;
	}
	s = bio_string(bio);
	BIO_free(bio);
	return s;
}

static int
setup_keys(void **state)
{
	struct keys	*k;

	k = calloc(1, sizeof *k);
	assert_non_null(k);
	k->rsa = EVP_RSA_gen(2048);
	assert_non_null(k->rsa);
	k->pkcs8 = pem_of(k->rsa, 8);
	k->pkcs1 = pem_of(k->rsa, 1);
	k->pkcs8_enc = pem_of(k->rsa, 0);
	assert_non_null(strstr(k->pkcs8, "-----BEGIN " "PRIVATE KEY-----"));
	assert_non_null(strstr(k->pkcs1, "-----BEGIN " "RSA PRIVATE KEY-----"));
	assert_non_null(strstr(k->pkcs8_enc,
	    "-----BEGIN " "ENCRYPTED PRIVATE KEY-----"));
	k->ec = EVP_EC_gen("P-256");
	assert_non_null(k->ec);
	k->ec_pem = pem_of(k->ec, 8);
	*state = k;
	return 0;
}

static int
teardown_keys(void **state)
{
	struct keys	*k = *state;

	EVP_PKEY_free(k->rsa);
	EVP_PKEY_free(k->ec);
	free(k->pkcs8);
	free(k->pkcs1);
	free(k->pkcs8_enc);
	free(k->ec_pem);
	free(k);
	vt_err_clear();
	return 0;
}

/* Encode, check against want, decode and compare with the input. */
static void
check_vector(const char *in, size_t len, const char *want)
{
	unsigned char	*dec;
	char		*enc;
	size_t		 declen;

	enc = b64url_encode(in, len);
	assert_string_equal(enc, want);
	dec = b64url_decode(enc, strlen(enc), &declen);
	assert_non_null(dec);
	assert_int_equal(declen, len);
	assert_memory_equal(dec, in, len);
	assert_int_equal(dec[declen], '\0');
	free(dec);
	free(enc);
}

/* RFC 4648 section 10 vectors, and the two characters that differ. */
static void
test_b64url_vectors(void **state)
{
	check_vector("", 0, "");
	check_vector("f", 1, "Zg");
	check_vector("fo", 2, "Zm8");
	check_vector("foo", 3, "Zm9v");
	check_vector("foob", 4, "Zm9vYg");
	check_vector("fooba", 5, "Zm9vYmE");
	check_vector("foobar", 6, "Zm9vYmFy");
	check_vector("\xfb\xff", 2, "-_8");
	check_vector("\xfb\xef\xbe", 3, "----");
	check_vector("\xff\xff\xff", 3, "____");
	check_vector("\0\0\0", 3, "AAAA");
	check_vector("\0", 1, "AA");
}

/* Every byte value, with every tail length, survives a round trip. */
static void
test_b64url_roundtrip(void **state)
{
	unsigned char	 buf[259], *dec;
	char		*enc;
	size_t		 len, declen, i;

	for (i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < 256; i++)
		buf[i] = (unsigned char)i;
	for (len = 0; len <= sizeof buf; len++) {
		enc = b64url_encode(buf, len);
		assert_int_equal(strlen(enc), (len * 4 + 2) / 3);
		assert_null(strchr(enc, '='));
		assert_null(strchr(enc, '+'));
		assert_null(strchr(enc, '/'));
		dec = b64url_decode(enc, strlen(enc), &declen);
		assert_non_null(dec);
		assert_int_equal(declen, len);
		assert_memory_equal(dec, buf, len);
		free(dec);
		free(enc);
	}
}

/* Padding is optional on input, but must be right when present. */
static void
test_b64url_padding(void **state)
{
	static const char *const good[] = {
		"Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "", NULL
	};
	static const char *const want[] = {
		"f", "fo", "foo", "foob", "fooba", "", NULL
	};
	unsigned char	*dec;
	size_t		 declen, i;

	for (i = 0; good[i] != NULL; i++) {
		dec = b64url_decode(good[i], strlen(good[i]), &declen);
		assert_non_null(dec);
		assert_int_equal(declen, strlen(want[i]));
		assert_memory_equal(dec, want[i], declen);
		free(dec);
	}
	/* len bounds the input: what follows is not read. */
	dec = b64url_decode("Zm9vYmFy!!!", 4, &declen);
	assert_non_null(dec);
	assert_int_equal(declen, 3);
	assert_memory_equal(dec, "foo", 3);
	free(dec);
}

/* Anything but canonical base64url is refused. */
static void
test_b64url_reject(void **state)
{
	static const char *const bad[] = {
		"Z",		/* length 1 mod 4 */
		"Zm9vY",	/* length 1 mod 4 */
		"Zg=",		/* padding that does not complete the quantum */
		"Zg===",
		"Zm9v=",
		"Zm9v====",
		"=",
		"==",
		"Zg==Zg==",	/* padding in the middle */
		"Z=g=",
		"Zm=v",
		"+/8",		/* the standard alphabet */
		"Zm+v",
		"Zm/v",
		" Zm9v",	/* whitespace */
		"Zm9v ",
		"Zm9\nv",
		"Zm9v\n",
		"Zm.v",
		"Zm9v!",
		"Zm\x80v",
		"Zh",		/* non-zero bits after the last byte */
		"Zm9",
		"Zg=a",
		NULL
	};
	unsigned char	*dec;
	size_t		 declen, i;

	for (i = 0; bad[i] != NULL; i++) {
		declen = 99;
		dec = b64url_decode(bad[i], strlen(bad[i]), &declen);
		if (dec != NULL)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(declen, 0);
	}
	/* A NUL byte inside the length. */
	assert_null(b64url_decode("Zm\0v", 4, &declen));
	assert_null(b64url_decode("Zm9v\0\0\0\0", 8, &declen));
}

/* Split a JWT into its three decoded parts. */
static void
jwt_split(const char *jwt, char **hdr, char **claims,
    unsigned char **sig, size_t *siglen)
{
	const char	*d1, *d2;
	size_t		 len;

	d1 = strchr(jwt, '.');
	assert_non_null(d1);
	d2 = strchr(d1 + 1, '.');
	assert_non_null(d2);
	assert_null(strchr(d2 + 1, '.'));
	*hdr = (char *)b64url_decode(jwt, (size_t)(d1 - jwt), &len);
	assert_non_null(*hdr);
	assert_int_equal(strlen(*hdr), len);
	*claims = (char *)b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &len);
	assert_non_null(*claims);
	assert_int_equal(strlen(*claims), len);
	*sig = b64url_decode(d2 + 1, strlen(d2 + 1), siglen);
	assert_non_null(*sig);
}

/* The string member key of obj, or NULL. */
static const char *
member(json_object *obj, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

/* The integer member key of obj. */
static int64_t
member_int(json_object *obj, const char *key)
{
	json_object	*v;

	assert_true(json_object_object_get_ex(obj, key, &v));
	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

/* Verify the RS256 signature of jwt with pkey. */
static void
jwt_verify(const char *jwt, EVP_PKEY *pkey, const unsigned char *sig,
    size_t siglen)
{
	EVP_MD_CTX	*md;
	const char	*d2;

	d2 = strrchr(jwt, '.');
	md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pkey), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, siglen,
	    (const unsigned char *)jwt, (size_t)(d2 - jwt)), 1);
	EVP_MD_CTX_free(md);
}

/* Sign with pem and kid, then check every part of the result. */
static void
check_signed(const char *pem, EVP_PKEY *pub, const char *kid,
    const char *sub)
{
	struct jwt_claims	 c;
	json_object		*h, *cl;
	unsigned char		*sig;
	char			*jwt, *hdr, *claims;
	size_t			 siglen;

	memset(&c, 0, sizeof c);
	c.iss = "robot@project.iam.gserviceaccount.com";
	c.sub = sub;
	c.aud = "https://oauth2.googleapis.com/token";
	c.scope = "https://www.googleapis.com/auth/cloud-platform "
	    "https://www.googleapis.com/auth/userinfo.email";
	c.iat = 1700000000;
	c.exp = 1700003600;
	jwt = NULL;
	assert_int_equal(jwt_sign_rs256(pem, kid, &c, &jwt), 0);
	assert_non_null(jwt);
	assert_int_equal(ERR_peek_error(), 0);

	jwt_split(jwt, &hdr, &claims, &sig, &siglen);
	h = json_tokener_parse(hdr);
	assert_non_null(h);
	assert_string_equal(member(h, "alg"), "RS256");
	assert_string_equal(member(h, "typ"), "JWT");
	if (kid != NULL) {
		assert_string_equal(member(h, "kid"), kid);
		assert_int_equal(json_object_object_length(h), 3);
	} else {
		assert_null(member(h, "kid"));
		assert_int_equal(json_object_object_length(h), 2);
	}
	/* Compact, and URLs without escaped slashes. */
	assert_null(strchr(hdr, ' '));
	assert_null(strstr(claims, "\\/"));

	cl = json_tokener_parse(claims);
	assert_non_null(cl);
	assert_string_equal(member(cl, "iss"), c.iss);
	assert_string_equal(member(cl, "aud"), c.aud);
	assert_string_equal(member(cl, "scope"), c.scope);
	assert_int_equal(member_int(cl, "iat"), 1700000000);
	assert_int_equal(member_int(cl, "exp"), 1700003600);
	if (sub != NULL) {
		assert_string_equal(member(cl, "sub"), sub);
		assert_int_equal(json_object_object_length(cl), 6);
	} else {
		assert_null(member(cl, "sub"));
		assert_int_equal(json_object_object_length(cl), 5);
	}

	assert_int_equal(siglen, 256);
	jwt_verify(jwt, pub, sig, siglen);
	/* A changed claim no longer verifies. */
	{
		EVP_MD_CTX	*md;
		char		*copy;

		copy = strdup(jwt);
		assert_non_null(copy);
		copy[strchr(copy, '.') - copy + 2] ^= 1;
		md = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(),
		    NULL, pub), 1);
		assert_int_not_equal(EVP_DigestVerify(md, sig, siglen,
		    (const unsigned char *)copy,
		    (size_t)(strrchr(copy, '.') - copy)), 1);
		EVP_MD_CTX_free(md);
		free(copy);
		ERR_clear_error();
	}

	json_object_put(h);
	json_object_put(cl);
	free(hdr);
	free(claims);
	free(sig);
	secret_free(jwt);
}

static void
test_sign_pkcs8(void **state)
{
	struct keys	*k = *state;

	check_signed(k->pkcs8, k->rsa,
	    "0123456789abcdef0123456789abcdef01234567", NULL);
	check_signed(k->pkcs8, k->rsa, NULL, NULL);
}

static void
test_sign_pkcs1(void **state)
{
	struct keys	*k = *state;

	check_signed(k->pkcs1, k->rsa, "kid-1", NULL);
	check_signed(k->pkcs1, k->rsa, NULL, "user@example.com");
}

/* Claims left NULL are left out; the header is exactly alg and typ. */
static void
test_sign_minimal(void **state)
{
	struct keys		*k = *state;
	struct jwt_claims	 c;
	unsigned char		*sig;
	char			*jwt = NULL, *hdr, *claims;
	size_t			 siglen;

	memset(&c, 0, sizeof c);
	c.iss = "a@b";
	c.iat = 1;
	c.exp = 3601;
	assert_int_equal(jwt_sign_rs256(k->pkcs8, NULL, &c, &jwt), 0);
	jwt_split(jwt, &hdr, &claims, &sig, &siglen);
	assert_string_equal(hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
	assert_string_equal(claims,
	    "{\"iss\":\"a@b\",\"iat\":1,\"exp\":3601}");
	jwt_verify(jwt, k->rsa, sig, siglen);
	free(hdr);
	free(claims);
	free(sig);
	secret_free(jwt);
}

/* The error message must not quote the key, nor any line of it. */
static void
check_no_pem(const char *msg, const char *pem)
{
	const char	*p, *nl;
	char		 line[17];

	assert_non_null(msg);
	assert_null(strstr(msg, "-----"));
	assert_null(strstr(msg, "PRIVATE KEY"));
	for (p = pem; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (nl - p < 16 || strncmp(p, "-----", 5) == 0)
			continue;
		memcpy(line, p, 16);
		line[16] = '\0';
		assert_null(strstr(msg, line));
	}
}

/* Refuse key with VT_ERR_CRED, an empty *out and a clean error queue. */
static void
check_refused(const char *pem)
{
	struct jwt_claims	 c;
	char			*jwt = (char *)"untouched";

	memset(&c, 0, sizeof c);
	c.iss = "a@b";
	c.scope = "s";
	c.aud = "https://oauth2.googleapis.com/token";
	vt_err_clear();
	assert_int_equal(jwt_sign_rs256(pem, NULL, &c, &jwt), VT_ERR_CRED);
	assert_null(jwt);
	assert_int_equal(ERR_peek_error(), 0);
	check_no_pem(vt_errmsg(), pem);
	assert_non_null(strstr(vt_errmsg(), "private_key"));
}

static void
test_refuse_ec(void **state)
{
	struct keys	*k = *state;

	check_refused(k->ec_pem);
	assert_non_null(strstr(vt_errmsg(), "RSA"));
}

static void
test_refuse_garbage(void **state)
{
	struct keys	*k = *state;
	char		*cut;

	check_refused("");
	check_refused("not a key at all");
	check_refused("-----BEGIN " "PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n");
	check_refused("-----BEGIN " "PRIVATE KEY-----\n"
	    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
	    "-----END PRIVATE KEY-----\n");
	/* A real key cut in half. */
	cut = strdup(k->pkcs8);
	assert_non_null(cut);
	cut[strlen(cut) / 2] = '\0';
	check_refused(cut);
	free(cut);
	/* A public key is not a private key. */
	{
		BIO	*bio;
		char	*pub;

		bio = BIO_new(BIO_s_mem());
		assert_int_equal(PEM_write_bio_PUBKEY(bio, k->rsa), 1);
		pub = bio_string(bio);
		BIO_free(bio);
		check_refused(pub);
		free(pub);
	}
}

/* An encrypted key is refused, without asking for a passphrase. */
static void
test_refuse_encrypted(void **state)
{
	struct keys	*k = *state;

	check_refused(k->pkcs8_enc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_vectors),
		cmocka_unit_test(test_b64url_roundtrip),
		cmocka_unit_test(test_b64url_padding),
		cmocka_unit_test(test_b64url_reject),
		cmocka_unit_test(test_sign_pkcs8),
		cmocka_unit_test(test_sign_pkcs1),
		cmocka_unit_test(test_sign_minimal),
		cmocka_unit_test(test_refuse_ec),
		cmocka_unit_test(test_refuse_garbage),
		cmocka_unit_test(test_refuse_encrypted),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
