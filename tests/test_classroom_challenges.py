"""Classroom challenges, pure: parsing with short reasons, and results checked against the maths of
plain gradient descent on the bowl L = x² + y² (each step multiplies the point by 1 − 2·lr)."""

from __future__ import annotations

import math

import pytest

import optimizers
from app.classroom import challenges
from optimizers import budget

BOWL = {"kind": "target", "surface": "bowl", "start": [2.0, 1.0], "steps": 60, "target_loss": 1e-3}


def target(**changes) -> dict:
    return challenges.parse_challenge({**BOWL, **changes})


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3, 0.45])
def test_steps_to_target_and_final_loss_follow_the_closed_form(lr):
    challenge = target()
    attempt = challenges.parse_attempt(challenge, {"optimizer": "sgd", "hyperparameters": {"lr": lr}})
    result = challenges.result(challenge, attempt)
    first_loss = 2.0**2 + 1.0**2
    factor = (1 - 2 * lr) ** 2  # the loss shrinks by this each step
    expected_steps = math.ceil(math.log(1e-3 / first_loss) / math.log(factor))
    expected_steps = expected_steps if expected_steps <= 60 else None
    assert result["steps_to_target"] == expected_steps
    assert result["reached"] is (expected_steps is not None)
    assert result["final_loss"] == pytest.approx(first_loss * factor**60, rel=1e-9, abs=1e-300)
    assert not result["diverged"] and result["diverged_at"] is None
    assert result["path"][0] == [2.0, 1.0] and len(result["path"]) == 61


def test_a_diverging_run_says_so_and_keeps_only_valid_points():
    challenge = target(steps=500)
    attempt = challenges.parse_attempt(challenge, {"optimizer": "sgd", "hyperparameters": {"lr": 1.5}})
    result = challenges.result(challenge, attempt)
    engine = optimizers.run("bowl", "sgd", (2.0, 1.0), 500, lr=1.5)
    assert result["diverged"] and result["diverged_at"] == engine.diverged_at > 0
    assert result["final_loss"] is None and result["steps_to_target"] is None
    assert len(result["path"]) == engine.diverged_at and all(
        math.isfinite(v) for p in result["path"] for v in p
    )
    assert challenge["lr_limit"] == pytest.approx(1.0)  # 2/λ_max with λ_max = 2


def test_long_paths_are_thinned_but_keep_start_and_end():
    challenge = target(steps=1000)
    attempt = challenges.parse_attempt(challenge, {"optimizer": "adam", "hyperparameters": {"lr": 0.01}})
    result = challenges.result(challenge, attempt)
    engine = optimizers.run("bowl", "adam", (2.0, 1.0), 1000, lr=0.01)
    assert len(result["path"]) == challenges.PATH_POINTS
    assert result["path"][-1] == pytest.approx(list(engine.points[-1]), rel=1e-5)
    assert result["final_loss"] == engine.losses[-1]


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        ({"optimizer": "sgd", "hyperparameters": {"lr": -1}}, "Invalid learning rate"),
        ({"optimizer": "sgd", "hyperparameters": {"lr": [0.1, 0.2]}}, "lr must be a number"),
        ({"optimizer": "sgd", "hyperparameters": {"lr": "0.1"}}, "lr must be a number"),
        ({"optimizer": "sgd", "hyperparameters": {"lr": True}}, "lr must be a number"),
        ({"optimizer": "sgd", "hyperparameters": {"speed": 1}}, "no hyperparameter 'speed'"),
        ({"optimizer": "adam", "hyperparameters": {"betas": [0.9]}}, "betas must be a pair"),
        ({"optimizer": "adam", "hyperparameters": {"betas": [0.9, 1.5]}}, "beta"),
        ({"optimizer": "sgd", "hyperparameters": {"nesterov": 1}}, "nesterov must be true or false"),
        ({"optimizer": "sgd", "hyperparameters": []}, "must be an object"),
        ({"optimizer": "nope"}, "Unknown optimizer"),
        ({"optimizer": ["sgd"]}, "Unknown optimizer"),
    ],
)
def test_bad_attempts_are_refused_with_the_registry_words(attempt, words):
    with pytest.raises(ValueError, match=words):
        challenges.parse_attempt(target(), attempt)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"kind": "quiz"}, "kind must be one of"),
        ({"surface": "moon"}, "Unknown landscape"),
        ({"steps": 1001}, "steps must be from 1 to 1000"),
        ({"steps": 2.5}, "whole number"),
        ({"start": [1.0]}, r"start must be \[x, y\]"),
        ({"start": [1e7, 0]}, "start x must be from"),
        ({"target_loss": None}, "target_loss must be a number"),
        ({"kind": "choice", "question": "?", "choices": ["only one"]}, "2 to 6 choices"),
        ({"kind": "choice", "question": "", "choices": ["a", "b"]}, "question is empty"),
        (
            {"kind": "choice", "question": "q", "choices": ["a", "b"], "answer": 2},
            "answer must be from 0 to 1",
        ),
        ({"kind": "point", "question": "q"}, "run must be a JSON object"),
    ],
)
def test_bad_challenges_are_refused(changes, words):
    with pytest.raises(ValueError, match=words):
        challenges.parse_challenge({**BOWL, **changes})


