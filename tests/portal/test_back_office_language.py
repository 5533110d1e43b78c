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
