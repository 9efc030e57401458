"""The two upload URLs: ``POST /uploads/`` (the composer sends one file, gets JSON back) and
``GET /uploads/<key>/<name>`` (the file, after the reading check)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from . import selectors, services
from .checks import UploadRefused
from .models import Upload
from .permissions import can_upload, upload_limits, upload_refusal
from .storage import PrivateUploadStorage, signs_urls, upload_storage

# Room for the multipart envelope around the file itself.
_ENVELOPE_BYTES = 64 * 1024
# A file opened on its own is never a page that can run anything.
_FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _error(message: str, status: int = 400) -> JsonResponse:
    # Sizes come with no-break spaces, which plain JSON readers show oddly.
    return JsonResponse({"error": message.replace("\xa0", " ")}, status=status)


@require_POST
def upload_create(request):
    user = request.user
    if not can_upload(user):
        return _error(upload_refusal(user), status=403)
    limits = upload_limits(user)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limits.max_bytes + _ENVELOPE_BYTES:
        # Refused before the body is read, so a huge file costs nothing.
        return _error(
            f"That file is too large: the limit is {filesizeformat(limits.max_bytes)}. "
            "Make it smaller (or zip a log) and try again.",
            status=413,
        )
    try:
        file = request.FILES.get("file")
    except (MultiPartParserError, SuspiciousOperation):
        return _error("The upload arrived incomplete. Please try again.")
    if file is None:
        return _error("Choose a file to attach.")
    try:
        upload = services.upload_create(owner=user, file=file)
    except PermissionDenied as denied:
        return _error(str(denied) or upload_refusal(user), status=403)
    except UploadRefused as refused:
        return _error(str(refused))
    return JsonResponse(upload_json(upload), status=201)


def upload_json(upload: Upload) -> dict:
    url = upload.get_absolute_url()
    size_label = filesizeformat(upload.size).replace("\xa0", " ")
    if upload.is_image:
        markdown = f"![{upload.name}]({url})"
    else:
        markdown = f"[{upload.name} ({size_label})]({url})"
    return {
        "url": url,
        "markdown": markdown,
        "name": upload.name,
        "size": upload.size,
        "size_label": size_label,
        "kind": upload.kind,
        "width": upload.width,
        "height": upload.height,
    }


@require_safe
def upload_serve(request, key, name):
    upload = selectors.upload_get_for_viewer(key=key, name=name, viewer=request.user)
    stored = _variant(upload, request.GET.get("size", ""))
    content_type = upload.content_type if stored is upload.file else _image_type(stored.name)
    disposition = content_disposition_header(not upload.is_image, upload.name)
    public = selectors.upload_is_public(upload)
    storage = upload_storage()
    if signs_urls(storage):
        url = storage.url(
            stored.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            expire=settings.STOA_UPLOAD_SIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
        # The signed address expires: never keep the redirect longer than it lives.
        patch_cache_control(response, private=True, no_store=True)
        return response
    accel = settings.STOA_UPLOAD_ACCEL_REDIRECT
    if accel and isinstance(storage, PrivateUploadStorage):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{stored.name}"
    else:
        response = FileResponse(storage.open(stored.name, "rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Public posts' files may sit in shared caches for a few minutes; everything else stays
    # in the reader's own browser only. A post that moves or is hidden is checked again on
    # the next request.
    if public:
        patch_cache_control(response, public=True, max_age=300)
    else:
        patch_cache_control(response, private=True, max_age=3600)
        response["Vary"] = "Cookie"
    return response


def _variant(upload: Upload, size: str):
    if size == "thumb":
        return upload.thumbnail or upload.display or upload.file
    if size == "display":
        return upload.display or upload.file
    return upload.file


def _image_type(name: str) -> str:
    return "image/webp" if name.endswith(".webp") else "image/png"
