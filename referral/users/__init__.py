"""用户管理: sysadmins create, edit, disable accounts; officials see the accounts of their area."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/users")
