"""Export round trip: the ONNX graph passes the checker, carries the very weights that produced the golden
outputs, has a dynamic batch, and the golden codes follow the documented bit rule."""
import json

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

from vithash.config import ModelConfig, TrainConfig
from vithash.data.protocol import make_split
from vithash.evaluation.encode import encode_outputs
from vithash.experiment import run_experiment
from vithash.export.golden import check_no_dead_bits, choose_golden
from vithash.export.manifest import code_bytes, code_hex
from vithash.export.onnx_export import fuse_for_export, load_weights_from_onnx
from vithash.export.package import export_model, load_run
from vithash.models.vit import ViTConfig
from vithash.test_experiment import toy_pool


def test_bit_rule_is_numpy_packbits_msb_first():
    out = np.array([[0.5, -1, 0.0, 2, -3, -3, -3, 1e-9, -1, -1, -1, -1, -1, -1, -1, 4]])
    # bits: 1 0 0 1 0 0 0 1 | 0 0 0 0 0 0 0 1
    assert code_bytes(out).tolist() == [[0b10010001, 0b00000001]]
    assert code_hex(out[0]) == "9101"


def test_choose_golden_spreads_over_classes_and_prefers_safe_margins():
    outputs = np.array([[0.5, 0.5], [0.001, 1], [2, -2], [-0.9, 0.9], [0.2, 0.3]])
    labels = np.array([0, 0, 1, 1, 1])
    assert choose_golden(outputs, labels, 2) == [0, 2]


def test_a_bit_that_is_always_near_zero_is_refused_by_name():
    outputs = np.array([[0.5, 1e-8, -1], [-0.3, -2e-8, 2], [0.9, 0.0, 1]])
    with pytest.raises(ValueError, match=r"bits \[1\] of the model's output stay within"):
        check_no_dead_bits(outputs)
    check_no_dead_bits(outputs[:, [0, 2]])  # the live bits alone pass


@pytest.mark.parametrize("method", ["single_loss", "asymmetric"])
def test_export_round_trip(tmp_path, method):
    pool = toy_pool(20)
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=10, seed=0)
    cfg = ModelConfig(vit=ViTConfig(stem_convs=2, patch=1, width=32, depth=1, heads=2, stem_width=8))
    run_experiment(pool, split, method, 16, cfg, TrainConfig(epochs=1, batch_size=16),
                   hyper={"sample_size": 40} if method == "asymmetric" else None, work_dir=str(tmp_path / "run"),
                   log=lambda *a: None)
    model, config, result = load_run(str(tmp_path / "run" / "model.pt"))
    idx = split.query[:6]
    images = pool.images[idx]
    outputs = encode_outputs(model, torch.from_numpy(images), pool.mean, pool.std)
    manifest = export_model(model, config, result, str(tmp_path / "out"), "toy", images, outputs, pool.labels[idx],
                            idx, pool.class_names, pool.preprocessing)

    onnx_model = onnx.load(str(tmp_path / "out" / "model.onnx"))
    onnx.checker.check_model(onnx_model, full_check=True)
    assert onnx_model.opset_import[0].version == 17
    inp, out = onnx_model.graph.input[0], onnx_model.graph.output[0]
    assert (inp.name, out.name) == (manifest["onnx"]["input_name"], manifest["onnx"]["output_name"])
    assert inp.type.tensor_type.shape.dim[0].dim_param == "batch"  # dynamic batch size
    assert [d.dim_value for d in inp.type.tensor_type.shape.dim[1:]] == [1, 28, 28]
    assert out.type.tensor_type.shape.dim[1].dim_value == 16

    # Reload the ONNX weights into a fresh torch model: same outputs, for any batch size.
    fresh = fuse_for_export(load_run(str(tmp_path / "run" / "model.pt"))[0])
    for p in fresh.parameters():
        torch.nn.init.zeros_(p)
    missing = load_weights_from_onnx(fresh, onnx_model)
    assert all(k.endswith("num_batches_tracked") for k in missing), missing
    with torch.no_grad():
        x = (torch.from_numpy(images).float() / 255 - pool.mean[0]) / pool.std[0]
        np.testing.assert_allclose(fresh.eval()(x).numpy(), outputs, atol=1e-5)
        np.testing.assert_allclose(fresh(x[:1]).numpy(), outputs[:1], atol=1e-5)

    golden = json.load(open(tmp_path / "out" / "golden" / "golden.json"))
    assert len(golden["images"]) == 6
    for e, o in zip(golden["images"], outputs):
        png = np.array(Image.open(tmp_path / "out" / "golden" / e["file"]))
        assert png.shape == (28, 28) and png.dtype == np.uint8
        np.testing.assert_array_equal(png, pool.images[e["source_index"], 0])  # lossless, native size
        assert e["hex"] == code_hex(o) and len(e["hex"]) == 16 // 4
        assert e["min_abs_output"] == pytest.approx(np.abs(o).min())
    m = json.load(open(tmp_path / "out" / "model.json"))
    assert m["bits"] == 16 and m["input"]["colour_mode"] == "grey" and m["input"]["mean"] == [0.2]
    assert m["evaluation"]["map_all"] == result["map_all"] and m["method"] == method
