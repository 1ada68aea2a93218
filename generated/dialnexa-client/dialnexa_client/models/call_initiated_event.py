from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_payload import WebhookPayload


T = TypeVar("T", bound="CallInitiatedEvent")


@_attrs_define
class CallInitiatedEvent:
    """The body of a `call_initiated` delivery."""

    event_type: Literal["call_initiated"]
    payload: WebhookPayload
    """ What an event carries. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    request_id: str | None = _attrs_field(default=None, init=False, eq=False, repr=False)
    """The server's id for the answer this model came from (its `X-Request-Id`), or None."""

    def __repr__(self) -> str:
        from ..types import set_fields_repr

        return set_fields_repr(self)

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_type": event_type,
                "payload": payload,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_payload import WebhookPayload  # noqa: PLC0415

        d = dict(src_dict)
        event_type = cast(Literal["call_initiated"], d.pop("event_type"))
        if event_type != "call_initiated":
            raise ValueError(f"event_type must match const 'call_initiated', got '{event_type}'")

        payload = WebhookPayload.from_dict(d.pop("payload"))

        call_initiated_event = cls(
            event_type=event_type,
            payload=payload,
        )

        call_initiated_event.additional_properties = d
        return call_initiated_event

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
