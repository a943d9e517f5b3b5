# The fuzzing harnesses (tests/fuzz/README).  Included by Makefile.am.
#
# In every build the harnesses are built with the ordinary compiler and
# replay.c's main(), and make check runs each over its committed corpus
# (tests/t/t9300-fuzz-corpus.sh): under the sanitizer build that is a
# regression test for everything the fuzzers ever found.  make fuzz builds
# them for libFuzzer with clang (tests/fuzz/build.sh); make fuzz-smoke
# runs each for FUZZ_SECONDS; bench/fuzz runs them for as long as asked.
FUZZ_HARNESSES = \
	tests/fuzz/fuzz-cache \
	tests/fuzz/fuzz-config \
	tests/fuzz/fuzz-credfile \
	tests/fuzz/fuzz-gcloud \
	tests/fuzz/fuzz-gitcred \
	tests/fuzz/fuzz-idtoken \
	tests/fuzz/fuzz-quote \
	tests/fuzz/fuzz-redact \
	tests/fuzz/fuzz-registry \
	tests/fuzz/fuzz-reply \
	tests/fuzz/fuzz-servepath \
	tests/fuzz/fuzz-subject \
	tests/fuzz/fuzz-time \
	tests/fuzz/fuzz-url
check_PROGRAMS += $(FUZZ_HARNESSES)
FUZZ_COMMON = tests/fuzz/fuzz.c tests/fuzz/fuzz.h tests/fuzz/replay.c
tests_fuzz_fuzz_cache_SOURCES = tests/fuzz/fuzz-cache.c $(FUZZ_COMMON)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c $(FUZZ_COMMON)
tests_fuzz_fuzz_credfile_SOURCES = tests/fuzz/fuzz-credfile.c $(FUZZ_COMMON)
tests_fuzz_fuzz_gcloud_SOURCES = tests/fuzz/fuzz-gcloud.c $(FUZZ_COMMON)
tests_fuzz_fuzz_gitcred_SOURCES = tests/fuzz/fuzz-gitcred.c $(FUZZ_COMMON)
tests_fuzz_fuzz_idtoken_SOURCES = tests/fuzz/fuzz-idtoken.c $(FUZZ_COMMON)
tests_fuzz_fuzz_registry_SOURCES = tests/fuzz/fuzz-registry.c $(FUZZ_COMMON)
tests_fuzz_fuzz_quote_SOURCES = tests/fuzz/fuzz-quote.c $(FUZZ_COMMON)
tests_fuzz_fuzz_redact_SOURCES = tests/fuzz/fuzz-redact.c $(FUZZ_COMMON)
tests_fuzz_fuzz_reply_SOURCES = tests/fuzz/fuzz-reply.c $(FUZZ_COMMON)
tests_fuzz_fuzz_servepath_SOURCES = tests/fuzz/fuzz-servepath.c $(FUZZ_COMMON)
tests_fuzz_fuzz_subject_SOURCES = tests/fuzz/fuzz-subject.c $(FUZZ_COMMON)
tests_fuzz_fuzz_time_SOURCES = tests/fuzz/fuzz-time.c $(FUZZ_COMMON)
tests_fuzz_fuzz_url_SOURCES = tests/fuzz/fuzz-url.c $(FUZZ_COMMON)

SH_TESTS += tests/t/t9300-fuzz-corpus.sh
EXTRA_DIST += tests/fuzz/README tests/fuzz/build.sh tests/fuzz/run.sh \
	tests/fuzz/corpus

# make fuzz: the harnesses for libFuzzer, in fuzz/ (FUZZ_CC: configure).
FUZZ_SECONDS = 15
FUZZ_JOBS = 2
fuzz:
	@$(SHELL) $(top_srcdir)/tests/fuzz/build.sh '$(FUZZ_CC)' \
	    '$(abs_top_srcdir)' '$(abs_top_builddir)' \
	    '$(JSONC_CFLAGS) $(GLIB_CFLAGS) $(CURL_CFLAGS) $(CRYPTO_CFLAGS)' \
	    '$(JSONC_LIBS) $(GLIB_LIBS) $(DL_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS)' \
	    $(src_libvtoken_a_SOURCES) $(NET_SOURCES) src/serve-rules.c
# Each harness for FUZZ_SECONDS, FUZZ_JOBS at a time (CI: 15 s each).
fuzz-smoke: fuzz
	@rm -rf fuzz/smoke
	@st=0; $(SHELL) $(top_srcdir)/tests/fuzz/run.sh \
	    $(abs_top_builddir)/fuzz '$(abs_top_srcdir)' \
	    $(abs_top_builddir)/fuzz/smoke $(FUZZ_SECONDS) $(FUZZ_JOBS) \
	    >fuzz-smoke.log || st=$$?; cat fuzz-smoke.log; exit $$st
clean-local: clean-local-fuzz
clean-local-fuzz:
	-rm -rf fuzz fuzz-smoke.log
.PHONY: fuzz fuzz-smoke clean-local-fuzz
