"""What the contract and its signature certificate say, built from the contract's data snapshot.

A pure function of the snapshot (no database, no clock): the same snapshot always renders to
the same PDF, so a stored contract can be re-rendered and compared byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Any

from privet_manager_app.domain.common.clock import MOSCOW
from privet_manager_app.domain.common.masking import mask_passport
from privet_manager_app.domain.common.money import NBSP, amount_with_words, format_rub, plural
from privet_manager_app.domain.wizard.phones import display_phone
from privet_manager_app.infra.pdf import (
    Block,
    Column,
    Document,
    Fields,
    Heading,
    Paragraph,
    Party,
    QRCode,
    Signatures,
    Table,
)

SIGNING_CHANNEL = "чат поддержки приложения «Привет Супер»"
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
CONDITION_LABELS = {
    "new": "новое",
    "excellent": "отличное",
    "good": "хорошее",
    "fair": "удовлетворительное",
    "used": "б/у",
    "worn": "с износом",
    "poor": "плохое",
    "damaged": "с повреждениями",
    "broken": "неисправно",
}


def long_date(value: dt.date) -> str:
    """«27» ноября 2026 г."""
    return f"«{value.day:02d}» {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


def short_date(value: str | dt.date | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def moscow_time(value: str | dt.datetime) -> str:
    """'27.11.2026 21:04:05 МСК'."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S МСК")


def mask_phone(phone: str | None) -> str:
    """'+79161234567' → '+7 916 ***-**-67': enough to recognise one's own number."""
    shown = display_phone(phone)
    if len(shown) < 16 or not shown.startswith("+7 "):
        return "***" + shown[-2:] if shown else "—"
    return f"{shown[:6]} ***-**-{shown[-2:]}".replace(" ", NBSP)


def passport_line(passport: dict[str, Any]) -> str:
    series = passport["series"]
    return (
        f"серия {series[:2]} {series[2:]} № {passport['number']}, выдан "
        f"{short_date(passport['issue_date'])} {passport['issued_by']}, "
        f"код подразделения {passport['division_code']}"
    )


def _signed_rub(amount: Decimal) -> str:
    """A discount line reads «−155,00 ₽» with a true minus sign."""
    return f"−{format_rub(-amount)}" if amount < 0 else format_rub(amount)


def _hex_groups(value: str) -> str:
    """A 64-character digest in groups of 16: readable, and it wraps between groups."""
    return " ".join(value[start : start + 16] for start in range(0, len(value), 16))


_NO_BREAK_AFTER = re.compile(r"(№|\b(?:ст|п|ч|г|д|кв)\.) ")


def typograph(text: str) -> str:
    """Non-breaking spaces where Russian typesetting keeps words together: «№ 5», «ст. 9»,
    «г. Москва»; a dash never starts a line."""
    return _NO_BREAK_AFTER.sub(f"\\1{NBSP}", text).replace(" — ", f"{NBSP}— ")


def _typeset(blocks: list[Block]) -> tuple[Block, ...]:
    return tuple(
        dataclasses.replace(block, text=typograph(block.text))
        if isinstance(block, Paragraph)
        else block
        for block in blocks
    )


def _dash(value: Any) -> str:
    return str(value) if value not in (None, "") else "—"


def _person_clause(client: dict[str, Any]) -> str:
    return (
        f"{client['full_name']}, {short_date(client['birth_date'])} года рождения, паспорт "
        f"серия {client['passport']['series'][:2]} {client['passport']['series'][2:]} "
        f"№ {client['passport']['number']}"
    )


