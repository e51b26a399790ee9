"""The service items of docs/domain.md#assessment-and-service-items (the nine items of the 2020 工作规范). Their Chinese names are the
values the API exchanges (docs/domain.md#api-contract: `service_types`)."""

SERVICE_ITEMS = (
    "服药训练",
    "预防复发训练",
    "躯体管理训练",
    "生活技能训练",
    "社交技能训练",
    "职业康复训练",
    "心理康复",
    "同伴支持",
    "家庭支持",
)
