/*
 * test-credfile.c: loading credential files and the service_account and
 * authorized_user sources (without minting: the integration tests do that
 * against the mock token endpoint).
 *
 * Every error message is checked for the fixture secrets, which all
 * contain the word SECRET.
 *
 * The fetch tests replace oauth_token_request() with a weak mock that
 * records the token URI and the form: the archive's oauth.o is then not
 * linked in, and what the sources would send can be checked offline.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "vtoken.h"
#include "credfile.h"
#include "jwt.h"
#include "log.h"
#include "oauth.h"
#include "source.h"

#define PATH		"/etc/vtoken-test/creds.json"
#define ORIGIN		"--credentials"
#define SA_EMAIL	"robot@project-1.iam.gserviceaccount.com"
/*
 * A placeholder, not a key; the PEM marker is split so that a scan for
 * committed keys finds nothing.
 */
#define SA_KEY		"-----BEGIN " "PRIVATE KEY-----\nMIIEvSECRETkeyMATERIAL" \
			"xyzzy0123456789\n-----END PRIVATE KEY-----\n"
/* SA_KEY as it is written inside a JSON string. */
#define SA_KEY_JSON	"-----BEGIN " "PRIVATE KEY-----\\nMIIEvSECRETkeyMATERIAL" \
			"xyzzy0123456789\\n-----END PRIVATE KEY-----\\n"
#define AU_CLIENT_ID	"764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur" \
			".apps.googleusercontent.com"
#define AU_SECRET	"d-FL95Q19q7MQmFpd7hHD0Ty-SECRET"
#define AU_REFRESH	"1//0gSECRETrefreshTOKENplugh"

/* Fail if msg quotes a secret of the fixtures. */
static void
check_no_secret(const char *msg)
{
	assert_non_null(msg);
	assert_null(strstr(msg, "SECRET"));
	assert_null(strstr(msg, "BEGIN"));
	assert_null(strstr(msg, "MIIE"));
}

/* Parse a JSON text as the file PATH; on failure check the message. */
static int
parse_text(const char *text, size_t len, struct source **out)
{
	int	r;

	vt_err_clear();
	*out = (struct source *)1;
	r = credfile_parse(text, len, PATH, ORIGIN, out);
	if (r != 0) {
		assert_null(*out);
		check_no_secret(vt_errmsg());
		assert_non_null(strstr(vt_errmsg(), PATH));
	} else
		assert_non_null(*out);
	return r;
}

/* Serialise obj and parse it; releases obj. */
static int
parse_obj(json_object *obj, struct source **out)
{
	const char	*s;
	char		*copy;
	int		 r;

	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY);
	copy = strdup(s);
	assert_non_null(copy);
	json_object_put(obj);
	r = parse_text(copy, strlen(copy), out);
	free(copy);
	return r;
}

/* Expect a failure with code and a message that contains want. */
static void
expect_error(json_object *obj, int code, const char *want)
{
	struct source	*src;

	assert_int_equal(parse_obj(obj, &src), code);
	if (want != NULL && strstr(vt_errmsg(), want) == NULL)
		fail_msg("message '%s' lacks '%s'", vt_errmsg(), want);
}

static json_object *
sa_base(void)
{
	json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "type",
	    json_object_new_string("service_account"));
	json_object_object_add(o, "client_email",
	    json_object_new_string(SA_EMAIL));
	json_object_object_add(o, "private_key",
	    json_object_new_string(SA_KEY));
	json_object_object_add(o, "token_uri",
	    json_object_new_string(VT_GOOGLE_TOKEN_URI));
	return o;
}

static json_object *
au_base(void)
{
	json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "type",
	    json_object_new_string("authorized_user"));
	json_object_object_add(o, "client_id",
	    json_object_new_string(AU_CLIENT_ID));
	json_object_object_add(o, "client_secret",
	    json_object_new_string(AU_SECRET));
	json_object_object_add(o, "refresh_token",
	    json_object_new_string(AU_REFRESH));
	return o;
}

/* base() with key set to value (a new reference), or deleted if NULL. */
static json_object *
with(json_object *(*base)(void), const char *key, json_object *value,
    int del)
{
	json_object	*o;

	o = base();
	if (del)
		json_object_object_del(o, key);
	else
		json_object_object_add(o, key, value);
	return o;
}

