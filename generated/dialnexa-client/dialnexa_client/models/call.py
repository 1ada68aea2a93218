from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_status import CallStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="Call")


@_attrs_define
class Call:
    """A call record. Only the fields every record has are required: `id`, `status`, `agent_id`,
    `to_phone_number` and `created_at` appear both in a freshly created call and in a finished
    one. DialNexa's own examples leave out the rest depending on the call's state (the fresh
    call has no `from_phone_number`, the finished one no `agent_version_number`), so those are
    optional; the fields only known once the call ends (`ended_at`, `duration_sec`,
    `transcript`) may also be `null` while it is in flight. Unknown fields may be added in
    future and should be ignored.

    """

    id: str
    """ ID of a call, `call_` followed by letters and digits. """
    status: CallStatus
    """ Where the call is in its lifecycle. `created`, `initiated`, `sent` and `received` are in
    flight (queued, set up, handed to the carrier, ringing or connected); the other seven are
    final. `completed` means the call connected and ended; `did_not_pick`, `busy` and
    `no_answer` mean it never connected; `failed` means it could not be placed; `cancelled` and
    `retry_expired` come from batch cancellation and retry expiry. New values may be added:
    treat an unknown value as "not final yet".

    A status only moves forward, in the order above (steps may be skipped), and the final
    statuses, listed in `x-final-values`, never change: a call in one of them keeps it.
     """
    agent_id: str
    """ ID of an agent of your workspace. """
    to_phone_number: str
    """ A phone number in E.164 form: `+`, the country calling code and the national number, up to
    15 digits in all. The pattern is only the outer shape: the server also checks that the
    number is a real, dialable number of its country.
     """
    created_at: datetime.datetime
    """ When the call was created, ISO 8601 in UTC by the server's clock (never later than the answer's `Date`). """
    agent_version_number: int | Unset = UNSET
    """ The agent version the call runs with. Optional because DialNexa's completed-call example omits it. """
    from_phone_number: None | str | Unset = UNSET
    """ The caller ID shown. Optional because DialNexa's fresh-call example omits it; `null` when not yet assigned.
    """
    ended_at: datetime.datetime | None | Unset = UNSET
    """ When the call reached a final status, ISO 8601 in UTC, not before `created_at`; `null` or absent while it is
    in flight. """
    duration_sec: int | None | Unset = UNSET
    """ Connected time in whole seconds, once the call has ended (at most the time from `created_at` to `ended_at`);
    `null` or absent before. """
    transcript: None | str | Unset = UNSET
    """ Speaker-labelled transcript (`Agent:` / `User:` lines) once a connected call has ended; `null` or absent
    before and for calls that never connected. """
    metadata: Metadata | Unset = UNSET
    """ Dynamic variables for the agent's prompt, referenced there as `{{variable_name}}`, and kept
    on the call record. Values are scalars; they are rendered into the prompt as text. Numbers
    must be finite, and integers must fit in 64 bits.
     """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    request_id: str | None = _attrs_field(default=None, init=False, eq=False, repr=False)
    """The server's id for the answer this model came from (its `X-Request-Id`), or None."""

    def __repr__(self) -> str:
        from ..types import set_fields_repr

        return set_fields_repr(self)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status.value

        agent_id = self.agent_id

        to_phone_number = self.to_phone_number

        created_at = self.created_at.isoformat()

        agent_version_number = self.agent_version_number

        from_phone_number: None | str | Unset
        if isinstance(self.from_phone_number, Unset):
            from_phone_number = UNSET
        else:
            from_phone_number = self.from_phone_number

        ended_at: None | str | Unset
        if isinstance(self.ended_at, Unset):
            ended_at = UNSET
        elif isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        duration_sec: int | None | Unset
        if isinstance(self.duration_sec, Unset):
            duration_sec = UNSET
        else:
            duration_sec = self.duration_sec

        transcript: None | str | Unset
        if isinstance(self.transcript, Unset):
            transcript = UNSET
        else:
            transcript = self.transcript

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "agent_id": agent_id,
                "to_phone_number": to_phone_number,
                "created_at": created_at,
            }
        )
        if agent_version_number is not UNSET:
            field_dict["agent_version_number"] = agent_version_number
        if from_phone_number is not UNSET:
            field_dict["from_phone_number"] = from_phone_number
        if ended_at is not UNSET:
            field_dict["ended_at"] = ended_at
        if duration_sec is not UNSET:
            field_dict["duration_sec"] = duration_sec
        if transcript is not UNSET:
            field_dict["transcript"] = transcript
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metadata import Metadata  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = CallStatus(d.pop("status"))

        agent_id = d.pop("agent_id")

        to_phone_number = d.pop("to_phone_number")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        agent_version_number = d.pop("agent_version_number", UNSET)

        def _parse_from_phone_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_phone_number = _parse_from_phone_number(d.pop("from_phone_number", UNSET))

        def _parse_ended_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        ended_at = _parse_ended_at(d.pop("ended_at", UNSET))

        def _parse_duration_sec(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_sec = _parse_duration_sec(d.pop("duration_sec", UNSET))

        def _parse_transcript(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        transcript = _parse_transcript(d.pop("transcript", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        call = cls(
            id=id,
            status=status,
            agent_id=agent_id,
            to_phone_number=to_phone_number,
            created_at=created_at,
            agent_version_number=agent_version_number,
            from_phone_number=from_phone_number,
            ended_at=ended_at,
            duration_sec=duration_sec,
            transcript=transcript,
            metadata=metadata,
        )

        call.additional_properties = d
        return call

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
