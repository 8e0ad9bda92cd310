"""Export a hashing model to ONNX (opset 17, dynamic batch) and read its weights back into torch.

Constant folding is off so every initializer keeps its torch state-dict name; that lets the tests load the
ONNX weights back into a fresh torch model and compare outputs (no ONNX Runtime for Python on Debian 12).
"""
import copy

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

INPUT_NAME = "input"
OUTPUT_NAME = "hash"
OPSET = 17


def fuse_for_export(model):
    """An eval-mode copy with every Conv2d+BatchNorm2d pair fused into one Conv2d.

    The ONNX exporter folds such pairs anyway; doing it here first means the exported initializers match
    this copy's state dict one to one (same names), which the round-trip check relies on."""
    model = copy.deepcopy(model).eval()
    for seq in [m for m in model.modules() if isinstance(m, nn.Sequential)]:
        for i in range(len(seq) - 1):
            if isinstance(seq[i], nn.Conv2d) and isinstance(seq[i + 1], nn.BatchNorm2d):
                seq[i] = fuse_conv_bn_eval(seq[i], seq[i + 1])
                seq[i + 1] = nn.Identity()
    return model


def export_onnx(model, path, channels, height, width):
    """Exports fuse_for_export(model); returns the checked ONNX model."""
    model = fuse_for_export(model)
    dummy = torch.zeros(2, channels, height, width)
    torch.onnx.export(model, dummy, path, opset_version=OPSET, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                      dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                      do_constant_folding=False)
    onnx_model = onnx.load(path)
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model


def onnx_state_dict(onnx_model):
    """Initializers of an exported model, as torch tensors keyed by name."""
    return {i.name: torch.from_numpy(np.array(numpy_helper.to_array(i))) for i in onnx_model.graph.initializer}


def load_weights_from_onnx(model, onnx_model):
    """Loads into `model` (a fuse_for_export copy) every parameter and buffer found among the ONNX
    initializers; returns the names missing from the ONNX file (BatchNorm's num_batches_tracked is not
    exported and is harmless)."""
    weights = onnx_state_dict(onnx_model)
    state = model.state_dict()
    missing = [k for k in state if k not in weights]
    state.update({k: v.reshape(state[k].shape).to(state[k].dtype) for k, v in weights.items() if k in state})
    model.load_state_dict(state)
    return missing
