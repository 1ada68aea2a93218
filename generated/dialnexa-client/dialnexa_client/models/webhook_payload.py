from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_call import WebhookCall


T = TypeVar("T", bound="WebhookPayload")


@_attrs_define
class WebhookPayload:
    """What an event carries."""

    call: WebhookCall
    """ The call an event is about. Field names follow DialNexa's webhook reference, not the REST
    call record: `to_number` / `from_number` (digits without `+`) are `to_phone_number` /
    `from_phone_number`, `duration` is `duration_sec`. Unknown fields may be added and should be
    ignored.
     """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    request_id: str | None = _attrs_field(default=None, init=False, eq=False, repr=False)
    """The server's id for the answer this model came from (its `X-Request-Id`), or None."""

    def __repr__(self) -> str:
        from ..types import set_fields_repr

        return set_fields_repr(self)

    def to_dict(self) -> dict[str, Any]:
        call = self.call.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "call": call,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_call import WebhookCall  # noqa: PLC0415

        d = dict(src_dict)
        call = WebhookCall.from_dict(d.pop("call"))

        webhook_payload = cls(
            call=call,
        )

        webhook_payload.additional_properties = d
        return webhook_payload

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
