"""Write landmap/fonts/LandmapSansSC-Regular.ttf: a subset of Noto Sans CJK SC for printed maps.

The static map picture (landmap/reports/mapprint.py) must render Chinese the same way on every
host, so the app carries its own font instead of trusting whatever the host has installed. The
full Noto Sans CJK collection is ~19 MB; this subset keeps what a district map needs:

- ASCII, Latin-1, general punctuation (– — ‘ ’ “ ” … ‰), CJK symbols and punctuation,
  fullwidth forms and ㎡;
- every character of GB2312 (the 6763 hanzi plus its symbol rows), found by decoding every
  2-byte GB2312 code, so the table needs no hand-made list;
- every character that occurs in landmap/layers.py, landmap/locales/*.toml and
  landmap/reports/mapprint.py, so every label of the registry and the UI is covered even when it is
  outside GB2312.

The CFF outlines are converted to TrueType (quadratic) outlines: matplotlib embeds a font in a
PDF as Type 42 only from TrueType data (a CFF font would have to go in as Type 3, one glyph
procedure each, without hinting and with clumsy text selection). Quadratic curves within 1 font
unit of the cubic originals are indistinguishable at print sizes.

The family is renamed to "Landmap Sans SC": the SIL OFL 1.1 lets us modify and redistribute the
font, but a modified version should not present itself under the original's name ("Noto" is a
Google trademark), and a distinct name keeps matplotlib from confusing the subset with a full
Noto Sans CJK SC installed on the host, which the picture uses as its fallback.

Same input, same output: the timestamp of the source font is kept and nothing else varies.

Usage, from the repository root (needs Debian's fonts-noto-cjk, or pass the .ttc/.otf path)::

    python scripts/make_font_subset.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_PS_NAME = "NotoSansCJKsc-Regular"
OUTPUT = REPO_ROOT / "landmap" / "fonts" / "LandmapSansSC-Regular.ttf"

FAMILY = "Landmap Sans SC"
PS_NAME = "LandmapSansSC-Regular"

# Files whose every character must be in the font (labels of the registry and the UI).
TEXT_SOURCES = (
    "landmap/layers.py",
    "landmap/locales/*.toml",
    "landmap/reports/mapprint.py",
    "landmap/reports/brief.py",
    "landmap/promotion/*.py",
)

# Maximum distance in font units (1/1000 em) between a cubic curve and its quadratic stand-in;
# fontTools' otf2ttf uses the same value.
MAX_ERR = 1.0


def wanted_codepoints(repo_root: Path = REPO_ROOT) -> set[int]:
    """Every code point the subset keeps (see the module docstring)."""
    points: set[int] = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    points |= set(range(0x2010, 0x205F))  # general punctuation
    points |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation
    points |= set(range(0xFF01, 0xFFEF))  # fullwidth forms
    points.add(0x33A1)  # ㎡
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                continue  # an unassigned code in GB2312's grid
    for pattern in TEXT_SOURCES:
        for path in sorted(repo_root.glob(pattern)):
            points |= {ord(c) for c in path.read_text("utf-8") if ord(c) >= 0x20}
    return points


def load_source(path: Path) -> TTFont:
    """The Simplified Chinese face of a Noto CJK collection (or a single-face font file)."""
    if path.suffix.lower() in (".ttc", ".otc"):
        for font in TTCollection(path).fonts:
            if font["name"].getDebugName(6) == SOURCE_PS_NAME:
                return font
        raise SystemExit(f"{path}: no face named {SOURCE_PS_NAME}")
    return TTFont(path)


def subset_font(font: TTFont, codepoints: set[int]) -> TTFont:
    options = subset.Options()
    # HarfBuzz's default horizontal features (matplotlib shapes text with libraqm), without
    # ``locl``: its Japanese, Korean and Traditional forms would double the glyph count.
    options.layout_features = [
        *("abvm", "blwm", "calt", "ccmp", "clig", "curs", "dist"),
        *("kern", "liga", "mark", "mkmk", "rclt", "rlig"),
    ]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # CFF hints mean nothing once the outlines are TrueType
    options.drop_tables += ["VORG", "vhea", "vmtx"]  # vertical text: maps are set horizontally
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    return font


def cff_to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines by TrueType ones, after fontTools' Snippets/otf2ttf.py."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)

    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    font["maxp"] = maxp
    maxp.compile(font)

    # CID-keyed CJK fonts have no meaningful glyph names; format 3 stores none and saves ~100 kB.
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont, source_version: str) -> None:
    """Give the subset its own family name, keeping copyright, licence and credits."""
    name = font["name"]
    description = (
        f"Subset of Noto Sans CJK SC {source_version} (SIL OFL 1.1) for landmap's printed maps; "
        "outlines converted to TrueType. Made by scripts/make_font_subset.py."
    )
    for name_id, value in (
        (1, FAMILY),
        (2, "Regular"),
        (3, f"{source_version};LANDMAP;{PS_NAME}"),
        (4, f"{FAMILY} Regular"),
        (6, PS_NAME),
        (10, description),
    ):
        name.removeNames(nameID=name_id)
        name.setName(value, name_id, 3, 1, 0x409)
    # Typographic family names (16/17) and the trademark line would still say "Noto".
    for name_id in (7, 16, 17, 21, 22):
        name.removeNames(nameID=name_id)


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    if not source.exists():
        print(f"{source} not found; install Debian's fonts-noto-cjk or pass the font path")
        return 1
    font = load_source(source)
    source_version = f"{font['head'].fontRevision:.3f}"
    codepoints = wanted_codepoints()
    subset_font(font, codepoints)
    cff_to_truetype(font)
    rename(font, source_version)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    # recalcTimestamp=False keeps head.modified from the source, so two runs give the same bytes.
    font.recalcTimestamp = False
    font.save(OUTPUT)
    covered = len(font.getBestCmap())
    digest = hashlib.sha256(OUTPUT.read_bytes()).hexdigest()
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}: {OUTPUT.stat().st_size:,} bytes")
    print(f"  {covered} characters of {len(codepoints)} asked for (the rest are not in the source)")
    print(f"  sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
