"""A small county for the kiosk tests: a site, a job seeker with a phone, a broker, postings, a course, a terminal."""

from __future__ import annotations

from dataclasses import dataclass

from jobmatch.extensions import db
from jobmatch.kiosk import services as kiosk
from jobmatch.kiosk.views import TERMINAL_COOKIE, terminal_cookie_value
from jobmatch.people.enums import LaborCapacity, WorkPreference
from jobmatch.places.services import scope_for
from tests.factories import make_id, make_person, make_site, make_user
from tests.jobs.helpers import make_posting
from tests.training.helpers import make_course

PHONE = "13912345678"


@dataclass
class World:
    site: object
    person: object
    id_number: str
    broker: object
    clerk: object
    near: object
    welfare: object
    away: object
    course: object
    terminal: object
    cookie: str


def build_world(*, weak: bool = False) -> World:
    site = make_site()
    id_number = make_id()
    person = make_person(id_number=id_number, phone=PHONE, name="王秀英", work_preference=WorkPreference.LOCAL,
                         labor_capacity=LaborCapacity.HALF if weak else LaborCapacity.FULL, wants_training=True)
    broker = make_user("broker", phone="0915-8421234")
    clerk = make_user("site_clerk")
    near = make_posting(broker=broker, title="毛绒玩具缝制工")
    welfare = make_posting(broker=broker, title="安置点保洁员", channel="公益性岗位", employer="城关镇公益岗位管理站",
                           intensity="轻", hours="弹性", wage_min="1200", wage_max="1500")
    away = make_posting(broker=broker, title="电子厂普工", channel="劳务输出", employer="江苏昆山劳务协作站",
                        province="江苏", site="", workplace="江苏省昆山市", board_lodging="是",
                        wage_min="4500", wage_max="6000", hours="两班倒")
    course = make_course(scope_for(site=site), name="叉车司机培训班", certificate_name="叉车司机", skill_name=None,
                         level=None)
    terminal, token = kiosk.pair_terminal(site, "一号自助机", actor=clerk)
    db.session.commit()
    return World(site, person, id_number, broker, clerk, near, welfare, away, course, terminal,
                 terminal_cookie_value(token))


def as_terminal(client, world: World) -> None:
    client.set_cookie(TERMINAL_COOKIE, world.cookie, domain="localhost")
