from django.conf import settings
from django.db import models


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
