/*
 * credfile.h: credential files (credfile.c): reading one, dispatching on
 * its "type" to the source-*.c that knows it, and the field helpers they
 * share.
 */
#ifndef VTOKEN_CREDFILE_H
#define VTOKEN_CREDFILE_H

#include <stddef.h>

#include <json-c/json.h>

struct source;

/*
 * Load a JSON credential file (ADC format) and dispatch on "type".
 * origin says how the path was chosen.  Errors: VT_ERR_CONFIG if the file
 * does not exist; VT_ERR_CRED if it is unreadable, too large, not JSON,
 * of an unsupported type, missing a field or breaking a URL rule.  The
 * message names the file, and for a field its name; never its value.
 */
int	 credfile_load(const char *path, const char *origin,
	    struct source **out);
/* The same for a file already read into memory (len bytes). */
int	 credfile_parse(const char *data, size_t len, const char *path,
	    const char *origin, struct source **out);
/* The same for a parsed object (a nested source_credentials). */
int	 credfile_dispatch(json_object *obj, const char *path,
	    const char *origin, struct source **out);

/*
 * Field helpers for source-*.c: a required string field (VT_ERR_CRED
 * "'<path>': field 'x' is missing" / "is not a string" / "is empty"), and
 * an optional one (NULL when absent; VT_ERR_CRED if not a string).
 * *out points into obj: copy it.
 */
int	 credfile_string(json_object *obj, const char *key, const char *path,
	    const char **out);
int	 credfile_opt_string(json_object *obj, const char *key,
	    const char *path, const char **out);

#endif /* VTOKEN_CREDFILE_H */
