"""Domain errors of the core, in Vietnamese and English (no web framework here).

The core raises these instead of a bare ``ValueError``; ``guidance.api.errors`` maps each
class to an HTTP status ONCE, so a ``ValueError`` from numpy or pandas (a bug) stays a 500
instead of passing for the client's mistake. (A saved bundle that does not match its
metadata is ``guidance.artifacts.ArtifactMismatch``: one definition, kept there.)
"""

from __future__ import annotations


class GuidanceError(Exception):
    """Base of the domain errors: a stable ``code``, the field and rule at fault (when
    there is one) and the message in both languages."""

    code = "guidance_error"

    def __init__(
        self,
        message_en: str,
        message_vi: str,
        *,
        field: str | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi
        self.field = field
        self.rule = rule

    def details(self) -> dict[str, str | None]:
        """Field, rule and both messages, as an error body shows them."""
        return {
            "field": self.field,
            "rule": self.rule,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


class InvalidProfile(GuidanceError):
    """The learner's profile or preferences break a rule of the contract."""

    code = "invalid_profile"


class UnknownProvince(InvalidProfile):
    """A province code the catalogue does not know."""

    code = "unknown_province"

    def __init__(self, code: str, field: str = "home_province_code") -> None:
        super().__init__(
            f"unknown {field} {code!r}: not a province of the catalogue",
            f"{field} {code!r} không phải mã tỉnh/thành có trong danh mục",
            field=field,
            rule="known_province",
        )


class UnknownProgramme(GuidanceError):
    """A programme id the recommender's catalogue does not hold."""

    code = "unknown_programme"

    def __init__(self, programme_id: str) -> None:
        super().__init__(
            f"no programme {programme_id!r} in the catalogue",
            f"không có chương trình {programme_id!r} trong danh mục",
            field="programme_id",
            rule="known_programme",
        )


class ModelNotLoaded(GuidanceError):
    """No model is being served yet."""

    code = "model_not_ready"  # the code clients already know

    def __init__(self, reason: str = "no model is loaded yet") -> None:
        super().__init__(reason, "chưa nạp mô hình; vui lòng thử lại sau")
