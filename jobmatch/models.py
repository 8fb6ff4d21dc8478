"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from jobmatch.accounts.models import ApiToken, AuditEvent, ThrottleHit, User, UserSession  # noqa: F401
from jobmatch.jobs.models import (  # noqa: F401
    DepartureBatch,
    DepartureMember,
    Employer,
    Posting,
    PostingCertificate,
    PostingSkill,
    Referral,
    ReferralEvent,
    SubsidyEntry,
    SubsidyRun,
    SubsidySettings,
)
from jobmatch.kiosk.models import KioskRegistration, KioskRequest, KioskSession, KioskTerminal  # noqa: F401
from jobmatch.matching import service as _matching_service  # noqa: F401,E402  (ORM write listener)
from jobmatch.matching.dbmodels import MatchingModel  # noqa: F401,E402
from jobmatch.monitoring.models import (  # noqa: F401
    AssistancePlan,
    HouseholdStanding,
    MonthlySnapshot,
    PlanMeasure,
    StatusProposal,
    Visit,
    ZeroEpisode,
)
from jobmatch.people.models import Household, Person, PersonCertificate, PersonSkill, StatusEvent  # noqa: F401
from jobmatch.places.models import Region, Site  # noqa: F401
from jobmatch.spreadsheets.models import ImportRecord  # noqa: F401
from jobmatch.training.models import (  # noqa: F401
    Attendance,
    CertificateAward,
    Course,
    CourseSession,
    Enrollment,
    TrainingProvider,
    TrainingTarget,
)
from jobmatch.vocab.models import (  # noqa: F401
    Certificate,
    CertificateSynonym,
    OccupationAlias,
    Skill,
    SkillSynonym,
)
