"""The mixed load of the issue-14 benchmark: simulated users over the runner's targets, by weight, with a think time.

Started by ``bench.scale.run`` (``locust --headless``), which writes the targets (paths, the signed-in cookie or
token, the body of the POST) to the JSON file named by BENCH_LOCUST_TARGETS."""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import FastHttpUser, between

TARGETS = json.loads(open(os.environ["BENCH_LOCUST_TARGETS"], encoding="utf-8").read())
_low, _high = (float(x) for x in os.environ.get("BENCH_LOCUST_WAIT", "2,8").split(","))
_counter = itertools.count()


def _make_task(target):
    def run(user):
        paths = target["paths"]
        path = paths[(next(_counter) + random.randrange(len(paths))) % len(paths)]
        body = json.dumps(target["body"], ensure_ascii=False) if target["body"] is not None else None
        with user.client.request(target["method"], path, headers=target["headers"], data=body, name=target["name"],
                                 allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    run.__name__ = "t_" + str(abs(hash(target["name"])))
    return run


class Visitor(FastHttpUser):
    wait_time = between(_low, _high)
    network_timeout = 60.0
    connection_timeout = 60.0
    tasks = {_make_task(t): t["weight"] for t in TARGETS}
