"""Who is acting and from where: passed to every service so the audit never needs a web request."""

from dataclasses import dataclass

from wangge.core.models import Source


@dataclass(frozen=True)
class Actor:
    user: object | None
    source: str
    ip: str | None = None
    device: str = ""
    file: str = ""

    @classmethod
    def from_request(cls, request, source: str = Source.WEB) -> "Actor":
        ip = request.META.get("REMOTE_ADDR") or None
        device = (request.headers.get("X-Device-Id") or request.headers.get("User-Agent") or "")[:200]
        return cls(user=request.user, source=source, ip=ip, device=device)

    @classmethod
    def system(cls, source: str = Source.COMMAND, user=None, file: str = "") -> "Actor":
        return cls(user=user, source=source, file=file)

    @property
    def username(self) -> str:
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return self.user.get_username()
        return f"<{self.source}>"
