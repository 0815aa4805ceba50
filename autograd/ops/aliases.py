"""torch's top-level spellings of Tensor methods: ``torch.abs_(x)`` is ``x.abs_()``,
``torch.adjoint(x)`` is ``x.adjoint()``, ``torch.is_signed(x)`` is ``x.is_signed()``, and the
``*_copy`` functions (``torch.transpose_copy(x, 0, 1)``: the view op's result as a new
tensor, with the view's gradient). Each is generated from the method of the same name."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor

# torch.NAME(input, *args, **kwargs) == input.NAME(*args, **kwargs)
_METHODS = (
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp2_",
    "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "i0_", "index_put_", "lcm_",
    "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_",
    "negative_", "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_",
    "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_",
    "adjoint", "conj_physical", "detach", "is_complex", "is_conj", "is_neg", "is_same_size",
    "is_signed", "resolve_conj", "resolve_neg", "split_with_sizes", "fill", "is_inference",
    "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes",
)
# torch.NAME_copy(input, ...) == input.NAME(...).clone() (tuples element by element)
_COPIES = ("detach", "diagonal", "expand", "narrow", "permute", "select", "split",
           "split_with_sizes", "squeeze", "t", "transpose", "unbind", "unfold", "unsqueeze",
           "view")


def _method(name: str) -> Any:
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}(input, ...): ``input.{name}(...)``."
    return fn


def _copy(name: str) -> Any:
    view = _method(name)

    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        out = view(input, *args, **kwargs)
        if isinstance(out, (tuple, list)):
            return type(out)(t.clone() for t in out)
        return out.clone()

    fn.__name__ = fn.__qualname__ = f"{name}_copy"
    fn.__doc__ = f"torch.{name}_copy: ``input.{name}(...)`` as a new tensor (not a view)."
    return fn


def _fill(input: Tensor, value: Any) -> Tensor:
    """torch.fill(input, value): a new tensor of input's shape and dtype filled with value."""
    import numpy as np

    from .elementwise import _need_tensors, _recorded

    _need_tensors("fill", input=input)
    v = value.data if isinstance(value, Tensor) else value
    return _recorded(lambda a: np.full(a.shape, v, dtype=a.dtype), (input,))


def imag(input: Tensor) -> Tensor:
    """torch.imag: a RuntimeError for real tensors (the only dtypes here), as in torch."""
    return input.imag


_made: dict[str, Any] = {n: _method(n) for n in _METHODS if n != "fill"}
_made["fill"], _made["imag"] = _fill, imag
_made.update({f"{n}_copy": _copy(n) for n in _COPIES})
globals().update(_made)
__all__ = sorted(_made)


def frobenius_norm(input: Tensor, dim: Any = (-2, -1), keepdim: bool = False) -> Tensor:
    """torch.frobenius_norm: sqrt of the sum of squares over dim."""
    from .linalg import linalg

    return linalg.vector_norm(input, 2, dim=dim, keepdim=keepdim)


def nuclear_norm(input: Tensor, dim: Any = (-2, -1), keepdim: bool = False) -> Tensor:
    """torch.nuclear_norm: the sum of the singular values over the two dims."""
    from .linalg import linalg

    if isinstance(dim, bool):  # torch.nuclear_norm(input, keepdim)
        dim, keepdim = (-2, -1), dim
    return linalg.matrix_norm(input, "nuc", dim=tuple(dim), keepdim=keepdim)


def constant_pad_nd(input: Tensor, pad: Any, value: Any = 0) -> Tensor:
    """torch.constant_pad_nd: nn.functional.pad with a constant (last dim first)."""
    import importlib

    return importlib.import_module("nn.functional").pad(input, pad, value=value)


__all__ += ["constant_pad_nd", "frobenius_norm", "nuclear_norm"]
