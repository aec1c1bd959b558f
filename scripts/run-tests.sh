#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run the linter and every test.
#   - Debian packages: chromium (the real browser for the browser tests; Playwright's own browser
#     download is not used), fonts-noto-cjk (Chinese text in screenshots) and poppler-utils
#     (pdftotext: tests read the text of the PDFs we print) and zbar-tools (zbarimg: tests
#     decode the brochure's QR code back to the plot's link) and postgresql-15-postgis-3 (a
#     throw-away PostgreSQL + PostGIS server the store tests start on 127.0.0.1 and stop).
#   - Python packages: requirements-test.txt, into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
command -v zbarimg >/dev/null || need_apt+=(zbar-tools)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need_apt+=(postgresql-15-postgis-3)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
