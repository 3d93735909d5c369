"""Entry point: `python3 -m mxcp_host`. Reads requests from stdin, one JSON object a line, and
answers on the protocol stream (PROTOCOL.md). An asyncio loop in the main thread runs the calls:
async functions on the loop, sync functions in a thread pool with the call's context copied.
A reader thread takes requests off stdin and answers db results directly, so a function blocked
in db.execute (even on the loop thread) is woken without the loop's help."""
import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import json
import os
import sys
import threading
import traceback

from . import loader, plugins as plugin_host, state
from .channel import Channel

python_dir = None
repo_root = None


def log_system(level, message):
    state.channel.send({"op": "log", "id": None, "level": level, "message": message, "extra": {}})


async def run_function(func, params, executor):
    if inspect.iscoroutinefunction(inspect.unwrap(func)):
        return await func(**params)
    ctx = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(executor, functools.partial(ctx.run, func, **params))
    if inspect.isawaitable(result):
        result = await result
    return result


async def run_hooks(hooks, label, executor):
    state.current_call.set({"id": None, "user": None, "headers": {}, "transport": "system"})
    for hook in list(hooks):
        try:
            await run_function(hook, {}, executor)
        except Exception as error:  # noqa: BLE001 - MXCP logs and swallows hook errors
            log_system("error", f"{label} hook {getattr(hook, '__name__', hook)} failed: {type(error).__name__}: {error}")


async def handle(message, executor):
    op = message.get("op")
    mid = message.get("id")
    try:
        if op == "call":
            state.current_call.set({**message.get("context", {}), "id": mid})
            module = loader.load(message["file"], python_dir)
            func = loader.resolve_function(module, message.get("function"), message["file"])
            value = await run_function(func, message.get("params") or {}, executor)
        elif op == "inspect":
            module = loader.load(message["file"], python_dir)
            func = loader.resolve_function(module, message.get("function"), message["file"])
            value = loader.describe(func)
        elif op == "udf":
            plugin = state.plugins[message["plugin"]]
            loop = asyncio.get_running_loop()
            value = await loop.run_in_executor(
                executor, plugin_host.run_udf, plugin, message["method"], message.get("rows", [])
            )
        else:
            raise ValueError(f"unknown op {op!r}")
        state.channel.send({"op": "result", "id": mid, "value": value})
    except BaseException as error:  # noqa: BLE001 - every failure is the caller's answer
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            text = f"{type(error).__name__}"
        else:
            text = str(error) or type(error).__name__
        try:
            state.channel.send(
                {
                    "op": "error",
                    "id": mid,
                    "error": text,
                    "type": type(error).__name__,
                    "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__)),
                }
            )
        except TypeError as encode_error:  # the result was not JSON-able
            state.channel.send({"op": "error", "id": mid, "error": str(encode_error), "type": "TypeError"})


async def initialise(message, executor):
    global python_dir, repo_root
    repo_root = os.path.abspath(message["repo_root"])
    python_dir = os.path.abspath(message.get("python_dir") or os.path.join(repo_root, "python"))
    for entry in (repo_root, python_dir):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    state.user_config = message.get("user_config") or {}
    state.site_config = message.get("site_config") or {}
    state.secrets = message.get("secrets") or {}
    udf_only = bool(message.get("udf_only"))
    modules, errors = ([], []) if udf_only else loader.preload(python_dir, repo_root)
    plugins_dir = os.path.join(repo_root, message.get("plugins_dir") or "plugins")
    instances, udfs, plugin_errors = plugin_host.load_plugins(
        message.get("plugins") or [], plugins_dir, message.get("plugin_config") or {}
    )
    state.plugins = instances
    if not udf_only:
        await run_hooks(state.init_hooks, "on_init", executor)
    state.channel.send(
        {"op": "ready", "modules": modules, "import_errors": errors, "udfs": udfs, "plugin_errors": plugin_errors}
    )


async def shutdown(executor):
    await run_hooks(state.shutdown_hooks, "on_shutdown", executor)
    for name, plugin in state.plugins.items():
        try:
            plugin.shutdown()
        except Exception as error:  # noqa: BLE001
            log_system("error", f"plugin {name} shutdown failed: {error}")
    state.channel.send({"op": "bye"})


def reader(loop, queue):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        message = json.loads(line)
        if message.get("op") in ("db_result", "db_error"):
            state.channel.answer(message)
        else:
            loop.call_soon_threadsafe(queue.put_nowait, message)
    loop.call_soon_threadsafe(queue.put_nowait, {"op": "eof"})


async def main():
    state.channel = Channel()
    workers = int(os.environ.get("MXCP_PYTHON_THREADS", "32"))
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mxcp-call")
    queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=reader, args=(loop, queue), daemon=True, name="mxcp-reader").start()
    tasks = set()
    while True:
        message = await queue.get()
        op = message.get("op")
        if op == "init":
            await initialise(message, executor)
        elif op == "shutdown":
            await shutdown(executor)
            break
        elif op == "eof":
            break
        else:
            task = asyncio.create_task(handle(message, executor))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    executor.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.stderr.flush()
    os._exit(0)
