from .base import MXCPBasePlugin, on_shutdown, udf

__all__ = ["MXCPBasePlugin", "udf", "on_shutdown"]
