import pytest
from django.core.management import call_command

from contracts.models import Contract, KpiClause
from procurement.demo import CLOUD_TITLE, COLO_TITLE, GPU_TITLE, seed_procurement
from procurement.models import Bid, Rfp, Score
from procurement.selectors import rfp_matrix

pytestmark = pytest.mark.django_db


def test_seed_procurement_is_idempotent(django_capture_on_commit_callbacks):
    # seed_demo builds the vendors and users the RFPs need, then calls seed_procurement.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(username="officer")
    assert set(Rfp.objects.values_list("title", flat=True)) >= {GPU_TITLE, CLOUD_TITLE, COLO_TITLE}
    gpu = Rfp.objects.get(title=GPU_TITLE)
    assert Bid.objects.filter(rfp=gpu, status="submitted").count() == 4
    assert (
        Score.objects.filter(bid__rfp=gpu, evaluator__isnull=False)
        .values("evaluator")
        .distinct()
        .count()
        == 2
    )
    assert rfp_matrix(gpu).moderation_complete
    assert Rfp.objects.get(title=CLOUD_TITLE).status == "published"
    colo = Rfp.objects.get(title=COLO_TITLE)
    assert colo.status == "awarded"
    contract = Contract.objects.get(source_rfp=colo)
    assert KpiClause.objects.filter(contract=contract, status="proposed").count() == 2
    counts = (Rfp.objects.count(), Bid.objects.count(), Score.objects.count())
    assert seed_procurement(actor=officer) == []
    assert (Rfp.objects.count(), Bid.objects.count(), Score.objects.count()) == counts
