from django.urls import reverse

PASSWORD = "correct horse battery"  # every UserFactory user's password
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"}


def admin_login_post(client, username, password, next_url="/admin/"):
    """The admin's own sign-in form, so the real backends (django-axes first) run."""
    return client.post(
        f"{reverse('admin:login')}?next={next_url}",
        {"username": username, "password": password, "next": next_url},
        **BROWSER,
    )


def portal_login_post(client, username, password):
    return client.post(
        reverse("portal:login"), {"username": username, "password": password}, **BROWSER
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session
