# shakedown - cluster readiness audit and benchmark suite.
#
#   make run      install missing Debian packages, build, run $(PLAN) on this machine (with a loopback
#                 registry for the registry step unless SHAKEDOWN_REGISTRY names one: tests/with-registry.sh)
#   make check    install what the tests need, build with ASan/UBSan, run every test
#
# Knobs (set on the command line, e.g. `make CUDA=no V=1`):
#   BUILDDIR ?= build             everything built goes here; `make check` uses $(BUILDDIR)/check
#   CUDA ?= auto                  auto: build GPU code when $(CUDA_HOME)/bin/nvcc exists; yes: require it; no: never
#   CUDA_HOME ?= /usr/local/cuda  CUDA toolkit (nvcc, cuBLASLt, NCCL)
#   CUDA_ARCH ?= 80 90            GPU architectures to build for (sm_80 A100, sm_90 H100/H200), plus PTX of the last
#   MPI ?= auto                   auto: build MPI code when mpicc is found; yes: require it; no: never
#   SANITIZE ?=                   compiler sanitizers, e.g. address,undefined
#   V ?= 0                        1: echo every command
#   PLAN ?= suites/quick.yaml     the plan `make run` runs
#   OUT ?= runs                   where `make run` puts its run directory
#   RUNFLAGS ?=                   extra flags for `shakedown run` in `make run` (e.g. -q)
#   STREAM ?=                     `make bench`: McCalpin's stream binary (built -O3 -fopenmp) to compare membw with
#   FUZZ_TIME ?= 60               `make fuzz`: seconds each libFuzzer harness runs (tests/fuzz/README.md)
#   FUZZ_CHECK_TIME ?= 10         `make check`: seconds each harness runs after the tests
#
# Targets: all (default), run, check, check-valgrind, fuzz, bench, deps, deps-check, format, format-check, clean.
#
# Layout of the build tree:
#   $(BUILDDIR)/bin/shakedown        the runner
#   $(BUILDDIR)/bin/shakedown-node   its agent on each node of a multi-node plan (built where MPI is)
#   $(BUILDDIR)/bin/probes/NAME      one executable per directory under probes/ (except probes/lib)
#   $(BUILDDIR)/tests/...            unit tests, test probes, stand-in libraries

BUILDDIR ?= build
CUDA ?= auto
CUDA_HOME ?= /usr/local/cuda
CUDA_ARCH ?= 80 90
MPI ?= auto
SANITIZE ?=
V ?= 0
PLAN ?= suites/quick.yaml
OUT ?= runs
RUNFLAGS ?=
STREAM ?=
FUZZ_TIME ?= 60
FUZZ_CHECK_TIME ?= 10

VERSION := 0.1.0

# The Debian packages, in one place: DEB_RUN to build and run, DEB_CHECK in addition for the tests.
DEB_RUN := gcc make pkg-config python3 libyaml-dev libcjson-dev libhwloc-dev libopenblas-dev liburing-dev zlib1g-dev openmpi-bin libopenmpi-dev libcurl4-openssl-dev libssl-dev \
	docker-registry skopeo apache2-utils
DEB_CHECK := libcmocka-dev python3 python3-jsonschema python3-yaml clang-format clang libclang-rt-14-dev valgrind iproute2 chromium fio openmpi-bin \
	slurm-wlm munge docker-registry skopeo apache2-utils openssl openssh-client

B := $(BUILDDIR)
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

CC ?= cc
PKGS := yaml-0.1 libcjson hwloc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

ifeq ($(CUDA),auto)
HAVE_CUDA := $(if $(wildcard $(CUDA_HOME)/bin/nvcc),1,0)
else ifeq ($(CUDA),yes)
HAVE_CUDA := 1
else
HAVE_CUDA := 0
endif
ifeq ($(MPI),auto)
HAVE_MPI := $(if $(shell command -v mpicc 2>/dev/null),1,0)
else ifeq ($(MPI),yes)
HAVE_MPI := 1
else
HAVE_MPI := 0
endif

# GPU code: probes/NAME/*.cu, compiled with nvcc when HAVE_CUDA=1. The probe's C
# code guards its GPU calls with #if SD_HAVE_CUDA, so the same probe builds
# (and reports "skipped: no CUDA device") without the toolkit.
NVCC := $(CUDA_HOME)/bin/nvcc
NVCC_GENCODE := $(foreach a,$(CUDA_ARCH),-gencode arch=compute_$(a),code=sm_$(a)) \
	-gencode arch=compute_$(lastword $(CUDA_ARCH)),code=compute_$(lastword $(CUDA_ARCH))
NVCCFLAGS ?= -O3 -g
ALL_NVCCFLAGS := -std=c++17 $(NVCCFLAGS) $(NVCC_GENCODE) -Xcompiler -Wall,-Wextra,-Werror,-fPIC \
	-Iprobes/lib -DSD_HAVE_CUDA=1
