"""Images written by PIL (an independent encoder) for tests/tensor/test_image_io.cpp.

Run: /usr/bin/python3 tests/reference/make_image_fixtures.py  (writes tests/fixtures/image_*.{png,jpg}).
Pixel values follow formulas the C++ test recomputes:
  image_grey16.png  16-bit grey 7x5 (W x H):  v(i, j) = (i * 7 + j) * 1543 % 65536   (row i, column j)
  image_rgba8.png   8-bit RGBA 6x4:           c-th channel = (i * 6 + j) * 10 + 60 * c  (mod 256)
  image_palette.png 8-bit palette 5x3 (mode P, 3 colours): index (i + j) % 3 -> (255,0,0), (0,255,0), (0,0,255)
  image_rgb.jpg     RGB 32x24 quality 95:     (8 j, 10 i, 128)  (smooth, so JPEG error is small)
"""
import os

import numpy as np
from PIL import Image

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")

i, j = np.mgrid[0:5, 0:7]
grey16 = ((i * 7 + j) * 1543 % 65536).astype(np.uint16)
Image.fromarray(grey16, mode="I;16").save(os.path.join(out, "image_grey16.png"))

i, j = np.mgrid[0:4, 0:6]
rgba = np.stack([((i * 6 + j) * 10 + 60 * c) % 256 for c in range(4)], -1).astype(np.uint8)
Image.fromarray(rgba, mode="RGBA").save(os.path.join(out, "image_rgba8.png"))

i, j = np.mgrid[0:3, 0:5]
pal = Image.fromarray(((i + j) % 3).astype(np.uint8), mode="P")
pal.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
pal.save(os.path.join(out, "image_palette.png"))

i, j = np.mgrid[0:24, 0:32]
rgb = np.stack([8 * j, 10 * i, np.full_like(i, 128)], -1).astype(np.uint8)
Image.fromarray(rgb, mode="RGB").save(os.path.join(out, "image_rgb.jpg"), quality=95)
