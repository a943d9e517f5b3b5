/*
 * mod-keyring.c: the keyring backend, built into the vtoken-keyring
 * module (module.h) since libsecret and GIO cost more to load than a
 * file-cache hit costs in all.
 *
 * Bounded: libsecret's synchronous calls can block for as long as a
 * wedged daemon takes, so every call here is the asynchronous form run
 * on a private main context, with a timer that cancels it; a call that
 * has not finished soon after is abandoned and the keyring is "unavailable".
 * Two bounds: whether anyone is there at all (the bus, and an owner for
 * the Secret Service's name) must be known within a fraction of a second,
 * since a shell start-up waits on it; once that is known, a Secret
 * Service that is alive but busy (fifty vtokens starting at once, a
 * daemon briefly stopped) is given seconds, not reported absent.
 *
 * Never prompts: a locked collection is "unavailable", and nothing here
 * asks to unlock anything.
 *
 * Tokens go to the in-memory "session" collection, never to disk: they
 * live an hour and are re-minted in a fraction of a second, so surviving
 * a re-login is worth nothing, while a bearer token written to the login
 * keyring's file would outlive its use.  A Secret Service without a
 * session collection (KeePassXC) gets the default collection, if unlocked.
 * API keys are long-lived and typed in by hand: they go to the default
 * (login) collection, which persists.
 *
 * Wiping: a SecretValue keeps its secret in libsecret's secure memory,
 * which is wiped when freed, and our copies are secret_free()d.  The
 * D-Bus messages that carried it are GDBus's, freed unwiped (GLib has no
 * way to ask otherwise); libsecret encrypts the secret inside them when
 * the service supports it (the dh-ietf1024 session).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "vtoken.h"
#include "cache.h"
#include "mod-keyring.h"
#include "log.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

/* Time allowed after a cancel for the call to come back. */
#define KR_GRACE_MS	100
/* Most bounds one call waits while the machine's CPUs are saturated. */
#define KR_PATIENCE	4

static const SecretSchema kr_token_schema = {
	.name = "io.vtoken.AccessToken",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "vtoken-key", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "issued-at", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "expires-at", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "desc", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "scopes", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	}
};

static const SecretSchema kr_key_schema = {
	.name = "io.vtoken.ApiKey",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	}
};

/* The Secret Service's well-known name on the session bus. */
#define KR_BUS_NAME	"org.freedesktop.secrets"

static GMainContext	*kr_mc;
static GDBusConnection	*kr_bus;
static SecretService	*kr_service;
static SecretCollection	*kr_tokens;
static const char	*kr_alias;
static int		 kr_timeout_ms;
static int		 kr_patient;	/* kr_wait may wait for the CPUs */
static int		 kr_broken;	/* a call was abandoned */

/* One asynchronous call's outcome; leaked if the call is abandoned. */
struct kr_call {
	GAsyncResult	*res;
	GCancellable	*cancel;
};

static void
kr_done(GObject *obj, GAsyncResult *res, gpointer data)
{
	struct kr_call	*c = data;

	(void)obj;
	c->res = g_object_ref(res);
}

static struct kr_call *
kr_call_new(void)
{
	struct kr_call	*c;

	c = xcalloc(1, sizeof *c);
	c->cancel = g_cancellable_new();
	return c;
}

static gboolean
kr_wake(gpointer data)
{
	(void)data;
	return G_SOURCE_REMOVE;
}

/* Run the private context until c finishes or the monotonic time end. */
static void
kr_run_until(struct kr_call *c, gint64 end)
{
	GSource	*t;
	gint64	 left;

	while (c->res == NULL && (left = end - g_get_monotonic_time()) > 0) {
		t = g_timeout_source_new((guint)((left + 999) / 1000));
		g_source_set_callback(t, kr_wake, NULL, NULL);
		g_source_attach(t, kr_mc);
		g_main_context_iteration(kr_mc, TRUE);
		g_source_destroy(t);
		g_source_unref(t);
	}
}

