from rest_framework.routers import SimpleRouter

from vendors.api import disclosures, footprints, views

router = SimpleRouter()
router.register("vendors", views.VendorViewSet, basename="api-vendor")
router.register("contacts", views.VendorContactViewSet, basename="api-vendorcontact")
# The certification endpoint with the certificate upload and verification (docs/domain.md,
# "Vendor disclosure"); clients also know it as /certificates/, so it answers under both names.
router.register("certifications", disclosures.CertificateViewSet, basename="api-certification")
router.register("certificates", disclosures.CertificateViewSet, basename="api-certificate")
router.register(
    "disclosure-requests",
    disclosures.DisclosureRequestViewSet,
    basename="api-disclosurerequest",
)
router.register("disclosures", disclosures.EmissionsDisclosureViewSet, basename="api-disclosure")
router.register(
    "product-footprints", footprints.ProductFootprintViewSet, basename="api-productfootprint"
)

urlpatterns = router.urls