/* Values of every JSON type but string; index 0 is null. */
static json_object *
wrong_value(int i)
{
	json_object	*a;

	switch (i) {
	case 0:
		return NULL;
	case 1:
		return json_object_new_int(42);
	case 2:
		return json_object_new_object();
	case 3:
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("x"));
		return a;
	case 4:
		return json_object_new_boolean(1);
	default:
		return json_object_new_double(1.5);
	}
}
#define NWRONG	6

static void
test_sa_minimal(void **state)
{
	struct source	*src;

	assert_int_equal(parse_obj(sa_base(), &src), 0);
	assert_string_equal(src->ops->type, "service_account");
	assert_string_equal(src->identity, SA_EMAIL);
	assert_string_equal(src->token_uri, VT_GOOGLE_TOKEN_URI);
	assert_string_equal(src->origin, ORIGIN);
	assert_string_equal(src->path, PATH);
	assert_null(src->project_id);
	assert_null(src->quota_project_id);
	assert_non_null(src->priv);
	source_free(src);
}

static void
test_sa_full(void **state)
{
	struct source	*src;
	json_object	*o;

	o = sa_base();
	json_object_object_add(o, "project_id",
	    json_object_new_string("project-1"));
	json_object_object_add(o, "private_key_id",
	    json_object_new_string("0123456789abcdef"));
	json_object_object_add(o, "quota_project_id",
	    json_object_new_string("billing-2"));
	json_object_object_add(o, "universe_domain",
	    json_object_new_string("googleapis.com"));
	json_object_object_add(o, "client_id",
	    json_object_new_string("1234567890"));
	json_object_object_add(o, "auth_uri",
	    json_object_new_string("https://accounts.google.com/o/oauth2/"
	    "auth"));
	json_object_object_add(o, "client_x509_cert_url",
	    json_object_new_int(7));	/* unused fields are not checked */
	assert_int_equal(parse_obj(o, &src), 0);
	assert_string_equal(src->identity, SA_EMAIL);
	assert_string_equal(src->project_id, "project-1");
	assert_string_equal(src->quota_project_id, "billing-2");
	source_free(src);

	/* Optional fields that are null or empty are absent. */
	o = sa_base();
	json_object_object_add(o, "project_id", NULL);
	json_object_object_add(o, "quota_project_id",
	    json_object_new_string(""));
	json_object_object_add(o, "private_key_id", NULL);
	json_object_object_add(o, "universe_domain", NULL);
	assert_int_equal(parse_obj(o, &src), 0);
	assert_null(src->project_id);
	assert_null(src->quota_project_id);
	source_free(src);
}

/* Each required field: missing, empty, every wrong type. */
static void
check_required(json_object *(*base)(void), const char *const *fields)
{
	char	 want[128];
	size_t	 i;
	int	 j;

	for (i = 0; fields[i] != NULL; i++) {
		snprintf(want, sizeof want, "'%s' is missing", fields[i]);
		expect_error(with(base, fields[i], NULL, 1), VT_ERR_CRED,
		    want);
		snprintf(want, sizeof want, "'%s' is empty", fields[i]);
		expect_error(with(base, fields[i], json_object_new_string(""),
		    0), VT_ERR_CRED, want);
		snprintf(want, sizeof want, "'%s' is not a string", fields[i]);
		for (j = 0; j < NWRONG; j++)
			expect_error(with(base, fields[i], wrong_value(j), 0),
			    VT_ERR_CRED, want);
		/* "\u0000" would cut the value short. */
		snprintf(want, sizeof want, "'%s' contains a NUL", fields[i]);
		expect_error(with(base, fields[i],
		    json_object_new_string_len("ab\0cd", 5), 0), VT_ERR_CRED,
		    want);
	}
}

/* Each optional field: every wrong type but null. */
static void
check_optional(json_object *(*base)(void), const char *const *fields)
{
	char	 want[128];
	size_t	 i;
	int	 j;

	for (i = 0; fields[i] != NULL; i++) {
		snprintf(want, sizeof want, "'%s' is not a string", fields[i]);
		for (j = 1; j < NWRONG; j++)
			expect_error(with(base, fields[i], wrong_value(j), 0),
			    VT_ERR_CRED, want);
	}
}

