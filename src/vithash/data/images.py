"""Images as torch Datasets of uint8 [C, H, W] tensors, so every method trains and encodes through a DataLoader.

`ArrayImages` wraps images already in memory (Fashion-MNIST, CIFAR-10). `FileImages` holds only file paths and
decodes each image when a worker asks for it, through the run's `Preprocessing`: memory stays bounded whatever the
number of images. `loader` batches either, in a given order (the training loop's own shuffled order).
"""
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class ArrayImages(Dataset):
    def __init__(self, images_u8):
        self.images = torch.as_tensor(images_u8)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i]

    def subset(self, indices):
        return ArrayImages(self.images[torch.as_tensor(np.asarray(indices), dtype=torch.long)])

    def all(self):
        """Every image as one uint8 tensor (only for sets that are in memory anyway)."""
        return self.images


class FileImages(Dataset):
    def __init__(self, paths, preprocessing):
        self.paths = list(paths)
        self.preprocessing = preprocessing

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        try:
            return torch.from_numpy(self.preprocessing.load(self.paths[i]))
        except OSError as e:  # checked when the folder was scanned, so only a file changed since then
            raise OSError(f"image {self.paths[i]} could not be read: {e}") from e

    def subset(self, indices):
        return FileImages([self.paths[i] for i in np.asarray(indices)], self.preprocessing)

    def all(self):
        return torch.stack([self[i] for i in range(len(self))])


def loader(images, batches, workers=0):
    """Yields uint8 batches [B, C, H, W] for the given lists of indices, in order; with workers > 0 they are
    decoded in worker processes a few batches ahead."""
    batches = [torch.as_tensor(b).tolist() for b in batches]
    if not batches:
        return iter(())
    return iter(DataLoader(images, batch_sampler=batches, num_workers=workers))


def in_order(n, batch_size):
    """Index batches covering 0..n-1 in order (encoding)."""
    return [list(range(i, min(n, i + batch_size))) for i in range(0, n, batch_size)]
