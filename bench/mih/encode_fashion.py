#!/usr/bin/env python3
"""Codes of the bundled default model for Fashion-MNIST test images, through the node's _encode API.

Writes one hex code a line; mih_bench.py --data model replicates them with small bit noise to millions.
  encode_fashion.py --url http://127.0.0.1:9280 --count 2000 --out bench/mih/results/model-codes.txt
"""
import argparse
import base64
import gzip
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))
from imagehash_demo.client import OpenSearch  # noqa: E402


def png_grey(pixels, width, height):
    """A minimal 8-bit greyscale PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:9280")
    ap.add_argument("--images", default="/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--model", default="default")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    es = OpenSearch(args.url)
    with gzip.open(args.images) as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        data = f.read(rows * cols * min(n, args.count))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as out:
        for i in range(min(n, args.count)):
            png = png_grey(data[i * rows * cols:(i + 1) * rows * cols], cols, rows)
            r = es.post(f"/_plugins/image_hash/models/{args.model}/_encode", {"image": base64.b64encode(png).decode()})
            out.write(r["code"] + "\n")
    print(f"wrote {min(n, args.count)} codes to {args.out}")


if __name__ == "__main__":
    main()
