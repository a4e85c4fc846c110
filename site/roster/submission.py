"""How a change the rules refuse reaches the user: as errors on the form that asked for it.

Services raise `Refused` (or a subclass such as `DuplicateUserError`) with a message per form
field; views run them through `submit`, which puts the messages on the form. That is the only
place a refusal is caught for a form, so every form reports a clash or a rule the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from flask_wtf import FlaskForm

P = ParamSpec("P")
T = TypeVar("T")


class Refused(ValueError):
    """A change the rules refuse: a message per form field (None: about the whole form)."""

    def __init__(self, problems: Mapping[str | None, str]) -> None:
        super().__init__(*problems.values())
        self.problems = dict(problems)

    def __str__(self) -> str:
        return " ".join(self.problems.values())


def submit(form: FlaskForm, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """`call(*args, **kwargs)`, or None with the reasons on `form` when the change is refused."""
    try:
        return call(*args, **kwargs)
    except Refused as refusal:
        for name, message in refusal.problems.items():
            if name is None:
                form.form_errors.append(message)
            else:
                form[name].errors = [*form[name].errors, message]
        return None


def form_status(form: FlaskForm) -> int:
    """200 for a form shown for the first time, 422 for one sent back with its errors."""
    return 422 if form.is_submitted() else 200
