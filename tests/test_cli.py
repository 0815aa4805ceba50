"""The command line, through subprocesses: python -m autograd.viz and numbagrad graph/demo."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from test_viz import Svg, needs_dot

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograd.viz", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@needs_dot
def test_leading_minus_and_options_in_any_order(tmp_path):
    out = tmp_path / "neg.svg"
    r = run("-x*2", "--at", "x=1", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "= -2.0000" in r.stdout
    out2 = tmp_path / "first.dot"
    r = run("-o", str(out2), "--at", "x=0.5", "w=-0.7", "--title", "-t", "tanh(x*w)")
    assert r.returncode == 0, r.stderr
    assert f"= {math.tanh(-0.35):.4f}" in r.stdout
    assert 'label="-t"' in out2.read_text()
    svg = Svg(out.read_bytes())
    assert len(svg.names("op")) == 2                             # neg and *


def test_at_names_repeated_or_unused_are_errors(tmp_path):
    r = run("x*2", "--at", "x=1", "x=2", "-o", str(tmp_path / "a.dot"))
    assert r.returncode == 2 and "'x' twice" in r.stderr
    r = run("x*2", "--at", "x=1", "y=2", "-o", str(tmp_path / "a.dot"))
    assert r.returncode == 2 and "--at y" in r.stderr and "not used" in r.stderr
    assert not (tmp_path / "a.dot").exists()


def test_timeout_and_max_nodes_are_validated_and_used(tmp_path):
    for bad in ("-1", "0", "abc"):
        r = run("x", "--at", "x=1", "--timeout", bad, "-o", str(tmp_path / "a.dot"))
        assert r.returncode == 2 and "--timeout" in r.stderr, (bad, r.stderr)
    long = "+".join(["x"] * 60)
    r = run(long, "--at", "x=1", "--max-nodes", "20", "-o", str(tmp_path / "b.dot"))
    assert r.returncode == 1 and "--max-nodes" in r.stderr and "max_nodes=" not in r.stderr
    r = run(long, "--at", "x=1", "--max-nodes", "400", "-o", str(tmp_path / "b.dot"))
    assert r.returncode == 0 and (tmp_path / "b.dot").exists()


def test_errors_quote_at_most_about_80_characters(tmp_path):
    long = "*".join(["x"] * 2000) + " + sin(x)"
    r = run(long, "--at", "x=1", "-o", str(tmp_path / "c.dot"))
    assert r.returncode == 2
    assert len(r.stderr) < 400 and "unknown function 'sin'" in r.stderr
    r = run(long.replace("sin(x)", "y"), "--at", "x=1", "-o", str(tmp_path / "c.dot"))
    assert r.returncode == 2 and "unknown name 'y'" in r.stderr
    assert len(r.stderr) < 400 and "characters)" in r.stderr


def test_help_shows_three_examples():
    r = run("--help")
    assert r.returncode == 0
    examples = [ln for ln in r.stdout.splitlines() if ln.strip().startswith("python -m")]
    assert len(examples) == 3
    assert "--expand" in r.stdout


@needs_dot
def test_expand_draws_tanh_and_sigmoid_as_their_steps(tmp_path):
    out = tmp_path / "e.svg"
    r = run("--expand", "tanh(x*w)", "--at", "x=0.5", "w=-0.7", "--rankdir", "TB", "-o",
            str(out))
    assert r.returncode == 0, r.stderr
    svg = Svg(out.read_bytes())
    assert [Svg.text(c) for c in svg.clusters.values()] == ["tanh expanded (numpy, this run)"]
    texts = {Svg.text(g) for g in svg.nodes.values()}
    n = 0.5 * -0.7
    e = math.exp(2 * n)
    g_e = 1 / (e + 1) - (e - 1) / (e + 1) ** 2                  # d tanh / d e
    assert f"e | data {e:.4f} | grad {g_e:.4f}" in texts
    assert f"e + 1 | data {e + 1:.4f} | grad {-(e - 1) / (e + 1) ** 2:.4f}" in texts
    plain = tmp_path / "p.svg"
    assert run("tanh(x*w)", "--at", "x=0.5", "w=-0.7", "-o", str(plain)).returncode == 0
    assert not Svg(plain.read_bytes()).clusters


def test_numbagrad_console_script_graph_and_demo(tmp_path):
    code = ("import sys; from autograd.viz.cli import numbagrad; "
            "sys.exit(numbagrad(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "graph", "x*x", "--at", "x=3", "-o",
                        str(tmp_path / "g.dot")], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "grad 6.0000" in (tmp_path / "g.dot").read_text()
    r = subprocess.run([sys.executable, "-c", code, "demo"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "wine" in r.stdout
    r = subprocess.run([sys.executable, "-c", code, "bogus"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown command 'bogus'" in r.stderr


def test_pyproject_declares_the_console_script():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'numbagrad = "autograd.viz.cli:numbagrad"' in text
    pytest.importorskip("autograd.viz.cli").numbagrad  # noqa: B018
