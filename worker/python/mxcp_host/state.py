"""Process-wide state of the host, shared by the runtime API (mxcp.runtime) and the dispatcher.

`current_call` is a context variable: each call runs in its own task (async functions) or in a
thread started with a copy of that task's context (sync functions), so concurrent calls each see
their own caller, headers and call id.
"""
import contextvars

channel = None  # the Channel, set by __main__
user_config = {}
site_config = {}
secrets = {}
plugins = {}  # instance name -> plugin object
init_hooks = []
shutdown_hooks = []

# {"id": call id or None, "user": dict or None, "headers": {}, "transport": str, "session_id": ...}
current_call = contextvars.ContextVar("mxcp_current_call", default=None)


def call_id():
    call = current_call.get()
    return call.get("id") if call else None
