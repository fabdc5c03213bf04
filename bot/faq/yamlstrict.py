"""Strict YAML for staff-edited files: UTF-8 only, no tabs, no duplicate keys, line numbers kept.

Plain PyYAML silently keeps the last of two duplicate keys; here that is an error, and every
mapping remembers the line of each key so that errors can point at the right line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode


class YamlProblem(Exception):
    """A file that is not acceptable YAML; ``line`` is 1-based."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class LineDict(dict[str, Any]):
    """A mapping that knows the line of itself and of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise YamlProblem(line, f"kunci '{key}' harus berupa teks")
            if key in result:
                first = result.key_lines[key]
                raise YamlProblem(
                    line,
                    f"kunci '{key}' ditulis dua kali (pertama di baris {first}); hapus salah satunya",
                )
            result[key] = self.construct_object(value_node, deep=deep)
            result.key_lines[key] = line
        return result


def _construct_mapping(loader: _StrictLoader, node: MappingNode) -> dict[Any, Any]:
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_strict(raw: bytes) -> Any:
    """Parse staff-edited YAML bytes strictly, raising :class:`YamlProblem` with a line number."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(
            line, "berkas bukan UTF-8 (ada huruf yang rusak); simpan ulang dengan encoding UTF-8"
        ) from exc
    text = text.removeprefix("\ufeff")
    for number, content in enumerate(text.splitlines(), start=1):
        if "\t" in content:
            raise YamlProblem(number, "ada karakter TAB; ganti dengan spasi (2 spasi per tingkat)")
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "format tidak dikenali"
        raise YamlProblem(
            where,
            f"format YAML tidak valid ({problem}); periksa indentasi (spasi di awal baris), "
            "tanda titik dua, dan tanda kutip",
        ) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"format YAML tidak valid: {exc}") from exc
