# SPDX-License-Identifier: GPL-2.0
#
# The ioasids project: an IOASID allocator and cgroup controller for Linux,
# kept as an overlay on Debian's linux-source-6.12.
#
#   make check    install what is needed, build the test kernel, boot it in
#                 QEMU and run every KUnit suite, selftest and bats suite
#   make demo     boot the patched kernel on a Debian host with systemd and play
#                 a narrated scenario: two tenants, limits, ioasidctl status
#   make shell    a root shell in the same guest (Ctrl-A X quits)
#   make kernel   build the test kernel only
#   make lint     checkpatch --strict, kernel-doc, sparse and Sphinx on the
#                 project
#   make stress   a 10-minute soak of the concurrency test (STRESS_SECONDS)
#   make bench    the benchmarks: BENCHMARKS.md and benchmarks.png
#   make deb      a Debian package of the patched kernel, in build/deb
#   make patches  the project as a git format-patch series, in build/series
#                 (its test-only patches apart, in build/series/test-only)
#   make patches-check  checkpatch --strict on each patch of the series and
#                 of its test-only tail, and a kernel build after each (slow:
#                 see the README)
#   make tree     lay the overlay and patches/ over the base tree only
#   make clean    remove the build folder (the ccache stays)

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

BUILD      ?= $(CURDIR)/build
BASE_TAR   ?= /usr/src/linux-source-6.12.tar.xz
SRC        := $(BUILD)/src
OBJ        := $(BUILD)/obj
GUEST      := $(BUILD)/guest
OBJ_HOST   := $(BUILD)/obj-host
# The configuration fragments, merged on top of tinyconfig: what every
# guest needs, and the test kernel's KUnit suites and debug options
GUEST_CONFIG := $(CURDIR)/harness/guest.config
FRAGMENT   := $(GUEST_CONFIG) $(CURDIR)/harness/ioasids-test.config
JOBS       ?= $(shell nproc)
# The compiler cache lives outside the clone so that fresh clones hit it.
export CCACHE_DIR      ?= /var/cache/ioasids-ccache
export CCACHE_BASEDIR  := $(BUILD)
export CCACHE_NOHASHDIR := true
export CCACHE_MAXSIZE  ?= 5G
# Every kernel make: the same compiler command line, whatever the clone
KBUILD_FLAGS := ARCH=x86_64 CC="ccache gcc" KBUILD_BUILD_TIMESTAMP= \
              KBUILD_BUILD_USER=ioasids KBUILD_BUILD_HOST=build
KBUILD_ARGS := -C $(SRC) O=$(OBJ) $(KBUILD_FLAGS)
# Taken by every kernel build: one at a time on the machine
export KBUILD_LOCK ?= /var/lock/ioasids-kbuild.lock

# Debian packages the build and the guest need.
DEB_PACKAGES := linux-source-6.12 build-essential bc bison flex libelf-dev \
	libssl-dev ccache qemu-system-x86 python3 kmod cpio rsync sparse \
	debootstrap e2fsprogs libcgroup-dev libjansson-dev libsmartcols-dev \
	pkg-config python3-sphinx groff-base

# The Debian 12 root file system of the systemd guest, kept between runs
ROOTFS_CACHE ?= /var/cache/ioasids-rootfs
HOST_TOOLS   := $(GUEST)/install
HOST_TESTS   := $(CURDIR)/tools/cgroup/ioasidctl/tests

.PHONY: all check deps tree kernel kernel-main kernel-host selftests \
	run-guest lint clean patches patches-check deb ioasidctl-deb stress host-tools \
	host-tests rootfs demo shell

all: check

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  APT     $$missing"; \
		apt-get update -q >/dev/null; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $$missing >/dev/null; \
	fi

tree: deps
	@harness/prepare-tree.sh $(BASE_TAR) $(BUILD)

# The test kernel, with VFIO's own container and iommufd.
kernel: kernel-main
kernel-main: tree
	@KBUILD_ARGS='$(KBUILD_FLAGS)' harness/build-kernel.sh $(SRC) $(OBJ) \
		$(FRAGMENT)
# The kernel of the systemd guest, without the debug options: the bats
# suites test user space, which KASAN and lockdep under TCG would slow
# several times over (the test kernels cover the kernel's side).
kernel-host: tree
	@KBUILD_ARGS='$(KBUILD_FLAGS)' harness/build-kernel.sh $(SRC) \
		$(OBJ_HOST) $(GUEST_CONFIG)

selftests: tree
	@harness/build-selftests.sh $(SRC) $(OBJ) harness/selftests $(GUEST)/bin

