"""The images a demo indexes and queries: the Fashion-MNIST retrieval protocol, or a user's own folder.

Every image is handed over as PNG/JPEG/... bytes, the way a user would send it to OpenSearch.
"""
import io
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}


@dataclass
class ImageSet:
    """Database and query images. `db_labels`/`query_labels` are None when the images carry no labels."""
    db_ids: list
    db_labels: list
    query_ids: list
    query_labels: list
    load: callable  # id -> encoded image bytes
    class_names: list
    pool_indices: dict  # id -> index into the Fashion-MNIST pool (None for folders)


def png_bytes(pixels_u8):
    """A [C, H, W] or [H, W] uint8 array as PNG bytes (lossless: the node decodes the very same pixels)."""
    array = pixels_u8[0] if pixels_u8.ndim == 3 and pixels_u8.shape[0] == 1 else pixels_u8
    if array.ndim == 3:
        array = np.transpose(array, (1, 2, 0))
    out = io.BytesIO()
    Image.fromarray(array).save(out, "PNG")
    return out.getvalue()


def fashion_mnist(database_limit=None, query_limit=None):
    """The protocol of docs/TRAINING.md: 1,000 test-split queries (100 per class), 69,000 database images.

    Limits take evenly spaced subsets (for quick runs and CI); the full protocol when None.
    """
    from vithash.data.datasets import load_fashion_mnist
    from vithash.data.protocol import make_split

    pool = load_fashion_mnist()
    split = make_split(pool.labels, pool.is_test_split)
    database, queries = split.database, split.query
    if database_limit:
        database = database[np.linspace(0, len(database) - 1, database_limit).astype(int)]
    if query_limit:
        queries = queries[np.linspace(0, len(queries) - 1, query_limit).astype(int)]
    names = pool.class_names
    return ImageSet(
        db_ids=[f"fm-{i}" for i in database],
        db_labels=[names[pool.labels[i]] for i in database],
        query_ids=[f"fm-{i}" for i in queries],
        query_labels=[names[pool.labels[i]] for i in queries],
        load=lambda image_id: png_bytes(pool.images[int(image_id[3:])]),
        class_names=names,
        pool_indices={f"fm-{i}": int(i) for i in np.concatenate([database, queries])},
    ), pool


def folder(path, query_count=20, seed=0):
    """Every image file under `path`; its label is its sub-folder's name (none for files at the top).

    A fixed-seed sample of `query_count` images is held out as queries.
    """
    files = sorted(
        os.path.relpath(os.path.join(root, name), path)
        for root, _, names in os.walk(path)
        for name in names
        if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS
    )
    if len(files) < 2:
        raise SystemExit(f"found {len(files)} images under {path}; need at least 2 ({', '.join(sorted(IMAGE_EXTENSIONS))})")
    rng = np.random.default_rng(seed)
    queries = set(rng.choice(len(files), size=min(query_count, len(files) // 2), replace=False).tolist())
    label = (lambda f: os.path.dirname(f) or None)
    labelled = all(label(f) for f in files)
    db = [f for i, f in enumerate(files) if i not in queries]
    qs = [f for i, f in enumerate(files) if i in queries]

    def load(image_id):
        with open(os.path.join(path, image_id), "rb") as f:
            return f.read()

    return ImageSet(db, [label(f) for f in db] if labelled else None, qs, [label(f) for f in qs] if labelled else None,
                    load, sorted({label(f) for f in files}) if labelled else [], {})
