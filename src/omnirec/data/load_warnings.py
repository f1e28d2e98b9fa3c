"""Counted, non-fatal data issues: one summary line per kind, never one line per row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadWarnings:
    """Accumulates counts per kind of issue and renders one line per kind."""

    _counts: dict[str, int] = field(default_factory=dict)
    _templates: dict[str, str] = field(default_factory=dict)
    _notes: list[str] = field(default_factory=list)

    def count(self, kind: str, n: int, template: str) -> None:
        """Add n occurrences of kind; template is formatted with {n} when summarised."""
        if n <= 0:
            return
        self._counts[kind] = self._counts.get(kind, 0) + n
        self._templates[kind] = template

    def note(self, message: str) -> None:
        """A one-off warning (e.g. ignored columns), kept in order, not counted."""
        self._notes.append(message)

    def lines(self) -> tuple[str, ...]:
        """One line per note and per counted kind."""
        counted = [self._templates[kind].format(n=f"{n:,}") for kind, n in self._counts.items()]
        return (*self._notes, *counted)

    def emit(self, warn: Callable[[str], None] | None) -> tuple[str, ...]:
        """Send every line to warn (when given) and return them."""
        lines = self.lines()
        if warn is not None:
            for line in lines:
                warn(line)
        return lines
