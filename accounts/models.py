from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class UserSession(models.Model):
    """A session a user signed in with, so all of them can be ended when the user is deactivated.

    Django's session store cannot be searched by user without decoding every session; this row is
    written at sign-in and removed at sign-out. A row whose session has already expired is
    harmless: ending it deletes nothing.
    """

    session_key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "signed-in session"

    def __str__(self) -> str:
        return f"session of user {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class OIDCIdentity(models.Model):
    """The account at the organisation's identity provider that signs a staff user in (SSO).

    A user is found by the provider's issuer and subject, which never change for one person,
    never by e-mail (an address can be reassigned). ``roles`` are the Tenderleaf roles the
    provider's groups gave at the last sign-in; their history is the user's record of role
    changes made by the provider (README, "Single sign-on").
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identity"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    groups = models.JSONField(default=list, blank=True)
    roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique_sub")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