/*
 * Microseconds during which some task on this machine was ready to run
 * and waited for a CPU, from the kernel's pressure stall information
 * (Linux 4.20); -1 where there is none.
 */
static long long
kr_cpu_stall_us(void)
{
	char		 buf[256], *p;
	FILE		*f;
	long long	 v = -1;

	if ((f = fopen("/proc/pressure/cpu", "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof buf, f) != NULL &&
	    strncmp(buf, "some ", 5) == 0 &&
	    (p = strstr(buf, " total=")) != NULL)
		v = strtoll(p + 7, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Run the private context until c finishes or its time is up (then
 * cancel, and wait a little for the cancellation).  0 when finished;
 * -1 when abandoned: c is leaked, since its callback may still run.
 *
 * No answer within the bound says nothing when the CPUs were saturated
 * meanwhile (fifty processes starting at once: the bus daemon and this
 * process wait their turn like the rest).  So while the whole wait has
 * seen a quarter or more of its time in CPU stall, the question whether
 * anyone is there (kr_patient) waits on, bound by bound, up to
 * KR_PATIENCE of them; on a machine with CPU to spare, a bus that does
 * not answer is wedged.
 */
static int
kr_wait(struct kr_call *c)
{
	gint64		 start, end, now;
	long long	 stall0, stall;
	int		 rounds = 1;

	start = g_get_monotonic_time();
	end = start + (gint64)kr_timeout_ms * 1000;
	stall0 = kr_cpu_stall_us();
	for (;;) {
		kr_run_until(c, end);
		if (c->res != NULL)
			return 0;
		now = g_get_monotonic_time();
		if (!kr_patient || rounds >= KR_PATIENCE || stall0 < 0 ||
		    (stall = kr_cpu_stall_us()) < 0 ||
		    (stall - stall0) * 4 < now - start)
			break;
		log_debug("keyring: no answer in %d ms while the CPUs are "
		    "saturated; waiting longer", kr_timeout_ms * rounds);
		rounds++;
		end = now + (gint64)kr_timeout_ms * 1000;
	}
	g_cancellable_cancel(c->cancel);
	kr_run_until(c, g_get_monotonic_time() + KR_GRACE_MS * 1000);
	if (c->res == NULL) {
		kr_broken = 1;
		return -1;
	}
	return 0;
}

static void
kr_call_free(struct kr_call *c)
{
	if (c == NULL)
		return;
	if (c->res != NULL)
		g_object_unref(c->res);
	g_object_unref(c->cancel);
	free(c);
}

/* The error for a failed or abandoned call. */
static int
kr_fail(const char *what, GError *err)
{
	int	r;

	if (err == NULL || g_error_matches(err, G_IO_ERROR,
	    G_IO_ERROR_CANCELLED))
		r = vt_err(VT_ERR_CONFIG, "the keyring did not answer in time "
		    "(%s)", what);
	else
		r = vt_err(VT_ERR_CONFIG, "the keyring failed (%s): %s", what,
		    err->message);
	if (err != NULL)
		g_error_free(err);
	return r;
}

/* Find the collection for alias, or NULL; -1 on failure. */
static int
kr_collection(const char *alias, SecretCollection **out)
{
	struct kr_call	*c = kr_call_new();
	GError		*err = NULL;
	int		 r = 0;

	*out = NULL;
	secret_collection_for_alias(kr_service, alias,
	    SECRET_COLLECTION_NONE, c->cancel, kr_done, c);
	if (kr_wait(c) != 0)
		return -1;
	*out = secret_collection_for_alias_finish(c->res, &err);
	if (err != NULL) {
		g_error_free(err);
		r = -1;
	}
	kr_call_free(c);
	return r;
}

/*
 * Ask the bus daemon (it answers for itself, even while the Secret
 * Service is busy) method(KR_BUS_NAME) or method(); the reply in *out.
 */
static int
kr_bus_call(const char *method, GVariant *args, const GVariantType *type,
    GVariant **out)
{
	struct kr_call	*c = kr_call_new();
	GError		*err = NULL;

	*out = NULL;
	g_dbus_connection_call(kr_bus, "org.freedesktop.DBus",
	    "/org/freedesktop/DBus", "org.freedesktop.DBus", method, args,
	    type, G_DBUS_CALL_FLAGS_NONE, -1, c->cancel, kr_done,
	    c);
	if (kr_wait(c) != 0)
		return -1;
	*out = g_dbus_connection_call_finish(kr_bus, c->res, &err);
	kr_call_free(c);
	if (*out == NULL) {
		log_info("keyring: %s: %s", method, err != NULL ?
		    err->message : "?");
		g_clear_error(&err);
		return -1;
	}
	return 0;
}

/* 1 if KR_BUS_NAME is owned, or can be started by the bus. */
static int
kr_name_there(void)
{
	GVariant	*v;
	const char	**names;
	gboolean	 owned = FALSE;
	int		 there = 0;
	gsize		 i;

	if (kr_bus_call("NameHasOwner", g_variant_new("(s)", KR_BUS_NAME),
	    G_VARIANT_TYPE("(b)"), &v) != 0)
		return -1;
	g_variant_get(v, "(b)", &owned);
	g_variant_unref(v);
	if (owned)
		return 1;
	if (kr_bus_call("ListActivatableNames", NULL, G_VARIANT_TYPE("(as)"),
	    &v) != 0)
		return -1;
	/* The strings are v's; only the array is ours. */
	g_variant_get(v, "(^a&s)", &names);
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], KR_BUS_NAME) == 0)
			there = 1;
	g_free(names);
	g_variant_unref(v);
	return there;
}

/*
 * Is a Secret Service there at all?  Connect to the session bus and ask
 * it, within alive_ms: no answer means a wedged bus.
 */
static int
kr_alive(int alive_ms, const char **why)
{
	struct kr_call	*c;
	GError		*err = NULL;
	int		 r;

	kr_timeout_ms = alive_ms;
	kr_patient = 1;
	c = kr_call_new();
	g_bus_get(G_BUS_TYPE_SESSION, c->cancel, kr_done, c);
	if (kr_wait(c) != 0) {
		*why = "the session bus did not answer in time";
		return -1;
	}
	kr_bus = g_bus_get_finish(c->res, &err);
	kr_call_free(c);
	if (kr_bus == NULL) {
		log_info("keyring: %s", err != NULL ? err->message : "?");
		g_clear_error(&err);
		*why = "the session bus cannot be reached";
		return -1;
	}
	if ((r = kr_name_there()) < 0) {
		*why = "the session bus did not answer in time";
		return -1;
	}
	if (r == 0) {
		*why = "no Secret Service on the session bus";
		return -1;
	}
	return 0;
}

static int
kr_open(int alive_ms, int busy_ms, const char **why)
{
	struct kr_call	*c;
	GError		*err = NULL;
	SecretCollection *coll = NULL;
	const char	*alias;
	size_t		 i;

	static const char *const aliases[] = { "session", "default" };

	kr_mc = g_main_context_new();
	g_main_context_push_thread_default(kr_mc);
	if (kr_alive(alive_ms, why) != 0)
		return -1;

	/* It is there: from now on it may be slow, not absent. */
	kr_patient = 0;
	kr_timeout_ms = busy_ms;
	c = kr_call_new();
	secret_service_get(SECRET_SERVICE_OPEN_SESSION, c->cancel, kr_done, c);
	if (kr_wait(c) != 0) {
		*why = "the Secret Service did not answer in time";
		return -1;
	}
	kr_service = secret_service_get_finish(c->res, &err);
	kr_call_free(c);
	if (kr_service == NULL) {
		log_info("keyring: %s", err != NULL ? err->message : "?");
		*why = err != NULL && g_error_matches(err, G_IO_ERROR,
		    G_IO_ERROR_CANCELLED) ?
		    "the Secret Service did not answer in time" :
		    "the Secret Service failed to open a session";
		g_clear_error(&err);
		return -1;
	}
	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		alias = aliases[i];
		if (kr_collection(alias, &coll) != 0) {
			*why = "the Secret Service did not answer in time";
			return -1;
		}
		if (coll != NULL)
			break;
	}
	if (coll == NULL) {
		*why = "the keyring has no session or default collection";
		return -1;
	}
	if (secret_collection_get_locked(coll)) {
		g_object_unref(coll);
		*why = "the keyring is locked";
		return -1;
	}
	kr_tokens = coll;
	kr_alias = alias;
	return 0;
}

