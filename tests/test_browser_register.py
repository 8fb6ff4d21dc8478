"""Real headless Chromium: a clerk uploads a register with one bad row, reads the error table,
fixes the file and imports it; then finds a person by pinyin initials."""

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.models import Person
from jobmatch.spreadsheets import loaders  # noqa: F401
from jobmatch.spreadsheets.importing import run_import
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_user
from tests.sheets import sample_path, sample_rows, to_xlsx

pytestmark = pytest.mark.browser


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def test_clerk_fixes_a_bad_row_and_imports(app, live_server, page, tmp_path):
    app.config["SESSION_COOKIE_SECURE"] = True  # as in production; Chromium keeps it on 127.0.0.1
    run_import("sites", sample_path("sites.sample.csv").read_bytes(), "sites.csv")
    db.session.commit()
    user = make_user("county_reviewer")
    header, rows = sample_rows()
    good_id = rows[6][header.index("身份证号")]
    rows[6][header.index("身份证号")] = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    bad_file = tmp_path / "台账-有错.xlsx"
    bad_file.write_bytes(to_xlsx(header, rows))
    rows[6][header.index("身份证号")] = good_id
    good_file = tmp_path / "台账-已改.xlsx"
    good_file.write_bytes(to_xlsx(header, rows))

    sign_in(page, live_server, user.username)
    page.click("text=导入")
    page.set_input_files("input[name=file]", str(bad_file))
    page.click("button:has-text('上传并导入')")
    report = page.locator("#error-report")
    report.wait_for()
    assert "未导入任何数据" in report.inner_text()
    cells = page.locator("#errors tbody tr").first.locator("td").all_inner_texts()
    assert cells == ["8", "身份证号", "身份证号校验位不正确，请核对每一位数字"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "register-import-errors.png"), full_page=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0

    page.set_input_files("input[name=file]", str(good_file))
    page.click("button:has-text('上传并导入')")
    page.locator("#result").wait_for()
    assert "新增 40" in page.locator("#result").inner_text()
    page.screenshot(path=str(ARTIFACTS / "register-import-done.png"), full_page=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 40

    page.click("nav >> text=查找人员")
    page.fill("input[name=q]", "hhy")
    page.keyboard.press("Enter")
    page.locator("#results").wait_for()
    assert "黄海燕" in page.locator("#results").inner_text()
    assert good_id not in page.content()
