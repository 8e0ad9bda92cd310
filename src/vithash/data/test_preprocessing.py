import io
import json
import os

import numpy as np
import pytest
from PIL import Image
from torchvision import transforms

from vithash.data.preprocessing import Preprocessing

DEFAULT_MANIFEST = os.path.join(os.path.dirname(__file__), "..", "..", "..", "models", "default", "model.json")


def photo(w, h, seed=0):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


def test_old_manifests_mean_stretch_bilinear_without_crop_or_exif():
    # the bundled manifest's input as manifests were written before `crop` and `exif_orientation` existed
    inp = {k: v for k, v in json.load(open(DEFAULT_MANIFEST))["input"].items() if k not in ("crop", "exif_orientation")}
    p = Preprocessing.from_manifest_input(inp)
    assert p == Preprocessing(28, 28, "grey", (0.286,), (0.353,))
    assert (p.resize, p.interpolation, p.crop, p.exif_orientation) == ("stretch", "bilinear", 0, False)
    written = p.manifest_input()
    assert {k: v for k, v in written.items() if k != "exif_orientation"} == inp
    assert Preprocessing.from_manifest_input(written) == p


@pytest.mark.parametrize("size", [(300, 200), (200, 300), (257, 256), (225, 224), (100, 60), (41, 30), (1000, 230)])
def test_presets_are_torchvisions_and_timms_eval_transforms(size):
    img = photo(*size)
    tv = transforms.Compose([transforms.Resize(256, transforms.InterpolationMode.BILINEAR), transforms.CenterCrop(224)])
    np.testing.assert_array_equal(np.asarray(Preprocessing.torchvision_vit().pil(img)), np.asarray(tv(img)))
    # timm resolve_data_config for vit_base_patch16_224.augreg_in21k_ft_in1k: crop_pct 0.9 -> Resize(248, bicubic)
    timm = transforms.Compose([transforms.Resize(248, transforms.InterpolationMode.BICUBIC),
                               transforms.CenterCrop(224)])
    p = Preprocessing.timm_vit()
    assert (p.resize_size, p.mean, p.std) == (248, (0.5,) * 3, (0.5,) * 3)
    np.testing.assert_array_equal(np.asarray(p.pil(img)), np.asarray(timm(img)))


def test_manifest_round_trip_and_other_sizes():
    p = Preprocessing.timm_vit()
    inp = p.manifest_input()
    assert inp["resize"] == {**inp["resize"], "rule": "shorter_side", "size": 248, "interpolation": "bicubic"}
    assert inp["crop"]["size"] == 224 and inp["crop"]["type"] == "centre" and inp["exif_orientation"] is True
    assert Preprocessing.from_manifest_input(json.loads(json.dumps(inp))) == p
    small = Preprocessing.torchvision_vit().with_size(112)
    assert (small.height, small.crop, small.resize_size) == (112, 112, 128)


def test_exif_orientation_and_16_bit():
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise
    img = photo(40, 30)
    img.save(buf, "PNG", exif=exif.tobytes())
    p = Preprocessing(40, 30, "rgb", (0.5,) * 3, (0.5,) * 3, exif_orientation=True)  # 40 high, 30 wide: native
    out = p.load(buf.getvalue())
    np.testing.assert_array_equal(out, np.asarray(img.transpose(Image.ROTATE_270)).transpose(2, 0, 1))
    no_exif = Preprocessing(40, 30, "rgb", (0.5,) * 3, (0.5,) * 3)
    assert not np.array_equal(no_exif.load(buf.getvalue()), out)

    sixteen = np.arange(0, 65536, 256 + 1, dtype=np.uint16)[:240].reshape(12, 20)
    buf = io.BytesIO()
    Image.fromarray(sixteen).save(buf, "PNG")
    grey = Preprocessing(12, 20, "grey", (0.5,), (0.5,)).load(buf.getvalue())
    np.testing.assert_array_equal(grey[0], sixteen >> 8)


@pytest.mark.parametrize("kwargs, message", [
    (dict(resize="shorter_side", resize_size=32), "needs a crop"),
    (dict(resize="shorter_side", resize_size=20, crop=28), "smaller than the crop"),
    (dict(crop=24), "crop 24 must equal height and width"),
    (dict(interpolation="lanczos"), "interpolation must be one of"),
    (dict(resize="fit"), "resize must be one of"),
    (dict(colour_mode="rgb"), "mean and std need 3 values"),
    (dict(std=(0,)), "std must be positive"),
])
def test_bad_preprocessing_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Preprocessing(**{"height": 28, "width": 28, **kwargs})
