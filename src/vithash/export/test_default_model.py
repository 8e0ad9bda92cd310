"""The committed default model is self-consistent: its ONNX weights, loaded into the torch architecture named
in model.json, turn each golden PNG (decoded and normalised exactly as model.json says) into the golden hex."""
import json
import os

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

from vithash.config import ModelConfig, build_model
from vithash.export.manifest import code_hex
from vithash.export.onnx_export import fuse_for_export, load_weights_from_onnx

DEFAULT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "models", "default")


@pytest.mark.skipif(not os.path.exists(os.path.join(DEFAULT, "model.json")), reason="no default model")
def test_default_model_reproduces_its_golden_codes():
    manifest = json.load(open(os.path.join(DEFAULT, "model.json")))
    golden = json.load(open(os.path.join(DEFAULT, manifest["golden"]["file"])))
    onnx_model = onnx.load(os.path.join(DEFAULT, manifest["onnx"]["file"]))
    onnx.checker.check_model(onnx_model)
    model = fuse_for_export(build_model(ModelConfig.from_dict(manifest["architecture"]), manifest["bits"],
                                        manifest["method"]))
    missing = load_weights_from_onnx(model, onnx_model)
    assert all(k.endswith("num_batches_tracked") for k in missing), missing

    inp = manifest["input"]
    mean = np.array(inp["mean"], np.float32)[:, None, None]
    std = np.array(inp["std"], np.float32)[:, None, None]
    folder = os.path.join(DEFAULT, "golden")
    assert len(golden["images"]) >= 24
    for e in golden["images"]:
        img = np.array(Image.open(os.path.join(folder, e["file"])).convert("L" if inp["channels"] == 1 else "RGB"))
        assert img.shape[:2] == (inp["height"], inp["width"])  # native size: no resize
        chw = img[None] if img.ndim == 2 else img.transpose(2, 0, 1)
        x = (chw.astype(np.float32) / 255.0 - mean) / std
        with torch.no_grad():
            out = model(torch.from_numpy(x[None]))[0].numpy()
        np.testing.assert_allclose(out, e["outputs"], atol=1e-4)
        assert code_hex(out) == e["hex"] and len(e["hex"]) == manifest["bits"] // 4
        assert e["min_abs_output"] > 1e-3
