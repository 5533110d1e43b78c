"""The back office reads in Chinese, third-party sections included."""

import pytest
from django.urls import reverse

from tests.travellers.backoffice import superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    client.force_login(superuser())
    return client


def test_the_login_protection_section_and_its_lists_read_in_chinese(root_client):
    index = root_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = index.content.decode()
    assert "登录保护" in page and "登录尝试" in page and "登录记录" in page
    assert "Access attempts" not in page and "Axes" not in page

    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="someone", ip_address="203.0.113.5", user_agent="x", failures_since_start=2
    )
    attempts = root_client.get(
        reverse("admin:axes_accessattempt_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "登录失败次数" in attempts and "Failed Logins" not in attempts


def test_the_section_reads_in_english_on_an_english_back_office(root_client):
    page = root_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Login protection" in page and "登录保护" not in page


def test_a_history_page_names_its_changes_column_in_chinese(root_client):
    from datetime import date

    from policies.services.risk_data import risk_area_create

    area = risk_area_create(
        region="321002", name="某某小区", level="high", designated_on=date(2021, 7, 28)
    )
    page = root_client.get(
        reverse("admin:policies_riskarea_history", args=[area.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "变更内容" in page and ">Changes<" not in page


def test_a_history_page_lists_when_what_and_who_without_an_empty_reason_column(root_client):
    from datetime import date

    from django.contrib.auth import get_user

    from policies.services.risk_data import risk_area_create, risk_area_update

    staff = get_user(root_client)  # the test client's logged-in user
    area = risk_area_create(
        region="321002", name="某某小区", level="high", designated_on=date(2021, 7, 28), actor=staff
    )
    risk_area_update(risk_area=area, level="medium", actor=staff)
    page = root_client.get(
        reverse("admin:policies_riskarea_history", args=[area.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "修改原因" not in page and "None" not in page
    assert "修改人" in page and staff.get_username() in page
    assert "共 2 条记录" in page
    # The later step names the field it changed, old value to new.
    assert "→" in page and "中风险" in page
    version = reverse(
        "admin:policies_riskarea_simple_history", args=[area.pk, area.history.earliest().pk]
    )
    assert f'href="{version}"' in page
    english = root_client.get(
        reverse("admin:policies_riskarea_history", args=[area.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "2 entries" in english and "Changed by" in english
