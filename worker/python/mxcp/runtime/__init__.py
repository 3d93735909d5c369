"""`mxcp.runtime`: what Python endpoints import (MXCP-SPEC §9).

db.execute runs SQL in the worker's DuckDB with the caller's user context and `$name` parameters
bound; config reads the active profile's user config and the site config; mcp sends MCP log and
progress notifications to the client of the current call; on_init / on_shutdown register hooks.
"""
from mxcp_host import state


class _Sent:
    """Returned by the mcp.* helpers: the notification is already sent, awaiting it is optional."""

    def __await__(self):
        return iter(())


class _Db:
    def execute(self, sql, params=None):
        """Run `sql` with `$name` parameters from `params`; returns a list of row dicts."""
        if params is not None and not isinstance(params, dict):
            raise TypeError("db.execute params must be a dict of $name parameters")
        return state.channel.request(
            {"op": "db", "id": state.call_id(), "sql": sql, "params": params or {}}
        )


class _Config:
    def get_secret(self, name):
        """The `parameters` of the active profile's secret `name`; {} if it has none; None if absent."""
        if name not in state.secrets:
            return None
        return dict(state.secrets[name] or {})

    def get_setting(self, key, default=None):
        """A site config value; dot paths such as "dbt.enabled" walk nested mappings."""
        value = state.site_config
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    @property
    def user_config(self):
        return state.user_config

    @property
    def site_config(self):
        return state.site_config


class _Plugins:
    def get(self, name):
        return state.plugins.get(name)

    def list(self):
        return list(state.plugins.keys())


class _Mcp:
    def _log(self, level, message, extra):
        state.channel.send(
            {"op": "log", "id": state.call_id(), "level": level, "message": str(message), "extra": extra}
        )
        return _Sent()

    def debug(self, message, **extra):
        return self._log("debug", message, extra)

    def info(self, message, **extra):
        return self._log("info", message, extra)

    def warning(self, message, **extra):
        return self._log("warning", message, extra)

    def error(self, message, **extra):
        return self._log("error", message, extra)

    def progress(self, progress, total=None, message=None):
        state.channel.send(
            {"op": "progress", "id": state.call_id(), "progress": progress, "total": total, "message": message}
        )
        return _Sent()


db = _Db()
config = _Config()
plugins = _Plugins()
mcp = _Mcp()


def on_init(func):
    """Run `func` after the project's modules are loaded (at start and after every reload)."""
    state.init_hooks.append(func)
    return func


def on_shutdown(func):
    """Run `func` when the host stops (shutdown, reload)."""
    state.shutdown_hooks.append(func)
    return func


def reload_duckdb(payload_func=None, description=""):
    raise NotImplementedError(
        "reload_duckdb is not supported by this worker: send SIGHUP or POST /admin/reload instead"
    )


__all__ = ["db", "config", "plugins", "mcp", "on_init", "on_shutdown", "reload_duckdb"]
