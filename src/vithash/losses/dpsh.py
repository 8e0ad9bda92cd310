"""DPSH (Li et al. IJCAI 2016): pairwise likelihood of inner products against a memory of all training codes."""
import torch

from vithash.data.labels import similar

from vithash.losses.terms import summed


def dpsh_loss(u, labels, memory_u, memory_labels, alpha=0.1):
    """theta_ij = 1/2 u_i . U_j; negative log-likelihood of s_ij = [same label] under sigmoid(theta),
    plus alpha * quantization error (u - sign u)^2."""
    s = similar(labels, memory_labels).float()
    theta = 0.5 * u @ memory_u.t()
    likelihood = (torch.log1p(torch.exp(-theta.abs())) + theta.clamp(min=0) - s * theta).mean()
    return summed(likelihood=likelihood, quantization=alpha * (u - u.sign()).pow(2).mean())
