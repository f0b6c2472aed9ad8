"""The tenant-scoping base of the vendor portal.

Every portal view that a signed-in user reaches inherits :class:`VendorPortalMixin` (or
:class:`VendorAdminRequiredMixin`, which builds on it). The mixin resolves the one vendor the user
acts for and filters every queryset by it, so a primary key of another vendor's object answers 404
(never 403: a 403 would confirm that the object exists). Only the pre-login pages (sign in, password
reset, invitation acceptance) do not inherit it, because they have no vendor yet and show no
vendor data beyond the invitation's own vendor name.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.template.response import TemplateResponse

from accounts.security import FOREIGN_OBJECT_404, security_event
from vendors.models import VendorMembership
from vendors.tenancy import membership_for_user


class VendorPortalMixin(LoginRequiredMixin):
    """Base of every portal view: a signed-in vendor user, and querysets scoped to their vendor.

    - anonymous users are redirected to the portal login;
    - staff users and users without a vendor membership get a 403 page that explains where to go,
      and never any portal data;
    - ``self.vendor`` and ``self.membership`` are set before any handler runs;
    - :meth:`get_queryset` filters ``self.queryset`` / ``self.model`` by ``vendor_lookup``
      (``"vendor"`` by default; e.g. ``"contact__vendor"`` for nested models, ``"pk"`` for the
      Vendor itself), so ``get_object()`` of Django's generic views answers 404 for another
      vendor's objects;
    - :meth:`scope` applies the same filter to any further queryset a view shows.
    """

    vendor_lookup = "vendor"
    not_vendor_user_template_name = "portal/not_vendor_user.html"

    vendor = None
    membership: VendorMembership | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = membership_for_user(request.user)
        if membership is None:
            return TemplateResponse(
                request,
                self.not_vendor_user_template_name,
                {"is_staff": request.user.is_staff},
                status=403,
            )
        self.membership = membership
        self.vendor = membership.vendor
        denied = self.check_vendor_role()
        if denied is not None:
            return denied
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            self._log_if_foreign(request, kwargs)
            raise

    def _log_if_foreign(self, request, kwargs) -> None:
        """Log a 404 on a primary key that exists but belongs to another vendor (probing).

        Only the 404 path pays for the two lookups; the answer stays the same 404.
        """
        pk = kwargs.get("pk")
        model = getattr(getattr(self, "queryset", None), "model", None) or getattr(
            self, "model", None
        )
        if pk is None or model is None:
            return
        try:
            rows = model._default_manager.filter(pk=pk)
            foreign = rows.exists() and not self.scope(rows).exists()
        except (ValueError, ValidationError):
            return
        if foreign:
            security_event(
                FOREIGN_OBJECT_404,
                request=request,
                model=model._meta.label,
                pk=str(pk),
                vendor_id=self.vendor.pk,
            )

    def check_vendor_role(self):
        """Return a response to refuse the request, or None to let it through."""
        return None

    def scope(self, queryset: QuerySet, lookup: str | None = None) -> QuerySet:
        """``queryset`` limited to the user's vendor through ``lookup`` or ``vendor_lookup``."""
        if self.vendor is None:
            # Fail closed: a view that forgot to go through dispatch must not see every vendor.
            return queryset.none()
        # The primary key works for foreign keys ("vendor") and for the Vendor itself ("pk").
        return queryset.filter(**{lookup or self.vendor_lookup: self.vendor.pk})

    def get_queryset(self) -> QuerySet:
        if getattr(self, "queryset", None) is not None:
            queryset = self.queryset.all()
        elif getattr(self, "model", None) is not None:
            queryset = self.model._default_manager.all()
        else:
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs a model or queryset to scope to the user's vendor."
            )
        return self.scope(queryset)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("portal_vendor", self.vendor)
        kwargs.setdefault("portal_membership", self.membership)
        return super().get_context_data(**kwargs)


class VendorAdminRequiredMixin(VendorPortalMixin):
    """For actions only a vendor admin may take (editing contacts).

    Contributors get a 403 page whatever the URL's primary key is, so the refusal says nothing about
    which objects exist; objects of other vendors still answer 404 to vendor admins.
    """

    forbidden_template_name = "portal/forbidden.html"

    def check_vendor_role(self):
        if self.membership.role != VendorMembership.Role.ADMIN:
            return TemplateResponse(self.request, self.forbidden_template_name, {}, status=403)
        return None
