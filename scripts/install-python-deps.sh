#!/usr/bin/env bash
# Installs the Python training/evaluation stack from Debian 12 packages (PyPI is not reachable).
# Idempotent and non-interactive; run as root (CI runs on a fresh Debian 12 box as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  python3-torch python3-torchvision python3-onnx python3-pytest python3-numpy
  python3-matplotlib python3-pil
  # CBOR documents (raw image bytes instead of base64) in the real-node tests
  python3-cbor2
  # Debian's torch calls the generic BLAS interface; without OpenBLAS it resolves to the
  # reference BLAS, which is ~50x slower (see docs/TRAINING.md).
  libopenblas0-pthread
  # Fashion-MNIST as gzipped IDX files: the only labelled image set reachable here.
  dataset-fashion-mnist
)

source "$(dirname "$0")/apt-install-missing.sh"
apt_install_missing "${PACKAGES[@]}"

# Make sure libblas.so.3 points at OpenBLAS, not the reference BLAS.
arch_lib="/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"
openblas="$arch_lib/openblas-pthread/libblas.so.3"
if [ -e "$openblas" ]; then
  update-alternatives --set "libblas.so.3-$(basename "$arch_lib")" "$openblas" >/dev/null 2>&1 || true
fi

/usr/bin/python3 - <<'PY'
import time, torch
torch.set_num_threads(2)
a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)
a @ b
t = time.perf_counter(); n = 10
for _ in range(n): a @ b
dt = time.perf_counter() - t
gflops = n * 2 * 1024**3 / dt / 1e9
print(f"torch {torch.__version__}: 1024x1024 matmul {gflops:.0f} GFLOP/s")
if gflops < 50:
    print("WARNING: BLAS looks like the reference implementation; check update-alternatives libblas.so.3")
PY
