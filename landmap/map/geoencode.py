"""Compact geometry text for the map payload: Google's encoded-polyline algorithm at 1e-6°.

Why: JSON coordinates cost ~22 bytes a vertex (``[101.612345,26.601234],``); an encoded vertex
costs ~5 characters, because each is stored as a zig-zag delta from the previous one in 5-bit
chunks. At 1e-6° (~0.1 m at Xiqu) nothing visible is lost. The browser decodes it back to
GeoJSON in a few lines (``DECODER_JS``), so Leaflet, clicks and ``toGeoJSON()`` see ordinary
features.

Encoded geometry, as the JSON value of a feature's ``g`` key:
- ``["P", [ring, ...]]`` Polygon, ``["MP", [[ring, ...], ...]]`` MultiPolygon
- ``["L", line]`` LineString, ``["ML", [line, ...]]`` MultiLineString
- ``["Pt", point]`` Point, ``["MPt", [point, ...]]`` MultiPoint
- ``["G", <GeoJSON geometry>]`` anything else (kept as plain GeoJSON).
Polygon rings are sent without their closing vertex; the decoder closes them.
"""

from __future__ import annotations

import hashlib
import json
import threading

import numpy as np
import shapely

from landmap.map.compactjs import compact_js

PRECISION = 1_000_000  # 1e-6 degree


class EncodedGeometries:
    """Encoded texts remembered by the geometry's bytes, so a new data version encodes only
    the shapes it changed.

    Why: a save changes fields, not shapes, yet the layer is read again and every one of its
    geometries was encoded again (2.6 s at 100,000 plots, on the first rerun of every page
    after any save). The key is a 16-byte digest of the WKB, so the memory is the texts'
    (about 30 MB at 100,000 plots); past ``max_entries`` it starts over. Thread-safe: the
    sessions of a server share it.
    """

    def __init__(self, max_entries: int = 400_000) -> None:
        self.max_entries = max_entries
        self._texts: dict[bytes, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._texts)

    def encode(self, geoms: np.ndarray) -> list[str]:
        """``encode_geometries(geoms)``, from memory where the same shape was encoded before."""
        geoms = np.asarray(geoms, dtype=object)
        keys = [hashlib.blake2b(wkb, digest_size=16).digest() for wkb in shapely.to_wkb(geoms)]
        with self._lock:
            texts = [self._texts.get(key) for key in keys]
        missing = [i for i, text in enumerate(texts) if text is None]
        if missing:
            fresh = encode_geometries(geoms[missing])
            for i, text in zip(missing, fresh, strict=True):
                texts[i] = text
            with self._lock:
                if len(self._texts) + len(missing) > self.max_entries:
                    self._texts.clear()
                self._texts.update((keys[i], texts[i]) for i in missing)
        return texts  # type: ignore[return-value]  (every None was filled)


