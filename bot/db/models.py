"""Tables of the bot service. Queries live in the module that owns each table."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class ContentEntry(Base):
    """One answer (both languages) as it stands in data/content/; owned by bot.content.store."""

    __tablename__ = "content_entries"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """One pseudonymous conversation; owned by bot.gateway.conversations.

    `id` is the keyed hash Rasa also uses. The native reply address (a Telegram chat id) is kept
    only encrypted, and only for channels that must push messages later.
    """

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The language the NLG endpoint answers in: follows the user's messages and choices
    # (bot/gateway/conversations.py, settle).
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    last_activity: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class HandoverIntake(Base):
    """What the gateway noted for a handover that is not made yet; owned by bot.handover.intake.

    The handover form asked for a phone number: the next number the user types is kept here,
    encrypted, for the handover only (Rasa gets the placeholder). A crisis phrase matched: a later
    handover is urgent.
    """

    __tablename__ = "handover_intake"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    awaiting_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    crisis_seen: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Handover(Base):
    """A user's request to talk to a PMW worker; owned by bot.handover.handovers.

    Holds only what the user agreed to share: topics (not messages) with consent, and the phone
    number encrypted. `conversation_id` is the pseudonym, never a native id.
    """

    __tablename__ = "handovers"
    # A number is never given out again after a deletion (SQLite would reuse the highest): audit
    # rows and an open staff page must never mix two people. PostgreSQL sequences never reuse.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[str] = mapped_column(String(40), index=True)
    gemeente_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    contact: Mapped[str] = mapped_column(String(10))  # chat | phone | meeting
    phone: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    availability: Mapped[str] = mapped_column(String(12), default="-")
    language: Mapped[str] = mapped_column(String(8), default="-")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The life-domain scan's answers (domain -> fine | better | worried), only with consent.
    scan: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why (codes of bot.handover.handovers.URGENT_REASONS, never free text), and for a call
    # whether a voicemail or a text is safe (CALL_SAFETY).
    urgent_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    call_safety: Mapped[str] = mapped_column(String(16), default="-")
    status: Mapped[str] = mapped_column(String(10), default="waiting", index=True)  # waiting | claimed | closed
    live: Mapped[bool] = mapped_column(Boolean, default=False)  # the relay is on
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"),
                                                   nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    # Whether the user's widget is connected (online | offline; "-" for channels that always
    # reach the user, such as Telegram), and since when: the worker sees it.
    user_presence: Mapped[str] = mapped_column(String(8), default="-")
    user_presence_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class HandoverMessage(Base):
    """One relayed message (user, worker, or a notice of the service), stored encrypted.

    Worker and notice messages wait here with `delivered_at` empty until the user's channel has them.
    """

    __tablename__ = "handover_messages"
    __table_args__ = {"sqlite_autoincrement": True}  # as handovers: ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # user | worker | notice | assistant | system
    body: Mapped[bytes] = mapped_column(LargeBinary)
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffUser(Base):
    """A worker, coordinator, editor or admin; owned by bot.staff.accounts."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(12))
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    totp_secret: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted
    # The last TOTP time step accepted: a code works once.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """A server-side login session; the cookie holds a token whose hash is `id`."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEvent(Base):
    """Who did what to which handover, when; owned by bot.staff.audit. No personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    handover_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")


class ContentVersion(Base):
    """One saved state of an answer: a draft or a publication; owned by bot.content.editing.

    The published text that is served is ContentEntry; these rows are the history behind it.
    """

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    file_name: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10))  # draft | published
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: import or before editing
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegionEntry(Base):
    """One exit-support region as data/regions.yml holds it, editable in the web app; owned by
    bot.regions.editing. `position` keeps the file's order."""

    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PendingChange(Base):
    """A change to safety content (crisis answers, help lines, regions) waiting for a second
    person; owned by bot.approvals. `version_id` links an approved content change to its
    publication in content_versions, so the history shows both names."""

    __tablename__ = "pending_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # content | region
    key: Mapped[str] = mapped_column(String(120), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | approved | replaced
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CheckRuleEntry(Base):
    """One yearly figure or rule as data/check_rules.yml holds it, editable in the web app; owned
    by bot.checks.editing. `position` keeps the file's order."""

    __tablename__ = "check_rules"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExamplePhrasing(Base):
    """An example of what users type for one intent, written by an editor (never a real user's
    message); owned by bot.nlu.phrasings, exported into data/nlu/ for retraining."""

    __tablename__ = "example_phrasings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intent: Mapped[str] = mapped_column(String(120), index=True)  # ask_debt/bailiff, greet, ...
    text: Mapped[str] = mapped_column(String(300))
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: seeded from the file
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FileSync(Base):
    """When one kind of editable data (content, regions, rules) was last imported from or exported
    to its files in git; owned by bot.db.file_sync. An editor's change after this is in the
    database only, and an import refuses to discard it."""

    __tablename__ = "file_syncs"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))  # import | export
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RetrainJob(Base):
    """A retrain an admin (or an operator's `bot retrain`) asked for; owned by bot.nlu.retrain_jobs.

    Holds codes only (state, step, result), never output or text. `active` is 1 while the job is
    queued or running and NULL afterwards: the unique index lets one job at a time be waiting or
    running, across every replica and worker.
    """

    __tablename__ = "retrain_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), index=True)  # queued | running | succeeded | failed
    active: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    step: Mapped[str | None] = mapped_column(String(20), nullable=True)  # exporting | training | ...
    result: Mapped[str | None] = mapped_column(String(40), nullable=True)  # a code: succeeded, tests_failed, ...
    requested_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a staff id; None: the command line
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The worker touches this while it runs the job; a running job whose worker stopped touching
    # it (killed, machine gone) is failed by the next claim, so it cannot block retraining forever.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TelegramUpdate(Base):
    """A Telegram update handled already: the bot's public id and the update's, never a chat id
    or text; owned by channels.telegram_updates, deleted after a day."""

    __tablename__ = "telegram_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
