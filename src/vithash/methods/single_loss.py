"""single_loss: one objective for discriminative, low-quantization-error codes (OrthoCos + BN head)."""
from vithash.losses.orthocos import bernoulli_codebook, orthocos_loss
from vithash.methods.base import NetworkMethod
from vithash.methods.registry import register


@register("single_loss")
class SingleLoss(NetworkMethod):
    head_batch_norm = True
    # quantization_weight: 0 is the method (one objective); > 0 only for the ablation against separate terms
    hyper = {"scale": 8.0, "margin": 0.2, "codebook_seed": 0, "quantization_weight": 0.0}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        self.register_buffer("codebook", bernoulli_codebook(num_classes, bits, int(self.h["codebook_seed"])))

    def loss(self, out, labels, index):
        return orthocos_loss(out, labels, self.codebook, self.h["scale"], self.h["margin"], float(self.h["quantization_weight"]))
