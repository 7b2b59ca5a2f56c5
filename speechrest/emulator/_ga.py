"""Operations only the GA versions have: fast transcription and model copy between resources."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from aiohttp import BodyPartReader, web

from .._generated.v2025_10_15 import models as ga
from .._schema import check_body
from ._errors import ServiceError, bad_request, invalid_body, not_found
from ._handlers import Call, Handler, entity_response, json_response
from ._results import transcription_result
from ._service import status_of, wire
from ._store import now

# Fast transcription takes audio under 300 MB.
MAX_AUDIO = 300 * 1000 * 1000
_TARGET_RESOURCE = (
    "/subscriptions/emulator/resourceGroups/local/providers/Microsoft.CognitiveServices/accounts/emulator"
)


async def transcribe(call: Call) -> web.StreamResponse:
    """``Transcriptions_Transcribe``: the audio (or ``definition.audioUrl``) recognised at once."""
    if not call.request.content_type.startswith("multipart/"):
        raise ServiceError(415, "Send the audio and definition as multipart/form-data.")
    digest, size, definition_text = hashlib.sha256(), 0, None
    reader = await call.request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "audio":
            while chunk := await part.read_chunk(1024 * 1024):
                size += len(chunk)
                if size > MAX_AUDIO:
                    raise bad_request(f"The audio is larger than {MAX_AUDIO} bytes.", "InvalidParameterValue")
                digest.update(chunk)
        elif part.name == "definition":
            definition_text = await part.text()
    try:
        definition = json.loads(definition_text or "{}")
    except (ValueError, RecursionError):
        raise bad_request("definition is not valid JSON.", "InvalidRequestBodyFormat") from None
    problem = check_body(call.version, call.route.operation_id, definition, strict=True, path="definition")
    if problem is not None:
        raise invalid_body(problem)
    audio_url = definition.get("audioUrl")
    if not size and not audio_url:
        raise bad_request("Send the audio, or give definition.audioUrl.", "EmptyRequest")
    source = audio_url or f"audio:sha256:{digest.hexdigest()}"
    diarization = definition.get("diarization") or {}
    locales = definition.get("locales") or ["en-US"]
    result = transcription_result(
        source,
        locale=locales[0],
        timestamp=stamp(),
        channels=definition.get("channels") or (0,),
        diarization=bool(diarization.get("enabled")),
        max_speakers=max(2, diarization.get("maxSpeakers") or 2),
        word_timestamps=True,
        candidate_locales=locales if len(locales) > 1 else None,
    )
    return json_response(_fast_result(result))


def stamp() -> str:
    return now().isoformat().replace("+00:00", "Z")


def _ms(ticks: int) -> int:
    return ticks // 10_000


def _fast_result(batch: dict[str, Any]) -> dict[str, Any]:
    """A batch result file reshaped as a fast transcription answer (milliseconds, plain text)."""
    phrases = []
    for phrase in batch["recognizedPhrases"]:
        best = phrase["nBest"][0]
        entry: dict[str, Any] = {
            "channel": phrase["channel"],
            "offsetMilliseconds": _ms(phrase["offsetInTicks"]),
            "durationMilliseconds": _ms(phrase["durationInTicks"]),
            "text": best["display"],
            "words": [
                {
                    "text": w["word"],
                    "offsetMilliseconds": _ms(w["offsetInTicks"]),
                    "durationMilliseconds": _ms(w["durationInTicks"]),
                }
                for w in best.get("words", [])
            ],
            "locale": phrase.get("locale") or "en-US",
            "confidence": best["confidence"],
        }
        if "speaker" in phrase:
            entry["speaker"] = phrase["speaker"]
        phrases.append(entry)
    combined = [{"channel": c["channel"], "text": c["display"]} for c in batch["combinedRecognizedPhrases"]]
    return {"durationMilliseconds": _ms(batch["durationInTicks"]), "combinedPhrases": combined, "phrases": phrases}


async def authorize_copy(call: Call) -> web.StreamResponse:
    """``Models_AuthorizeCopy``: this resource agrees to receive a model from ``sourceResourceId``."""
    definition = call.body
    authorization = ga.ModelCopyAuthorization(
        id=call.service.store.new_id(),
        source_resource_id=definition.source_resource_id,
        target_resource_id=_TARGET_RESOURCE,
        target_resource_region="local",
        target_resource_endpoint=str(call.request.url.origin()),
        expiration_date_time=now() + timedelta(days=1),
    )
    call.service.copy_authorizations[authorization.id] = authorization
    return json_response(wire(authorization))


async def copy_model(call: Call) -> web.StreamResponse:
    """``Models_Copy``: start copying a model; answers 202 with an operation to follow."""
    service = call.service
    source = service.store.get("models", call.path["id"], "model")
    authorization = service.copy_authorizations.get(call.body.id or "")
    if authorization is None or authorization.expiration_date_time < now():
        raise bad_request("The copy authorization is unknown or has expired.", "InvalidParameterValue")
    if status_of(source) != "Succeeded":
        raise bad_request("Only a model that succeeded can be copied.", "ModelNotDeployable")
    operation = ga.Operation(id="")
    record = service.new_record("operations", operation, call.api_base, path="operations/models/copy")
    operation.id = record.id
    record.copy_of = source
    service.start(record)
    response = entity_response(call, record, 202)
    response.headers["Operation-Location"] = record.entity.self_
    response.headers["Retry-After"] = service.retry_after(record) or "0"
    return response


async def get_copy_operation(call: Call) -> web.StreamResponse:
    record = call.service.store.find("operations", call.path["id"])
    if record is None:
        raise not_found(f"The operation with id '{call.path['id']}'")
    return entity_response(call, record)


HANDLERS: dict[str, Handler] = {
    "Transcriptions_Transcribe": transcribe,
    "Models_AuthorizeCopy": authorize_copy,
    "Models_Copy": copy_model,
    "Operations_GetModelCopy": get_copy_operation,
}
