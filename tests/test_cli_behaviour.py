"""How the ``speechrest`` command line starts, and how it fails: its version, ``python -m``,
help without the ``cli`` extra, settings missing, an endpoint out of reach, a failed sign-in.
Each test runs it as a subprocess and checks stdout and stderr apart."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_run import Service, cli, start_emulator, stop_emulator

from speechrest import SpeechClient, __version__
from speechrest.emulator import Emulator

# Runs the command line with rich unimportable, as without the cli extra.
WITHOUT_RICH = "import sys; sys.modules['rich'] = None; from speechrest.cli import main; raise SystemExit(main())"


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_version_and_python_dash_m_speechrest() -> None:
    for module in ("speechrest", "speechrest.cli"):
        done = run("-m", module, "--version")
        assert (done.returncode, done.stdout, done.stderr) == (0, f"speechrest {__version__}\n", "")
    usage = run("-m", "speechrest", "ls")
    assert usage.returncode == 2 and usage.stdout == ""
    assert usage.stderr.startswith("usage: speechrest ls ") and "error: the following arguments" in usage.stderr


def test_help_and_usage_errors_need_no_rich_but_commands_say_they_do() -> None:
    helped = run("-c", WITHOUT_RICH, "--help")
    assert (helped.returncode, helped.stderr) == (0, "")
    assert helped.stdout.startswith("usage: speechrest ") and "SPEECH_KEY" in helped.stdout
    for argv in (["ls", "--help"], ["transcribe", "--help"], ["datasets", "upload", "--help"]):
        sub = run("-c", WITHOUT_RICH, *argv)
        assert (sub.returncode, sub.stderr) == (0, ""), argv
    assert run("-c", WITHOUT_RICH, "--version").stdout == f"speechrest {__version__}\n"
    assert run("-c", WITHOUT_RICH, "ls", "nothing").returncode == 2
    command = run("-c", WITHOUT_RICH, "ls", "transcriptions")
    assert (command.returncode, command.stdout) == (1, "")
    assert command.stderr == "error: this command needs rich: pip install 'speechrest[cli]'\n"


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    running = start_emulator("--processing-seconds", "0.2")
    yield running
    stop_emulator(running)


def closed_port() -> int:
    """A loopback port nothing listens on (for now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


NO_KEY = "no key: set SPEECH_KEY to the resource's key (or pass --entra to sign in with Microsoft Entra ID)"
NO_RESOURCE = "no Speech resource: set SPEECH_ENDPOINT (or SPEECH_REGION, or pass --endpoint/--region)"


def test_missing_settings_are_told_in_one_line_before_any_request(service: Service, tmp_path: Path) -> None:
    before = service.stats()["total"]
    no_key = cli(service, "ls", "transcriptions", cwd=tmp_path, SPEECH_KEY="")
    assert (no_key.returncode, no_key.stdout, no_key.stderr) == (1, "", f"error: {NO_KEY}\n")
    blank = cli(service, "ls", "transcriptions", cwd=tmp_path, SPEECH_KEY="  ")
    assert blank.stderr == no_key.stderr
    nothing = cli(service, "transcribe", "https://a.example.com/a.wav", "--locale=en-US", cwd=tmp_path, SPEECH_KEY="",
                  SPEECH_ENDPOINT="")  # fmt: skip
    assert (nothing.returncode, nothing.stdout) == (1, "")
    assert nothing.stderr == (
        "error: no Speech resource and no key: set SPEECH_ENDPOINT (or SPEECH_REGION, or pass --endpoint/--region)"
        " and SPEECH_KEY to the resource's key (or pass --entra to sign in with Microsoft Entra ID)\n"
    )
    no_endpoint = cli(service, "get", "datasets", str(uuid.uuid4()), cwd=tmp_path, SPEECH_ENDPOINT="")
    assert (no_endpoint.returncode, no_endpoint.stderr) == (1, f"error: {NO_RESOURCE}\n")
    assert service.stats()["total"] == before  # nothing was sent
    given = cli(service, "--endpoint", service.url, "ls", "transcriptions", "--top=1", cwd=tmp_path, SPEECH_ENDPOINT="")
    assert (given.returncode, given.stderr.startswith("error")) == (0, False)


@pytest.mark.parametrize(
    "argv",
    [
        ["ls", "transcriptions"],
        ["transcribe", "https://a.example.com/a.wav", "--locale=en-US"],  # a create, sent exactly once
        ["wait", "0b2c3d4e-0000-4000-8000-000000000000"],  # the waiting's poller asks
    ],
)
def test_an_unreachable_endpoint_is_one_line_at_once(argv: list[str], tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    done = cli(endpoint, *argv, cwd=tmp_path)
    assert time.monotonic() - started < 4  # no retries: the SDK's would take seconds
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: cannot reach {endpoint}: connection refused\n"


def test_an_unreachable_proxy_is_named_as_the_proxy(tmp_path: Path) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {"HTTPS_PROXY": proxy, "https_proxy": "", "NO_PROXY": "", "no_proxy": ""}
    endpoint = "https://my-speech.cognitiveservices.azure.com"
    done = cli(endpoint, "ls", "transcriptions", cwd=tmp_path, **env)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: cannot reach the proxy for {endpoint}: connection refused\n"


# A stand-in for azure-identity: DefaultAzureCredential fails as it does when nothing is signed in.
FAKE_IDENTITY = textwrap.dedent(
    '''
    from azure.core.exceptions import ClientAuthenticationError

    MESSAGE = """DefaultAzureCredential failed to retrieve a token from the included credentials.
    Attempted credentials:
    \tEnvironmentCredential: EnvironmentCredential authentication unavailable.
    \tAzureCliCredential: Please run 'az login' to set up an account
    To mitigate this issue, please refer to the troubleshooting guidelines here at https://aka.ms/azsdk."""


    class DefaultAzureCredential:
        async def get_token(self, *scopes, **options):
            raise ClientAuthenticationError(message=MESSAGE)

        async def close(self):
            pass

        async def __aenter__(self):
            return self

        async def __aexit__(self, *exc_info):
            await self.close()
    '''
)


def test_a_failed_entra_sign_in_is_one_line(service: Service, tmp_path: Path) -> None:
    pytest.importorskip("azure.core")
    package = tmp_path / "site" / "azure" / "identity"
    (package / "aio").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "aio" / "__init__.py").write_text(FAKE_IDENTITY)
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")]), "SPEECH_KEY": ""}
    done = cli(service, "ls", "transcriptions", "--entra", cwd=tmp_path, **env)
    assert (done.returncode, done.stdout) == (1, "")
    line = (
        "error: Microsoft Entra ID sign-in failed: DefaultAzureCredential failed to retrieve a token from the "
        "included credentials. (--debug shows the rest)"
    )
    assert done.stderr == line + "\n"
    debug = cli(service, "ls", "transcriptions", "--entra", "--debug", cwd=tmp_path, **env)
    assert "Please run 'az login'" in debug.stderr and debug.stderr.splitlines()[-1] == line


def test_the_emulator_on_a_busy_port_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = f"error: port {port} is in use (choose another, or 0 for any free one)\n"
        for argv in (
            ["-m", "speechrest.emulator", "--port", str(port)],
            ["-m", "speechrest", "emulator", "--port", str(port)],
            ["-m", "speechrest", "--json", "emulator", "--blob-port", str(port), "--port", "0"],
        ):
            done = run(*argv)
            assert (done.returncode, done.stdout, done.stderr) == (1, "", line), argv


async def test_an_emulator_that_cannot_listen_leaves_no_port_open() -> None:
    api = closed_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match=f"port {taken.getsockname()[1]} is in use$"):
            await Emulator(port=api, blob_port=taken.getsockname()[1]).start()
    async with Emulator(port=api) as again:  # the API port it took first was let go
        assert again.url.endswith(f":{api}")


