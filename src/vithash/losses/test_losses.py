"""Each loss on toy inputs: it reports terms that add up to its total, it is low at its target, and a gradient
step moves outputs toward the target."""
import torch

from vithash.losses.adsh import (adsh_hash_loss, classification_loss, closed_form_classifier, dcc_objective,
                                 dcc_update, similarity_ratio, soft_similarity)
from vithash.losses.csq import csq_loss, hadamard, hash_centers
from vithash.losses.dpsh import dpsh_loss
from vithash.losses.greedyhash import greedyhash_loss, sign_ste
from vithash.losses.orthocos import bernoulli_codebook, orthocos_loss, spread_codebook


def _step(x, loss_fn, lr=0.1):
    x = x.clone().requires_grad_(True)
    loss_fn(x).backward()
    return (x - lr * x.grad).detach()


def _agreement(u, targets):
    return (u.sign() == targets.sign()).float().mean()


def _toy_reports(quantization_weight=0.05):
    g = torch.Generator().manual_seed(0)
    out, labels = torch.randn(4, 8, generator=g), torch.tensor([0, 1, 2, 1])
    codes, code_labels = torch.randint(0, 2, (6, 8), generator=g).float() * 2 - 1, torch.tensor([0, 1, 2, 0, 1, 2])
    index = torch.tensor([0, 1, 2, 4])  # rows of codes whose labels are `labels`
    return {
        "orthocos": orthocos_loss(out, labels, bernoulli_codebook(3, 8)),
        "csq": csq_loss(torch.tanh(out), labels, hash_centers(3, 8), quantization_weight),
        "greedyhash": greedyhash_loss(out, labels, torch.nn.Linear(8, 3, bias=False)),
        "dpsh": dpsh_loss(out, labels, torch.randn(6, 8, generator=g), code_labels),
        "adsh": adsh_hash_loss(torch.tanh(out), labels, index, codes, code_labels, 200.0,
                               similarity_ratio(code_labels)),
    }


def test_every_loss_reports_its_terms_and_they_add_up_to_its_total():
    terms_of = {"orthocos": {"ce"}, "csq": {"center", "quantization"}, "greedyhash": {"ce", "quantization"},
                "dpsh": {"likelihood", "quantization"}, "adsh": {"pair", "anchor"}}
    for name, report in _toy_reports().items():
        terms = {k: v for k, v in report.items() if k != "loss"}
        assert set(terms) == terms_of[name]
        assert all(v.dim() == 0 for v in report.values()), name
        assert torch.allclose(sum(terms.values()), report["loss"]), name


def test_terms_are_reported_as_they_enter_the_total_weights_applied():
    light, heavy = _toy_reports(0.05)["csq"], _toy_reports(0.5)["csq"]
    assert torch.allclose(heavy["quantization"], 10 * light["quantization"])
    assert torch.equal(heavy["center"], light["center"])


def test_orthocos_gradient_moves_outputs_toward_class_codewords():
    torch.manual_seed(0)
    book = bernoulli_codebook(4, 16)
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    v = torch.randn(6, 16)
    cos_before = torch.cosine_similarity(v, book[labels]).mean()
    agree_before = _agreement(v, book[labels])
    for _ in range(100):
        v = _step(v, lambda x: orthocos_loss(x, labels, book)["loss"], lr=5.0)
    assert torch.cosine_similarity(v, book[labels]).mean() > cos_before + 0.3
    assert _agreement(v, book[labels]) > agree_before + 0.2
    # at the codeword the loss is lower than anywhere random
    at_codeword, random = book[labels] * 3, torch.randn(6, 16)
    assert orthocos_loss(at_codeword, labels, book)["loss"] < orthocos_loss(random, labels, book)["loss"]


def test_bernoulli_codebook_has_no_bit_every_class_agrees_on():
    """A bit shared by every class separates none: it gets no gradient and dies (seed 0, 10 classes, 64 bits had one)."""
    for seed in range(20):
        for classes, bits in [(10, 16), (10, 32), (10, 64), (2, 64), (3, 8)]:
            book = bernoulli_codebook(classes, bits, seed)
            assert book.shape == (classes, bits) and set(book.unique().tolist()) <= {-1.0, 1.0}
            assert (book.sum(0).abs() < classes).all(), (seed, classes, bits)
    assert torch.equal(bernoulli_codebook(10, 64, 0), bernoulli_codebook(10, 64, 0))  # still fixed by its seed


