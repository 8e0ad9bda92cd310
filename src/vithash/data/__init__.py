"""Datasets (IDX and CIFAR-10 binary readers), the retrieval protocol split, normalisation and augmentation."""