def test_ls_shows_a_first_page_fitted_to_the_terminal(service: Service, tmp_path: Path) -> None:
    name = f"{uuid.uuid4().hex[:8]} a rather long display name, shown whole in wide terminals only"

    async def create(client: SpeechClient) -> list[str]:
        body = {"displayName": name, "locale": "en-US", "contentUrls": ["https://x.example.com/a.wav"]}
        body["properties"] = {"timeToLiveHours": 6}
        return [(await client.transcriptions.create(body)).id for _ in range(21)]

    made = set(service.sdk(create))
    only = ("--filter", f"displayName eq '{name}'")
    page = cli(service, "ls", "transcriptions", *only, cwd=tmp_path, COLUMNS="80")
    assert page.returncode == 0, page.stderr
    assert page.stderr == "the first 20 transcriptions, as the service listed them; --top N or --all for more\n"
    header, *lines = page.stdout.splitlines()
    assert header.split() == ["ID", "STATUS", "CREATED", "LOCALE", "NAME"]
    assert all(len(line) <= 80 for line in page.stdout.splitlines())
    rows = [line.split() for line in lines if not line.startswith(" ")]  # the time goes under the date
    assert len(rows) == 20 and {row[0] for row in rows} <= made  # ids are never cut
    assert all(row[-1].endswith("…") and name.startswith(" ".join(row[4:])[:-1]) for row in rows)

    everything = cli(service, "ls", "transcriptions", *only, "--all", "--json", cwd=tmp_path, COLUMNS="80")
    assert (everything.returncode, everything.stderr) == (0, "")
    listed = json.loads(everything.stdout)
    assert {entity["id"] for entity in listed} == made
    assert all(entity["self"].split("?")[0].endswith(entity["id"]) for entity in listed)

    piped = cli(service, "ls", "transcriptions", *only, "--top", "21", cwd=tmp_path)  # no width to keep to
    assert piped.stderr == ""
    assert all(line.endswith(name) for line in piped.stdout.splitlines()[1:])

    none = cli(service, "ls", "transcriptions", "--filter", "displayName eq 'nothing like it'", cwd=tmp_path)
    assert (none.returncode, none.stdout, none.stderr) == (0, "", "no transcriptions match the filter\n")
