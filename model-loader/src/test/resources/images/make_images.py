"""Writes the test images of ImagePreprocessorTests and what Pillow makes of them (the training code's preprocessing:
convert('L'), then resize((28, 28), BILINEAR)). Run once with Debian's python3 (Pillow 9.4); the outputs are committed.

    /usr/bin/python3 make_images.py
"""
import json
import random

from PIL import Image

rng = random.Random(1234)


def noise(mode, size, channels):
    data = bytes(rng.randrange(256) for _ in range(size[0] * size[1] * channels))
    return Image.frombytes(mode, size, data)


def smooth_rgb(size):
    # gradients plus noise: resampling has something to average
    img = Image.new("RGB", size)
    img.putdata([((x * 7 + y * 3) % 256, (x * y) % 256, rng.randrange(256)) for y in range(size[1]) for x in range(size[0])])
    return img


exact = {}
smooth_rgb((40, 33)).save("rgb_40x33.png")
noise("L", (20, 20), 1).save("grey_20x20_upscale.png")
noise("L", (28, 28), 1).save("grey_28x28_native.png")
rgba = noise("RGBA", (31, 29), 4)
rgba.save("rgba_31x29.png")
smooth_rgb((50, 45)).save("rgb_50x45_lossless.webp", lossless=True)
smooth_rgb((30, 30)).convert("P", palette=Image.ADAPTIVE, colors=64).save("palette_30x30.gif")
smooth_rgb((64, 48)).save("rgb_64x48.bmp")
for name in ["rgb_40x33.png", "grey_20x20_upscale.png", "grey_28x28_native.png", "rgba_31x29.png",
             "rgb_50x45_lossless.webp", "palette_30x30.gif", "rgb_64x48.bmp"]:
    exact[name] = list(Image.open(name).convert("L").resize((28, 28), Image.BILINEAR).getdata())

# decodable, but a different JPEG decoder (libjpeg vs Java's) may differ by a level or two: checked loosely
smooth_rgb((60, 40)).save("rgb_60x40.jpg", quality=90)
Image.new("CMYK", (32, 32), (10, 200, 30, 40)).save("cmyk_32x32.jpg", quality=95)
loose = {name: list(Image.open(name).convert("L").resize((28, 28), Image.BILINEAR).getdata())
         for name in ["rgb_60x40.jpg", "cmyk_32x32.jpg"]}

frames = [noise("L", (28, 28), 1).convert("P"), noise("L", (28, 28), 1).convert("P")]
frames[0].save("animated_28x28.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
exact["animated_28x28.gif"] = list(Image.open("animated_28x28.gif").convert("L").resize((28, 28), Image.BILINEAR).getdata())

with open("pillow_grey28.json", "w") as f:
    json.dump({"exact": exact, "loose": loose}, f)