def test_a_choice_challenge_computes_each_choice_run_and_scores_answers():
    challenge = challenges.parse_challenge(
        {
            "kind": "choice",
            "surface": "bowl",
            "question": "Which learning rate diverges?",
            "choices": [
                {"label": "0.1", "run": {"optimizer": "sgd", "hyperparameters": {"lr": 0.1}}},
                {"label": "1.2", "run": {"optimizer": "sgd", "hyperparameters": {"lr": 1.2}}},
            ],
            "answer": 1,
        }
    )
    runs = challenge["reveal"]["runs"]
    assert [r["diverged"] for r in runs] == [False, True]  # 1.2 > 2/λ_max = 1
    assert "reveal" not in challenges.public(challenge, revealed=False)
    assert challenges.public(challenge, revealed=True)["reveal"] == challenge["reveal"]
    right = challenges.parse_attempt(challenge, {"choice": 1})
    assert challenges.score(challenge, right) == {"correct": True}
    assert challenges.score(challenge, challenges.parse_attempt(challenge, {"choice": 0})) == {
        "correct": False
    }
    with pytest.raises(ValueError, match="choice must be from 0 to 1"):
        challenges.parse_attempt(challenge, {"choice": 2})


def test_a_point_challenge_scores_the_distance_to_where_the_ball_stops():
    challenge = challenges.parse_challenge(
        {
            "kind": "point",
            "surface": "bowl",
            "start": [2.0, 1.0],
            "steps": 3,
            "question": "Where will the ball stop?",
            "run": {"optimizer": "sgd", "hyperparameters": {"lr": 0.25}},
        }
    )
    end = challenge["reveal"]["run"]["end"]
    assert end == pytest.approx([2.0 * 0.5**3, 1.0 * 0.5**3])  # each step halves the point
    guess = challenges.parse_attempt(challenge, {"point": [0.25, 0.125 + 3.0]})
    assert challenges.score(challenge, guess)["distance"] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("x" * 41, "at most 40 characters"),
        ("a\u0000b", "control characters"),
        ("a\u202eb", "control"),
        (7, "text"),
    ],
)
def test_display_names_are_short_plain_text(name, words):
    with pytest.raises(ValueError, match=words):
        challenges.display_name(name)


def test_display_names_up_to_forty_characters_are_kept_as_typed():
    assert challenges.display_name("  Zoë <b>&amp;  ") == "Zoë <b>&amp;"
    assert challenges.display_name("x" * 40) == "x" * 40
    assert challenges.display_name(None) == ""


@pytest.mark.parametrize("name", optimizers.names())
def test_every_optimizer_with_its_defaults_is_an_attempt_the_engine_runs(name):
    challenge = target()
    attempt = challenges.parse_attempt(challenge, {"optimizer": name})
    assert attempt["optimizer"] == name
    result = challenges.result(challenge, attempt)
    engine = optimizers.run("bowl", name, (2.0, 1.0), 60)
    assert result["diverged"] is (engine.diverged_at >= 0)
    if not result["diverged"]:
        assert result["final_loss"] == engine.losses[-1]


HUGE = 10**400  # a 401-digit integer: float() of it raises OverflowError


@pytest.mark.parametrize(
    "attempt",
    [
        {"optimizer": "sgd", "hyperparameters": {"lr": HUGE}},
        {"optimizer": "sgd", "hyperparameters": {"momentum": -HUGE}},
        {"optimizer": "adam", "hyperparameters": {"betas": [HUGE, 0.9]}},
        {"optimizer": "lbfgs", "hyperparameters": {"max_iter": HUGE}},
    ],
)
def test_a_401_digit_integer_in_an_attempt_is_refused_with_a_value_error(attempt):
    with pytest.raises(ValueError, match="must be a"):
        challenges.parse_attempt(target(), attempt)


@pytest.mark.parametrize(
    "changes",
    [
        {"steps": HUGE},
        {"target_loss": HUGE},
        {"start": [HUGE, 0]},
        {"kind": "choice", "question": "q", "choices": ["a", "b"], "answer": HUGE},
        {"kind": "point", "question": "q", "run": {"optimizer": "sgd", "hyperparameters": {"lr": HUGE}}},
    ],
)
def test_a_401_digit_integer_in_a_challenge_is_refused_with_a_value_error(changes):
    with pytest.raises(ValueError, match="must be"):
        target(**changes)


