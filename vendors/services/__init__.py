"""Writes of the vendors app, one module per area; import from here."""

from vendors.services.master import (  # noqa: F401
    CERTIFICATION_FIELDS,
    CONTACT_FIELDS,
    VENDOR_FIELDS,
    InvitationUnusable,
    certification_create,
    certification_delete,
    certification_update,
    invitation_url,
    vendor_contact_create,
    vendor_contact_delete,
    vendor_contact_invite,
    vendor_contact_update,
    vendor_create,
    vendor_invitation_accept,
    vendor_invitation_lookup,
    vendor_update,
)
