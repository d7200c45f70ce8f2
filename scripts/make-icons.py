"""Draws the app icons (PNG 192/512, plain and maskable) with the standard library only.

Run once after changing the design: `python3 scripts/make-icons.py`; the PNGs are committed.
The mark is a white shield with a check on the theme colour; the maskable variants keep it
inside the central 80 % safe zone and fill the whole square with the background.
"""
import struct
import zlib

THEME = (11, 93, 91)
WHITE = (255, 255, 255)


def inside_shield(x, y):
    # Unit square coordinates, shield centred: flat top, sides curving to a point.
    if y < 0.12 or y > 0.9 or x < 0.18 or x > 0.82:
        return False
    if y < 0.55:
        return True
    half = 0.32 * (1 - ((y - 0.55) / 0.35) ** 1.6)
    return abs(x - 0.5) <= half


def near_segment(px, py, ax, ay, bx, by, width):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    cx, cy = ax + t * dx, ay + t * dy
    return (px - cx) ** 2 + (py - cy) ** 2 <= width * width


def pixel(x, y, maskable):
    # Maskable icons shrink the mark into the safe zone.
    scale = 0.72 if maskable else 0.96
    ux = (x - 0.5) / scale + 0.5
    uy = (y - 0.5) / scale + 0.5
    if not maskable:
        # Rounded-square background; transparent corners.
        r = 0.18
        cx = min(max(x, r), 1 - r)
        cy = min(max(y, r), 1 - r)
        if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
            return (0, 0, 0, 0)
    if inside_shield(ux, uy):
        tick = near_segment(ux, uy, 0.35, 0.47, 0.46, 0.6, 0.045) or near_segment(
            ux, uy, 0.46, 0.6, 0.67, 0.36, 0.045)
        return THEME + (255,) if tick else WHITE + (255,)
    return THEME + (255,)


def png(size, maskable):
    rows = bytearray()
    sub = 3  # 3×3 supersampling for smooth edges
    for j in range(size):
        rows.append(0)
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(sub):
                for si in range(sub):
                    p = pixel((i + (si + 0.5) / sub) / size, (j + (sj + 0.5) / sub) / size, maskable)
                    for k in range(4):
                        acc[k] += p[k]
            rows.extend(round(a / (sub * sub)) for a in acc)

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    for size in (192, 512):
        open(f"public/icons/icon-{size}.png", "wb").write(png(size, False))
        open(f"public/icons/icon-maskable-{size}.png", "wb").write(png(size, True))