static void
test_sa_fields(void **state)
{
	static const char *const required[] = {
		"client_email", "private_key", "token_uri", NULL
	};
	static const char *const optional[] = {
		"private_key_id", "project_id", "quota_project_id",
		"universe_domain", NULL
	};

	check_required(sa_base, required);
	check_optional(sa_base, optional);
}

static void
test_sa_universe(void **state)
{
	expect_error(with(sa_base, "universe_domain",
	    json_object_new_string("apis-tpc.example"), 0), VT_ERR_CRED,
	    "universe 'apis-tpc.example' is not supported yet");
}

/* https anywhere; plain http only to loopback. */
static void
check_token_uri(json_object *(*base)(void))
{
	static const char *const good[] = {
		"https://oauth2.googleapis.com/token",
		"https://example.com/token",
		"http://127.0.0.1:8080/token",
		"http://localhost:9/token",
		"http://[::1]:8080/token",
		NULL
	};
	static const char *const bad[] = {
		"http://example.com",
		"http://example.com/token",
		"ftp://127.0.0.1/token",
		"file:///etc/passwd",
		"oauth2.googleapis.com/token",
		"https://user:pw@example.com/token",
		"https://example.com/to ken",
		NULL
	};
	struct source	*src;
	size_t		 i;

	for (i = 0; good[i] != NULL; i++) {
		if (parse_obj(with(base, "token_uri",
		    json_object_new_string(good[i]), 0), &src) != 0)
			fail_msg("refused '%s': %s", good[i], vt_errmsg());
		assert_string_equal(src->token_uri, good[i]);
		source_free(src);
	}
	for (i = 0; bad[i] != NULL; i++)
		expect_error(with(base, "token_uri",
		    json_object_new_string(bad[i]), 0), VT_ERR_CRED,
		    "token_uri");
}

static void
test_sa_token_uri(void **state)
{
	check_token_uri(sa_base);
}

static void
test_au_minimal(void **state)
{
	struct source	*src;

	assert_int_equal(parse_obj(au_base(), &src), 0);
	assert_string_equal(src->ops->type, "authorized_user");
	assert_string_equal(src->identity,
	    "user credentials of OAuth client " AU_CLIENT_ID);
	/* No token_uri in the file: Google's. */
	assert_string_equal(src->token_uri, VT_GOOGLE_TOKEN_URI);
	assert_null(src->project_id);
	assert_null(src->quota_project_id);
	assert_non_null(src->priv);
	source_free(src);
}

static void
test_au_full(void **state)
{
	struct source	*src;
	json_object	*o;

	o = au_base();
	json_object_object_add(o, "account",
	    json_object_new_string("someone@example.com"));
	json_object_object_add(o, "quota_project_id",
	    json_object_new_string("billing-2"));
	json_object_object_add(o, "universe_domain",
	    json_object_new_string("googleapis.com"));
	json_object_object_add(o, "token_uri",
	    json_object_new_string("http://127.0.0.1:8080/token"));
	/* Not a project source: only gcloud's configuration names one. */
	json_object_object_add(o, "project_id",
	    json_object_new_string("project-1"));
	assert_int_equal(parse_obj(o, &src), 0);
	assert_string_equal(src->identity, "someone@example.com");
	assert_string_equal(src->quota_project_id, "billing-2");
	assert_string_equal(src->token_uri, "http://127.0.0.1:8080/token");
	assert_null(src->project_id);
	source_free(src);
}

static void
test_au_fields(void **state)
{
	static const char *const required[] = {
		"client_id", "client_secret", "refresh_token", NULL
	};
	static const char *const optional[] = {
		"token_uri", "quota_project_id", "account", "universe_domain",
		NULL
	};

	check_required(au_base, required);
	check_optional(au_base, optional);
}

static void
test_au_universe(void **state)
{
	expect_error(with(au_base, "universe_domain",
	    json_object_new_string("apis-tpc.example"), 0), VT_ERR_CRED,
	    "'apis-tpc.example'");
}

static void
test_au_token_uri(void **state)
{
	check_token_uri(au_base);
}

