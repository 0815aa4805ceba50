"""The command line: ``python -m autograd.viz EXPR --at x=.. [-o out.svg]`` (also
``numbagrad graph ...``), and the ``numbagrad`` console script (``numbagrad demo NAME``).

The expression is parsed with ``ast`` and evaluated from an allow-list, never with eval.
Options and the expression may come in any order, and an expression may start with a minus.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..scalar import Value
from .renderer import DEFAULT_TIMEOUT, GraphvizNotFoundError, save_graph
from .walk import num

__all__ = ["ExpressionError", "evaluate", "main", "numbagrad"]

_FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh, "exp": Value.exp, "log": Value.log, "relu": Value.relu,
    "sigmoid": Value.sigmoid, "abs": Value.abs, "step": Value.step,
}
_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}
_ALLOWED = ("numbers, variables given with --at, + - * / ** and parentheses, and the "
            "functions " + ", ".join(sorted(_FUNCTIONS)))
#: an error message quotes at most this many characters of the expression
QUOTE = 80


class ExpressionError(ValueError):
    """A scalar expression that cannot be parsed or uses something not allowed."""


def shorten(text: str, limit: int = QUOTE) -> str:
    """text, cut in the middle to about ``limit`` characters when longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit - 20]} ... {text[-15:]} ({len(text)} characters)"


def quote(text: str, limit: int = QUOTE) -> str:
    """repr(text), shortened in the middle to about ``limit`` characters."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit - 20] + " ... " + text[-15:]) + f" ({len(text)} characters)"


def evaluate(text: str, values: dict[str, float], used: set[str] | None = None) -> Value:
    """Build the Value graph of a scalar expression such as ``"tanh(x*w + b)"``.

    The text is parsed with ``ast`` and only numbers, the given variables (each becomes one
    labelled leaf Value), + - * / **, unary minus and the functions in ``_FUNCTIONS`` are
    evaluated; anything else is an ``ExpressionError`` naming what was wrong. The names the
    expression uses are added to ``used`` when given.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"cannot parse {quote(text)}: {e.msg}{col}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"cannot parse {quote(text)}: it is nested too deeply") from None
    leaves = {name: Value(float(v), label=name) for name, v in values.items()}
    used = set() if used is None else used
    # iterative post-order evaluation: (node, children evaluated?)
    results: dict[int, Any] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        kids = _expr_children(node, text)
        if not ready:
            stack.append((node, True))
            stack.extend((k, False) for k in reversed(kids))
            continue
        args = [results.pop(id(k)) for k in kids]
        results[id(node)] = _apply(node, args, leaves, used, text)
    out = results[id(tree.body)]
    if not isinstance(out, Value):
        out = Value(float(out), label="result")
    return out


def _segment(text: str, node: ast.AST) -> str:
    piece = ast.get_source_segment(text.strip(), node) or type(node).__name__
    return quote(piece, 40)


def _expr_children(node: ast.AST, text: str) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):  # check the function before evaluating its arguments
        fname = node.func.id if isinstance(node.func, ast.Name) else None
        if fname not in _FUNCTIONS:
            shown = repr(fname) if fname else _segment(text, node.func)
            raise ExpressionError(f"unknown function {shown}; allowed functions: "
                                  f"{', '.join(sorted(_FUNCTIONS))}")
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{fname}() takes exactly one argument, e.g. {fname}(x)")
        return list(node.args)
    if isinstance(node, (ast.Constant, ast.Name)):
        return []
    raise ExpressionError(f"{_segment(text, node)} ({type(node).__name__}) is not allowed in "
                          f"an expression; allowed: {_ALLOWED}")


