"""Signing in to the workbench in a browser's way: a form, a session cookie, the session's
CSRF token in every form it posts, sign-out; a first password set with the workstation's code;
pages asked for before signing in come back after it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import System
from tests.identity_support import PASSWORD, bearer, client, identity_system
from tests.support import TOKENS, person


@pytest.fixture
def web_system(settings, clock) -> Iterator[System]:
    yield from identity_system(settings, clock)


@pytest.fixture
def browser(web_system: System) -> Iterator[TestClient]:
    with client(web_system) as c:
        c.follow_redirects = False
        yield c


def enrolled(browser: TestClient, role: str) -> None:
    code = browser.post(f"/people/{person(role)}/enrolment", headers=bearer("township")).json()["code"]
    done = browser.post("/app/enrolment", data={"code": code, "password": PASSWORD, "again": PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/app/sign-in"


def signed_in(browser: TestClient, role: str, next: str = "/app") -> None:
    answer = browser.post("/app/sign-in", data={"person": person(role), "password": PASSWORD, "next": next})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == next


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]


def test_a_page_asked_for_before_signing_in_comes_back_after_it(browser):
    asked = browser.get("/app/disputes?status=open")
    assert asked.status_code == 303 and asked.headers["location"].startswith("/app/sign-in?next=")
    form = browser.get(asked.headers["location"])
    assert "登录" in form.text and 'value="/app/disputes?status=open"' in form.text
    enrolled(browser, "mediator")
    signed_in(browser, "mediator", "/app/disputes?status=open")
    assert browser.get("/app/disputes?status=open").status_code == 200


def test_a_wrong_password_is_refused_on_the_page(browser):
    enrolled(browser, "mediator")
    wrong = browser.post("/app/sign-in", data={"person": person("mediator"), "password": "nope"})
    assert wrong.status_code == 401 and "人员编号或密码不正确" in wrong.text
    assert browser.get("/app").status_code == 303


def test_a_form_posted_with_the_session_needs_its_csrf_token(browser):
    enrolled(browser, "grid_member")
    signed_in(browser, "grid_member")
    page = browser.get("/app/disputes/new")
    form = {
        "grid": "anping.dongxi.qiaotou.g1",
        "category": "family",
        "severity": "minor",
        "party": ["张三", "李四"],
        "description": "房屋继承",
        "occurred_at": "2026-03-01T09:00",
    }
    refused = browser.post("/app/disputes", data=form)
    assert refused.status_code == 403 and "此表单来自其他网站" in refused.text
    accepted = browser.post("/app/disputes", data={**form, "csrf": csrf_of(page.text)})
    assert accepted.status_code == 303 and accepted.headers["location"].startswith("/app/disputes/")


def test_a_sign_in_form_posted_from_another_site_is_refused(browser):
    enrolled(browser, "mediator")
    forged = browser.post(
        "/app/sign-in",
        data={"person": person("mediator"), "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403


def test_signing_out_ends_the_session(browser):
    enrolled(browser, "mediator")
    signed_in(browser, "mediator")
    page = browser.get("/app")
    assert "退出登录" in page.text
    out = browser.post("/app/sign-out", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/app/sign-in"
    assert browser.get("/app").status_code == 303


def test_in_development_a_token_of_the_directory_file_signs_in(browser):
    answer = browser.post("/app/sign-in", data={"token": TOKENS["township"]})
    assert answer.status_code == 303
    assert "我的工作" in browser.get("/app").text


def test_an_enrolment_with_two_different_passwords_is_refused(browser):
    code = browser.post(f"/people/{person('mediator')}/enrolment", headers=bearer("township")).json()["code"]
    refused = browser.post("/app/enrolment", data={"code": code, "password": PASSWORD, "again": "other"})
    assert refused.status_code == 422 and "两次输入的密码不一致" in refused.text
