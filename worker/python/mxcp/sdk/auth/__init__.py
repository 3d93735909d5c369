from .context import UserContextModel, get_user_context

__all__ = ["UserContextModel", "get_user_context"]