# Two boots of the busybox-less guest on the host's root (and, with
# host-tests, one of the systemd guest):
# - main: KUnit and the selftests, in VT-d scalable mode without PASIDs;
# - pasid: in PASID mode, where QEMU 7.2's VT-d reports a PASID size of 1
#   bit (ECAP.PSS = 0): the IOASID space stays whole, and /dev/ioasid's
#   and SVA's tests pass there too, binds to the 20-bit mock included.
# The benchmarks boot a kernel of their own: make bench.
BZIMAGE := $(OBJ)/arch/x86/boot/bzImage
# The emulated VT-d remaps no interrupts in this configuration, which VFIO
# and iommufd refuse unless told it is safe: the guest is the test.
UNSAFE_INTERRUPTS := vfio_iommu_type1.allow_unsafe_interrupts=1 \
	iommufd.allow_unsafe_interrupts=1

run-guest: kernel-main selftests
	@GUEST_TIMEOUT=2700 harness/run-guest.sh $(BZIMAGE) $(GUEST)/main $(GUEST)/bin \
		x-scalable-mode=on "$(UNSAFE_INTERRUPTS)"
	@rm -rf $(GUEST)/pasid-bin && mkdir -p $(GUEST)/pasid-bin
	@cp harness/pasid-tests/* $(GUEST)/bin/ioasid_test \
		$(GUEST)/bin/test_ioasids_sva $(GUEST)/pasid-bin/
	@harness/run-guest.sh $(BZIMAGE) $(GUEST)/pasid $(GUEST)/pasid-bin \
		x-scalable-mode=on,x-pasid-mode=on \
		"kunit.enable=0 $(UNSAFE_INTERRUPTS)"

# A long soak of the concurrency test: STRESS_SECONDS of allocating,
# freeing, changing limits, migrating and removing cgroups, in the main
# test kernel (make check runs a short version of it).
STRESS_SECONDS ?= 600
stress: kernel-main
	@harness/build-selftests.sh $(SRC) $(OBJ) harness/stress-tests \
		$(GUEST)/stress-bin
	@GUEST_TIMEOUT=$$(( $(STRESS_SECONDS) * 3 + 600 )) harness/run-guest.sh \
		$(BZIMAGE) $(GUEST)/stress $(GUEST)/stress-bin x-scalable-mode=on \
		"kunit.enable=0 IOASID_STRESS_SECONDS=$(STRESS_SECONDS)"
	@harness/report.sh $(SRC) $(GUEST)/stress

# The series a maintainer reviews, signed off by whoever runs this
SERIES := $(BUILD)/series
patches: tree
	@harness/make-patches.sh $(BUILD)/base $(SERIES)

patches-check: patches
	@KBUILD_ARGS='$(KBUILD_FLAGS)' TEST_FRAGMENT=$(CURDIR)/harness/test-only.config \
		harness/patches-check.sh $(SERIES) \
		$(BUILD)/base $(BUILD)/bisect $(FRAGMENT)

# Debian packages for hosts: the patched kernel, from Debian's cloud
# kernel configuration (slow: see the README), and a boot of its kernel;
# and ioasidctl, in build/deb too
deb: tree ioasidctl-deb
	@$(MAKE) -s --no-print-directory deps DEB_PACKAGES="linux-config-6.12 \
		dpkg-dev debhelper rsync kmod cpio busybox-static xz-utils \
		qemu-system-x86"
	@KBUILD_ARGS='$(KBUILD_FLAGS)' harness/build-deb.sh $(SRC) \
		$(BUILD)/obj-deb $(BUILD)/deb
	@harness/deb-boot.sh $(BUILD)/deb $(BUILD)/deb-boot

# The package of ioasidctl alone: the tool, its manual page, its units
# and the example configuration
ioasidctl-deb: tree
	@harness/build-ioasidctl-deb.sh $(SRC)/tools/cgroup/ioasidctl \
		$(BUILD)/ioasidctl-pkg $(BUILD)/deb

# The host side, as an operator's host runs it: ioasidctl's package, which
# the systemd guest installs with dpkg, and a tenant's load, in a Debian 12
# root file system whose PID 1 is systemd.
host-tools: tree
	@rm -rf $(HOST_TOOLS)
	@harness/build-ioasidctl-deb.sh $(SRC)/tools/cgroup/ioasidctl \
		$(BUILD)/ioasidctl-pkg $(HOST_TOOLS)/var/cache/ioasids
	@harness/build-selftests.sh $(SRC) $(OBJ_HOST) harness/host-tools \
		$(HOST_TOOLS)/usr/local/bin
	@echo "  TOOLS   $(HOST_TOOLS)"

rootfs: deps
	@harness/make-rootfs.sh $(ROOTFS_CACHE) > $(BUILD)/rootfs-path

SYSTEMD_GUEST = harness/run-systemd-guest.sh $(1) $(OBJ_HOST)/arch/x86/boot/bzImage \
	$(GUEST)/systemd $$(cat $(BUILD)/rootfs-path) $(HOST_TOOLS) \
	$(HOST_TESTS) "$(UNSAFE_INTERRUPTS)"

host-tests: kernel-host host-tools rootfs
	@$(call SYSTEMD_GUEST,check)

demo: kernel-host host-tools rootfs
	@$(call SYSTEMD_GUEST,demo)

shell: kernel-host host-tools rootfs
	@$(call SYSTEMD_GUEST,shell)

# make bench: a kernel without the debug options, with the in-kernel
# benchmark and the mock IOMMUs (harness/bench.config, both test-only).
# Two complete runs, each of three boots under -icount, where the guest's
# clock counts instructions: the in-kernel benchmark, then the user-space
# one (harness/bench) with the controller and with cgroup_disable=ioasids.
# Then one boot without -icount for the parallel case, by the host's
# clock.  BENCHMARKS.md and benchmarks.png report both runs.
OBJ_BENCH := $(BUILD)/obj-bench
BENCH_BZIMAGE := $(OBJ_BENCH)/arch/x86/boot/bzImage
BENCH_BIN := $(GUEST)/bench-bin
# type1 allows 65,535 mappings per container by default; a VMM with a
# vIOMMU raises the limit as the 100,000 maps of 4 KiB need
BENCH_CMDLINE := $(UNSAFE_INTERRUPTS) vfio_iommu_type1.dma_entry_limit=262144
SELFTESTS := $(SRC)/tools/testing/selftests
.PHONY: bench kernel-bench bench-tools
bench: DEB_PACKAGES += gnuplot-nox
kernel-bench: tree
	@KBUILD_ARGS='$(KBUILD_FLAGS)' harness/build-kernel.sh $(SRC) \
		$(OBJ_BENCH) $(GUEST_CONFIG) $(CURDIR)/harness/bench.config
bench-tools: kernel-bench
	@flock $(KBUILD_LOCK) $(MAKE) -s -C $(SRC) O=$(OBJ_BENCH) ARCH=x86_64 \
		headers >/dev/null
	@rm -rf $(BENCH_BIN) && mkdir -p $(BENCH_BIN)/bin
	@gcc -O2 -Wall -Werror -isystem $(OBJ_BENCH)/usr/include \
		-I$(SELFTESTS)/cgroup -o $(BENCH_BIN)/bin/bench_ioasids \
		harness/bench/bench_ioasids.c $(SELFTESTS)/cgroup/vfio_util.c \
		$(SELFTESTS)/ioasid/ioasid_util.c
	@cp harness/bench/[0-9]-* $(BENCH_BIN)/
	@echo "  BENCH   $(BENCH_BIN)"
bench: bench-tools
	@for run in 1 2; do \
		GUEST_ICOUNT=1 harness/run-guest.sh $(BENCH_BZIMAGE) \
			$(GUEST)/bench-$$run-kernel $(CURDIR)/harness/bench-tests \
			x-scalable-mode=on "ioasid_bench_part=serial" && \
		GUEST_ICOUNT=1 GUEST_MEMORY=3G harness/run-guest.sh \
			$(BENCH_BZIMAGE) $(GUEST)/bench-$$run-on $(BENCH_BIN) \
			x-scalable-mode=on "$(BENCH_CMDLINE)" && \
		GUEST_ICOUNT=1 GUEST_MEMORY=3G harness/run-guest.sh \
			$(BENCH_BZIMAGE) $(GUEST)/bench-$$run-off $(BENCH_BIN) \
			x-scalable-mode=on "cgroup_disable=ioasids $(BENCH_CMDLINE)" \
			|| exit 1; \
	done
	@harness/run-guest.sh $(BENCH_BZIMAGE) $(GUEST)/bench-parallel \
		$(CURDIR)/harness/bench-tests x-scalable-mode=on \
		"ioasid_bench_part=parallel"
	@harness/bench-report.py $(GUEST) BENCHMARKS.md benchmarks.png

# checkpatch, kernel-doc and sparse on everything the project adds
# (the kernel's own C files that patches/ touches, too)
# (the benchmark is built only in make bench's kernel)
LINT_OBJS = $(patsubst %.c,%.o,$(shell git ls-files 'drivers/*.c' 'kernel/*.c' \
	':!drivers/iommu/ioasid_bench.c'; \
	sed -nE 's@^\+\+\+ b/((drivers|kernel|mm|lib)/.*\.c)$$@\1@p' patches/*.patch | sort -u))

lint: kernel
	@echo "  LINT    checkpatch --strict, kernel-doc, sparse, Sphinx"
	@flock $(KBUILD_LOCK) $(MAKE) -k --no-print-directory $(KBUILD_ARGS) C=2 \
		CHECK="sparse -Wno-unknown-attribute" $(LINT_OBJS) \
		> $(BUILD)/sparse.log 2>&1 || true
	@harness/lint.sh $(SRC) $(BUILD)/base $(BUILD)/sparse.log $(BUILD)/lint.tap

check: lint run-guest host-tests
	@harness/report.sh $(SRC) $(BUILD)/lint.tap $(GUEST)/main+kunit \
		$(GUEST)/pasid $(GUEST)/systemd:no-kmemleak

clean:
	rm -rf $(BUILD)
