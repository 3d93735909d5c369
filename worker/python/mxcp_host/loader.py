"""Importing the project's Python code and finding endpoint functions.

`python/a/b.py` is imported as module `a.b` (files named `_*.py` and `__init__.py` are not
preloaded); a file outside `python/` gets a module name derived from a hash of its path. Import
failures are reported with the file and line where they happened, not raised.
"""
import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import traceback

_by_file = {}  # absolute path -> module


def module_name_for(path, python_dir):
    rel = os.path.relpath(path, python_dir)
    if rel.startswith("..") or os.path.isabs(rel):
        digest = hashlib.sha1(path.encode("utf-8")).hexdigest()[:12]
        return f"mxcp_endpoint_{digest}"
    return rel[: -len(".py")].replace(os.sep, ".")


def discover(python_dir):
    found = []
    if not os.path.isdir(python_dir):
        return found
    for root, dirs, files in os.walk(python_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith("_"):
                found.append(os.path.join(root, name))
    return found


def import_error(path, error, repo_root):
    """{file, line, message, traceback} for a failed import, pointing into the user's code."""
    line = None
    where = path
    if isinstance(error, SyntaxError) and error.filename:
        where, line = error.filename, error.lineno
    else:
        frames = traceback.extract_tb(error.__traceback__)
        inside = [f for f in frames if os.path.abspath(f.filename).startswith(repo_root + os.sep)]
        if inside:
            where, line = inside[-1].filename, inside[-1].lineno
    return {
        "file": os.path.relpath(where, repo_root),
        "line": line,
        "message": f"{type(error).__name__}: {error}",
        "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    }


def load(path, python_dir):
    """Import the module at `path` once (later calls reuse it)."""
    path = os.path.abspath(path)
    if path in _by_file:
        return _by_file[path]
    name = module_name_for(path, python_dir)
    if name.startswith("mxcp_endpoint_"):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
    else:
        module = importlib.import_module(name)
    _by_file[path] = module
    return module


def preload(python_dir, repo_root):
    """Import every preloadable module; returns (module names, import errors)."""
    loaded, errors = [], []
    for path in discover(python_dir):
        try:
            load(path, python_dir)
            loaded.append(module_name_for(path, python_dir))
        except BaseException as error:  # noqa: BLE001 - reported to the worker, never fatal here
            errors.append(import_error(path, error, repo_root))
    return loaded, errors


def resolve_function(module, name, path):
    """The endpoint function: `name` for tools; for resources (name None) `main`, the file stem,
    then the first public function defined in the module."""
    if name is not None:
        func = getattr(module, name, None)
        if not callable(func):
            raise LookupError(f"Function '{name}' not found in {os.path.basename(path)}")
        return func
    stem = os.path.splitext(os.path.basename(path))[0]
    for candidate in ("main", stem):
        func = getattr(module, candidate, None)
        if callable(func):
            return func
    for attr, func in vars(module).items():
        if not attr.startswith("_") and inspect.isfunction(func) and func.__module__ == module.__name__:
            return func
    raise LookupError(f"No callable function found in {os.path.basename(path)}")


def describe(func):
    """The signature facts the worker checks against the YAML parameters."""
    target = inspect.unwrap(func)
    params = []
    var_keyword = False
    for p in inspect.signature(func).parameters.values():
        if p.kind == p.VAR_KEYWORD:
            var_keyword = True
        elif p.kind == p.VAR_POSITIONAL:
            continue
        else:
            params.append(
                {
                    "name": p.name,
                    "required": p.default is p.empty,
                    "positional_only": p.kind == p.POSITIONAL_ONLY,
                }
            )
    code = getattr(target, "__code__", None)
    return {
        "function": func.__name__,
        "params": params,
        "var_keyword": var_keyword,
        "is_async": inspect.iscoroutinefunction(target),
        "line": code.co_firstlineno if code else None,
    }
