"""A process that does what the server does with the storage — contract generations and photo
processing, one after another — until it is killed. The kill-9 test runs it and SIGKILLs it at
random moments: `python -m tests.support.kill_worker '<json>'` with {actor, clients: [[client_id,
device_id], …]}; prints «ready» once warmed up, then one line per finished step."""

from __future__ import annotations

import json
import sys

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import photos
from tests.support.images import jpeg_bytes


def main() -> None:
    job = json.loads(sys.argv[1])
    actor = Actor(**job["actor"])
    picture = jpeg_bytes(800, 600)
    print("ready", flush=True)
    for client_id, device_id in job["clients"]:
        for step in ("contract", "photo"):
            try:
                if step == "photo":
                    photos.attach_photo_bytes(actor, client_id, device_id, picture, "a.jpg")
                else:
                    contracts.generate_contract(actor, client_id)
            except DomainError as error:  # a client already done in an earlier round
                print(f"{step} {client_id} refused: {error.code}", flush=True)
                continue
            print(f"{step} {client_id} done", flush=True)


if __name__ == "__main__":
    main()
