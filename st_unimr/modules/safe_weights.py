"""Weight loading and saving rules shared by the st_unimr modules."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TypeVar

from safetensors import SafetensorError
from safetensors.torch import load_model as load_safetensors_model
from sentence_transformers.util import load_file_path
from torch import nn

from st_unimr.errors import InvalidCheckpointError, MissingCheckpointFileError

__all__ = ["PLUGIN_REQUIREMENT", "declare_plugin_requirement", "load_safetensors_weights"]

ModuleT = TypeVar("ModuleT", bound=nn.Module)

PLUGIN_REQUIREMENT = {
    "st-unimr": {
        "specifier": ">=0.1",
        "reason": "This model uses the UniMR modules (NLUFeatureFusion, ImageEncoder) from the st-unimr plugin.",
    }
}


def load_safetensors_weights(
    model: ModuleT,
    model_name_or_path: str,
    subfolder: str = "",
    token: bool | str | None = None,
    cache_folder: str | None = None,
    revision: str | None = None,
    local_files_only: bool = False,
) -> ModuleT:
    """Load ``model.safetensors`` from a local folder or Hub repo into ``model``; never a pickle.

    Raises:
        MissingCheckpointFileError: The folder has no ``model.safetensors`` (a ``pytorch_model.bin`` is not
            loaded); also a ``FileNotFoundError``.
        InvalidCheckpointError: The file is truncated or corrupt, or its tensors do not fit the module.
    """
    path = load_file_path(
        model_name_or_path,
        "model.safetensors",
        subfolder=subfolder,
        token=token,
        cache_folder=cache_folder,
        revision=revision,
        local_files_only=local_files_only,
    )
    where = f"{model_name_or_path}/{subfolder}" if subfolder else model_name_or_path
    if path is None:
        raise MissingCheckpointFileError(
            f"No model.safetensors in {where!r}: st_unimr modules load weights only from safetensors files."
        )
    try:
        load_safetensors_model(model, path, strict=True)
    except SafetensorError as exc:
        raise InvalidCheckpointError(f"{where}/model.safetensors is truncated or corrupt: {exc}") from exc
    except RuntimeError as exc:
        # Missing, unexpected or differently shaped tensors: the weights belong to another configuration.
        raise InvalidCheckpointError(
            f"{where}/model.safetensors does not fit the module's configuration ({type(model).__name__}): {exc}"
        ) from exc
    return model


def declare_plugin_requirement(module_path: str) -> None:
    """Add the st-unimr requirement to the model's ``config_sentence_transformers.json``.

    sentence-transformers writes that file before it saves the modules and offers no hook to extend it, so each
    st_unimr module adds the requirement when it is saved. A module's folder sits directly under the model root both
    at top level (``2_NLUFeatureFusion``) and inside a Router (``text_2_NLUFeatureFusion``). Loading the model without
    the plugin then fails with a pip hint instead of an import error.
    """
    config_path = Path(module_path).parent / "config_sentence_transformers.json"
    if not config_path.is_file():
        return
    with open(config_path, encoding="utf8") as f:
        config = json.load(f)
    requirements = config.setdefault("requirements", {})
    if requirements.get("st-unimr") == PLUGIN_REQUIREMENT["st-unimr"]:
        return
    requirements.update(PLUGIN_REQUIREMENT)
    tmp_path = config_path.with_suffix(".json.tmp")
    with open(tmp_path, "w", encoding="utf8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    os.replace(tmp_path, config_path)
