"""The offline side of the faithfulness check: the exported model run in torch, as the training code evaluates it.

The ONNX file's weights are loaded back into the architecture named by the manifest (vithash's own round trip), so
this is the very model the node runs, executed by a different engine.
"""
import json
import os


def load_torch_model(model_dir):
    import onnx

    from vithash.config import ModelConfig, build_model
    from vithash.export.onnx_export import fuse_for_export, load_weights_from_onnx

    with open(os.path.join(model_dir, "model.json")) as f:
        manifest = json.load(f)
    model = fuse_for_export(build_model(ModelConfig.from_dict(manifest["architecture"]), manifest["bits"], manifest["method"]))
    missing = load_weights_from_onnx(model, onnx.load(os.path.join(model_dir, "model.onnx")))
    assert all(name.endswith("num_batches_tracked") for name in missing), missing
    return model.eval(), manifest


def torch_codes(model_dir, images_u8):
    """Boolean codes [N, bits] for uint8 images [N, C, H, W], computed in torch."""
    import torch

    from vithash.evaluation.encode import encode_outputs, to_codes

    model, manifest = load_torch_model(model_dir)
    mean, std = tuple(manifest["input"]["mean"]), tuple(manifest["input"]["std"])
    return to_codes(encode_outputs(model, torch.from_numpy(images_u8), mean, std))


def model_pixels(model_dir, encoded_images):
    """Encoded image files (bytes) -> uint8 [N, C, H, W], preprocessed by the manifest's rules (model.json "input")."""
    import numpy as np

    from vithash.data.preprocessing import Preprocessing

    with open(os.path.join(model_dir, "model.json")) as f:
        preprocessing = Preprocessing.from_manifest_input(json.load(f)["input"])
    return np.stack([preprocessing.load(data) for data in encoded_images])
