"""Views of the assurance app: the one way evidence files leave the server."""

from __future__ import annotations

import logging
import unicodedata
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from assurance.models import EvidenceFile
from assurance.selectors import evidence_files_for_user
from assurance.services import evidence_file_download

logger = logging.getLogger(__name__)


@require_safe
@never_cache
@login_required
def evidence_download(request, pk):
    """Send an evidence file as an attachment to a user allowed to see it; 404 for anyone else.

    ``attachment`` and ``nosniff`` keep the browser from rendering it in Tenderleaf's origin, and
    the Content-Type is the one sniffed at upload, never the uploader's.
    """
    evidence = get_object_or_404(evidence_files_for_user(request.user), pk=pk)
    try:
        handle = evidence_file_download(actor=request.user, evidence=evidence)
    except FileNotFoundError:
        # The row exists but the bytes are gone: an integrity incident for staff, not the user.
        logger.error("evidence file %s is missing from storage", evidence.pk)
        raise Http404("This file is not available.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = content_disposition_attachment(evidence.original_name)
    return response


# Lets the cross-app tenant isolation test know which model this route serves.
evidence_download.tenant_model = EvidenceFile


def content_disposition_attachment(filename: str) -> str:
    """``attachment`` with the file name quoted per RFC 6266.

    A non-ASCII name goes in ``filename*`` (RFC 8187, UTF-8), with an ASCII approximation in
    ``filename`` for clients that do not read the extended form.
    """
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        return (
            f"attachment; filename={_quoted(fallback or 'download')}; "
            f"filename*=UTF-8''{quote(filename, safe='')}"
        )
    return f"attachment; filename={_quoted(filename)}"


def _quoted(value: str) -> str:
    return '"{}"'.format(value.replace("\\", "\\\\").replace('"', '\\"'))
