"""The region's map file in the rules folder (rules/map/altai-krai.geojson), read and checked.

A rules folder that ships the file must ship a map that can be trusted: ``load_policy_set`` reads it, so a
broken file stops startup, ``appeals rules check`` and ``appeals rules publish`` with a Russian message that
names the file and the feature, instead of surfacing as an error on the analytics page. A folder without
the file (a stored rules version holds only the YAML files) has no map to check."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from engine.domain.region_map import MapDataError, RegionMap

MAP_FILE = Path("map") / "altai-krai.geojson"


def map_path(rules_dir: Path | str) -> Path:
    return Path(rules_dir) / MAP_FILE


def read_region_map(path: Path | str) -> RegionMap:
    """The map in ``path``; MapDataError (Russian, naming the file) when it is missing, not JSON or not a map."""
    try:
        stat = os.stat(path)
    except OSError:
        raise MapDataError(f"{path}: нет файла карты края") from None
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


def check_folder_map(rules_dir: Path | str) -> None:
    """Read the folder's map when it ships one (MapDataError when it cannot be trusted)."""
    path = map_path(rules_dir)
    if path.is_file():
        read_region_map(path)


@lru_cache(maxsize=4)
def _read(path: str, _mtime_ns: int, _size: int) -> RegionMap:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise MapDataError(f"{path}: файл карты не читается ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise MapDataError(f"{path}: файл карты не в кодировке UTF-8") from None
    except json.JSONDecodeError as exc:
        raise MapDataError(f"{path}: файл карты — не JSON (строка {exc.lineno}, столбец {exc.colno})") from None
    return RegionMap.from_geojson(doc, where=path)
