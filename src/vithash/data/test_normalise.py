import torch

from vithash.data.normalise import normalise


def test_each_channel_maps_its_mean_to_zero_and_one_std_above_it_to_one():
    mean, std = (0.2, 0.6), (0.4, 0.2)
    pixels = torch.tensor([[0.2, 0.6], [0.6, 0.8]]) * 255  # [channel, (at mean, one std above)]
    images = pixels.round().to(torch.uint8).view(1, 2, 1, 2)
    x = normalise(images, mean, std)
    assert x.dtype == torch.float32 and x.shape == (1, 2, 1, 2)
    assert torch.allclose(x.view(2, 2), torch.tensor([[0.0, 1.0], [0.0, 1.0]]), atol=0.01)
