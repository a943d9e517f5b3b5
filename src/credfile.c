/*
 * credfile.c: reading a JSON credential file (the ADC format) and handing
 * it to the source of its "type".
 *
 * These files hold private keys and refresh tokens: the buffer they are
 * read into is wiped, and no message ever quotes their content, only the
 * path and the name of a field.
 *
 * XXX json-c keeps its own copies of the strings (the tokener's buffer and
 * each string object) and frees them without wiping; it has no allocator
 * hook to change that.  The sources copy what they keep into buffers that
 * they wipe, and the json-c objects are released as soon as they have.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "credfile.h"
#include "file.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

/* Longest piece of a "type" value quoted in a message. */
#define CREDFILE_QUOTE_MAX	64

/* Types Google documents that vtoken does not handle yet. */
static const char *const credfile_unsupported[] = {
	"gdch_service_account",
	NULL
};

/*
 * Read the credential file open on fd into *out (wipe it with
 * secret_freezero(*out, *outcap)), refusing anything but a regular file of
 * at most VT_FILE_MAX bytes.
 */
static int
credfile_read_fd(int fd, const char *path, char **out, size_t *outlen,
    size_t *outcap)
{
	struct stat	 st;

	*out = NULL;
	*outlen = *outcap = 0;
	if (fstat(fd, &st) == -1)
		return vt_err(VT_ERR_CRED, "cannot read credential file "
		    "'%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return vt_err(VT_ERR_CRED, "cannot read credential file '%s': "
		    "it is a directory; name the JSON file inside it", path);
	if (file_read_fd(fd, VT_FILE_MAX, out, outlen, outcap) == 0)
		return 0;
	return vt_err(VT_ERR_CRED, "cannot read credential file '%s': %s",
	    path, file_strerror(errno, VT_FILE_MAX));
}

/* Open and read the file with the checks a file of secrets deserves. */
int
credfile_load(const char *path, const char *origin, struct source **out)
{
	char	*buf = NULL, *from = NULL;
	size_t	 len = 0, cap = 0;
	int	 fd = -1, r;

	*out = NULL;
	from = origin != NULL ? xasprintf(" (from %s)", origin) : xstrdup("");
	/*
	 * Symbolic links are followed: Kubernetes mounts secrets through
	 * them.  O_NONBLOCK keeps a FIFO planted at the path from hanging
	 * us; fstat() then refuses it.
	 */
	if ((fd = file_open_read(AT_FDCWD, path, 0)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			r = vt_err(VT_ERR_CONFIG, "credential file '%s'%s does "
			    "not exist", path, from);
		else
			r = vt_err(VT_ERR_CRED, "cannot read credential file "
			    "'%s'%s: %s", path, from, strerror(errno));
		goto out;
	}
	if ((r = credfile_read_fd(fd, path, &buf, &len, &cap)) != 0)
		goto out;
	r = credfile_parse(buf, len, path, origin, out);
out:
	if (fd != -1)
		close(fd);
	secret_freezero(buf, cap);
	free(from);
	return r;
}

/* 1 if the len bytes at p are all JSON whitespace. */
static int
credfile_blank(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r')
			return 0;
	}
	return 1;
}

/* Parse len bytes as exactly one JSON object; messages never quote data. */
static int
credfile_json(const char *data, size_t len, const char *path,
    json_object **out)
{
	json_tokener		*tok = NULL;
	json_object		*obj = NULL;
	enum json_tokener_error	 jerr;
	size_t			 end;
	int			 r;

	*out = NULL;
	if (credfile_blank(data, len)) {
		r = vt_err(VT_ERR_CRED, "credential file '%s' is empty; it "
		    "should hold a Google credential in JSON", path);
		goto out;
	}
	if (len > VT_FILE_MAX) {
		r = vt_err(VT_ERR_CRED, "credential file '%s' is larger than "
		    "%d KiB; is it the right file?", path, VT_FILE_MAX / 1024);
		goto out;
	}
	/* json-c would stop at a NUL byte and ignore what follows. */
	if (memchr(data, '\0', len) != NULL) {
		r = vt_err(VT_ERR_CRED, "credential file '%s' is not JSON; "
		    "it should hold a Google credential", path);
		goto out;
	}
	if ((tok = secret_json_tokener(len, JSON_TOKENER_DEFAULT_DEPTH)) ==
	    NULL) {
		r = vt_err(VT_ERR_INTERNAL, "out of memory");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, data, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		/* The description is json-c's fixed text, never the input. */
		r = vt_err(VT_ERR_CRED, "credential file '%s' is not valid "
		    "JSON (%s at byte %zu)", path,
		    jerr == json_tokener_continue ? "unexpected end of data" :
		    json_tokener_error_desc(jerr),
		    json_tokener_get_parse_end(tok));
		goto out;
	}
	end = json_tokener_get_parse_end(tok);
	if (end > len || !credfile_blank(data + end, len - end)) {
		r = vt_err(VT_ERR_CRED, "credential file '%s' is not valid "
		    "JSON (unexpected data after the object at byte %zu)",
		    path, end);
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		r = vt_err(VT_ERR_CRED, "credential file '%s' does not hold a "
		    "JSON object; it should hold a Google credential", path);
		goto out;
	}
	*out = obj;
	obj = NULL;
	r = 0;
out:
	secret_json_put(obj);
	secret_json_tokener_free(tok);
	return r;
}

