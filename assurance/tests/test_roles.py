import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from accounts.oidc.services import _role_names
from assurance.roles import ROLE_NAMES, Role, Rule, role_permissions, roles_sync

pytestmark = pytest.mark.django_db


def _codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_migrations_create_every_role_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_NAMES)
    assert set(ROLE_NAMES) == {"procurement", "evaluators", "sustainability", "auditors"}


def test_single_sign_on_may_give_exactly_these_roles():
    """accounts, the ground floor, learns the role names from ``AssuranceConfig.ready()``."""
    assert _role_names() == ROLE_NAMES


def test_auditors_only_view():
    perms = _codenames("auditors")
    assert "vendors.view_vendor" in perms
    assert "vendors.view_historicalvendor" in perms
    assert "assurance.view_auditevent" in perms
    assert "django_celery_beat.view_periodictask" in perms
    assert all(perm.split(".")[1].startswith("view_") for perm in perms)


def test_procurement_writes_vendors_but_deletes_only_contacts_and_certifications():
    perms = _codenames("procurement")
    assert {"vendors.add_vendor", "vendors.change_vendor", "vendors.view_vendor"} <= perms
    assert {"vendors.delete_vendorcontact", "vendors.delete_certification"} <= perms
    assert "vendors.delete_vendor" not in perms
    assert "assurance.view_evidencefile" in perms
    # Officers attach evidence themselves, but never change or delete it.
    assert "assurance.add_evidencefile" in perms
    assert "assurance.change_evidencefile" not in perms
    assert "assurance.delete_evidencefile" not in perms


def test_nobody_may_write_history_or_audit_events():
    for name in ROLE_NAMES:
        writes = {p for p in _codenames(name) if not p.split(".")[1].startswith("view_")}
        assert not {p for p in writes if "historical" in p or p.endswith("auditevent")}, name


def test_evaluators_and_sustainability_scopes():
    evaluators = _codenames("evaluators")
    assert "vendors.view_vendor" in evaluators
    assert "vendors.change_vendor" not in evaluators
    sustainability = _codenames("sustainability")
    assert "vendors.view_vendor" in sustainability
    assert "vendors.change_vendor" not in sustainability


def test_suffix_rule_covers_models_added_later():
    """A model that appears after the rules were written is matched by name, with no new code."""
    content_type = ContentType.objects.create(app_label="procurement", model="bidscore")
    change = Permission.objects.create(
        content_type=content_type, codename="change_bidscore", name="Can change bid score"
    )
    delete = Permission.objects.create(
        content_type=content_type, codename="delete_bidscore", name="Can delete bid score"
    )

    roles_sync()

    evaluators = Group.objects.get(name="evaluators").permissions.all()
    assert change in evaluators
    assert delete not in evaluators
    auditors = Group.objects.get(name="auditors").permissions.all()
    assert change not in auditors


def test_sync_resets_a_hand_edited_group():
    auditors = Group.objects.get(name="auditors")
    auditors.permissions.add(Permission.objects.get(codename="change_vendor"))

    roles_sync()

    assert "vendors.change_vendor" not in _codenames("auditors")


def test_read_only_role_never_gets_writes_even_if_a_rule_says_so():
    role = Role(name="x", rules=(Rule("vendors", frozenset({"add", "view"})),), read_only=True)
    granted = role_permissions(role, Permission.objects.select_related("content_type"))
    assert granted
    assert all(p.codename.startswith("view_") for p in granted)
