"""The kiosk in real headless Chromium: the whole journey by touch, read-aloud, printing, the idle
timeout, the back button after it, a wrong ID and the lookup limit. Every screen is screenshotted in
portrait (1080×1920) and landscape (1920×1080) under test-artifacts/kiosk/, and axe-core (vendored
from npm, injected into the page) must report no serious or critical violation on any of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.kiosk.models import KioskRequest, KioskSession
from jobmatch.kiosk.views import TERMINAL_COOKIE
from jobmatch.training.models import Enrollment
from tests.conftest import ARTIFACTS
from tests.factories import make_id
from tests.kiosk.helpers import PHONE, build_world

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "kiosk"
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}

#: a stand-in for the browser's speech synthesis with one Mandarin voice; it records what is spoken
SPEECH_STUB = """
window.__spoken = [];
(function () {
  var voices = %s;
  var synth = {
    getVoices: function () { return voices; },
    speak: function (u) { window.__spoken.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name}); },
    cancel: function () {},
    addEventListener: function () {},
    onvoiceschanged: null,
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
}());
"""
ZH_VOICES = '[{"name": "普通话（测试）", "lang": "zh-CN", "default": true}]'


@pytest.fixture
def kiosk_page(_browser, app, live_server, request):
    """A page on a paired terminal (the signed terminal cookie set as the clerk's pairing would)."""
    world = build_world(weak=True)
    voices = getattr(request, "param", ZH_VOICES)
    # bypass_csp only so axe-core can be injected as an inline script; the kiosk itself has no inline script
    context = _browser.new_context(locale="zh-CN", viewport=PORTRAIT, bypass_csp=True, has_touch=True)
    context.add_cookies([{"name": TERMINAL_COOKIE, "value": world.cookie, "url": live_server}])
    context.add_init_script(SPEECH_STUB % voices)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page, world, live_server
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()


def check_screen(page, name: str) -> None:
    """Screenshot in both orientations and run axe-core in each: no serious or critical violation."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""")
        assert result == [], f"{name} ({label}): {json.dumps(result, ensure_ascii=False)}"
    page.set_viewport_size(PORTRAIT)
    # large touch targets: every button and link at least 48 px both ways
    small = page.evaluate("""() => Array.from(document.querySelectorAll('a, button, .choice'))
        .filter(e => e.offsetParent !== null)
        .map(e => ({t: e.textContent.trim().slice(0, 20), r: e.getBoundingClientRect()}))
        .filter(x => x.r.width < 48 || x.r.height < 48).map(x => x.t)""")
    assert small == [], f"{name}: touch targets below 48 px: {small}"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 24


def type_on_keypad(page, step: int, text: str) -> None:
    page.locator("body[data-ready='1']").wait_for(state="attached")  # the keypad script is bound
    panel = page.locator(f"[data-step='{step}']")
    for ch in text:
        panel.locator(f"[data-key='{ch}']").click()


def identify(page, base, id_number, tail):
    page.goto(f"{base}/kiosk/")
    page.get_by_role("link", name="我要找工作").click()
    type_on_keypad(page, 1, id_number)
    page.locator("[data-step='1'] [data-next]").click()
    type_on_keypad(page, 2, tail)
    page.locator("[data-step='2'] [data-submit]").click()


def test_the_whole_journey(kiosk_page):
    page, world, base = kiosk_page
    page.goto(f"{base}/kiosk/")
    check_screen(page, "01-start")
    page.get_by_role("link", name="我要找工作").click()
    page.wait_for_url(re.compile(r"/kiosk/identify$"))
    type_on_keypad(page, 1, world.id_number[:10])
    assert page.locator("[data-step='1'] [data-count]").inner_text() == "10"
    page.locator("[data-step='1'] [data-del]").click()
    type_on_keypad(page, 1, world.id_number[9:])
    check_screen(page, "02-identify-id")
    page.locator("[data-step='1'] [data-next]").click()
    type_on_keypad(page, 2, PHONE[-4:])
    check_screen(page, "03-identify-phone")
    page.locator("[data-step='2'] [data-submit]").click()

    # browse
    page.wait_for_url(re.compile(r"/kiosk/jobs$"))
    assert world.id_number not in page.url and PHONE[-4:] not in page.url
    assert page.locator(".who-id").inner_text() == world.id_number[:6] + "********" + world.id_number[-4:]
    cards = page.locator(".jobcard")
    assert cards.count() == 2
    first = cards.first
    assert first.locator(".reasons li").count() == 2
    check_screen(page, "04-jobs")

    # listen: the speech call is made with the card's text in a Mandarin voice
    first.get_by_role("button", name="读给我听").click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == "zh-CN" and spoken[0]["voice"] == "普通话（测试）"
    title = first.locator(".job-title").inner_text()
    assert spoken[0]["text"].startswith(title) and "工资" in spoken[0]["text"]

    # filters
    page.get_by_role("link", name="公益岗位").click()
    page.wait_for_url(re.compile(r"f=welfare"))
    assert page.locator(".job-title").all_inner_texts() == ["安置点保洁员"]
    check_screen(page, "05-jobs-welfare")
    page.get_by_role("link", name="外出务工").click()
    page.wait_for_url(re.compile(r"f=away"))
    assert "电子厂普工" in page.locator(".job-title").all_inner_texts()
    page.get_by_role("link", name="家门口").click()
    page.wait_for_url(re.compile(r"f=near"))
    card = page.locator(".jobcard", has_text="毛绒玩具缝制工")

    # 我想去
    card.get_by_role("button", name="我想去").click()
    page.locator("#wanted").wait_for()
    check_screen(page, "06-wanted")
    db.session.expire_all()
    assert db.session.scalar(sa.select(KioskRequest.posting_id)) == world.near.id

    # 我的求职
    page.get_by_role("link", name="看我的求职").click()
    page.wait_for_url(re.compile(r"/kiosk/mine$"))
    item = page.locator("#my-requests li", has_text="毛绒玩具缝制工")
    assert "等待工作人员处理" in item.inner_text()
    check_screen(page, "07-mine")

    # the printable slip, in print media
    page.goto(f"{base}/kiosk/jobs/{world.near.id}/slip")
    assert page.locator("#qr").evaluate("img => img.naturalWidth") > 0
    assert "0915-8421234" in page.locator("#slip").inner_text()
    check_screen(page, "08-slip")
    page.emulate_media(media="print")
    assert page.locator(".kbar").is_hidden() and page.locator(".knav").is_hidden()
    assert page.locator("[data-print]").is_hidden()
    assert page.locator("#slip").is_visible() and page.locator("#qr").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "08-slip-print.png"), full_page=True)
    page.pdf(path=str(SHOTS / "08-slip-print.pdf"), format="A5")
    page.emulate_media(media="screen")

    # training
    page.get_by_role("link", name="学技术").click()
    page.wait_for_url(re.compile(r"/kiosk/courses$"))
    course = page.locator(".jobcard", has_text="叉车司机培训班")
    assert "您还没有这个证" in course.inner_text()
    check_screen(page, "09-courses")
    course.get_by_role("button", name="我要报名").click()
    page.locator("#signed-up").wait_for()
    check_screen(page, "10-signed-up")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Enrollment.person_id)) == world.person.id
    page.get_by_role("link", name="看我的求职").click()
    assert "叉车司机培训班" in page.locator("#my-courses").inner_text()

    # 退出 ends the visit; nothing personal afterwards
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/kiosk/$"))
    assert page.locator("#who").count() == 0


