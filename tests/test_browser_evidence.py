"""A grid member on a 360 px phone reports a dispute with a photo from the camera; the mediator sees it
on the dispute's page as a thumbnail with a download link. A file sent over a connection that drops
goes on from where it stopped (tus, web/static/resumable.js) and is attached whole."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from service.evidence.blobs import sha256_of
from tests.browser import PHONE, People, no_sideways_scroll, seen, submit
from tests.evidence_support import photo
from tests.support import TOKENS, Clock
from tests.test_browser import browser, people, served  # noqa: F401  (the fixtures)
from tests.test_evidence_api import REPORT
from tests.test_resumable_uploads import scan
from web.templating import LOCAL

pytestmark = pytest.mark.browser


def test_a_grid_member_attaches_a_photo_to_a_report_on_a_phone(people: People, clock: Clock, tmp_path: Path):  # noqa: F811
    taken = tmp_path / "IMG_0001.jpg"
    taken.write_bytes(photo(size=(640, 480)))
    page = people.page_as("grid_member", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/app/disputes/new")
    camera = page.get_by_label("照片（可选）")
    assert camera.get_attribute("accept") == "image/*" and camera.get_attribute("capture") == "environment"
    page.get_by_label("网格").select_option(label="桥头村一组")
    page.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    page.get_by_label("当事人 1").fill("张三")
    page.get_by_label("当事人 2").fill("李四")
    page.get_by_label("纠纷简要情况").fill("篱笆挪到了邻居的地里")
    arose = (clock.now - timedelta(hours=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("纠纷发生时间").fill(arose)
    camera.set_input_files(str(taken))
    no_sideways_scroll(page, PHONE["width"])
    submit(page, page.get_by_role("button", name="登记", exact=True), tap=True)

    assert re.search(r"/app/disputes/[0-9a-f-]{36}$", page.url), page.url
    thumbnail = page.locator("#attachments img")
    thumbnail.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumbnail.element_handle())
    assert "IMG_0001.jpg" in seen(page) and "照片" in seen(page)
    assert "Wang Fang 添加了附件" in seen(page)
    link = page.locator("#attachments a[download]").get_attribute("href")
    case_path = page.url.split("#")[0].removeprefix(people.base)
    assert link is not None and link.startswith(f"{case_path}/attachments/")
    no_sideways_scroll(page, PHONE["width"])


def test_a_file_sent_over_a_connection_that_drops_resumes_and_is_attached_whole(people: People, served):  # noqa: F811
    grid = {"Authorization": f"Bearer {TOKENS['grid_member']}"}
    made = httpx.post(f"{people.base}/disputes", json=REPORT, headers=grid)
    assert made.status_code == 201, made.text
    dispute = made.json()["id"]
    data = scan(700_000)  # three chunks of 256 KB
    sent = Path(served.system.settings.var_dir) / "协议.pdf"
    sent.write_bytes(data)

    page = people.page_as("mediator", viewport=PHONE, is_mobile=True, has_touch=True)
    seen_requests: list[tuple[str, str | None]] = []
    patches = []

    def chunks(route):  # the connection drops under the second chunk
        request = route.request
        if request.method == "PATCH":
            patches.append(request.headers.get("upload-offset"))
            if len(patches) == 2:
                route.abort("connectionreset")
                return
        route.continue_()

    def noted(request):
        if "/uploads" in request.url:
            seen_requests.append((request.method, request.headers.get("upload-offset")))

    page.on("request", noted)
    # What the form told the person, kept across the page it goes on to (sessionStorage, same tab).
    page.add_init_script(
        """addEventListener("DOMContentLoaded", () => {
            const status = document.querySelector("[data-upload-status]");
            if (!status) return;
            new MutationObserver(() => {
                const told = JSON.parse(sessionStorage.getItem("told") || "[]");
                told.push(status.textContent);
                sessionStorage.setItem("told", JSON.stringify(told));
            }).observe(status, {childList: true, characterData: true, subtree: true});
        });"""
    )
    page.route(re.compile(r".*/uploads/[0-9a-f]{32}$"), chunks)
    page.goto(f"/app/disputes/{dispute}/attachments")
    page.locator('select[name="kind"]').select_option("signed_scan")
    page.locator('input[type="file"][name="file"]').set_input_files(str(sent))
    submit(page, page.get_by_role("button", name="添加附件", exact=True), tap=True)
    page.wait_for_url(re.compile(rf".*/app/disputes/{dispute}(#attachments)?$"))

    assert patches[:3] == ["0", "262144", "262144"], patches  # the dropped chunk was sent again
    told = page.evaluate("JSON.parse(sessionStorage.getItem('told') || '[]')")
    assert any(t.startswith("正在上传文件：") for t in told), told
    assert "网络连接中断，正在从中断处重试……" in told and told[-1] == "文件已上传，正在添加附件……", told
    methods = [m for m, _ in seen_requests]
    assert methods[0] == "POST" and "HEAD" in methods[methods.index("PATCH") :], seen_requests
    [attached] = served.system.evidence.listed("li-ming", "dispute", UUID(dispute))
    assert attached["filename"] == "协议.pdf" and attached["sha256"] == sha256_of(data)
    with served.system.views.reading() as cur:  # the chunks are deleted once attached
        cur.execute("SELECT COUNT(*) AS n FROM fq_upload_chunks")
        assert cur.fetchone()["n"] == 0
