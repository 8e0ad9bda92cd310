"""single_loss: one objective for discriminative, low-quantization-error codes (OrthoCos + BN head)."""
from vithash.losses.orthocos import CODEBOOKS, orthocos_loss
from vithash.methods.base import NetworkMethod
from vithash.methods.registry import register


@register("single_loss")
class SingleLoss(NetworkMethod):
    head_batch_norm = True
    # quantization_weight: 0 is the method (one objective); > 0 only for the ablation against separate terms.
    # codebook: "B" (independent fair bits, OrthoHash's default) or "O" (codewords drawn far apart, its option)
    hyper = {"scale": 8.0, "margin": 0.2, "codebook": "B", "codebook_seed": 0, "quantization_weight": 0.0}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        if self.h["codebook"] not in CODEBOOKS:
            raise ValueError(f"single_loss: codebook must be one of {sorted(CODEBOOKS)}, not {self.h['codebook']!r}")
        make = CODEBOOKS[self.h["codebook"]]
        self.register_buffer("codebook", make(num_classes, bits, int(self.h["codebook_seed"])))

    def loss(self, out, labels, index):
        return orthocos_loss(out, labels, self.codebook, self.h["scale"], self.h["margin"], float(self.h["quantization_weight"]))