CUDA_LIBS := -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart -lstdc++
cuobj = $(if $(filter 1,$(HAVE_CUDA)),$(patsubst %.cu,$(B)/obj/%.cu.o,$(1)))

SAN_FLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) -MMD -MP \
	-Iprobes/lib -Irunner -Ireports $(PKG_CFLAGS) \
	-DSD_VERSION='"$(VERSION)"' -DSD_HAVE_CUDA=$(HAVE_CUDA) -DSD_HAVE_MPI=$(HAVE_MPI) \
	-include probes/lib/banned.h
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS)
LIBS := $(PKG_LIBS) -ldl -lm -lpthread

# Shared code: everything in probes/lib except the probe main (probe.c), used by runner, probes and tests.
COMMON_SRC := $(filter-out probes/lib/probe.c,$(wildcard probes/lib/*.c))
PROBE_MAIN_SRC := probes/lib/probe.c
RUNNER_SRC := $(filter-out runner/main.c,$(wildcard runner/*.c)) $(wildcard reports/*.c)
PROBE_NAMES := $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard probes/*/*.c probes/*/*.cu)))))
PROBE_NAMES := $(sort $(PROBE_NAMES))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/test_*.c))
TEST_PROBES := $(patsubst tests/probes/%.c,$(B)/tests/probes/%,$(wildcard tests/probes/*.c))
BENCH_PROGS := $(patsubst tests/bench/%.c,$(B)/tests/bench/%,$(wildcard tests/bench/*.c))
FAKE_LIBS := $(patsubst tests/fakes/fake_%.c,$(B)/tests/fakes/lib%.so,$(wildcard tests/fakes/fake_*.c))

# Objects of one library go into one archive by file name: two sources with one name would overwrite each other.
dup_names = $(strip $(foreach n,$(sort $(notdir $(1))),$(if $(word 2,$(filter %/$(n),$(1))),$(n))))
ifneq ($(call dup_names,$(RUNNER_SRC)),)
$(error two runner library sources share a file name: $(call dup_names,$(RUNNER_SRC)))
endif

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
COMMON_LIB := $(B)/lib/libsdcommon.a
RUNNER_LIB := $(B)/lib/libsdrunner.a
PROBE_LIB := $(B)/lib/libsdprobe.a
PROBES := $(addprefix $(B)/bin/probes/,$(PROBE_NAMES))

# Per-probe extras, by probe name: PROBE_CFLAGS_<name> (its objects and its unit test), PROBE_LIBS_<name>
# (linked into the probe and its unit test), PROBE_CUDA_LIBS_<name> (linked only when CUDA code is built).
# A unit test tests/unit/test_<name>.c also links the probe sources listed in UNIT_SRC_test_<name>;
# a benchmark tests/bench/<name>.c links BENCH_LIBS_<name>.
PROBE_LIBS_sysinfo :=
PROBE_CFLAGS_membw := -O3
PROBE_CFLAGS_gemm := -Iprobes/gemm $(shell pkg-config --cflags openblas 2>/dev/null)
PROBE_LIBS_gemm := $(or $(shell pkg-config --libs openblas 2>/dev/null),-lopenblas)
PROBE_CUDA_LIBS_gemm := -lcublasLt
BENCH_LIBS_bench_gemm_openblas := $(PROBE_LIBS_gemm)
$(B)/obj/tests/bench/bench_gemm_openblas.o: ALL_CFLAGS += $(PROBE_CFLAGS_gemm)
UNIT_SRC_test_membw := probes/membw/stream.c
UNIT_SRC_test_membw_gpu := probes/membw/peak.c
UNIT_SRC_test_gemm := probes/gemm/roofline.c probes/gemm/verify.c probes/gemm/cpu.c probes/gemm/dtype.c
PROBE_CFLAGS_storage := -O2 $(shell pkg-config --cflags liburing zlib 2>/dev/null) \
	$(if $(filter 1,$(HAVE_MPI)),$(shell pkg-config --cflags ompi-c 2>/dev/null))
PROBE_LIBS_storage := $(or $(shell pkg-config --libs liburing zlib 2>/dev/null),-luring -lz) \
	$(if $(filter 1,$(HAVE_MPI)),$(or $(shell pkg-config --libs ompi-c 2>/dev/null),-lmpi))
UNIT_SRC_test_storage := probes/storage/pattern.c probes/storage/safety.c
PROBE_CFLAGS_busbw := -O3 $(if $(filter 1,$(HAVE_MPI)),$(shell pkg-config --cflags ompi-c 2>/dev/null))
PROBE_LIBS_busbw := $(if $(filter 1,$(HAVE_MPI)),$(or $(shell pkg-config --libs ompi-c 2>/dev/null),-lmpi))
PROBE_CUDA_LIBS_busbw := -lnccl
UNIT_SRC_test_busbw := probes/busbw/coll.c
PROBE_CFLAGS_soak := -O3 -ffp-contract=fast
PROBE_CUDA_LIBS_soak := -lcublasLt
UNIT_SRC_test_soak := probes/soak/analysis.c probes/soak/sysfs.c probes/soak/telemetry.c
BENCH_LIBS_bench_busbw_mpi := $(PROBE_LIBS_busbw)
$(B)/obj/tests/bench/bench_busbw_mpi.o: ALL_CFLAGS += $(PROBE_CFLAGS_busbw)
PROBE_CFLAGS_registry := $(shell pkg-config --cflags libcurl openssl 2>/dev/null) \
	$(if $(filter 1,$(HAVE_MPI)),$(shell pkg-config --cflags ompi-c 2>/dev/null))
PROBE_LIBS_registry := $(or $(shell pkg-config --libs libcurl openssl 2>/dev/null),-lcurl -lssl -lcrypto) \
	$(if $(filter 1,$(HAVE_MPI)),$(or $(shell pkg-config --libs ompi-c 2>/dev/null),-lmpi))
UNIT_SRC_test_registry := probes/registry/ociparse.c
PROBE_LIBS_audit :=
UNIT_SRC_test_audit := probes/audit/util.c probes/audit/host.c probes/audit/net.c probes/audit/gpu.c \
	probes/audit/software.c
# The runner's agent on each node of a multi-node plan (runner/agent/node.c), built where MPI is.
AGENT := $(if $(filter 1,$(HAVE_MPI)),$(B)/bin/shakedown-node)
AGENT_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
AGENT_LIBS := $(or $(shell pkg-config --libs ompi-c 2>/dev/null),-lmpi)
$(B)/obj/runner/agent/%.o: ALL_CFLAGS += $(AGENT_CFLAGS)
$(foreach p,$(PROBE_NAMES),$(eval $(B)/obj/probes/$(p)/%.o: ALL_CFLAGS += $(PROBE_CFLAGS_$(p))))
$(foreach p,$(PROBE_NAMES),$(eval $(B)/obj/tests/unit/test_$(p).o: ALL_CFLAGS += $(PROBE_CFLAGS_$(p))))
# ... and finds the headers beside the sources it links.
$(foreach t,$(patsubst UNIT_SRC_%,%,$(filter UNIT_SRC_%,$(.VARIABLES))),\
	$(eval $(B)/obj/tests/unit/$(t).o: ALL_CFLAGS += $(addprefix -I,$(sort $(dir $(UNIT_SRC_$(t)))))))

.PHONY: all run check fuzz tests bench deps deps-check format format-check clean
.DELETE_ON_ERROR:
# Keep objects of pattern-built executables (make 4.3 has no .NOTINTERMEDIATE).
.SECONDARY:

all: $(B)/bin/shakedown $(AGENT) $(PROBES)

$(B)/obj/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/%.cu.o: %.cu
	$(call msg,NVCC,$<)
	@mkdir -p $(@D)
	$(Q)$(NVCC) $(ALL_NVCCFLAGS) -MMD -MP -c -o $@ $<

# Each archive also depends on a file listing its objects, rewritten only when the list changes, so that a
# source added, moved or removed rebuilds the archive even when every object in it is older than it.
objlist = @mkdir -p $(@D) && printf '%s\n' $(1) >$@.tmp && if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
$(B)/lib/common.objs: FORCE
	$(call objlist,$(call obj,$(COMMON_SRC)))
$(B)/lib/runner.objs: FORCE
	$(call objlist,$(call obj,$(RUNNER_SRC)))
$(COMMON_LIB): $(call obj,$(COMMON_SRC)) $(B)/lib/common.objs
$(RUNNER_LIB): $(call obj,$(RUNNER_SRC)) $(B)/lib/runner.objs
$(PROBE_LIB): $(call obj,$(PROBE_MAIN_SRC))
$(B)/lib/%.a:
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

$(B)/bin/shakedown: $(call obj,runner/main.c) $(RUNNER_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/bin/shakedown-node: $(call obj,runner/agent/node.c) $(RUNNER_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(AGENT_LIBS) $(LIBS)

# Each probe: every .c (and, with CUDA, every .cu) in its directory, the probe main, the shared code.
.SECONDEXPANSION:
$(B)/bin/probes/%: $$(call obj,$$(wildcard probes/%/*.c)) $$(call cuobj,$$(wildcard probes/%/*.cu)) \
		$(PROBE_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(PROBE_LIB) $(COMMON_LIB) $(PROBE_LIBS_$*) \
		$(if $(filter %.cu.o,$^),$(PROBE_CUDA_LIBS_$*) $(CUDA_LIBS)) $(LIBS)

$(B)/tests/unit/%: $(call obj,tests/unit/%.c) $$(call obj,$$(UNIT_SRC_$$*)) $(RUNNER_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PROBE_LIBS_$(*:test_%=%)) $(LIBS)

$(B)/tests/bench/%: $(call obj,tests/bench/%.c) $(RUNNER_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(BENCH_LIBS_$*) $(LIBS)

$(B)/tests/probes/%: $(call obj,tests/probes/%.c) $(PROBE_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Stand-in shared libraries that play the part of absent hardware (see each source's header).
$(B)/tests/fakes/lib%.so: tests/fakes/fake_%.c
	$(call msg,SO,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -shared -o $@ $<

tests: all $(UNIT_TESTS) $(TEST_PROBES) $(FAKE_LIBS) $(BENCH_PROGS)
	$(Q)tests/run-tests.sh $(B)

check: deps-check format-check
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(BUILDDIR)/check SANITIZE=address,undefined tests
	$(Q)$(MAKE) --no-print-directory fuzz-check

# ---- fuzzing (tests/fuzz/README.md) ----
# libFuzzer harnesses tests/fuzz/fuzz_NAME.c. They and the project's sources are built with clang into
# $(B)/fuzz (sources -fsanitize=fuzzer-no-link,address,undefined; each harness linked with -fsanitize=fuzzer).
# `make fuzz` runs each harness for FUZZ_TIME seconds, `make fuzz-check` (part of `make check`) for
# FUZZ_CHECK_TIME seconds; both first replay tests/fuzz/regress/NAME/*, and a crash fails them and names
# its reproducer. FUZZ_SRC_<harness> lists probe sources a harness links besides the libraries.
FUZZ_CC ?= clang
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(addprefix $(B)/tests/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_SRC_registry := probes/registry/ociparse.c
$(B)/obj/tests/fuzz/%.o: ALL_CFLAGS += -Iprobes/registry -DFUZZ_SRCDIR='"$(CURDIR)"'
.PHONY: fuzz-check fuzz-build fuzz-bins

$(B)/tests/fuzz/fuzz_%: $(call obj,tests/fuzz/fuzz_%.c) $$(call obj,$$(FUZZ_SRC_$$*)) $(RUNNER_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

fuzz-bins: $(FUZZ_BINS)
fuzz-build:
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(B)/fuzz CC=$(FUZZ_CC) CFLAGS='-O1 -g -Wno-format-nonliteral' \
		SANITIZE=fuzzer-no-link,address,undefined fuzz-bins
fuzz: fuzz-build
	$(Q)tests/fuzz/run-fuzz.sh $(B)/fuzz $(FUZZ_TIME) $(FUZZ_NAMES)
fuzz-check: fuzz-build
	$(Q)tests/fuzz/run-fuzz.sh --fresh $(B)/fuzz $(FUZZ_CHECK_TIME) $(FUZZ_NAMES)
# ---- end of fuzzing ----

# ---- valgrind (issue 12) ----
# `make check-valgrind` (CI runs it after `make check`): the runner under valgrind's memcheck on a build
# without sanitizers in $(B)/valgrind (tests/e2e/_valgrind.sh): the quick plan with the loopback registry,
# the fault plan, a run stopped by SIGINT, then validate/report/compare/baseline on what they wrote. Any
# memcheck error or definitely lost block fails it. The probes it starts are not traced.
.PHONY: check-valgrind
check-valgrind: deps-check
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(B)/valgrind SANITIZE= all $(B)/valgrind/tests/probes/misbehave
	$(Q)bash tests/e2e/_valgrind.sh $(B)/valgrind
# ---- end of valgrind ----

# One formatter config (.clang-format), checked by `make check` so style is never a review topic.
SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find probes runner tests -name '*.[ch]')
format:
	clang-format -i $(SOURCES)
format-check:
	$(Q)clang-format --dry-run --Werror $(SOURCES) || { echo "run 'make format' to fix the formatting" >&2; exit 1; }

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/with-registry.sh $(B)/bin/shakedown run $(PLAN) --out $(OUT) $(RUNFLAGS)

bench: deps-check
	$(Q)$(MAKE) --no-print-directory all $(TEST_PROBES) $(BENCH_PROGS)
	$(Q)STREAM="$(STREAM)" tests/bench/run-bench.sh $(B)

define install_missing
	@missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)" >&2; exit 1; fi; \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
endef

deps:
	$(call install_missing,$(DEB_RUN))

deps-check:
	$(call install_missing,$(DEB_RUN) $(DEB_CHECK))

clean:
	rm -rf $(BUILDDIR)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