/* Not JSON, not one object, or not strictly JSON: VT_ERR_CRED. */
static void
test_not_json(void **state)
{
	static const char *const bad[] = {
		"",
		" \n\t\r\n",
		"not json",
		"{",
		"{\"type\": \"service_account\"",
		"{\"type\": \"service_account\"} x",
		"{\"type\": \"service_account\"}{}",
		"{\"type\": \"service_account\"},",
		"[]",
		"[{\"type\": \"service_account\"}]",
		"\"service_account\"",
		"42",
		"null",
		"true",
		"{\"type\": \"service_account\",}",
		"{'type': 'service_account'}",
		"{type: \"service_account\"}",
		"{\"type\": \"service_\x80\"}",
		"/* c */ {\"type\": \"service_account\"}",
		"{\"private_key\": \"" SA_KEY_JSON "\", \"x\": }",
		"{\"client_secret\": \"" AU_SECRET "\" \"x\"}",
		NULL
	};
	struct source	*src;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		if (parse_text(bad[i], strlen(bad[i]), &src) != VT_ERR_CRED)
			fail_msg("accepted '%s'", bad[i]);
	}
	/* A NUL byte: json-c would stop there. */
	assert_int_equal(parse_text("{\"type\": \"x\"}\0garbage", 21, &src),
	    VT_ERR_CRED);
	assert_int_equal(parse_text("{\"ty\0pe\": \"x\"}", 14, &src),
	    VT_ERR_CRED);
}

/* Trailing whitespace (an editor's newline) is fine. */
static void
test_trailing_space(void **state)
{
	static const char text[] = "\n  {\"type\": \"authorized_user\", "
	    "\"client_id\": \"id\", \"client_secret\": \"" AU_SECRET "\", "
	    "\"refresh_token\": \"" AU_REFRESH "\"}\n\n \t\r\n";
	struct source	*src;

	assert_int_equal(parse_text(text, strlen(text), &src), 0);
	assert_string_equal(src->identity,
	    "user credentials of OAuth client id");
	source_free(src);
}

static void
test_type(void **state)
{
	static const char *const unsupported[] = {
		"gdch_service_account", NULL
	};
	char		 want[128], longtype[300];
	json_object	*o;
	struct source	*src;
	size_t		 i;
	int		 j;

	/* No type, or one that is not a string. */
	expect_error(with(sa_base, "type", NULL, 1), VT_ERR_CRED,
	    "has no 'type' field: not a Google credential file");
	for (j = 0; j < NWRONG; j++)
		expect_error(with(sa_base, "type", wrong_value(j), 0),
		    VT_ERR_CRED, "has no 'type' field");
	assert_int_equal(parse_text("{}", 2, &src), VT_ERR_CRED);

	for (i = 0; unsupported[i] != NULL; i++) {
		snprintf(want, sizeof want, "credential type '%s' in '%s' is "
		    "not supported yet", unsupported[i], PATH);
		expect_error(with(au_base, "type",
		    json_object_new_string(unsupported[i]), 0), VT_ERR_CRED,
		    want);
	}

	expect_error(with(au_base, "type", json_object_new_string("user"), 0),
	    VT_ERR_CRED, "unknown credential type 'user' in '" PATH "'");
	expect_error(with(au_base, "type", json_object_new_string(""), 0),
	    VT_ERR_CRED, "unknown credential type ''");
	expect_error(with(au_base, "type",
	    json_object_new_string("Service_Account"), 0), VT_ERR_CRED,
	    "unknown credential type");

	/* A hostile type is escaped and cut short. */
	memset(longtype, 'a', sizeof longtype - 1);
	longtype[sizeof longtype - 1] = '\0';
	longtype[1] = '\n';
	longtype[2] = '\033';
	o = with(au_base, "type", json_object_new_string(longtype), 0);
	assert_int_equal(parse_obj(o, &src), VT_ERR_CRED);
	assert_null(strchr(vt_errmsg(), '\n'));
	assert_null(strchr(vt_errmsg(), '\033'));
	assert_non_null(strstr(vt_errmsg(), "a\\x0a\\x1baaa"));
	assert_non_null(strstr(vt_errmsg(), "...' in '" PATH "'"));
	assert_true(strlen(vt_errmsg()) < 200);

	/* The secret fields of a file of the wrong type stay unquoted. */
	o = au_base();
	json_object_object_add(o, "private_key",
	    json_object_new_string(SA_KEY));
	json_object_object_add(o, "type", json_object_new_string("bogus"));
	assert_int_equal(parse_obj(o, &src), VT_ERR_CRED);
}

