"""The parts of every /api/v1/ endpoint that know no tenant: pagination, permission names and
service errors as DRF errors.

The tenant-scoped base every vendor-facing viewset inherits is :mod:`vendors.api.base`, beside the
tenant boundary it enforces (docs/architecture.md, "Which app may import which").
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings

SAFE_METHODS = permissions.SAFE_METHODS


class TenderleafPagination(PageNumberPagination):
    """Page-number pagination; clients may ask for up to ``max_page_size`` rows a page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def model_perm(model: type[models.Model], action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def staff_can_view(user, model: type[models.Model]) -> bool:
    return bool(user.is_staff and user.is_active and user.has_perm(model_perm(model, "view")))


def service_errors_as_drf(exc: DjangoValidationError) -> ValidationError:
    """A model or service ValidationError as a DRF 400 whose keys are the field names."""
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, errors in exc.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
            detail[key] = errors
        return ValidationError(detail)
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})
