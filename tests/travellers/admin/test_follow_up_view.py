"""What the declaration pages tell a worker following someone up: the measures in force
and until when, why each answer was given, and whether it changed since their last step."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.travellers.admin.test_export import read_csv
from tests.travellers.backoffice import (
    admin_form_data,
    community_worker,
    health_officer,
    make_community,
    make_declaration,
)
from travellers.follow_up import current_measures_end, declaration_follow_up
from travellers.models import Declaration, Evaluation, ReevaluationRun

pytestmark = pytest.mark.django_db

LIST = "admin:travellers_declaration_changelist"
EXPORT = "admin:travellers_declaration_export"
FLAG = "结果已变，待重新跟进"
TODAY = timezone.localdate()


def change_url(declaration):
    return reverse("admin:travellers_declaration_change", args=[declaration.pk])


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def home_observation_result() -> dict:
    return {
        "outcome": "home_observation",
        "as_of": day(-3),
        "entry_allowed_from": None,
        "measures": [
            {"kind": "home_observation", "start": day(-3), "end": day(4)},
            {"kind": "health_monitoring", "start": day(5), "end": day(11)},
        ],
        "conditions": [
            {"code": "green_code", "met": True},
            {"code": "nat_on_arrival", "met": None},
        ],
        "reasons": [
            {
                "rule": "risk_county_stay",
                "region": "321002",
                "region_name": "广陵区",
                "risk_areas": ["汶河街道"],
                "designation": None,
                "text": "曾在中风险地区所在县（区）旅居",
                "text_zh": "曾在中风险地区所在县（区）旅居",
                "text_en": "Stayed in a county with a medium-risk area",
                "citation": "京疫情防控办〔2021〕示例号",
            }
        ],
        "policy_version": {"code": "BJ-2021-08", "effective_from": "2021-08-01"},
    }


@pytest.fixture
def east():
    return make_community("110105001", "望京东园社区")


@pytest.fixture
def worker(east):
    return community_worker("east-worker", east)


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker)
    return client


@pytest.fixture
def observed(east):
    return make_declaration(
        community=east,
        kind="arrival_report",
        outcome="home_observation",
        result=home_observation_result(),
    )


# -- measures, conditions, reasons ---------------------------------------------------


def test_the_change_page_shows_the_measures_with_dates_and_state_conditions_and_reasons(
    worker_client, observed
):
    page = worker_client.get(change_url(observed)).content.decode()
    assert "管控措施与原因" in page
    block = page[page.index("current-answer") :]
    assert f'datetime="{day(-3)}"' in block and f'datetime="{day(4)}"' in block
    assert f'datetime="{day(11)}"' in block
    # The one running today, and the one that follows it.
    assert block.index("进行中") < block.index("未开始")
    assert "适用条件" in block and "健康码为绿码（已满足）" in block
    assert "抵京后请尽快进行核酸检测，社区会告知检测地点（待办理）" in block
    assert "中高风险地区旅居史" in block and "广陵区" in block and "汶河街道" in block
    assert "京疫情防控办〔2021〕示例号" in block
    # Words for staff, not the citizen's next step.
    assert "请及时主动向所在社区和单位报告" not in page


def test_review_and_tracking_dates_say_what_they_mean(worker_client, observed):
    page = worker_client.get(change_url(observed)).content.decode()
    assert "系统在这一天自动重新评估" in page  # 下次复核日期
    assert "此后不再重新评估" in page  # 有效跟踪至


def test_the_end_of_the_current_measures_is_in_the_list_and_the_export(
    client, observed, east
):
    ended = make_declaration(
        community=east,
        outcome="allowed",
        result={"outcome": "allowed", "measures": [
            {"kind": "health_monitoring", "start": day(-20), "end": day(-6)}
        ]},
    )
    client.force_login(health_officer())
    response = client.get(reverse(LIST))
    assert "当前措施截止" in response.content.decode()
    column = response.context["cl"].model_admin.measures_end
    assert column(Declaration.objects.get(pk=observed.pk)) == TODAY + timedelta(days=11)
    assert column(Declaration.objects.get(pk=ended.pk)) is None

    header, *rows = read_csv(client.get(reverse(EXPORT)))
    ends = {row[0]: dict(zip(header, row, strict=True))["当前措施截止"] for row in rows}
    assert ends == {observed.reference: day(11), ended.reference: ""}


def test_current_measures_end_counts_running_and_coming_measures_only():
    result = home_observation_result()
    assert current_measures_end(result, on=TODAY) == TODAY + timedelta(days=11)
    assert current_measures_end(result, on=TODAY + timedelta(days=12)) is None
    assert current_measures_end({}, on=TODAY) is None


# -- causes and the changed-answer flag ----------------------------------------------


def reevaluate(declaration, *, outcome="central_observation", change=None, run=None, at=None):
    """An answer changed by a re-evaluation, as the pipeline writes it."""
    Declaration.objects.filter(pk=declaration.pk).update(outcome=outcome)
    return Evaluation.objects.create(
        declaration=declaration,
        created_at=at or timezone.now(),
        trigger="reevaluated",
        change=change,
        run=run,
        outcome=outcome,
        policy_version=declaration.policy_version,
        result={"outcome": outcome},
    )


def risk_area_created():
    from policies.models import RiskDataChange

    area = {"region": "321002", "name": "汶河街道", "level": "medium"}
    return RiskDataChange.objects.create(
        kind="risk_area_created",
        region_codes=["321002"],
        summary="新增风险地区：江苏省扬州市广陵区 汶河街道（中风险）",
        after=area,
    )


def test_the_evaluation_rows_say_why_the_answer_was_given(worker_client, observed):
    reevaluate(observed, change=risk_area_created())
    run = ReevaluationRun.objects.create(trigger="daily", as_of=TODAY)
    reevaluate(observed, outcome="health_monitoring", run=run)
    page = worker_client.get(change_url(observed)).content.decode()
    inline = page[page.index("评估记录") :]
    assert "新增风险地区：广陵区、汶河街道" in inline
    assert "管控期限等日期已到，系统按当天的情况重新评估。" in inline


def test_an_answer_changed_after_the_follow_up_is_flagged_until_the_next_step(
    worker_client, worker, observed, east
):
    untouched = make_declaration(community=east)  # never followed up: nothing outdated
    reevaluate(untouched)
    declaration_follow_up(declaration=observed, status="contacted", note="已电话告知", actor=worker)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Declaration.objects.filter(pk=observed.pk).update(follow_up_at=an_hour_ago)
    marker = f"<strong>{FLAG}</strong>"  # in a row; the filter's choice is a link
    assert marker not in worker_client.get(reverse(LIST)).content.decode()

    reevaluate(observed, at=an_hour_ago + timedelta(minutes=30))

    assert worker_client.get(reverse(LIST)).content.decode().count(marker) == 1
    flagged = worker_client.get(reverse(LIST), {"answer_changed": "yes"})
    assert [d.pk for d in flagged.context["cl"].result_list] == [observed.pk]
    header, *csv_rows = read_csv(worker_client.get(reverse(EXPORT), {"answer_changed": "yes"}))
    assert [dict(zip(header, row, strict=True))[FLAG] for row in csv_rows] == ["是"]

    # Saved again with the status as it was and no note: the worker acted on the new answer.
    page = worker_client.get(change_url(observed)).content.decode()
    assert "跟进后，重新评估改变了结果" in page
    response = worker_client.post(
        change_url(observed), admin_form_data(page, follow_up_status="contacted", new_note="")
    )
    assert response.status_code == 302
    cleared = worker_client.get(reverse(LIST), {"answer_changed": "yes"})
    assert cleared.context["cl"].result_count == 0
    page = worker_client.get(change_url(observed)).content.decode()
    assert "跟进后，重新评估改变了结果" not in page
    assert observed.events.filter(kind="follow_up").count() == 2


def test_a_save_with_nothing_new_still_records_nothing(worker, observed):
    declaration_follow_up(declaration=observed, status="contacted", note="", actor=worker)
    declaration_follow_up(declaration=observed, status="contacted", note="", actor=worker)
    assert observed.events.filter(kind="follow_up").count() == 1


def test_an_unknown_flag_value_finds_nothing(worker_client, observed):
    response = worker_client.get(reverse(LIST), {"answer_changed": "maybe"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_each_kind_of_evaluation_names_its_cause_for_staff(observed, east):
    from travellers.follow_up import evaluation_cause

    companion = make_declaration(community=east, lead=observed)

    def row(declaration, trigger, run=None):
        return Evaluation(declaration=declaration, trigger=trigger, run=run, result={})

    policy_run = ReevaluationRun(trigger="policy", as_of=TODAY)
    manual_run = ReevaluationRun(trigger="manual", as_of=TODAY)
    assert evaluation_cause(row(observed, "submitted")) == ""
    assert evaluation_cause(row(observed, "amended")) == "申报人修改了申报内容。"
    assert evaluation_cause(row(companion, "amended")) == "填表人修改了申报内容。"
    assert evaluation_cause(row(observed, "reevaluated", policy_run)) == "新的政策版本生效。"
    assert evaluation_cause(row(observed, "reevaluated", manual_run)) == "工作人员发起的重新评估。"
    # Staff read about the person, not "you" as the citizen's mail says.
    assert "您" not in evaluation_cause(row(observed, "reevaluated"))
