"""Evidence bundles: content, manifest, ZIP, integrity, progress, memory cap, query counts."""

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from assurance import tasks
from assurance.bundles.render import RenderFailed, RenderJob, render_isolated
from assurance.bundles.services import (
    bundle_file_open,
    evidence_bundle_generate,
    evidence_bundle_request,
)
from assurance.demo import demo_pdf
from assurance.history import acting_as
from assurance.models import AuditEvent, EvidenceBundle
from assurance.services import evidence_file_upload
from assurance.storage import evidence_storage
from tenderleaf.bundles.vendor_period import load_vendor_period
from vendors.models import Certification, EmissionsDisclosure

PDF_BYTES = demo_pdf("Bundle evidence")


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def upload(actor, name, content, **kwargs):
    return evidence_file_upload(
        actor=actor, uploaded_file=SimpleUploadedFile(name, content), **kwargs
    )


def vendor_period_data(*, officer, vendor, edits=3, year=2024, comment="Figures checked."):
    """A certificate with evidence, a disclosure edited ``edits`` times and accepted, and two
    evidence files on the disclosure (two with the same name, to exercise de-duplication)."""
    certificate_file = upload(officer, "iso14001.pdf", PDF_BYTES, vendor=vendor)
    with acting_as(officer, "test data"):
        Certification.objects.create(
            vendor=vendor,
            kind=Certification.Kind.ISO_14001,
            number="EMS-77",
            certification_body="BSI",
            issue_date=dt.date(year - 1, 3, 1),
            expiry_date=dt.date(year + 2, 2, 28),
            evidence=certificate_file,
        )
        disclosure = EmissionsDisclosure.objects.create(
            vendor=vendor,
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            scope1_tco2e=Decimal("1000.000"),
            scope2_market_tco2e=Decimal("250.250"),
            revenue=Decimal("5000000.00"),
            revenue_currency="USD",
            methodology_notes="GHG Protocol corporate standard.",
            created_by=officer,
        )
        for i in range(edits):
            disclosure.scope1_tco2e += Decimal("1.5")
            disclosure.methodology_notes = f"Revision {i + 1} of the notes."
            disclosure.save()
        disclosure.status = EmissionsDisclosure.Status.ACCEPTED
        disclosure.review_comment = comment
        disclosure.reviewed_by = officer
        disclosure.reviewed_at = timezone.now()
        disclosure.save()
    files = [
        upload(officer, "evidence.pdf", PDF_BYTES + b"%one", vendor=vendor, target=disclosure),
        upload(officer, "evidence.pdf", PDF_BYTES + b"%two", vendor=vendor, target=disclosure),
        upload(
            officer, "energy data.txt", b"kWh,2024\n1200,yes\n", vendor=vendor, target=disclosure
        ),
    ]
    return disclosure, [certificate_file, *files]


def generate(officer, vendor, year=2024, **kwargs):
    bundle = evidence_bundle_request(
        actor=officer,
        scope=EvidenceBundle.Scope.VENDOR_PERIOD,
        vendor=vendor,
        year=year,
        queue=False,
    )
    return evidence_bundle_generate(bundle_id=bundle.pk, actor=officer, **kwargs)


def stored(bundle, kind) -> bytes:
    with bundle_file_open(bundle, kind) as handle:
        return handle.read()


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() or "" for page in reader.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_vendor_bundle_pdf_has_sections_figures_hashes_and_page_numbers(officer, vendor_a):
    disclosure, files = vendor_period_data(officer=officer, vendor=vendor_a)
    bundle = generate(officer, vendor_a)  # the real path: memory-capped render subprocess

    assert bundle.status == EvidenceBundle.Status.DONE, bundle.error
    pdf = stored(bundle, "pdf")
    assert hashlib.sha256(pdf).hexdigest() == bundle.pdf_sha256
    assert len(pdf) == bundle.pdf_size
    reader, pages = pdf_text(pdf)
    assert len(pages) == bundle.page_count
    text = "\n".join(pages)
    for heading in (
        "Evidence bundle",
        "Contents",
        "Summary",
        "Vendor master data",
        "Certificates and ISO 14001 audits",
        f"Disclosure #{disclosure.pk}",
        "Change history",
        "Product footprints (PACT)",
        "Audit events",
        "Evidence files",
        "Manifest of attached files",
        "How to verify this bundle",
    ):
        assert heading in text, heading
    # Figures: the edited Scope 1 (1000 + 3 x 1.5) and Scope 1 + 2 on the summary, grouped and
    # with their unit; revenue with its currency.
    squashed = squash(text)
    assert squash("1,004.5 tCO2e") in squashed
    assert squash("1,254.75 tCO2e") in squashed
    assert squash("USD 5,000,000.00") in squashed
    # Change history: who, the reason, the old and new values of an edit.
    assert "officer" in text and "test data" in text
    assert squash("Revision 2 of the notes.") in squashed
    assert squash("Revision 3 of the notes.") in squashed
    # Every manifest hash, the manifest's own hash and the chain head.
    manifest = json.loads(stored(bundle, "manifest"))
    assert len(manifest["files"]) == len(files)
    for entry in manifest["files"]:
        assert entry["sha256"] in squashed
    assert bundle.manifest_sha256 in squashed
    assert bundle.chain_head and bundle.chain_head in squash(pages[0])  # on the cover
    # Page furniture from the frame: numbers on every page but the cover.
    assert f"Page 2 of {len(pages)}" in pages[1]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "Page 1 of" not in pages[0]
    # The contents give the right page for each section.
    contents = pages[1]
    for title, expected_heading in (
        ("Manifest of attached files", "Manifest of attached files"),
        ("How to verify this bundle", "How to verify this bundle"),
    ):
        match = re.search(re.escape(title) + r"\s*(\d+)", contents)
        assert match, contents
        page_number = int(match.group(1))
        assert expected_heading in pages[page_number - 1]
    # The outline (bookmarks) names the sections too.
    assert "Manifest of attached files" in [item.title for item in reader.outline]


