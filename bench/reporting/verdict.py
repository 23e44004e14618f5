"""What judging a target yields, shared by the target list and the renderers that judge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    figure: str
    met: bool | None  # None: measured, with no bound to meet
    note: str = ""


def settings_note(**pairs: tuple[object, object]) -> str:
    """``"16 clients instead of 32"`` for every (measured, wanted) pair that differs."""
    return "; ".join(
        f"{measured} {what} instead of {wanted}"
        for what, (measured, wanted) in pairs.items()
        if measured != wanted
    )
