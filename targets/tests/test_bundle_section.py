"""The scorecard section of a vendor's evidence bundle."""

import pytest

from targets.tests.support import completed_run, est
from tenderleaf.bundles.vendor_period import load_vendor_period

pytestmark = pytest.mark.django_db


def test_vendor_bundle_has_the_scorecard(vendor_a, vendor_b):
    completed_run(2025, [est(vendor_a, "4321000"), est(vendor_b, "9876000")])
    content = load_vendor_period(vendor_a.pk, 2025, 2025)
    section = next(s for s in content.sections if s.key == "scorecard")
    assert "4,321" in section.body
    assert "Supplier scorecard" in section.body
    assert "9,876" not in section.body  # another vendor's figure
