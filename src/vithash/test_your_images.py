"""Your own images end to end through the real CLI: a generated ImageFolder and a multi-label list file, trained
for an epoch with a tiny ViT, exported; bad input refused before training."""
import json
import os

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

from vithash.cli import main
from vithash.data.preprocessing import Preprocessing
from vithash.export.manifest import code_hex
from vithash.export.onnx_export import fuse_for_export, load_weights_from_onnx
from vithash.export.package import load_run

TINY = ["--model", "stem_convs=2", "--model", "width=32", "--model", "depth=1", "--model", "heads=2",
        "--model", "stem_width=8", "--epochs", "1", "--batch-size", "16", "--image-size", "16", "--workers", "1"]


def make_folder(root, classes=3, per_class=12, seed=0):
    rng = np.random.default_rng(seed)
    for c in range(classes):
        os.makedirs(root / f"c{c}", exist_ok=True)
        for i in range(per_class):
            a = rng.integers(0, 90, (rng.integers(18, 40), rng.integers(18, 40), 3), dtype=np.uint8)
            a[..., c % 3] += 150
            Image.fromarray(a).save(root / f"c{c}" / (f"{i}.jpg" if i % 2 else f"{i}.png"))


def test_folder_train_then_export(tmp_path, capsys):
    make_folder(tmp_path / "images")
    (tmp_path / "images" / "c0" / "notes.txt").write_text("not an image")
    work = tmp_path / "work"
    main(["train", "--images", str(tmp_path / "images"), "--method", "single_loss", "--bits", "16",
          "--work-dir", str(work), "--name", "run", "--preprocess", "interpolation=bicubic", *TINY])
    out = capsys.readouterr().out
    assert "36 images, 3 classes" in out and "1 unreadable files skipped" in out and "notes.txt" in out
    run = work / "run"
    result = json.load(open(run / "result.json"))
    assert result["data"]["skipped"] == 1 and result["preprocessing"]["interpolation"] == "bicubic"
    assert json.load(open(run / "skipped.json"))[0][0].endswith("notes.txt")
    split = json.load(open(run / "split.json"))
    assert len(split["query"]) == 3 and len(split["database"]) == 33

    main(["export", "--checkpoint", str(run / "model.pt"), "--out", str(tmp_path / "model"), "--golden", "3"])
    manifest = json.load(open(tmp_path / "model" / "model.json"))
    prep = Preprocessing.from_manifest_input(manifest["input"])
    assert prep == Preprocessing.from_dict(result["preprocessing"])
    assert manifest["input"]["resize"]["rule"] == "shorter_side" and manifest["input"]["crop"]["size"] == 16
    assert manifest["input"]["exif_orientation"] is True and manifest["onnx"]["input_shape"] == ["batch", 3, 16, 16]
    # the golden PNGs, preprocessed as model.json says, give the golden codes with the ONNX file's weights
    model, config, _ = load_run(str(run / "model.pt"))
    check = fuse_for_export(model)
    load_weights_from_onnx(check, onnx.load(str(tmp_path / "model" / "model.onnx")))
    golden = json.load(open(tmp_path / "model" / "golden" / "golden.json"))
    assert len(golden["images"]) == 3
    for e in golden["images"]:
        png = Image.open(tmp_path / "model" / "golden" / e["file"])
        assert min(png.size) == prep.resize_size  # stored resized, not cropped
        x = (torch.from_numpy(prep.load(str(tmp_path / "model" / "golden" / e["file"]))).float()[None] / 255
             - torch.tensor(prep.mean).view(1, 3, 1, 1)) / torch.tensor(prep.std).view(1, 3, 1, 1)
        with torch.no_grad():
            assert code_hex(check(x)[0].numpy()) == e["hex"]


def test_multi_label_list_file_trains_every_network_method(tmp_path):
    make_folder(tmp_path / "img", classes=3, per_class=10)
    rng = np.random.default_rng(0)
    lines = []
    for c in range(3):
        for i in range(10):
            row = [int(k == c) or int(rng.random() < 0.3) for k in range(4)]
            lines.append(f"img/c{c}/{i}.{'jpg' if i % 2 else 'png'} " + " ".join(map(str, row)))
    (tmp_path / "all.txt").write_text("\n".join(lines) + "\n")
    for method in ("single_loss", "csq", "dpsh", "greedyhash", "asymmetric"):
        main(["train", "--list", str(tmp_path / "all.txt"), "--method", method, "--bits", "16",
              "--work-dir", str(tmp_path / "work"), "--name", method, *TINY])
        result = json.load(open(tmp_path / "work" / method / "result.json"))
        assert result["data"]["multi_label"] and 0 < result["map_all"] <= 1, method


@pytest.mark.parametrize("args, message", [
    (["--model", "arch=vit_b16", "--model", "weights=/nonexistent/vit.pth"], "does not exist"),
    (["--model", "arch=vit_s16", "--model", "weights=WRONG", "--image-size", "224"], "do not fit vit_s16"),
    (["--model", "arch=vit_s16", "--model", "weights=WRONG", "--image-size", "40"], "not divisible by the patch"),
    (["--model", "stem_convs=0", "--model", "patch=5"], "not divisible by patch 5"),
    (["--preprocess", "interpolation=lanczos"], "interpolation must be one of"),
    (["--device", "cuda"] if not torch.cuda.is_available() else ["--preprocess", "nope"], "cuda|unknown preset"),
])
def test_bad_input_is_refused_before_training(tmp_path, args, message):
    make_folder(tmp_path / "images", per_class=6)
    wrong = tmp_path / "wrong.pth"
    torch.save({"conv_proj.weight": torch.zeros(768, 3, 16, 16)}, wrong)
    args = [a.replace("WRONG", str(wrong)) for a in args]
    with pytest.raises(SystemExit, match=message):
        main(["train", "--images", str(tmp_path / "images"), "--method", "single_loss", "--bits", "16",
              "--work-dir", str(tmp_path / "work"), "--epochs", "1", *args])
    assert not (tmp_path / "work").exists()  # nothing was trained


def test_empty_class_folder_and_bad_list_are_refused(tmp_path):
    make_folder(tmp_path / "images", per_class=6)
    os.makedirs(tmp_path / "images" / "empty")
    with pytest.raises(SystemExit, match="class folder .*empty has no readable images"):
        main(["train", "--images", str(tmp_path / "images"), "--method", "single_loss"])
    (tmp_path / "l.txt").write_text("images/c0/0.png 1 0\nimages/c0/2.png 1\n")
    with pytest.raises(SystemExit, match="line 2: 1 label columns, but line 1 has 2"):
        main(["train", "--list", str(tmp_path / "l.txt"), "--method", "single_loss"])
