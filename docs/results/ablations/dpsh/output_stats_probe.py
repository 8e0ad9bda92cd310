import sys; sys.path.insert(0, "src")
import torch, numpy as np
from vithash.data.datasets import load_fashion_mnist
from vithash.data.protocol import make_split
from vithash.config import ModelConfig, build_model
from vithash.evaluation.encode import encode_outputs
torch.set_num_threads(1)
pool = load_fashion_mnist(); split = make_split(pool.labels, pool.is_test_split)
ck = torch.load(sys.argv[1], map_location="cpu")
cfg = ModelConfig.from_dict(ck["config"]["model"])
net = build_model(cfg, ck["config"]["bits"], ck["config"]["method"]); net.load_state_dict(ck["model"])
u = torch.from_numpy(encode_outputs(net, pool.image_set(split.train[:2000]), pool.mean, pool.std, threads=1))
y = torch.from_numpy(pool.labels[split.train[:2000]])
s = (y[:, None] == y[None]).float()
theta = 0.5 * u @ u.t()
print("|u| mean %.3f  max %.3f ; per-bit mean of u: %s" % (u.abs().mean(), u.abs().max(), u.mean(0)[:8].numpy().round(2)))
print("theta similar: mean %.2f  dissimilar: mean %.2f ; |theta| p50 %.1f p99 %.1f" % (theta[s == 1].mean(), theta[s == 0].mean(), theta.abs().median(), theta.abs().quantile(0.99)))
nll = torch.nn.functional.softplus(theta) - s * theta
print("NLL mean %.3f  log2 %.3f" % (nll.mean(), np.log(2)))
b = u.sign(); print("distinct codes among 2000:", len({tuple(r) for r in b.int().tolist()}), "bit balance", (b > 0).float().mean().item())
print("mean cosine between outputs of different images: %.3f" % (torch.nn.functional.normalize(u, dim=1) @ torch.nn.functional.normalize(u, dim=1).t()).mean())
