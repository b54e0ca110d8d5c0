"""A throwaway certificate authority for the evidence tests: it issues a timestamp authority's
certificate and a CA-issued organisation seal, as a real deployment has them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str, organisation: str = "Тестовый УЦ") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign_documents: bool = False, sign_certificates: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certificates,
        content_commitment=sign_documents,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certificates,
        crl_sign=sign_certificates,
        encipher_only=False,
        decipher_only=False,
    )


@dataclasses.dataclass
class Issued:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


class TestCA:
    __test__ = False  # not a pytest class

    def __init__(self, common_name: str = "Тестовый корневой УЦ") -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(common_name)
        now = dt.datetime.now(dt.UTC)
        certificate = (
            self._builder(name, name, key.public_key(), now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(sign_certificates=True), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.root = Issued(key, certificate)

    @staticmethod
    def _builder(subject, issuer, public_key, not_before) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )

    def issue(
        self,
        common_name: str,
        *,
        organisation: str = "Тестовый УЦ",
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
        extended_usage: x509.ObjectIdentifier | None = None,
        sign_documents: bool = False,
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
    ) -> Issued:
        key = key or ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        builder = (
            self._builder(
                _name(common_name, organisation),
                self.root.certificate.subject,
                key.public_key(),
                valid_from or now - dt.timedelta(days=1),
            )
            .not_valid_after(valid_until or now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign_documents=sign_documents), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                critical=False,
            )
        )
        if extended_usage is not None:
            # RFC 3161 §2.3: a TSA certificate has exactly id-kp-timeStamping, critical
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([extended_usage]),
                critical=extended_usage == ExtendedKeyUsageOID.TIME_STAMPING,
            )
        return Issued(key, builder.sign(self.root.key, hashes.SHA256()))

    def timestamp_authority(self) -> Issued:
        return self.issue(
            "Тестовая служба штампов времени", extended_usage=ExtendedKeyUsageOID.TIME_STAMPING
        )

    def organisation_pkcs12(self, organisation: str, password: str = "") -> tuple[bytes, Issued]:
        """An organisation seal issued by this CA, as PKCS#12 with the CA in its chain."""
        issued = self.issue(organisation, organisation=organisation, sign_documents=True)
        encryption = (
            serialization.BestAvailableEncryption(password.encode())
            if password
            else serialization.NoEncryption()
        )
        data = pkcs12.serialize_key_and_certificates(
            b"seal", issued.key, issued.certificate, [self.root.certificate], encryption
        )
        return data, issued