def contract_document(snapshot: dict[str, Any]) -> Document:
    number = snapshot["number"]
    company = snapshot["company"]
    client = snapshot["client"]
    tariff = snapshot["tariff"]
    surcharge = snapshot["surcharge"]
    signing = snapshot["signing"]
    total = Decimal(surcharge["total"])
    contract_date = dt.date.fromisoformat(snapshot["contract_date"])
    phone_masked = mask_phone(client["phone"])
    ttl, attempts = signing["otp_ttl_minutes"], signing["otp_max_attempts"]

    device_rows = tuple(
        (
            str(index),
            device["category_label"],
            f"{device['brand']} {device['model']}".strip(),
            _dash(device.get("serial_number")),
            _dash(device.get("purchase_year")),
            CONDITION_LABELS.get(device.get("condition") or "", _dash(device.get("condition"))),
        )
        for index, device in enumerate(snapshot["devices"], start=1)
    )
    breakdown_rows = tuple(
        (line["label"], _signed_rub(Decimal(line["amount"]))) for line in surcharge["breakdown"]
    )
    breakdown_rows += (("Итого к доплате", format_rub(total)),)

    if total > 0:
        amount_clause = f"4.3. Сумма единовременной доплаты составляет {amount_with_words(total)}."
    else:
        amount_clause = (
            f"4.3. Единовременная доплата по Договору не требуется: {amount_with_words(total)}."
        )

    blocks = [
        Paragraph(
            f"{company['name']} (ИНН {company['inn']}, ОГРН {company['ogrn']}), именуемое в "
            f"дальнейшем «Исполнитель», от имени которого действует {company['signatory']}, с "
            f"одной стороны, и {_person_clause(client)}, именуемый(-ая) в дальнейшем "
            "«Заказчик», с другой стороны, вместе именуемые «Стороны», заключили настоящий "
            "договор (далее — «Договор») о нижеследующем.",
            indent=8,
        ),
        Heading("1. Предмет договора"),
        Paragraph(
            "1.1. Исполнитель обязуется оказывать Заказчику услуги по сервисному обслуживанию "
            "техники, перечисленной в разделе 3 Договора (далее — «Устройства»): диагностику, "
            "профилактику, ремонт и консультации через приложение «Привет Супер», а Заказчик "
            "обязуется оплачивать услуги в порядке и в размере, установленных разделом 4 "
            "Договора.",
            indent=8,
        ),
        Paragraph(
            "1.2. Наличие и состояние Устройств зафиксированы менеджером Исполнителя при "
            "заключении Договора, в том числе фотографиями, которые хранятся у Исполнителя.",
            indent=8,
        ),
        Heading("2. Сведения о Заказчике"),
        Fields(
            (
                ("Фамилия, имя, отчество", client["full_name"]),
                (
                    "Дата и место рождения",
                    f"{short_date(client['birth_date'])}, {client['birth_place']}",
                ),
                ("Паспорт гражданина РФ", passport_line(client["passport"])),
                ("Адрес регистрации", _dash(client["registration_address"])),
                ("Телефон", display_phone(client["phone"]) or "—"),
                ("Электронная почта", _dash(client.get("email"))),
                (
                    "Учётная запись в приложении «Привет Супер»",
                    f"№ {client['user_id']} (канал подписания Договора, раздел 5)",
                ),
            )
        ),
        Heading("3. Устройства"),
        Table(
            (
                Column("№", 0.5, "C"),
                Column("Категория", 2.2),
                Column("Производитель и модель", 3.1),
                Column("Серийный номер", 2.2),
                Column("Год", 0.7, "C"),
                Column("Состояние", 2.5),
            ),
            device_rows,
        ),
        Heading("4. Тариф и порядок оплаты"),
        Paragraph(
            f"4.1. Обслуживание оказывается по тарифу «{tariff['name']}» (код {tariff['code']}, "
            f"редакция {tariff['version']}). Абонентская плата — "
            f"{amount_with_words(Decimal(tariff['base_monthly_fee']))} в месяц; в тариф "
            f"включено устройств: {tariff['included_devices']}, всего по Договору устройств: "
            f"{surcharge['devices_count']}.",
            indent=8,
        ),
        Paragraph(
            "4.2. Единовременная доплата при заключении Договора рассчитана по параметрам "
            "тарифа на дату Договора:",
            indent=8,
        ),
        Table(
            (Column("Позиция расчёта", 7.4), Column("Сумма", 2.4, "R")),
            breakdown_rows,
            bold_rows=frozenset({len(breakdown_rows) - 1}),
        ),
        Paragraph(amount_clause, indent=8),
        Paragraph(
            "4.4. Доплата вносится менеджеру Исполнителя при подписании Договора (наличными, "
            "картой или переводом) либо по счёту, который Исполнитель направляет в чат поддержки "
            f"приложения «Привет Супер», в течение {signing['invoice_due_days']} календарных дней "
            "с даты счёта. Абонентская плата вносится ежемесячно через приложение «Привет "
            "Супер». Последующее изменение тарифов Исполнителем не меняет сумму доплаты по "
            "Договору.",
            indent=8,
        ),
        Heading("5. Подписание Договора простой электронной подписью"),
        Paragraph(
            "5.1. Стороны договорились, что Заказчик подписывает Договор простой электронной "
            "подписью (ПЭП) в соответствии с п. 2 ст. 160 Гражданского кодекса Российской "
            "Федерации и ст. 6 и 9 Федерального закона от 06.04.2011 № 63-ФЗ «Об электронной "
            "подписи». Договор, подписанный ПЭП Заказчика, признаётся Сторонами равнозначным "
            "документу на бумажном носителе, подписанному собственноручной подписью Заказчика.",
            indent=8,
        ),
        Paragraph(
            "5.2. Ключом ПЭП является одноразовый код из 6 цифр, который Исполнитель направляет "
            f"в {SIGNING_CHANNEL} — в учётную запись Заказчика № {client['user_id']} (телефон "
            f"{phone_masked}). Сообщение с кодом содержит номер Договора и сумму доплаты. Код "
            f"действует {ttl} {plural(ttl, 'минуту', 'минуты', 'минут')}, может быть использован "
            f"только один раз и перестаёт действовать после {attempts} "
            f"{plural(attempts, 'неверной попытки', 'неверных попыток', 'неверных попыток')} "
            "ввода, а также при формировании новой редакции Договора.",
            indent=8,
        ),
        Paragraph(
            "5.3. Лицо, подписывающее Договор, определяется по учётной записи в приложении "
            "«Привет Супер», в чат которой направлен код. Заказчик подтверждает согласие "
            "подписать Договор простой электронной подписью и сообщает полученный код "
            "менеджеру Исполнителя, который вводит его в информационную систему Исполнителя. "
            "Ввод верного кода означает подписание Заказчиком Договора в той редакции, "
            "значение хеш-функции SHA-256 файла которой зафиксировано Исполнителем.",
            indent=8,
        ),
        Paragraph(
            "5.4. Заказчик обязуется соблюдать конфиденциальность ключа ПЭП: не сообщать код "
            "третьим лицам (кроме менеджера Исполнителя в момент подписания Договора), не "
            "передавать другим лицам доступ к своей учётной записи в приложении «Привет Супер» "
            "и незамедлительно сообщить Исполнителю по телефону "
            f"{company['support_phone']} о подозрении на утрату такого доступа.",
            indent=8,
        ),
        Paragraph(
            "5.5. Исполнитель хранит сведения о подписании Договора: время направления и ввода "
            "кода, число попыток, IP-адрес и программу устройства, с которого введён код, "
            "хеш-сумму SHA-256 файла Договора и контрольное значение HMAC-SHA256 этих сведений. "
            "Подлинность Договора можно проверить по QR-коду в конце Договора.",
            indent=8,
        ),
        Heading("6. Срок действия и прочие условия"),
        Paragraph(
            "6.1. Договор вступает в силу с момента его подписания Заказчиком и действует "
            "бессрочно. Каждая из Сторон вправе отказаться от Договора, уведомив другую Сторону "
            "не менее чем за 30 календарных дней; Заказчик вправе направить уведомление через "
            "чат поддержки приложения «Привет Супер».",
            indent=8,
        ),
        Paragraph(
            "6.2. Заказчик даёт согласие на обработку Исполнителем персональных данных, "
            "указанных в Договоре, в целях его заключения и исполнения в соответствии с "
            "Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных».",
            indent=8,
        ),
        Paragraph(
            "6.3. Уведомления и счета по Договору Исполнитель направляет в чат поддержки "
            "приложения «Привет Супер». Споры разрешаются путём переговоров, а при "
            "недостижении согласия — в суде в соответствии с законодательством Российской "
            "Федерации.",
            indent=8,
        ),
        Heading("7. Реквизиты и подписи Сторон"),
        Signatures(
            (
                Party(
                    "Исполнитель",
                    (
                        company["name"],
                        f"ИНН {company['inn']}, КПП {company['kpp']}",
                        f"ОГРН {company['ogrn']}",
                        f"Адрес: {company['address']}",
                        f"Банк: {company['bank']}",
                        f"Р/с {company['account']}",
                        f"Тел.: {company['support_phone']}",
                        company["signatory"],
                    ),
                    "________________ (подпись)    М. П.",
                ),
                Party(
                    "Заказчик",
                    (
                        client["full_name"],
                        f"Паспорт {client['passport']['series'][:2]} "
                        f"{client['passport']['series'][2:]} № {client['passport']['number']}",
                        f"Адрес: {_dash(client['registration_address'])}",
                        f"Тел.: {display_phone(client['phone']) or '—'}",
                        f"Учётная запись «Привет Супер» № {client['user_id']}",
                    ),
                    "Подписано простой электронной подписью",
                ),
            )
        ),
        QRCode(
            snapshot["verify_url"],
            "Проверка подлинности: отсканируйте QR-код или откройте "
            f"{snapshot['verify_url']} и загрузите файл Договора — сервис ответит, является ли "
            "он подписанным оригиналом и когда он подписан.",
        ),
    ]
    return Document(
        title=f"ДОГОВОР № {number}",
        subtitle="на сервисное обслуживание техники",
        place=snapshot["city"],
        date=long_date(contract_date),
        header=f"{company['name']} · Договор № {number}",
        footer=f"Договор № {number} · страница {{page}} из {{pages}}",
        blocks=_typeset(blocks),
        created_at=dt.datetime.fromisoformat(snapshot["generated_at"]),
        author=company["name"],
        subject=f"Договор № {number} на сервисное обслуживание техники",
    )


