"""The tenant boundary: which vendor a portal or API user acts for.

A vendor user belongs to exactly one vendor (``VendorMembership`` is one-to-one with the user).
Staff never have a membership and vendor users are never staff; both portal views and API
viewsets build on :func:`vendor_for_user`, so no query of theirs can reach another vendor's rows.
"""

from __future__ import annotations

from vendors.models import Vendor, VendorMembership


def membership_for_user(user) -> VendorMembership | None:
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return None
    cached = getattr(user, "_tenderleaf_membership", False)
    if cached is not False:
        return cached
    membership = VendorMembership.objects.select_related("vendor").filter(user=user).first()
    user._tenderleaf_membership = membership
    return membership


def vendor_for_user(user) -> Vendor | None:
    membership = membership_for_user(user)
    return membership.vendor if membership else None
