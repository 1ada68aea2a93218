from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="CreateCallRequest")


@_attrs_define
class CreateCallRequest:
    """What to call, with which agent. Unknown properties are rejected."""

    agent_id: str
    """ ID of an agent of your workspace. """
    to_phone_number: str
    """ A phone number in E.164 form: `+`, the country calling code and the national number, up to
    15 digits in all. The pattern is only the outer shape: the server also checks that the
    number is a real, dialable number of its country.
     """
    from_phone_number: str | Unset = UNSET
    """ A phone number in E.164 form: `+`, the country calling code and the national number, up to
    15 digits in all. The pattern is only the outer shape: the server also checks that the
    number is a real, dialable number of its country.
     """
    agent_version_number: int | Unset = UNSET
    """ Pin the call to this published version of the agent. Defaults to the latest published version. """
    metadata: Metadata | Unset = UNSET
    """ Dynamic variables for the agent's prompt, referenced there as `{{variable_name}}`, and kept
    on the call record. Values are scalars; they are rendered into the prompt as text. Numbers
    must be finite, and integers must fit in 64 bits.
     """

    request_id: str | None = _attrs_field(default=None, init=False, eq=False, repr=False)
    """The server's id for the answer this model came from (its `X-Request-Id`), or None."""

    def __repr__(self) -> str:
        from ..types import set_fields_repr

        return set_fields_repr(self)

    def to_dict(self) -> dict[str, Any]:
        agent_id = self.agent_id

        to_phone_number = self.to_phone_number

        from_phone_number = self.from_phone_number

        agent_version_number = self.agent_version_number

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agent_id": agent_id,
                "to_phone_number": to_phone_number,
            }
        )
        if from_phone_number is not UNSET:
            field_dict["from_phone_number"] = from_phone_number
        if agent_version_number is not UNSET:
            field_dict["agent_version_number"] = agent_version_number
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metadata import Metadata  # noqa: PLC0415

        d = dict(src_dict)
        agent_id = d.pop("agent_id")

        to_phone_number = d.pop("to_phone_number")

        from_phone_number = d.pop("from_phone_number", UNSET)

        agent_version_number = d.pop("agent_version_number", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        create_call_request = cls(
            agent_id=agent_id,
            to_phone_number=to_phone_number,
            from_phone_number=from_phone_number,
            agent_version_number=agent_version_number,
            metadata=metadata,
        )

        return create_call_request
