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
from demos import Outputs, eta, heading, pyplot, say

DESCRIPTION = "an LSTM reads 'Jack is 12. Jane is 10. Kate is older than Jane ...' and answers"
IMAGE = "ages.png"

NAMES = ["Jack", "Jane", "Kate", "Tom", "Anna", "Ben", "Lucy", "Omar", "Mia", "Ravi", "Zoe",
         "Leo", "Ines", "Yuki", "Sam", "Nora", "Ali", "Eva", "Max", "Ada"]
WORDS = ["is", ".", "older", "younger", "than", "and", "How", "old", "?", "a", "year", "both",
         "of", "them"]
MIN_AGE, MAX_AGE = 2, 60  # the younger stated age
GAPS = (2, 3, 4)  # years between the two stated ages ("between" puzzles: always 2)
LOW, HIGH = MIN_AGE - 1, MAX_AGE + max(GAPS) + 1  # every age a sentence can hold
VOCAB = NAMES + WORDS + [str(a) for a in range(LOW, HIGH + 1)]
INDEX = {w: i for i, w in enumerate(VOCAB)}
N_CLASSES = HIGH - LOW + 1
KINDS = ("between", "older than both", "younger than both")
# (the older person's fact first?, the "older than" clause first?); the last one is held out
PHRASINGS = ((True, True), (True, False), (False, True), (False, False))
HELD_OUT = PHRASINGS[-1]


def sentence(rng: np.random.Generator, max_age: int = MAX_AGE,
             phrasing: tuple[bool, bool] | None = None, kind: str | None = None,
             ) -> tuple[list[str], int]:
    """One random puzzle and its answer.

    Two ages are stated, in either order, and a third person is "older than <the younger>
    and younger than <the older>" (the article's puzzle: the two ages are 2 apart, so the
    answer is the one between), or "a year older than both of them", or "a year younger
    than both of them" (the two ages 2-4 apart). So the answer is the middle, the larger + 1
    or the smaller - 1 depending on the words, not on the numbers alone.
    """
    old, young, middle = (str(n) for n in rng.choice(NAMES, size=3, replace=False))
    if kind is None:
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
    if phrasing is None:
        choices = PHRASINGS if kind != "between" else PHRASINGS[:-1]  # never the held-out
        phrasing = choices[int(rng.integers(0, len(choices)))]
    low = int(rng.integers(MIN_AGE, max_age + 1))
    high = low + (2 if kind == "between" else int(rng.choice(GAPS)))
    facts = [[old, "is", str(high), "."], [young, "is", str(low), "."]]
    if not phrasing[0]:
        facts.reverse()
    if kind == "between":
        clauses = [["older", "than", young], ["younger", "than", old]]
        if not phrasing[1]:
            clauses.reverse()
        relation = clauses[0] + ["and"] + clauses[1]
        answer = low + 1
    elif kind == "older than both":
        relation, answer = ["a", "year", "older", "than", "both", "of", "them"], high + 1
    else:
        relation, answer = ["a", "year", "younger", "than", "both", "of", "them"], low - 1
    words = facts[0] + facts[1] + [middle, "is"] + relation + \
        [".", "How", "old", "is", middle, "?"]
    return words, answer


def encode(texts: list[list[str]]) -> np.ndarray:
    return np.array([[INDEX[w] for w in t] for t in texts], dtype=np.int64)


def dataset(n: int, rng: np.random.Generator, max_age: int = MAX_AGE,
            phrasing: tuple[bool, bool] | None = None, kind: str | None = None,
            ) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """n puzzles as token ids (n, 23), answers as class ids (age - LOW), and the words."""
    texts, ages = zip(*(sentence(rng, max_age, phrasing, kind) for _ in range(n)))
    return encode(list(texts)), np.array(ages, dtype=np.int64) - LOW, list(texts)


