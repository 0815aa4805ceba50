"""The cnn, ages and gan demos in quick mode: they run, write their pictures, and learn."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("matplotlib")


def test_cnn_quick(tmp_path):
    from demos import cnn

    r = cnn.run(quick=True, out=tmp_path, seed=0)
    assert r["test_accuracy"] >= 0.88  # 600 training digits, 4 epochs (full run: >= 98%)
    assert r["smooth_filters"] <= 16 and all(0 <= k < 16 for k in r["blank_maps"])
    assert r["losses"][-1] < r["losses"][0] / 3
    assert (tmp_path / cnn.IMAGE).stat().st_size > 5000
    assert cnn.DESCRIPTION and "\n" not in cnn.DESCRIPTION


def test_ages_quick(tmp_path):
    import numpy as np

    from demos import ages

    rng = np.random.default_rng(3)
    words, age = ages.sentence(rng, kind="between")
    low, high = sorted(int(w) for w in words if w.isdigit())
    assert (low, high, age) == (age - 1, age + 1, age) and words[-1] == "?" and len(words) == 23
    words, age = ages.sentence(rng, kind="older than both")
    assert age == max(int(w) for w in words if w.isdigit()) + 1 and len(words) == 23
    words, age = ages.sentence(rng, kind="younger than both")
    assert age == min(int(w) for w in words if w.isdigit()) - 1
    # the held-out phrasing never occurs in training: younger fact first, "younger" clause first
    for _ in range(200):
        w, _ = ages.sentence(rng, kind="between")
        assert not (int(w[2]) < int(w[6]) and w[10] == "younger")
    r = ages.run(quick=True, out=tmp_path, seed=0)
    # the answer is not the numbers' midpoint: ignoring the words scores about a third
    assert r["baselines"]["always the middle age"] < 0.45
    assert r["test_accuracy"] > r["baselines"]["always the middle age"] + 0.2
    assert r["unseen_phrasing_accuracy"] > 0.5  # chance is about 1 in 13
    assert r["article_answer"] == 11
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
