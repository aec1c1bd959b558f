"""Settings, read once from the environment (and, in the UI, from Streamlit secrets).

Nothing secret is committed: the 天地图 key comes from ``TIANDITU_KEY`` or from
``.streamlit/secrets.toml`` (``tianditu_key = "..."``), which git ignores.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_PATH = REPO_ROOT / "data" / "xiqu_sample.gpkg"
DEFAULT_BOUNDARY_PATH = REPO_ROOT / "data" / "xiqu_boundary_wgs84.geojson"


@dataclass(frozen=True)
class Settings:
    data_path: Path = DEFAULT_DATA_PATH
    boundary_path: Path = DEFAULT_BOUNDARY_PATH
    tianditu_key: str | None = None

    @property
    def is_sample_data(self) -> bool:
        return self.data_path.resolve() == DEFAULT_DATA_PATH.resolve()


def load_settings(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
) -> Settings:
    """Settings from ``LANDMAP_DATA``, ``LANDMAP_BOUNDARY`` and ``TIANDITU_KEY``.

    The environment wins over secrets, so an operator can override a deployment's file.
    """
    env = os.environ if environ is None else environ
    secrets = secrets or {}
    key = str(env.get("TIANDITU_KEY") or secrets.get("tianditu_key") or "").strip()
    return Settings(
        data_path=Path(env.get("LANDMAP_DATA") or DEFAULT_DATA_PATH),
        boundary_path=Path(env.get("LANDMAP_BOUNDARY") or DEFAULT_BOUNDARY_PATH),
        tianditu_key=key or None,
    )