def baselines(texts: list[list[str]], answers: np.ndarray) -> dict[str, float]:
    """Accuracy of answers that ignore the question: always the middle of the two stated ages,
    and always the first stated age."""
    middle = np.array([(int(t[2]) + int(t[6])) // 2 for t in texts]) - LOW
    first = np.array([int(t[2]) for t in texts]) - LOW
    return {"always the middle age": float(np.mean(middle == answers)),
            "always the first age stated": float(np.mean(first == answers))}


class Reader(nn.Module):
    """Embedding -> LSTM -> linear layer on the mean of its states -> one score per age.

    Reading from the mean of all states rather than only the last one gives every word a
    short path to the answer, which cuts the plateau at the start of training several-fold.
    """

    def __init__(self, embed: int = 32, hidden: int = 128) -> None:
        self.embed = nn.Embedding(len(VOCAB), embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, N_CLASSES)

    def forward(self, ids: np.ndarray) -> Tensor:
        states, _ = self.lstm(self.embed(ids))
        return self.head(states.mean(axis=1))


def accuracy(model: Reader, ids: np.ndarray, answers: np.ndarray) -> tuple[float, np.ndarray]:
    with autograd.no_grad():
        pred = model(ids).numpy().argmax(axis=1)
    return float(np.mean(pred == answers)), pred


def answer(model: Reader, words: list[str]) -> int:
    with autograd.no_grad():
        return int(model(encode([words])).numpy().argmax()) + LOW


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("ages", out)
    heading("ages: reading comprehension from examples alone")
    autograd.manual_seed(seed)
    rng = np.random.default_rng(seed)
    # quick: middle ages up to 12 only (13 answers instead of 61), a few seconds of training
    n_train, steps, max_age = (3000, 300, 12) if quick else (20000, 1000, MAX_AGE)
    train_ids, train_y, train_text = dataset(n_train, rng, max_age)
    test_ids, test_y, test_text = dataset(1000, rng, max_age)
    new_ids, new_y, new_text = dataset(500, rng, max_age, phrasing=HELD_OUT, kind="between")
    model = Reader(hidden=64 if quick else 128)
    say(f"""
        The ages puzzle (from the Introduction to Neural Networks article): "Jack is 12.
        Jane is 10. Kate is older than Jane and younger than Jack. How old is Kate?" Made-up
        puzzles like it, with random names and ages and the two facts in either order, of
        three kinds: the article's (the third person is between the two, whose ages are 2
        apart, the two clauses in either order), "a year older than both of them" and "a year
        younger than both of them" (ages 2 to 4 apart). The answer is the middle age, the
        larger + 1 or the smaller - 1: the words decide, not the numbers alone. {n_train}
        puzzles for training, 1000 new ones held out, and 500 in a phrasing never seen in
        training (the younger person's fact first and the "younger than" clause first),
        e.g.: "{' '.join(new_text[0])}" (answer
        {new_y[0] + LOW}). The network: an Embedding of each word, an LSTM reading
        left to right, a linear layer from the mean of its states to the possible answers;
        {model.num_parameters()} weights. Adam, batches of 64, {steps} steps.
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
            print(f"  step {step + 1:5d}/{steps}   loss {np.mean(losses[-50:]):.3f}   "
                  f"held-out accuracy {acc:.1%}   {eta(start, step + 1, steps)}")
    seconds = time.perf_counter() - start
    test_acc, pred = accuracy(model, test_ids, test_y)
    new_acc, _ = accuracy(model, new_ids, new_y)
    base = baselines(test_text, test_y)
    by_kind = {}
    for kind in KINDS:
        k_ids, k_y, _ = dataset(300, rng, max_age, kind=kind)
        by_kind[kind], _ = accuracy(model, k_ids, k_y)
    print()
    print("  Some held-out puzzles:")
    for i in range(6):
        mark = "right" if pred[i] == test_y[i] else f"wrong, it is {test_y[i] + LOW}"
        print(f"    {' '.join(test_text[i])}  ->  {pred[i] + LOW}  ({mark})")
    article = "Jack is 12 . Jane is 10 . Kate is older than Jane and younger than Jack . " \
        "How old is Kate ?"
    article_answer = answer(model, article.split())
    above = answer(model, article.replace("older than Jane and younger than Jack",
                                          "a year older than both of them").split())
    tom = answer(model, article.replace("old is Kate", "old is Tom").split())
    print(f"\n  The article's sentence: {article}  ->  {article_answer}"
          f"  ({'right' if article_answer == 11 else 'wrong, it is 11'})")
    print(f"  Kate is a year older than both of them  ->  {above}"
          f"  ({'right' if above == 13 else 'wrong, it is 13'})")
    print(f"  The article's sentence asking about Tom (who is not in it)  ->  {tom}\n")
    print(f"  held-out accuracy {test_acc:.1%}; on the unseen phrasing {new_acc:.1%}")
    print("  by kind of puzzle: " + ", ".join(f"{k} {a:.0%}" for k, a in by_kind.items()))
    print("  answers that ignore the question: " +
          ", ".join(f"{k} {v:.0%}" for k, v in base.items()) + "\n")
    best_base = max(base.values())
    reads = test_acc > best_base + 0.2
    generalises = new_acc > best_base + 0.2
    say(f"""
        After {seconds:.0f} s of training: {test_acc:.1%} on held-out puzzles, where
        answering the middle age every time would score {base['always the middle age']:.0%}.
        {'So it does more than average the two numbers: it uses the words of the relation'
         ' to pick the middle, the larger + 1 or the smaller - 1.' if reads else
         'That is not clearly better than ignoring the words, so this run shows no sign of'
         ' it reading the relation.'}
        {f'On the phrasing it never saw it scores {new_acc:.1%}, so what it learnt carries'
         ' over to a new order of the same words.' if generalises else
         f'On the phrasing it never saw it scores only {new_acc:.1%}: what it learnt is tied'
         ' to the phrasings it was shown.'}
        For Tom, who is not in the sentence, it still answers {tom}: it has only seen questions
        with an answer, and it never checks that the name asked about is the
        one described. That is all these numbers show; they do not show it knows what
        "older" means beyond these sentences.
        """)

    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(1, 2, figsize=(13, 4.5))
    window = max(1, steps // 50)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax[0].plot(np.arange(len(smooth)) + window, smooth)
    ax[0].set_xlabel("step")
    ax[0].set_ylabel("training loss (cross-entropy)")
    ax[0].set_yscale("log")
    ax[0].set_title("training loss")
    ax[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    ax[1].plot([c[0] for c in checks], [c[1] for c in checks], marker="o", label="held out")
    ax[1].axhline(new_acc, color="#ff7f0e", ls="--", label=f"unseen phrasing ({new_acc:.0%})")
    ax[1].axhline(base["always the middle age"], color="#999", ls=":",
                  label="always the middle age")
    ax[1].set_xlabel("step")
    ax[1].set_ylabel("accuracy")
    ax[1].set_ylim(0, 1.02)
    ax[1].set_title("accuracy on puzzles it never trained on")
    ax[1].xaxis.set_major_locator(MaxNLocator(integer=True))
    ax[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(f"ages: an LSTM answers 'How old is ...?' ({test_acc:.1%} held out)")
    outputs.figure(fig, IMAGE)
    outputs.report()
    examples = [(" ".join(test_text[i]), int(pred[i]) + LOW,
                 int(test_y[i]) + LOW) for i in range(6)]
    return {"test_accuracy": test_acc, "unseen_phrasing_accuracy": new_acc,
            "baselines": base, "by_kind": by_kind, "article_answer": article_answer,
            "above_answer": above, "tom_answer": tom, "losses": losses, "steps": steps,
            "seconds": seconds, "examples": examples, "files": outputs.files}
