"""Atomic model saves: a folder holds either the complete old model or the complete new one, never a mix."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sentence_transformers import SentenceTransformer

from st_unimr.errors import InvalidInputError

__all__ = ["remove_stale_temp_folders", "save"]

logger = logging.getLogger(__name__)

_TMP = ".tmp-"
_OLD = ".old-"


def save(
    model: SentenceTransformer, path: str | os.PathLike, model_card: str | None = None, **save_kwargs: Any
) -> Path:
    """Save a model so that ``path`` never holds a half-written model or a mix of two models.

    ``model.save(path)`` writes file by file into ``path``: if it fails midway (a full disk, a permission error, a
    kill), an existing model there is left partly overwritten, and a new folder is left half-written. This writes
    the model into a hidden temporary folder beside ``path`` (``.<name>.tmp-<pid>-...``, same filesystem), flushes
    it to disk, and only then renames it into place. An existing model at ``path`` is moved aside first and deleted
    only once the new one is in place; if the final rename fails, it is moved back.

    The temporary folder is removed when the save fails; folders left by a killed process (whose pid no longer
    runs) are removed by the next save to the same path, or by :func:`remove_stale_temp_folders`. A kill between
    the two renames leaves the old model aside; the next cleanup puts it back.

    Args:
        model: The model to save (any ``SentenceTransformer``).
        path: The model folder. It may be missing, empty, or hold a saved model (``modules.json``), which is
            replaced as a whole: files you added to that folder are not carried over.
        model_card: A model card (Markdown) written as ``README.md`` in place of the one sentence-transformers
            generates, inside the same atomic step (see :func:`st_unimr.model_card.render_model_card`).
        **save_kwargs: Passed to ``model.save`` (``create_model_card``, ``model_name``, ...).

    Returns:
        The model folder.

    Raises:
        InvalidInputError: ``path`` is a file, or a non-empty folder that holds no saved model (it is never
            deleted).
        OSError: Writing failed (full disk, no permission); ``path`` is unchanged and no temporary folder is left.

    Example:
        ::

            import st_unimr

            model = st_unimr.load("outputs/run/final")
            st_unimr.save(model, "models/unimr")  # replaces models/unimr only once the new model is fully written
    """
    target = Path(path)
    if target.is_file():
        raise InvalidInputError(f"Cannot save a model to {str(target)!r}: it is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / "modules.json").is_file():
        raise InvalidInputError(
            f"Cannot save a model to {str(target)!r}: the folder is not empty and holds no saved model (no "
            "modules.json). st_unimr.save replaces a model folder as a whole and will not delete other files; "
            "choose a new or empty folder."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_folders(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP}{os.getpid()}-", dir=target.parent))
    try:
        if model_card is not None:
            save_kwargs["create_model_card"] = False
        model.save(str(tmp), **save_kwargs)
        if model_card is not None:
            (tmp / "README.md").write_text(model_card, encoding="utf8")
        _flush_to_disk(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD}{os.getpid()}-", dir=target.parent))
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        # sentence-transformers remembers the last save folder and writes model-card example images into it when a
        # trainer is created later: that would recreate the temporary folder (or add files to a finished model).
        model.model_card_data.save_dir = None
    _fsync_dir(target.parent)
    return target


def remove_stale_temp_folders(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary folders that :func:`save` calls killed mid-save left beside ``path``.

    Only folders of processes that no longer run are touched, so a save in progress elsewhere is safe. A model that
    was moved aside (``.<name>.old-<pid>-...``) is put back when ``path`` itself is missing, and deleted otherwise.

    Args:
        path: The model folder whose siblings to clean.

    Returns:
        The folders removed or restored.

    Example:
        ::

            from st_unimr.saving import remove_stale_temp_folders

            remove_stale_temp_folders("outputs/run/final")
    """
    target = Path(path)
    if not target.parent.is_dir():
        return []
    cleaned = []
    prefix = f".{target.name}."
    for candidate in sorted(target.parent.iterdir()):
        if not candidate.name.startswith(prefix):
            continue
        rest = candidate.name[len(prefix) - 1 :]
        kind = _TMP if rest.startswith(_TMP) else _OLD if rest.startswith(_OLD) else None
        if kind is None or not candidate.is_dir():
            continue
        pid = rest[len(kind) :].split("-", 1)[0]
        if not pid.isdigit() or _pid_running(int(pid)):
            continue
        if kind == _OLD and not target.exists():
            logger.warning(f"Restoring {target} from {candidate}: a save was killed after moving the old model aside")
            os.replace(candidate, target)
        else:
            logger.warning(f"Removing {candidate}: left by process {pid}, killed while it saved {target}")
            shutil.rmtree(candidate, ignore_errors=True)
        cleaned.append(candidate)
    return cleaned


def _pid_running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        # On Windows os.kill(pid, 0) would terminate the process: never guess there, keep the folder.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return False
    return True


def _flush_to_disk(folder: Path) -> None:
    # Without the fsyncs a power loss right after the rename can leave the new folder with empty files.
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open folders; its renames are durable on their own
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
