"""Media files: private storage, uploads, and signed expiring public URLs for the platforms.

Files live under `<instance>/media/` (never served as static files). Instagram
and TikTok fetch media from a URL, so each file gets a signed link under
`WARTA_PUBLIC_URL` that expires (`WARTA_MEDIA_URL_SECONDS`, itsdangerous). In
production a public base URL that resolves to a private or loopback address is
refused: the platform could never fetch it.

Type is sniffed from the bytes (`filetype`), never trusted from the upload;
image dimensions come from the headers (`imagesize`, no decoding); a video's
duration from its `moov` box (`mutagen`, pure Python, no ffprobe), so adapters
can check the platforms' duration limits. A video whose duration cannot be read
is stored with `duration_seconds = None` (the limits are then checked by the platform).
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
import socket
from pathlib import Path
from urllib.parse import urlsplit

import filetype
import imagesize
from flask import Blueprint, abort, current_app, send_file
from flask import request as flask_request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from mutagen import MutagenError
from mutagen.mp4 import MP4
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from adapters.base import MediaItem
from app import audit
from app.extensions import db
from app.models import Media, Organisation, Role
from app.tenancy import get_scoped_or_404

bp = Blueprint("media", __name__)

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})
UPLOAD_ROLES = (Role.ADMIN, Role.COORDINATOR)
CHUNK = 1024 * 1024


class MediaRejected(ValueError):
    """An upload Warta will not store; the message is translated for the uploader."""


class UnreachablePublicURL(RuntimeError):
    """WARTA_PUBLIC_URL points at an address the platforms cannot reach."""


def media_root() -> Path:
    return Path(current_app.instance_path) / "media"


def store_upload(upload: FileStorage, organisation: Organisation, uploaded_by_id: int, alt_text: str = "") -> Media:
    """Check, hash and store an uploaded file; returns the (flushed) Media row."""
    root = media_root()
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp_path = tmp_dir / secrets.token_hex(16)
    digest, size = hashlib.sha256(), 0
    limit = max(current_app.config["WARTA_MEDIA_MAX_IMAGE_BYTES"], current_app.config["WARTA_MEDIA_MAX_VIDEO_BYTES"])
    try:
        with open(tmp_path, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise MediaRejected(_("The file is too large."))
                digest.update(chunk)
                out.write(chunk)
        kind = filetype.guess(str(tmp_path))
        content_type = kind.mime if kind else ""
        if content_type not in IMAGE_TYPES | VIDEO_TYPES:
            raise MediaRejected(_("Only JPEG, PNG, WebP or GIF images and MP4 or MOV videos can be uploaded."))
        is_image = content_type in IMAGE_TYPES
        max_bytes = current_app.config["WARTA_MEDIA_MAX_IMAGE_BYTES" if is_image else "WARTA_MEDIA_MAX_VIDEO_BYTES"]
        if size > max_bytes:
            raise MediaRejected(_("The file is larger than %(limit)d MB.", limit=max_bytes // (1024 * 1024)))
        width = height = duration = None
        if is_image:
            width, height = imagesize.get(str(tmp_path))
            if width <= 0 or height <= 0:
                raise MediaRejected(_("The image could not be read."))
        else:
            duration = video_duration(tmp_path)
        storage_key = f"{digest.hexdigest()[:2]}/{secrets.token_hex(16)}"
        final = root / storage_key
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)
    media = Media(organisation_id=organisation.id, uploaded_by_id=uploaded_by_id,
                  filename=(upload.filename or "upload")[:255], content_type=content_type, size_bytes=size,
                  sha256=digest.hexdigest(), storage_key=storage_key, width=width, height=height,
                  duration_seconds=duration, alt_text=alt_text[:1000])
    db.session.add(media)
    db.session.flush()
    return media


def video_duration(path: str | Path) -> float | None:
    """Seconds of an MP4/MOV video from its `moov` box; None when the file cannot be read as one.

    mutagen reports the audio track's length when there is one, else the movie's (`mvhd`).
    """
    try:
        length = MP4(str(path)).info.length
    except (MutagenError, OSError, ValueError):
        return None
    return round(float(length), 3) if length and length > 0 else None


# -- signed public URLs ---------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="warta-media-url")


def check_public_base(url: str) -> None:
    """In production, refuse a public base URL whose host resolves to a private/loopback address."""
    if current_app.config.get("WARTA_ENV") != "production":
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as exc:
        raise UnreachablePublicURL(f"WARTA_PUBLIC_URL host {host!r} does not resolve") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified:
            raise UnreachablePublicURL(
                f"WARTA_PUBLIC_URL host {host!r} resolves to {ip}, which the platforms cannot reach")


def public_url(media: Media) -> str:
    """A signed link to `media` under WARTA_PUBLIC_URL, valid for WARTA_MEDIA_URL_SECONDS."""
    base = current_app.config["WARTA_PUBLIC_URL"]
    check_public_base(base)
    token = _serializer().dumps(media.id)
    return f"{base}/public/media/{media.id}/{token}"


def media_item(media: Media) -> MediaItem:
    """The adapter-facing description of `media`, with a fresh signed URL."""
    return MediaItem(url=public_url(media), kind="image" if media.content_type in IMAGE_TYPES else "video",
                     content_type=media.content_type, size_bytes=media.size_bytes, width=media.width,
                     height=media.height, duration_seconds=media.duration_seconds, alt_text=media.alt_text,
                     path=str(media_root() / media.storage_key))


# -- routes --------------------------------------------------------------------------------


@bp.route("/orgs/<int:org_id>/media", methods=["POST"])
@login_required
def upload(org_id: int) -> tuple[dict, int]:
    """Upload one image or video for an organisation (admins and coordinators)."""
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=UPLOAD_ROLES)
    file = flask_request.files.get("file")
    if file is None:
        return {"error": _("Choose a file to upload.")}, 400
    try:
        media = store_upload(file, organisation, current_user.id, flask_request.form.get("alt_text", ""))
    except MediaRejected as exc:
        db.session.rollback()
        return {"error": str(exc)}, 400
    audit.record("media.uploaded", media, after={"filename": media.filename, "sha256": media.sha256,
                                                 "size_bytes": media.size_bytes,
                                                 "duration_seconds": media.duration_seconds})
    db.session.commit()
    return {"id": media.id, "content_type": media.content_type, "size_bytes": media.size_bytes,
            "sha256": media.sha256, "width": media.width, "height": media.height,
            "duration_seconds": media.duration_seconds}, 201


@bp.route("/media/<int:media_id>")
@login_required
def preview(media_id: int) -> Response:
    """The file itself, for members of its organisation."""
    media = get_scoped_or_404(Media, media_id, current_user)
    return send_file(media_root() / media.storage_key, mimetype=media.content_type)


@bp.route("/public/media/<int:media_id>/<token>")
def public_file(media_id: int, token: str) -> Response:
    """The signed public link fetched by platforms; 404 for a wrong, foreign or expired signature."""
    try:
        signed_id = _serializer().loads(token, max_age=current_app.config["WARTA_MEDIA_URL_SECONDS"])
    except (BadSignature, SignatureExpired):
        abort(404)
    if signed_id != media_id:
        abort(404)
    media = db.session.get(Media, media_id)
    if media is None:
        abort(404)
    response = send_file(media_root() / media.storage_key, mimetype=media.content_type, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
