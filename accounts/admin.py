"""Single sign-on identities in the admin: read-only, with their history of role changes."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import OIDCIdentity


@admin.register(OIDCIdentity)
class OIDCIdentityAdmin(SimpleHistoryAdmin):
    """Who signs in through the identity provider, and which roles its groups gave when (the
    history). Written only by sign-ins (accounts/oidc/services.py), so nobody edits it here."""

    list_display = ("user", "email", "roles", "last_sign_in_at", "issuer")
    list_select_related = ("user",)
    search_fields = ("user__username", "email", "subject")
    readonly_fields = ("user", "issuer", "subject", "email", "groups", "roles", "last_sign_in_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting the link is how a superuser detaches a person from the provider.
        return request.user.is_superuser
