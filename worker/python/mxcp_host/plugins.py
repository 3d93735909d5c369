"""DuckDB UDF plugins (MXCP-SPEC §9): instantiate each site `plugin:` entry's MXCPPlugin class and
describe its @udf methods as DuckDB scalar functions named <method>_<instance>, with MXCP's
Python → DuckDB type mapping."""
import dataclasses
import datetime
import decimal
import importlib
import inspect
import sys
import types
import typing

_SCALARS = {
    str: "VARCHAR",
    int: "INTEGER",
    float: "DOUBLE",
    bool: "BOOLEAN",
    decimal.Decimal: "DECIMAL",
    datetime.date: "DATE",
    datetime.time: "TIME",
    datetime.datetime: "TIMESTAMP",
    datetime.timedelta: "INTERVAL",
    bytes: "BLOB",
}


def duckdb_type(annotation):
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, getattr(types, "UnionType", None)):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return duckdb_type(rest[0])
    if origin is list and len(args) == 1:
        return f"{duckdb_type(args[0])}[]"
    if origin is dict and len(args) == 2:
        return f"MAP({duckdb_type(args[0])}, {duckdb_type(args[1])})"
    if inspect.isclass(annotation):
        hints = typing.get_type_hints(annotation) if hasattr(annotation, "__annotations__") else {}
        if hints:
            fields = ", ".join(f'"{k}" {duckdb_type(v)}' for k, v in hints.items())
            return f"STRUCT({fields})"
    raise TypeError(f"unsupported UDF type annotation: {annotation!r}")


def load_plugins(entries, plugins_dir, plugin_config):
    """Returns ({instance name: plugin}, [udf descriptions], [errors])."""
    if plugins_dir not in sys.path:
        sys.path.insert(0, plugins_dir)
    instances, udfs, errors = {}, [], []
    for entry in entries:
        name = entry["name"]
        try:
            module = importlib.import_module(entry["module"])
            cls = getattr(module, "MXCPPlugin", None)
            if cls is None:
                raise LookupError(f"module '{entry['module']}' does not export a class MXCPPlugin")
            config_name = entry.get("config")
            config = plugin_config.get(config_name, {}) if config_name else {}
            plugin = cls(config)
            instances[name] = plugin
            for attr in sorted(dir(cls)):
                method = getattr(plugin, attr, None)
                if not (callable(method) and getattr(method, "_mxcp_udf", False)):
                    continue
                hints = typing.get_type_hints(method)
                sig = inspect.signature(method)
                udfs.append(
                    {
                        "plugin": name,
                        "method": attr,
                        "name": f"{attr}_{name}",
                        "args": [duckdb_type(hints.get(p, str)) for p in sig.parameters],
                        "returns": duckdb_type(hints.get("return", str)),
                    }
                )
        except Exception as error:  # noqa: BLE001 - reported to the worker
            errors.append({"plugin": name, "message": f"{type(error).__name__}: {error}"})
    return instances, udfs, errors


def run_udf(plugin, method, rows):
    func = getattr(plugin, method)
    return [func(*args) for args in rows]
