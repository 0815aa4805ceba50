"""``torch.utils.data``'s names, defined in :mod:`autograd.data`."""

from ..data import ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, random_split

__all__ = ["ConcatDataset", "DataLoader", "Dataset", "Subset", "TensorDataset", "random_split"]
