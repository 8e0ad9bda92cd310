"""Raw hash outputs and boolean codes for a set of images (bit = output > 0, the exported bit rule)."""
import torch

from vithash.data.normalise import normalise


@torch.no_grad()
def encode_outputs(model, images_u8, mean, std, batch_size=1000, threads=2):
    torch.set_num_threads(threads)
    model.eval()
    outs = [model(normalise(images_u8[i:i + batch_size], mean, std)) for i in range(0, len(images_u8), batch_size)]
    return torch.cat(outs).numpy()


def to_codes(outputs):
    return outputs > 0