/* A temporary directory for the file tests. */
struct tmp {
	char	dir[64];	/* short: paths built on it never truncate */
};

static int
setup_tmp(void **state)
{
	struct tmp	*t;

	t = calloc(1, sizeof *t);
	assert_non_null(t);
	snprintf(t->dir, sizeof t->dir, "/tmp/vtoken-test-credfile.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	*state = t;
	return 0;
}

/* Remove the known entries of the directory, then the directory. */
static int
teardown_tmp(void **state)
{
	static const char *const names[] = {
		"sa.json", "au.json", "link.json", "dangling.json", "big.json",
		"empty.json", "fifo", "noperm.json", NULL
	};
	struct tmp	*t = *state;
	char		 path[PATH_MAX];
	size_t		 i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", t->dir, names[i]);
		(void)unlink(path);
	}
	assert_int_equal(rmdir(t->dir), 0);
	free(t);
	vt_err_clear();
	return 0;
}

/* Write len bytes of data to dir/name; returns the path (static). */
static const char *
write_file(const struct tmp *t, const char *name, const char *data,
    size_t len)
{
	static char	 path[PATH_MAX];
	FILE		*f;

	snprintf(path, sizeof path, "%s/%s", t->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Load path and check the code; message checks as for parse. */
static int
load(const char *path, const char *origin, struct source **out)
{
	int	r;

	vt_err_clear();
	*out = (struct source *)1;
	r = credfile_load(path, origin, out);
	if (r != 0) {
		assert_null(*out);
		check_no_secret(vt_errmsg());
		assert_non_null(strstr(vt_errmsg(), path));
	} else
		assert_non_null(*out);
	return r;
}

static void
test_load(void **state)
{
	struct tmp	*t = *state;
	json_object	*o;
	struct source	*src;
	const char	*s;
	char		 path[PATH_MAX], link[PATH_MAX];

	o = sa_base();
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	snprintf(path, sizeof path, "%s", write_file(t, "sa.json", s,
	    strlen(s)));
	json_object_put(o);
	assert_int_equal(load(path, "GOOGLE_APPLICATION_CREDENTIALS", &src),
	    0);
	assert_string_equal(src->identity, SA_EMAIL);
	assert_string_equal(src->path, path);
	assert_string_equal(src->origin, "GOOGLE_APPLICATION_CREDENTIALS");
	source_free(src);

	/* Through a symbolic link, as Kubernetes mounts secrets. */
	snprintf(link, sizeof link, "%s/link.json", t->dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(load(link, ORIGIN, &src), 0);
	assert_string_equal(src->path, link);
	source_free(src);

	o = au_base();
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	snprintf(path, sizeof path, "%s", write_file(t, "au.json", s,
	    strlen(s)));
	json_object_put(o);
	assert_int_equal(load(path, ORIGIN, &src), 0);
	assert_string_equal(src->ops->type, "authorized_user");
	source_free(src);
}

static void
test_load_errors(void **state)
{
	struct tmp	*t = *state;
	struct source	*src;
	char		*big, path[PATH_MAX], other[PATH_MAX];
	const char	*p;

	/* Missing: a configuration problem, and where the path came from. */
	snprintf(path, sizeof path, "%s/nonexistent.json", t->dir);
	assert_int_equal(load(path, "GOOGLE_APPLICATION_CREDENTIALS", &src),
	    VT_ERR_CONFIG);
	assert_non_null(strstr(vt_errmsg(), "does not exist"));
	assert_non_null(strstr(vt_errmsg(),
	    "(from GOOGLE_APPLICATION_CREDENTIALS)"));
	snprintf(path, sizeof path, "%s/nonexistent/creds.json", t->dir);
	assert_int_equal(load(path, ORIGIN, &src), VT_ERR_CONFIG);
	snprintf(path, sizeof path, "%s/dangling.json", t->dir);
	snprintf(other, sizeof other, "%s/nowhere.json", t->dir);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(load(path, ORIGIN, &src), VT_ERR_CONFIG);

	/* A directory. */
	assert_int_equal(load(t->dir, ORIGIN, &src), VT_ERR_CRED);
	assert_non_null(strstr(vt_errmsg(), "cannot read credential file"));
	assert_non_null(strstr(vt_errmsg(), "directory"));

	/* Over VT_FILE_MAX, even if it is only whitespace. */
	big = malloc(VT_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', VT_FILE_MAX + 1);
	big[0] = '{';
	big[VT_FILE_MAX - 1] = '}';
	p = write_file(t, "big.json", big, VT_FILE_MAX + 1);
	assert_int_equal(load(p, ORIGIN, &src), VT_ERR_CRED);
	assert_non_null(strstr(vt_errmsg(), "larger than"));
	/* Exactly VT_FILE_MAX is read (and then has no type). */
	p = write_file(t, "big.json", big, VT_FILE_MAX);
	assert_int_equal(load(p, ORIGIN, &src), VT_ERR_CRED);
	assert_non_null(strstr(vt_errmsg(), "no 'type'"));
	free(big);

	/* Empty. */
	p = write_file(t, "empty.json", "", 0);
	assert_int_equal(load(p, ORIGIN, &src), VT_ERR_CRED);
	assert_non_null(strstr(vt_errmsg(), "empty"));

	/* A FIFO: refused at once, not waited on. */
	snprintf(path, sizeof path, "%s/fifo", t->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(load(path, ORIGIN, &src), VT_ERR_CRED);
	assert_non_null(strstr(vt_errmsg(), "not a regular file"));

	/* Unreadable (root reads anything: skip that part). */
	p = write_file(t, "noperm.json", "{}", 2);
	assert_int_equal(chmod(p, 0), 0);
	if (geteuid() != 0) {
		assert_int_equal(load(p, ORIGIN, &src), VT_ERR_CRED);
		assert_non_null(strstr(vt_errmsg(), "cannot read credential "
		    "file"));
	}
}

/* What the mock token endpoint was last asked. */
static char	*mock_uri, *mock_form;
static int	 mock_calls;

/* The mock: record the request and hand out a well-formed token. */
__attribute__((weak)) int
oauth_token_request(struct vt_ctx *ctx, const char *token_uri,
    const char *form, const char *const *headers, struct token *tok,
    struct http_response *failed)
{
	free(mock_uri);
	free(mock_form);
	mock_uri = strdup(token_uri);
	mock_form = strdup(form);
	assert_non_null(mock_uri);
	assert_non_null(mock_form);
	mock_calls++;
	tok->access_token = strdup("ya29.mock-token_0123456789");
	assert_non_null(tok->access_token);
	tok->expires_at = time(NULL) + 3599;
	return 0;
}

static int
mock_reset(void **state)
{
	free(mock_uri);
	free(mock_form);
	mock_uri = mock_form = NULL;
	mock_calls = 0;
	vt_err_clear();
	return 0;
}

/* The hex value of c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The decoded value of name in the last form, or NULL if absent. */
static char *
form_get(const char *name)
{
	const char	*p, *end, *eq;
	char		*v, *q;
	size_t		 n;

	assert_non_null(mock_form);
	n = strlen(name);
	for (p = mock_form; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		assert_non_null(eq);
		if ((size_t)(eq - p) != n || strncmp(p, name, n) != 0)
			continue;
		q = v = calloc(1, (size_t)(end - eq));
		assert_non_null(v);
		for (p = eq + 1; p < end; p++) {
			if (*p == '%') {
				assert_true(p + 2 < end);
				assert_true(hexval(p[1]) >= 0 &&
				    hexval(p[2]) >= 0);
				*q++ = (char)(hexval(p[1]) << 4 | hexval(p[2]));
				p += 2;
			} else if (*p == '+')
				*q++ = ' ';
			else
				*q++ = *p;
		}
		return v;
	}
	return NULL;
}

/* Number of fields in the last form. */
static int
form_count(void)
{
	const char	*p;
	int		 n = 1;

	for (p = mock_form; *p != '\0'; p++)
		n += *p == '&';
	return n;
}

static char scope_cp[] = "https://www.googleapis.com/auth/cloud-platform";
static char scope_email[] = "https://www.googleapis.com/auth/userinfo.email";
static char *scope_two[] = { scope_cp, scope_email, NULL };

/* The form of a service account: a signed assertion, nothing else. */
static void
test_sa_fetch(void **state)
{
	struct vt_ctx	 ctx;
	struct token	 tok;
	struct source	*src;
	json_object	*o, *h, *c, *v;
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*md;
	BIO		*bio;
	unsigned char	*sig;
	char		*pem, *data, *gt, *jwt, *hdr, *claims, *d1, *d2;
	size_t		 len, siglen;
	time_t		 now;

	/* A key made now; none is committed. */
	pkey = EVP_RSA_gen(2048);
	assert_non_null(pkey);
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
	    NULL, NULL), 1);
	len = (size_t)BIO_get_mem_data(bio, &data);
	pem = strndup(data, len);
	BIO_free(bio);

	o = sa_base();
	json_object_object_add(o, "private_key", json_object_new_string(pem));
	json_object_object_add(o, "private_key_id",
	    json_object_new_string("kid-0123"));
	json_object_object_add(o, "token_uri",
	    json_object_new_string("http://127.0.0.1:9/token"));
	assert_int_equal(parse_obj(o, &src), 0);

	memset(&ctx, 0, sizeof ctx);
	ctx.scope_list = scope_two;
	now = time(NULL);
	assert_int_equal(source_fetch(src, &ctx, &tok), 0);
	assert_string_equal(tok.access_token, "ya29.mock-token_0123456789");
	token_release(&tok);
	assert_int_equal(mock_calls, 1);
	assert_string_equal(mock_uri, "http://127.0.0.1:9/token");
	assert_int_equal(form_count(), 2);
	gt = form_get("grant_type");
	assert_string_equal(gt, "urn:ietf:params:oauth:grant-type:jwt-bearer");
	free(gt);

	jwt = form_get("assertion");
	assert_non_null(jwt);
	d1 = strchr(jwt, '.');
	d2 = strrchr(jwt, '.');
	assert_true(d1 != NULL && d2 != d1);
	hdr = (char *)b64url_decode(jwt, (size_t)(d1 - jwt), &len);
	claims = (char *)b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &len);
	sig = b64url_decode(d2 + 1, strlen(d2 + 1), &siglen);
	assert_non_null(hdr);
	assert_non_null(claims);
	assert_non_null(sig);
	h = json_tokener_parse(hdr);
	c = json_tokener_parse(claims);
	assert_true(json_object_object_get_ex(h, "kid", &v));
	assert_string_equal(json_object_get_string(v), "kid-0123");
	assert_true(json_object_object_get_ex(c, "iss", &v));
	assert_string_equal(json_object_get_string(v), SA_EMAIL);
	/* aud is the token_uri the assertion goes to. */
	assert_true(json_object_object_get_ex(c, "aud", &v));
	assert_string_equal(json_object_get_string(v),
	    "http://127.0.0.1:9/token");
	assert_true(json_object_object_get_ex(c, "scope", &v));
	assert_string_equal(json_object_get_string(v),
	    "https://www.googleapis.com/auth/cloud-platform "
	    "https://www.googleapis.com/auth/userinfo.email");
	assert_false(json_object_object_get_ex(c, "sub", &v));
	assert_true(json_object_object_get_ex(c, "iat", &v));
	assert_true(json_object_get_int64(v) >= now - 1 &&
	    json_object_get_int64(v) <= now + 5);
	now = (time_t)json_object_get_int64(v);
	assert_true(json_object_object_get_ex(c, "exp", &v));
	assert_int_equal(json_object_get_int64(v), now + 3600);

	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pkey), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, siglen,
	    (const unsigned char *)jwt, (size_t)(d2 - jwt)), 1);
	EVP_MD_CTX_free(md);

	/* With no scopes at all, still one: cloud-platform. */
	ctx.scope_list = NULL;
	assert_int_equal(source_fetch(src, &ctx, &tok), 0);
	token_release(&tok);
	free(claims);
	free(jwt);
	jwt = form_get("assertion");
	d1 = strchr(jwt, '.');
	d2 = strrchr(jwt, '.');
	claims = (char *)b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &len);
	assert_non_null(strstr(claims,
	    "\"scope\":\"https://www.googleapis.com/auth/cloud-platform\""));

	json_object_put(h);
	json_object_put(c);
	free(hdr);
	free(claims);
	free(sig);
	free(jwt);
	free(pem);
	EVP_PKEY_free(pkey);
	source_free(src);
}

