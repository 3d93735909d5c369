"""Python values to JSON values, as MXCP serialises endpoint results.

Dates and times become ISO strings, Decimal becomes a float, NaN/Infinity become null, sets and
tuples become lists, bytes are decoded as UTF-8 (replacement characters for invalid bytes).
pandas DataFrames become a list of row objects and numpy values their Python equivalents, when
those libraries are installed (they are only touched through duck typing, never imported here).
"""
import datetime
import decimal
import math


def to_json(value):
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return to_json(float(value))
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    kind = type(value).__name__
    module = type(value).__module__ or ""
    if module.startswith("pandas") and kind == "DataFrame":
        return to_json(value.to_dict(orient="records"))
    if module.startswith("pandas") and kind == "Series":
        return to_json(value.tolist())
    if module.startswith("pandas") and kind in ("Timestamp", "Timedelta"):
        return value.isoformat()
    if module.startswith("pandas") and kind in ("NaTType", "NAType"):
        return None
    if module.startswith("numpy"):
        if hasattr(value, "tolist"):
            return to_json(value.tolist())
        if hasattr(value, "item"):
            return to_json(value.item())
    if hasattr(value, "model_dump"):  # pydantic models
        return to_json(value.model_dump())
    raise TypeError(f"Object of type {kind} is not JSON serializable")
