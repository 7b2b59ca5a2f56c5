"""What a newcomer meets first: how values print, what a call on an unfinished job says,
what a wrong endpoint says, the names of the calls and their docstrings, retired versions,
proxies and TLS."""

from __future__ import annotations

from enum import Enum

import pytest

from speechrest import SpeechClient, models
from speechrest._generated import VERSIONS
from speechrest.emulator import Emulator

# ----------------------------------------------------------------------------- enums


def test_an_enum_prints_as_its_wire_value() -> None:
    status = models.Status.NOT_STARTED
    assert str(status) == "NotStarted"
    assert f"{status}" == "NotStarted" and f"[{status:>12}]" == "[  NotStarted]"
    assert "%s" % status == "NotStarted"  # noqa: UP031 (the old spelling prints the same)
    assert status == "NotStarted" and isinstance(status, str)  # still a str, still an Enum
    assert repr(status) == "<Status.NOT_STARTED: 'NotStarted'>"  # repr still says which member


@pytest.mark.parametrize("version", list(VERSIONS))
def test_every_generated_enum_prints_as_its_wire_value(version: str) -> None:
    module = models.for_version(version)
    enums = [value for value in vars(module).values() if isinstance(value, type) and issubclass(value, Enum)]
    assert len(enums) >= 9
    wrong = [repr(member) for enum in enums for member in enum if (str(member), f"{member}") != (member.value,) * 2]
    assert not wrong


@pytest.mark.speech_emulator(processing_seconds=0.1)
async def test_an_entitys_status_prints_in_a_message(speech_emulator: Emulator) -> None:
    async with SpeechClient(endpoint=speech_emulator.url, key=speech_emulator.key, rate_limit=None) as client:
        body = {
            "displayName": "t",
            "locale": "en-US",
            "contentUrls": ["https://audio.example.com/a.wav"],
            "properties": {"timeToLiveHours": 6},
        }
        done = await client.transcriptions.wait(await client.transcriptions.create(body), timeout=5)
    assert f"{done.display_name}: {done.status}" == "t: Succeeded"
