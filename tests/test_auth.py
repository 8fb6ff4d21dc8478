"""Sign-in, sessions, throttling, CSRF, cookie flags, account management."""

import re

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import Role, User, UserSession
from jobmatch.accounts.services import check_password, create_user
from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_site, make_user


@pytest.fixture
def site(app):
    return make_site()


def post_login(client, username, password, **kw):
    token = csrf_token_from(client.get("/login", **kw).get_data(as_text=True))
    headers = {"Referer": kw["base_url"] + "/login"} if "base_url" in kw else {}
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers, **kw)


def test_passwords_are_argon2id_hashes(site):
    user = make_user("county_reviewer")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert check_password(user, PASSWORD) and not check_password(user, "wrong-password-1")


def test_production_hasher_uses_strong_parameters():
    from jobmatch.accounts.services import _STRONG

    assert _STRONG.memory_cost >= 65536 and _STRONG.time_cost >= 3


def test_login_sets_a_hardened_cookie_and_logout_revokes_on_the_server(app, client, site):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user("county_reviewer")
    https = {"base_url": "https://localhost"}
    response = post_login(client, user.username, PASSWORD, **https)
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    stolen = re.search(r"jobmatch_session=([^;]+)", cookie).group(1)
    assert client.get("/staff/", **https).status_code == 200
    token = csrf_token_from(client.get("/staff/", **https).get_data(as_text=True))
    # over HTTPS Flask-WTF also checks the Referer, as a browser sends it
    response = client.post("/logout", data={"csrf_token": token}, headers={"Referer": "https://localhost/staff/"}, **https)
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    session_row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert session_row.revoked_at is not None
    # replaying the old cookie after logout no longer works: the session is dead on the server
    replay = app.test_client()
    replay.set_cookie("jobmatch_session", stolen, domain="localhost")
    assert replay.get("/staff/", **https).status_code == 302


def test_wrong_password_and_throttle(app, client, site):
    user = make_user("site_clerk")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        response = post_login(client, user.username, "wrong-password-1")
        assert response.status_code == 401
        assert "用户名或密码不正确" in response.get_data(as_text=True)
    response = post_login(client, user.username, "wrong-password-1")
    assert response.status_code == 429
    # even the right password is refused while locked
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.get_data(as_text=True)


def test_login_form_without_csrf_is_refused(client, site):
    user = make_user("site_clerk")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400


def test_disabled_user_cannot_sign_in(client, site):
    user = make_user("site_clerk")
    user.is_active = False
    db.session.commit()
    assert post_login(client, user.username, PASSWORD).status_code == 401


def test_open_redirect_is_refused(client, site):
    user = make_user("site_clerk")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/staff/")


@pytest.mark.parametrize("role,area,ok", [
    ("city_admin", "安康市", True), ("county_reviewer", "平利县", True), ("township_clerk", "城关镇", True),
    ("site_clerk", "城关1号安置点", True), ("township_clerk", "平利县", False), ("county_reviewer", "不存在县", False),
])
def test_users_must_be_scoped_to_a_region_of_their_level(site, role, area, ok):
    if ok:
        user = create_user(f"u_{role}", PASSWORD, Role(role), area)
        assert user.area_name == area
    else:
        with pytest.raises(ValidationError):
            create_user(f"u_{role}", PASSWORD, Role(role), area)


def test_weak_password_refused(site):
    with pytest.raises(ValidationError) as err:
        create_user("weakling", "12345678901", Role.SITE_CLERK, "城关1号安置点")
    assert "字母" in err.value.fields["password"]


def test_create_user_cli(runner, site):
    result = runner.invoke(args=["create-user", "li.ming", "--role", "township_clerk", "--region", "城关镇",
                                 "--password-stdin"], input="a-good-password-9\n")
    assert result.exit_code == 0, result.output
    assert "已创建账号 li.ming" in result.output
    user = db.session.scalar(sa.select(User).where(User.username == "li.ming"))
    assert user.role is Role.TOWNSHIP_CLERK and user.region.name == "城关镇"
    result = runner.invoke(args=["create-user", "li.ming", "--role", "site_clerk", "--region", "城关1号安置点",
                                 "--password-stdin"], input="a-good-password-9\n")
    assert result.exit_code == 1 and "已存在" in result.output


def test_city_admin_manages_accounts_through_the_page(client, login_as, site):
    login_as("city_admin")
    page = client.get("/staff/users/new")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/staff/users/new", data={
        "csrf_token": token, "username": "zhang.san", "display_name": "张三", "role": "site_clerk",
        "region": "城关1号安置点", "password": "another-pass-77", "is_active": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = client.get("/staff/users").get_data(as_text=True)
    assert "zhang.san" in listing and "安置点信息采集员" in listing
    bad = client.post("/staff/users/new", data={
        "csrf_token": token, "username": "x", "role": "site_clerk", "region": "城关1号安置点", "password": "short",
    })
    assert bad.status_code == 422 and "用户名须为" in bad.get_data(as_text=True)


@pytest.mark.parametrize("role", ["county_reviewer", "township_clerk", "site_clerk"])
def test_only_city_admins_manage_accounts(client, login_as, site, role):
    login_as(role)
    assert client.get("/staff/users").status_code == 403


def test_pages_require_sign_in(client, site):
    for path in ("/staff/", "/staff/people?q=王", "/staff/import", "/staff/export/register", "/staff/sites"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