static const char *
kr_collection_name(void)
{
	return kr_alias;
}

/* Search coll for schema items matching attrs; NULL-safe list. */
static int
kr_search(SecretCollection *coll, const SecretSchema *schema,
    GHashTable *attrs, SecretSearchFlags flags, GList **out)
{
	struct kr_call	*c;
	GError		*err = NULL;

	*out = NULL;
	if (kr_broken)
		return kr_fail("an earlier call hung", NULL);
	c = kr_call_new();
	if (coll != NULL)
		secret_collection_search(coll, schema, attrs, flags,
		    c->cancel, kr_done, c);
	else
		secret_service_search(kr_service, schema, attrs, flags,
		    c->cancel, kr_done, c);
	if (kr_wait(c) != 0)
		return kr_fail("search", NULL);
	*out = coll != NULL ? secret_collection_search_finish(coll, c->res,
	    &err) : secret_service_search_finish(kr_service, c->res, &err);
	kr_call_free(c);
	if (err != NULL)
		return kr_fail("search", err);
	return 0;
}

/* A search for one attribute; the strings are borrowed. */
static GHashTable *
kr_attrs(const char *name, const char *value)
{
	GHashTable	*h;

	h = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(h, (gpointer)name, (gpointer)value);
	return h;
}

static time_t
kr_time(GHashTable *attrs, const char *name)
{
	const char	*v;
	char		*end;
	long long	 t;

	if ((v = g_hash_table_lookup(attrs, name)) == NULL)
		return 0;
	t = strtoll(v, &end, 10);
	return *end == '\0' && t > 0 ? (time_t)t : 0;
}