def test_a_401_digit_choice_or_point_is_refused_with_a_value_error():
    choice = target(kind="choice", question="q", choices=["a", "b"])
    with pytest.raises(ValueError, match="choice must be"):
        challenges.parse_attempt(choice, {"choice": HUGE})
    point = target(kind="point", question="q", run={"optimizer": "sgd", "hyperparameters": {"lr": 0.1}})
    with pytest.raises(ValueError, match="must be"):
        challenges.parse_attempt(point, {"point": [0, -HUGE]})


#: L-BFGS with 1000 inner iterations a step and no early stop: about 140 s of CPU for 1000 steps.
HEAVY = {
    "optimizer": "lbfgs",
    "hyperparameters": {"max_iter": 1000, "tolerance_grad": 0, "tolerance_change": 0},
}
RASTRIGIN = {"surface": "rastrigin", "start": [2.2, -3.1], "steps": 1000}


def test_an_attempt_over_the_time_limit_is_refused_before_it_runs_with_what_fits():
    challenge = target(**RASTRIGIN)
    attempt = challenges.parse_attempt(challenge, HEAVY)
    with pytest.raises(budget.WorkTooLargeError, match=r"limit is 2 s\): at most \d+ steps fit"):
        challenges.result(challenge, attempt)


def test_a_challenge_whose_runs_are_over_the_time_limit_is_refused():
    light = {"optimizer": "sgd", "hyperparameters": {"lr": 1e-4}}
    choices = [{"label": "light", "run": light}, {"label": "heavy", "run": HEAVY}]
    with pytest.raises(budget.WorkTooLargeError, match="limit is 2 s"):
        target(**RASTRIGIN, kind="choice", question="q", choices=choices)
    with pytest.raises(budget.WorkTooLargeError, match="limit is 2 s"):
        target(**RASTRIGIN, kind="point", question="q", run=HEAVY)


def test_an_optimizers_other_hyperparameters_are_taken_and_used():
    """Choices, None where it means something, pairs and switches, as the registry's specs say."""
    plain = challenges.parse_attempt(target(), {"optimizer": "sgd", "hyperparameters": {"lr": 0.01}})
    heavy = challenges.parse_attempt(
        target(), {"optimizer": "sgd", "hyperparameters": {"lr": 0.01, "momentum": 0.9, "nesterov": True}}
    )
    assert heavy["hyperparameters"]["momentum"] == 0.9 and heavy["hyperparameters"]["nesterov"] is True
    losses = [challenges.result(target(), a)["final_loss"] for a in (plain, heavy)]
    assert losses[0] != losses[1]
    wolfe = challenges.parse_attempt(
        target(), {"optimizer": "lbfgs", "hyperparameters": {"lr": 0.5, "line_search_fn": "strong_wolfe"}}
    )
    assert wolfe["hyperparameters"]["line_search_fn"] == "strong_wolfe"
    assert challenges.result(target(), wolfe)["reached"]
    relative = challenges.parse_attempt(
        target(), {"optimizer": "adafactor", "hyperparameters": {"lr": 0.01, "eps": [None, 0.002]}}
    )
    assert relative["hyperparameters"]["eps"] == [None, 0.002]
    assert challenges.result(target(), relative)["final_loss"] is not None


@pytest.mark.parametrize(
    ("hyperparameters", "words"),
    [
        ({"line_search_fn": "armijo"}, "line_search_fn must be one of"),
        ({"line_search_fn": 1}, "line_search_fn must be one of"),
        ({"max_iter": None}, "max_iter must be a number"),  # no meaning for None there
    ],
)
def test_bad_choices_and_nones_are_refused(hyperparameters, words):
    with pytest.raises(ValueError, match=words):
        challenges.parse_attempt(target(), {"optimizer": "lbfgs", "hyperparameters": hyperparameters})


def test_the_student_form_sends_what_differs_from_the_defaults():
    from app.classroom import pages

    def hp(**values):
        return [{"aio_id": pages.CARD, "name": name} for name in values], list(values.values())

    run = pages.run_of_form("adam", 0.01, *hp(**{"betas.0": "0.8", "betas.1": "0.999", "amsgrad": []}))
    assert run == {"optimizer": "adam", "hyperparameters": {"lr": 0.01, "betas": [0.8, 0.999]}}
    assert pages.run_text(challenges.parse_attempt(target(), run)) == "adam, lr 0.01, betas (0.8, 0.999)"
    with pytest.raises(ValueError, match="momentum"):
        pages.run_of_form("sgd", 0.01, *hp(momentum="fast"))
