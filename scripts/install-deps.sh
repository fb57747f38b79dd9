#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the build and the tests need and the
# machine lacks. Does nothing (and needs no network) when all is present.
set -euo pipefail
packages=(cmake ninja-build g++ make qt6-base-dev libgl-dev libtorch-dev libgloo-dev
          libqcustomplot-dev libqcustomplot2.1-qt6 python3-torch zlib1g-dev
          # The Python export is checked as a colleague would check it.
          black pyflakes3
          # The Python export of an image folder decodes it with PIL.
          python3-pil
          # Fashion-MNIST, the real data set of the examples (data kind fashion_mnist).
          dataset-fashion-mnist
          xvfb xauth imagemagick x11-apps
          clang libclang-rt-14-dev time valgrind
          # A compiler cache for rebuilds (cmake/CompilerCache.cmake).
          ccache
          # `make package`: dpkg-shlibdeps finds the package's dependencies;
          # its test validates the .desktop entry.
          dpkg-dev desktop-file-utils
          # LibTorch calls the system BLAS; without OpenBLAS it gets the
          # reference BLAS, about 8x slower on a dense layer.
          libopenblas0-openmp)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
