"""All models, importable from one place (Alembic autogenerate reads this)."""
from app.models.accounts import AccountStatus, SocialAccount
from app.models.audit import AuditEvent
from app.models.influencers import (
    Agreement,
    CollaborationKind,
    CollaborationStatus,
    ConsentMethod,
    ConsentRecord,
    DisclosurePolicy,
    Influencer,
    InfluencerDocument,
    InfluencerHandle,
    PostCollaboration,
    PostCollaborationStatus,
)
from app.models.org import INDONESIAN_ZONES, Membership, Organisation, OrgKind, Role
from app.models.posts import Media, Post, PostMedia, PostState, PostTarget, TargetState
from app.models.types import UTCDateTime, utcnow
from app.models.user import RecoveryCode, User

__all__ = [
    "INDONESIAN_ZONES",
    "AccountStatus",
    "Agreement",
    "AuditEvent",
    "CollaborationKind",
    "CollaborationStatus",
    "ConsentMethod",
    "ConsentRecord",
    "DisclosurePolicy",
    "Influencer",
    "InfluencerDocument",
    "InfluencerHandle",
    "Media",
    "Membership",
    "OrgKind",
    "Organisation",
    "Post",
    "PostCollaboration",
    "PostCollaborationStatus",
    "PostMedia",
    "PostState",
    "PostTarget",
    "RecoveryCode",
    "Role",
    "SocialAccount",
    "TargetState",
    "UTCDateTime",
    "User",
    "utcnow",
]
