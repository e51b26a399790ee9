"""登录、退出、修改密码; accounts, roles and API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
