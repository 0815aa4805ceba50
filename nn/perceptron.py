"""Rosenblatt's perceptron (1958): a weighted sum, a threshold, and a learning rule that is
not gradient descent (the step function has no useful gradient)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Tensor

from .module import Module, Parameter

__all__ = ["FitResult", "Perceptron"]


@dataclass
class FitResult:
    """What ``Perceptron.fit`` did: whether it converged and the mistakes in each epoch."""

    converged: bool
    epochs: int
    errors: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        if self.converged:
            return f"converged after {self.epochs} epoch(s): every point classified correctly"
        return (f"did not converge in {self.epochs} epochs: {self.errors[-1]} point(s) still "
                "misclassified (the classes are probably not linearly separable, like XOR)")


class Perceptron(Module):
    """y = step(w . x + b), 1 if the weighted sum clears the threshold, else 0.

    The bias b is the (negated) threshold, kept as a weight on a constant input of 1.
    Weights start at zero, so training is deterministic.
    """

    def __init__(self, n_inputs: int) -> None:
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
            raise ValueError(f"Perceptron: n_inputs must be a positive int, got {n_inputs!r}")
        self.weight = Parameter(np.zeros(n_inputs, dtype=np.float64), requires_grad=False)
        self.bias = Parameter(np.zeros((), dtype=np.float64), requires_grad=False)

    def _x(self, X: Any) -> np.ndarray:
        x = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.weight.shape[0]:
            raise ValueError(f"Perceptron: expected inputs of shape (N, {self.weight.shape[0]}),"
                             f" got {x.shape}")
        return x

    def forward(self, X: Any) -> Tensor:
        x = X if isinstance(X, Tensor) else Tensor(self._x(X))
        return (x @ self.weight + self.bias).step()

    def predict(self, X: Any) -> np.ndarray:
        """0/1 predictions for the rows of X."""
        x = self._x(X)
        return (x @ self.weight.data + self.bias.data > 0).astype(np.int64)

    def fit(self, X: Any, y: Any, epochs: int = 100, lr: float = 1.0,
            verbose: bool = False) -> FitResult:
        """The perceptron learning rule: for each misclassified point, w += lr * (y - y_hat) x.

        Stops as soon as an epoch makes no mistake (converged). If the data are not
        linearly separable (XOR) that never happens: after ``epochs`` it stops, warns, and
        returns ``converged=False``.
        """
        x = self._x(X)
        t = np.asarray(y.data if isinstance(y, Tensor) else y).reshape(-1)
        if t.shape[0] != x.shape[0]:
            raise ValueError(f"Perceptron.fit: {x.shape[0]} inputs but {t.shape[0]} labels")
        if not np.all((t == 0) | (t == 1)):
            raise ValueError("Perceptron.fit: labels must be 0 or 1")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"Perceptron.fit: epochs must be a positive int, got {epochs!r}")
        w, b = self.weight.data, self.bias.data
        errors: list[int] = []
        for epoch in range(1, epochs + 1):
            mistakes = 0
            for xi, ti in zip(x, t):
                y_hat = 1.0 if xi @ w + b > 0 else 0.0
                if y_hat != ti:
                    w += lr * (ti - y_hat) * xi
                    b += lr * (ti - y_hat)
                    mistakes += 1
            errors.append(mistakes)
            if verbose:
                print(f"epoch {epoch}: {mistakes} mistake(s)")
            if mistakes == 0:
                self.weight._bump_version()
                return FitResult(True, epoch, errors)
        self.weight._bump_version()
        # the last epoch's mistakes were made while the weights moved; count them at the end
        errors[-1] = int(np.sum(self.predict(x) != t))
        result = FitResult(errors[-1] == 0, epochs, errors)
        if not result.converged:
            warnings.warn(f"Perceptron.fit {result}", RuntimeWarning, stacklevel=2)
        return result

    def extra_repr(self) -> str:
        return f"n_inputs={self.weight.shape[0]}"