def test_zip_holds_pdf_manifest_and_original_files(officer, vendor_a):
    _disclosure, files = vendor_period_data(officer=officer, vendor=vendor_a)
    bundle = generate(officer, vendor_a, isolated=False)
    data = stored(bundle, "zip")
    assert hashlib.sha256(data).hexdigest() == bundle.zip_sha256
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert f"evidence-bundle-{bundle.pk}.pdf" in names
        manifest_bytes = archive.read("manifest.json")
        assert hashlib.sha256(manifest_bytes).hexdigest() == bundle.manifest_sha256
        manifest = json.loads(manifest_bytes)
        paths = [entry["path"] for entry in manifest["files"]]
        assert paths == sorted(paths)
        assert {"files/evidence.pdf", "files/evidence (2).pdf", "files/energy data.txt"} <= set(
            paths
        )
        for entry in manifest["files"]:
            content = archive.read(entry["path"])
            assert hashlib.sha256(content).hexdigest() == entry["sha256"]
            assert len(content) == entry["size"]
    assert {e.sha256 for e in files} == {e["sha256"] for e in manifest["files"]}


def test_manifest_is_byte_identical_across_generations(officer, vendor_a):
    vendor_period_data(officer=officer, vendor=vendor_a)
    first = generate(officer, vendor_a, isolated=False)
    second = generate(officer, vendor_a, isolated=False)
    assert first.pk != second.pk
    assert stored(first, "manifest") == stored(second, "manifest")
    assert first.manifest_sha256 == second.manifest_sha256
    # The PDFs differ (bundle number, time, chain head) but list the same manifest.
    assert first.pdf_sha256 != second.pdf_sha256


def test_tampered_attached_file_fails_the_bundle_and_is_recorded(officer, vendor_a):
    _disclosure, files = vendor_period_data(officer=officer, vendor=vendor_a)
    victim = files[-1]
    path = evidence_storage().path(victim.stored_name)
    with open(path, "ab") as handle:
        handle.write(b"tampered")

    bundle = generate(officer, vendor_a, isolated=False)

    assert bundle.status == EvidenceBundle.Status.FAILED
    assert "energy data.txt" in bundle.error
    assert "no longer matches the sha256" in bundle.error
    assert not bundle.pdf_name and not bundle.zip_name
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.INTEGRITY_FAILED)
    assert event.target_id == str(victim.pk)
    assert event.details["bundle"] == bundle.pk
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.BUNDLE_FAILED, target_id=str(bundle.pk)
    ).exists()


