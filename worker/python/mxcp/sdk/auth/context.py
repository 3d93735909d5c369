"""`mxcp.sdk.auth.context.get_user_context()`: the authenticated caller of the current call, or None."""
from dataclasses import dataclass, field

from mxcp_host import state


@dataclass
class UserContextModel:
    provider: str
    user_id: str = None
    username: str = None
    email: str = None
    name: str = None
    avatar_url: str = None
    raw_profile: dict = field(default_factory=dict)
    external_token: str = None
    capabilities: list = field(default_factory=list)


def get_user_context():
    call = state.current_call.get()
    user = call.get("user") if call else None
    if not user:
        return None
    known = UserContextModel.__dataclass_fields__
    return UserContextModel(**{k: v for k, v in user.items() if k in known})
