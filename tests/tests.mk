# Integration tests: each script runs the built vtoken against the mock
# Google endpoints (tests/mock/) on loopback.  Included by Makefile.am.
SH_TESTS =
TESTS += $(SH_TESTS)
EXTRA_DIST += $(SH_TESTS) tests/lib.sh tests/mock
