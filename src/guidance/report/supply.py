"""The supply-demand section: the published trade × province table and the shortage list."""

from __future__ import annotations

from guidance.report.content import Paragraph, Section


def supply_section(data, t, province: str | None, names: dict[str, str]) -> Section:
    sd = data.supply_demand
    if sd is None or not len(sd):
        why = data.supply_demand_missing or t("reason.no_data")
        return Section("supply", t("s.supply"), (Paragraph(t("supply.none", why=why)),))
    raise NotImplementedError("supply-demand columns")