def test_celery_task_generates_with_progress_once(
    officer, vendor_a, django_capture_on_commit_callbacks
):
    vendor_period_data(officer=officer, vendor=vendor_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bundle = evidence_bundle_request(
            actor=officer, scope=EvidenceBundle.Scope.VENDOR_PERIOD, vendor=vendor_a, year=2024
        )
    assert len(callbacks) == 1  # queued on commit
    assert bundle.status == EvidenceBundle.Status.PENDING and bundle.progress == 0

    assert tasks.evidence_bundle_generate.apply(args=[bundle.pk]).get() == "done"
    bundle.refresh_from_db()
    assert (bundle.status, bundle.progress) == (EvidenceBundle.Status.DONE, 100)
    assert bundle.progress_note == f"{bundle.page_count} pages"
    # A redelivered message does nothing: only a pending bundle is claimed.
    assert tasks.evidence_bundle_generate.apply(args=[bundle.pk]).get() == "done"
    assert (
        AuditEvent.objects.filter(
            verb=AuditEvent.Verb.BUNDLE_GENERATED, target_id=str(bundle.pk)
        ).count()
        == 1
    )
    generated = AuditEvent.objects.get(verb=AuditEvent.Verb.BUNDLE_GENERATED)
    assert generated.actor.username == "tenderleaf-system"
    assert generated.details["pdf_sha256"] == bundle.pdf_sha256


def _tiny_job():
    return RenderJob(
        title="Tiny",
        footer_note="test",
        cover="<section class='section'><h1>Cover</h1></section>",
        sections=[
            {
                "key": "a",
                "title": "A",
                "body": "<section class='section' id='a'><h1>A</h1></section>",
            }
        ],
    )


def test_render_subprocess_runs_under_the_memory_cap():
    result = render_isolated(_tiny_job(), memory_mb=1024, workers=2)
    assert result.stats["rlimit_as_mb"] == 1024
    assert result.pages == 3


def test_render_fails_cleanly_when_the_memory_cap_is_too_small():
    with pytest.raises(RenderFailed):
        render_isolated(_tiny_job(), memory_mb=64, workers=1)


def test_query_count_does_not_grow_with_history(officer, vendor_a, vendor_b):
    vendor_period_data(officer=officer, vendor=vendor_a, edits=2)
    vendor_period_data(officer=officer, vendor=vendor_b, edits=40)
    counts = []
    for vendor in (vendor_a, vendor_b):
        with CaptureQueriesContext(connection) as queries:
            load_vendor_period(vendor.pk, 2024, 2024)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def contract_data(officer, vendor):
    from contracts.models import (
        AuditFinding,
        Contract,
        Iso14001Audit,
        KpiClause,
        KpiReport,
        KpiReportingPeriod,
        RenewalDecision,
    )

    with acting_as(officer, "contract test data"):
        contract = Contract.objects.create(
            vendor=vendor,
            reference="C-0042",
            title="GPU cluster lease",
            start_date=dt.date(2024, 1, 1),
            end_date=dt.date(2026, 12, 31),
            value=Decimal("2500000.00"),
            created_by=officer,
            status=Contract.Status.ACTIVE,
        )
        clause = KpiClause.objects.create(
            contract=contract,
            metric="Renewable electricity share",
            unit="%",
            direction="higher",
            baseline_value=Decimal("40"),
            baseline_year=2023,
            target_value=Decimal("90"),
            target_year=2027,
            frequency="annual",
        )
        period = KpiReportingPeriod.objects.create(
            clause=clause,
            period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 12, 31),
            due_date=dt.date(2025, 1, 31),
        )
        evidence = upload(officer, "kpi-2024.pdf", PDF_BYTES + b"%kpi", vendor=vendor)
        KpiReport.objects.create(
            period=period,
            clause=clause,
            value=Decimal("47.5000"),
            expected_value=Decimal("52.5000"),
            on_track=False,
            evidence=evidence,
            submitted_by=officer,
            submitted_at=timezone.now(),
        )
        audit = Iso14001Audit.objects.create(
            vendor=vendor,
            contract=contract,
            audit_type=Iso14001Audit.Type.ON_SITE,
            audit_date=dt.date(2025, 6, 1),
            auditor="A. Auditor, Example Assurance",
            result=Iso14001Audit.Result.CONFORMING_WITH_FINDINGS,
            created_by=officer,
        )
        AuditFinding.objects.create(
            audit=audit,
            severity=AuditFinding.Severity.MAJOR,
            clause_ref="9.1.1",
            description="Energy monitoring not calibrated.",
            corrective_action="Calibrate the meters.",
            due_date=dt.date(2025, 9, 1),
        )
        RenewalDecision.objects.create(
            contract=contract,
            outcome=RenewalDecision.Outcome.WAIVER,
            reasons=["Open major nonconformity"],
            justification="Sole supplier of the cluster; waiver for 6 months.",
            decided_by=officer,
        )
    return contract, evidence


def test_contract_bundle_has_kpis_chart_audits_and_renewals(officer, vendor_a):
    contract, evidence = contract_data(officer, vendor_a)
    bundle = evidence_bundle_request(
        actor=officer, scope=EvidenceBundle.Scope.CONTRACT, contract=contract, queue=False
    )
    bundle = evidence_bundle_generate(bundle_id=bundle.pk, actor=officer, isolated=False)
    assert bundle.status == EvidenceBundle.Status.DONE, bundle.error
    _reader, pages = pdf_text(stored(bundle, "pdf"))
    text = "\n".join(pages)
    squashed = squash(text)
    for expected in (
        "Contract C-0042",
        "KPI clauses and reports",
        "Renewable electricity share",
        "47.5%",  # the reported 47.5000 %
        "USD 2,500,000.00",
        "ISO 14001 audits and findings",
        "Major nonconformity",
        "Energy monitoring not calibrated.",
        "Renewal decisions",
        "Waived",
    ):
        assert squash(expected) in squashed, expected
    assert squash("Sole supplier of the cluster; waiver for 6 months.") in squashed
    assert evidence.sha256 in squashed
    manifest = json.loads(stored(bundle, "manifest"))
    assert [e["sha256"] for e in manifest["files"]] == [evidence.sha256]


