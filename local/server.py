"""The local AWS stand-in: a moto server on 127.0.0.1, in this process, with real state machine execution."""

from __future__ import annotations

import errno
import json
import os
import socket
import urllib.request
from typing import Any

import boto3
from botocore.config import Config

HOST = "127.0.0.1"
# moto's model of a Glue crawl: how long a crawl stays RUNNING before it is READY again.
CRAWL_MODEL = "glue::crawl"


class PortBusy(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def check_port_free(port: int) -> None:
    """Raises PortBusy when something listens on 127.0.0.1:`port`.

    The probe sets SO_REUSEADDR, as the server does, so connections of an
    earlier run still in TIME_WAIT do not count as busy.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortBusy(str(error)) from error
            raise


def port_is_listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


class LocalAws:
    """A moto server whose state lives and dies with this process."""

    def __init__(self, port: int, region: str, crawl_seconds: float) -> None:
        self.port = port
        self.region = region
        self.crawl_seconds = crawl_seconds
        self.endpoint = f"http://{HOST}:{port}"
        self._server: Any = None

    def start(self) -> None:
        check_port_free(self.port)
        # moto's state machine interpreter reaches the other services through localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)
        self._server.start()
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        self._post("/moto-api/state-manager/set-transition", {
            "model_name": CRAWL_MODEL,
            "transition": {"progression": "time", "seconds": self.crawl_seconds},
        })

    def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            # moto's configuration is global to the process: leave it as it was found.
            try:
                self._post("/moto-api/state-manager/unset-transition", {"model_name": CRAWL_MODEL})
                self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": False}})
            except OSError:
                pass  # stopping matters more than tidying
            finally:
                server.stop()

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"max_attempts": 2}),
        )

    def _post(self, path: str, body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            self.endpoint + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
