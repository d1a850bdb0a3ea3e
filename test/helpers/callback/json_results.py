# The tests' stdout callback: one JSON document of every play, task and host result, and the stats, printed at the end.
# ansible-core has no json callback of its own (ansible.posix's is not installed with ansible-core), so the tests bring this one.
from __future__ import annotations

import json

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: json_results
    type: stdout
    short_description: every result as one JSON document, for the tests
    description: Collects each task's result per host and prints them with the stats when the playbook ends.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "json_results"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"play": {"name": play.get_name()}, "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.plays[-1]["tasks"].append({"task": {"name": task.get_name()}, "hosts": {}})

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _record(self, result, **extra):
        task_name = result._task.get_name()
        entry = next((t for t in reversed(self.plays[-1]["tasks"]) if t["task"]["name"] == task_name), None)
        if entry is None:
            entry = {"task": {"name": task_name}, "hosts": {}}
            self.plays[-1]["tasks"].append(entry)
        entry["hosts"][result._host.get_name()] = dict(result._result, **extra)

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, unreachable=True)

    def v2_playbook_on_stats(self, stats):
        summary = {}
        for host in sorted(stats.processed.keys()):
            s = stats.summarize(host)
            summary[host] = {"ok": s["ok"], "changed": s["changed"], "failures": s["failures"], "unreachable": s["unreachable"], "skipped": s["skipped"]}
        self._display.display(json.dumps({"plays": self.plays, "stats": summary}, cls=AnsibleJSONEncoder, indent=1, sort_keys=True))
