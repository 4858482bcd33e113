"""Names a module offers but imports only when first asked for (PEP 562): a command loads only
the part of the engine it uses, so it starts quickly (the actions and their doors)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def names_from(module: str, where: dict[str, tuple[str, str]]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``module``: each name in ``where`` (name -> (the module it lives
    in, its name there)) imported at its first use and kept on ``module`` from then on."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        home, real = where[name]
        found = getattr(importlib.import_module(home), real)
        setattr(sys.modules[module], name, found)
        return found

    return __getattr__
