"""rnn_memory: a recurrent network's hidden state over time, and why its memory is short.

An RNN reads a sequence one step at a time and carries a hidden state from step to step:
h_t = tanh(x_t W_ih^T + h_(t-1) W_hh^T + b). Trained to predict the next value of a wave,
its hidden state over one sequence is drawn as a heat map. Then backpropagation through
time: how much the last prediction depends on each earlier input. The gradient shrinks on
its way back, by a factor at every step (the vanishing gradient), which is why plain RNNs
remember only the recent past and LSTMs were invented.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "an RNN's hidden state as a heat map, and the gradient vanishing back through time"
IMAGE = "rnn_memory.png"
HIDDEN = 16
LENGTH = 40


def waves(n: int, rng: np.random.Generator) -> np.ndarray:
    """n sine waves of random phase and frequency, LENGTH + 1 steps each: (n, LENGTH + 1, 1)."""
    t = np.arange(LENGTH + 1)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    freq = rng.uniform(0.15, 0.35, (n, 1))
    return np.sin(freq * t + phase).astype(np.float32)[..., None]


class Predictor(nn.Module):
    def __init__(self) -> None:
        self.rnn = nn.RNN(1, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        states, _ = self.rnn(x)
        return self.head(states), states


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("rnn_memory", out)
    heading("rnn_memory: a network with a state")
    autograd.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Predictor()
    steps = 150 if quick else 400
    say(f"""
        The task: read a sine wave (random phase and speed) one value at a time and predict
        the next value. The model: an RNN with {HIDDEN} tanh hidden units and a linear
        read-out at every step; Adam, {steps} steps of 32 waves of {LENGTH} steps.
        """)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    losses = []
    for step in range(steps):
        w = waves(32, rng)
        pred, _ = model(Tensor(w[:, :-1]))
        loss = loss_fn(pred, Tensor(w[:, 1:]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if (step + 1) % max(1, steps // 5) == 0:
            print(f"  step {step + 1:4d}/{steps}   loss {np.mean(losses[-20:]):.5f}")
    print()
    one = waves(1, np.random.default_rng(seed + 1))
    x = Tensor(one[:, :-1], requires_grad=True)
    pred, states = model(x)
    pred[0, -1, 0].backward()  # the last prediction, back through time to every input
    sens = np.abs(x.grad.numpy()[0, :, 0])
    back = sens[::-1]  # back[k]: the input k steps before the last
    ratio = float(back[20] / back[0]) if back[0] > 0 else 0.0
    per_step = float(np.exp(np.mean(np.diff(np.log(back[:20] + 1e-30)))))
    hidden = states.numpy()[0].T  # (HIDDEN, LENGTH)
    k = int(back.argmax())
    most = (f"The latest input matters most ({back[0]:.3f})" if k == 0 else
            f"The input {k} steps back matters most ({back[k]:.3f}; the latest {back[0]:.3f})")
    say(f"""
        Trained: the mean squared error of the next-value guess fell from {losses[0]:.3f} to
        {np.mean(losses[-20:]):.5f}. The heat map shows the {HIDDEN} hidden units over one
        wave: the state the network carries from step to step, its only memory of what came
        before.
        """)
    say(f"""
        Backpropagation through time: the gradient of the last prediction with respect to
        each input. {most}; 20 steps back the
        gradient is {ratio:.1e} of that, shrinking by about x{per_step:.2f} per step on
        average. Each step back multiplies it by the recurrent weights and tanh's slope;
        when those shrink it, it vanishes exponentially, and what the network saw long ago
        barely moves its weights. LSTMs add a gated memory cell to carry gradients further.
        """)

    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.6),
                             gridspec_kw={"width_ratios": (1, 1.3, 1), "wspace": 0.4})
    ax = axes[0]
    t = np.arange(LENGTH)
    ax.plot(t, one[0, :-1, 0], label="input x_t")
    ax.plot(t, one[0, 1:, 0], color="#999", ls=":", label="next value (target)")
    ax.plot(t, pred.numpy()[0, :, 0], color="#d62728", lw=1, label="prediction")
    ax.set_xlabel("time step t")
    ax.set_ylabel("value")
    ax.set_title("one wave, and the RNN's guesses")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), ncol=2, fontsize=9)
    ax = axes[1]
    im = ax.imshow(hidden, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xlabel("time step t")
    ax.set_ylabel("hidden unit")
    ax.set_title("hidden state h_t (tanh, -1..1)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.colorbar(im, ax=ax, label="h value")
    ax = axes[2]
    ax.semilogy(np.arange(len(back)), back, "o-", ms=3)
    ax.set_xlabel("steps back from the last prediction")
    ax.set_ylabel("|d(last prediction)/d(x)| (log scale)")
    ax.set_title("the gradient vanishing back through time")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle("rnn_memory: the hidden state over time, and how far back it remembers")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {"losses": losses, "sensitivity_back": back, "ratio_20_back": ratio,
            "per_step_factor": per_step, "files": outputs.files}
