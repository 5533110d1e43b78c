import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from policies.management.commands.seed_demo import DEMO_STAFF_DEFAULT_PASSWORD
from tests.travellers.backoffice import make_declaration
from travellers import scoping
from travellers.management.commands import seed_demo_communities as command
from travellers.models import Community

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_password_in_env(monkeypatch):
    monkeypatch.delenv("DEMO_STAFF_PASSWORD", raising=False)


def run(name="seed_demo_communities") -> str:
    out = io.StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


def test_it_creates_communities_in_three_districts_once(settings):
    settings.DEBUG = True
    run()
    assert Community.objects.count() == len(command.COMMUNITIES)
    assert set(Community.objects.values_list("district_id", flat=True)) == {
        "110105",
        "110108",
        "110101",
    }
    user = get_user_model().objects.get(username=command.DEMO_WORKER_USERNAME)
    password = user.password
    run()
    assert Community.objects.count() == len(command.COMMUNITIES)
    user.refresh_from_db()
    assert user.password == password


def test_the_demo_worker_sees_only_the_chaoyang_communities(settings, client):
    settings.DEBUG = True
    run()
    chaoyang = Community.objects.filter(district_id="110105").first()
    haidian = Community.objects.filter(district_id="110108").first()
    mine = make_declaration(community=chaoyang)
    make_declaration(community=haidian)
    worker = get_user_model().objects.get(username=command.DEMO_WORKER_USERNAME)
    assert list(scoping.declarations_for(worker)) == [mine]
    assert client.login(username=worker.username, password=DEMO_STAFF_DEFAULT_PASSWORD)


def test_without_debug_or_a_password_no_worker_account_is_made(settings):
    settings.DEBUG = False
    run()
    assert Community.objects.count() == len(command.COMMUNITIES)
    assert not get_user_model().objects.filter(username=command.DEMO_WORKER_USERNAME).exists()


def test_seed_demo_brings_the_communities_along(settings):
    settings.DEBUG = False
    output = run("seed_demo")
    assert "Demo communities" in output
    assert Community.objects.count() == len(command.COMMUNITIES)
