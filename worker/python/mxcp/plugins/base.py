"""Base class of DuckDB UDF plugins (MXCP-SPEC §9): methods marked @udf become DuckDB scalar
functions named <method>_<instance>; @on_shutdown methods run when the runtime stops."""


def udf(func):
    func._mxcp_udf = True
    return func


def on_shutdown(func):
    func._mxcp_on_shutdown = True
    return func


class MXCPBasePlugin:
    def __init__(self, config, user_context=None):
        self.config = dict(config or {})
        self.user_context = user_context

    def get_user_token(self):
        return getattr(self.user_context, "external_token", None)

    def get_username(self):
        return getattr(self.user_context, "username", None)

    def get_user_email(self):
        return getattr(self.user_context, "email", None)

    def get_user_provider(self):
        return getattr(self.user_context, "provider", None)

    def is_authenticated(self):
        return self.user_context is not None

    def shutdown(self):
        for name in dir(type(self)):
            member = getattr(self, name, None)
            if callable(member) and getattr(member, "_mxcp_on_shutdown", False):
                member()
