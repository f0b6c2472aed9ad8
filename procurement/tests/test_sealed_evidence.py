"""Evidence attached to a bid is sealed like the bid itself until the RFP's deadline."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assurance.demo import demo_pdf
from assurance.services import evidence_file_upload
from procurement.tests.factories import BidAnswerFactory, BidFactory, RfpCriterionFactory

PDF = demo_pdf("Sealed evidence")


def _bid_evidence(member, vendor_a, settings, tmp_path, *, deadline):
    settings.EVIDENCE_ROOT = tmp_path
    bid = BidFactory(vendor=vendor_a, rfp__deadline=deadline)
    evidence = evidence_file_upload(
        actor=member,
        uploaded_file=SimpleUploadedFile("take-back-programme.pdf", PDF),
        vendor=vendor_a,
        target=bid,
    )
    BidAnswerFactory(
        bid=bid, criterion=RfpCriterionFactory(rfp=bid.rfp, asks_evidence=True), evidence=evidence
    )
    return evidence


def test_officer_cannot_open_bid_evidence_before_the_deadline(
    client_for, officer, member, vendor_a, settings, tmp_path
):
    deadline = timezone.now() + datetime.timedelta(days=3)
    evidence = _bid_evidence(member, vendor_a, settings, tmp_path, deadline=deadline)
    url = f"/assurance/evidence/{evidence.pk}/download/"
    assert client_for(officer).get(url).status_code == 404
    # The bidder still has its own file.
    assert client_for(member).get(url).status_code == 200


def test_officer_opens_bid_evidence_after_the_deadline(
    client_for, officer, member, vendor_a, settings, tmp_path
):
    deadline = timezone.now() - datetime.timedelta(minutes=1)
    evidence = _bid_evidence(member, vendor_a, settings, tmp_path, deadline=deadline)
    response = client_for(officer).get(f"/assurance/evidence/{evidence.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
