"""The "your own images" helpers: Fashion-MNIST written as an ImageFolder, the demo's --model-id/--model-dir handling
and the offline preprocessing of a folder's files by the model's manifest."""
import io
import json
import os

import numpy as np
import pytest
from PIL import Image

from imagehash_demo import image_demo, image_source
from imagehash_demo.offline import model_pixels
from imagehash_demo.write_folder import write_folder
from vithash.data.preprocessing import Preprocessing


def test_write_folder_writes_rgb_upscaled_pngs_per_class(tmp_path):
    images = np.arange(6 * 28 * 28, dtype=np.uint32).reshape(6, 28, 28).astype(np.uint8)
    labels = np.array([0, 0, 0, 1, 1, 1])
    assert write_folder(str(tmp_path), images, labels, ["T-shirt/top", "Bag"], per_class=2, size=64) == 4
    assert sorted(os.listdir(tmp_path)) == ["Bag", "T-shirt-top"]
    for name in os.listdir(tmp_path):
        files = os.listdir(tmp_path / name)
        assert len(files) == 2
        with Image.open(tmp_path / name / files[0]) as image:
            assert (image.mode, image.size) == ("RGB", (64, 64))
    found = image_source.folder(str(tmp_path), query_count=1)
    assert len(found.db_ids) == 3 and found.query_labels[0] in ("Bag", "T-shirt-top")


def test_demo_model_arguments(tmp_path):
    args = image_demo.parse_args([])
    assert args.model_id == "default" and args.model_dir.endswith(os.path.join("models", "default"))
    with pytest.raises(SystemExit):  # another model needs its exported folder for the offline side
        image_demo.parse_args(["--model-id", "no-such-model-here"])
    assert image_demo.parse_args(["--model-id", "x", "--skip-offline"]).model_dir is None
    args = image_demo.parse_args(["--model-id", "x", "--model-dir", str(tmp_path)])
    assert (args.model_id, args.model_dir) == ("x", str(tmp_path))


def test_model_pixels_follow_the_manifest(tmp_path):
    preprocessing = Preprocessing(32, 32, "rgb", (0.5,) * 3, (0.5,) * 3, "shorter_side", 36, "bicubic", 32)
    (tmp_path / "model.json").write_text(json.dumps({"input": preprocessing.manifest_input()}))
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(out, "PNG")
    pixels = model_pixels(str(tmp_path), [out.getvalue()] * 2)
    assert pixels.shape == (2, 3, 32, 32) and pixels.dtype == np.uint8
    assert tuple(pixels[0, :, 16, 16]) == (10, 20, 30)
