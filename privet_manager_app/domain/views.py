"""What use cases return: the JSON field contract of DESIGN §6.1, shared by REST and the UI.

Plain pydantic models: amounts serialise as strings with two decimals, times as ISO 8601 UTC.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from privet_manager_app.domain.inputs import AddressFields


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ManagerRef(View):
    id: int
    name: str


class ManagerView(View):
    id: int
    email: str
    name: str
    role: str


class ClientCard(View):
    id: int
    user_id: int
    name: str | None
    phone: str | None
    phone_display: str
    email: str | None
    status: str
    status_label: str
    registration_address: str | None
    assigned_manager: ManagerRef | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ClientPage(View):
    items: list[ClientCard]
    next_cursor: str | None


class AddressView(View, AddressFields):
    """The address fields as stored (`manager_clients`)."""


class PassportMaskedView(View):
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: dt.date
    birth_place: str
    number_masked: str
    issue_date: dt.date
    issued_by: str
    division_code: str
    updated_at: dt.datetime


class PhotoView(View):
    id: int
    url: str
    thumb_url: str
    width: int
    height: int
    size_bytes: int
    sha256: str


class DeviceView(View):
    id: int
    legacy_device_id: int | None
    category: str
    category_label: str
    brand: str
    model: str
    serial_number: str | None
    purchase_year: int | None
    condition: str | None
    notes: str | None
    photos: list[PhotoView] = []


class TariffView(View):
    id: int
    code: str
    name: str
    description: str | None
    base_monthly_fee: Decimal
    included_devices: int
    extra_device_fee: Decimal
    category_fees: dict[str, Decimal]
    max_discount_pct: Decimal
    is_active: bool
    version: int


class AppliedTariffView(View):
    id: int
    tariff_id: int
    surcharge: Decimal
    base_monthly_fee: Decimal
    devices_count: int
    discount_pct: Decimal
    discount_reason: str | None
    breakdown: list[dict[str, Any]]
    tariff: dict[str, Any]
    applied_at: dt.datetime
    # The devices changed since: apply the tariff again before generating the contract.
    needs_recalculation: bool = False


class ContractView(View):
    contract_id: int
    number: str
    status: str  # the contract's: otp_sent | signed | superseded
    status_label: str = ""
    surcharge: Decimal
    pdf_url: str | None
    otp_expires_at: dt.datetime | None
    otp_resend_available_at: dt.datetime | None
    otp_attempts_left: int
    signed_at: dt.datetime | None
    pdf_sha256: str | None
    signature_hmac: str | None
    certificate_url: str | None
    paid_at: dt.datetime | None
    payment_amount: Decimal | None
    payment_method: str | None
    client_status: str | None = None
    created_at: dt.datetime | None = None
    otp_sent_at: dt.datetime | None = None
    otp_sends_left: int = 0
    pep_agreed_at: dt.datetime | None = None
    payment_reference: str | None = None
    # The client's wrong-code budget is spent: no code signs until then (or an admin unlocks).
    signing_locked_until: dt.datetime | None = None


class SigningLockView(View):
    """The client's wrong-code budget across all its codes and contracts (otp_budget.py)."""

    locked: bool
    wrong_codes: int  # counted in the window
    limit: int
    attempts_left: int
    window_hours: int
    unlocks_at: dt.datetime | None  # when locked: the moment the window frees a guess


class InvoiceView(View):
    invoice_number: str
    amount: Decimal
    due_date: dt.date
    status: str  # the invoice's: issued | paid | cancelled
    status_label: str = ""
    notify_count: int
    last_notified_at: dt.datetime | None
    contract_number: str | None = None
    paid_at: dt.datetime | None = None
    reminder_available_at: dt.datetime | None = None
    client_status: str | None = None
    can_notify: bool = False  # the viewer may send the reminder


class ClientDetail(ClientCard):
    address: AddressView
    passport: PassportMaskedView | None
    devices: list[DeviceView]
    tariff: AppliedTariffView | None
    contract: ContractView | None
    invoice: InvoiceView | None
    signing_lock: SigningLockView | None = None


class SurchargeView(View):
    """A surcharge computed for a client's devices under a tariff (before applying it)."""

    tariff_id: int | None
    surcharge: Decimal
    subtotal: Decimal
    discount_pct: Decimal
    discount_amount: Decimal
    discount_reason: str | None
    base_monthly_fee: Decimal
    devices_count: int
    included_devices: int
    extra_devices: int
    breakdown: list[dict[str, Any]]
    tariff: dict[str, Any]


class SignatureResult(View):
    status: str  # the client's: signed | processed (nothing to pay)
    number: str
    signed_at: dt.datetime
    pdf_sha256: str
    signature_hmac: str
    certificate_url: str | None
    pdf_url: str | None
    surcharge: Decimal
    pep_agreed_at: dt.datetime | None = None  # the consent: its own moment, before the code


class ConsentView(View):
    """The client's consent to sign by ПЭП, as the manager recorded it."""

    contract_number: str
    pep_agreed: bool
    pep_agreed_at: dt.datetime | None


class PaymentResult(View):
    status: str  # the client's: processed
    paid_at: dt.datetime
    amount: Decimal
    method: str
    reference: str | None
    contract_number: str
    invoice_number: str | None
    already_confirmed: bool = False  # a repeat: the first confirmation is returned


class VerificationResult(View):
    """All an anonymous visitor learns: whether it is a signed original or a sealed copy of
    one, its number and dates, and — for a refused copy — why."""

    valid: bool
    number: str | None
    signed_at: dt.datetime | None
    document: str | None = None  # original | sealed_copy
    message: str = ""  # the answer in Russian, as the page shows it
    problem: str | None = None  # a refused copy: modified | not_our_seal | … (infra/seal.py)
    sealed_at: dt.datetime | None = None  # a copy: when the organisation sealed it
    timestamp_at: dt.datetime | None = None  # …as confirmed by the timestamp authority (B-T)
