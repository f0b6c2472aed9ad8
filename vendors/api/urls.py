from rest_framework.routers import SimpleRouter

from vendors.api import views

router = SimpleRouter()
router.register("vendors", views.VendorViewSet, basename="api-vendor")
router.register("contacts", views.VendorContactViewSet, basename="api-vendorcontact")
router.register("certifications", views.CertificationViewSet, basename="api-certification")

urlpatterns = router.urls
