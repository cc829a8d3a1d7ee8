from __future__ import annotations

import importlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

from huggingface_hub import list_repo_files
from huggingface_hub.errors import HFValidationError, OfflineModeIsEnabled, RepositoryNotFoundError
from huggingface_hub.utils import validate_repo_id
from safetensors import SafetensorError, safe_open
from sentence_transformers.base.modules import Module, Router
from sentence_transformers.util import load_file_path

from st_unimr.errors import (
    InvalidCheckpointError,
    InvalidInputError,
    MissingCheckpointFileError,
    ModelNotFoundError,
    UnsafeModelError,
)
from st_unimr.unimr_model import UniMRModel
from st_unimr.validation import (
    check_int,
    check_truncate_dim,
    check_value_type,
    describe_type,
    full_embedding_dimension,
)

__all__ = ["UnsafeModelError", "load"]

#: The packages whose ``Module`` subclasses a checkpoint may name; anything else is refused.
ALLOWED_MODULE_PACKAGES = ("sentence_transformers", "st_unimr.modules")
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
_MODEL_CONFIG = "config_sentence_transformers.json"
_MODEL_CONFIG_FIELDS = {
    "prompts": dict[str, str],
    "default_prompt_name": str | None,
    "similarity_fn_name": str | None,
    "truncate_dim": int | None,
    "model_type": str,
}
# Configs are small; larger JSON files (tokenizers, vocabularies) are left to the libraries that read them.
_MAX_PRECHECKED_JSON_BYTES = 1 << 20


def load(
    name_or_path: str | os.PathLike, backend: str = "torch", onnx_threads: int | None = None, **kwargs: Any
) -> UniMRModel:
    """Load a UniMR checkpoint from a local folder or the Hub without ``trust_remote_code``.

    ``SentenceTransformer(..., trust_remote_code=True)`` would import whatever classes a checkpoint names. This
    loader reads the module types from ``modules.json`` and the Router's config first, resolves each one itself and
    accepts only ``Module`` subclasses defined in ``sentence_transformers`` or ``st_unimr.modules`` (a reference
    such as ``st_unimr.loading.os`` is refused, not just checked by its prefix), refuses checkpoints that carry
    pickled weights, and keeps ``trust_remote_code=False`` for everything else (so ``transformers`` will not run
    repository code either).

    A local folder is checked before anything is built: its config files must be valid JSON with fields of the
    right types, and its safetensors files complete; errors name the file and the field.

    Args:
        name_or_path: Hub repo id or local folder.
        backend: ``"torch"`` (default) or ``"onnx"``: run the text encoder with ONNX Runtime from the graph that
            :func:`st_unimr.export_onnx` wrote into this local folder (the NLU head, fusion and the image route stay
            torch modules).
        onnx_threads: With ``backend="onnx"``: ONNX Runtime's intra-op threads (``None``: its default).
        **kwargs: Passed to ``SentenceTransformer`` (``device``, ``revision``, ``token``, ``cache_folder``,
            ``truncate_dim``, ``local_files_only``, ...). ``trust_remote_code`` is not accepted.

    Returns:
        A :class:`~st_unimr.UniMRModel` (a ``SentenceTransformer`` that checks its inputs).

    Raises:
        ModelNotFoundError: No such local folder, and not a Hub id that exists (or the Hub is unreachable).
        InvalidCheckpointError: A file is missing, not valid JSON, truncated, or has a field of the wrong type.
        UnsafeModelError: A module class outside the allowed ones, or pickled weight files.
        InvalidInputError: ``truncate_dim`` is not an integer in ``1..dimension``, ``backend`` is not ``"torch"`` or
            ``"onnx"``, or ``backend="onnx"`` names no local folder.
        MissingCheckpointFileError: ``backend="onnx"`` and the folder holds no ONNX export (or its graph is gone).

    Example:
        ::

            import st_unimr

            model = st_unimr.load("org/unimr")
            model.encode_query(["photos of my dog at the beach"])
    """
    if kwargs.pop("trust_remote_code", False):
        raise UnsafeModelError("st_unimr.load never trusts remote code; use SentenceTransformer(...) for that")
    name_or_path = os.fspath(name_or_path)
    if name_or_path.startswith("~"):
        name_or_path = os.path.expanduser(name_or_path)
    check_int(kwargs.get("truncate_dim"), "truncate_dim", allow_none=True)
    if backend not in ("torch", "onnx"):
        raise InvalidInputError(f"backend must be 'torch' or 'onnx', got {backend!r}")
    check_int(onnx_threads, "onnx_threads", allow_none=True)
    if backend == "onnx":
        if not os.path.isdir(name_or_path):
            raise InvalidInputError(
                f"backend='onnx' loads a local folder written by st_unimr.export_onnx; {name_or_path!r} is not one "
                "(download a Hub export first, e.g. with huggingface_hub.snapshot_download)"
            )
        from st_unimr.onnx_export import read_onnx_config

        read_onnx_config(name_or_path)  # fails before anything heavy is built
    hub_kwargs = {key: kwargs.get(key) for key in ("token", "cache_folder", "revision")}
    hub_kwargs["local_files_only"] = kwargs.get("local_files_only", False)

    _check_location(name_or_path)
    if os.path.isdir(name_or_path):
        _check_local_files(name_or_path)
    _refuse_pickled_weights(name_or_path, hub_kwargs)
    module_classes = {ref: _resolve_module_class(ref, name_or_path) for ref in _module_types(name_or_path, hub_kwargs)}
    model_config = _read_model_config(name_or_path, hub_kwargs)

    model_kwargs = dict(kwargs.pop("model_kwargs", None) or {})
    model_kwargs["use_safetensors"] = True
    model = UniMRModel._load_with_module_classes(
        name_or_path, module_classes=module_classes, trust_remote_code=False, model_kwargs=model_kwargs, **kwargs
    )
    dimension = full_embedding_dimension(model)
    if kwargs.get("truncate_dim") is not None:
        check_truncate_dim(kwargs["truncate_dim"], dimension)
    elif model_config.get("truncate_dim") is not None and not 1 <= model_config["truncate_dim"] <= (dimension or 0):
        raise InvalidCheckpointError(
            f"{_location(name_or_path, _MODEL_CONFIG)}: field 'truncate_dim' must be between 1 and the embedding "
            f"dimension {dimension}, got {model_config['truncate_dim']}"
        )
    if backend == "onnx":
        from st_unimr.onnx_export import attach_onnx

        attach_onnx(model, name_or_path, threads=onnx_threads)
    return model


