"""Pillow, set up once for every reader of uploaded photos (the device photos, the passport
scan): HEIC opened, truncated files refused, and EXIF orientation applied the same way.

Pillow's switches are process-wide, so they live here and nowhere else.
"""

from __future__ import annotations

import warnings

from PIL import Image, ImageFile

try:  # HEIC (iPhone photos): libheif bundled in the pillow-heif wheel
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - the plugin is in requirements.txt
    HEIF_SUPPORTED = False

# A truncated upload is refused, never padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# Pillow warns between MAX_IMAGE_PIXELS and twice that; every reader refuses such images
# explicitly, so the warning would only be noise in the logs.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation of the file as opened (1 = upright). Read before any conversion:
    a converted or resized copy no longer carries the file's EXIF."""
    return image.getexif().get(_ORIENTATION_TAG, 1)


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """The picture as the camera's holder saw it."""
    return image.transpose(_TRANSPOSE[orientation]) if orientation in _TRANSPOSE else image
