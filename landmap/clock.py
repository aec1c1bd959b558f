"""The district's clock: Panzhihua keeps Beijing time, whatever zone the server runs in.

History stamps, backup names, export dates and deadline days all use this one zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
