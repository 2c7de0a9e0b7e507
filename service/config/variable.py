"""One setting of the table: its variable, default, parser and meaning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.config import parsers as p


@dataclass(frozen=True, slots=True)
class Variable:
    """One setting: its name after the prefix, its default, its parser and its meaning."""

    name: str
    default: str
    parse: Callable[[str, Any], Any]
    meaning: str
    from_file: bool = False  # may also be given as NOMS_<NAME>_FILE (secrets, long JSON)

    @property
    def env(self) -> str:
        """The environment variable."""
        return p.PREFIX + self.name
