"""Single sign-on for staff with OpenID Connect (README, "Single sign-on for staff").

mozilla-django-oidc runs the authorization-code flow (state, nonce, PKCE); this package adds what
Tenderleaf needs around it: configuration from the environment with the provider's endpoints
discovered from its issuer, strict ID-token checks, users matched by subject, roles from groups,
the provider's MFA, sessions bounded by the provider's, and logout at the provider.
"""
