"""The hash layer: backbone feature -> K real outputs; a code bit is 1 iff its output is > 0."""
from torch import nn


class HashHead(nn.Module):
    def __init__(self, in_features, bits, batch_norm):
        super().__init__()
        # OrthoHash's head: a bias-free linear layer followed by BatchNorm (the BN centres each output, so
        # bits are balanced). Other methods use a plain linear layer, as in their papers.
        self.fc = nn.Linear(in_features, bits, bias=not batch_norm)
        self.bn = nn.BatchNorm1d(bits) if batch_norm else nn.Identity()

    def forward(self, x):
        return self.bn(self.fc(x))


class HashingModel(nn.Module):
    """backbone + hash head. Input: normalised float32 NCHW; output: [N, bits] pre-sign values."""

    def __init__(self, backbone, bits, batch_norm):
        super().__init__()
        self.backbone = backbone
        self.head = HashHead(backbone.out_features, bits, batch_norm)

    def forward(self, x):
        return self.head(self.backbone(x))