/* Fill meta from an item's attributes; -1 if they are not ours. */
static int
kr_meta(SecretItem *item, struct cache_entry *meta)
{
	GHashTable	*attrs;
	const char	*key, *desc, *scopes;
	int		 r = -1;

	attrs = secret_item_get_attributes(item);
	key = g_hash_table_lookup(attrs, "vtoken-key");
	desc = g_hash_table_lookup(attrs, "desc");
	scopes = g_hash_table_lookup(attrs, "scopes");
	meta->issued_at = kr_time(attrs, "issued-at");
	meta->expires_at = kr_time(attrs, "expires-at");
	if (key != NULL && meta->expires_at > 0) {
		meta->key = xstrdup(key);
		meta->desc = xstrdup(desc != NULL ? desc : "");
		meta->scopes = xstrdup(scopes != NULL ? scopes : "");
		r = 0;
	}
	g_hash_table_unref(attrs);
	return r;
}

static int
kr_get(const char *key, struct token *tok, struct cache_entry *meta)
{
	struct cache_entry	 m = { 0 };
	GHashTable		*attrs;
	GList			*items = NULL;
	SecretValue		*val = NULL;
	const char		*text;
	gsize			 len;
	int			 r;

	attrs = kr_attrs("vtoken-key", key);
	r = kr_search(kr_tokens, &kr_token_schema, attrs,
	    SECRET_SEARCH_LOAD_SECRETS, &items);
	g_hash_table_unref(attrs);
	if (r != 0)
		return r;
	r = 1;
	if (items == NULL)
		goto out;
	val = secret_item_get_secret(items->data);
	if (val == NULL || kr_meta(items->data, &m) != 0)
		goto drop;
	text = secret_value_get(val, &len);
	if (len == 0 || len > VT_TOKEN_MAX || memchr(text, '\0', len) !=
	    NULL)
		goto drop;
	tok->access_token = xstrndup(text, len);
	if (!output_token_valid(tok->access_token)) {
		token_release(tok);
		goto drop;
	}
	tok->issued_at = m.issued_at;
	tok->expires_at = m.expires_at;
	if (meta != NULL) {
		*meta = m;
		memset(&m, 0, sizeof m);
	}
	r = 0;
	goto done;
drop:
	log_info("keyring entry does not parse; it will be replaced");
done:
	if (val != NULL)
		secret_value_unref(val);
out:
	cache_entry_release(&m);
	g_list_free_full(items, g_object_unref);
	return r;
}

