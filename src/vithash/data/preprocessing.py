"""How an image file becomes the network's uint8 input: the one definition, as data.

Training, evaluation and export all take it from a `Preprocessing`; export writes it into model.json's "input"
object and the Java preprocessor (model-loader, `ImagePreprocessor`) implements every rule with the same pixels.
The steps, in order:

1. decode (Pillow); 16-bit samples become 8 bits by keeping the high byte (`>> 8`);
2. EXIF orientation (`exif_orientation: true`): Pillow's `ImageOps.exif_transpose`;
3. colour: `grey` is Pillow's `convert("L")` (luma, alpha ignored), `rgb` is `convert("RGB")` (alpha dropped,
   palettes expanded, CMYK by Pillow's formula);
4. resize with Pillow's `bilinear` or `bicubic` filter (support widened when reducing, i.e. antialiased):
   `stretch` to exactly height x width (skipped at native size), or `shorter_side`: the shorter side to `size`,
   the longer to `int(size * long / short)` (torchvision's `Resize(size)`);
5. `crop`: a centre crop of `size` x `size`, top-left at `int(round((h - size) / 2))` (torchvision's
   `CenterCrop`, Python's round-half-even);
6. `(pixel / 255 - mean[c]) / std[c]` (vithash.data.normalise).

The presets mirror the pretrained ViTs' own evaluation transforms: torchvision ViT-B/16 IMAGENET1K_V1 (256 ->
crop 224, bilinear, ImageNet mean/std) and timm `augreg` ViTs (crop_pct 0.9: 248 -> crop 224, bicubic, 0.5/0.5).
"""
import io
import math
from dataclasses import asdict, dataclass, replace

import numpy as np
from PIL import Image, ImageOps

