"""Writes the photos of ImagePreprocessorTests' geometry cases (photos/) and what the training code's preprocessing
(vithash.data.preprocessing, i.e. Pillow) makes of them under each model.json "input" object (pillow_geometry.json).
Run once with Debian's python3 (Pillow 9.4) from the repository root; the outputs are committed.

    PYTHONPATH=src /usr/bin/python3 model-loader/src/test/resources/images/make_geometry_cases.py
"""
import json
import os
import random

import numpy as np
from PIL import Image

from vithash.data.preprocessing import Preprocessing

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.path.join(HERE, "photos")
rng = random.Random(4321)


def photo(w, h):
    """Gradients, a bright top-left corner and noise: asymmetric (a wrong orientation shows), something to average."""
    img = Image.new("RGB", (w, h))
    img.putdata([(min(255, (x * 9 + y * 2) % 256 + (120 if x < w // 4 and y < h // 4 else 0)),
                  (x * y * 3) % 256, (rng.randrange(64) + y * 5) % 256) for y in range(h) for x in range(w)])
    return img


def exif(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def rgb(resize_size, crop, interpolation="bilinear"):
    return Preprocessing(crop, crop, "rgb", (0.5,) * 3, (0.25,) * 3, "shorter_side", resize_size, interpolation, crop,
                         True)


def stretch(size, mode, interpolation):
    n = 1 if mode == "grey" else 3
    return Preprocessing(size, size, mode, (0.5,) * n, (0.25,) * n, interpolation=interpolation,
                         exif_orientation=True)


cases = []  # [file, preprocessing, tolerance]: JPEGs decode a level or two apart (IDCT rounding), checked loosely
os.makedirs(PHOTOS, exist_ok=True)
base = photo(41, 30)  # shorter side 20 -> 27 x 20: crop offset (27 - 12) / 2 = 7.5 rounds to 8 (half to even)
for o in range(1, 9):
    base.save(os.path.join(PHOTOS, f"exif_{o}.jpg"), quality=92, exif=exif(o))
    cases.append([f"exif_{o}.jpg", rgb(20, 12), 3])
for o in (3, 6, 8):
    base.save(os.path.join(PHOTOS, f"exif_{o}.png"), exif=exif(o))
    cases.append([f"exif_{o}.png", rgb(20, 12, "bicubic"), 0])
cases.append(["exif_6.png", stretch(12, "grey", "bilinear"), 0])

rgba = photo(37, 23).convert("RGBA")
rgba.putalpha(Image.linear_gradient("L").resize((37, 23)))
rgba.save(os.path.join(PHOTOS, "rgba_37x23.png"))
cases += [["rgba_37x23.png", rgb(16, 12, "bicubic"), 0], ["rgba_37x23.png", stretch(12, "grey", "bicubic"), 0]]

cmyk = Image.fromarray(np.array([[(x * 8 % 256, y * 8 % 256, (x + y) * 4 % 256, (x * y) % 200) for x in range(30)]
                                 for y in range(30)], np.uint8), "CMYK")
cmyk.save(os.path.join(PHOTOS, "cmyk_30x30.jpg"), quality=95)
cases += [["cmyk_30x30.jpg", stretch(12, "rgb", "bilinear"), 4], ["cmyk_30x30.jpg", stretch(12, "grey", "bicubic"), 4]]

grey16 = np.array([[(x * 2000 + y * 700 + rng.randrange(300)) % 65536 for x in range(33)] for y in range(27)],
                  np.uint16)
Image.fromarray(grey16).save(os.path.join(PHOTOS, "grey16_33x27.png"))
cases += [["grey16_33x27.png", stretch(12, "grey", "bilinear"), 0], ["grey16_33x27.png", rgb(14, 12, "bicubic"), 0]]

photo(45, 31).convert("P", palette=Image.ADAPTIVE, colors=32).save(os.path.join(PHOTOS, "palette_45x31.gif"))
cases += [["palette_45x31.gif", stretch(12, "rgb", "bicubic"), 0], ["palette_45x31.gif", rgb(13, 12), 0]]

photo(240, 9).save(os.path.join(PHOTOS, "wide_240x9.png"))
photo(8, 200).save(os.path.join(PHOTOS, "tall_8x200.png"))
photo(7, 5).save(os.path.join(PHOTOS, "tiny_7x5.png"))
photo(97, 61).save(os.path.join(PHOTOS, "rgb_97x61.png"))
cases += [["wide_240x9.png", rgb(12, 12, "bicubic"), 0], ["wide_240x9.png", stretch(12, "rgb", "bicubic"), 0],
          ["tall_8x200.png", rgb(12, 10, "bicubic"), 0], ["tall_8x200.png", rgb(5, 4), 0],
          ["tiny_7x5.png", stretch(12, "rgb", "bicubic"), 0], ["tiny_7x5.png", rgb(16, 12, "bicubic"), 0],
          ["rgb_97x61.png", stretch(12, "rgb", "bicubic"), 0], ["rgb_97x61.png", rgb(14, 12), 0],
          ["rgb_97x61.png", rgb(56, 12, "bicubic"), 0]]
base.save(os.path.join(PHOTOS, "exif_5.webp"), lossless=True, exif=exif(5))
cases.append(["exif_5.webp", rgb(20, 12, "bicubic"), 0])

# 16-bit RGB: Pillow keeps the high byte of each sample (written by hand: Pillow cannot save RGB;16)
import struct, zlib  # noqa: E402
w16, h16 = 25, 19
rgb16 = [[((x * 2900 + y * 811) % 65536, (x * y * 397) % 65536, rng.randrange(65536)) for x in range(w16)]
         for y in range(h16)]
raw = b"".join(b"\0" + b"".join(struct.pack(">HHH", *px) for px in row) for row in rgb16)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


with open(os.path.join(PHOTOS, "rgb16_25x19.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w16, h16, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
cases += [["rgb16_25x19.png", stretch(12, "rgb", "bilinear"), 0], ["rgb16_25x19.png", stretch(12, "grey", "bicubic"), 0]]

la = Image.merge("LA", [photo(23, 17).convert("L"), Image.linear_gradient("L").resize((23, 17))])
la.save(os.path.join(PHOTOS, "grey_alpha_23x17.png"))
cases += [["grey_alpha_23x17.png", stretch(12, "grey", "bicubic"), 0], ["grey_alpha_23x17.png", rgb(14, 12), 0]]

out = []
for name, prep, tolerance in cases:
    planes = prep.load(os.path.join(PHOTOS, name))
    out.append({"file": name, "input": prep.manifest_input(), "tolerance": tolerance,
                "pixels": planes.reshape(-1).tolist()})
with open(os.path.join(HERE, "pillow_geometry.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
