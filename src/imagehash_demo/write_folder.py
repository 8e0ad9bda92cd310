"""Fashion-MNIST written out as an ImageFolder of RGB PNGs (DIR/<class>/<index>.png), upscaled, for trying the
"your own images" path (python3 -m vithash train --images DIR, scripts/demo.sh --images-dir DIR) on real images.

    PYTHONPATH=src python3 -m imagehash_demo.write_folder /tmp/fm-folder --per-class 320 --size 64
"""
import argparse
import os

import numpy as np
from PIL import Image


def write_folder(out, images_u8, labels, class_names, per_class, size, seed=0):
    """Writes `per_class` seeded-random images of every class as `size` px RGB PNGs; returns how many it wrote."""
    rng = np.random.default_rng(seed)
    written = 0
    for c, name in enumerate(class_names):
        folder = os.path.join(out, name.replace("/", "-").replace(" ", "_"))
        os.makedirs(folder, exist_ok=True)
        members = np.flatnonzero(labels == c)
        for i in np.sort(rng.choice(members, size=min(per_class, len(members)), replace=False)):
            pixels = images_u8[i][0] if images_u8[i].ndim == 3 else images_u8[i]
            image = Image.fromarray(pixels).convert("RGB").resize((size, size), Image.BICUBIC)
            image.save(os.path.join(folder, f"{i:05d}.png"))
            written += 1
    return written


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", help="the folder to write (keep it outside the repository)")
    p.add_argument("--per-class", type=int, default=320)
    p.add_argument("--size", type=int, default=64, help="side in pixels (Fashion-MNIST's images are 28 px)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    from vithash.data.datasets import load_fashion_mnist

    pool = load_fashion_mnist()
    n = write_folder(args.out, pool.images, pool.labels, pool.class_names, args.per_class, args.size, args.seed)
    print(f"wrote {n:,} images to {args.out}")


if __name__ == "__main__":
    main()
