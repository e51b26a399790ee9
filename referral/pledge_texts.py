"""The texts of the 承诺书 that people accept on screen, by version: the one definition the pages show
(templates/registries/_pledges.html on submit, templates/auth/pledge.html at an account's first sign-in) and
the PDFs print (referral/documents/pledges.py), so what was accepted and what is printed cannot drift apart.

A new wording is a new version, added here beside the old one (never an edit: a printed acceptance quotes
the version that was accepted), and ``PLEDGE_TEXT_VERSION`` moves to it; every account then accepts again
(docs/domain.md#personal-data). The texts are Chinese (the printed forms are never translated); they are
marked ``N_`` so the pages can show a translation next to the binding Chinese text's version."""

from __future__ import annotations

from workflows.codes import N_

PLEDGE_TEXT_VERSION = "2026-1"

SERVICE = "service_pledge"  # 服务承诺书 (T2)
CONFIDENTIALITY = "confidentiality_pledge"  # 保密承诺书 (T1): registry entries and accounts alike

#: The clauses, by text version and pledge code.
PLEDGE_CLAUSES: dict[str, dict[str, tuple[str, ...]]] = {
    "2026-1": {
        SERVICE: (
            N_("本机构提交的登记材料真实、准确、完整。"),
            N_("接受精康转介平台的转介，按照《精神障碍社区康复服务资源共享与转介管理办法》和服务规范提供服务。"),
            N_("保持与服务规模相适应的人员和场地条件，保障服务对象的权益和安全。"),
            N_("发生重大事件及时报告，接受民政部门的监督、抽查和考核评估。"),
            N_("违反承诺的，接受移出服务机构库等处理。"),
        ),
        CONFIDENTIALITY: (
            N_("对服务对象的姓名、肖像、住址、工作单位、病历资料以及其他可能推断出其身份的信息予以保密。"),
            N_("平台数据只用于转介和服务，不复制、不导出、不拍摄、不向第三方提供。"),
            N_("妥善保管账号和密码，不转借他人使用。"),
            N_("离岗后仍履行保密义务；违反承诺的，依法承担责任。"),
        ),
    },
}

PREAMBLES = {
    CONFIDENTIALITY: N_("为保护精神障碍社区康复服务对象的个人信息和隐私，依据《中华人民共和国精神卫生法》"
                        "《中华人民共和国个人信息保护法》和《精神障碍社区康复服务资源共享与转介管理办法》，"
                        "承诺人在参与转介服务、使用精康转介平台期间，郑重承诺如下："),
    SERVICE: N_("本机构申请加入精神障碍社区康复服务机构库，承接精康转介平台转介的服务对象，"
                "依据《精神障碍社区康复服务资源共享与转介管理办法》，郑重承诺如下："),
}
CLOSING = N_("特此承诺。")


def pledge_text(code: str, version: str = PLEDGE_TEXT_VERSION) -> dict:
    """``{"version", "preamble", "clauses", "closing"}`` of one pledge; KeyError for a version not kept."""
    return {"version": version, "preamble": PREAMBLES[code], "clauses": PLEDGE_CLAUSES[version][code],
            "closing": CLOSING}
