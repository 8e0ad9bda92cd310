"""torchvision's ViT-B/16 architecture as a backbone, with weights from a local file only (never downloaded).

For users who have pretrained weights (e.g. torchvision's `vit_b_16-c867db91.pth`); nothing here can fetch them.
"""
import torch
from torch import nn


class TorchvisionViTB16(nn.Module):
    def __init__(self, weights_path=None, image_size=224):
        super().__init__()
        from torchvision.models import vit_b_16

        self.vit = vit_b_16(weights=None, image_size=image_size)
        if weights_path:
            state = torch.load(weights_path, map_location="cpu")
            state = state.get("model", state) if isinstance(state, dict) else state
            # The classification head is replaced; drop its weights so a 1000-class checkpoint still loads.
            state = {k: v for k, v in state.items() if not k.startswith("heads.")}
            missing, unexpected = self.vit.load_state_dict(state, strict=False)
            if unexpected or [k for k in missing if not k.startswith("heads.")]:
                raise ValueError(f"weights do not fit ViT-B/16: missing {missing}, unexpected {unexpected}")
        self.vit.heads = nn.Identity()
        self.out_features = self.vit.hidden_dim

    def forward(self, x):
        return self.vit(x)
