"""A minimal Server-Sent Events reader (the subset the gateway speaks)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SseMessage:
    event: str = "message"
    data: str = ""
    id: str | None = None


@dataclass
class SseParser:
    """Feed it lines; it returns a message at each blank line that ends one.

    Comment lines (``: heartbeat``) return nothing but still reach the caller's loop, which is
    how a follower notices a deadline on a quiet stream.
    """

    last_event_id: str | None = None
    _event: str = "message"
    _data: list[str] = field(default_factory=list)
    _id: str | None = None

    def feed(self, line: str) -> SseMessage | None:
        if line == "":
            if not self._data:
                self._event = "message"
                return None
            message = SseMessage(event=self._event, data="\n".join(self._data), id=self._id)
            if self._id is not None:
                self.last_event_id = self._id
            self._event, self._data, self._id = "message", [], None
            return message
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        return None
