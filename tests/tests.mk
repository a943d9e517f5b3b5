# Every test is listed here (the fuzzing harnesses' replay in
# tests/fuzz/fuzz.mk).  Included by Makefile.am.
#
# Unit tests: cmocka, one program per tests/unit/test-NAME.c, linked with
# both halves of the code (the program's library and the net module's
# sources) by the default LDADD.
LDADD = src/libvtoken.a src/libvtnet.a src/libvtoken.a $(LIB_LIBS) \
	$(NET_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS = \
	tests/unit/test-apikey \
	tests/unit/test-cache \
	tests/unit/test-config \
	tests/unit/test-credfile \
	tests/unit/test-federation \
	tests/unit/test-file \
	tests/unit/test-gitcred \
	tests/unit/test-http \
	tests/unit/test-idtoken \
	tests/unit/test-jwt \
	tests/unit/test-log \
	tests/unit/test-oauth \
	tests/unit/test-options \
	tests/unit/test-output \
	tests/unit/test-serve \
	tests/unit/test-vertex
UNIT_TESTS += \
	tests/unit/test-dockercred \
	tests/unit/test-kubecred
if HAVE_CMOCKA
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif

# Integration tests: each script runs the built vtoken against the mock
# Google endpoints (tests/mock/) on loopback.
# The scripts source tests/lib.sh; keys, CAs and private HOMEs are made at
# run time under tests/tmp/ in the build directory.
SH_TESTS = \
	tests/t/t0001-mock.sh \
	tests/t/t0002-modules.sh \
	tests/t/t2000-service-account.sh \
	tests/t/t2100-authorized-user.sh \
	tests/t/t2300-http-errors.sh \
	tests/t/t2400-https.sh
TESTS += $(SH_TESTS)
EXTRA_DIST += $(SH_TESTS) tests/lib.sh \
	tests/mock/mockgoogle.py tests/mock/mockctl.py

clean-local: clean-local-tests
clean-local-tests:
	-rm -rf tests/tmp
.PHONY: clean-local-tests

# CLI, configuration, discovery, env shells, exit statuses, leaks, man pages.
SH_TESTS += \
	tests/t/t0000-cli.sh \
	tests/t/t1000-config.sh \
	tests/t/t2200-discovery.sh \
	tests/t/t3000-env-shells.sh \
	tests/t/t9000-exit-status.sh \
	tests/t/t9100-leaks.sh \
	tests/t/t9110-leak-scan.sh \
	tests/t/t9200-man.sh \
	tests/t/t2700-impersonation.sh \
	tests/t/t2800-external-account.sh

# API keys and the metadata server.
SH_TESTS += \
	tests/t/t2500-api-key.sh \
	tests/t/t2600-metadata.sh \
	tests/t/t2900-id-token.sh

# Where vtoken is used: git's credential helper, exec, real clients.
SH_TESTS += \
	tests/t/t5000-git-credential.sh \
	tests/t/t5100-git-http.sh \
	tests/t/t5200-openai-node.sh \
	tests/t/t5300-exec.sh
EXTRA_DIST += tests/mock/githttp.py tests/mock/openai-chat.js

# The token cache: file backend, stale-if-error, keyring, single flight,
# refresh.
SH_TESTS += \
	tests/t/t4000-cache-file.sh \
	tests/t/t4050-stale-if-error.sh \
	tests/t/t4100-keyring.sh \
	tests/t/t4150-key-keyring.sh \
	tests/t/t4200-single-flight.sh \
	tests/t/t4300-refresh.sh
EXTRA_DIST += tests/mock/locked-secrets.py

# The broker (vtoken serve): the mock's chat faults first, then the broker
# against it; t6050 is the long one (three 20-second token lifetimes).
SH_TESTS += \
	tests/t/t6000-serve-mock.sh \
	tests/t/t6010-serve-state.sh \
	tests/t/t6020-serve-access.sh \
	tests/t/t6025-serve-limits.sh \
	tests/t/t6030-serve-retry.sh \
	tests/t/t6035-serve-proxy.sh \
	tests/t/t6040-serve-stream.sh \
	tests/t/t6045-serve-exec.sh \
	tests/t/t6046-serve-hup.sh \
	tests/t/t6050-serve-headline.sh \
	tests/t/t6060-serve-systemd.sh \
	tests/t/t6070-serve-http2.sh
EXTRA_DIST += tests/mock/serveclient.py tests/mock/openai-loop.js \
	tests/mock/sdactivate.py tests/mock/rawhttp.py tests/mock/connectproxy.py

# Helper protocols of other clients: Docker's credential helper and
# configure-docker, kubectl's exec credential, token files.
SH_TESTS += \
	tests/t/t5700-docker-credential.sh \
	tests/t/t5710-configure-docker.sh \
	tests/t/t5720-kube-credential.sh \
	tests/t/t5730-token-file.sh \
	tests/t/t5740-helpers-no-api-key.sh

# The metadata server emulator (vtoken serve --metadata): its routes and
# refusals, its token rules, then real clients (Python's google-auth, the
# google-auth-library npm package).
SH_TESTS += \
	tests/t/t6100-serve-metadata-routes.sh \
	tests/t/t6110-serve-metadata-tokens.sh \
	tests/t/t6120-serve-metadata-python.sh \
	tests/t/t6130-serve-metadata-node.sh
EXTRA_DIST += tests/mock/metaclient.py tests/mock/gauth-python.py \
	tests/mock/gauth-node.js
