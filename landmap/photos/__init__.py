"""Photos per plot: hostile uploads decoded in a child process, re-encoded, stored in the store.

- ``messages``: why an upload was refused, in zh and en;
- ``checks``: what the bytes are (JPEG or PNG, nothing appended, no HTML or zip inside), pure;
- ``worker``: the child process that decodes with Pillow and re-encodes (EXIF dropped);
- ``sandbox``: the parent side, which starts the child under rlimits and a wall clock;
- ``model``: the stored photo's facts and which audience may see it (pure);
- ``upload``: bytes in, stored photo out (``save_upload``), the one path of every upload.

The brochure and the presentation read photos from the store (``PhotoStore.photos`` and
``photo_bytes`` with ``Audience.PUBLIC``), which never returns an internal photo to them.
"""

from landmap.photos.messages import PhotoRejected
from landmap.photos.model import PhotoInfo, visible_photos
from landmap.photos.sandbox import PhotoLimits, ProcessedPhoto, process_photo
from landmap.photos.upload import save_upload

__all__ = [
    "PhotoInfo",
    "PhotoLimits",
    "PhotoRejected",
    "ProcessedPhoto",
    "process_photo",
    "save_upload",
    "visible_photos",
]
