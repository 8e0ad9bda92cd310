"""Raw hash outputs and boolean codes for a set of images (bit = output > 0, the exported bit rule)."""
import torch

from vithash.data.images import ArrayImages, in_order, loader
from vithash.data.normalise import normalise


@torch.no_grad()
def encode_outputs(model, images, mean, std, batch_size=1000, threads=2, workers=0, device="cpu"):
    """images: an ArrayImages/FileImages set, or a uint8 tensor [n, C, H, W]. Returns numpy [n, K]."""
    if isinstance(images, torch.Tensor):
        images = ArrayImages(images)
    torch.set_num_threads(threads)
    model.eval()
    outs = [model(normalise(batch.to(device), mean, std)).float().cpu()
            for batch in loader(images, in_order(len(images), batch_size), workers)]
    return torch.cat(outs).numpy() if outs else torch.zeros(0, 0).numpy()


def to_codes(outputs):
    return outputs > 0
