"""Which groups of applicants a province serves (DESIGN §3.1, §3.5; docs/domain.md#eligibility-groups).

The Measures make community rehabilitation a service for people with mental disorders, and let "有条件的地方"
also take people with depression, autism and others. So every province serves ``BASELINE`` (严重精神障碍,
其他精神障碍), and a province's policy profile in the ``ELIGIBILITY_PROFILES`` setting lists what it serves
beyond that, e.g. ``REFERRAL_ELIGIBILITY_PROFILES='{"220000": ["severe_mental_disorder",
"other_mental_disorder", "depression", "autism"]}'``. Like the deadline profiles (referral/calendar), the
whole setting is checked at start-up: a typo stops the app, not one province's applications."""

from __future__ import annotations

from collections.abc import Mapping

from referral.cases.models import EligibilityGroup
from workflows.codes import N_

G = EligibilityGroup
BASELINE: tuple[EligibilityGroup, ...] = (G.SEVERE_MENTAL_DISORDER, G.OTHER_MENTAL_DISORDER)

# Where a person of a group the province does not serve can turn instead (the refusal says it).
ELSEWHERE = {
    G.DEPRESSION: N_("可以向当地卫生健康部门、精神卫生医疗机构或综合医院的心理（精神）科咨询诊疗和心理健康服务，"
                     "也可以拨打当地的心理援助热线。"),
    G.AUTISM: N_("可以向当地残联咨询孤独症儿童康复救助和定点康复机构，或向卫生健康部门、妇幼保健机构咨询诊疗服务。"),
}
ELSEWHERE_DEFAULT = N_("可以向当地卫生健康部门或精神卫生医疗机构、残联咨询其他服务。")


def _province_key(code: str) -> str:
    return code[:2] + "0000"


def groups_served(config: Mapping, division_code: str | None) -> tuple[EligibilityGroup, ...]:
    """The groups the province of ``division_code`` (any level) serves, in the enum's order."""
    listed = (config.get("ELIGIBILITY_PROFILES") or {}).get(_province_key(division_code or ""))
    if not listed:
        return BASELINE
    wanted = set(BASELINE) | {EligibilityGroup(g) for g in listed}
    return tuple(g for g in EligibilityGroup if g in wanted)


def profiles(config: Mapping) -> dict[str, tuple[EligibilityGroup, ...]]:
    """Every province with a profile of its own → its groups (the settings page shows them)."""
    return {key: groups_served(config, key) for key in sorted(config.get("ELIGIBILITY_PROFILES") or {})}


def check_eligibility_config(config: Mapping) -> None:
    """Validate ``ELIGIBILITY_PROFILES`` at start-up: keys are province codes, values lists of known groups.
    A profile need not repeat ``BASELINE``, which every province serves; it cannot take it away."""
    profiles_ = config.get("ELIGIBILITY_PROFILES") or {}
    if not isinstance(profiles_, Mapping):
        raise ValueError("ELIGIBILITY_PROFILES: expected a JSON object {\"<province code>\": [groups]}")
    known = set(EligibilityGroup.values())
    for key, groups in profiles_.items():
        if not (isinstance(key, str) and len(key) == 6 and key.isdigit() and key.endswith("0000")):
            raise ValueError(f"ELIGIBILITY_PROFILES: {key!r} is not a province code such as '220000'")
        if not isinstance(groups, list | tuple) or not all(isinstance(g, str) for g in groups):
            raise ValueError(f"ELIGIBILITY_PROFILES[{key!r}]: expected a list of group names")
        unknown = sorted(set(groups) - known)
        if unknown:
            raise ValueError(f"ELIGIBILITY_PROFILES[{key!r}]: unknown group(s) {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(known))}")
