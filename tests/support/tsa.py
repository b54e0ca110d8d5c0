"""A local RFC 3161 timestamp authority on 127.0.0.1 for the B-T seal tests.

It answers `application/timestamp-query` POSTs the way a public TSA does: a TimeStampResp whose
token is CMS SignedData over a TSTInfo (the request's message imprint, a serial number, the
time, the nonce echoed), signed with an ECDSA key whose certificate, issued by the test CA,
carries the critical id-kp-timeStamping usage RFC 3161 §2.3 requires. Unsupported hash
algorithms and malformed requests get a `rejection` status, as RFC 3161 §2.4.2 says. The clock
can be set, and the server can be told to fail, for the outage tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.pki import Issued, TestCA
from tests.support.service import Service

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
# A policy OID of our own without registering an arc: ITU-T X.667 UUID-based OIDs (2.25.…).
TEST_POLICY = f"2.25.{uuid.UUID('7f7b3c4e-2a44-4d7e-9c53-5d0c7b1f4a11').int}"


class TimestampAuthority(Service):
    def __init__(self, ca: TestCA | None = None) -> None:
        self.ca = ca or TestCA("Тестовый УЦ службы времени")
        self.tsa: Issued = self.ca.timestamp_authority()
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.failing = False
        self.requests = 0
        self._serials = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def root_certificate(self) -> asn1_x509.Certificate:
        return Issued(self.ca.root.key, self.ca.root.certificate).asn1

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the authority first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    # ---- RFC 3161 ------------------------------------------------------------------------------

    def respond(self, request_der: bytes) -> bytes:
        try:
            request = tsp.TimeStampReq.load(request_der)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            version = request["version"].native
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format")
        if version != "v1":
            return _rejection("bad_request")
        if DIGEST_SIZES.get(algorithm) != len(digest or b""):
            return _rejection("bad_alg")
        with self._lock:
            serial = next(self._serials)
        info = {
            "version": "v1",
            "policy": TEST_POLICY,
            "message_imprint": imprint,
            "serial_number": serial,
            "gen_time": self.clock().astimezone(dt.UTC),
            "accuracy": {"seconds": 1},
            "ordering": False,
            "tsa": asn1_x509.GeneralName(
                name="directory_name", value=self.tsa.asn1["tbs_certificate"]["subject"]
            ),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"].native
        token = self._sign(tsp.TSTInfo(info).dump(), include_certificate=bool(request["cert_req"]))
        return tsp.TimeStampResp(
            {"status": tsp.PKIStatusInfo({"status": "granted"}), "time_stamp_token": token}
        ).dump()

    def _sign(self, tst_info: bytes, *, include_certificate: bool) -> cms.ContentInfo:
        certificate = self.tsa.asn1
        attributes = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(tst_info).digest()]}
                ),
                # RFC 5816: the token names its signer's certificate by hash (ESS v2)
                cms.CMSAttribute(
                    {
                        "type": "signing_certificate_v2",
                        "values": [
                            tsp.SigningCertificateV2(
                                {
                                    "certs": [
                                        tsp.ESSCertIDv2(
                                            {
                                                "hash_algorithm": {"algorithm": "sha256"},
                                                "cert_hash": hashlib.sha256(
                                                    certificate.dump()
                                                ).digest(),
                                            }
                                        )
                                    ]
                                }
                            )
                        ],
                    }
                ),
            ]
        )
        # RFC 5652 §5.4: the signature is over the DER of the attributes as a SET OF
        key: ec.EllipticCurvePrivateKey = self.tsa.key  # type: ignore[assignment]
        signature = key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        }
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": attributes,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature,
            }
        )
        signed_data = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(tst_info),
            },
            "signer_infos": [signer_info],
        }
        if include_certificate:
            signed_data["certificates"] = [certificate]
        return cms.ContentInfo(
            {"content_type": "signed_data", "content": cms.SignedData(signed_data)}
        )

    # ---- HTTP ----------------------------------------------------------------------------------

    def start(self) -> TimestampAuthority:
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with authority._lock:
                    authority.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 64 * 1024))
                if authority.failing:
                    self.send_error(503, "timestamp service down")
                    return
                if self.headers.get("Content-Type") != QUERY_TYPE:
                    self.send_error(415, "expected application/timestamp-query")
                    return
                reply = authority.respond(body)
                self.send_response(200)
                self.send_header("Content-Type", REPLY_TYPE)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _rejection(reason: str) -> bytes:
    return tsp.TimeStampResp(
        {
            "status": tsp.PKIStatusInfo(
                {"status": "rejection", "fail_info": tsp.PKIFailureInfo({reason})}
            )
        }
    ).dump()
