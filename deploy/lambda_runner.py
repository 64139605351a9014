"""Runs inside a fresh `python -I -S -B`: imports the Lambda handler from the unpacked zip and calls it.

Standard library only, and nothing from this project's venv: sys.path is the unpacked zip (/var/task) and then
the stand-in for the Lambda runtime's own packages (/var/runtime), in Lambda's order.

    python -I -S -B lambda_runner.py TASK_DIR RUNTIME_DIR MODULE.FUNCTION EVENTS.json RESULT.json
"""

import importlib
import json
import sys
import time
import uuid


class LambdaContext:
    """The attributes of the context object that Lambda's python runtime passes to a handler."""

    function_name = "vng-registrations-production"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:vng-registrations-production"
    log_group_name = "/aws/lambda/vng-registrations-production"
    log_stream_name = "2023/05/10/[$LATEST]0123456789abcdef"

    def __init__(self, timeout_seconds: float = 15.0):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> int:
    task_dir, runtime_dir, handler_name, events_path, result_path = sys.argv[1:6]
    sys.path[:0] = [task_dir, runtime_dir]
    sys.dont_write_bytecode = True
    with open(events_path, encoding="utf-8") as f:
        events = json.load(f)

    started = time.perf_counter()
    module_name, function_name = handler_name.rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    import_seconds = time.perf_counter() - started

    responses, call_seconds, request_ids = [], [], []
    for event in events:
        started = time.perf_counter()
        context = LambdaContext()
        request_ids.append(context.aws_request_id)
        responses.append(handler(event, context))
        call_seconds.append(time.perf_counter() - started)

    outside = sorted(
        {
            m.__file__
            for m in list(sys.modules.values())
            if getattr(m, "__file__", None) and "site-packages" in m.__file__
        }
    )
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "import_seconds": import_seconds,
                "call_seconds": call_seconds,
                "responses": responses,
                "request_ids": request_ids,
                "modules_from_site_packages": outside,
            },
            f,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
