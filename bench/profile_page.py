"""Profile one page with pyinstrument, in-process, on the benchmark's database.

    python -m bench.profile_page /organisationer/ [--times 20] [--signed-in]

Needs the environment of a running ``bench/run.py --serve`` (it reads var/bench/serve.env).
"""

import argparse
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
served = json.loads((ROOT / "var" / "bench" / "serve.env").read_text())
os.environ.update(
    {
        k: v
        for k, v in served["env"].items()
        if k.startswith(("DJANGO", "DATABASE", "PORTAL", "BENCH"))
    }
)

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from pyinstrument import Profiler  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--signed-in", action="store_true")
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    if args.signed_in:
        name, value = served["targets"]["session_cookie"].split("=", 1)
        client.cookies[name] = value
    assert client.get(args.path).status_code == 200
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.times):
            client.get(args.path)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
