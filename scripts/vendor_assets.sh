#!/usr/bin/env bash
# Refresh static/vendor/ from the npm registry: Leaflet and the two folium plugins the app uses,
# so the map never loads anything from a CDN (the app is served at /app/static/vendor/...).
#
# Only the files the page really loads are copied (plus each package's LICENSE and a SOURCE.txt
# recording where the files came from). Run from anywhere:  bash scripts/vendor_assets.sh
# Needs: npm, tar. Versions are pinned to what folium 0.20.0 points at.
set -euo pipefail
cd "$(dirname "$0")/.."

VENDOR=static/vendor
TODAY=$(date -u +%Y-%m-%d)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# fetch PKG VERSION: npm pack into $WORK/PKG and untar there (once); prints the package dir.
fetch() {
  local pkg=$1 ver=$2 dir="$WORK/$1"
  if [ ! -s "$dir/tarball.txt" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack "$pkg@$ver" --silent >tarball.txt 2>/dev/null)
    tar -xzf "$dir/$(tr -d '\n' <"$dir/tarball.txt")" -C "$dir" --warning=no-unknown-keyword
  fi
  echo "$dir/package"
}

# source_txt PKG VERSION DEST FILES...: write DEST/SOURCE.txt.
source_txt() {
  local pkg=$1 ver=$2 dest=$3
  shift 3
  local integrity shasum tarball
  integrity=$(npm view "$pkg@$ver" dist.integrity 2>/dev/null)
  shasum=$(npm view "$pkg@$ver" dist.shasum 2>/dev/null)
  tarball=$(tr -d '\n' <"$WORK/$pkg/tarball.txt")
  {
    echo "package:   $pkg"
    echo "version:   $ver"
    echo "source:    npm registry (npm pack $pkg@$ver)"
    echo "tarball:   $tarball"
    echo "integrity: $integrity"
    echo "shasum:    $shasum"
    echo "fetched:   $TODAY"
    echo "refresh:   bash scripts/vendor_assets.sh"
    echo "files (copied unchanged from the tarball's package/ folder):"
    for f in "$@"; do echo "  $f"; done
  } >"$dest/SOURCE.txt"
}

# vendor PKG VERSION DEST SRC...: copy SRC (paths inside the package) to DEST, keeping the
# part after dist/ so relative url(...) references in the CSS still resolve.
vendor() {
  local pkg=$1 ver=$2 dest="$VENDOR/$3"
  shift 3
  local pkgdir
  pkgdir=$(fetch "$pkg" "$ver")
  rm -rf "$dest"
  mkdir -p "$dest"
  local copied=()
  for src in "$@"; do
    local rel=${src#dist/}
    mkdir -p "$dest/$(dirname "$rel")"
    cp "$pkgdir/$src" "$dest/$rel"
    copied+=("$src -> $rel")
  done
  source_txt "$pkg" "$ver" "$dest" "${copied[@]}"
  echo "vendored $pkg@$ver -> $dest ($# files)"
}

# list PKG SUBDIR: the files under SUBDIR of a fetched package, sorted (for image folders).
list() {
  local pkg=$1 sub=$2
  (cd "$WORK/$pkg/package" && find "$sub" -type f | LC_ALL=C sort)
}

mkdir -p "$VENDOR"

# Leaflet 1.9.3: what folium.Map loads (leaflet.js + leaflet.css); images/ is referenced by the
# CSS (layers control icons) and by L.Icon.Default.
fetch leaflet 1.9.3 >/dev/null
mapfile -t leaflet_images < <(list leaflet dist/images)
vendor leaflet 1.9.3 leaflet LICENSE dist/leaflet.js dist/leaflet.css "${leaflet_images[@]}"

# leaflet.fullscreen 3.0.0 (folium.plugins.Fullscreen). The npm tarball has no
# Control.FullScreen.min.js, so the unminified file is used. The CSS references icon-fullscreen.svg.
vendor leaflet.fullscreen 3.0.0 leaflet.fullscreen \
  LICENSE Control.FullScreen.js Control.FullScreen.css icon-fullscreen.svg

# leaflet-measure 2.1.7 (folium.plugins.MeasureControl points at this very version's dist/).
# All translations (including Chinese, "cn") are built into the one file and picked with the
# `localization` option. The unminified bundle is used because the .min.js drops the licence
# notices of the libraries bundled into it (sprintf's BSD-3-Clause requires keeping them). The
# tarball has no .min.css, so the plain CSS is used; images/ is referenced by the CSS.
fetch leaflet-measure 2.1.7 >/dev/null
mapfile -t measure_images < <(list leaflet-measure dist/images)
vendor leaflet-measure 2.1.7 leaflet-measure \
  LICENSE dist/leaflet-measure.js dist/leaflet-measure.css "${measure_images[@]}"
