"""Photos per plot: hostile uploads decoded in a child process, re-encoded, stored in the store.

- ``messages``: why an upload was refused, in zh and en;
- ``checks``: what the bytes are (JPEG or PNG, nothing appended, no HTML or zip inside), pure;
- ``worker``: the child process that decodes with Pillow and re-encodes (EXIF dropped);
- ``sandbox``: the parent side, which starts the child under rlimits and a wall clock;
- ``model``: the stored photo's facts and which audience may see it (pure).
"""

from landmap.photos.messages import PhotoRejected
from landmap.photos.model import PhotoInfo, visible_photos
from landmap.photos.sandbox import PhotoLimits, ProcessedPhoto, process_photo

__all__ = [
    "PhotoInfo",
    "PhotoLimits",
    "PhotoRejected",
    "ProcessedPhoto",
    "process_photo",
    "visible_photos",
]
