"""One-click lessons: each is a setup (as a share link would carry it) with a few plain sentences.

A lesson's ``settings`` are JSON data validated by ``app.links.settings_from_json``, exactly like a
link, so a lesson can never hold a value the controls would refuse.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    text: str  # 2–4 sentences: the idea
    notice: str  # what to look at
    settings: dict = field(default_factory=dict)


def _run(optimizer: str, color: str, options: dict | None = None, **hp) -> dict:
    run = {"optimizer": optimizer, "hp": hp, "color": color}
    return {**run, "options": options} if options else run


RED, ORANGE, PINK, CYAN = "#ff3b30", "#ff9f0a", "#ff2dd1", "#00d5ff"

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "update-rule",
        "The update rule, step by step",
        "Gradient descent repeats one rule: w ← w − α·∂L/∂w. On L = x² the slope is ∂L/∂x = 2x, so "
        "with α = 0.1 every step multiplies x by 1 − 2·0.1 = 0.8.",
        "Step with → and read the numbers: from 5.0 the ball goes to 4.0, 3.2, 2.56 … each step is "
        "smaller because the slope is smaller.",
        {
            "inspect": True,  # the numbers of the step are what this lesson reads
            "surface": "bowl",
            "start": [5.0, 0.0],
            "steps": 20,
            "mode": "explore",
            "step": 0,
            "runs": [_run("sgd", RED, lr=0.1)],
            "loss_log": False,
        },
    ),
    Lesson(
        "learning-rate",
        "Learning rate: too small, right, too large",
        "The learning rate α sets the step length. Too small and the ball crawls; too large and it "
        "overshoots the bottom, bounces from wall to wall, and finally flies off. On x² + y² the "
        "curvature is 2, so α must stay below 2/2 = 1.",
        "Compare the four panels: 0.02 crawls, 0.3 glides in, 0.9 zig-zags, 1.1 diverges.",
        {
            "surface": "bowl",
            "start": [2.5, 2.0],
            "steps": 40,
            "mode": "compare",
            "compare": _run("sgd", RED),
            "compare_lrs": "0.02, 0.3, 0.9, 1.1",
        },
    ),
    Lesson(
        "fitting-a-line",
        "Fitting a line, step by step",
        "Each point of the loss surface is a line t = w·a + b: the ball's position is the slope w and "
        "the intercept b, and the Model panel draws that line over the 40 data points. Each step of "
        "mini-batch SGD looks at 8 of them (ringed), averages their gradients, and moves (w, b) "
        "downhill.",
        "Step with → and watch the line swing into place as the ball rolls down the tilted valley; the "
        "ringed points change every step, so each step pulls the line a slightly different way.",
        {
            "surface": "linear_regression",
            "steps": 60,
            "mode": "explore",
            "step": 0,
            "loss_log": False,
            "runs": [_run("sgd", RED, {"batch_size": 8, "seed": 1}, lr=0.1)],
        },
    ),
    Lesson(
        "batches",
        "Batch, mini-batch and stochastic gradients",
        "Here the loss is the mean squared error of a line w·a + b fitted to 40 points. The full-batch "
        "gradient averages all 40 examples; a mini-batch uses 8 of them, stochastic gradient descent just "
        "one, drawn afresh each step. Fewer examples make each step cheaper but noisier.",
        "The full batch glides along a smooth path; the mini-batch wobbles a little; one example at a time "
        "jitters around the minimum and never quite settles. The Model panel rings the examples of the "
        "inspected run's batch (or the first batched run's) at each step.",
        {
            "surface": "linear_regression",
            "steps": 100,
            "mode": "explore",
            "runs": [
                _run("sgd", CYAN, lr=0.1),
                _run("sgd", ORANGE, {"batch_size": 8, "seed": 1}, lr=0.1),
                _run("sgd", RED, {"batch_size": 1, "seed": 1}, lr=0.1),
            ],
        },
    ),
    Lesson(
        "momentum",
        "Momentum in a ravine",
        "In a long narrow valley the gradient points mostly across the valley, not along it, so plain "
        "gradient descent zig-zags and crawls. Momentum adds up past steps: the zig-zags cancel and the "
        "steps along the valley add up.",
        "Same learning rate for all three: SGD is still far away after 100 steps; momentum and "
        "Nesterov's look-ahead reach the bottom.",
        {
            "inspect": True,  # the numbers of the step are what this lesson reads
            "surface": "ravine",
            "steps": 100,
            "mode": "explore",
            "runs": [
                _run("sgd", RED, lr=0.05),
                _run("sgd", ORANGE, lr=0.05, momentum=0.9),
                _run("sgd", CYAN, lr=0.05, momentum=0.9, nesterov=True),
            ],
        },
    ),
    Lesson(
        "adaptive",
        "AdaGrad, RMSProp and Adam on Rosenbrock",
        "Adaptive methods divide each step by a running size of the gradient, so every direction moves "
        "at a similar pace. AdaGrad sums all past squared gradients (its steps only shrink); RMSProp "
        "forgets old ones; Adam adds momentum on top.",
        "AdaGrad slows down early, RMSProp keeps a steady pace, Adam rolls furthest down the banana "
        "valley towards (1, 1).",
        {
            "surface": "rosenbrock",
            "steps": 300,
            "mode": "explore",
            "runs": [
                _run("adagrad", RED, lr=0.5),
                _run("rmsprop", ORANGE, lr=0.01),
                _run("adam", CYAN, lr=0.1),
            ],
        },
    ),
    Lesson(
        "sign-only",
        "Only the sign: Rprop and Lion",
        "SGD's step is the slope times the learning rate, so on the flat floor of a ravine it crawls. "
        "Rprop and Lion look only at the sign of each slope: Lion moves every coordinate by exactly the "
        "learning rate each step; Rprop gives each coordinate its own step, growing it ×1.2 while the "
        "sign holds and halving it when the sign flips.",
        "After 40 steps Rprop sits in the centre; SGD is still far out on the floor; Lion marches at a "
        "constant pace and then zig-zags around the minimum, a learning rate at a time.",
        {
            "surface": "ravine",
            "steps": 150,
            "mode": "explore",
            "runs": [_run("sgd", RED, lr=0.05), _run("rprop", ORANGE, lr=0.05), _run("lion", CYAN, lr=0.05)],
        },
    ),
    Lesson(
        "lbfgs",
        "L-BFGS: curvature from the path so far",
        "L-BFGS remembers its last steps and how the gradient changed along them, and from these "
        "pairs builds an estimate of the curvature (the inverse Hessian) without ever computing it. "
        "Each of its steps is several iterations, each with a line search along the estimated "
        "Newton direction: the extra points it evaluates are its sub-steps.",
        "L-BFGS reaches (1, 1) within 10 steps, about five evaluations each; SGD with momentum is still "
        "on its way along the banana valley after 30.",
        {
            "inspect": True,  # the numbers of the step are what this lesson reads
            "surface": "rosenbrock",
            "steps": 30,
            "mode": "explore",
            "runs": [
                _run("sgd", RED, lr=0.002, momentum=0.9),
                _run("lbfgs", CYAN, max_iter=5, line_search_fn="strong_wolfe"),
            ],
        },
    ),
    Lesson(
        "schedule-free",
        "Schedule-free: no schedule needed",
        "With noisy gradients a constant learning rate keeps SGD jumping around the minimum, and a "
        "schedule that lowers it calms the run down. Schedule-Free SGD keeps the rate constant and "
        "averages instead: z takes plain SGD steps, x is the running average of the z's, and the "
        "gradient is taken at y, between them (the step inspector shows z and x).",
        "Over the last 50 steps constant-rate SGD's loss jitters about twenty times more than the "
        "schedule-free run's, which is as calm as cosine annealing without any schedule.",
        {
            "inspect": True,  # the numbers of the step are what this lesson reads
            "surface": "linear_regression",
            "steps": 200,
            "mode": "explore",
            "runs": [
                _run("sgd", RED, {"batch_size": 1, "seed": 1}, lr=0.1),
                _run("sgd", ORANGE, {"batch_size": 1, "seed": 1, "scheduler": "cosineannealinglr"}, lr=0.1),
                _run("sgdschedulefree", CYAN, {"batch_size": 1, "seed": 1}, lr=0.1),
            ],
        },
    ),
    Lesson(
        "local-minima",
        "Local minima",
        "A loss can have several valleys. Gradient descent stops in the first one it rolls into, "
        "even if another valley is deeper; momentum can carry the ball over the ridge.",
        "Plain SGD settles in the shallow right valley; with momentum the ball crosses into the deeper "
        "left one (compare the final losses).",
        {
            "surface": "two_valleys",
            "steps": 150,
            "mode": "explore",
            "runs": [_run("sgd", RED, lr=0.05), _run("sgd", ORANGE, lr=0.05, momentum=0.9)],
        },
    ),
    Lesson(
        "saddle-points",
        "Saddle points",
        "At a saddle the gradient is zero, but it is not a minimum: the surface curves up one way and "
        "down the other. Started almost exactly on the ridge, gradient descent slows to a crawl near the "
        "saddle before it slides off.",
        "SGD hesitates near the centre for many steps; Adam, which rescales tiny gradients, escapes "
        "much sooner. This surface has no minimum, so both runs end by sliding away.",
        {
            "surface": "saddle",
            "start": [1.8, 0.001],
            "steps": 80,
            "mode": "explore",
            "loss_log": False,
            "runs": [_run("sgd", RED, lr=0.05), _run("adam", CYAN, lr=0.05)],
        },
    ),
    Lesson(
        "schedules",
        "Learning-rate schedules",
        "With noisy gradients a constant learning rate keeps the ball jumping around the minimum. A "
        "schedule lowers the rate as training goes on: StepLR cuts it in steps, cosine annealing lowers "
        "it smoothly to zero. Open a run's settings to see its rate against the step.",
        "All three start alike; after step 50 the scheduled runs calm down near the minimum while the "
        "constant rate keeps jittering (see the loss curves).",
        {
            "surface": "linear_regression",
            "steps": 200,
            "mode": "explore",
            "runs": [
                _run("sgd", RED, {"batch_size": 1, "seed": 1}, lr=0.1),
                _run(
                    "sgd",
                    ORANGE,
                    {
                        "batch_size": 1,
                        "seed": 1,
                        "scheduler": "steplr",
                        "scheduler_options": {"step_size": 50, "gamma": 0.3},
                    },
                    lr=0.1,
                ),
                _run("sgd", CYAN, {"batch_size": 1, "seed": 1, "scheduler": "cosineannealinglr"}, lr=0.1),
            ],
        },
    ),
    Lesson(
        "logistic-regression",
        "Logistic regression",
        "A classifier's loss: the mean cross-entropy of p = σ(w₁·a₁ + w₂·a₂) on 40 labelled points. "
        "The surface is a smooth, bent valley that flattens out far from the data, where the sigmoid "
        "saturates and the gradient almost vanishes.",
        "Plain SGD needs a large rate to make progress on the flat part; Adam's normalised steps move at "
        "an even pace. Both end at the same weights: in the Model panel both decision boundaries turn to "
        "the same line, over the inspected run's P(class 1) shading.",
        {
            "surface": "logistic_regression",
            "steps": 100,
            "mode": "explore",
            "runs": [_run("sgd", RED, lr=2.0), _run("adam", CYAN, lr=0.1)],
        },
    ),
    Lesson(
        "network-moons",
        "A neural network's loss landscape",
        "A network with two hidden layers of 16 tanh units (337 weights) learns to separate two "
        "interleaved half moons. Three copies train from the same initial weights with Adam, one per "
        "learning rate; below, the loss landscape is sliced by a random plane and by the plane of the path.",
        "Scrub the step slider: the boundary bends into an S as the loss falls; the PCA plane holds almost "
        "all of the path, the random plane almost none of it.",
        {"mode": "networks"},
    ),
    Lesson(
        "network-adam-vs-sgd",
        "Why Adam trains this network faster than SGD",
        "Plain SGD moves every weight by α times its gradient. In a tanh network many gradients are tiny "
        "(saturated units, weights far from the output), so at a rate that keeps the large ones stable the "
        "small ones barely move. Adam divides each weight's step by the running size of its own gradient: "
        "every weight moves about α per step, whatever the scale of its gradient.",
        "Three SGD networks at 0.01, 0.1 and 1 reach a training loss of about 0.43, 0.28 and 0.05 in 300 "
        "steps. Now pick Adam in the card, type 0.01 as the learning rate and press Train: about 0.04, "
        "below SGD at a rate a hundred times larger.",
        {
            "mode": "networks",
            "networks": {"lrs": "0.01, 0.1, 1.0", "steps": 300, "run": {"optimizer": "sgd"}},
        },
    ),
    Lesson(
        "network-learning-rate",
        "The learning rate on a real network",
        "The same network from the same initial weights, trained by SGD at four learning rates a factor "
        "ten apart. As on a bowl, too small crawls and too large blows up; in between, a larger rate is "
        "faster, until the steps overshoot the valleys of a 337-dimensional landscape.",
        "After 300 steps: 0.03 is still near the start (loss 0.30), 0.3 learns the moons smoothly (0.08), "
        "3 learns them too but in bumps (its loss ends below 0.1), and 30 jumps to a loss of about 70, a "
        "boundary that no longer follows the data.",
        {
            "mode": "networks",
            "networks": {"lrs": "0.03, 0.3, 3.0, 30.0", "steps": 300, "run": {"optimizer": "sgd"}},
        },
    ),
    Lesson(
        "network-mini-batches",
        "Mini-batches on a real network",
        "Each step here uses the gradient of 8 of the 200 training points, drawn at random (seed 0), not "
        "of all of them: 25 times less work per step, and a noisy estimate of the true gradient. The loss "
        "still falls, but it jitters, and it settles higher at a fixed learning rate.",
        "Look at the jagged loss curves, then clear the batch size in the card (More settings) and press "
        "Train: the full-batch curves are smooth, and at 0.01 Adam ends near 0.04 instead of 0.13.",
        {
            "mode": "networks",
            "networks": {
                "lrs": "0.003, 0.01, 0.03",
                "steps": 300,
                "run": {"optimizer": "adam", "options": {"batch_size": 8, "seed": 0}},
            },
        },
    ),
    Lesson(
        "recommender",
        "A recommender learns your taste",
        "Ten users rated some of twelve items: 53 of the 120 ratings are known (the ? are missing). The "
        "model gives each user and each item two numbers, their tastes, and predicts a rating as their "
        "dot product: U Vᵀ. Training fits only the known ratings, yet U Vᵀ fills in every entry, because "
        "the tastes it learns from the known ones also say what each user thinks of the items they never "
        "rated. The second panel shows the hidden tastes the ratings were drawn from, for comparison.",
        "Scrub or play: the entries marked ○ fill in. After 400 SGD steps the known ratings are fitted to "
        "about the noise (a loss of 0.009, 0.004 and 0.003 at 0.1, 0.3 and 1), and the missing ones, "
        "never seen, are off by a mean square of 0.09, 0.04 and 0.03, down from 0.39. Type 15 as the "
        "known % and press Train: the known ratings are fitted better still, but the missing ones stay "
        "near 0.13: too few ratings to learn the tastes from.",
        {
            "mode": "networks",
            "networks": {
                "model": "recommender",
                "users": 10,
                "items": 12,
                "known": 40,
                "lrs": "0.1, 0.3, 1.0",
                "steps": 400,
                "run": {"optimizer": "sgd"},
            },
        },
    ),
)


def names() -> list[str]:
    return [lesson.name for lesson in LESSONS]


def get(name: str) -> Lesson:
    for lesson in LESSONS:
        if lesson.name == name:
            return lesson
    raise ValueError(f"Unknown lesson {reprlib.repr(name)}; choose one of: {', '.join(names())}")
