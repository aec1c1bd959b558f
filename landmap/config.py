"""Settings, read once from the environment (and, in the UI, from Streamlit secrets).

Nothing secret is committed: the 天地图 key comes from ``TIANDITU_KEY`` or from
``.streamlit/secrets.toml`` (``tianditu_key = "..."``), which git ignores.

Without ``LANDMAP_DATA`` the app works on a copy of the bundled sample in its state folder
(``LANDMAP_STATE_DIR``, default ``~/.local/share/landmap``): trying out an import or a status
update must never change the file in the repository.

``LANDMAP_DATABASE_URL`` (or ``[database] url = "…"`` in secrets) puts the app and every
command on a PostGIS database instead (``landmap.store.open``); the GeoPackage settings are then
not used for the data.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from landmap.tiles.source import configured_path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_SAMPLE_PATH = REPO_ROOT / "data" / "xiqu_sample.gpkg"
DEFAULT_BOUNDARY_PATH = REPO_ROOT / "data" / "xiqu_boundary_wgs84.geojson"
DEFAULT_STATE_DIR = Path.home() / ".local" / "share" / "landmap"
DEFAULT_PUBLIC_URL = "http://localhost:8501"
# With the bundled sample only: says what belongs there without inventing a phone number.
SAMPLE_PROMOTION_CONTACT = "西区投资促进局（示例；请用 LANDMAP_PROMOTION_CONTACT 设置）"


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("LANDMAP_STATE_DIR") or DEFAULT_STATE_DIR)


@dataclass(frozen=True)
class Settings:
    data_path: Path = BUNDLED_SAMPLE_PATH
    boundary_path: Path = DEFAULT_BOUNDARY_PATH
    tianditu_key: str | None = None
    is_sample_data: bool = False
    # An admin's explicit choice for a closed intranet: everyone who reaches the app sees the
    # internal view (contacts, disputes, history, deadlines, dashboard, staff exports) without
    # signing in. Off by default; editing still needs a signed-in editor.
    internal_without_sign_in: bool = False
    # The investment-promotion office's public contact, shown to investors with every offered
    # plot (never the internal 联系人 of a record).
    promotion_contact: str | None = None
    # Where the public reaches the app: the links and QR codes printed on brochures.
    public_url: str = DEFAULT_PUBLIC_URL
    # The offline basemap: an MBTiles/PMTiles file the district already has (LANDMAP_TILES),
    # served by the app itself (landmap/tiles/route.py). None: that basemap is not configured.
    tiles_path: Path | None = None
    # A postgresql:// URL (it may carry a password: never shown to a user, never logged).
    # Set: every read and write goes to that PostGIS database instead of the GeoPackage.
    database_url: str | None = None

    def ensure_data_file(self) -> Path:
        """Seed the sample's working copy on first use; a user's own file is left alone."""
        if self.is_sample_data and not self.data_path.exists():
            self.data_path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.data_path.with_name(f".{self.data_path.name}.{os.getpid()}.tmp")
            shutil.copyfile(BUNDLED_SAMPLE_PATH, scratch)
            os.replace(scratch, self.data_path)  # atomic: two first sessions cannot clash
        return self.data_path


def load_settings(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
) -> Settings:
    """Settings from ``LANDMAP_DATA``, ``LANDMAP_DATABASE_URL``, ``LANDMAP_BOUNDARY``,
    ``TIANDITU_KEY``, ``LANDMAP_TILES`` and ``LANDMAP_INTERNAL_WITHOUT_SIGN_IN`` (or
    ``internal_without_sign_in = true`` in secrets).

    The environment wins over secrets, so an operator can override a deployment's file.
    """
    env = os.environ if environ is None else environ
    secrets = secrets or {}
    key = str(env.get("TIANDITU_KEY") or secrets.get("tianditu_key") or "").strip()
    own_data = env.get("LANDMAP_DATA")
    database_url = _database_url(env, secrets)
    # On a database nothing is the bundled sample's working copy, even if it was copied in.
    is_sample = not own_data and not database_url
    return Settings(
        data_path=Path(own_data) if own_data else state_dir(env) / BUNDLED_SAMPLE_PATH.name,
        is_sample_data=is_sample,
        database_url=database_url,
        boundary_path=Path(env.get("LANDMAP_BOUNDARY") or DEFAULT_BOUNDARY_PATH),
        tianditu_key=key or None,
        promotion_contact=str(
            env.get("LANDMAP_PROMOTION_CONTACT") or secrets.get("promotion_contact") or ""
        ).strip()
        or (SAMPLE_PROMOTION_CONTACT if is_sample else None),
        public_url=str(env.get("LANDMAP_PUBLIC_URL") or secrets.get("public_url") or "").strip()
        or DEFAULT_PUBLIC_URL,
        tiles_path=configured_path(env),
        internal_without_sign_in=_is_yes(
            env.get("LANDMAP_INTERNAL_WITHOUT_SIGN_IN", secrets.get("internal_without_sign_in"))
        ),
    )


def secrets_from_files(cwd: Path | None = None) -> dict[str, object]:
    """What Streamlit would read as secrets, for the commands: ``~/.streamlit/secrets.toml``,
    then ``.streamlit/secrets.toml`` of the current folder (the later file wins per key)."""
    secrets: dict[str, object] = {}
    for path in (
        Path.home() / ".streamlit" / "secrets.toml",
        (cwd or Path.cwd()) / ".streamlit" / "secrets.toml",
    ):
        try:
            with open(path, "rb") as fh:
                secrets.update(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError):
            continue  # no file is the normal case; a broken one is Streamlit's to report
    return secrets


def _database_url(env: Mapping[str, str], secrets: Mapping[str, object]) -> str | None:
    """``LANDMAP_DATABASE_URL``, else ``url`` of the ``[database]`` table in secrets."""
    section = secrets.get("database")
    from_secrets = section.get("url") if isinstance(section, Mapping) else None
    url = str(env.get("LANDMAP_DATABASE_URL") or from_secrets or "").strip()
    return url or None


def _is_yes(value: object) -> bool:
    """Only an unmistakable yes turns a setting on; a typo leaves the safe default."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}