def _min_distance(book):
    d = (book[:, None, :] != book[None, :, :]).sum(-1).float()
    return d.fill_diagonal_(float("inf")).min().item()


def test_spread_codebook_keeps_every_pair_of_classes_further_apart_than_bernoulli_codewords():
    """OrthoHash's "O" codebook: at 16 bits seed 0's Bernoulli codewords put two classes 3 bits apart."""
    assert _min_distance(bernoulli_codebook(10, 16, 0)) == 3
    for bits, at_least in [(16, 7), (32, 15), (64, 31)]:
        for seed in range(3):
            book = spread_codebook(10, bits, seed)
            assert book.shape == (10, bits) and set(book.unique().tolist()) <= {-1.0, 1.0}
            assert _min_distance(book) >= at_least > _min_distance(bernoulli_codebook(10, bits, seed))
            assert (book.sum(0).abs() < 10).all()  # no bit every class agrees on
    assert torch.equal(spread_codebook(10, 16, 1), spread_codebook(10, 16, 1))  # fixed by its seed


def test_orthocos_margin_makes_the_true_class_harder():
    book = bernoulli_codebook(3, 8)
    v, y = book[[0]].clone(), torch.tensor([0])
    assert orthocos_loss(v, y, book, margin=0.3)["loss"] > orthocos_loss(v, y, book, margin=0.0)["loss"]


def test_orthocos_separate_quantization_term_is_zero_on_binary_outputs_and_off_by_default():
    book = bernoulli_codebook(3, 8)
    y = torch.tensor([0, 1])
    at_vertices = book[[0, 1]] * 0.7  # binary directions: nothing to quantize
    off_vertices = torch.randn(2, 8)
    assert set(orthocos_loss(off_vertices, y, book)) == {"loss", "ce"}  # the method: one objective
    with_term = orthocos_loss(off_vertices, y, book, quantization_weight=0.5)
    assert with_term["quantization"] > 0
    assert torch.isclose(with_term["loss"], with_term["ce"] + with_term["quantization"])
    assert orthocos_loss(at_vertices, y, book, quantization_weight=0.5)["quantization"].abs() < 1e-6


def test_csq_centres_are_far_apart_and_pull_outputs():
    assert (hadamard(8) @ hadamard(8).t() == 8 * torch.eye(8)).all()
    for bits, classes in [(16, 10), (32, 10), (64, 10), (24, 10), (8, 20)]:
        c = hash_centers(classes, bits)
        d = (bits - c @ c.t()) / 2 + torch.eye(classes) * bits
        assert c.shape == (classes, bits) and d.min() >= bits / 4
    centers = hash_centers(10, 16)
    labels = torch.arange(10)
    u = torch.tanh(torch.randn(10, 16) * 0.1)
    loss_fn = lambda x: csq_loss(torch.tanh(x), labels, centers)["loss"]
    x = torch.atanh(u)
    before = loss_fn(x)
    for _ in range(30):
        x = _step(x, loss_fn, lr=5.0)
    assert loss_fn(x) < before and _agreement(x, centers[labels]) == 1.0