def certificate_document(evidence: dict[str, Any]) -> Document:
    """The signature certificate: the ПЭП trace of one signing, readable by a court."""
    number = evidence["contract_number"]
    signed_at = evidence["signed_at"]
    rows = (
        (
            "Документ",
            f"Договор № {number} от {long_date(dt.date.fromisoformat(evidence['contract_date']))}",
        ),
        ("Хеш-сумма файла договора (SHA-256)", _hex_groups(evidence["pdf_sha256"])),
        ("Подписант", evidence["signer_name"]),
        ("Паспорт подписанта", evidence["signer_passport_masked"]),
        (
            "Идентификатор подписанта",
            f"учётная запись «Привет Супер» № {evidence['user_id']}, телефон "
            f"{evidence['signer_phone_masked']}",
        ),
        (
            "Канал доставки кода",
            f"{SIGNING_CHANNEL}, сообщение № {evidence['otp_message_id']}",
        ),
        ("Сумма, указанная в сообщении с кодом", format_rub(Decimal(evidence["amount"]))),
        ("Код направлен", f"{moscow_time(evidence['otp_sent_at'])} ({evidence['otp_sent_at']})"),
        (
            "Согласие на подписание ПЭП подтверждено",
            f"{moscow_time(evidence['pep_agreed_at'])} ({evidence['pep_agreed_at']})",
        ),
        ("Код введён, договор подписан", f"{moscow_time(signed_at)} ({signed_at})"),
        (
            "Попытки",
            f"отправок кода: {evidence['otp_send_count']}; неверных вводов последнего кода: "
            f"{evidence['otp_failed_attempts']}",
        ),
        ("IP-адрес", _dash(evidence.get("ip"))),
        ("Программа (User-Agent)", _dash(evidence.get("user_agent"))),
        ("Менеджер Исполнителя", f"{evidence['manager_name']} ({evidence['manager_email']})"),
        ("Контрольное значение HMAC-SHA256", _hex_groups(evidence["signature_hmac"])),
    )
    blocks = [
        Paragraph(
            f"Договор № {number} подписан Заказчиком простой электронной подписью в порядке "
            "раздела 5 Договора: одноразовый код направлен в чат поддержки учётной записи "
            "Заказчика в приложении «Привет Супер» и введён менеджером Исполнителя со слов "
            "Заказчика после подтверждения согласия на подписание.",
            indent=8,
        ),
        Heading("Сведения о подписании"),
        Fields(rows, label_width=0.36),
        Paragraph(
            "Контрольное значение вычислено Исполнителем алгоритмом HMAC-SHA256 на ключе "
            "Исполнителя над следующей строкой (JSON, ключи по алфавиту, без пробелов, UTF-8):",
            indent=8,
        ),
        Paragraph(evidence["canonical_json"], size=7.5, align="L"),
        QRCode(
            evidence["verify_url"],
            "Проверка подлинности договора: отсканируйте QR-код или откройте "
            f"{evidence['verify_url']} и загрузите файл договора.",
            size=22,
        ),
    ]
    return Document(
        title="ЛИСТ ПОДПИСАНИЯ",
        subtitle=f"договора № {number} простой электронной подписью",
        place=evidence["city"],
        date=long_date(dt.datetime.fromisoformat(signed_at).astimezone(MOSCOW).date()),
        header=f"{evidence['company_name']} · Лист подписания договора № {number}",
        footer=f"Лист подписания договора № {number} · страница {{page}} из {{pages}}",
        blocks=_typeset(blocks),
        created_at=dt.datetime.fromisoformat(signed_at),
        author=evidence["company_name"],
        subject=f"Лист подписания договора № {number}",
    )


def signer_identity(snapshot: dict[str, Any]) -> dict[str, str]:
    client = snapshot["client"]
    passport = client["passport"]
    # A stored snapshot keeps the passport encrypted, and its mask next to it.
    masked = passport.get("number_masked") or mask_passport(passport["series"], passport["number"])
    return {
        "signer_name": client["full_name"],
        "signer_passport_masked": masked,
        "signer_phone_masked": mask_phone(client["phone"]),
    }
