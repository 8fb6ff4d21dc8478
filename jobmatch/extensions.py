"""Unbound Flask extensions; ``create_app`` binds them."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from jobmatch.database import Model

db = SQLAlchemy(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
