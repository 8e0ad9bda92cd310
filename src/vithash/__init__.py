"""vithash: ViT deep-hashing models for the OpenSearch image-hash plugin (train, evaluate, export)."""
import os

# Set before torch loads its OpenMP and OpenBLAS runtimes. On a 2-core machine shared with other work
# (a Java build, an OpenSearch node), spinning OpenMP workers plus OpenBLAS's own thread pool made a
# training step up to 20x slower (measured: 26 img/s with the defaults vs 518 img/s with these).
# Torch still uses its intra-op threads (torch.set_num_threads) for the heavy work.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
