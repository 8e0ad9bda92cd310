"""asymmetric: ViT codes for sampled images, directly learned codes B for the training database (ADSHT).

Alternating optimisation, one round per `epochs_per_round` epochs:
  network step  train the network on the sampled images with the hash loss against the fixed B;
  W step        closed-form classifier W = (B'B + (v/re) I)^-1 B'Y on the fixed B;
  B step        DCC over B with the hash and classification terms, U and W fixed.
The network sees `sample_size` images per round (all of them when sample_size >= n), ADSH's Omega.

Beyond ADSHT's code (where the classification term only enters the B step), the network step also gets the
classification loss net_cls_weight * ||y_i - W'u_i||^2 with the closed-form W held fixed, so both steps see
the combined hash + classification objective. net_cls_weight = 0 gives ADSHT's network step exactly; on a
600-image probe 100 did better than 0, 10 and 1000 (docs/results/notes.md).
"""
import numpy as np
import torch

from vithash.data.labels import multi_hot
from vithash.evaluation.metrics import retrieval_report
from vithash.losses.adsh import (adsh_hash_loss, classification_loss, closed_form_classifier, dcc_update,
                                 similarity_ratio, soft_similarity)
from vithash.methods.base import NetworkMethod
from vithash.methods.registry import register


@register("asymmetric")
class Asymmetric(NetworkMethod):
    hyper = {"gamma": 200.0, "re": 10.0, "v": 1.0, "sample_size": 5000, "epochs_per_round": 1, "seed": 0,
             "net_cls_weight": 100.0}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        n = len(self.train_labels)
        g = torch.Generator().manual_seed(int(self.h["seed"]))
        self.register_buffer("codes", torch.randint(0, 2, (n, bits), generator=g).float() * 2 - 1)  # B
        self.register_buffer("u_memory", torch.zeros(n, bits))  # latest tanh outputs of sampled images
        self.register_buffer("sampled", torch.arange(min(n, int(self.h["sample_size"]))))
        self.r = similarity_ratio(self.train_labels)
        self.register_buffer("onehot", multi_hot(self.train_labels, num_classes), persistent=False)  # Y
        self.register_buffer("classifier", torch.zeros(bits, num_classes))  # W, refreshed every B step

    def epoch_size(self):
        return min(len(self.train_labels), int(self.h["sample_size"]))

    def epoch_indices(self, epoch, generator):
        n = len(self.train_labels)
        if epoch % int(self.h["epochs_per_round"]) == 0:  # a new round draws a new Omega
            self.sampled = torch.randperm(n, generator=generator)[: min(n, int(self.h["sample_size"]))].sort()[0]
        return self.sampled[torch.randperm(len(self.sampled), generator=generator)]

    def loss(self, out, labels, index):
        u = torch.tanh(out)
        self.u_memory[index] = u.detach()
        terms = adsh_hash_loss(u, labels, index, self.codes, self.train_labels, self.h["gamma"], self.r)
        if self.h["net_cls_weight"]:
            # Optional: the classification loss on the network side too, with the closed-form W fixed.
            cls = self.h["net_cls_weight"] * classification_loss(u, self.onehot[index], self.classifier)
            terms = {**terms, "loss": terms["loss"] + cls, "classification": cls}
        return terms

    @torch.no_grad()
    def after_epoch(self, epoch):
        if (epoch + 1) % int(self.h["epochs_per_round"]):
            return
        u = self.u_memory[self.sampled]
        s = soft_similarity(self.train_labels[self.sampled], self.train_labels, self.r)
        re, v = self.h["re"], self.h["v"]
        w = closed_form_classifier(self.codes, self.onehot, re, v) if re else None
        self.codes = dcc_update(self.codes, u, self.sampled, s, self.h["gamma"], self.onehot, w, re)
        if re:
            self.classifier = closed_form_classifier(self.codes, self.onehot, re, v)

    def extra_results(self, query_codes, query_labels, database_codes, database_index, train_index):
        # Secondary numbers: queries ranked against the learned codes B of the training images (ADSHT's own
        # evaluation, restricted to the part of the database that has learned codes), and, for comparison,
        # against the network's codes of the same images.
        ranked = {"learned_codes_train_only": self.codes.cpu().numpy() > 0,
                  "network_codes_train_only": database_codes[np.searchsorted(database_index, train_index)]}
        reports = {name: retrieval_report(query_codes, query_labels, codes, self.train_labels.cpu().numpy(),
                                          ks=(100, 1000))
                   for name, codes in ranked.items()}
        return {name: {k: v for k, v in report.items() if k != "precision_at"} for name, report in reports.items()}
