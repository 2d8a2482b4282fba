"""Sign-in: password + TOTP, sessions that end everywhere on logout.

Session contract (other modules and tests rely on it):
- Flask-Login's user id in the cookie is `User.session_token`; rotating it
  (`User.end_all_sessions()`) ends every session of that user at once.
- `session["mfa_ok"]` is True once the second factor passed (or the user needs none).
- `session["auth_at"]` / `session["seen_at"]`: UNIX times of sign-in and last request,
  for the absolute (12 h) and idle (30 min) time-outs.
"""
from __future__ import annotations

from flask import Flask

from app.extensions import db, login_manager
from app.models import User


def init_auth(app: Flask) -> None:
    from app.auth.guard import enforce_session_rules

    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        user = db.session.scalar(db.select(User).where(User.session_token == session_token))
        return user if user is not None and user.active else None

    app.before_request(enforce_session_rules)
