"""The cnn, ages and gan demos in quick mode: they run, write their pictures, and learn."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("matplotlib")


def test_cnn_quick(tmp_path):
    from demos import cnn

    r = cnn.run(quick=True, out=tmp_path, seed=0)
    assert r["test_accuracy"] >= 0.88  # 600 training digits, 4 epochs (full run: >= 98%)
    assert r["losses"][-1] < r["losses"][0] / 3
    assert (tmp_path / cnn.IMAGE).stat().st_size > 5000
    assert cnn.DESCRIPTION and "\n" not in cnn.DESCRIPTION


def test_ages_quick(tmp_path):
    from demos import ages

    words, age = ages.sentence(__import__("numpy").random.default_rng(3))
    stated = sorted(int(w) for w in words if w.isdigit())
    assert stated == [age - 1, age + 1] and words[-1] == "?" and len(words) == 23
    r = ages.run(quick=True, out=tmp_path, seed=0)
    assert r["test_accuracy"] >= 0.9
    assert all(len(e) == 3 and e[0].endswith("?") for e in r["examples"])
    assert (tmp_path / ages.IMAGE).exists()


def test_gan_quick(tmp_path):
    from demos import gan

    r = gan.run(quick=True, out=tmp_path, seed=0)
    assert all(math.isfinite(v) for v in r["d_losses"] + r["g_losses"])
    assert r["near_mode_share_start"] < 0.05
    assert r["near_mode_share"] > r["near_mode_share_start"] + 0.1
    assert r["modes_covered"] >= 4
    assert abs(r["median_radius"] - 2.0) < 0.3  # on the ring
    assert (tmp_path / gan.IMAGE).exists() and (tmp_path / "gan_losses.png").exists()