RESIZE_RULES = ("stretch", "shorter_side")
INTERPOLATIONS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
COLOUR_MODES = {"grey": ("L", 1), "rgb": ("RGB", 3)}
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Preprocessing:
    height: int
    width: int
    colour_mode: str = "grey"  # grey | rgb
    mean: tuple = (0.5,)
    std: tuple = (0.5,)
    resize: str = "stretch"  # stretch | shorter_side
    resize_size: int = 0  # shorter_side: the shorter side's length after resizing
    interpolation: str = "bilinear"  # bilinear | bicubic
    crop: int = 0  # centre crop size; 0: none
    exif_orientation: bool = False

    def __post_init__(self):
        object.__setattr__(self, "mean", tuple(float(m) for m in self.mean))
        object.__setattr__(self, "std", tuple(float(s) for s in self.std))
        problems = []
        if self.colour_mode not in COLOUR_MODES:
            problems.append(f"colour_mode must be one of {sorted(COLOUR_MODES)}, got {self.colour_mode!r}")
        elif not len(self.mean) == len(self.std) == self.channels:
            problems.append(f"mean and std need {self.channels} values for {self.colour_mode}")
        if any(s <= 0 for s in self.std):
            problems.append(f"std must be positive, got {self.std}")
        if self.resize not in RESIZE_RULES:
            problems.append(f"resize must be one of {RESIZE_RULES}, got {self.resize!r}")
        if self.interpolation not in INTERPOLATIONS:
            problems.append(f"interpolation must be one of {sorted(INTERPOLATIONS)}, got {self.interpolation!r}")
        if self.resize == "shorter_side":
            if not self.crop:
                problems.append("resize shorter_side needs a crop (the model takes one fixed size)")
            elif self.resize_size < self.crop:
                problems.append(f"resize size {self.resize_size} is smaller than the crop {self.crop}")
        if self.crop and (self.height, self.width) != (self.crop, self.crop):
            problems.append(f"crop {self.crop} must equal height and width, got {self.height}x{self.width}")
        if self.height <= 0 or self.width <= 0:
            problems.append(f"size must be positive, got {self.height}x{self.width}")
        if problems:
            raise ValueError("preprocessing: " + "; ".join(problems))

    @property
    def channels(self):
        return COLOUR_MODES[self.colour_mode][1]

    # --- presets -------------------------------------------------------------------------------------------
    @staticmethod
    def stretch(size, colour_mode, mean, std):
        """The from-scratch datasets' rule: stretch to size x size, bilinear (Fashion-MNIST, CIFAR-10)."""
        return Preprocessing(size, size, colour_mode, mean, std)

    @staticmethod
    def torchvision_vit(crop=224, resize=256):
        """torchvision ViT-B/16 IMAGENET1K_V1: resize 256, centre crop 224, bilinear, ImageNet mean/std."""
        return Preprocessing(crop, crop, "rgb", IMAGENET_MEAN, IMAGENET_STD, "shorter_side", resize, "bilinear",
                             crop, True)

    @staticmethod
    def timm_vit(crop=224, crop_pct=0.9):
        """timm augreg ViTs: resize floor(crop / crop_pct), centre crop, bicubic, mean = std = 0.5."""
        return Preprocessing(crop, crop, "rgb", (0.5,) * 3, (0.5,) * 3, "shorter_side",
                             int(math.floor(crop / crop_pct)), "bicubic", crop, True)

    def with_size(self, size):
        """The same rules for another input size (the resize keeps its ratio to the crop)."""
        if self.crop:
            return replace(self, height=size, width=size, crop=size,
                           resize_size=int(math.floor(size * self.resize_size / self.crop)))
        return replace(self, height=size, width=size)

    # --- the pipeline --------------------------------------------------------------------------------------
    def pil(self, image):
        """A decoded PIL image -> the model-sized PIL image (steps 1-5)."""
        image = self.resized(image)
        if self.crop:
            w, h = image.size
            top, left = centre_crop_offset(h, self.crop), centre_crop_offset(w, self.crop)
            image = image.crop((left, top, left + self.crop, top + self.crop))
        return image

    def resized(self, image):
        """Steps 1-4: oriented, converted and resized, not yet cropped. Preprocessing this image again changes
        nothing but the crop (its shorter side already has the resize size), which is what golden images are."""
        if self.exif_orientation:
            try:
                image = ImageOps.exif_transpose(image)
            except Exception:  # noqa: BLE001 -- malformed EXIF: as is (the node's reader does the same)
                pass
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            # 16-bit grey (Pillow opens 16-bit PNGs as I or I;16): keep the high byte, as for 16-bit RGB
            image = Image.fromarray((np.asarray(image).astype(np.uint32) >> 8).astype(np.uint8), "L")
        image = image.convert(COLOUR_MODES[self.colour_mode][0])
        filt = INTERPOLATIONS[self.interpolation]
        w, h = image.size
        if self.resize == "stretch":
            if (w, h) != (self.width, self.height):
                image = image.resize((self.width, self.height), filt)
        else:
            image = image.resize(shorter_side_size(w, h, self.resize_size), filt)
        return image

    def array(self, image):
        """A decoded PIL image -> uint8 [C, H, W]."""
        return chw(self.pil(image))

    def load(self, source):
        """A path, bytes or file object -> uint8 [C, H, W]. Raises OSError (PIL's UnidentifiedImageError
        included) for files that are not readable images."""
        if isinstance(source, (bytes, bytearray)):
            source = io.BytesIO(source)
        with Image.open(source) as image:
            image.load()
            return self.array(image)

    # --- model.json ----------------------------------------------------------------------------------------
    def manifest_input(self):
        """The "input" object of model.json."""
        resize = {"rule": self.resize, "interpolation": self.interpolation}
        if self.resize == "stretch":
            resize["note"] = ("images not already height x width are resized to exactly height x width, "
                              "ignoring aspect ratio; images of native size are used as they are")
        else:
            resize["size"] = self.resize_size
            resize["note"] = "the shorter side becomes size, the longer int(size * long / short)"
        out = {
            "height": self.height, "width": self.width, "channels": self.channels,
            "colour_mode": self.colour_mode,
            "grey_conversion": "luma = 0.299 R + 0.587 G + 0.114 B, rounded to 8 bits (PIL convert('L'))",
            "resize": resize,
        }
        if self.crop:
            out["crop"] = {"type": "centre", "size": self.crop,
                           "note": "top = int(round((h - size) / 2)), left likewise (round half to even)"}
        out["exif_orientation"] = self.exif_orientation
        out.update({"scale": "pixel / 255.0", "mean": list(self.mean), "std": list(self.std),
                    "normalisation": "value = (pixel / 255.0 - mean[c]) / std[c]"})
        return out

    @staticmethod
    def from_manifest_input(inp):
        """Reads model.json's "input" object; keys absent from older manifests mean stretch + bilinear, no
        crop, no EXIF orientation."""
        resize = inp.get("resize") or {}
        crop = inp.get("crop") or {}
        return Preprocessing(inp["height"], inp["width"], inp["colour_mode"], tuple(inp["mean"]), tuple(inp["std"]),
                             resize.get("rule", "stretch"), int(resize.get("size", 0)),
                             resize.get("interpolation", "bilinear"), int(crop.get("size", 0)),
                             bool(inp.get("exif_orientation", False)))

    def to_dict(self):
        return asdict(self)

    @staticmethod
    def from_dict(d):
        return Preprocessing(**d)


def shorter_side_size(width, height, size):
    """torchvision's Resize(size) output (width, height) for an int size."""
    if width <= height:
        return size, int(size * height / width)
    return int(size * width / height), size


def centre_crop_offset(length, size):
    """torchvision's CenterCrop offset: int(round((length - size) / 2.0)), Python rounding (half to even)."""
    return int(round((length - size) / 2.0))


def chw(image):
    """An L or RGB PIL image -> uint8 [C, H, W]."""
    a = np.asarray(image, dtype=np.uint8)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1).copy()


def from_chw(array):
    """uint8 [C, H, W] -> an L or RGB PIL image."""
    return Image.fromarray(array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0),
                           "L" if array.shape[0] == 1 else "RGB")
