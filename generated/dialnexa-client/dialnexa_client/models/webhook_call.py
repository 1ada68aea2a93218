from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.hangup_reason import HangupReason
from ..models.webhook_call_status import WebhookCallStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookCall")


@_attrs_define
class WebhookCall:
    """The call an event is about. Field names follow DialNexa's webhook reference, not the REST
    call record: `to_number` / `from_number` (digits without `+`) are `to_phone_number` /
    `from_phone_number`, `duration` is `duration_sec`. Unknown fields may be added and should be
    ignored.

    """

    id: str
    """ ID of a call, `call_` followed by letters and digits. """
    direction: str
    """ `outbound` for calls placed with `createCall`. """
    type_: str
    """ `phone_call` for calls over the phone network. """
    from_number: str
    """ A phone number as webhook events write it, E.164 digits usually without the leading `+`. """
    to_number: str
    """ A phone number as webhook events write it, E.164 digits usually without the leading `+`. """
    status: WebhookCallStatus
    """ The call's state as an event reports it: `initiated` while it is being set up, then
    `completed` (it connected and ended) or `hangup` (it ended without connecting). Coarser than
    `CallStatus`: `getCall` gives the exact final status.
     """
    agent_id: str
    """ ID of an agent of your workspace. """
    initiated_at: datetime.datetime | None
    """ When the call's setup started, ISO 8601 in UTC; `null` for a call that ended before it was set up. """
    category: str | Unset = UNSET
    """ What started the call, e.g. `batch`; absent for single calls. """
    category_id: str | Unset = UNSET
    """ The id of what started the call (a batch's `batch_` id), with `category`. """
    duration: int | Unset = UNSET
    """ Connected time in whole seconds; `call_ended` of a `completed` call. """
    transcript: str | Unset = UNSET
    """ Speaker-labelled transcript; `call_ended` of a `completed` call. """
    summary: str | Unset = UNSET
    """ A short summary of the conversation, when the agent produces one. """
    recording_url: str | Unset = UNSET
    """ A pre-signed URL of the recording; it expires after 7 days. """
    hangup_reason: HangupReason | Unset = UNSET
    """ Why the call ended. New values may be added. """
    disconnection_reason: HangupReason | Unset = UNSET
    """ Why the call ended. New values may be added. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    request_id: str | None = _attrs_field(default=None, init=False, eq=False, repr=False)
    """The server's id for the answer this model came from (its `X-Request-Id`), or None."""

    def __repr__(self) -> str:
        from ..types import set_fields_repr

        return set_fields_repr(self)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        direction = self.direction

        type_ = self.type_

        from_number = self.from_number

        to_number = self.to_number

        status = self.status.value

        agent_id = self.agent_id

        initiated_at: None | str
        if isinstance(self.initiated_at, datetime.datetime):
            initiated_at = self.initiated_at.isoformat()
        else:
            initiated_at = self.initiated_at

        category = self.category

        category_id = self.category_id

        duration = self.duration

        transcript = self.transcript

        summary = self.summary

        recording_url = self.recording_url

        hangup_reason: str | Unset = UNSET
        if not isinstance(self.hangup_reason, Unset):
            hangup_reason = self.hangup_reason.value

        disconnection_reason: str | Unset = UNSET
        if not isinstance(self.disconnection_reason, Unset):
            disconnection_reason = self.disconnection_reason.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "direction": direction,
                "type": type_,
                "from_number": from_number,
                "to_number": to_number,
                "status": status,
                "agent_id": agent_id,
                "initiated_at": initiated_at,
            }
        )
        if category is not UNSET:
            field_dict["category"] = category
        if category_id is not UNSET:
            field_dict["category_id"] = category_id
        if duration is not UNSET:
            field_dict["duration"] = duration
        if transcript is not UNSET:
            field_dict["transcript"] = transcript
        if summary is not UNSET:
            field_dict["summary"] = summary
        if recording_url is not UNSET:
            field_dict["recording_url"] = recording_url
        if hangup_reason is not UNSET:
            field_dict["hangup_reason"] = hangup_reason
        if disconnection_reason is not UNSET:
            field_dict["disconnection_reason"] = disconnection_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        direction = d.pop("direction")

        type_ = d.pop("type")

        from_number = d.pop("from_number")

        to_number = d.pop("to_number")

        status = WebhookCallStatus(d.pop("status"))

        agent_id = d.pop("agent_id")

        def _parse_initiated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                initiated_at_type_0 = datetime.datetime.fromisoformat(data)

                return initiated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        initiated_at = _parse_initiated_at(d.pop("initiated_at"))

        category = d.pop("category", UNSET)

        category_id = d.pop("category_id", UNSET)

        duration = d.pop("duration", UNSET)

        transcript = d.pop("transcript", UNSET)

        summary = d.pop("summary", UNSET)

        recording_url = d.pop("recording_url", UNSET)

        _hangup_reason = d.pop("hangup_reason", UNSET)
        hangup_reason: HangupReason | Unset
        if isinstance(_hangup_reason, Unset):
            hangup_reason = UNSET
        else:
            hangup_reason = HangupReason(_hangup_reason)

        _disconnection_reason = d.pop("disconnection_reason", UNSET)
        disconnection_reason: HangupReason | Unset
        if isinstance(_disconnection_reason, Unset):
            disconnection_reason = UNSET
        else:
            disconnection_reason = HangupReason(_disconnection_reason)

        webhook_call = cls(
            id=id,
            direction=direction,
            type_=type_,
            from_number=from_number,
            to_number=to_number,
            status=status,
            agent_id=agent_id,
            initiated_at=initiated_at,
            category=category,
            category_id=category_id,
            duration=duration,
            transcript=transcript,
            summary=summary,
            recording_url=recording_url,
            hangup_reason=hangup_reason,
            disconnection_reason=disconnection_reason,
        )

        webhook_call.additional_properties = d
        return webhook_call

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
