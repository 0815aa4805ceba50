"""torch.utils's spelling: ``from autograd.utils.data import DataLoader, TensorDataset``."""

from . import data

__all__ = ["data"]
