"""The interface every store backend implements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from landmap.clock import SHANGHAI

if TYPE_CHECKING:  # geopandas is heavy; the SQLite edit worker imports this module without it
    import geopandas as gpd
    import pandas as pd

    from landmap.access import Audience
    from landmap.photos import PhotoInfo, ProcessedPhoto
    from landmap.progress.edits import FeatureEdit
    from landmap.promotion.interest import InterestLead


class StoreError(Exception):
    """The store (file or server) cannot be read at all; ``detail`` says why, for the log."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.source = source
        self.detail = detail


class TableMissingError(StoreError):
    """The store is readable but has no table for this layer."""


class StoreConflict(StoreError):
    """Someone changed the store since the caller read it; nothing was written."""


class FeatureNotFound(StoreError):
    """An edit names a feature that is not in its table once (missing, or a duplicated id)."""

    def __init__(self, source: str, layer_id: str, feature_id: str, count: int) -> None:
        super().__init__(source, f"{layer_id}/{feature_id}: {count} rows with this id")
        self.layer_id, self.feature_id, self.count = layer_id, feature_id, count


@dataclass(frozen=True)
class FeatureConflict:
    """A feature someone else changed after the editor read it: what it holds now."""

    layer_id: str
    feature_id: str
    version: int
    current: Mapping[str, str | None]
    changed_by: str = ""
    changed_at: str = ""  # ISO 8601, Asia/Shanghai


class EditConflict(StoreError):
    """Nothing was written: the features below changed since the editor read them."""

    def __init__(self, source: str, conflicts: Sequence[FeatureConflict]) -> None:
        ids = ", ".join(c.feature_id for c in conflicts)
        super().__init__(source, f"changed by someone else: {ids}")
        self.conflicts = tuple(conflicts)


@dataclass(frozen=True)
class AppliedEdits:
    """What one save (or one ledger import) wrote: a change id per feature, new versions."""

    change_ids: Mapping[str, str] = field(default_factory=dict)  # feature id -> change id
    versions: Mapping[str, int] = field(default_factory=dict)  # feature id -> new version
    history_rows: int = 0


@dataclass(frozen=True)
class Backup:
    """A saved previous version of the store, made before a change; restorable."""

    id: str
    created_at: datetime  # timezone-aware
    layer_id: str
    action: str  # what was about to happen: "import:replace", "restore", …
    note: str
    user: str


def new_backup(layer_id: str, action: str, user: str, note: str) -> Backup:
    """The facts of a backup made now, as every backend names it: the id sorts by time
    (``20261205T093000-1a2b3c``, Asia/Shanghai) and is unique."""
    now = datetime.now(SHANGHAI)
    return Backup(
        id=now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6],
        created_at=now,
        layer_id=layer_id,
        action=action,
        note=note,
        user=user,
    )


class FeatureStore(Protocol):
    @property
    def source_name(self) -> str:
        """What to call this store in a message to a user (a file name, a database name)."""
        ...

    def version(self) -> str:
        """A cheap token that changes whenever the layers or their progress records (history,
        milestones, feature versions) change: the cache key of what is read from them, and
        what a whole-layer write checks. A photo or an investor's lead does not change it."""
        ...

    def records_version(self) -> str:
        """A cheap token that changes whenever anything stored changes, photos and leads
        included: the cache key of what reads photos or leads."""
        ...

    def read_table(self, table: str) -> gpd.GeoDataFrame:
        """The table as stored (its own CRS and columns). Raises StoreError/TableMissingError."""
        ...


class WritableStore(FeatureStore, Protocol):
    def write_layer(
        self,
        table: str,
        frame: gpd.GeoDataFrame,
        *,
        expected_version: str,
        action: str,
        user: str,
        note: str = "",
    ) -> Backup:
        """Replace ``table`` with ``frame`` as one atomic change, after saving a backup.

        Raises StoreConflict (nothing written) when the store's version is no longer
        ``expected_version``. Any failure leaves the store exactly as it was.
        """
        ...

    def backups(self) -> list[Backup]:
        """Saved versions, newest first."""
        ...

    def restore(self, backup_id: str, *, expected_version: str, user: str) -> Backup:
        """Put a saved version back (itself backed up first, so a restore can be undone)."""
        ...


class TrackingStore(FeatureStore, Protocol):
    """Per-feature status updates with an append-only history (issue #4)."""

    def apply_edits(
        self, edits: Sequence[FeatureEdit], *, user: str, note: str, source: str
    ) -> AppliedEdits:
        """Apply every edit and its history rows in one transaction, or none of them.

        Raises EditConflict (nothing written) when a feature's version or one of the values
        the editor saw is no longer what is stored.
        """
        ...

    def feature_versions(self, layer_id: str) -> dict[str, int]:
        """Each edited feature's version (features never edited are at version 0)."""
        ...

    def versions_by_layer(self, layer_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        """``feature_versions`` of several layers from one read (every asked layer is a key)."""
        ...

    def history(self, feature_id: str | None = None) -> pd.DataFrame:
        """History rows (of one feature, or all), oldest first."""
        ...

    def milestones(self) -> pd.DataFrame:
        """Target milestones: layer, feature_id, target_status, due_date ("YYYY-MM-DD")."""
        ...


class PhotoStore(FeatureStore, Protocol):
    """Photos per feature (issue #11), kept in the store itself and restored with the data.

    Every read takes the reader's ``audience``: the public audience (the public view, the
    brochure, the presentation) never gets a photo whose public flag is off.
    """

    def add_photo(
        self,
        layer_id: str,
        feature_id: str,
        photo: ProcessedPhoto,
        *,
        caption: str,
        public: bool,
        user: str,
    ) -> PhotoInfo:
        """Store a photo re-encoded by ``photos.process_photo``; FeatureNotFound if the
        feature is not in its table once (nothing written)."""
        ...

    def set_photo_public(self, photo_id: str, public: bool, *, user: str) -> bool:
        """Change a photo's public flag; False if there is no such photo."""
        ...

    def delete_photo(self, photo_id: str, *, user: str) -> bool:
        """Remove a photo; False if there is no such photo."""
        ...

    def photos(self, feature_id: str | None = None, *, audience: Audience) -> list[PhotoInfo]:
        """The photos ``audience`` may see (of one feature, or all), oldest first."""
        ...

    def photo_bytes(
        self, photo_id: str, *, audience: Audience, thumbnail: bool = False
    ) -> bytes | None:
        """One photo's JPEG (or thumbnail JPEG); None if missing or not for ``audience``."""
        ...


class InterestStore(FeatureStore, Protocol):
    """Investors' expressions of interest (issue #11): written by the public, read by staff.

    A restore keeps them as they are (like the history).
    """

    def add_interest(self, lead: InterestLead, *, lang: str) -> str:
        """Store a checked lead with the time (Asia/Shanghai); returns its id."""
        ...

    def interest_leads(self) -> pd.DataFrame:
        """Every lead, newest first: interest_id, submitted_at, name, organisation, phone,
        email, message, plot_ids (a tuple), lang. Staff only."""
        ...
