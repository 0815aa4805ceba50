"""ages: an LSTM learns to answer "How old is Kate?" without being taught the logic.

The classic example of what deep learning can do from examples alone: sentences like
"Jack is 12 . Jane is 10 . Kate is older than Jane and younger than Jack . How old is Kate ?"
(answer 11), made up with random names, ages and orders. The network reads the words one by
one (an Embedding, then an LSTM), and a linear layer on its last state picks the answer.
Nobody tells it that the answer sits between the two ages, or which names matter.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "an LSTM reads 'Jack is 12. Jane is 10. Kate is older than Jane and younger ...'"
IMAGE = "ages.png"

NAMES = ["Jack", "Jane", "Kate", "Tom", "Anna", "Ben", "Lucy", "Omar", "Mia", "Ravi", "Zoe",
         "Leo", "Ines", "Yuki", "Sam", "Nora", "Ali", "Eva", "Max", "Ada"]
WORDS = ["is", ".", "older", "younger", "than", "and", "How", "old", "?"]
MIN_AGE, MAX_AGE = 2, 60  # the answer's range; the two stated ages are one year either side
VOCAB = NAMES + WORDS + [str(a) for a in range(MIN_AGE - 1, MAX_AGE + 2)]
INDEX = {w: i for i, w in enumerate(VOCAB)}


def sentence(rng: np.random.Generator, max_age: int = MAX_AGE) -> tuple[list[str], int]:
    """One random puzzle and its answer (an age in MIN_AGE..max_age)."""
    old, young, asked = rng.choice(NAMES, size=3, replace=False)
    age = int(rng.integers(MIN_AGE, max_age + 1))
    facts = [[str(old), "is", str(age + 1), "."], [str(young), "is", str(age - 1), "."]]
    if rng.random() < 0.5:
        facts.reverse()
    clauses = [["older", "than", str(young)], ["younger", "than", str(old)]]
    if rng.random() < 0.5:
        clauses.reverse()
    words = facts[0] + facts[1] + [str(asked), "is"] + clauses[0] + ["and"] + clauses[1] + \
        [".", "How", "old", "is", str(asked), "?"]
    return words, age


def dataset(n: int, rng: np.random.Generator, max_age: int = MAX_AGE
            ) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """n puzzles as token ids (n, 23), answers as class ids (age - MIN_AGE), and the words."""
    texts, ages = zip(*(sentence(rng, max_age) for _ in range(n)))
    ids = np.array([[INDEX[w] for w in t] for t in texts], dtype=np.int64)
    return ids, np.array(ages, dtype=np.int64) - MIN_AGE, list(texts)


class Reader(nn.Module):
    """Embedding -> LSTM -> linear layer on the mean of its states -> one score per age.

    Reading from the mean of all states rather than only the last one gives every word a
    short path to the answer, which cuts the plateau at the start of training several-fold.
    """

    def __init__(self, embed: int = 32, hidden: int = 128) -> None:
        self.embed = nn.Embedding(len(VOCAB), embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, MAX_AGE - MIN_AGE + 1)

    def forward(self, ids: np.ndarray) -> Tensor:
        states, _ = self.lstm(self.embed(ids))
        return self.head(states.mean(axis=1))


def accuracy(model: Reader, ids: np.ndarray, answers: np.ndarray) -> tuple[float, np.ndarray]:
    with autograd.no_grad():
        pred = model(ids).numpy().argmax(axis=1)
    return float(np.mean(pred == answers)), pred


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("ages", out)
    heading("ages: reading comprehension from examples alone")
    autograd.manual_seed(seed)
    rng = np.random.default_rng(seed)
    # quick: ages up to 12 only (11 answers instead of 59) so a few seconds of training show it
    n_train, steps, max_age = (2000, 130, 12) if quick else (20000, 1000, MAX_AGE)
    train_ids, train_y, _ = dataset(n_train, rng, max_age)
    test_ids, test_y, test_text = dataset(1000, rng, max_age)
    model = Reader(hidden=64 if quick else 128)
    say(f"""
        {n_train} made-up puzzles for training and 1000 new ones held out, each {train_ids.shape[1]}
        words from a vocabulary of {len(VOCAB)} (names, numbers and a few words), e.g.:
        "{' '.join(test_text[0])}" (answer {test_y[0] + MIN_AGE}). The network: an Embedding of
        each word, an LSTM reading left to right, and a linear layer from the mean of its states to
        the {MAX_AGE - MIN_AGE + 1} possible answers (ages {MIN_AGE}..{max_age} occur);
        {model.num_parameters()} weights. Adam, batches of 64, {steps} steps, gradients
        clipped to norm 1.
        """)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=3e-3)
    losses, checks = [], []
    start = time.perf_counter()
    for step in range(steps):
        idx = rng.integers(0, n_train, 64)
        loss = loss_fn(model(train_ids[idx]), train_y[idx])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if (step + 1) % max(1, steps // 10) == 0:
            acc, _ = accuracy(model, test_ids, test_y)
            checks.append((step + 1, acc))
            print(f"  step {step + 1:5d}   loss {np.mean(losses[-50:]):.3f}   held-out accuracy "
                  f"{acc:.1%}")
    seconds = time.perf_counter() - start
    test_acc, pred = accuracy(model, test_ids, test_y)
    print()
    print("  Some held-out puzzles:")
    for i in range(6):
        mark = "right" if pred[i] == test_y[i] else f"wrong, it is {test_y[i] + MIN_AGE}"
        print(f"    {' '.join(test_text[i])}  ->  {pred[i] + MIN_AGE}  ({mark})")
    print()
    say(f"""
        Held-out accuracy {test_acc:.1%} after {seconds:.0f} s of training. The LSTM was
        never told what "older" or "than" mean, that numbers are ordered, or that the answer
        lies between the two ages: it found all of that in the examples.
        """)

    plt = pyplot()
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    window = max(1, steps // 50)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax[0].plot(smooth)
    ax[0].set_xlabel("step")
    ax[0].set_ylabel("training loss")
    ax[0].set_yscale("log")
    ax[1].plot([c[0] for c in checks], [c[1] for c in checks], marker="o")
    ax[1].set_xlabel("step")
    ax[1].set_ylabel("held-out accuracy")
    ax[1].set_ylim(0, 1.02)
    fig.suptitle(f"ages: an LSTM answers 'How old is ...?' ({test_acc:.1%} held out)")
    outputs.figure(fig, IMAGE)
    outputs.report()
    examples = [(" ".join(test_text[i]), int(pred[i]) + MIN_AGE, int(test_y[i]) + MIN_AGE)
                for i in range(6)]
    return {"test_accuracy": test_acc, "losses": losses, "steps": steps, "seconds": seconds,
            "examples": examples, "files": outputs.files}
