"""All models, importable from one place (Alembic autogenerate reads this)."""
from app.models.accounts import AccountStatus, SocialAccount
from app.models.audit import AuditEvent
from app.models.org import INDONESIAN_ZONES, Membership, Organisation, OrgKind, Role
from app.models.posts import Media, Post, PostMedia, PostState, PostTarget, TargetState
from app.models.publishing import Approval, Decision, Hold, HoldScope, QuotaUsage
from app.models.types import UTCDateTime, utcnow
from app.models.user import RecoveryCode, User

__all__ = [
    "INDONESIAN_ZONES",
    "AccountStatus",
    "Approval",
    "AuditEvent",
    "Decision",
    "Hold",
    "HoldScope",
    "Media",
    "Membership",
    "OrgKind",
    "Organisation",
    "Post",
    "PostMedia",
    "PostState",
    "PostTarget",
    "QuotaUsage",
    "RecoveryCode",
    "Role",
    "SocialAccount",
    "TargetState",
    "UTCDateTime",
    "User",
    "utcnow",
]
