from __future__ import annotations

from st_unimr.errors import UniMRError

__all__ = ["DataSourceError", "EmptyDatasetError"]


class DataSourceError(UniMRError, ValueError):
    """A source file inside a pinned package could not be parsed.

    The message always names the package and the file (and the line, where one is known), so a failed build
    points at the exact input to look at.

    Args:
        package: The package (or folder) the file came from, e.g. ``"deb:gcompris-qt-data==3.1-2"``.
        file: The offending file, relative to the package root where possible.
        reason: What is wrong with it.
        line: 1-based line number, for line-oriented formats such as intent templates.

    Example:
        ::

            from st_unimr.data import DataSourceError

            try:
                ...
            except DataSourceError as err:
                print(err.package, err.file, err.line)
    """

    def __init__(self, package: str, file: str, reason: str, line: int | None = None) -> None:
        self.package = package
        self.file = str(file)
        self.line = line
        self.reason = reason
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{package}: {where}: {reason}")


class EmptyDatasetError(UniMRError, ValueError):
    """A built dataset split that a run needs has no rows.

    Args:
        name: The dataset (``"intents"``, ``"image_text"``, ...).
        split: The split (``"train"``, ``"dev"``, ``"test"``).
        hint: What to do about it.

    Example:
        ::

            from st_unimr.data import EmptyDatasetError

            try:
                ...
            except EmptyDatasetError as err:
                print(err.name, err.split)
    """

    def __init__(self, name: str, split: str, hint: str = "") -> None:
        self.name = name
        self.split = split
        message = f"dataset {name!r}, split {split!r}, has 0 rows"
        super().__init__(f"{message}; {hint}" if hint else message)