def _location(name_or_path: str, filename: str, subfolder: str = "") -> str:
    return "/".join(part for part in (name_or_path.rstrip("/"), subfolder, filename) if part)


def _check_location(name_or_path: str) -> None:
    """A clear error for a path that does not exist, instead of the Hub's "Repo id must be in the form ..."."""
    if os.path.isdir(name_or_path):
        return
    if os.path.isfile(name_or_path):
        raise ModelNotFoundError(f"{name_or_path!r} is a file, not a model folder")
    first = name_or_path.replace("\\", "/").split("/", 1)[0]
    looks_local = (
        name_or_path.startswith((".", "~", os.sep, "/"))
        or os.path.isabs(name_or_path)
        or "\\" in name_or_path
        or name_or_path.count("/") > 1
        or ("/" in name_or_path and os.path.isdir(first))
    )
    if looks_local:
        raise ModelNotFoundError(f"No such model folder: {name_or_path!r} (looked in {os.path.abspath(name_or_path)})")
    try:
        validate_repo_id(name_or_path)
    except HFValidationError as exc:
        raise ModelNotFoundError(
            f"{name_or_path!r} is neither an existing model folder nor a valid Hub id ('org/name')"
        ) from exc


def _check_local_files(folder: str) -> None:
    root = Path(folder)
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix == ".json" and path.stat().st_size <= _MAX_PRECHECKED_JSON_BYTES:
            try:
                json.loads(path.read_text(encoding="utf8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InvalidCheckpointError(f"{path}: not valid JSON ({exc})") from exc
        elif path.suffix == ".safetensors":
            try:
                # Opening parses the header and checks that every tensor lies inside the file.
                with safe_open(str(path), framework="pt"):
                    pass
            except (SafetensorError, OSError) as exc:
                raise InvalidCheckpointError(f"{path} is truncated or corrupt: {exc}") from exc


def _read_json(name_or_path: str, filename: str, hub_kwargs: dict[str, Any], subfolder: str = "") -> Any:
    try:
        path = load_file_path(name_or_path, filename, subfolder=subfolder, **hub_kwargs)
    except RepositoryNotFoundError as exc:
        raise ModelNotFoundError(f"{name_or_path!r} is neither a local folder nor a model on the Hub") from exc
    if path is None:
        return None
    try:
        with open(path, encoding="utf8") as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidCheckpointError(
            f"{_location(name_or_path, filename, subfolder)}: not valid JSON ({exc})"
        ) from exc


def _module_types(name_or_path: str, hub_kwargs: dict[str, Any]) -> list[str]:
    where = _location(name_or_path, "modules.json")
    modules = _read_json(name_or_path, "modules.json", hub_kwargs)
    if modules is None:
        raise MissingCheckpointFileError(f"{where} not found: it is not a sentence-transformers checkpoint")
    if not isinstance(modules, list):
        raise InvalidCheckpointError(
            f"{where}: expected a list of module entries, got {type(modules).__name__}"
            + (f" with keys {sorted(modules)[:5]}" if isinstance(modules, dict) else "")
        )
    types = []
    for index, entry in enumerate(modules):
        if not isinstance(entry, dict):
            raise InvalidCheckpointError(f"{where}: entry {index} must be an object, got {entry!r}")
        for field in ("name", "path", "type"):
            if not isinstance(entry.get(field), str):
                raise InvalidCheckpointError(
                    f"{where}: entry {index}: field {field!r} must be a string, got {entry.get(field)!r}"
                )
        types.append(entry["type"])
        if issubclass(_resolve_module_class(entry["type"], name_or_path), Router):
            types.extend(_router_types(name_or_path, hub_kwargs, entry["path"]))
    return types


def _router_types(name_or_path: str, hub_kwargs: dict[str, Any], subfolder: str) -> list[str]:
    filename = Router.config_file_name
    router = _read_json(name_or_path, filename, hub_kwargs, subfolder=subfolder)
    if router is None:
        filename = "config.json"
        router = _read_json(name_or_path, filename, hub_kwargs, subfolder=subfolder)
    where = _location(name_or_path, filename, subfolder)
    if router is None:
        raise MissingCheckpointFileError(f"{_location(name_or_path, Router.config_file_name, subfolder)} not found")
    if not isinstance(router, dict) or not check_value_type(router.get("types"), dict[str, str]):
        got = router.get("types") if isinstance(router, dict) else router
        raise InvalidCheckpointError(f"{where}: field 'types' must be an object of path -> class name, got {got!r}")
    if not check_value_type(router.get("structure"), dict[str, list[str]]):
        raise InvalidCheckpointError(
            f"{where}: field 'structure' must be an object of route -> list of paths, got {router.get('structure')!r}"
        )
    types = []
    for path, class_ref in router["types"].items():
        types.append(class_ref)
        if issubclass(_resolve_module_class(class_ref, name_or_path), Router):
            types.extend(_router_types(name_or_path, hub_kwargs, path))
    return types


def _resolve_module_class(class_ref: str, name_or_path: str) -> type[Module]:
    """Import the class a checkpoint names, accepting only ``Module`` subclasses of the allowed packages.

    A prefix check is not enough: ``st_unimr.loading.os`` or ``sentence_transformers.util.torch`` start with a
    trusted name but resolve to arbitrary objects. The reference must name a module inside an allowed package and a
    ``Module`` subclass that is itself defined in one.
    """
    refused = UnsafeModelError(
        f"{name_or_path!r} references the module class {class_ref!r}, which is not a Module class of "
        "sentence-transformers or st_unimr.modules; st_unimr.load refuses it."
    )
    module_name, _, class_name = class_ref.rpartition(".")
    if not _in_allowed_package(module_name) or not class_name.isidentifier():
        raise refused
    try:
        with warnings.catch_warnings():
            # Old checkpoints name classes through sentence_transformers.models, a deprecated alias.
            warnings.simplefilter("ignore", DeprecationWarning)
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise refused from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Module) and _in_allowed_package(cls.__module__)):
        raise refused
    return cls


