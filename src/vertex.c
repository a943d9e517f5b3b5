/*
 * vertex.c: checks on what goes into a Vertex AI URL, and the base URL.
 *
 * Every value is checked against a closed character set before it is
 * pasted into a URL, so that a hostile profile or environment cannot add
 * a path segment ("../"), a query, a fragment or another host.
 */
#include "config.h"

#include <string.h>

#include "vertex.h"
#include "xmalloc.h"

#define VERTEX_ID_MIN		6	/* project ID length */
#define VERTEX_ID_MAX		30
#define VERTEX_NUMBER_MAX	20	/* digits of a project number */
#define VERTEX_LABEL_MAX	63	/* location, endpoint: a DNS label */

/* [a-z] */
static int
vertex_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* [0-9] */
static int
vertex_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A project ID: 6-30 of [a-z0-9-], a letter first, no '-' last. */
static int
vertex_valid_project_id(const char *s, size_t len)
{
	size_t	i;

	if (len < VERTEX_ID_MIN || len > VERTEX_ID_MAX)
		return 0;
	if (!vertex_lower(s[0]) || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		if (!vertex_lower(s[i]) && !vertex_digit(s[i]) && s[i] != '-')
			return 0;
	}
	return 1;
}

/* A project number: 1-20 digits. */
static int
vertex_valid_project_number(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > VERTEX_NUMBER_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (!vertex_digit(s[i]))
			return 0;
	}
	return 1;
}

/* The domain of a domain-scoped project: non-empty [a-z0-9.-]. */
static int
vertex_valid_domain(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (!vertex_lower(s[i]) && !vertex_digit(s[i]) &&
		    s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* A project ID, a domain-scoped ID or a project number. */
int
vertex_valid_project(const char *s)
{
	const char	*colon;
	size_t		 len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if ((colon = strchr(s, ':')) != NULL) {
		/* "example.com:my-project" (Google Workspace legacy IDs) */
		return vertex_valid_domain(s, (size_t)(colon - s)) &&
		    vertex_valid_project_id(colon + 1, strlen(colon + 1));
	}
	return vertex_valid_project_id(s, len) ||
	    vertex_valid_project_number(s, len);
}

/* A label of [a-z0-9-] up to 63, first as allowed, not ending in '-'. */
static int
vertex_valid_label(const char *s, int digit_first)
{
	size_t	i, len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len < 1 || len > VERTEX_LABEL_MAX || s[len - 1] == '-')
		return 0;
	if (!vertex_lower(s[0]) && !(digit_first && vertex_digit(s[0])))
		return 0;
	for (i = 0; i < len; i++) {
		if (!vertex_lower(s[i]) && !vertex_digit(s[i]) && s[i] != '-')
			return 0;
	}
	return 1;
}

/* A region, multi-region or "global": the host is built from it. */
int
vertex_valid_location(const char *s)
{
	/* "global" is a valid label too; say so for the reader. */
	if (s != NULL && strcmp(s, "global") == 0)
		return 1;
	return vertex_valid_label(s, 0);
}

/* "openapi" or a numeric endpoint ID. */
int
vertex_valid_endpoint(const char *s)
{
	/* "openapi" or a numeric ID; both fit one DNS-style label. */
	return vertex_valid_label(s, 1);
}

/* The two versions that serve the OpenAI-compatible API. */
int
vertex_valid_api_version(const char *s)
{
	return s != NULL &&
	    (strcmp(s, "v1") == 0 || strcmp(s, "v1beta1") == 0);
}

/* The base URL an OpenAI SDK appends /chat/completions to. */
char *
vertex_base_url(const char *project, const char *location,
    const char *endpoint, const char *api_version)
{
	/* The global location has no regional host. */
	if (strcmp(location, "global") == 0)
		return xasprintf("https://aiplatform.googleapis.com/%s/"
		    "projects/%s/locations/%s/endpoints/%s", api_version,
		    project, location, endpoint);
	return xasprintf("https://%s-aiplatform.googleapis.com/%s/"
	    "projects/%s/locations/%s/endpoints/%s", location, api_version,
	    project, location, endpoint);
}

char *
vertex_url_location(const char *url, const char *location)
{
	static const char	 mark[] = "{location}";
	const char		*p, *q;
	char			*out, *o;
	size_t			 n = 0;

	for (p = url; (q = strstr(p, mark)) != NULL; p = q + sizeof mark - 1)
		n++;
	out = o = xmalloc(strlen(url) + n * strlen(location) + 1);
	for (p = url; (q = strstr(p, mark)) != NULL; p = q + sizeof mark - 1) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, location, strlen(location));
		o += strlen(location);
	}
	strcpy(o, p);
	return out;
}
