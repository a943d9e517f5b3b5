/*
 * cache-file.c: the file backend of the token cache.
 *
 * $XDG_CACHE_HOME/vtoken/ (default ~/.cache/vtoken/), a directory 0700
 * that must be ours and not writable by anyone else; one file per key,
 * "<key>.json", mode 0600, opened with O_NOFOLLOW relative to the checked
 * directory, written to a temporary file and renamed over the old one so
 * a reader (or a kill -9) never sees half an entry.  An entry that is not
 * ours, not private, a symlink or does not parse is dropped: the next
 * store replaces it.  The checks and the write are file.c's; this file
 * says what they mean for a cache.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "cache.h"
#include "file.h"
#include "log.h"
#include "oauth.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

#define CF_MAX		(64 * 1024)	/* an entry is < 10 KiB */
#define CF_SUFFIX	".json"

char *
cache_file_dir(void)
{
	return file_xdg_dir("XDG_CACHE_HOME", ".cache");
}

/* The error for a cache directory that file_dir_open() refused with bad. */
static int
cf_dir_err(const char *path, int bad)
{
	switch (bad) {
	case FILE_BAD_MKDIR:
		return vt_err(VT_ERR_CONFIG, "cannot create cache directory "
		    "'%s': %s", path, strerror(errno));
	case FILE_BAD_LINK:
		return vt_err(VT_ERR_CONFIG, "cannot open cache directory '%s': "
		    "it is a symbolic link", path);
	case FILE_BAD_TYPE:
		return vt_err(VT_ERR_CONFIG, "cache directory '%s' is not a "
		    "directory", path);
	case FILE_BAD_OWNER:
		return vt_err(VT_ERR_CONFIG, "cache directory '%s' belongs "
		    "to another user; remove it or set XDG_CACHE_HOME", path);
	case FILE_BAD_WRITABLE:
		return vt_err(VT_ERR_CONFIG, "cache directory '%s' is "
		    "writable by others; run 'chmod 700 %s'", path, path);
	case FILE_BAD_SHARED:
		return vt_err(VT_ERR_CONFIG, "cache directory '%s' is readable "
		    "by others and cannot be made private: %s", path,
		    strerror(errno));
	default:
		return vt_err(VT_ERR_CONFIG, "cannot open cache directory '%s': "
		    "%s", path, strerror(errno));
	}
}

/*
 * Open (creating it 0700 when create is set, with its parents) and check
 * the cache directory.  Returns 0 with the descriptor, 1 when it does
 * not exist and create is not set, or VT_ERR_CONFIG.
 */
static int
cf_open_dir(int create, int *dfd)
{
	char	*path;
	int	 r;

	*dfd = -1;
	if ((path = cache_file_dir()) == NULL)
		return vt_err(VT_ERR_CONFIG, "no cache directory: set HOME or "
		    "XDG_CACHE_HOME");
	r = file_dir_open(path, create ? FILE_MKDIR | FILE_PARENTS : 0, dfd);
	if (r == FILE_BAD_ERRNO && !create && errno == ENOENT)
		r = 1;
	else if (r != FILE_OK)
		r = cf_dir_err(path, r);
	free(path);
	return r;
}

static int
cf_valid_key(const char *key)
{
	size_t	i;

	for (i = 0; key[i] != '\0'; i++) {
		if (!((key[i] >= '0' && key[i] <= '9') ||
		    (key[i] >= 'a' && key[i] <= 'f')))
			return 0;
	}
	return i == 64;
}

static int
cf_time(json_object *obj, const char *name, time_t *out)
{
	json_object	*v;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = (time_t)json_object_get_int64(v);
	return *out > 0 ? 0 : -1;
}

/* Parse an entry (cache.h); tok may be NULL (list). */
int
cache_file_parse(const char *buf, size_t len, const char *key,
    struct token *tok, struct cache_entry *meta)
{
	json_tokener	*jt;
	json_object	*obj;
	const char	*k, *t, *d, *s;
	time_t		 iat, exp;
	int		 r = -1;

	if ((jt = secret_json_tokener(len, JSON_TOKENER_DEFAULT_DEPTH)) ==
	    NULL)
		return -1;
	obj = json_tokener_parse_ex(jt, buf, (int)len);
	if (obj == NULL || json_tokener_get_parse_end(jt) != len ||
	    !json_object_is_type(obj, json_type_object))
		goto out;
	if ((k = oauth_json_str(obj, "key")) == NULL || strcmp(k, key) != 0 ||
	    (t = oauth_json_str(obj, "access_token")) == NULL ||
	    !output_token_valid(t) ||
	    cf_time(obj, "issued_at", &iat) != 0 ||
	    cf_time(obj, "expires_at", &exp) != 0 || exp < iat)
		goto out;
	d = oauth_json_str(obj, "desc");
	s = oauth_json_str(obj, "scopes");
	if (tok != NULL) {
		tok->access_token = xstrdup(t);
		tok->issued_at = iat;
		tok->expires_at = exp;
	}
	if (meta != NULL) {
		meta->key = xstrdup(k);
		meta->desc = xstrdup(d != NULL ? d : "");
		meta->scopes = xstrdup(s != NULL ? s : "");
		meta->issued_at = iat;
		meta->expires_at = exp;
	}
	r = 0;
out:
	secret_json_put(obj);
	secret_json_tokener_free(jt);
	return r;
}

