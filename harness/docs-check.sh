#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the project's reStructuredText documents with Sphinx and the
# kernel's own Sphinx extensions (kernel-doc directives included), with
# every warning an error.  Only these documents are built, in a scratch
# project, so that the rest of the kernel's documentation (and its own
# warnings) stays out of the way; references to other kernel documents
# are left unresolved rather than reported.
#
#   docs-check.sh SRC_DIR OUT_DIR DOCUMENT...
set -euo pipefail

src=$(cd "$1" && pwd)
out=$2
shift 2

rm -rf "$out"
mkdir -p "$out/rst"
{
	echo "Documents"
	echo "========="
	echo
	echo ".. toctree::"
	echo
} > "$out/rst/index.rst"
for doc in "$@"; do
	mkdir -p "$out/rst/$(dirname "$doc")"
	cp "$src/$doc" "$out/rst/$doc"
	echo "   ${doc%.rst}" >> "$out/rst/index.rst"
done
cat > "$out/rst/conf.py" <<CONF
import sys
sys.path.insert(0, "$src/Documentation/sphinx")
project = "ioasids"
extensions = ["kerneldoc", "rstFlatTable", "kernel_include",
              "automarkup"]
kerneldoc_bin = "$src/scripts/kernel-doc"
kerneldoc_srctree = "$src"
primary_domain = "c"
highlight_language = "none"
CONF
sphinx-build -q -W --keep-going -b html -d "$out/doctrees" "$out/rst" \
	"$out/html" 2>&1
