from __future__ import annotations

__all__ = ["DataSourceError"]


class DataSourceError(ValueError):
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
