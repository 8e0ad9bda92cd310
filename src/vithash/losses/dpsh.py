"""DPSH (Li et al. IJCAI 2016): pairwise likelihood of inner products against a memory of all training codes."""
import torch

from vithash.data.labels import similar

from vithash.losses.terms import summed


def dpsh_loss(u, labels, memory_u, memory_labels, alpha=0.1, theta_scale=0.5):
    """theta_ij = theta_scale * u_i . U_j (DPSH: 1/2); negative log-likelihood of s_ij = [same label] under
    sigmoid(theta), plus alpha * quantization error (u - sign u)^2."""
    s = similar(labels, memory_labels).float()
    theta = theta_scale * u @ memory_u.t()
    likelihood = (torch.log1p(torch.exp(-theta.abs())) + theta.clamp(min=0) - s * theta).mean()
    return summed(likelihood=likelihood, quantization=alpha * (u - u.sign()).pow(2).mean())