/* Create or replace an item in coll; 0 or VT_ERR_CONFIG. */
static int
kr_store(SecretCollection *coll, const SecretSchema *schema,
    GHashTable *attrs, const char *label, const char *secret)
{
	struct kr_call	*c;
	SecretValue	*val;
	SecretItem	*item;
	GError		*err = NULL;

	if (kr_broken)
		return kr_fail("an earlier call hung", NULL);
	val = secret_value_new(secret, -1, "text/plain");
	c = kr_call_new();
	secret_item_create(coll, schema, attrs, label, val,
	    SECRET_ITEM_CREATE_REPLACE, c->cancel, kr_done, c);
	secret_value_unref(val);
	if (kr_wait(c) != 0)
		return kr_fail("store", NULL);
	item = secret_item_create_finish(c->res, &err);
	kr_call_free(c);
	if (item == NULL)
		return kr_fail("store", err);
	g_object_unref(item);
	return 0;
}

static int
kr_put(const char *key, const struct cache_entry *meta,
    const struct token *tok)
{
	GHashTable	*attrs;
	char		 iat[32], exp[32], *label;
	int		 r;

	snprintf(iat, sizeof iat, "%lld", (long long)tok->issued_at);
	snprintf(exp, sizeof exp, "%lld", (long long)tok->expires_at);
	attrs = kr_attrs("vtoken-key", key);
	g_hash_table_insert(attrs, (gpointer)"issued-at", iat);
	g_hash_table_insert(attrs, (gpointer)"expires-at", exp);
	g_hash_table_insert(attrs, (gpointer)"desc", meta->desc);
	g_hash_table_insert(attrs, (gpointer)"scopes", meta->scopes);
	label = xasprintf("vtoken access token: %s", meta->desc);
	r = kr_store(kr_tokens, &kr_token_schema, attrs, label,
	    tok->access_token);
	free(label);
	g_hash_table_unref(attrs);
	return r;
}

/* Delete each item of a list; 0 if any went, 1 if none was there. */
static int
kr_delete_items(GList *items)
{
	struct kr_call	*c;
	GError		*err = NULL;
	GList		*l;
	int		 r = 1;

	for (l = items; l != NULL; l = l->next) {
		c = kr_call_new();
		secret_item_delete(l->data, c->cancel, kr_done, c);
		if (kr_wait(c) != 0)
			return kr_fail("delete", NULL);
		if (!secret_item_delete_finish(l->data, c->res, &err)) {
			kr_call_free(c);
			return kr_fail("delete", err);
		}
		kr_call_free(c);
		r = 0;
	}
	return r;
}

/* Delete the items of schema (in coll, or any collection) whose
 * attribute name is value. */
static int
kr_delete_where(SecretCollection *coll, const SecretSchema *schema,
    const char *name, const char *value)
{
	GHashTable	*attrs;
	GList		*items = NULL;
	int		 r;

	attrs = kr_attrs(name, value);
	r = kr_search(coll, schema, attrs, SECRET_SEARCH_ALL, &items);
	g_hash_table_unref(attrs);
	if (r == 0)
		r = kr_delete_items(items);
	g_list_free_full(items, g_object_unref);
	return r;
}

