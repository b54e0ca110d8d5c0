"""Test images made on the fly: photo-like JPEGs with EXIF (GPS, orientation), bombs, garbage."""

from __future__ import annotations

import io
import os

from PIL import ExifTags, Image

GPS_LATITUDE = (55.0, 45.0, 21.0)  # Москва, a client's home in a real photo


def photo_like(width: int, height: int) -> Image.Image:
    """Smooth colour blobs plus sensor-like noise: compresses like a real photo, not like a
    flat test card (flat images make every codec look fast)."""
    base = Image.frombytes("RGB", (16, 12), os.urandom(16 * 12 * 3)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    noise = Image.effect_noise((width, height), 48).convert("RGB")
    return Image.blend(base, noise, 0.18)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 13"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (37.0, 37.0, 5.0)
    return exif


def jpeg_bytes(
    width: int = 800,
    height: int = 600,
    *,
    orientation: int = 1,
    gps: bool = True,
    quality: int = 90,
    image: Image.Image | None = None,
) -> bytes:
    image = image or photo_like(width, height)
    buffer = io.BytesIO()
    extra = {"exif": exif_with_gps(orientation).tobytes()} if gps or orientation != 1 else {}
    image.save(buffer, "JPEG", quality=quality, **extra)
    return buffer.getvalue()


def marked_jpeg(width: int = 600, height: int = 400, *, orientation: int = 6) -> bytes:
    """A landscape picture whose top-left quarter is red, stored with an EXIF rotation: after
    orientation is applied the red corner moves where the rotation says."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    return jpeg_bytes(image=image, orientation=orientation, quality=95)


def png_bytes(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **params)
    return buffer.getvalue()


def webp_bytes(width: int = 640, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    photo_like(width, height).save(buffer, "WEBP", quality=80)
    return buffer.getvalue()


def heic_bytes(width: int = 640, height: int = 480, *, orientation: int = 1) -> bytes:
    """An iPhone-style HEIC, with GPS in its EXIF."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    exif = exif_with_gps(orientation).tobytes()
    photo_like(width, height).save(buffer, "HEIF", quality=70, exif=exif)
    return buffer.getvalue()


def bomb_png(width: int = 8000, height: int = 7500) -> bytes:
    """60 megapixels in a few kilobytes: a 1-bit PNG of one colour."""
    return png_bytes(Image.new("1", (width, height), 0), optimize=True)


def transparent_png(width: int = 300, height: int = 200) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, width // 2, height))
    return png_bytes(image)


def truncated_jpeg() -> bytes:
    data = jpeg_bytes(1600, 1200, gps=False)
    return data[: len(data) // 2]


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def oversized_bytes(megabytes: int = 25) -> bytes:
    """A real JPEG header followed by padding: big, and would decode if size were not checked."""
    head = jpeg_bytes(64, 64, gps=False)
    return head + b"\0" * (megabytes * 1024 * 1024 - len(head))