def test_idle_timeout_then_back_button_shows_nothing_personal(app, kiosk_page):
    page, world, base = kiosk_page
    app.config.update(KIOSK_IDLE_SECONDS=2, KIOSK_COUNTDOWN_SECONDS=8)
    identify(page, base, world.id_number, PHONE[-4:])
    page.wait_for_url(re.compile(r"/kiosk/jobs$"))
    masked = page.locator(".who-id").inner_text()
    # a touch during the countdown keeps the visit
    overlay = page.locator("#idle-overlay")
    overlay.wait_for(state="visible", timeout=6000)
    check_screen(page, "11-idle-countdown")
    page.get_by_role("button", name="我还在用").click()
    assert overlay.is_hidden()
    page.get_by_role("link", name="我的求职").click()
    page.wait_for_url(re.compile(r"/kiosk/mine$"))
    # now leave it alone: the countdown runs out and the start screen comes back
    overlay.wait_for(state="visible", timeout=6000)
    assert 0 < int(page.locator("#idle-seconds").inner_text()) <= 8
    page.wait_for_url(re.compile(r"/kiosk/$"), timeout=15000)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KioskSession).where(
        KioskSession.ended_at.is_(None))) == 0
    html = page.content()
    assert masked not in html and "王*" not in html
    # the back button: the page is fetched again (no-store) and the server has nothing to show
    page.go_back()
    page.wait_for_load_state()
    assert re.search(r"/kiosk/$", page.url)
    html = page.content()
    assert masked not in html and "王*" not in html and "毛绒玩具缝制工" not in html
    page.go_back()
    page.wait_for_load_state()
    assert masked not in page.content() and "毛绒玩具缝制工" not in page.content()


def test_a_wrong_id_then_the_lookup_limit(app, kiosk_page):
    page, world, base = kiosk_page
    app.config["KIOSK_LOOKUP_MAX_FAILURES"] = 2
    identify(page, base, make_id(), "0000")
    alert = page.get_by_role("alert")
    assert "身份证号或手机号后四位不对" in alert.inner_text()
    check_screen(page, "12-wrong-id")
    page.get_by_role("link", name="返回首页").click()
    identify(page, base, world.id_number, "0000")
    assert "不对" in page.get_by_role("alert").inner_text()
    page.goto(f"{base}/kiosk/identify")
    assert "试错次数太多" in page.get_by_role("alert").inner_text()
    assert page.locator("#identify-form").count() == 0
    check_screen(page, "13-locked")


def test_self_registration_by_touch(kiosk_page):
    page, world, base = kiosk_page
    page.goto(f"{base}/kiosk/")
    page.get_by_role("link", name="我是新来的").click()
    type_on_keypad(page, 1, make_id(male=False))
    check_screen(page, "14-register-id")
    page.locator("[data-step='1'] [data-next]").click()
    type_on_keypad(page, 2, "13700003333")
    page.locator("[data-step='2'] [data-next]").click()
    page.locator("label.choice", has_text="出省也行").click()
    check_screen(page, "15-register-choices")
    page.get_by_role("button", name="提交").click()
    page.locator("#registered").wait_for()
    check_screen(page, "16-registered")
    from jobmatch.kiosk.models import KioskRegistration
    from jobmatch.people.enums import WorkPreference

    db.session.expire_all()
    assert db.session.scalar(sa.select(KioskRegistration.work_preference)) is WorkPreference.OUT_OF_PROVINCE


@pytest.mark.parametrize("kiosk_page", ["[]"], indirect=True)
def test_read_aloud_hides_without_a_chinese_voice(kiosk_page):
    page, world, base = kiosk_page
    page.goto(f"{base}/kiosk/")
    assert page.locator("[data-speak]").count() >= 1
    assert page.locator("[data-speak]:visible").count() == 0
