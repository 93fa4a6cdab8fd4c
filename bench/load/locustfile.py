# ruff: noqa: S311  (random choices of simulated users, not secrets)
"""The load test's users: visitors reading public pages and searching the register, and
representatives who log in and save and submit their follow-up reports.

Run by bench/load/run (``make load-test``), which gives it LOAD_ACCOUNTS (the accounts that
setup_data.py made) and LOAD_ACKS (where every acknowledged save is logged, one JSON object a
line, for verify.py to find in the database afterwards).

Each simulated user sends its own X-Forwarded-For address, as nginx does in production (the
portal trusts one proxy): allauth's per-address rate limits (30 logins a minute) then count each
simulated user as the separate person it stands for, instead of all fifty as one address.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from html.parser import HTMLParser

from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"]).read())  # noqa: SIM115
ACKS = open(os.environ["LOAD_ACKS"], "a", buffering=1)  # noqa: SIM115  (line-buffered log)
_accounts = itertools.count()
_addresses = itertools.count(10)

AGREEMENTS = ["boras", "sodertalje", "goteborg", "botkyrka"]
SEARCH_TERMS = [
    "förening",
    "idrott",
    "kultur",
    "demo",
    "Borås",
    "Göteborg",
    "studie",
    "social",
    "natur",
    "ungdom",
    "kyrka",
    "nätverk",
    "äldre",
    "musik",
    "xyz-finns-inte",
    "a",
    "IOP",
    "stiftelse",
]
SORTS = ["", "name", "newest", "municipality"]


class FormParser(HTMLParser):
    """The fields of the first form with method=post whose action is the report's address."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.radios: dict[str, list[str]] = {}
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                self.radios.setdefault(a["name"], []).append(a.get("value", ""))
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "")))
            elif kind == "checkbox":
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self.textarea, self.text = a["name"], ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, self.text.lstrip("\n")))
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


class Visitor(HttpUser):
    """Anyone: the home page, the agreements, the comparison, the register and its searches."""

    weight = 3
    wait_time = between(0.5, 2)

    def on_start(self):
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"10.0.{n // 250 % 250}.{n % 250 + 1}"

    @task(2)
    def home(self):
        self.client.get("/", name="/ (home)")

    @task(2)
    def agreement(self):
        slug = random.choice(AGREEMENTS)
        self.client.get(f"/overenskommelser/{slug}/", name="/overenskommelser/[slug]/")

    @task(1)
    def comparison(self):
        self.client.get("/jamfor/", name="/jamfor/")

    @task(1)
    def register(self):
        self.client.get("/organisationer/", name="/organisationer/")

    @task(4)
    def search(self):
        params = {"q": random.choice(SEARCH_TERMS)}
        sort = random.choice(SORTS)
        if sort:
            params["sort"] = sort
        if random.random() < 0.2:
            params["page"] = "2"
        self.client.get("/organisationer/", params=params, name="/organisationer/?q=[search]")


class Representative(HttpUser):
    """A representative: logs in once, then reads and saves their report, and submits it."""

    weight = 2
    wait_time = between(0.5, 2)

    def on_start(self):
        index = next(_accounts)
        self.account = ACCOUNTS[index % len(ACCOUNTS)]
        self.label = f"u{index}"
        self.saves = 0
        self.submitted = False
        self.client.headers["X-Forwarded-For"] = f"10.1.{index // 250}.{index % 250 + 1}"
        self.url = f"/rapporter/{self.account['report']}/"
        page = self.client.get("/konto/login/", name="/konto/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        with self.client.post(
            "/konto/login/",
            data={
                "csrfmiddlewaretoken": token,
                "login": self.account["email"],
                "password": self.account["password"],
            },
            headers={"Referer": self.client.base_url + "/konto/login/"},
            name="/konto/login/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")

    @task(1)
    def my_reports(self):
        self.client.get("/mina-rapporter/", name="/mina-rapporter/")

    @task(4)
    def save(self):
        if self.submitted:
            self.client.get(self.url, name="/rapporter/[id]/")
            return
        self.saves += 1
        self._save(submit=self.saves >= 3 and random.random() < 0.5)

    def _save(self, *, submit: bool) -> None:
        page = self.client.get(self.url, name="/rapporter/[id]/")
        parser = FormParser(self.url)
        parser.feed(page.text)
        marker = f"load-{self.label}-{self.saves}-{uuid.uuid4().hex[:8]}"
        data = dict(parser.fields)
        for name, values in parser.radios.items():  # answer every self-assessment
            data[name] = random.choice([v for v in values if v] or values)
        comments = sorted(name for name in data if name.endswith("-comment"))
        for name in data:
            if name.endswith("-number"):
                data[name] = str(random.randint(0, 20))
        data[comments[0]] = f"Vi har samverkat under året. {marker}"
        data["action"] = "submit" if submit else "save"
        action = "submit" if submit else "save"
        with self.client.post(
            self.url,
            data=data,
            headers={"Referer": self.client.base_url + self.url},
            name=f"/rapporter/[id]/ ({action})",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                ACKS.write(
                    json.dumps(
                        {
                            "report": self.account["report"],
                            "marker": marker,
                            "action": action,
                            "based_on": data.get("revision"),
                        }
                    )
                    + "\n"
                )
                if submit:
                    self.submitted = True
            else:
                response.failure(f"{action} answered {response.status_code}")
