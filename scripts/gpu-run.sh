#!/bin/sh
# Run the GPU bench from a folder built by scripts/gpu-bundle.ts, on a bare Linux x64 machine with no
# package registry:   sh gpu-run.sh [bench options]      (default options: --backend webgpu)
# e.g.  sh gpu-run.sh --backend webgpu --quick
#       sh gpu-run.sh --backend wasm --generator generators/t32 --cases x1,x8   (CPU dry run)
# It unpacks node.xz once (xz, else python3's lzma), puts the bundled Vulkan loader (libvulkan1,
# unpacked in vulkan/) on LD_LIBRARY_PATH when the system has none, and points the Vulkan loader at
# the NVIDIA ICD of the lent GPU machines when VK_DRIVER_FILES is not set.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${ALIASFREE_GPU_WORK:-$HERE/.run}
mkdir -p "$WORK"

if [ ! -x "$WORK/node" ]; then
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$HERE/node.xz" > "$WORK/node.tmp"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$HERE/node.xz" "$WORK/node.tmp"
  else
    echo "gpu-run.sh: need xz or python3 to unpack node.xz" >&2; exit 2
  fi
  chmod +x "$WORK/node.tmp" && mv "$WORK/node.tmp" "$WORK/node"
fi

# Vulkan loader: the system's if present, else the one unpacked from the bundled Debian package.
if ! (ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'); then
  if [ ! -e "$HERE/vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1" ] && command -v dpkg-deb >/dev/null 2>&1; then
    for deb in "$HERE"/debs/libvulkan1_*.deb; do dpkg-deb -x "$deb" "$HERE/vulkan"; done
  fi
  export LD_LIBRARY_PATH="$HERE/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$ICD" ]; then export VK_DRIVER_FILES="$ICD"; fi

command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L || true
echo "gpu-run.sh: node $("$WORK/node" --version), VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}" >&2
cd "$HERE/app"
if [ "$#" -eq 0 ]; then set -- --backend webgpu; fi
exec "$WORK/node" bench.mjs "$@"
