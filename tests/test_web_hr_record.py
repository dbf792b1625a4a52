"""The whole HR record on the screens (issue #18, "The whole HR record"): hire, end and
death recorded on the person page (the services the CLI uses), registration with hire
date and, for a dependant, the employee and relation; the family on the person page; the
"ended" filter without future ends; the clerk's to-do list without ended, deceased or
disposed persons; confirmations; a correction to the same number refused."""

from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta

from mnvault import local_time
from mnvault.access.context import Context
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.engine import unit_of_work
from mnvault.numbers import generate_my_number
from mnvault.vault import services as vs
from mnvault.vault.browse import awaiting_verification
from tests.conftest import MaskedStr, World
from tests.support.builders import person as make_person
from tests.support.web import acquire_on_screen, register_person
from tests.web_support import Browser, Web, web

__all__ = ["web"]


def _hr(clerk: Browser, person_id: str, event: str, on: date) -> str:
    page = f"/persons/{person_id}"
    answer = clerk.submit(page, f"{page}/hr", {"event": event, "on": on.isoformat()})
    assert answer.status_code == 200 and 'id="done"' in answer.text, answer.text
    return answer.text


def _ended_refs(clerk: Browser) -> str:
    return clerk.submit("/persons", "/persons", {"status": "ended"}).text


def test_hire_dependant_family_and_end_on_the_screens(web: Web):
    """Issue #18 HR record: registration with hire date and employee/relation; the family
    on both pages; hire/retire/death screens; the ended filter lists no future end."""
    clerk = web.browser()
    clerk.sign_in("clerk")
    made = clerk.submit(
        "/persons/new", "/persons/new",
        {"kind": "employee", "external_ref": "HR-1", "name": "社員 一郎",
         "hired_on": "2024-04-01"},
    )  # fmt: skip
    assert made.status_code == 200 and 'id="done"' in made.text
    employee = re.fullmatch(r"/persons/([0-9a-f-]{36})", made.url.path)
    assert employee
    assert "2024/04/01" in made.text
    spouse = clerk.submit(
        "/persons/new", "/persons/new",
        {"kind": "dependent", "external_ref": "HR-1-1", "name": "社員 花子",
         "employee_ref": "HR-1", "relation": "spouse"},
    )  # fmt: skip
    assert spouse.status_code == 200
    assert 'id="hr-employee"' in spouse.text and "社員 一郎" in spouse.text
    assert "配偶者" in spouse.text
    family = clerk.get(made.url.path).text
    assert 'id="hr-dependants"' in family and "社員 花子" in family

    later = date.today() + timedelta(days=30)
    _hr(clerk, employee.group(1), "retirement", later)
    assert "HR-1<" not in _ended_refs(clerk)  # a future end is not an end yet
    other = register_person(clerk, "HR-2", name="退職 次郎")
    _hr(clerk, other, "contract_end", date.today() - timedelta(days=1))
    assert "HR-2<" in _ended_refs(clerk)
    hired = _hr(clerk, other, "hire", date.today())  # a rehire clears the end
    assert 'id="hr-end">—' in hired
    died = _hr(clerk, other, "death", date.today())
    assert "死亡" in died
    refused = clerk.submit(f"/persons/{other}", f"/persons/{other}/hr", {"event": "x", "on": ""})
    assert refused.status_code == 422 and 'id="hr-error"' in refused.text
    # Issue #18 (polish, item 5): a dependant's employee is picked from the employees the
    # clerk may see, still employed and alive (name and 社員番号等, never a number); the
    # field still takes what is typed.
    form = clerk.get("/persons/new").text
    picker = re.search(r'<datalist id="employee-choices">(.*?)</datalist>', form, re.S)
    assert picker and 'list="employee-choices"' in form, form
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', picker.group(1))
    assert options == [("HR-1", "社員 一郎（HR-1）")]
    assert not re.search(r"\d{12}", picker.group(1))


