"""Probe (not project code): DPSH's likelihood gradient at initialisation, plain head vs BatchNorm head."""
import sys; sys.path.insert(0, "src")
import torch
from vithash.data.datasets import load_fashion_mnist
from vithash.data.protocol import make_split
from vithash.config import ModelConfig, build_model
from vithash.data.normalise import normalise
from vithash.losses.dpsh import dpsh_loss
from vithash.models.hash_head import HashingModel
from vithash.config import build_backbone
torch.set_num_threads(1)
pool = load_fashion_mnist(); split = make_split(pool.labels, pool.is_test_split)
idx = split.train[:1024]
x = normalise(torch.as_tensor(pool.images[idx]), pool.mean, pool.std); y = torch.as_tensor(pool.labels[idx])
for seed in (0, 1):
    for bn in (False, True):
        torch.manual_seed(seed)
        net = HashingModel(build_backbone(ModelConfig()), 64, bn).train()
        with torch.no_grad():
            u = net(x)
        u = u.clone().requires_grad_(True)
        loss = dpsh_loss(u, y, u.detach(), y)
        loss["likelihood"].backward()
        g = u.grad
        common = g.mean(0, keepdim=True)
        share = float((common.norm() ** 2 * len(g)) / (g.norm() ** 2))  # share of the gradient's energy that is the same for every image
        gn = torch.nn.functional.normalize(g, dim=1); cos = gn @ gn.t()
        same = (y[:, None] == y[None]) & ~torch.eye(len(y), dtype=torch.bool)
        diff = y[:, None] != y[None]
        c = torch.nn.functional.normalize(u.detach(), dim=1)
        print(f"seed {seed} {'BN head   ' if bn else 'plain head'}: output cosine between images {float((c @ c.t())[diff | same].mean()):.3f}, "
              f"theta mean {float(0.5 * (u @ u.t()).mean()):.2f}, likelihood {float(loss['likelihood']):.3f}; "
              f"gradient: common share {share:.3f}, cosine same class {float(cos[same].mean()):.3f} / other class {float(cos[diff].mean()):.3f}")
