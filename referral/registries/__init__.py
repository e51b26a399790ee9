"""服务机构库 and 服务人才库 (docs/domain.md#registry-approval-machine): online registration, county pre-check, city confirmation,
dynamic management, the public directory."""

from flask import Blueprint

bp = Blueprint("registries", __name__)
