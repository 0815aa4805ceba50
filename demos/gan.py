"""gan: two networks play a game, and one of them learns to draw a ring of eight blobs.

A generative adversarial network: the generator turns random noise into points in the
plane; the discriminator sees real points (from eight Gaussians on a circle) and generated
ones and learns to tell them apart; the generator learns, through the discriminator's
gradient, to make points the discriminator takes for real. Neither is shown the ring.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from demos import Outputs, eta, heading, pyplot, say

DESCRIPTION = "a generator and a discriminator (two MLPs) learn a ring of eight Gaussians"
IMAGE = "gan.png"

MODES = 2.0 * np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], 1)
STD = 0.05
NOISE = 8


def real_points(n: int, rng: np.random.Generator) -> np.ndarray:
    return (MODES[rng.integers(0, 8, n)] + STD * rng.standard_normal((n, 2))).astype(np.float32)


def mlp(n_in: int, n_out: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, n_out))


def mode_counts(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which points lie within 4 std of a mode, and how many near each of the eight."""
    d = np.linalg.norm(points[:, None, :] - MODES[None], axis=2)
    near = d.min(axis=1) < 4 * STD
    return near, np.bincount(d.argmin(axis=1)[near], minlength=8)


def quality(points: np.ndarray) -> tuple[float, int]:
    """(share of points within 4 std of a mode, number of modes that got >= 2% of them)."""
    near, counts = mode_counts(points)
    return float(near.mean()), int(np.sum(counts >= 0.02 * len(points)))


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("gan", out)
    heading("gan: a generator and a discriminator learn a ring of eight Gaussians")
    autograd.manual_seed(seed)
    rng = np.random.default_rng(seed)
    steps, hidden, batch = (400, 128, 256) if quick else (3000, 128, 256)
    G, D = mlp(NOISE, 2, hidden), mlp(2, 1, hidden)
    say(f"""
        Real data: eight Gaussian blobs (std {STD}) on a circle of radius 2. The generator
        G maps {NOISE} standard-normal numbers to a point; the discriminator D maps a point
        to a logit, "real" vs "generated". Both are {hidden}-unit two-hidden-layer MLPs
        trained with Adam (lr 1e-3, beta1 0.5) for {steps} steps of {batch} real and
        {batch} generated points. D minimises the cross entropy of telling them apart; G
        minimises -log D(G(z)) (the non-saturating loss), so it is pushed towards wherever
        D thinks "real" lies.
        """)
    bce = nn.BCEWithLogitsLoss()
    opt_g = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    ones = np.ones((batch, 1), dtype=np.float32)
    zeros = np.zeros((batch, 1), dtype=np.float32)
    z_fixed = Tensor(rng.standard_normal((1000, NOISE)).astype(np.float32))
    snap_at = sorted({0, steps // 20, steps // 8, steps // 4, steps // 2, steps})
    snapshots, d_losses, g_losses = {}, [], []
    start = time.perf_counter()
    for step in range(steps + 1):
        if step in snap_at:
            with autograd.no_grad():
                snapshots[step] = G(z_fixed).numpy().copy()
        if step == steps:
            break
        # discriminator: real -> 1, generated -> 0 (the generator's output detached)
        fake = G(Tensor(rng.standard_normal((batch, NOISE)).astype(np.float32)))
        loss_d = bce(D(Tensor(real_points(batch, rng))), ones) + bce(D(fake.detach()), zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        # generator: make D say "real" for its points
        loss_g = bce(D(fake), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        d_losses.append(loss_d.item())
        g_losses.append(loss_g.item())
        if (step + 1) % max(1, steps // 6) == 0:
            share, modes = quality(G(z_fixed).numpy())
            print(f"  step {step + 1:5d}   D loss {np.mean(d_losses[-50:]):.3f}   G loss "
                  f"{np.mean(g_losses[-50:]):.3f}   near a mode {share:.0%}   modes {modes}/8"
                  f"   {eta(start, step + 1, steps)}")
    seconds = time.perf_counter() - start
    final = snapshots[steps]
    share, modes = quality(final)
    share0, modes0 = quality(snapshots[0])
    radius = float(np.median(np.linalg.norm(final, axis=1)))
    _, counts = mode_counts(final)
    shares = counts / len(final)
    covered = shares >= 0.02
    print("  share of generated points near each blob: "
          + "  ".join(f"{v:.0%}" for v in shares))
    print()
    if modes == 8:
        coverage = (f"All eight blobs are covered (each gets between {shares.min():.0%} and "
                    f"{shares.max():.0%} of the points; an even split would be "
                    f"{share / 8:.0%} each).")
    elif modes == 0:
        coverage = "No blob gets 2% of the points yet: G has not found the data."
    else:
        missed = ", ".join(str(i + 1) for i in np.flatnonzero(~covered))
        coverage = (f"{modes} of the 8 blobs are covered; blob(s) {missed} get less than 2% of "
                    "the points. That is mode dropping, the classic weakness of this game: "
                    "nothing in G's loss rewards covering every blob, only fooling D where D "
                    "looks.")
    if 0 < modes and share < 0.5:
        coverage += (f" Only {share:.0%} of the points are near any blob, so these counts are"
                     " from early in the game.")
    on_ring = abs(radius - 2.0) < 0.3
    say(f"""
        After {steps} steps ({seconds:.0f} s): {share:.0%} of generated points lie within 4 std
        of one of the blobs (at the start: {share0:.0%}); the median distance from the
        centre is {radius:.2f} (the ring's radius is 2{'' if on_ring else ': not on the ring yet'}).
        {coverage}
        """)
    d_end, g_end = float(np.mean(d_losses[-100:])), float(np.mean(g_losses[-100:]))
    if abs(d_end - 2 * np.log(2)) < 0.2:
        balance = "near that balance point"
    elif d_end < 2 * np.log(2):
        balance = "below the balance point, so D can still tell the two apart"
    else:
        balance = "above the balance point: G is fooling D more than chance"
    say(f"""
        The losses: if G's points were indistinguishable from real ones, the best D could do
        is answer 1/2 for every point, and its loss (the cross entropy on a real and on a
        generated batch, added) would be -log(1/2) - log(1/2) = 2 log 2 = {2 * np.log(2):.3f};
        G's loss, -log(1/2) = log 2 = {np.log(2):.3f}. The dashed lines mark those values.
        Here D's loss averaged {d_end:.3f} and G's {g_end:.3f} over the last 100 steps:
        {balance}.
        """)

    plt = pyplot()
    fig, axes = plt.subplots(1, len(snap_at), figsize=(2.7 * len(snap_at), 3.2), sharey=True)
    real = real_points(1000, np.random.default_rng(seed + 1))
    for ax, s in zip(axes, snap_at):
        ax.scatter(real[:, 0], real[:, 1], s=2, c="#bbbbbb")
        ax.scatter(snapshots[s][:, 0], snapshots[s][:, 1], s=2, c="C3")
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_title(f"step {s}", fontsize=9)
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    fig.suptitle(f"gan: generated points (red) over training, real data in grey; "
                 f"{modes} of 8 blobs covered")
    outputs.figure(fig, IMAGE)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    w = max(1, steps // 100)
    kernel = np.ones(w) / w
    xs = np.arange(len(d_losses) - w + 1) + w
    ax.plot(xs, np.convolve(d_losses, kernel, mode="valid"), label="discriminator loss")
    ax.plot(xs, np.convolve(g_losses, kernel, mode="valid"), label="generator loss")
    ax.axhline(2 * np.log(2), color="C0", lw=0.8, ls="--",
               label="2 log 2: D's loss when it can only guess 1/2")
    ax.axhline(np.log(2), color="C1", lw=0.8, ls="--", label="log 2: G's loss then")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (cross-entropy)")
    ax.set_title(f"gan: the two losses (mean over {w} steps)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    outputs.figure(fig, "gan_losses.png")
    outputs.report()
    return {"near_mode_share": share, "modes_covered": modes, "median_radius": radius,
            "near_mode_share_start": share0, "mode_shares": shares,
            "modes_covered_start": modes0, "d_losses": d_losses, "g_losses": g_losses,
            "seconds": seconds, "files": outputs.files}
