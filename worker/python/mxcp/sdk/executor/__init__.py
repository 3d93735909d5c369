"""`mxcp.sdk.executor.get_execution_context()`: what MXCP's ExecutionContext offers endpoint code."""
from mxcp_host import state
from mxcp.sdk.auth.context import get_user_context


class ExecutionContext:
    def __init__(self, call):
        self._call = call or {}
        user = get_user_context()
        self.user_context = user
        self.user_id = user.user_id if user else None
        self.username = user.username if user else None
        self.email = user.email if user else None
        self.provider = user.provider if user else None
        self.external_token = user.external_token if user else None

    def get(self, key, default=None):
        values = {
            "request_headers": self._call.get("headers"),
            "transport": self._call.get("transport"),
            "user_config": state.user_config,
            "site_config": state.site_config,
            "session_id": self._call.get("session_id"),
        }
        value = values.get(key)
        return default if value is None else value


def get_execution_context():
    return ExecutionContext(state.current_call.get())


__all__ = ["ExecutionContext", "get_execution_context"]
