from __future__ import annotations

import inspect
import json
import os
import typing
from typing import Any

try:
    from typing import Self
except ImportError:
    from typing_extensions import Self

from st_unimr.errors import InvalidCheckpointError, MissingCheckpointFileError
from st_unimr.modules.safe_weights import declare_plugin_requirement, load_safetensors_weights
from st_unimr.validation import check_value_type, describe_type

__all__ = ["PluginModuleMixin"]


class PluginModuleMixin:
    """Saving and loading shared by the st_unimr modules (mixed into a sentence-transformers ``Module``).

    ``save`` writes the JSON config, the weights as safetensors (always: st_unimr.load refuses pickles), whatever
    :meth:`save_extra` adds, and the st-unimr requirement. ``load`` reads the config from a local folder or Hub repo,
    builds the module with :meth:`load_extra`'s extra constructor arguments, and loads the safetensors weights. A
    missing or malformed config (a field of the wrong type, an invalid value) or weights file raises
    :class:`~st_unimr.errors.InvalidCheckpointError` naming the file and the field.
    """

    def on_model_ready(self, model: Any) -> None:
        """Give the model the UniMR model card data (see :func:`st_unimr.model_card.adopt_model_card_data`).

        sentence-transformers calls this hook once a model holding the module is built, however it was loaded: a
        model from ``SentenceTransformer(..., trust_remote_code=True)`` then writes cards whose usage snippets pass
        that flag and install the plugin, instead of a snippet that fails without them.
        """
        super().on_model_ready(model)
        from st_unimr.model_card import adopt_model_card_data  # imports sentence-transformers' card machinery

        adopt_model_card_data(model)

    def save(self, output_path: str, *args, safe_serialization: bool = True, **kwargs) -> None:
        os.makedirs(output_path, exist_ok=True)
        self.save_config(output_path)
        self.save_torch_weights(output_path, safe_serialization=True)
        self.save_extra(output_path)
        declare_plugin_requirement(output_path)

    def save_extra(self, output_path: str) -> None:
        """Write files beyond the config and the weights (e.g. an image processor)."""

    @classmethod
    def load_extra(cls, model_name_or_path: str, hub_kwargs: dict[str, Any]) -> dict[str, Any]:
        """Extra constructor arguments read from the saved folder."""
        return {}

    @classmethod
    def load(
        cls,
        model_name_or_path: str,
        subfolder: str = "",
        token: bool | str | None = None,
        cache_folder: str | None = None,
        revision: str | None = None,
        local_files_only: bool = False,
        init_defaults: dict[str, Any] | None = None,
        **kwargs,
    ) -> Self:
        hub_kwargs = {
            "subfolder": subfolder,
            "token": token,
            "cache_folder": cache_folder,
            "revision": revision,
            "local_files_only": local_files_only,
        }
        where = "/".join(
            part for part in (str(model_name_or_path).rstrip("/"), subfolder, cls.config_file_name) if part
        )
        try:
            config = cls.load_config(model_name_or_path, **hub_kwargs)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidCheckpointError(f"{where}: not valid JSON ({exc})") from exc
        if not config:
            raise MissingCheckpointFileError(
                f"{where} is missing or empty: the {cls.__name__} module cannot be built without its configuration"
            )
        if not isinstance(config, dict):
            raise InvalidCheckpointError(f"{where}: expected a JSON object, got {type(config).__name__}")
        for key, value in (init_defaults or {}).items():
            config.setdefault(key, value)
        _check_config(cls, config, where)
        init_kwargs = {key: value for key, value in config.items() if key in cls.config_keys}
        try:
            model = cls(**init_kwargs, **cls.load_extra(model_name_or_path, hub_kwargs))
        except (ValueError, TypeError) as exc:
            raise InvalidCheckpointError(f"{where}: {exc}") from exc
        return load_safetensors_weights(model, model_name_or_path, **hub_kwargs)


def _check_config(cls: type, config: dict[str, Any], where: str) -> None:
    """Refuse config fields of the wrong type before they reach the constructor, naming the file and the field."""
    signature = inspect.signature(cls.__init__)
    hints = typing.get_type_hints(cls.__init__)
    for key in cls.config_keys:
        parameter = signature.parameters.get(key)
        if key not in config:
            if parameter is not None and parameter.default is inspect.Parameter.empty:
                raise InvalidCheckpointError(f"{where}: the required field {key!r} is missing")
            continue
        if key in hints and not check_value_type(config[key], hints[key]):
            raise InvalidCheckpointError(
                f"{where}: field {key!r} must be {describe_type(hints[key])}, got {config[key]!r}"
            )