/* Parse and dispatch a whole file. */
int
credfile_parse(const char *data, size_t len, const char *path,
    const char *origin, struct source **out)
{
	json_object	*obj = NULL;
	int		 r;

	*out = NULL;
	if ((r = credfile_json(data, len, path, &obj)) != 0)
		goto out;
	r = credfile_dispatch(obj, path, origin, out);
out:
	/* The sources copied what they keep; the rest is wiped. */
	secret_json_put(obj);
	return r;
}

/* Dispatch on "type": each source checks and copies its own fields. */
int
credfile_dispatch(json_object *obj, const char *path, const char *origin,
    struct source **out)
{
	static const struct {
		const char	*type;
		int		(*new)(json_object *, const char *,
				    const char *, struct source **);
	} types[] = {
		{ "service_account", source_service_account_new },
		{ "authorized_user", source_authorized_user_new },
		{ "impersonated_service_account", source_impersonated_new },
		{ "external_account", source_external_new },
		{ "external_account_authorized_user",
		    source_external_user_new },
	};
	json_object	*v;
	const char	*type;
	size_t		 i;

	*out = NULL;
	if (!json_object_object_get_ex(obj, "type", &v) ||
	    !json_object_is_type(v, json_type_string))
		return vt_err(VT_ERR_CRED, "'%s' has no 'type' field: not a "
		    "Google credential file", path);
	type = json_object_get_string(v);
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (strcmp(type, types[i].type) == 0)
			return types[i].new(obj, path, origin, out);
	}
	for (i = 0; credfile_unsupported[i] != NULL; i++) {
		if (strcmp(type, credfile_unsupported[i]) == 0)
			return vt_err(VT_ERR_CRED, "credential type '%s' in "
			    "'%s' is not supported yet", type, path);
	}
	/* vt_err() escapes control characters; we bound the length. */
	return vt_err(VT_ERR_CRED, "unknown credential type '%.*s%s' in '%s'",
	    CREDFILE_QUOTE_MAX, type,
	    strlen(type) > CREDFILE_QUOTE_MAX ? "..." : "", path);
}

/*
 * Look key up in obj.  Returns 1 and *out for a string without NUL bytes,
 * 0 when it is absent or JSON null, or a VT_ERR_CRED.
 */
static int
credfile_lookup(json_object *obj, const char *key, const char *path,
    const char **out)
{
	json_object	*v;
	const char	*s;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return vt_err(VT_ERR_CRED, "'%s': field '%s' is not a string",
		    path, key);
	s = json_object_get_string(v);
	/* "\u0000" would cut the value short where C reads it. */
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return vt_err(VT_ERR_CRED, "'%s': field '%s' contains a NUL "
		    "character", path, key);
	*out = s;
	/* Secrets a file holds: the trace masks them wherever they appear. */
	if (strcmp(key, "client_secret") == 0 ||
	    strcmp(key, "refresh_token") == 0)
		secret_note(s, strlen(s));
	return 1;
}

/* Required fields: a missing, null, non-string or empty one is an error. */
int
credfile_string(json_object *obj, const char *key, const char *path,
    const char **out)
{
	json_object	*v;
	int		 r;

	*out = NULL;
	if ((r = credfile_lookup(obj, key, path, out)) < 0)
		return r;
	if (r == 0) {
		/* Tell a missing field from a null one. */
		if (json_object_object_get_ex(obj, key, &v))
			return vt_err(VT_ERR_CRED, "'%s': field '%s' is not a "
			    "string", path, key);
		return vt_err(VT_ERR_CRED, "'%s': field '%s' is missing",
		    path, key);
	}
	if (**out == '\0') {
		*out = NULL;
		return vt_err(VT_ERR_CRED, "'%s': field '%s' is empty", path,
		    key);
	}
	return 0;
}

/* Optional fields: absent, null and "" all mean "not given" (as Python's). */
int
credfile_opt_string(json_object *obj, const char *key, const char *path,
    const char **out)
{
	int	r;

	*out = NULL;
	if ((r = credfile_lookup(obj, key, path, out)) < 0)
		return r;
	if (*out != NULL && **out == '\0')
		*out = NULL;
	return 0;
}