def test_greedyhash_sign_has_identity_gradient_and_classifier_learns():
    x = torch.tensor([-0.3, 0.2, 0.0], requires_grad=True)
    sign_ste(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    torch.manual_seed(0)
    classifier = torch.nn.Linear(8, 2, bias=False)
    labels = torch.tensor([0, 1])
    u = torch.randn(2, 8)
    before = greedyhash_loss(u, labels, classifier)["loss"]
    for _ in range(30):
        u = _step(u, lambda x: greedyhash_loss(x, labels, classifier)["loss"], lr=0.5)
    assert greedyhash_loss(u, labels, classifier)["loss"] < before
    # the cubic term pulls |u| toward 1
    q = _step(torch.tensor([[0.2, -3.0]]), lambda x: 0.1 * (x.abs() - 1).abs().pow(3).mean(), lr=1.0)
    assert q[0, 0] > 0.2 and q[0, 1] > -3.0


def test_dpsh_pulls_similar_pairs_together_and_pushes_dissimilar_apart():
    memory = torch.tensor([[1.0, 1.0, 1.0, 1.0], [-1.0, -1.0, -1.0, 1.0]])
    memory_labels = torch.tensor([0, 1])
    u = torch.zeros(1, 4)
    labels = torch.tensor([0])
    for _ in range(20):
        u = _step(u, lambda x: dpsh_loss(x, labels, memory, memory_labels)["loss"], lr=1.0)
    assert float(u @ memory[0]) > 0 > float(u @ memory[1])


def test_adsh_network_loss_pulls_u_toward_its_database_code():
    torch.manual_seed(0)
    codes = torch.randint(0, 2, (6, 8)).float() * 2 - 1
    code_labels = torch.tensor([0, 0, 1, 1, 2, 2])
    index = torch.tensor([0, 2, 4])
    r = similarity_ratio(code_labels)
    x = torch.zeros(3, 8)
    loss_fn = lambda x: adsh_hash_loss(torch.tanh(x), code_labels[index], index, codes, code_labels, 200.0,
                                       r)["loss"]
    before = loss_fn(x)
    for _ in range(50):
        x = _step(x, loss_fn, lr=0.5)
    assert loss_fn(x) < before and _agreement(x, codes[index]) == 1.0


def test_soft_similarity():
    s = soft_similarity(torch.tensor([0, 1]), torch.tensor([0, 1, 1]), 0.25)
    assert s.tolist() == [[1.0, -0.25, -0.25], [-0.25, 1.0, 1.0]]
    assert similarity_ratio(torch.tensor([0, 0, 1, 1])) == 1.0  # 8 similar ordered pairs, 8 dissimilar


def _dcc_problem(seed, with_classifier):
    g = torch.Generator().manual_seed(seed)
    n, m, bits, classes = 30, 12, 8, 3
    labels = torch.randint(0, classes, (n,), generator=g)
    codes = torch.randint(0, 2, (n, bits), generator=g).float() * 2 - 1
    sampled = torch.randperm(n, generator=g)[:m]
    u = torch.tanh(torch.randn(m, bits, generator=g))
    s = soft_similarity(labels[sampled], labels, similarity_ratio(labels))
    onehot = torch.nn.functional.one_hot(labels, classes).float()
    re = 10.0 if with_classifier else 0.0
    w = closed_form_classifier(codes, onehot, 10.0, 1.0) if with_classifier else None
    return codes, u, sampled, s, onehot, w, re


def test_dcc_update_lowers_its_objective():
    for seed in range(5):
        for cls in (False, True):
            codes, u, sampled, s, onehot, w, re = _dcc_problem(seed, cls)
            before = dcc_objective(codes, u, sampled, s, 200.0, onehot, w, re)
            new = dcc_update(codes, u, sampled, s, 200.0, onehot, w, re)
            assert set(new.unique().tolist()) <= {-1.0, 1.0}
            assert dcc_objective(new, u, sampled, s, 200.0, onehot, w, re) <= before + 1e-3


def test_each_dcc_column_step_is_the_exact_minimiser():
    # After a sweep, flipping any single bit cannot lower the objective (coordinate-wise optimality of
    # the last column, checked for every row).
    codes, u, sampled, s, onehot, w, re = _dcc_problem(7, True)
    new = dcc_update(codes, u, sampled, s, 200.0, onehot, w, re)
    base = dcc_objective(new, u, sampled, s, 200.0, onehot, w, re)
    k = new.shape[1] - 1
    for i in range(new.shape[0]):
        flipped = new.clone()
        flipped[i, k] *= -1
        assert dcc_objective(flipped, u, sampled, s, 200.0, onehot, w, re) >= base - 1e-3


def test_closed_form_classifier_solves_the_ridge_problem():
    codes, *_ = _dcc_problem(1, False)
    onehot = torch.nn.functional.one_hot(torch.arange(30) % 3, 3).float()
    w = closed_form_classifier(codes, onehot, 10.0, 1.0).requires_grad_(True)
    (10.0 * (onehot - codes @ w).pow(2).sum() + 1.0 * w.pow(2).sum()).backward()
    assert w.grad.abs().max() < 1e-3


def test_classification_loss_is_zero_when_the_classifier_reads_the_labels_off_u():
    u = torch.tensor([[1.0, 1.0], [1.0, -1.0]])
    onehot = torch.eye(2)
    assert classification_loss(u, onehot, u / 2) == 0  # u @ (u / 2) = I
    assert classification_loss(u, onehot, torch.zeros(2, 2)) == 1  # ||y||^2 per image
