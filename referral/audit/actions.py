"""What each audit action and object type is called (docs/domain.md#personal-data: the log is read by
officials, in Chinese). The machines' events take their names from the machines' own label tables; the
rest are the actions the services record by name."""

from __future__ import annotations

from flask_babel import gettext as _

from workflows.approval import APPROVAL_EVENT_LABELS
from workflows.case import CASE_EVENT_LABELS
from workflows.codes import N_

OBJECT_TYPES = {
    "case": N_("个案"), "institution": N_("服务机构"), "talent": N_("服务人才"), "user": N_("账号"),
    "api_token": N_("接口令牌"), "attachment": N_("附件"), "document_export": N_("文书批量导出"),
    "division": N_("行政区划"), "calendar": N_("工作日历"), "spot_check_round": N_("抽查"),
    "demand_import": N_("需求名单导入"),
    "purchase_statement": N_("服务量结算单"),
}

NAMED_ACTIONS = {
    "auth.login": N_("登录"), "auth.login_failed": N_("登录失败"), "auth.logout": N_("退出登录"),
    "auth.password_change": N_("修改密码"), "token.create": N_("签发接口令牌"), "token.revoke": N_("吊销接口令牌"),
    "user.create": N_("建立账号"), "user.update": N_("修改账号"), "user.enable": N_("启用账号"),
    "user.disable": N_("停用账号"), "user.update_own": N_("修改本人账号信息"), "user.pledge": N_("接受保密承诺书"),
    "case.apply": N_("个案：提出申请"), "case.reveal_identity": N_("个案：查看完整身份信息"),
    "case.service_record": N_("个案：记录服务"),
    "institution.create": N_("服务机构：建立登记"), "institution.update": N_("服务机构：修改信息"),
    "institution.licence_add": N_("服务机构：登记执业许可"), "institution.move": N_("服务机构：变更所在县"),
    "talent.create": N_("服务人才：建立登记"), "talent.update": N_("服务人才：修改信息"),
    "talent.training_add": N_("服务人才：登记培训"), "talent.reveal_id_number": N_("服务人才：查看完整身份证号"),
    "change_request.create": N_("变更申请：提出"), "change_request.approve": N_("变更申请：通过"),
    "change_request.reject": N_("变更申请：不予通过"), "change_request.cancel": N_("变更申请：撤回"),
    "attachment.upload": N_("附件：上传"), "attachment.download": N_("附件：下载"), "attachment.delete": N_("附件：删除"),
    "document.issue": N_("文书：签发"), "document.download": N_("文书：下载"),
    "document.export_request": N_("文书批量导出：申请"), "document.export_done": N_("文书批量导出：完成"),
    "document.export_download": N_("文书批量导出：下载"),
    "document.export_requeue": N_("文书批量导出：中断后重新排队"), "document.export_fail": N_("文书批量导出：中断失败"),
    "spot_check.draw": N_("抽查：抽取机构"), "spot_check.passed": N_("抽查：合格"), "spot_check.failed": N_("抽查：不合格"),
    "complaint.file": N_("投诉：登记"), "complaint.handle": N_("投诉：受理"), "complaint.resolve": N_("投诉：办结"),
    "evaluation.add": N_("考核评估：登记"), "divisions.import": N_("行政区划：导入"), "calendar.import": N_("工作日历：导入放假安排"),
    "demand.import_request": N_("需求名单：上传导入"), "demand.import": N_("需求名单：导入完成"),
    "demand.import_failed": N_("需求名单：导入失败"),
    "purchase.issue": N_("服务量结算单：出具"), "purchase.supersede": N_("服务量结算单：被重新出具"),
    "purchase.confirm": N_("服务量结算单：机构确认"), "purchase.dispute": N_("服务量结算单：机构提出异议"),
    "purchase.export": N_("服务量结算单：导出"),
}
_EVENT_GROUPS = (("case", N_("个案"), CASE_EVENT_LABELS), ("institution", N_("服务机构"), APPROVAL_EVENT_LABELS),
                 ("talent", N_("服务人才"), APPROVAL_EVENT_LABELS))


def action_codes() -> list[str]:
    """Every action the platform records, grouped by object (the audit page's filter)."""
    codes = set(NAMED_ACTIONS)
    for prefix, _name, events in _EVENT_GROUPS:
        codes.update(f"{prefix}.{event}" for event in events)
    return sorted(codes)


def action_label(action: str) -> str:
    """The action in the reader's language; an action recorded before it had a name shows its code."""
    if action in NAMED_ACTIONS:
        return _(NAMED_ACTIONS[action])
    prefix, _dot, event = action.partition(".")
    for group, name, events in _EVENT_GROUPS:
        if prefix == group and event in events:
            return _("%(object)s：%(action)s", object=_(name), action=_(events[event]))
    return action


_PAGES = {"case": ("cases.detail", "case_id"), "institution": ("registries.institution", "institution_id"),
          "talent": ("registries.talent", "talent_id"), "user": ("users.detail", "user_id"),
          "purchase_statement": ("purchases.detail", "statement_id")}


def object_url(entry) -> str | None:
    """The page of the entry's object (the page itself still answers 404 outside the reader's scope)."""
    from flask import url_for

    page = _PAGES.get(entry.object_type)
    if page is None or not (entry.object_id or "").isdigit():
        return None
    return url_for(page[0], **{page[1]: int(entry.object_id)})


def object_label(object_type: str | None) -> str:
    return _(OBJECT_TYPES[object_type]) if object_type in OBJECT_TYPES else (object_type or "")
