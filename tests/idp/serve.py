"""Run the test provider: ``python -m tests.idp.serve PORT`` (tests/idp/server.py does this).

Migrates its own database, registers Tenderleaf as a confidential client, then serves HTTP on
127.0.0.1 until it is terminated.
"""

import os
import sys


def main() -> None:
    port = int(sys.argv[1])
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.idp.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0, interactive=False)
    Application = get_application_model()
    Application.objects.update_or_create(
        client_id=os.environ["IDP_CLIENT_ID"],
        defaults={
            "name": "Tenderleaf",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "client_secret": os.environ["IDP_CLIENT_SECRET"],
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": True,
            "redirect_uris": "http://testserver/accounts/oidc/callback/",
            "post_logout_redirect_uris": "http://testserver/admin/login/",
        },
    )

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), QuietHandler)
    server.daemon_threads = True
    server.set_app(get_wsgi_application())
    server.serve_forever()


if __name__ == "__main__":
    main()