def encode_geometries(geoms: np.ndarray) -> list[str]:
    """The encoded JSON text of each geometry (none may be missing or empty).

    All rings and lines of all geometries are encoded in one vectorised pass; only the
    assembling of the small JSON arrays loops in Python.
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    part_types = shapely.get_type_id(parts)
    polygon_parts = part_types == 3
    rings, ring_part = shapely.get_rings(parts[polygon_parts], return_index=True)
    ring_part = np.flatnonzero(polygon_parts)[ring_part]
    # Sequences to encode: polygon rings (closing vertex dropped) and every other part.
    other = np.flatnonzero(~polygon_parts)
    sequences = np.concatenate([rings, parts[other]])
    sequence_part = np.concatenate([ring_part, other])
    coords, seq_index = shapely.get_coordinates(sequences, return_index=True)
    is_ring = np.zeros(len(sequences), dtype=bool)
    is_ring[: len(rings)] = True
    last_of_sequence = np.r_[seq_index[1:] != seq_index[:-1], True]
    keep = ~(last_of_sequence & is_ring[seq_index])
    texts = _encode_sequences(coords[keep], seq_index[keep], len(sequences))

    by_part: list[list[str]] = [[] for _ in range(len(parts))]
    for text, part in zip(texts, sequence_part.tolist(), strict=True):
        by_part[part].append(text)
    by_geom: list[list[int]] = [[] for _ in range(len(geoms))]
    for part, geom in enumerate(part_geom.tolist()):
        by_geom[geom].append(part)

    encoded = []
    for geom, geom_parts in zip(geoms, by_geom, strict=True):
        kind = shapely.get_type_id(geom)
        if kind == 3:
            encoded.append(json.dumps(["P", by_part[geom_parts[0]]]))
        elif kind == 6:
            encoded.append(json.dumps(["MP", [by_part[p] for p in geom_parts]]))
        elif kind in (1, 2):
            encoded.append(json.dumps(["L", by_part[geom_parts[0]][0]]))
        elif kind == 5:
            encoded.append(json.dumps(["ML", [by_part[p][0] for p in geom_parts]]))
        elif kind == 0:
            encoded.append(json.dumps(["Pt", by_part[geom_parts[0]][0]]))
        elif kind == 4:
            encoded.append(json.dumps(["MPt", [by_part[p][0] for p in geom_parts]]))
        else:
            encoded.append('["G",' + shapely.to_geojson(geom) + "]")
    return encoded


def _encode_sequences(coords: np.ndarray, seq_index: np.ndarray, count: int) -> list[str]:
    """Encode many coordinate sequences at once; ``seq_index`` says which vertex is whose."""
    if len(coords) == 0:
        return [""] * count
    fixed = np.round(coords[:, [1, 0]] * PRECISION).astype(np.int64)  # lat first
    deltas = np.diff(fixed, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    starts = np.r_[True, seq_index[1:] != seq_index[:-1]]
    deltas[starts] = fixed[starts]  # each sequence starts from absolute values
    values = deltas.ravel()
    # Zig-zag: small negative and positive numbers both become small positive ones.
    values = np.where(values < 0, ~(values << 1), values << 1).astype(np.uint64)
    chunks = np.stack([(values >> np.uint64(5 * i)) & np.uint64(0x1F) for i in range(7)], axis=1)
    bits = np.floor(np.log2(np.maximum(values, 1).astype(float))).astype(int) + 1
    n_chunks = np.maximum(1, -(-bits // 5))
    position = np.arange(7)
    continued = position[None, :] < (n_chunks[:, None] - 1)
    chars = (chunks | np.where(continued, 0x20, 0).astype(np.uint64)) + np.uint64(63)
    used = position[None, :] < n_chunks[:, None]
    text = chars[used].astype(np.uint8).tobytes().decode("ascii")
    # Characters per sequence: both values of each of its vertices.
    per_vertex = n_chunks.reshape(-1, 2).sum(axis=1)
    lengths = np.bincount(seq_index, weights=per_vertex, minlength=count).astype(int)
    ends = np.cumsum(lengths)
    return [text[end - length : end] for end, length in zip(ends, lengths, strict=True)]


def encode_coords(coords: np.ndarray) -> str:
    """Encode one sequence of (lon, lat) pairs as a polyline string."""
    coords = np.asarray(coords, dtype=float).reshape(-1, 2)
    return _encode_sequences(coords, np.zeros(len(coords), dtype=np.int64), 1)[0]


def decode_coords(text: str) -> np.ndarray:
    """The inverse of ``encode_coords``: (lon, lat) pairs (used by tests and for debugging)."""
    numbers: list[int] = []
    index = 0
    while index < len(text):
        result = shift = 0
        while True:
            chunk = ord(text[index]) - 63
            index += 1
            result |= (chunk & 0x1F) << shift
            shift += 5
            if chunk < 0x20:
                break
        numbers.append(~(result >> 1) if result & 1 else result >> 1)
    latlon = np.cumsum(np.array(numbers, dtype=np.int64).reshape(-1, 2), axis=0) / PRECISION
    return latlon[:, [1, 0]]


# Turns an encoded feature list back into GeoJSON features in the browser.
DECODER_JS = compact_js("""
function landmapDecodeLine(text) {
    var coords = [], index = 0, lat = 0, lng = 0;
    while (index < text.length) {
        var pair = [0, 0];
        for (var k = 0; k < 2; k++) {
            var result = 0, shift = 0, chunk;
            do {
                chunk = text.charCodeAt(index++) - 63;
                result |= (chunk & 0x1f) << shift;
                shift += 5;
            } while (chunk >= 0x20);
            pair[k] = (result & 1) ? ~(result >> 1) : (result >> 1);
        }
        lat += pair[0];
        lng += pair[1];
        coords.push([lng / 1e6, lat / 1e6]);
    }
    return coords;
}
function landmapDecodeRing(text) {
    var ring = landmapDecodeLine(text);
    if (ring.length) { ring.push(ring[0]); }
    return ring;
}
function landmapDecodeGeometry(g) {
    var kind = g[0], c = g[1];
    if (kind === "P") { return {type: "Polygon", coordinates: c.map(landmapDecodeRing)}; }
    if (kind === "MP") {
        return {type: "MultiPolygon", coordinates: c.map(function (p) {
            return p.map(landmapDecodeRing); })};
    }
    if (kind === "L") { return {type: "LineString", coordinates: landmapDecodeLine(c)}; }
    if (kind === "ML") { return {type: "MultiLineString", coordinates: c.map(landmapDecodeLine)}; }
    if (kind === "Pt") { return {type: "Point", coordinates: landmapDecodeLine(c)[0]}; }
    if (kind === "MPt") {
        return {type: "MultiPoint", coordinates: c.map(function (p) {
            return landmapDecodeLine(p)[0]; })};
    }
    return c;
}
function landmapFeatures(items) {
    // Every key but the geometry is a property (id, n, s, and d: the deadline state that
    // colour=deadline styles by); only "g" is decoded.
    return items.map(function (item) {
        var properties = {};
        for (var key in item) {
            if (key !== "g" && Object.prototype.hasOwnProperty.call(item, key)) {
                properties[key] = item[key];
            }
        }
        return {type: "Feature", properties: properties,
                geometry: landmapDecodeGeometry(item.g)};
    });
}
""")
