"""Rebuild marketplace/web/fonts/wqy-zenhei-gb2312.ttf from Debian's fonts-wqy-zenhei:

    apt-get install fonts-wqy-zenhei && pip install fonttools
    python scripts/subset_font.py

The characters: ASCII, GB 2312, CJK symbols and punctuation, full-width forms, a few signs.
Not part of the app (fontTools is not one of its dependencies)."""

from __future__ import annotations

import io
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

SOURCE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
TARGET = Path(__file__).resolve().parent.parent / "marketplace/web/fonts/wqy-zenhei-gb2312.ttf"


def characters() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    chars |= set("¥·—–‘’“”…№℃×÷≤≥")
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(bytes([b1, b2]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(sorted(chars))


def main() -> None:
    buffer = io.BytesIO()
    TTCollection(SOURCE).fonts[0].save(buffer)  # the first face: WenQuanYi Zen Hei
    buffer.seek(0)
    font = TTFont(buffer)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["EBDT", "EBLC", "EBSC", "gasp", "vhea", "vmtx"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    font.save(TARGET)
    print(f"{TARGET}: {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
