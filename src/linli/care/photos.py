"""Photos of a care visit: checked and re-encoded before anything is written, exactly as the
photos of an appeal are (a JPEG of at most 1600 px a side, without camera or location data),
then saved as :class:`~linli.care.models.VisitPhoto` rows."""

from __future__ import annotations

from linli.appeals.actions.photos import PHOTO_MAX_COUNT, CleanPhoto, clean_photos

from .models import Visit, VisitPhoto

__all__ = ["PHOTO_MAX_COUNT", "CleanPhoto", "clean_photos", "save_visit_photos"]


def save_visit_photos(visit: Visit, photos: list[CleanPhoto]) -> list[VisitPhoto]:
    """Store re-encoded photos (from :func:`clean_photos`) on ``visit``; the caller holds the
    transaction."""
    rows = []
    for photo in photos:
        row = VisitPhoto(visit=visit, width=photo.width, height=photo.height, size=photo.size)
        row.file.save("photo.jpg", photo.content, save=False)
        row.save()
        rows.append(row)
    return rows
