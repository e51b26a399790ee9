"""政府购买服务 (docs/domain.md#purchase-of-services): the monthly service-volume statement a county pays against."""

from flask import Blueprint

bp = Blueprint("purchases", __name__)
