"""Photos of an appeal: checked and re-encoded before anything is written, so that camera and
location data never stay on the server and a file that is not an image is refused clearly."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from linli.core.errors import ActionError

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_COUNT = 6
PHOTO_MAX_SIDE = 1600
PHOTO_MAX_PIXELS = 50_000_000


@dataclass
class CleanPhoto:
    content: ContentFile
    width: int
    height: int
    size: int


def clean_photos(files, *, field: str = "photos") -> list[CleanPhoto]:
    """Each upload as a JPEG of at most 1600 px a side, without EXIF; bad input → ActionError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    files = [f for f in (files or []) if f]
    if len(files) > PHOTO_MAX_COUNT:
        raise ActionError(
            _("At most %(count)d photos, please.") % {"count": PHOTO_MAX_COUNT}, field=field
        )
    cleaned: list[CleanPhoto] = []
    for upload in files:
        size = getattr(upload, "size", None) or 0
        if size > PHOTO_MAX_BYTES:
            raise ActionError(
                _("A photo may be at most %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 1024 // 1024},
                field=field,
            )
        try:
            with Image.open(upload) as image:
                if image.width * image.height > PHOTO_MAX_PIXELS:
                    raise ActionError(
                        _("This photo is too large; please send a smaller one."), field=field
                    )
                if image.format not in {"JPEG", "PNG", "WEBP", "HEIF", "GIF", "MPO"}:
                    raise UnidentifiedImageError
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGB")
                image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=82, optimize=True)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise ActionError(
                _("This file is not a photo we can read (use JPEG, PNG or WebP)."), field=field
            ) from None
        data = out.getvalue()
        cleaned.append(CleanPhoto(ContentFile(data), image.width, image.height, len(data)))
    return cleaned


def save_photos(appeal, photos: list[CleanPhoto], *, by, by_staff: bool) -> int:
    from ..models import Photo

    for photo in photos:
        row = Photo(
            appeal=appeal,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            by_staff=by_staff,
            uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        )
        row.file.save("photo.jpg", photo.content, save=False)
        row.save()
    return len(photos)
