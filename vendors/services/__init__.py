"""Writes of the vendors app, one module per area; import from here."""

from vendors.services.disclosure_bulk import BulkResult, disclosure_bulk_upload  # noqa: F401
from vendors.services.disclosures import (  # noqa: F401
    CERTIFICATE_UPLOAD_FIELDS,
    DISCLOSURE_FIELDS,
    DisclosureRequestBatch,
    DisclosureWarningsUnconfirmed,
    certification_upload,
    certification_verify,
    disclosure_accept,
    disclosure_check,
    disclosure_evidence_attach,
    disclosure_facts,
    disclosure_reject,
    disclosure_request_create,
    disclosure_requests_create_bulk,
    disclosure_save_draft,
    disclosure_submit,
)
from vendors.services.footprints import (  # noqa: F401
    FootprintImportRefused,
    product_footprint_import,
)
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
