"""Extensions, created unbound here and bound to an app in `create_app`."""

from flask import Flask
from flask_compress import Compress
from flask_limiter import Limiter as BaseLimiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base; named constraints keep migrations identical on SQLite and PostgreSQL."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Ids are INTEGER columns (32-bit on PostgreSQL): a larger number names no row, so lookups stop
# at this bound instead of sending the database a value it cannot compare (SQLite raises).
MAX_ID = 2**31 - 1


class Limiter(BaseLimiter):
    """Flask-Limiter, whose one instance may serve several apps in a process (tests build many)."""

    def init_app(self, app: Flask) -> None:
        # Flask-Limiter keeps the first app's key prefix for good; each app brings its own.
        self._key_prefix = ""
        super().init_app(app)
        # A new app has a new storage: a storage an earlier app found dead says nothing about it.
        self._storage_dead = False


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()