def test_awaiting_leaves_out_ended_deceased_and_disposed(world: World):
    """Issue #18: retirees whose numbers a disposal destroyed no longer reappear as work
    to do; nor the ended (by today) or the deceased. A future end is still work."""
    refs = {ref: make_person(world, ref).id for ref in ("A1", "A2", "A3", "A4", "A5")}
    with unit_of_work(world.sessions) as session:
        ctx = world.ctx("clerk")
        yesterday = date.today() - timedelta(days=1)
        vs.end_relationship(session, ctx, person_id=refs["A2"], ended_on=yesterday,
                            cause=vs.RelationshipEnd.RETIREMENT)  # fmt: skip
        vs.end_relationship(session, ctx, person_id=refs["A3"], ended_on=yesterday,
                            cause=vs.RelationshipEnd.DEATH)  # fmt: skip
        vs.end_relationship(session, ctx, person_id=refs["A5"],
                            ended_on=date.today() + timedelta(days=10),
                            cause=vs.RelationshipEnd.RETIREMENT)  # fmt: skip
        # What a disposal batch's execution writes for each person it disposed of.
        audit.record_many(session, world.ctx("manager"), AuditAction.NUMBER_DISPOSE, [refs["A4"]])
    with unit_of_work(world.sessions) as session:
        waiting = [p.external_ref for p in awaiting_verification(session, world.ctx("clerk"))]
    assert waiting == ["A1", "A5"]


def test_disposed_person_shows_the_day_and_confirmations(web: Web):
    """Issue #18: 廃棄済み（日付） in the list and on the page; confirmations after
    acquiring and correcting; a correction to the same number is refused, bilingually."""
    clerk = web.browser()
    clerk.sign_in("clerk")
    number = MaskedStr(generate_my_number(random.Random(1807)))
    held = register_person(clerk, "D-1", name="保管 一郎")
    acquired = acquire_on_screen(clerk, held, number)
    assert 'id="done"' in acquired.text and "取得しました" in acquired.text  # type: ignore[attr-defined]
    page = f"/persons/{held}/correct"
    same = clerk.submit(
        page, page,
        {"my_number": number, "affair": "withholding_slip", "reason": "誤記",
         "number_check_document": "my_number_card", "identity_check_document": "my_number_card"},
    )  # fmt: skip
    assert same.status_code == 422 and "同じです" in same.text
    assert number not in same.text
    other = MaskedStr(generate_my_number(random.Random(1808)))
    fixed = clerk.submit(
        page, page,
        {"my_number": other, "affair": "withholding_slip", "reason": "誤記",
         "number_check_document": "my_number_card", "identity_check_document": "my_number_card"},
    )  # fmt: skip
    assert fixed.status_code == 200 and "訂正しました" in fixed.text
    provide = f"/persons/{held}/provide"
    provided = clerk.submit(provide, provide, {
        "affair": "withholding_slip", "recipient_kind": "tax_office",
        "recipient_name": "麹町税務署", "legal_basis": "番号法第19条第2号",
        "method": "electronic_filing",
    })  # fmt: skip
    assert provided.status_code == 200 and 'id="done"' in provided.text

    gone = register_person(clerk, "D-2", name="廃棄 次郎")
    # The day is the organisation's (Tokyo), not the machine's: a run after 15:00 UTC is
    # already tomorrow there; read on both sides of the disposal in case midnight falls between.
    before = local_time.day(local_time.today())
    with web.api.vault.transaction() as session:
        org = web.api.organisation_id
        manager = Context(actor_id=web.api.users["manager"], organisation_id=org)
        audit.record_many(session, manager, AuditAction.NUMBER_DISPOSE, [uuid.UUID(gone)])
    page, listed = clerk.get(f"/persons/{gone}").text, clerk.get("/persons").text
    days = {before, local_time.day(local_time.today())}
    assert any(f"廃棄済み（{day}）" in page for day in days), days
    assert "/acquire" not in page
    assert any(f"廃棄済み（{day}）" in listed for day in days), days
    assert "廃棄 次郎" not in clerk.get("/").text
    out = clerk.submit("/", "/sign-out", {})
    assert out.url.path == "/sign-in" and 'id="signed-out"' in out.text
