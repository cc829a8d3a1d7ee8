"""An inclusive range of calendar days, the value a time expression normalises to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["DateRange"]


@dataclass(frozen=True)
class DateRange:
    """The days from ``start`` to ``end``, both included.

    A single day has ``start == end``; "last month" on 2025-03-12 is ``DateRange(2025-02-01, 2025-02-28)``.

    Args:
        start: First day of the range.
        end: Last day of the range (inclusive, not one past it).

    Example:
        ::

            from datetime import date
            from st_unimr.nlu.date_range import DateRange

            DateRange(date(2025, 2, 1), date(2025, 2, 28)).to_dict()  # {'start': '2025-02-01', 'end': '2025-02-28'}
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"DateRange end {self.end} is before start {self.start}")

    def to_dict(self) -> dict[str, str]:
        """``{"start": ISO date, "end": ISO date}``, both inclusive."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end