/* A key that does not parse fails at fetch time, naming the file. */
static void
test_sa_fetch_bad_key(void **state)
{
	struct vt_ctx	 ctx;
	struct token	 tok;
	struct source	*src;

	assert_int_equal(parse_obj(sa_base(), &src), 0);
	memset(&ctx, 0, sizeof ctx);
	ctx.scope_list = scope_two;
	assert_int_equal(source_fetch(src, &ctx, &tok), VT_ERR_CRED);
	assert_null(tok.access_token);
	assert_int_equal(mock_calls, 0);
	check_no_secret(vt_errmsg());
	assert_non_null(strstr(vt_errmsg(), "'" PATH "': private_key"));
	source_free(src);
}

/* Run an authorized_user fetch with the given scope origin. */
static void
au_fetch_with(const char *origin, enum setting_from from)
{
	struct vt_ctx	 ctx;
	struct token	 tok;
	struct source	*src;
	char		*v;

	assert_int_equal(parse_obj(with(au_base, "token_uri",
	    json_object_new_string("http://127.0.0.1:9/token"), 0), &src), 0);
	memset(&ctx, 0, sizeof ctx);
	ctx.scope_list = scope_two;
	ctx.scopes.value = (char *)"cloud-platform,userinfo.email";
	ctx.scopes.origin = (char *)origin;
	ctx.scopes.from = from;
	assert_int_equal(source_fetch(src, &ctx, &tok), 0);
	token_release(&tok);
	assert_string_equal(mock_uri, "http://127.0.0.1:9/token");
	assert_string_equal(v = form_get("grant_type"), "refresh_token");
	free(v);
	assert_string_equal(v = form_get("client_id"), AU_CLIENT_ID);
	free(v);
	assert_string_equal(v = form_get("client_secret"), AU_SECRET);
	free(v);
	assert_string_equal(v = form_get("refresh_token"), AU_REFRESH);
	free(v);
	source_free(src);
}

