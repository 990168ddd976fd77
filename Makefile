# SPDX-License-Identifier: GPL-2.0
#
# The ioasids project: an IOASID allocator and cgroup controller for Linux,
# kept as an overlay on Debian's linux-source-6.12.
#
#   make check    install what is needed, build the test kernel, boot it in
#                 QEMU and run every KUnit suite and selftest in the guest
#   make kernel   build the test kernel only
#   make lint     checkpatch --strict, kernel-doc and sparse on the project
#   make tree     lay the overlay and patches/ over the base tree only
#   make clean    remove the build folder (the ccache stays)

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

BUILD      ?= $(CURDIR)/build
BASE_TAR   ?= /usr/src/linux-source-6.12.tar.xz
SRC        := $(BUILD)/src
OBJ        := $(BUILD)/obj
OBJ_COMPAT := $(BUILD)/obj-compat
GUEST      := $(BUILD)/guest
FRAGMENT   := $(CURDIR)/harness/ioasids-test.config
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

# Debian packages the build and the guest need.
DEB_PACKAGES := linux-source-6.12 build-essential bc bison flex libelf-dev \
	libssl-dev ccache qemu-system-x86 python3 kmod cpio rsync sparse

.PHONY: all check deps tree kernel kernel-main kernel-compat selftests \
	run-guest lint clean

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

# Two test kernels from one tree: main, with VFIO's own container, and
# compat, where iommufd provides /dev/vfio/vfio (the two exclude each
# other), for the tests that VFIO's two container backends share.
kernel: kernel-main
kernel-main: tree
	@KBUILD_ARGS='$(KBUILD_FLAGS)' harness/build-kernel.sh $(SRC) $(OBJ) \
		$(FRAGMENT)
kernel-compat: tree
	@KBUILD_ARGS='$(KBUILD_FLAGS)' harness/build-kernel.sh $(SRC) \
		$(OBJ_COMPAT) $(FRAGMENT) $(CURDIR)/harness/vfio-compat.config

selftests: tree
	@harness/build-selftests.sh $(SRC) $(OBJ) harness/selftests $(GUEST)/bin
	@harness/build-selftests.sh $(SRC) $(OBJ) harness/benchmarks $(GUEST)/bench
	@harness/build-selftests.sh $(SRC) $(OBJ) harness/compat-tests \
		$(GUEST)/compat-bin

# Five boots:
# - main: KUnit and the selftests, in VT-d scalable mode without PASIDs.
#   QEMU 7.2's VT-d in PASID mode reports a PASID size of 1 bit (ECAP.PSS
#   = 0), and the IOASID space rightly shrinks to it there;
# - pasid: in PASID mode, a check that the space follows the IOMMU;
# - compat: the compat kernel, for the VFIO tests through iommufd's
#   emulation of the VFIO container;
# - bench-on and bench-off: VFIO MAP_DMA of 1 GiB with the controller and
#   with cgroup_disable=ioasids, side by side.
BZIMAGE := $(OBJ)/arch/x86/boot/bzImage
# The emulated VT-d remaps no interrupts in this configuration, which VFIO
# and iommufd refuse unless told it is safe: the guest is the test.
UNSAFE_INTERRUPTS := vfio_iommu_type1.allow_unsafe_interrupts=1 \
	iommufd.allow_unsafe_interrupts=1

run-guest: kernel-main kernel-compat selftests
	@harness/run-guest.sh $(BZIMAGE) $(GUEST)/main $(GUEST)/bin \
		x-scalable-mode=on "$(UNSAFE_INTERRUPTS)"
	@harness/run-guest.sh $(BZIMAGE) $(GUEST)/pasid \
		$(CURDIR)/harness/pasid-tests \
		x-scalable-mode=on,x-pasid-mode=on kunit.enable=0
	@harness/run-guest.sh $(OBJ_COMPAT)/arch/x86/boot/bzImage \
		$(GUEST)/compat $(GUEST)/compat-bin x-scalable-mode=on \
		"kunit.enable=0 $(UNSAFE_INTERRUPTS)"
	@GUEST_MEMORY=3G harness/run-guest.sh $(BZIMAGE) $(GUEST)/bench-on \
		$(GUEST)/bench x-scalable-mode=on \
		"kunit.enable=0 $(UNSAFE_INTERRUPTS)"
	@GUEST_MEMORY=3G harness/run-guest.sh $(BZIMAGE) $(GUEST)/bench-off \
		$(GUEST)/bench x-scalable-mode=on \
		"kunit.enable=0 cgroup_disable=ioasids $(UNSAFE_INTERRUPTS)"

# checkpatch, kernel-doc and sparse on everything the project adds
LINT_OBJS = $(patsubst %.c,%.o,$(shell git ls-files 'drivers/*.c' 'kernel/*.c'))

lint: kernel
	@echo "  LINT    checkpatch --strict, kernel-doc, sparse"
	@$(MAKE) --no-print-directory $(KBUILD_ARGS) C=2 \
		CHECK="sparse -Wno-unknown-attribute" $(LINT_OBJS) \
		> $(BUILD)/sparse.log 2>&1 || true
	@harness/lint.sh $(SRC) $(BUILD)/sparse.log $(BUILD)/lint.tap

check: lint run-guest
	@harness/report.sh $(SRC) $(BUILD)/lint.tap $(GUEST)/main+kunit \
		$(GUEST)/pasid $(GUEST)/compat $(GUEST)/bench-on \
		$(GUEST)/bench-off

clean:
	rm -rf $(BUILD)