/*
 * Read the entry name in dfd.  0 hit, 1 miss (absent, refused or
 * unparsable: a warning says which, except for absent).
 */
static int
cf_read(int dfd, const char *key, struct token *tok, struct cache_entry *meta)
{
	char		 name[80], *buf = NULL;
	size_t		 len, cap = 0;
	int		 fd, r = 1;

	snprintf(name, sizeof name, "%s%s", key, CF_SUFFIX);
	if ((fd = file_open_read(dfd, name, FILE_NOFOLLOW)) == -1) {
		if (errno == ELOOP)
			log_warn("cache entry '%s' is a symbolic link; "
			    "ignoring it", name);
		else if (errno != ENOENT)
			log_warn("cannot read cache entry '%s': %s", name,
			    strerror(errno));
		return 1;
	}
	if (file_check(fd, FILE_PRIVATE, NULL) != FILE_OK) {
		log_warn("cache entry '%s' is not a private file of yours; "
		    "ignoring it", name);
		goto out;
	}
	if (file_read_fd(fd, CF_MAX, &buf, &len, &cap) != 0) {
		log_warn("cannot read cache entry '%s': %s", name,
		    file_strerror(errno, CF_MAX));
		goto out;
	}
	if (cache_file_parse(buf, len, key, tok, meta) != 0) {
		log_info("cache entry '%s' does not parse; it will be "
		    "replaced", name);
		goto out;
	}
	r = 0;
out:
	secret_freezero(buf, cap);
	close(fd);
	return r;
}

static int
cf_get(const char *key, struct token *tok, struct cache_entry *meta)
{
	int	dfd, r;

	if (!cf_valid_key(key))
		return 1;
	if ((r = cf_open_dir(0, &dfd)) != 0)
		return r;
	r = cf_read(dfd, key, tok, meta);
	close(dfd);
	return r;
}

static int
cf_put(const char *key, const struct cache_entry *meta,
    const struct token *tok)
{
	json_object	*obj = NULL, *sobj = NULL;
	char		 name[80], *text = NULL;
	int		 dfd = -1, r;

	if (!cf_valid_key(key))
		return vt_err(VT_ERR_INTERNAL, "bad cache key");
	if ((r = cf_open_dir(1, &dfd)) != 0)
		return r;
	/*
	 * Built by hand: the token passed output_token_valid() and the
	 * description and scopes are escaped by json-c, so the one buffer
	 * holding the token is ours to wipe.
	 */
	obj = json_object_new_string(meta->desc != NULL ? meta->desc : "");
	sobj = json_object_new_string(meta->scopes != NULL ? meta->scopes :
	    "");
	text = xasprintf("{\"version\": 1, \"key\": \"%s\", \"desc\": %s, "
	    "\"scopes\": %s, \"issued_at\": %lld, \"expires_at\": %lld, "
	    "\"access_token\": \"%s\"}\n", key,
	    json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN),
	    json_object_to_json_string_ext(sobj, JSON_C_TO_STRING_PLAIN),
	    (long long)tok->issued_at, (long long)tok->expires_at,
	    tok->access_token);
	snprintf(name, sizeof name, "%s%s", key, CF_SUFFIX);
	if (file_replace_at(dfd, name, text, strlen(text)) == -1)
		r = vt_err(VT_ERR_CONFIG, "cannot write cache entry '%s': %s",
		    name, strerror(errno));
	else
		r = 0;
	secret_free(text);
	json_object_put(obj);
	json_object_put(sobj);
	close(dfd);
	return r;
}

static int
cf_del(const char *key)
{
	char	name[80];
	int	dfd, r;

	if (!cf_valid_key(key))
		return 1;
	if ((r = cf_open_dir(0, &dfd)) != 0)
		return r;
	snprintf(name, sizeof name, "%s%s", key, CF_SUFFIX);
	if (unlinkat(dfd, name, 0) == 0)
		r = 0;
	else if (errno == ENOENT)
		r = 1;
	else
		r = vt_err(VT_ERR_CONFIG, "cannot remove cache entry '%s': "
		    "%s", name, strerror(errno));
	close(dfd);
	return r;
}

static int
cf_list(struct cache_entry **out, size_t *n)
{
	struct cache_entry	*v = NULL, e;
	struct dirent		*de;
	DIR			*d;
	char			 key[65];
	size_t			 len, cnt = 0;
	int			 dfd, r;

	*out = NULL;
	*n = 0;
	if ((r = cf_open_dir(0, &dfd)) != 0)
		return r == 1 ? 0 : r;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return vt_err(VT_ERR_CONFIG, "cannot list the cache "
		    "directory: %s", strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len != 64 + strlen(CF_SUFFIX) ||
		    strcmp(de->d_name + 64, CF_SUFFIX) != 0)
			continue;
		memcpy(key, de->d_name, 64);
		key[64] = '\0';
		memset(&e, 0, sizeof e);
		if (!cf_valid_key(key) || cf_read(dirfd(d), key, NULL, &e) != 0)
			continue;
		v = xreallocarray(v, cnt + 1, sizeof *v);
		v[cnt++] = e;
	}
	closedir(d);
	*out = v;
	*n = cnt;
	return 0;
}

const struct cache_backend cache_file_backend = {
	.name = "file",
	.get = cf_get,
	.put = cf_put,
	.del = cf_del,
	.list = cf_list,
};