def _apply(node: ast.AST, args: list[Any], leaves: dict[str, Value], used: set[str],
           text: str) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"{quote(repr(node.value), 40)} is not a number; allowed: "
                                  f"{_ALLOWED}")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in leaves:
            if node.id in _FUNCTIONS:
                raise ExpressionError(f"{node.id!r} is a function: call it, e.g. {node.id}(x)")
            known = ", ".join(sorted(leaves)) or "none"
            raise ExpressionError(f"unknown name {node.id!r} in {quote(text)}: give its value "
                                  f"with --at {node.id}=NUMBER (variables given: {known})")
        used.add(node.id)
        return leaves[node.id]
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed; allowed: "
                                  f"{_ALLOWED}")
        a, b = args
        if not isinstance(a, Value) and not isinstance(b, Value):
            a = Value(a)  # keep numbers as graph leaves so the picture shows them
        return op(a, b)
    if isinstance(node, ast.UnaryOp):
        (a,) = args
        if isinstance(node.op, ast.USub):
            return -a
        if isinstance(node.op, ast.UAdd):
            return a
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed; allowed: "
                              f"{_ALLOWED}")
    if isinstance(node, ast.Call):  # name and arity were checked in _expr_children
        (a,) = args
        return _FUNCTIONS[node.func.id](a if isinstance(a, Value) else Value(a))
    raise ExpressionError(f"{type(node).__name__} is not allowed; allowed: {_ALLOWED}")


def _parse_at(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"bad --at {quote(item, 40)}: expected NAME=NUMBER, e.g. "
                                  "x=0.5")
        if name in values:
            raise ExpressionError(f"--at gives {name!r} twice ({name}={values[name]:g} and "
                                  f"{item}); give each variable once")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"bad --at {quote(item, 40)}: {number!r} is not a number"
                                  ) from None
    return values


# ---------------------------------------------------------------------------------------
# argument parsing: options in any order, an expression that may start with "-"
# ---------------------------------------------------------------------------------------
_EXAMPLES = """examples:
  python -m autograd.viz "tanh(x*w + b)" --at x=0.5 w=0.7 b=0 -o neuron.svg
  python -m autograd.viz --grad-flow -o flow.png "-x*y + exp(y)" --at x=2 y=-1
  python -m autograd.viz "sigmoid(a*b - 1)**2" --at a=1.5 b=2 --rankdir TB --expand -o s.svg
"""
_WITH_VALUE = {"-o", "--output", "--rankdir", "--title", "--timeout", "--max-nodes"}
_FLAGS = {"-h", "--help", "--grad-flow", "--expand"}
_AT_ITEM = re.compile(r"^[A-Za-z_]\w*=")


def _positive(kind: type, what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number > 0, got {text!r}"
                                             ) from None
        if not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{what} must be > 0, got {text!r}")
        return value
    return parse


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Draw the computation graph of a scalar expression, after backward(). "
                    "Options and the expression may come in any order.",
        epilog=_EXAMPLES)
    parser.add_argument("expr", help=f"the expression; may use {_ALLOWED}")
    parser.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=NUMBER",
                        help="the value of each variable")
    parser.add_argument("-o", "--output", default="graph.svg",
                        help="output file: .svg (default graph.svg), .png, .pdf or .dot")
    parser.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    parser.add_argument("--grad-flow", action="store_true",
                        help="colour nodes and edges by gradient magnitude")
    parser.add_argument("--expand", action="store_true",
                        help="draw tanh and sigmoid as the steps they stand for (tanh = "
                             "(e^2x - 1) / (e^2x + 1)), with their values and gradients")
    parser.add_argument("--title", default=None, help="a title above the graph")
    parser.add_argument("--timeout", type=_positive(float, "--timeout"),
                        default=DEFAULT_TIMEOUT,
                        help="seconds Graphviz may run, > 0 (default %(default)s)")
    parser.add_argument("--max-nodes", type=_positive(int, "--max-nodes"), default=500,
                        help="draw at most this many nodes (default %(default)s)")
    return parser


