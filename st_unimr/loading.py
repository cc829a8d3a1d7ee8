from __future__ import annotations

import json
import os
from typing import Any

from huggingface_hub import list_repo_files
from sentence_transformers import SentenceTransformer
from sentence_transformers.util import import_from_string, load_file_path

__all__ = ["UnsafeModelError", "load"]

_TRUSTED_PREFIXES = ("sentence_transformers.", "st_unimr.")
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")


class UnsafeModelError(ValueError):
    """The checkpoint references code or weights that :func:`st_unimr.load` will not load."""


def load(name_or_path: str, **kwargs: Any) -> SentenceTransformer:
    """Load a UniMR checkpoint from a local folder or the Hub without ``trust_remote_code``.

    ``SentenceTransformer(..., trust_remote_code=True)`` would import whatever classes a checkpoint names. This
    loader reads the module types from ``modules.json`` and the Router's config first, resolves only
    ``sentence_transformers.*`` and ``st_unimr.*`` classes (from the installed packages), refuses any other class,
    refuses checkpoints that carry pickled weights, and keeps ``trust_remote_code=False`` for everything else
    (so ``transformers`` will not run repository code either).

    Args:
        name_or_path: Hub repo id or local folder.
        **kwargs: Passed to ``SentenceTransformer`` (``device``, ``revision``, ``token``, ``cache_folder``,
            ``truncate_dim``, ``local_files_only``, ...). ``trust_remote_code`` is not accepted.

    Raises:
        UnsafeModelError: A module class outside the trusted packages, or pickled weight files.

    Example:
        ::

            import st_unimr

            model = st_unimr.load("org/unimr")
            model.encode_query(["photos of my dog at the beach"])
    """
    if kwargs.pop("trust_remote_code", False):
        raise UnsafeModelError("st_unimr.load never trusts remote code; use SentenceTransformer(...) for that")
    hub_kwargs = {key: kwargs.get(key) for key in ("token", "cache_folder", "revision")}
    hub_kwargs["local_files_only"] = kwargs.get("local_files_only", False)

    _refuse_pickled_weights(name_or_path, hub_kwargs)
    module_classes = {}
    for class_ref in _module_types(name_or_path, hub_kwargs):
        if not class_ref.startswith(_TRUSTED_PREFIXES):
            raise UnsafeModelError(
                f"{name_or_path!r} references the module class {class_ref!r}, which is neither part of "
                "sentence-transformers nor of st_unimr; st_unimr.load refuses it."
            )
        if class_ref.startswith("st_unimr."):
            module_classes[class_ref] = import_from_string(class_ref)

    model_kwargs = dict(kwargs.pop("model_kwargs", None) or {})
    model_kwargs["use_safetensors"] = True
    return SentenceTransformer._load_with_module_classes(
        name_or_path, module_classes=module_classes, trust_remote_code=False, model_kwargs=model_kwargs, **kwargs
    )


def _read_json(name_or_path: str, filename: str, hub_kwargs: dict[str, Any], subfolder: str = "") -> Any:
    path = load_file_path(name_or_path, filename, subfolder=subfolder, **hub_kwargs)
    if path is None:
        return None
    with open(path, encoding="utf8") as f:
        return json.load(f)


def _module_types(name_or_path: str, hub_kwargs: dict[str, Any]) -> list[str]:
    modules = _read_json(name_or_path, "modules.json", hub_kwargs)
    if modules is None:
        raise UnsafeModelError(f"{name_or_path!r} has no modules.json: it is not a sentence-transformers checkpoint")
    types = []
    for entry in modules:
        types.append(entry["type"])
        if entry["type"].endswith(".Router"):
            router = _read_json(name_or_path, "router_config.json", hub_kwargs, subfolder=entry.get("path", ""))
            types.extend((router or {}).get("types", {}).values())
    return types


def _refuse_pickled_weights(name_or_path: str, hub_kwargs: dict[str, Any]) -> None:
    if os.path.isdir(name_or_path):
        files = [
            os.path.relpath(os.path.join(root, name), name_or_path)
            for root, _, names in os.walk(name_or_path)
            for name in names
        ]
    elif hub_kwargs["local_files_only"]:
        return
    else:
        files = list_repo_files(name_or_path, revision=hub_kwargs["revision"], token=hub_kwargs["token"])
    pickled = sorted(f for f in files if f.endswith(_PICKLE_SUFFIXES))
    if pickled:
        raise UnsafeModelError(
            f"{name_or_path!r} contains pickled weight files {pickled}; st_unimr.load loads only safetensors."
        )
