"""Pretrained ViTs (torchvision's VisionTransformer) with weights from a local state-dict file, never downloaded.

The file may be a torchvision checkpoint (`vit_b_16-c867db91.pth`: `conv_proj`, `encoder.layers.encoder_layer_N`,
...) or a timm one (`vit_base_patch16_224.augreg_in21k_ft_in1k`: `patch_embed.proj`, `blocks.N`, ...); timm keys
are mapped onto torchvision's (the two compute the same function: pre-norm blocks, LayerNorm eps 1e-6, exact GELU,
class token through a final norm). The classification head is dropped; position embeddings are interpolated
(bicubic, as torchvision does) when the image size differs from the checkpoint's. A missing file, weights of
another architecture and an image size the patch does not divide are errors before training starts.
"""
import os
import re

import torch
from torch import nn

# name: (patch, width, depth, heads, mlp width)
ARCHS = {
    "vit_s16": (16, 384, 12, 6, 1536),
    "vit_b16": (16, 768, 12, 12, 3072),
    "vit_b32": (32, 768, 12, 12, 3072),
    "vit_l16": (16, 1024, 24, 16, 4096),
}
ALIASES = {"torchvision_vit_b16": "vit_b16"}
HEAD_PREFIXES = ("heads.", "head.", "pre_logits.", "head_drop.")


class WeightsError(ValueError):
    pass


def read_state_dict(path):
    if not path:
        raise WeightsError("a pretrained ViT needs --model weights=FILE (a local state-dict file; nothing is "
                           "downloaded)")
    if not os.path.isfile(path):
        raise WeightsError(f"weights file {path} does not exist (nothing is ever downloaded: save the state dict "
                           f"locally first)")
    state = torch.load(path, map_location="cpu")
    for key in ("model", "state_dict", "model_state"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path} is not a state dict (a dict of tensors)")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}


def weights_format(state):
    if "conv_proj.weight" in state or any(k.startswith("encoder.layers.") for k in state):
        return "torchvision"
    if "patch_embed.proj.weight" in state or any(k.startswith("blocks.") for k in state):
        return "timm"
    raise WeightsError("the weights are neither a torchvision ViT (conv_proj, encoder.layers...) nor a timm ViT "
                       "(patch_embed.proj, blocks...) state dict; keys start " + ", ".join(sorted(state)[:5]))


_TIMM = [
    (r"^cls_token$", "class_token"),
    (r"^pos_embed$", "encoder.pos_embedding"),
    (r"^patch_embed\.proj\.", "conv_proj."),
    (r"^blocks\.(\d+)\.norm1\.", r"encoder.layers.encoder_layer_\1.ln_1."),
    (r"^blocks\.(\d+)\.attn\.qkv\.weight$", r"encoder.layers.encoder_layer_\1.self_attention.in_proj_weight"),
    (r"^blocks\.(\d+)\.attn\.qkv\.bias$", r"encoder.layers.encoder_layer_\1.self_attention.in_proj_bias"),
    (r"^blocks\.(\d+)\.attn\.proj\.", r"encoder.layers.encoder_layer_\1.self_attention.out_proj."),
    (r"^blocks\.(\d+)\.norm2\.", r"encoder.layers.encoder_layer_\1.ln_2."),
    (r"^blocks\.(\d+)\.mlp\.fc1\.", r"encoder.layers.encoder_layer_\1.mlp.0."),
    (r"^blocks\.(\d+)\.mlp\.fc2\.", r"encoder.layers.encoder_layer_\1.mlp.3."),
    (r"^norm\.", "encoder.ln."),
]


def timm_to_torchvision(state):
    out, unknown = {}, []
    for k, v in state.items():
        if k.startswith(HEAD_PREFIXES):
            continue
        for pattern, repl in _TIMM:
            if re.match(pattern, k):
                out[re.sub(pattern, repl, k)] = v
                break
        else:
            unknown.append(k)
    if unknown:  # e.g. fc_norm (global-average-pool models), register tokens: another architecture
        raise WeightsError(f"timm keys with no torchvision counterpart (not a class-token ViT?): {unknown[:8]}")
    return out


def torchvision_keys(state):
    """torchvision's own checkpoints, old MLP names (linear_1/linear_2) included; the head dropped."""
    out = {}
    for k, v in state.items():
        if k.startswith(HEAD_PREFIXES):
            continue
        k = re.sub(r"\.mlp\.linear_1\.", ".mlp.0.", k)
        out[re.sub(r"\.mlp\.linear_2\.", ".mlp.3.", k)] = v
    return out


def interpolate_pos_embedding(pos, grid):
    """[1, 1 + g*g, D] -> [1, 1 + grid*grid, D]: the patch part resized bicubically, the class token kept."""
    n = pos.shape[1] - 1
    old = int(round(n ** 0.5))
    if old * old != n:
        raise WeightsError(f"position embeddings for {n} patches are not a square grid")
    if old == grid:
        return pos
    patches = pos[:, 1:].reshape(1, old, old, -1).permute(0, 3, 1, 2)
    patches = nn.functional.interpolate(patches, size=(grid, grid), mode="bicubic", align_corners=True)
    return torch.cat([pos[:, :1], patches.permute(0, 2, 3, 1).reshape(1, grid * grid, -1)], dim=1)


class PretrainedViT(nn.Module):
    """torchvision's VisionTransformer without its head: [N, C, H, W] -> class-token feature [N, width]."""

    def __init__(self, arch, weights_path=None, image_size=224):
        super().__init__()
        from torchvision.models.vision_transformer import VisionTransformer

        arch = ALIASES.get(arch, arch)
        if arch not in ARCHS:
            raise WeightsError(f"unknown pretrained arch {arch!r}; known: {sorted(ARCHS)}")
        patch, width, depth, heads, mlp = ARCHS[arch]
        if image_size % patch:
            raise WeightsError(f"image size {image_size} is not divisible by the patch size {patch} of {arch}")
        self.vit = VisionTransformer(image_size, patch, depth, heads, width, mlp)
        self.vit.heads = nn.Identity()
        self.out_features = width
        self.weights_format = None
        if weights_path is not None:  # None: random initialisation (a trained run's state dict follows)
            state = read_state_dict(weights_path)
            self.weights_format = weights_format(state)
            state = timm_to_torchvision(state) if self.weights_format == "timm" else torchvision_keys(state)
            if "encoder.pos_embedding" in state:
                state["encoder.pos_embedding"] = interpolate_pos_embedding(state["encoder.pos_embedding"],
                                                                           image_size // patch)
            self._load(state, weights_path, arch)

    def _load(self, state, path, arch):
        own = self.vit.state_dict()
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        wrong = [f"{k}: file {tuple(state[k].shape)}, {arch} {tuple(own[k].shape)}"
                 for k in own if k in state and state[k].shape != own[k].shape]
        if missing or unexpected or wrong:
            raise WeightsError(f"weights {path} do not fit {arch} ({self.weights_format} format): "
                               + "; ".join(filter(None, [f"missing {missing[:5]}" if missing else "",
                                                         f"unexpected {unexpected[:5]}" if unexpected else "",
                                                         f"shape {wrong[:3]}" if wrong else ""])))
        self.vit.load_state_dict(state)

    def forward(self, x):
        return self.vit(x)


def is_pretrained(arch):
    return ALIASES.get(arch, arch) in ARCHS


def weights_file_format(path):
    """'torchvision' or 'timm', from the keys of a weights file (errors as when loading)."""
    return weights_format(read_state_dict(path))