def test_run_bundle_cites_every_pinned_dataset_and_results_with_dq(officer, vendor_a):
    from assurance.history import system_user
    from scope3.models import (
        EmissionEstimate,
        FactorDataset,
        ImportBatch,
        InventoryChunk,
        InventoryRun,
        SpendLine,
    )

    dataset = FactorDataset.objects.create(
        kind=FactorDataset.Kind.USEEIO,
        name="Supply Chain GHG Emission Factors for US Commodities and Industries",
        version="1.3.0",
        publisher="US EPA",
        doi="10.23719/1529805",
        source_url="https://catalog.data.gov/dataset/supply-chain-ghg-emission-factors",
        sha256="c" * 64,
        imported_by=system_user(),
        row_count=1,
    )
    batch = ImportBatch.objects.create(file_sha256="d" * 64, created_by=officer)
    with acting_as(officer, "run test data"):
        run = InventoryRun.objects.create(
            reporting_year=2024,
            status=InventoryRun.Status.COMPLETED,
            started_by=officer,
            total_kgco2e=Decimal("3000.000"),
            low_kgco2e=Decimal("2400.000"),
            high_kgco2e=Decimal("3600.000"),
        )
    run.datasets.add(dataset)
    chunk = InventoryChunk.objects.create(run=run, index=0, first_line_id=0, last_line_id=10)
    for i, (kg, dq) in enumerate([(Decimal("1000"), 4), (Decimal("2000"), 2)]):
        line = SpendLine.objects.create(
            batch=batch,
            row_number=i + 2,
            date=dt.date(2024, 3, 1),
            vendor=vendor_a,
            vendor_match="id",
            amount=Decimal("10000"),
            currency="USD",
        )
        EmissionEstimate.objects.create(
            run=run,
            chunk=chunk,
            spend_line=line,
            vendor=vendor_a,
            category=1,
            method="spend_based" if dq == 4 else "hybrid",
            kgco2e=kg,
            low_kgco2e=kg * Decimal("0.7"),
            high_kgco2e=kg * Decimal("1.3"),
            dq=dq,
            factor_dataset=dataset,
        )
    bundle = evidence_bundle_request(
        actor=officer, scope=EvidenceBundle.Scope.RUN, run=run, queue=False
    )
    bundle = evidence_bundle_generate(bundle_id=bundle.pk, actor=officer, isolated=False)
    assert bundle.status == EvidenceBundle.Status.DONE, bundle.error
    squashed = squash("\n".join(pdf_text(stored(bundle, "pdf"))[1]))
    for expected in (
        "Scope 3 method and factor datasets",
        "Supply Chain GHG Emission Factors",
        "1.3.0",
        "doi:10.23719/1529805",
        "c" * 64,
        "Results by vendor and category",
        "Acme Accelerators",
        "3.000",  # tCO2e of the vendor and category
        # Half-widths 300 and 600 kg in quadrature: sqrt(300^2 + 600^2) = 670.8 kg, so the
        # range is 3.000 -/+ 0.671 t; DQ weighted by kg: (4 x 1000 + 2 x 2000) / 3000 = 2.7.
        "2.329",
        "3.671",
        "2.7",
        # The reporting tables of the targets app: 2,000 of 3,000 kg from hybrid (primary data).
        "Reporting tables",
        "ESRS E1-6 Scope 3 GHG emissions, 2024",
        "Total gross Scope 3",
        "66.7",
        "Supplier engagement summary (CDP-style)",
    ):
        assert squash(expected) in squashed, expected


def test_a_large_structured_value_is_summarised_by_its_changed_keys_and_hash():
    # An inventory run's plan pins specs and the vocabulary: tens of kilobytes that a bundle
    # would otherwise print whole at every change of the run.
    import hashlib
    import json

    from assurance.bundles.sections.common import _is_large_json, _json_change

    old = {
        "chunk_lines": 5000,
        "vocabulary": {"terms": [["hardware", f"w{i}", "gpu"] for i in range(50)]},
    }
    new = {**old, "summary": {"sources": 3}}
    assert _is_large_json(new) and not _is_large_json({"chunk_lines": 5000})

    before, after = _json_change(old, new, first=False)

    text = json.dumps(new, sort_keys=True, separators=(",", ":"))
    assert after.startswith("changed: summary; 3 key(s), ")
    assert after.endswith(f"sha256 {hashlib.sha256(text.encode()).hexdigest()[:16]}")
    assert before.startswith("2 key(s), ") and len(after) < 120
