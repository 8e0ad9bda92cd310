"""Every method through the hooks the experiment uses: fit on a few toy images, encode any images, save, and
(for methods that train the network) a loss that reports its terms."""
import numpy as np
import pytest
import torch

from vithash.config import TrainConfig, build_method
from vithash.data.images import ArrayImages
from vithash.methods.base import FitSetup, NetworkMethod
from vithash.methods.registry import get_method, method_names
from vithash.test_experiment import TINY, toy_pool

NETWORK_METHODS = [n for n in method_names() if issubclass(get_method(n), NetworkMethod)]


@pytest.mark.parametrize("name", method_names())
def test_fit_then_encode_any_images(name, tmp_path):
    pool = toy_pool(8)
    images, labels = ArrayImages(pool.images), torch.from_numpy(pool.labels)
    method = build_method(name, 16, pool.num_classes, labels[:24])
    setup = FitSetup(TINY, TrainConfig(epochs=1, batch_size=12), pool.mean, pool.std, log=lambda *a: None)
    history = method.fit(images.subset(range(24)), labels[:24], setup)
    assert set(history) == {"train_seconds", "epochs", "loss_history", "loss_terms_history", "probe_history"}
    assert len(history["loss_history"]) == len(history["loss_terms_history"]) == history["epochs"]
    outputs = method.encode(images.subset(range(24, 32)))  # images it never saw
    assert isinstance(outputs, np.ndarray) and outputs.shape == (8, 16)
    method.save(str(tmp_path / "model.pt"), {}, {})


@pytest.mark.parametrize("name", NETWORK_METHODS)
def test_loss_reports_terms_that_add_up_to_the_total(name):
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    method = build_method(name, 16, 4, labels)
    out = torch.randn(4, 16, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    terms = method.loss(out, labels[:4], torch.arange(4))
    parts = [v for k, v in terms.items() if k != "loss"]
    assert parts and torch.allclose(sum(parts), terms["loss"])
    terms["loss"].backward()  # the total is what the loop minimises
    assert out.grad.abs().sum() > 0


@pytest.mark.parametrize("name", NETWORK_METHODS)
def test_multi_label_losses(name):
    labels = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 1]])
    method = build_method(name, 16, 3, labels)
    out = torch.randn(4, 16, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    terms = method.loss(out, labels[:4], torch.arange(4))
    assert torch.isfinite(terms["loss"]) and torch.allclose(sum(v for k, v in terms.items() if k != "loss"),
                                                            terms["loss"])
    terms["loss"].backward()
    assert out.grad.abs().sum() > 0
    method.after_epoch(0)


@pytest.mark.parametrize("name", ["dpsh", "asymmetric", "csq"])
def test_one_hot_rows_give_the_single_label_loss(name):
    # similarity, centres and ratios defined on multi-hot rows agree with the class-index forms
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    out = torch.randn(4, 16, generator=torch.Generator().manual_seed(0))
    single = build_method(name, 16, 3, labels).loss(out, labels[:4], torch.arange(4))
    onehot = torch.nn.functional.one_hot(labels, 3)
    multi = build_method(name, 16, 3, onehot).loss(out, onehot[:4], torch.arange(4))
    assert torch.allclose(single["loss"], multi["loss"], atol=1e-6)


def test_single_loss_codebook_is_chosen_by_name_and_an_unknown_one_is_refused():
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    spread = build_method("single_loss", 16, 4, labels, {"codebook": "O"}).codebook
    bernoulli = build_method("single_loss", 16, 4, labels).codebook
    assert spread.shape == bernoulli.shape == (4, 16) and not torch.equal(spread, bernoulli)
    with pytest.raises(ValueError, match="codebook"):
        build_method("single_loss", 16, 4, labels, {"codebook": "hadamard"})
