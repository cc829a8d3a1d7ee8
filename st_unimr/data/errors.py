from __future__ import annotations

from st_unimr.errors import UniMRError

__all__ = ["DataSourceError", "DatasetRowError", "EmptyDatasetError"]


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


class DatasetRowError(DataSourceError):
    """A row of a user's dataset (``--dataset TASK=PATH_OR_HUB_ID``) cannot be used: a value is missing, empty or of
    the wrong type, or a column the task needs is absent.

    The message names the task, the file (or the Hub id and split), the 1-based row (header not counted) and the
    column, e.g. ``intents data: my_intents.jsonl: row 3, column 'intent': empty text``.

    Args:
        task: The task whose data it is (``"intents"``, ``"text_pairs"``, ``"image_text"``).
        file: The file, or ``"<hub id or folder> (split <name>)"`` where the rows did not come from one file.
        row: 1-based row number within that file or split; None where the whole column is at fault.
        column: The column, as the user named it.
        reason: What is wrong with it.

    Example:
        ::

            from st_unimr.data import DatasetRowError, load_user_dataset

            try:
                load_user_dataset("intents", "my_intents.jsonl")
            except DatasetRowError as err:
                print(err.file, err.row, err.column)
    """

    def __init__(self, task: str, file: str, row: int | None, column: str, reason: str) -> None:
        self.task = task
        self.row = row
        self.column = column
        where = f"row {row}, column {column!r}" if row is not None else f"column {column!r}"
        super().__init__(f"{task} data", file, f"{where}: {reason}")


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
