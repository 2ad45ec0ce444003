"""The credential shapes (`secrets.scan.credential_shaped`): each of its three regexes is asked
only of a text that holds what every match of it holds, so that large values are not searched
twenty ways; those gates never change the answer of the regexes asked of every text."""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gitops_dsl.secrets import scan

#: the three kinds as one regex, asked of every text
EVERYWHERE = re.compile("|".join(f"(?:{p.pattern})" for p in (
    scan._SHAPED, scan._AUTHORIZATION, scan._ASSIGNED)))

FRAGMENTS = ["password", "Password", "PWD", "secret", "token", "api_key", "apiKey", "AccountKey",
             "client_secret", "Bearer", "basic", "=", ":", "?", "&", ";", " ", "\t", "\n", "\"",
             "'", "$", "{{", "<", "#", "null", "true", "hunter2", "abcdefghijklmnopqrstuvwxyz0123",
             "AKIA", "ABCDEFGHIJKLMNOP", "ghp_", "a" * 36, "glpat-", "xoxb-", "sk_live_", "eyJ",
             ".", "-----BEGIN RSA PRIVATE KEY-----", "://", "@", "user", "AIza", "npm_", "pypi-",
             "AgEIcHlwaS5vcmc", "hooks.slack.com/services/", "T0123ABCD", "/", "B0123ABCD",
             "discord.com/api/webhooks/", "123456", "_", "-", "x",
             # one whole match of each alternative, with no other alternative's gate in it
             "-----BEGIN EC PRIVATE KEY-----", "AKIAABCDEFGHIJKLMNOP", "ghp_" + "b" * 36,
             "glpat-" + "c" * 20, "xoxb-1234567890", "sk_live_" + "d" * 16,
             "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4", "s://u:pw1@",
             "AIza" + "e" * 35, "npm_" + "f" * 36, "pypi-AgEIcHlwaS5vcmc" + "g" * 50,
             "hooks.slack.com/services/T0123ABC/B0123ABC/" + "h" * 20,
             "discord.com/api/webhooks/12345/" + "i" * 30, "BEARER " + "j" * 20,
             "?pwd=abc", ";AccountKey=abc", "Shared_Access-Key=abc", "\nroot_password: abc",
             "Client_Secret = 'abc'"]
texts = st.one_of(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join),
                  st.text(max_size=40))


def test_each_fragment_and_pair_of_fragments_is_answered_alike():
    """Every fragment alone and every two in a row, deterministically (a gate that leaves out
    what one alternative's matches hold fails here on that alternative's whole match)."""
    wrong = [a + b for a in ["", *FRAGMENTS] for b in FRAGMENTS
             if scan.credential_shaped(a + b) != (EVERYWHERE.search(a + b) is not None)]
    assert wrong == []


@given(texts)
def test_the_gates_never_change_the_answer(text):
    assert scan.credential_shaped(text) == (EVERYWHERE.search(text) is not None), text


def test_the_shapes_are_found_and_references_are_not():
    found = ["jdbc:postgresql://db/app?user=app&password=hunter22", "Server=db;Password=hunter22;",
             "https://x/hook?token=abc123", "[client]\npassword = \"s3cret\"\n",
             "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123",
             "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx",
             "ghp_" + "a" * 36, "https://ci:hunter22@git.example/x"]
    references = ["?token=$TOKEN", "password={{ .Values.p }}", "password: ${DB_PASSWORD}",
                  "token: null", "passwordFile: /run/secret", "Basic authentication is on",
                  "postgres://db/app?sslmode=require"]
    assert [t for t in found if not scan.credential_shaped(t)] == []
    assert [t for t in references if scan.credential_shaped(t)] == []


#: keys and env names for a YAML file carried in a value: some name a secret, some do not
KEYS = ["db", "auth", "dbPassword", "apiKey", "keyField", "user", "url", "clientSecret", "mode",
        "name", "value", "token", "replicas"]
ENV_NAMES = ["MODE", "DB_PASSWORD", "API_TOKEN", "LOG_LEVEL"]
LEAVES = st.one_of(st.sampled_from(["hunter2-x", "cluster", "$(DB_PASSWORD)", "${TOKEN}",
                                    "{{ .Values.p }}", "", "3"]), st.integers(0, 9), st.booleans())
ENV = st.builds(lambda n, v: {"name": n, "value": v}, st.sampled_from(ENV_NAMES),
                st.sampled_from(["hunter2-x", "cluster", "$(DB_PASSWORD)"]))
CARRIED = st.recursive(st.one_of(LEAVES, ENV),
                       lambda inner: st.one_of(st.lists(inner, max_size=3),
                                               st.dictionaries(st.sampled_from(KEYS), inner,
                                                               min_size=1, max_size=3)),
                       max_leaves=8).filter(lambda d: isinstance(d, (dict, list)) and d)


@given(CARRIED, st.sampled_from([False, None, True]))
def test_a_yaml_file_carried_in_a_value_is_judged_as_its_data(data, flow):
    """What a YAML file in a string holds is a finding exactly when the same data in the values
    is one, in block style, flow style (`{password: ...}`) or both: the test of its text that
    decides whether to parse the file (`_sets_secret_key`) never hides one."""
    import yaml
    text = yaml.safe_dump(data, default_flow_style=flow, sort_keys=False, width=30)
    # (a one-line file in block style is not one; a flow mapping or list is, as JSON is)
    if "\n" in text.strip() or text.startswith(("{", "[")):
        assert bool(list(scan.plaintext({"file": text}))) == bool(list(scan.plaintext(data))), text
