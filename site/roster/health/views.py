"""`GET /healthz`: 200 when this instance can serve, 503 when its database is unreachable.

Redis is reported but does not fail the check: without it rate limits live in each worker's
memory and every page still works, so taking all instances out of rotation because a shared
Redis is gone would turn a degraded site into a dead one. No versions, hosts or errors are
shown: the answer is public.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from roster.extensions import db, limiter

bp = Blueprint("health", __name__)


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def redis_state() -> str:
    if not current_app.config["REDIS_URL"]:
        return "not configured"
    return "ok" if limiter.storage.check() else "unreachable"


@bp.get("/healthz")
def healthz() -> Response:
    database = database_ok()
    redis = redis_state()
    status = "ok" if database and redis != "unreachable" else "degraded"
    response = jsonify(
        status=status if database else "unavailable",
        database="ok" if database else "unreachable",
        redis=redis,
    )
    response.status_code = 200 if database else 503
    response.headers["Cache-Control"] = "no-store"
    return response
