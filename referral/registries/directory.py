"""The public directory of listed institutions (no login): search by division, service type and free
places; the same as JSON, and an export in Open Referral HSDS 3.0 shape. Only what an institution
publishes about itself appears here — never staff, cases or review history."""

from __future__ import annotations

import uuid

from flask import jsonify, render_template, request, url_for
from sqlalchemy import exists, select

from forms.registries import DirectoryQuery
from referral.divisions.models import Division, within
from referral.errors import default_message
from referral.extensions import db
from referral.registries import bp
from referral.registries.models import Institution, InstitutionService, InstitutionServiceArea
from referral.service_items import SERVICE_ITEMS
from referral.web import paginate
from workflows.approval import ApprovalState

HSDS_VERSION = "3.0"


def listed_institutions(query: DirectoryQuery):
    """Listed (not suspended) institutions matching the filters. A division matches institutions located
    in it or serving it."""
    stmt = select(Institution).where(Institution.state == ApprovalState.LISTED)
    if query.division.data:
        serves = exists().where(InstitutionServiceArea.institution_id == Institution.id,
                                within(InstitutionServiceArea.division_code, query.division.data))
        stmt = stmt.where(within(Institution.division_code, query.division.data) | serves)
    if query.service_type.data:
        stmt = stmt.where(exists().where(InstitutionService.institution_id == Institution.id,
                                         InstitutionService.service_type == query.service_type.data))
    if query.has_free_places.data:
        stmt = stmt.where(Institution.free_places > 0)
    return stmt.order_by(Institution.division_code, Institution.name)


def public_json(inst: Institution) -> dict:
    return {"id": inst.id, "name": inst.name, "address": inst.address, "division": inst.division_code,
            "division_name": inst.division.full_name if inst.division else None,
            "service_area": inst.service_area, "service_types": inst.service_types, "capacity": inst.capacity,
            "free_places": inst.free_places, "opening_hours": inst.opening_hours,
            "contact": {"name": inst.contact_name, "phone": inst.contact_phone},
            "is_assessment_referral": inst.is_assessment_referral, "grade": inst.grade}


def _names(codes) -> dict[str, str]:
    if not codes:
        return {}
    return {d.code: d.full_name for d in db.session.scalars(select(Division).where(Division.code.in_(codes)))}


# HSDS 3.0 wants UUIDs; uuid5 of our row ids keeps them stable from one export to the next.
_HSDS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jingkang-referral.invalid/hsds")


def _hsds_id(*parts) -> str:
    return str(uuid.uuid5(_HSDS_NAMESPACE, "/".join(str(p) for p in parts)))


def hsds_organization(inst: Institution, names: dict[str, str]) -> dict:
    """One HSDS 3.0 organization with its services, location, phone and service areas nested."""
    oid = _hsds_id("institution", inst.id)
    location_id = _hsds_id("institution", inst.id, "location")
    location = {"id": location_id, "location_type": "physical", "name": inst.name,
                "addresses": [{"id": _hsds_id("institution", inst.id, "address"), "location_id": location_id,
                               "address_1": inst.address,
                               "city": names.get(inst.division_code[:4] + "00", ""),
                               "region": names.get(inst.division_code, ""),
                               "state_province": names.get(inst.division_code[:2] + "0000", ""),
                               "postal_code": "", "country": "CN", "address_type": "physical"}]}
    areas = [{"id": _hsds_id("institution", inst.id, "area", code), "name": names.get(code, code),
              "extent_type": "text", "extent": code, "description": "GB/T 2260"} for code in inst.service_area]
    phones = [{"id": _hsds_id("institution", inst.id, "phone"), "number": inst.contact_phone, "type": "voice",
               "languages": []}] if inst.contact_phone else []
    services = []
    for item in inst.service_types:
        sid = _hsds_id("institution", inst.id, "service", item)
        services.append({
            "id": sid, "organization_id": oid, "name": item, "status": "active", "description": item,
            "service_areas": areas, "phones": phones,
            "schedules": [{"id": _hsds_id(sid, "schedule"), "description": inst.opening_hours}]
            if inst.opening_hours else [],
            "service_at_locations": [{"id": _hsds_id(sid, "location"), "service_id": sid,
                                      "location_id": location_id}]})
    # The credit code is public (printed on every licence); HSDS 3.0 carries it as an identifier,
    # tax_id being deprecated.
    identifiers = [{"id": _hsds_id("institution", inst.id, "uscc"), "identifier_scheme": "CN-USCC",
                    "identifier_type": "统一社会信用代码", "identifier": inst.credit_code}] if inst.credit_code else []
    return {"id": oid, "name": inst.name, "description": inst.description or inst.name,
            "legal_status": str(inst.legal_form) if inst.legal_form else None,
            "organization_identifiers": identifiers, "phones": phones, "locations": [location],
            "services": services,
            "contacts": [{"id": _hsds_id("institution", inst.id, "contact"), "name": inst.contact_name}]
            if inst.contact_name else []}


@bp.get("/directory/")
def directory():
    query = DirectoryQuery(formdata=request.args)
    valid = query.validate()
    pagination = paginate(listed_institutions(query)) if valid else None
    return render_template("registries/directory.html", query=query, pagination=pagination,
                           service_items=SERVICE_ITEMS), 200 if valid else 422


@bp.get("/directory.json")
def directory_json():
    query = DirectoryQuery(formdata=request.args)
    if not query.validate():
        # Always JSON here: the app-wide handler picks HTML unless the client's Accept header asks for JSON.
        fields = {name: [str(m) for m in messages] for name, messages in query.errors.items()}
        return jsonify({"error": {"code": "validation_failed", "message": default_message(422),
                                  "fields": fields}}), 422
    pagination = paginate(listed_institutions(query))
    return {"items": [public_json(i) for i in pagination.items], "page": pagination.page,
            "per_page": pagination.per_page, "total": pagination.total,
            "next": url_for("registries.directory_json", **{**request.args.to_dict(), "page": pagination.next_num})
            if pagination.has_next else None}


@bp.get("/directory/hsds.json")
def directory_hsds():
    """The whole directory as HSDS 3.0 organizations (one document; the directory of one platform is small
    enough — thousands, not millions — to export at once)."""
    institutions = db.session.scalars(select(Institution).where(Institution.state == ApprovalState.LISTED)
                                      .order_by(Institution.id)).all()
    codes = {c for i in institutions for c in (*i.service_area, i.division_code, i.division_code[:4] + "00",
                                               i.division_code[:2] + "0000")}
    names = _names(codes)
    return {"hsds_version": HSDS_VERSION, "organizations": [hsds_organization(i, names) for i in institutions]}