/* Scopes go with a refresh only when the user chose them. */
static void
test_au_fetch(void **state)
{
	char	*v;

	au_fetch_with(NULL, FROM_NONE);
	assert_int_equal(form_count(), 4);
	assert_null(form_get("scope"));
	au_fetch_with("default", FROM_DEFAULT);
	assert_int_equal(form_count(), 4);
	assert_null(form_get("scope"));
	au_fetch_with("--scopes", FROM_CLI);
	assert_int_equal(form_count(), 5);
	assert_string_equal(v = form_get("scope"),
	    "https://www.googleapis.com/auth/cloud-platform "
	    "https://www.googleapis.com/auth/userinfo.email");
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_minimal),
		cmocka_unit_test(test_sa_full),
		cmocka_unit_test(test_sa_fields),
		cmocka_unit_test(test_sa_universe),
		cmocka_unit_test(test_sa_token_uri),
		cmocka_unit_test(test_au_minimal),
		cmocka_unit_test(test_au_full),
		cmocka_unit_test(test_au_fields),
		cmocka_unit_test(test_au_universe),
		cmocka_unit_test(test_au_token_uri),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_trailing_space),
		cmocka_unit_test(test_type),
		cmocka_unit_test_setup_teardown(test_load, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_sa_fetch, mock_reset,
		    mock_reset),
		cmocka_unit_test_setup_teardown(test_sa_fetch_bad_key,
		    mock_reset, mock_reset),
		cmocka_unit_test_setup_teardown(test_au_fetch, mock_reset,
		    mock_reset),
	};
	int	failed;

	/* One group: TAP allows one plan per run. */
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	vt_err_clear();
	return failed;
}
