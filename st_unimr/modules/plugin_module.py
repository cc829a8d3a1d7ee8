from __future__ import annotations

import os
from typing import Any

try:
    from typing import Self
except ImportError:
    from typing_extensions import Self

from st_unimr.modules.safe_weights import declare_plugin_requirement, load_safetensors_weights

__all__ = ["PluginModuleMixin"]


class PluginModuleMixin:
    """Saving and loading shared by the st_unimr modules (mixed into a sentence-transformers ``Module``).

    ``save`` writes the JSON config, the weights as safetensors (always: st_unimr.load refuses pickles), whatever
    :meth:`save_extra` adds, and the st-unimr requirement. ``load`` reads the config from a local folder or Hub repo,
    builds the module with :meth:`load_extra`'s extra constructor arguments, and loads the safetensors weights.
    """

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
        config = cls.load_config(model_name_or_path, **hub_kwargs)
        for key, value in (init_defaults or {}).items():
            config.setdefault(key, value)
        init_kwargs = {key: value for key, value in config.items() if key in cls.config_keys}
        model = cls(**init_kwargs, **cls.load_extra(model_name_or_path, hub_kwargs))
        return load_safetensors_weights(model, model_name_or_path, **hub_kwargs)