def _split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(options, expressions): a token that is no known option, option value or --at item is
    the expression, even when it starts with "-" (such as "-x*2")."""
    opts: list[str] = []
    exprs: list[str] = []
    i, n = 0, len(argv)
    while i < n:
        tok = argv[i]
        name = tok.split("=", 1)[0] if tok.startswith("--") else tok
        if tok == "--":
            exprs.extend(argv[i + 1:])
            break
        if name in _WITH_VALUE:
            if "=" in tok and tok.startswith("--") or i + 1 == n:
                opts.append(tok)
                i += 1
            else:  # joined, so a value starting with "-" is not taken for an option
                opts.append(f"{'--output' if tok == '-o' else tok}={argv[i + 1]}")
                i += 2
        elif tok in _FLAGS:
            opts.append(tok)
            i += 1
        elif tok == "--at":
            opts.append(tok)
            i += 1
            # NAME=NUMBER items; once the expression is known, anything else that is not
            # an option is a (malformed) item too, so its error names it
            while i < n and (_AT_ITEM.match(argv[i]) or "=" in argv[i] and not
                             argv[i].startswith("-") or exprs and not argv[i].startswith("-")):
                opts.append(argv[i])
                i += 1
        elif tok.startswith("--") and len(tok) > 2 and tok[2:3].isalpha():
            opts.append(tok)  # an unknown option: argparse names it
            i += 1
        else:
            exprs.append(tok)
            i += 1
    return opts, exprs


def main(argv: Sequence[str] | None = None, prog: str = "python -m autograd.viz") -> int:
    """Draw a scalar expression's graph after backward. Returns the exit code (0 ok, 1 could
    not evaluate/render, 2 bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(prog)
    opts, exprs = _split_argv(argv)
    if len(exprs) > 1:
        shown = ", ".join(quote(e, 30) for e in exprs[:4])
        parser.error(f"expected one expression, got {len(exprs)}: {shown} (quote the "
                     "expression if it has spaces)")
    if "-h" in opts or "--help" in opts:
        parser.print_help()
        return 0
    args = parser.parse_args([*opts, "--", *exprs])
    try:
        values = _parse_at(args.at)
        used: set[str] = set()
        out = evaluate(args.expr, values, used)
        unused = [name for name in values if name not in used]
        if unused:
            raise ExpressionError(
                f"--at {', '.join(unused)}: {'this name is' if len(unused) == 1 else 'these '}"
                f"{'' if len(unused) == 1 else 'names are'} not used in {quote(args.expr)}")
    except ExpressionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        print(f"error: cannot evaluate {quote(args.expr)}: {e}", file=sys.stderr)
        return 1
    out.backward()
    try:
        path = save_graph(out, args.output, rankdir=args.rankdir, grad_flow=args.grad_flow,
                          title=args.title, timeout=args.timeout, max_nodes=args.max_nodes,
                          expand=args.expand)
    except (GraphvizNotFoundError, TimeoutError, RuntimeError, ValueError, OSError) as e:
        msg = re.sub(r"max_nodes=(\d+)", r"--max-nodes \1", str(e))
        print(f"error: {msg}", file=sys.stderr)
        return 1
    print(f"{shorten(args.expr)} = {num(out.data)}; wrote {path}")
    return 0


def numbagrad(argv: Sequence[str] | None = None) -> int:
    """The ``numbagrad`` console script: ``numbagrad demo NAME ...`` runs a demo (as
    ``python -m demos``), ``numbagrad graph EXPR --at ...`` draws an expression."""
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = ("usage: numbagrad {demo,graph} ...\n"
             "  numbagrad demo [NAME] [--quick] [--out DIR]   run a teaching demo (no NAME: "
             "list them)\n"
             "  numbagrad graph EXPR --at NAME=NUMBER ...     draw an expression's graph "
             "(numbagrad graph --help)")
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "graph":
        return main(rest, prog="numbagrad graph")
    if cmd == "demo":
        # the demos sit above the library (they import it); reached only from this script
        from demos.__main__ import main as demos_main

        return demos_main(rest)
    print(f"numbagrad: unknown command {quote(cmd, 30)}; expected 'demo' or 'graph'\n{usage}",
          file=sys.stderr)
    return 2
