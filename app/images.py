"""The contour map as a picture: filled bands with dark level lines, encoded as PNG with NumPy and zlib.

The map is static, so the browser gets it once as a cached image behind the moving traces: the
animation then redraws only the paths and balls (a Plotly contour trace would be recomputed with
every frame).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from plotly.colors import sequential

from landscapes.base import Landscape

LEVELS = 26
LONG_SIDE = 640


def colormap(values: np.ndarray) -> np.ndarray:
    """Viridis (as Plotly draws it) for values in [0, 1]: ``(..., 3)`` uint8 RGB."""
    stops = np.array(
        [[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in sequential.Viridis], dtype=np.float64
    )
    positions = np.linspace(0.0, 1.0, len(stops))
    v = np.clip(values, 0.0, 1.0)
    rgb = np.stack([np.interp(v, positions, stops[:, k]) for k in range(3)], axis=-1)
    return np.round(rgb).astype(np.uint8)


def pixel_size(landscape: Landscape) -> tuple[int, int]:
    """Width and height in pixels, keeping the window's aspect ratio."""
    (x0, x1), (y0, y1) = landscape.bounds
    ratio = (y1 - y0) / (x1 - x0)
    if ratio <= 1:
        return LONG_SIDE, max(2, round(LONG_SIDE * ratio))
    return max(2, round(LONG_SIDE / ratio)), LONG_SIDE


def contour_rgb(landscape: Landscape, heights, height_range) -> np.ndarray:
    """Filled contour bands with darker level lines: ``(rows, cols, 3)`` uint8, row 0 at the top.

    ``heights``: ``(rows, cols)`` display heights over the window, row 0 at the bottom (y increasing).
    """
    lo, hi = height_range
    scaled = np.clip((np.nan_to_num(heights, nan=hi) - lo) / (hi - lo), 0.0, 1.0)
    band = np.minimum(np.floor(scaled * LEVELS), LEVELS - 1)
    rgb = colormap((band + 0.5) / LEVELS).astype(np.float64)
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    rgb[edge] *= 0.62
    return np.round(rgb[::-1]).astype(np.uint8)


def encode_png(rgb: np.ndarray) -> bytes:
    """A ``(rows, cols, 3)`` uint8 image as PNG bytes (8-bit RGB, no filtering)."""
    rows, cols, _ = rgb.shape
    raw = np.zeros((rows, cols * 3 + 1), dtype=np.uint8)
    raw[:, 1:] = rgb.reshape(rows, cols * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", cols, rows, 8, 2, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)),
            chunk(b"IEND", b""),
        ]
    )