static int
kr_del(const char *key)
{
	return kr_delete_where(kr_tokens, &kr_token_schema, "vtoken-key", key);
}

static int
kr_list(struct cache_entry **out, size_t *n)
{
	struct cache_entry	*v = NULL, e;
	GHashTable		*attrs;
	GList			*items = NULL, *l;
	size_t			 cnt = 0;
	int			 r;

	*out = NULL;
	*n = 0;
	attrs = g_hash_table_new(g_str_hash, g_str_equal);
	r = kr_search(kr_tokens, &kr_token_schema, attrs, SECRET_SEARCH_ALL,
	    &items);
	g_hash_table_unref(attrs);
	if (r != 0)
		return r;
	for (l = items; l != NULL; l = l->next) {
		memset(&e, 0, sizeof e);
		if (kr_meta(l->data, &e) != 0)
			continue;
		v = xreallocarray(v, cnt + 1, sizeof *v);
		v[cnt++] = e;
	}
	g_list_free_full(items, g_object_unref);
	*out = v;
	*n = cnt;
	return 0;
}

static int
kr_key_get(const char *profile, char **key)
{
	GHashTable	*attrs;
	GList		*items = NULL;
	SecretValue	*val = NULL;
	const char	*text;
	gsize		 len;
	int		 r;

	*key = NULL;
	attrs = kr_attrs("profile", profile);
	/* Anywhere, but without unlocking: a locked key is not there. */
	r = kr_search(NULL, &kr_key_schema, attrs, SECRET_SEARCH_LOAD_SECRETS,
	    &items);
	g_hash_table_unref(attrs);
	if (r != 0)
		return r;
	r = 1;
	if (items != NULL && secret_item_get_locked(items->data))
		r = vt_err(VT_ERR_CONFIG, "the API key of profile '%s' is in a "
		    "locked keyring; unlock it", profile);
	else if (items != NULL &&
	    (val = secret_item_get_secret(items->data)) != NULL) {
		text = secret_value_get(val, &len);
		if (len > 0 && memchr(text, '\0', len) == NULL) {
			*key = xstrndup(text, len);
			r = 0;
		}
		secret_value_unref(val);
	}
	g_list_free_full(items, g_object_unref);
	return r;
}

static int
kr_key_set(const char *profile, const char *key)
{
	SecretCollection	*coll = NULL;
	GHashTable		*attrs;
	char			*label;
	int			 r;

	/* Keys persist: the login (default) collection, if unlocked. */
	if (kr_collection("default", &coll) != 0)
		return kr_fail("find the default collection", NULL);
	if (coll == NULL)
		return vt_err(VT_ERR_CONFIG, "the keyring has no default "
		    "collection to keep the key in");
	if (secret_collection_get_locked(coll)) {
		g_object_unref(coll);
		return vt_err(VT_ERR_CONFIG, "the default keyring is locked; "
		    "unlock it and try again");
	}
	attrs = kr_attrs("profile", profile);
	label = xasprintf("vtoken API key: profile %s", profile);
	r = kr_store(coll, &kr_key_schema, attrs, label, key);
	free(label);
	g_hash_table_unref(attrs);
	g_object_unref(coll);
	return r;
}

static int
kr_key_del(const char *profile)
{
	return kr_delete_where(NULL, &kr_key_schema, "profile", profile);
}

__attribute__((visibility("default")))
const struct vt_keyring_api vt_keyring_api = {
	.head = {
		.version = VT_KEYRING_API_VERSION,
		.host_version = VT_HOST_API_VERSION,
		.bind = mod_host_bind,
	},
	.open = kr_open,
	.get = kr_get,
	.put = kr_put,
	.del = kr_del,
	.list = kr_list,
	.key_get = kr_key_get,
	.key_set = kr_key_set,
	.key_del = kr_key_del,
	.collection = kr_collection_name,
};
