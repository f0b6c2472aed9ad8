"""What the test provider says about a person, as organisations' providers do: the e-mail, the
groups, and ``amr`` naming the factors used (RFC 8176). A person in the provider's ``idp-mfa``
group signed in with a second factor there."""

from oauth2_provider.oauth2_validators import OAuth2Validator

MFA_GROUP = "idp-mfa"


class GroupsValidator(OAuth2Validator):
    # Every claim below goes into the ID token whatever the scope (the groups claim has none).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        user = request.user
        names = sorted(user.groups.values_list("name", flat=True))
        return {
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": [name for name in names if name != MFA_GROUP],
            "amr": ["pwd", "mfa"] if MFA_GROUP in names else ["pwd"],
        }

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        # A person disabled at the provider gets no new tokens, as at Entra ID or Keycloak.
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and request.user.is_active
