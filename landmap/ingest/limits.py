"""How much work one uploaded file may cost before the import is stopped.

Every number guards against a hostile or broken upload (security.md §1 item 5, §2.2 I7 and §4.2
items 22–23): a zip bomb, a million-feature GeoJSON, a GeoPackage view that never ends. The
defaults are sized for the district's real files (a few thousand plots, a few MB) with a wide
margin; tests pass smaller values so that the hostile cases run in seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps for one import. All sizes are bytes, all times seconds."""

    # Streamlit's own cap is set to the same 50 MB (security.md §3.5 ``maxUploadSize``);
    # checked again here, in the parent, before any child process is started.
    max_upload_bytes: int = 50 * MIB
    # A zip may hold at most this much once unpacked (sum of what the entries declare, and
    # again counted while extracting, because the declared sizes can lie).
    max_unzipped_bytes: int = 500 * MIB
    # Shapefiles compress 3–10:1; 100:1 is only reached by padding, i.e. a zip bomb.
    max_zip_ratio: float = 100.0
    max_zip_entries: int = 1000
    # Xiqu has thousands of plots, not hundreds of thousands; a file over this is refused.
    max_features: int = 200_000
    # Layers beyond this are not read (a warning names how many were left out).
    max_layers: int = 20
    # RLIMIT_AS of the child. Python + GDAL + GEOS + pyarrow need ~0.4 GiB of address space
    # just to start; a 20 MB GeoPackage of 15 000 parcels read within 0.75 GiB.
    child_memory_bytes: int = 2 * 1024 * MIB
    # RLIMIT_CPU of the child: a recursive GeoPackage view spins the CPU (§4.2 item 23).
    child_cpu_seconds: int = 60
    # Wall clock for the whole child, including start-up; the process group is then killed.
    wall_seconds: float = 90.0

    def as_json(self) -> dict[str, float]:
        """Plain numbers, for the request file the child reads."""
        return asdict(self)
