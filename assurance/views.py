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

from assurance.models import EvidenceBundle, EvidenceFile
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


# --- auditors' pages: evidence bundles and the audit trail ------------------------------------


def _assurance_user(user, permission: str = "assurance.view_evidencebundle") -> bool:
    """Auditors and staff allowed to view bundles; vendor users never (they are not staff)."""
    return user.is_authenticated and user.is_staff and user.has_perm(permission)


def _require(request, permission: str = "assurance.view_evidencebundle") -> None:
    # 404, not 403: the pages' existence is nobody else's business.
    if not _assurance_user(request.user, permission):
        raise Http404


@never_cache
@login_required
def assurance_index(request):
    """Bundles requested so far and the form to request one."""
    from django.shortcuts import redirect, render

    from assurance.bundles.forms import BundleRequestForm
    from assurance.bundles.services import evidence_bundle_request
    from assurance.models import EvidenceBundle

    _require(request)
    form = BundleRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        bundle = evidence_bundle_request(actor=request.user, **form.bundle_kwargs())
        return redirect("assurance:bundle_detail", pk=bundle.pk)
    bundles = EvidenceBundle.objects.select_related(
        "vendor", "contract", "run", "requested_by"
    ).order_by("-requested_at", "-id")[:100]
    return render(request, "assurance/index.html", {"form": form, "bundles": bundles})


@require_safe
@never_cache
@login_required
def bundle_detail(request, pk):
    from django.shortcuts import render

    from assurance.models import EvidenceBundle

    _require(request)
    bundle = get_object_or_404(
        EvidenceBundle.objects.select_related("vendor", "contract", "run", "requested_by"), pk=pk
    )
    from django.urls import reverse
    from django.utils import timezone

    from assurance.selectors import evidence_bundle_progress
    from config.progress import progress_html

    working = bundle.status in {EvidenceBundle.Status.PENDING, EvidenceBundle.Status.RUNNING}
    progress = progress_html(
        evidence_bundle_progress(bundle),
        timezone.now(),
        url=reverse("assurance:bundle_progress", args=[bundle.pk]),
        label=f"Progress of evidence bundle {bundle.pk}",
        reload_when_done=True,  # the downloads show once it is done
    )
    return render(
        request,
        "assurance/bundle_detail.html",
        {"bundle": bundle, "working": working, "progress": progress},
    )


@require_safe
@never_cache
def bundle_progress(request, pk):
    """The bundle's progress as JSON for static/js/progress.js (the detail page polls it);
    404 for anyone who may not see bundles, as for a bundle that does not exist."""
    from django.utils import timezone

    from assurance.selectors import evidence_bundle_progress
    from config.progress import progress_response

    _require(request)
    bundle = get_object_or_404(EvidenceBundle, pk=pk)
    return progress_response(evidence_bundle_progress(bundle), timezone.now())


@require_safe
@never_cache
@login_required
def bundle_download(request, pk, kind):
    """The bundle's PDF or ZIP, for auditors and staff with view permission; recorded."""
    from assurance.bundles.services import evidence_bundle_download
    from assurance.models import EvidenceBundle

    _require(request)
    if kind not in {"pdf", "zip"}:
        raise Http404
    bundle = get_object_or_404(EvidenceBundle, pk=pk, status=EvidenceBundle.Status.DONE)
    try:
        handle = evidence_bundle_download(actor=request.user, bundle=bundle, kind=kind)
    except FileNotFoundError:
        logger.error("bundle %s %s is missing from storage", bundle.pk, kind)
        raise Http404("This file is not available.") from None
    filename = f"{bundle.file_stem}.{kind}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/pdf" if kind == "pdf" else "application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = content_disposition_attachment(filename)
    return response


@never_cache
@login_required
def audit_trail(request):
    """Re-verify the chain on request (POST) and show the head and the first broken row."""
    from django.shortcuts import render

    from assurance.chain import audit_chain_extend, audit_chain_verify, chain_head

    _require(request, "assurance.view_chainlink")
    result = None
    if request.method == "POST":
        audit_chain_extend()
        result = audit_chain_verify()
    return render(request, "assurance/audit_trail.html", {"result": result, "head": chain_head()})


# Let the cross-app tenant isolation test know which model these routes serve.
bundle_detail.tenant_model = EvidenceBundle
bundle_progress.tenant_model = EvidenceBundle
bundle_download.tenant_model = EvidenceBundle
