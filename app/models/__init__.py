"""All models, importable from one place (Alembic autogenerate reads this)."""
from app.models.accounts import AccountStatus, SocialAccount
from app.models.activity import AudienceSnapshot
from app.models.api_tokens import ApiToken
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, campaign_name_key
from app.models.composer import PostTemplate, TemplateKind
from app.models.influencers import (
    Agreement,
    CollaborationKind,
    CollaborationStatus,
    ConsentMethod,
    ConsentRecord,
    DisclosurePolicy,
    HandleLookup,
    Influencer,
    InfluencerDocument,
    InfluencerHandle,
    PostCollaboration,
    PostCollaborationStatus,
)
from app.models.notifications import Notification, NotificationPreference, Webhook
from app.models.org import INDONESIAN_ZONES, Membership, Organisation, OrgKind, Role
from app.models.posts import Media, Post, PostMedia, PostState, PostTarget, TargetState
from app.models.publishing import Approval, Decision, Hold, HoldScope, QuotaUsage
from app.models.security import (
    Attestation,
    AttestationState,
    CustomItem,
    Evidence,
    Incident,
    IncidentKind,
    ItemState,
    ProfileSnapshot,
)
from app.models.types import UTCDateTime, utcnow
from app.models.user import RecoveryCode, User

__all__ = [
    "INDONESIAN_ZONES",
    "AccountStatus",
    "Agreement",
    "ApiToken",
    "Approval",
    "Attestation",
    "AttestationState",
    "AudienceSnapshot",
    "AuditEvent",
    "Campaign",
    "CollaborationKind",
    "CollaborationStatus",
    "ConsentMethod",
    "ConsentRecord",
    "CustomItem",
    "Decision",
    "DisclosurePolicy",
    "Evidence",
    "HandleLookup",
    "Hold",
    "HoldScope",
    "Incident",
    "IncidentKind",
    "Influencer",
    "InfluencerDocument",
    "InfluencerHandle",
    "ItemState",
    "Media",
    "Membership",
    "Notification",
    "NotificationPreference",
    "OrgKind",
    "Organisation",
    "Post",
    "PostCollaboration",
    "PostCollaborationStatus",
    "PostMedia",
    "PostState",
    "PostTarget",
    "PostTemplate",
    "ProfileSnapshot",
    "QuotaUsage",
    "RecoveryCode",
    "Role",
    "SocialAccount",
    "TargetState",
    "TemplateKind",
    "UTCDateTime",
    "User",
    "Webhook",
    "campaign_name_key",
    "utcnow",
]
