"""The base of every /api/v1/ viewset a vendor user can reach: tenant scoping and role permissions.

Every viewset a vendor user can reach inherits :class:`TenantScopedViewSetMixin`, so the tenant
boundary is enforced by construction rather than by each endpoint remembering to filter:

- vendor users see only rows of their own vendor (``vendor_lookup`` says how a row reaches its
  vendor), so another vendor's primary key answers 404, never 403 (a 403 would confirm it exists);
- staff see every row if they hold the model's ``view`` permission, and nothing otherwise;
- anyone else sees nothing;
- rows a vendor user creates always belong to their own vendor, whatever vendor id was posted.

:class:`RolePermission` decides who may call which method; :func:`tenant_scoped_routes` lists the
API routes built on the base, so tests can walk every route as an outsider. It lives beside the
tenant boundary (:mod:`vendors.tenancy`); what knows no tenant is in :mod:`config.api`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import permissions, serializers

from accounts.security import FOREIGN_OBJECT_404, security_event
from config.api import (
    SAFE_METHODS,
    TenderleafPagination,
    model_perm,
    service_errors_as_drf,
    staff_can_view,
)
from vendors.models import Vendor, VendorMembership
from vendors.tenancy import membership_for_user


class RolePermission(permissions.BasePermission):
    """Who may call which method of a :class:`TenantScopedViewSetMixin` viewset.

    Staff are checked like DRF's ``DjangoModelPermissions``, except that reading also needs the
    ``view`` permission: so auditors, who hold only ``view_*``, get 403 on every unsafe method. A
    method the endpoint does not offer needs the ``change`` permission, so writers learn it is
    not offered (405) while read-only users still get 403.

    Vendor users may read (the queryset limits them to their vendor) and write only where the
    viewset lists the action in ``vendor_admin_actions`` and their membership role is admin.
    On detail routes the role check runs after the object is looked up, so a primary key of
    another vendor answers 404 whatever the role; the refusal for a contributor (403) does not
    depend on which objects exist.

    Users who are neither staff nor vendor members are refused everything.
    """

    perms_map = {
        "GET": ["view"],
        "OPTIONS": ["view"],
        "HEAD": ["view"],
        "POST": ["add"],
        "PUT": ["change"],
        "PATCH": ["change"],
        "DELETE": ["delete"],
    }

    def _model(self, view) -> type[models.Model]:
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            raise ImproperlyConfigured(
                f"{type(view).__name__} needs a queryset for RolePermission."
            )
        return queryset.model

    def _required_staff_perms(self, request, view) -> list[str]:
        model = self._model(view)
        method = request.method.upper()
        offered = method.lower() in view.http_method_names and hasattr(view, method.lower())
        if not offered and method not in SAFE_METHODS:
            actions = ["change"]
        else:
            actions = self.perms_map.get(method, ["change"])
        return [model_perm(model, action) for action in actions]

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.is_staff:
            return user.has_perms(self._required_staff_perms(request, view))
        membership = membership_for_user(user)
        if membership is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "detail", False):
            # Decided in has_object_permission, after get_object() has answered 404 for rows of
            # another vendor.
            return True
        return _vendor_may(membership, view)

    def has_object_permission(self, request, view, obj) -> bool:
        user = request.user
        if user.is_staff or request.method in SAFE_METHODS:
            return True
        membership = membership_for_user(user)
        return membership is not None and _vendor_may(membership, view)


def _vendor_may(membership: VendorMembership, view) -> bool:
    action = getattr(view, "action", None)
    return membership.role == VendorMembership.Role.ADMIN and action in getattr(
        view, "vendor_admin_actions", frozenset()
    )


class TenantScopedViewSetMixin:
    """Base of every API viewset that vendor users can reach.

    Subclasses set ``queryset`` (with the ``select_related``/``prefetch_related`` their serializer
    needs, so list queries do not grow with rows), ``vendor_lookup`` (the lookup from a row to its
    vendor: ``"vendor"``, ``"contact__vendor"``, or ``"pk"`` for the Vendor itself),
    ``vendor_admin_actions`` (the unsafe actions a vendor *admin* may take on their own vendor's
    rows), and implement the writes by calling services:

    - ``create_instance(data)`` -> the new object; for vendor users ``data["vendor"]`` is already
      their own vendor;
    - ``update_instance(instance, data)`` -> the updated object;
    - ``delete_instance(instance)``.

    Each is called with the acting user available as ``self.request.user``; a Django
    ``ValidationError`` they raise becomes a 400 keyed by field name.
    """

    vendor_lookup: str = "vendor"
    # The field of the posted data that names the vendor; forced for vendor users.
    vendor_field: str | None = "vendor"
    vendor_admin_actions: frozenset[str] = frozenset()
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    pagination_class = TenderleafPagination

    @property
    def request_vendor(self) -> Vendor | None:
        """The vendor the requesting user acts for, or None for staff (and anonymous users)."""
        membership = membership_for_user(self.request.user)
        return membership.vendor if membership else None

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            # Schema generation: no user, no rows.
            return queryset.none()
        if not (user and user.is_authenticated and user.is_active):
            return queryset.none()
        vendor = self.request_vendor
        if vendor is not None:
            return queryset.filter(**{self.vendor_lookup: vendor.pk})
        if staff_can_view(user, queryset.model):
            return queryset
        return queryset.none()

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            self._log_if_foreign()
            raise

    def _log_if_foreign(self) -> None:
        """Log a vendor user's 404 on a key that exists but belongs to another vendor (probing).

        Only the 404 path pays for the lookups; the answer stays the same 404.
        """
        vendor = self.request_vendor
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if vendor is None or lookup is None:
            return
        model = self.queryset.model
        try:
            rows = model._default_manager.filter(**{self.lookup_field: lookup})
            foreign = rows.exists() and not rows.filter(**{self.vendor_lookup: vendor.pk}).exists()
        except (ValueError, DjangoValidationError):
            return
        if foreign:
            security_event(
                FOREIGN_OBJECT_404,
                request=self.request,
                model=model._meta.label,
                pk=str(lookup),
                vendor_id=vendor.pk,
            )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["tenant_vendor"] = self.request_vendor if self.request else None
        return context

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        vendor = self.request_vendor
        if vendor is not None and self.vendor_field:
            # Whatever vendor id was posted, a vendor user only ever creates rows of their own.
            data[self.vendor_field] = vendor
        try:
            serializer.instance = self.create_instance(data)
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = self.update_instance(
                serializer.instance, dict(serializer.validated_data)
            )
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc

    def perform_destroy(self, instance):
        try:
            self.delete_instance(instance)
        except DjangoValidationError as exc:
            raise service_errors_as_drf(exc) from exc

    def create_instance(self, data: dict):
        raise NotImplementedError

    def update_instance(self, instance, data: dict):
        raise NotImplementedError

    def delete_instance(self, instance):
        raise NotImplementedError


def scope_to_vendor(queryset: models.QuerySet, vendor: Vendor) -> models.QuerySet:
    """Rows of ``queryset`` that ``vendor``'s users may refer to; nothing if it has no vendor."""
    model = queryset.model
    if issubclass(model, Vendor):
        return queryset.filter(pk=vendor.pk)
    field_names = {f.name for f in model._meta.get_fields()}
    if "vendor" in field_names:
        return queryset.filter(vendor=vendor)
    return queryset.none()


class TenantScopedModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose writable relations only offer the requesting vendor user's rows.

    For vendor users, a primary key of another vendor's object is answered exactly like a key
    that does not exist ("object does not exist"), so posting ids reveals nothing; related models
    that belong to no vendor (users, for example) cannot be chosen at all. The ``vendor`` field is
    optional for them: it is set to their own vendor.
    """

    def get_fields(self):
        fields = super().get_fields()
        vendor = self.context.get("tenant_vendor")
        if vendor is None:
            return fields
        for name, field in fields.items():
            relation = (
                field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
            )
            if (
                isinstance(relation, serializers.RelatedField)
                and not field.read_only
                and relation.queryset is not None
            ):
                relation.queryset = scope_to_vendor(relation.queryset, vendor)
                if name == "vendor":
                    field.required = False
        return fields


@dataclass(frozen=True)
class ApiRoute:
    """One URL pattern served by a :class:`TenantScopedViewSetMixin` viewset."""

    name: str | None
    route: str  # the full regex/route string, e.g. "api/v1/^contacts/(?P<pk>[^/.]+)/$"
    viewset: type
    model: type[models.Model]
    vendor_lookup: str
    detail: bool
    actions: dict[str, str]  # HTTP method -> viewset action, e.g. {"get": "retrieve", ...}
    pattern: URLPattern


def tenant_scoped_routes(urlconf=None) -> Iterator[ApiRoute]:
    """Every URL pattern whose view is a tenant-scoped viewset, with the model it serves.

    A test can reverse ``route.name`` with ``kwargs={"pk": obj.pk}`` for detail routes (or
    without kwargs for list routes), and build an object of ``route.model`` for another vendor
    to check that it answers 404, so routes added later are covered without editing the test.
    """

    def walk(patterns, prefix: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                callback = entry.callback
                viewset = getattr(callback, "cls", None)
                if viewset is None or not issubclass(viewset, TenantScopedViewSetMixin):
                    continue
                initkwargs = getattr(callback, "initkwargs", {}) or {}
                yield ApiRoute(
                    name=entry.name,
                    route=prefix + str(entry.pattern),
                    viewset=viewset,
                    model=viewset.queryset.model,
                    vendor_lookup=viewset.vendor_lookup,
                    detail=bool(initkwargs.get("detail", "pk" in entry.pattern.regex.groupindex)),
                    actions=dict(getattr(callback, "actions", {}) or {}),
                    pattern=entry,
                )

    yield from walk(get_resolver(urlconf).url_patterns, "")
