/*
 * vertex.h: what goes into a Vertex AI URL, checked before it goes there,
 * and the OpenAI-compatible base URL built from it.
 */
#ifndef VTOKEN_VERTEX_H
#define VTOKEN_VERTEX_H

/*
 * 1 if s is a valid value, else 0.
 * Project: a project ID (6-30 of [a-z0-9-], starting with a letter, not
 * ending with '-'), optionally domain-scoped ("example.com:my-project"),
 * or a project number (digits).
 * Location: "global" or a region/multi-region ([a-z][a-z0-9-]*, <= 63).
 * Endpoint: "openapi" or a numeric endpoint ID ([a-z0-9][a-z0-9-]*, <= 63).
 * API version: "v1" or "v1beta1".
 */
int	 vertex_valid_project(const char *s);
int	 vertex_valid_location(const char *s);
int	 vertex_valid_endpoint(const char *s);
int	 vertex_valid_api_version(const char *s);

/*
 * https://{location}-aiplatform.googleapis.com/{ver}/projects/{project}/
 * locations/{location}/endpoints/{endpoint}; location "global" drops the
 * region prefix from the host.  Arguments must already be valid.
 * Caller frees.
 */
char	*vertex_base_url(const char *project, const char *location,
	    const char *endpoint, const char *api_version);

/*
 * url with every "{location}" replaced by location: a base URL given
 * whole may name the location (the broker's failover).  New string.
 */
char	*vertex_url_location(const char *url, const char *location);

#endif /* VTOKEN_VERTEX_H */