def _in_allowed_package(module_name: str) -> bool:
    return any(module_name == package or module_name.startswith(package + ".") for package in ALLOWED_MODULE_PACKAGES)


def _read_model_config(name_or_path: str, hub_kwargs: dict[str, Any]) -> dict[str, Any]:
    config = _read_json(name_or_path, _MODEL_CONFIG, hub_kwargs)
    if config is None:
        return {}
    where = _location(name_or_path, _MODEL_CONFIG)
    if not isinstance(config, dict):
        raise InvalidCheckpointError(f"{where}: expected a JSON object, got {type(config).__name__}")
    for field, hint in _MODEL_CONFIG_FIELDS.items():
        if field in config and not check_value_type(config[field], hint):
            raise InvalidCheckpointError(
                f"{where}: field {field!r} must be {describe_type(hint)}, got {config[field]!r}"
            )
    if config.get("truncate_dim") is not None and config["truncate_dim"] < 1:
        raise InvalidCheckpointError(f"{where}: field 'truncate_dim' must be >= 1, got {config['truncate_dim']}")
    return config


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
        try:
            files = list_repo_files(name_or_path, revision=hub_kwargs["revision"], token=hub_kwargs["token"])
        except RepositoryNotFoundError as exc:
            raise ModelNotFoundError(f"{name_or_path!r} is neither a local folder nor a model on the Hub") from exc
        except OfflineModeIsEnabled as exc:
            raise ModelNotFoundError(
                f"{name_or_path!r} is not a local folder, and the Hub is offline (HF_HUB_OFFLINE), so it cannot be "
                "looked up as a Hub id"
            ) from exc
    pickled = sorted(f for f in files if f.endswith(_PICKLE_SUFFIXES))
    if pickled:
        raise UnsafeModelError(
            f"{name_or_path!r} contains pickled weight files {pickled}; st_unimr.load loads only safetensors."
        )
