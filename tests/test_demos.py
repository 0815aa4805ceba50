"""Every demo runs in quick mode and prints the numbers its story promises; we assert them."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # demos/ is not installed

import demos  # noqa: E402
from demos.__main__ import main  # noqa: E402


def files_exist(result: dict, out: Path, *names: str) -> None:
    written = {p.name for p in result["files"]}
    for name in names:
        assert name in written
        assert (out / name).stat().st_size > 0


def test_runner_lists_every_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    listing = capsys.readouterr().out
    for name in demos.DEMOS:
        assert f"  {name} " in listing
        assert demos.load(name).DESCRIPTION in listing


def test_runner_rejects_an_unknown_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    assert "no demo called 'nope'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no demo called 'nope'; the demos are: wine"):
        demos.load("nope")


def test_wine(tmp_path: Path) -> None:
    r = demos.load("wine").run(quick=True, out=tmp_path)
    assert r["predictions_A1"] == pytest.approx([3, 10, 75])
    assert r["errors_A1"] == pytest.approx([1, 3, 25])
    assert r["predictions_A08"] == pytest.approx([2.4, 8, 60])
    assert r["errors_A08"] == pytest.approx([0.4, 1, 10])
    assert r["least_squares_A"] == pytest.approx(3826 / 5734)
    assert abs(r["A"] - 0.667) < 0.01
    assert r["losses"][-1] < r["losses"][0]
    # the learning rate: too small crawls, right converges, too large swings, then diverges
    runs = r["runs"]
    assert runs["too small"][1][-1] > 0.8
    assert abs(runs["right"][1][-1] - 3826 / 5734) < 0.01
    assert r["oscillates"]
    assert r["swing"] == pytest.approx((0.364, 0.944), abs=1e-3)
    far = runs["far too large"][1]
    assert far[8] == pytest.approx(3.277, abs=1e-3)  # A = 3.28 after eight steps at lr 6e-4
    assert r["diverged"]
    files_exist(r, tmp_path, "loss_vs_A.png")
    assert png_width(tmp_path / "loss_vs_A.png") >= 1200


def png_width(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[16:20], "big")


def test_runner_refuses_a_file_as_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("mine")
    assert main(["wine", "--out", str(f)]) == 2
    assert "is an existing file, not a folder" in capsys.readouterr().err
    assert f.read_text() == "mine"


def test_activations(tmp_path: Path) -> None:
    r = demos.load("activations").run(quick=True, out=tmp_path)
    slopes = r["slopes"]  # at x = -2, 0, 2
    assert slopes["step"] == [0.0, 0.0, 0.0]
    assert slopes["sigmoid"][1] == pytest.approx(0.25, abs=1e-6)
    assert slopes["tanh"][1] == pytest.approx(1.0, abs=1e-6)
    assert slopes["ReLU"] == [0.0, 0.0, 1.0]  # relu'(0) = 0, as PyTorch
    assert slopes["leaky ReLU"] == pytest.approx([0.1, 0.1, 1.0])
    assert slopes["GELU"][1] == pytest.approx(0.5, abs=1e-6)
    assert r["step_weights_moved"] == 0.0  # zero gradient: the step neuron never learns
    assert r["step_losses"][-1] == r["step_losses"][0] == 0.25
    assert r["sigmoid_losses"][-1] < r["sigmoid_losses"][0] / 5
    assert r["sigmoid_corners_right"] == 4
    files_exist(r, tmp_path, "activations.png")
    assert png_width(tmp_path / "activations.png") >= 1200


def test_guests(tmp_path: Path) -> None:
    r = demos.load("guests").run(quick=True, out=tmp_path)
    # (Agatha, Dahlia, Stiffy) in binary order: nobody, S, D, D+S, A, A+S, A+D, A+D+S
    assert r["targets"] == pytest.approx([1.0, 1.5, 3.0, 4.3, 0.0, 0.0, 0.0, 0.0])
    assert r["predictions"] == pytest.approx(r["targets"], abs=0.1)
    assert r["loss"] < 1e-3
    # the article's hand-set network traced for Dahlia + Stiffy: n2 = 1.4, 0.5 + 2.8 + 1
    assert r["traced_hidden"] == pytest.approx((1.0, 1.4, 0.0))
    assert r["traced_output"] == pytest.approx(4.3)
    first = r["first_pass"]  # one backward pass from random weights, checked by hand
    assert first["any_nonzero_grad"]
    assert first["max_check_error"] < 1e-12
    assert first["loss_after"] < first["loss_before"]
    ledger = r["ledger"]
    assert ledger[0].name == "loss" and ledger.grad_of("bottles") == pytest.approx(
        ledger.grad_of("s"))
    files_exist(r, tmp_path, "network_graph.svg", "untrained_graph.svg")
    svg = (tmp_path / "network_graph.svg").read_text()
    assert "h1.Agatha" in svg and "bottles" in svg and "h1 = relu(z1)" in svg


def test_perceptron(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the expected XOR warning stays inside
        r = demos.load("perceptron").run(quick=True, out=tmp_path)
    assert r["weighted_sum"] == pytest.approx(0.67)
    assert r["output"] == 1
    assert r["output_with_bias"] == 1
    assert r["step_gradients_zero"]  # explain shows the step's zero derivative
    assert r["converged"] == {"AND": True, "OR": True, "XOR": False}
    files_exist(r, tmp_path, "perceptron.png")


def test_xor(tmp_path: Path) -> None:
    r = demos.load("xor").run(quick=True, out=tmp_path)
    assert r["accuracy_221"] == 1.0
    assert r["accuracy_241"] == 1.0
    assert len(r["hidden_gates_221"]) == 2
    files_exist(r, tmp_path, "xor.png")


def test_scalar_moons(tmp_path: Path) -> None:
    r = demos.load("scalar_moons").run(quick=True, out=tmp_path)
    assert r["accuracy"] > 0.95
    assert r["history"][-1][0] < r["history"][0][0]
    files_exist(r, tmp_path, "decision_boundary.png")


def test_digits(tmp_path: Path) -> None:
    r = demos.load("digits").run(quick=True, out=tmp_path)
    assert r["accuracy"] > 0.90
    assert r["confusion"].sum() == 360
    # the compiled step replayed (no fallback) and stayed bit-identical to the eager one
    assert r["compiled"]["eager_reason"] is None and r["compiled"]["identical"]
    assert r["compiled"]["compiled_s"] > 0 and r["compiled"]["eager_s"] > 0
    # the default compile fused the step, and its model stayed within rounding of eager's
    assert r["compiled"]["fused"] and 0 <= r["compiled"]["fused_drift"] < 1e-5
    files_exist(r, tmp_path, "digits.png", "training.png")


def test_animals(tmp_path: Path) -> None:
    r = demos.load("animals").run(quick=True, out=tmp_path)
    assert r["accuracy"] == 1.0
    # AND is linearly separable: a softmax with no hidden layer gets there too
    assert r["linear_accuracy"] == 1.0
    # no single feature identifies a dog; the combination does
    assert r["dogs_among"]["four legs"] < 0.8
    assert r["dogs_among"]["warm blood"] < 0.8
    assert r["dogs_among"]["both"] == 1.0
    # the chosen hidden neuron separates dogs from both other animals
    by_animal, best = r["hidden_by_animal"], r["and_neuron"]
    assert r["and_contrast"] > 0.2
    dog, lizard, dolphin = by_animal[:, best]
    assert (dog > lizard and dog > dolphin) or (dog < lizard and dog < dolphin)
    files_exist(r, tmp_path, "animals.png")


def test_optimizers(tmp_path: Path) -> None:
    r = demos.load("optimizers").run(quick=True, out=tmp_path)
    final = r["final_loss"]
    assert set(final) == {"SGD", "SGD + momentum", "Adagrad", "RMSprop", "Adam"}
    assert all(v < 12.5 for v in final.values())  # everyone went downhill from the start
    assert final["SGD + momentum"] < final["SGD"]
    assert final["Adam"] < final["SGD"]
    files_exist(r, tmp_path, "optimizers.png")


def test_moons_engines_agree(tmp_path: Path) -> None:
    r = demos.load("moons").run(quick=True, out=tmp_path)
    assert r["max_loss_difference"] < 1e-9
    assert r["scalar_losses"] == pytest.approx(r["tensor_losses"], abs=1e-9)
    assert r["scalar_accuracy"] == r["tensor_accuracy"]
    assert r["scalar_losses"][-1] < r["scalar_losses"][0]
    assert r["tensor_ms_per_step"] < r["scalar_ms_per_step"]
    assert r["compiled"]["eager_reason"] is None and r["compiled"]["identical"]
    files_exist(r, tmp_path, "moons.png")


def test_gradients_vanish_with_sigmoid(tmp_path: Path) -> None:
    r = demos.load("gradients").run(quick=True, out=tmp_path)
    assert r["sigmoid_first_over_last"] < 1e-2
    assert r["relu_first_over_last"] > 0.05
    assert r["sigmoid_norms"][0] < r["relu_norms"][0]
    files_exist(r, tmp_path, "flow_sigmoid.svg", "flow_relu.svg", "gradients.png")


def test_tour(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = demos.load("tour").run(quick=True, out=tmp_path)
    assert r["results"]["perceptron"]["weighted_sum"] == pytest.approx(0.67)
    assert abs(r["results"]["wine"]["A"] - 0.667) < 0.01
    assert list(demos.DEMOS[:5]) == [name for name, _, _ in demos.load("tour").STOPS]
    assert r["results"]["xor"]["accuracy_221"] == 1.0
    assert any(f.suffix == ".svg" for f in r["files"])  # a real network's graph
    assert all(f.exists() for f in r["files"])
    printed = capsys.readouterr().out
    assert f"wrote {len(r['files'])} files" in printed


def test_sgd_is_noisy_and_full_batch_smooth(tmp_path: Path) -> None:
    r = demos.load("sgd").run(quick=True, out=tmp_path)
    assert r["ups_full"] == 0  # full batch: downhill at every step
    assert r["ups_minibatch"] >= 5  # minibatches: some steps go up
    assert r["full_losses"][-1] < 1.2 * r["noise_floor"]
    assert r["minibatch_losses"][-1] < r["minibatch_losses"][0] / 10
    files_exist(r, tmp_path, "sgd.png")


def test_approximation_improves_with_width(tmp_path: Path) -> None:
    r = demos.load("approximation").run(quick=True, out=tmp_path)
    e = r["errors"]
    assert e[50] < e[10] < e[1]
    assert e[50] < 0.05 and e[1] > 0.3  # one ReLU is a bent line; 50 follow the curve
    files_exist(r, tmp_path, "approximation.png")


def test_more_data_and_overfitting(tmp_path: Path) -> None:
    r = demos.load("more_data").run(quick=True, out=tmp_path)
    acc = r["accuracy"]
    assert acc[1437] > acc[100] > acc[25]
    assert acc[1437] > 0.9
    train_end, test_end = r["curve"][-1][1:]
    assert train_end < 0.05 and test_end > 10 * train_end  # learnt by heart, not in general
    files_exist(r, tmp_path, "more_data.png")


def test_rnn_memory_gradient_vanishes(tmp_path: Path) -> None:
    r = demos.load("rnn_memory").run(quick=True, out=tmp_path)
    assert sum(r["losses"][-10:]) / 10 < r["losses"][0] / 20
    assert r["ratio_20_back"] < 1e-2
    assert r["per_step_factor"] < 1.0
    files_exist(r, tmp_path, "rnn_memory.png")
