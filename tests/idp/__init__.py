"""Real OpenID providers for the single sign-on tests, on loopback.

- ``forge``: a small provider in a thread of the test process whose token endpoint hands out ID
  tokens the test composes and signs (with a published key, an unpublished one, a wrong issuer
  or audience, an old date), so each refusal is tested over real HTTP with real signatures.
- ``server``: a Django project with django-oauth-toolkit's OpenID Connect provider (its own
  settings and SQLite database), started once per test session in a subprocess; the end-to-end
  and browser tests sign in there as a person would.
"""
