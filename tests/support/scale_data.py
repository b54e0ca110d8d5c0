"""Large, realistic data sets for the scale benchmarks, built in SQL (generate_series), fast.

What a database looks like after a few years of «Привет Супер» + our app: `users` typed by
clients (Russian names in any case and order, phones in every format, e-mails for some), one
`manager_clients` row each, and for the clients managers have worked on — step 1 normalised
(full name, +7 phone, registration address with a street), a passport, devices with a photo, an
applied tariff, a contract (signed, some superseded), invoices for some. 50 managers.

Status mix (of all clients): 70 % processed, 20 % new, 8 % in_progress, and 2 % split between
contract_sent, signed and awaiting_payment (these also sit in «В работе»).

Everything here is plain SQL over one psycopg connection, so the benchmarks can build a
million rows in a couple of minutes and the module does not depend on the app's layout (it
borrows only the client-app fixture's common surnames): the caller creates the schema
(client-app tables + our migrations + tariffs) first.
"""

from __future__ import annotations

import dataclasses
import time

import bcrypt

from privet_manager_app.dev.client_app_fixture import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES_M

MANAGERS = 50
MANAGER_PASSWORD = "Bench-Pass-1"
ADMIN_EMAIL = "admin@bench.example"

# Ordered from common to rare: the index is drawn with a skew (Иванов ≈ 4.6 %, the 57th ≈ 0.8 %).
SURNAMES = (
    *LAST_NAMES_M,  # the client-app fixture's, then rarer ones
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
)
MALE_NAMES = (
    *FIRST_NAMES_M,
    "Арсений",
    "Иван",
    "Денис",
    "Евгений",
    "Даниил",
    "Тимофей",
    "Владислав",
    "Игорь",
    "Владимир",
    "Павел",
    "Руслан",
    "Марк",
    "Константин",
    "Тимур",
    "Олег",
    "Ярослав",
)
FEMALE_NAMES = (
    *FIRST_NAMES_F,
    "Анастасия",
    "Виктория",
    "Елизавета",
    "Софья",
    "Валерия",
    "Вероника",
    "Марина",
    "Людмила",
    "Галина",
    "Надежда",
    "Кристина",
    "Алёна",
    "Евгения",
    "Любовь",
    "Арина",
    "Маргарита",
)
PATRONYMICS = (
    "Александрович",
    "Сергеевич",
    "Владимирович",
    "Андреевич",
    "Алексеевич",
    "Дмитриевич",
    "Николаевич",
    "Михайлович",
    "Иванович",
    "Евгеньевич",
    "Юрьевич",
    "Викторович",
    "Олегович",
    "Игоревич",
    "Павлович",
    "Петрович",
    "Анатольевич",
    "Васильевич",
    "Борисович",
    "Максимович",
)
# (city, region or "", postcode prefix, weight)
CITIES = (
    ("Москва", "", "1", 30),
    ("Санкт-Петербург", "", "19", 12),
    ("Химки", "Московская обл.", "141", 4),
    ("Подольск", "Московская обл.", "142", 4),
    ("Казань", "Респ. Татарстан", "420", 5),
    ("Екатеринбург", "Свердловская обл.", "620", 6),
    ("Новосибирск", "Новосибирская обл.", "630", 6),
    ("Нижний Новгород", "Нижегородская обл.", "603", 5),
    ("Самара", "Самарская обл.", "443", 4),
    ("Ростов-на-Дону", "Ростовская обл.", "344", 5),
    ("Краснодар", "Краснодарский край", "350", 5),
    ("Воронеж", "Воронежская обл.", "394", 4),
    ("Пермь", "Пермский край", "614", 4),
    ("Уфа", "Респ. Башкортостан", "450", 3),
    ("Тверь", "Тверская обл.", "170", 3),
)
STREETS = (
    "ул. Ленина",
    "ул. Советская",
    "ул. Мира",
    "ул. Гагарина",
    "ул. Садовая",
    "ул. Молодёжная",
    "ул. Школьная",
    "ул. Лесная",
    "ул. Новая",
    "ул. Набережная",
    "ул. Пушкина",
    "ул. Кирова",
    "ул. Центральная",
    "ул. Октябрьская",
    "ул. Первомайская",
    "ул. Комсомольская",
    "ул. Заречная",
    "ул. Строителей",
    "ул. Чкалова",
    "ул. Горького",
    "ул. Тверская",
    "ул. Маяковского",
    "ул. Фрунзе",
    "ул. Куйбышева",
    "ул. Луговая",
    "ул. Полевая",
    "ул. Вокзальная",
    "ул. Профсоюзная",
    "ул. Дзержинского",
    "ул. Калинина",
    "ул. Чехова",
    "ул. Суворова",
    "ул. Гоголя",
    "ул. Лермонтова",
    "ул. Энтузиастов",
    "ул. Бауманская",
    "ул. Малышева",
    "ул. Баумана",
    "Ленинский пр-т",
    "пр-т Мира",
    "Невский пр-т",
    "Красный пр-т",
    "Комсомольский пр-т",
    "пр-т Победы",
    "пер. Почтовый",
    "пер. Садовый",
    "Цветной б-р",
    "Гоголевский б-р",
    "Варшавское ш.",
    "Каширское ш.",
)
MAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru")
DEVICES = (
    ("smartphone", "Apple", "iPhone 13"),
    ("smartphone", "Samsung", "Galaxy S23"),
    ("smartphone", "Xiaomi", "Redmi Note 12"),
    ("laptop", "Lenovo", "IdeaPad 5"),
    ("tv", "LG", "OLED55C3"),
    ("fridge", "Bosch", "KGN39VI25R"),
    ("washer", "Haier", "HW70-BP12929"),
    ("tablet", "Apple", "iPad Air"),
)
SURCHARGES = ("0.00", "0.00", "250.00", "500.00", "700.00", "1200.00")


@dataclasses.dataclass(frozen=True)
class ScaleData:
    """What a benchmark needs to know about the set it measures."""

    users: int
    seconds: dict[str, float]
    me_id: int  # the manager whose «Мои» is measured
    admin_id: int
    counts: dict[str, int]


def _sql_array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(array: str, count: int, skew: float = 1.0) -> str:
    """A random element; skew > 1 favours the first ones (common names come first)."""
    draw = "random()" if skew == 1.0 else f"power(random(), {skew})"
    return f"({array})[1 + floor({count} * {draw})::int]"


_TRANSLIT = """
CREATE OR REPLACE FUNCTION pg_temp.translit(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT translate(
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
      lower(value), 'щ', 'shch'), 'ж', 'zh'), 'х', 'kh'), 'ц', 'ts'), 'ч', 'ch'), 'ш', 'sh'),
      'ю', 'yu'), 'я', 'ya'), 'ё', 'e'), 'ь', ''), 'ъ', ''),
    'абвгдезийклмнопрстуфыэ', 'abvgdeziyklmnoprstufye')
$$;
"""


def _city_case() -> str:
    """A CASE over a uniform draw `city_draw` that honours the cities' weights."""
    total = sum(weight for *_, weight in CITIES)
    parts, edge = [], 0
    for index, (*_, weight) in enumerate(CITIES, start=1):
        edge += weight
        parts.append(f"WHEN city_draw < {edge / total:.6f} THEN {index}")
    return "CASE " + " ".join(parts) + f" ELSE {len(CITIES)} END"


def build(connection, users: int, *, full: bool = True, seed: float = 0.42) -> ScaleData:
    """Fill an empty, migrated database (client-app tables + our tables + tariffs).

    full=False stops after users, manager_clients and managers (what the wizard load needs as
    a background population); full=True adds passports, devices, photos, tariffs applied,
    contracts and invoices for every client managers have worked on.
    """
    timings: dict[str, float] = {}
    connection.autocommit = True
    execute = connection.execute

    def step(name: str, sql: str, params=None) -> None:
        started = time.perf_counter()
        # One statement per call: the extended protocol takes no multi-statement strings, and
        # always passing params keeps `%%` meaning `%` everywhere.
        for statement in sql.split(";\n"):
            if statement.strip():
                execute(statement, params or {})
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

    execute(_TRANSLIT)
    # The rows are consistent by construction: skipping the per-row foreign-key triggers makes
    # the load several times faster (a superuser setting, for this session only).
    execute("SET session_replication_role = replica")
    execute("SET maintenance_work_mem = '256MB'")
    execute("SELECT setseed(%s)", (seed,))
    step("managers", _MANAGERS_SQL, {"hash": _password_hash(), "admin": ADMIN_EMAIL})
    manager_ids = [row[0] for row in execute("SELECT id FROM manager_users ORDER BY id")]
    admin_id = execute("SELECT id FROM manager_users WHERE email = %s", (ADMIN_EMAIL,)).fetchone()[
        0
    ]
    managers = [m for m in manager_ids if m != admin_id]

    cities = _sql_array(c[0] for c in CITIES)
    regions = _sql_array(c[1] for c in CITIES)
    postcodes = _sql_array(c[2] for c in CITIES)
    step(
        "draw",
        _DRAW_SQL.format(
            surname=_pick(_sql_array(SURNAMES), len(SURNAMES), 1.5),
            male=_pick(_sql_array(MALE_NAMES), len(MALE_NAMES), 1.3),
            female=_pick(_sql_array(FEMALE_NAMES), len(FEMALE_NAMES), 1.3),
            patronymic=_pick(_sql_array(PATRONYMICS), len(PATRONYMICS), 1.3),
            street=_pick(_sql_array(STREETS), len(STREETS), 1.2),
            domain=_pick(_sql_array(MAIL_DOMAINS), len(MAIL_DOMAINS), 1.5),
            city_case=_city_case(),
            cities=cities,
            regions=regions,
            postcodes=postcodes,
            managers="ARRAY[" + ",".join(map(str, managers)) + "]",
            manager_count=len(managers),
        ),
        {"n": users},
    )
    step("users", _USERS_SQL)
    step("manager_clients", _CLIENTS_SQL)
    if full:
        step("users_passports", _PASSPORTS_SQL)
        started = time.perf_counter()
        _encrypt_passports(connection)
        timings["users_passports"] += time.perf_counter() - started
        step(
            "manager_devices",
            _DEVICES_SQL.format(
                categories=_sql_array(d[0] for d in DEVICES),
                brands=_sql_array(d[1] for d in DEVICES),
                models=_sql_array(d[2] for d in DEVICES),
                n=len(DEVICES),
            ),
        )
        step("manager_device_photos", _PHOTOS_SQL)
        step(
            "manager_client_tariffs",
            _TARIFFS_SQL.format(surcharges=_sql_array(SURCHARGES), n=len(SURCHARGES)),
        )
        step("manager_contracts", _CONTRACTS_SQL)
        step("first_signed_at", _FIRST_SIGNED_SQL)
        step("manager_invoices", _INVOICES_SQL)
    step("manager_client_search", _projection_sql())
    step("sequences", _SEQUENCES_SQL)
    execute("DROP TABLE bench_draw")
    execute("RESET session_replication_role")
    step("vacuum_analyze", "VACUUM ANALYZE")
    counts = dict(
        execute("SELECT status, count(*) FROM manager_clients GROUP BY status").fetchall()
    )
    return ScaleData(
        users=users, seconds=timings, me_id=managers[0], admin_id=admin_id, counts=counts
    )


def _projection_sql() -> str:
    """The app's own statement that fills the list's search projection, as literal SQL."""
    from sqlalchemy.dialects import postgresql

    from privet_manager_app.domain.clients import projection

    compiled = projection.fill_statement().compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled).replace("%", "%%")


_PASSPORT_COLUMNS = (
    "user_id, last_name, first_name, middle_name, birth_date, birth_place, updated_by, "
    "created_at, updated_at, series_enc, number_enc, issue_date_enc, issued_by_enc, "
    "division_code_enc, passport_index, number_masked"
)


def _encrypt_passports(connection, batch: int = 5000) -> None:
    from privet_manager_app.domain.wizard import passport_vault

    rows = connection.execute(
        "SELECT user_id, last_name, first_name, middle_name, birth_date, birth_place, updated_by,"
        " created_at, updated_at, series, number, issue_date, issued_by, division_code"
        " FROM bench_passports ORDER BY user_id"
    ).fetchall()
    columns = [name.strip() for name in _PASSPORT_COLUMNS.split(",")]
    with connection.cursor().copy(f"COPY users_passports ({_PASSPORT_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            secret = dict(zip(passport_vault.SECRET_FIELDS, row[9:], strict=True))
            sealed = passport_vault.sealed_columns(row[0], secret)
            copy.write_row((*row[:9], *(sealed[name] for name in columns[9:])))
    connection.execute("DROP TABLE bench_passports")


def _password_hash() -> str:
    # Cost 4: the list benchmark logs in once per database; what it measures is not bcrypt.
    return bcrypt.hashpw(MANAGER_PASSWORD.encode(), bcrypt.gensalt(4)).decode()


def manager_email(index: int) -> str:
    return f"master{index}@bench.example"


_MANAGERS_SQL = f"""
INSERT INTO manager_users (email, password_hash, name, role, is_active, created_at, updated_at)
SELECT 'master' || g || '@bench.example', %(hash)s,
       {_pick(_sql_array(MALE_NAMES), len(MALE_NAMES))} || ' ' ||
       {_pick(_sql_array(SURNAMES), len(SURNAMES))},
       'manager', true, now() - interval '3 years', now() - interval '3 years'
FROM generate_series(1, {MANAGERS}) g;
INSERT INTO manager_users (email, password_hash, name, role, is_active, created_at, updated_at)
VALUES (%(admin)s, %(hash)s, 'Админ Бенч', 'admin', true, now(), now());
"""

# One row per client with every random draw, so users and manager_clients agree. Nested
# levels, not UPDATEs: each level draws what depends on the one below (sex → first name).
_DRAW_SQL = """
CREATE UNLOGGED TABLE bench_draw AS
SELECT *,
       CASE WHEN status = 'processed'
            THEN least(now() - interval '1 minute',
                       claimed_at + interval '30 minutes' + random() * interval '9 days')
       END AS processed_at
FROM (
  SELECT base.*,
         CASE WHEN female THEN {female} ELSE {male} END AS first_name,
         surname_m || CASE WHEN female THEN 'а' ELSE '' END AS surname,
         CASE WHEN female THEN regexp_replace(patronymic, 'ич$', 'на') ELSE patronymic END
           AS patronymic_g,
         ({cities})[city_index] AS city,
         nullif(({regions})[city_index], '') AS region,
         rpad(({postcodes})[city_index] || floor(random() * 1e5)::int::text, 6, '0')
           AS postcode,
         CASE WHEN status <> 'new' THEN ({managers})[1 + floor({manager_count} * random())::int]
         END AS manager,
         CASE WHEN status <> 'new'
              THEN least(now() - interval '2 days', created_at + random() * interval '20 days')
         END AS claimed_at
  FROM (
    SELECT g AS id,
           random() < 0.5 AS female,
           CASE WHEN s < 0.70 THEN 'processed' WHEN s < 0.90 THEN 'new'
                WHEN s < 0.98 THEN 'in_progress' WHEN s < 0.987 THEN 'contract_sent'
                WHEN s < 0.993 THEN 'signed' ELSE 'awaiting_payment' END AS status,
           {surname} AS surname_m,
           {patronymic} AS patronymic,
           random() AS name_form,
           '9' || lpad(floor(random() * 1e9)::bigint::text, 9, '0') AS phone10,
           random() AS phone_form,
           random() AS has_email,
           random() AS mail_login,
           {domain} AS domain,
           {city_case} AS city_index,
           {street} AS street,
           (1 + floor(120 * power(random(), 2)))::int::text AS house,
           CASE WHEN random() < 0.2 THEN (1 + floor(4 * random()))::int::text END AS building,
           CASE WHEN random() < 0.85 THEN (1 + floor(300 * random()))::int::text END AS apartment,
           now() - interval '3 days' - random() * interval '730 days' AS created_at
    FROM (SELECT g, random() AS s, random() AS city_draw
          FROM generate_series(1, %(n)s) g) drawn
  ) base
) claimed;
ALTER TABLE bench_draw ADD PRIMARY KEY (id);
"""

# What the client typed (new clients) or what step 1 left (everyone a manager worked on).
_USERS_SQL = """
INSERT INTO users (id, phone, email, name, is_active, created_at, updated_at)
SELECT id,
       CASE WHEN status <> 'new' THEN '+7' || phone10
            WHEN phone_form < 0.40 THEN '+7' || phone10
            WHEN phone_form < 0.55 THEN '8' || phone10
            WHEN phone_form < 0.68 THEN '8 (' || substr(phone10, 1, 3) || ') ' ||
                 substr(phone10, 4, 3) || '-' || substr(phone10, 7, 2) || '-' ||
                 substr(phone10, 9, 2)
            WHEN phone_form < 0.80 THEN '+7 ' || substr(phone10, 1, 3) || ' ' ||
                 substr(phone10, 4, 3) || ' ' || substr(phone10, 7, 2) || ' ' ||
                 substr(phone10, 9, 2)
            WHEN phone_form < 0.88 THEN '7' || phone10
            WHEN phone_form < 0.95 THEN '+7(' || substr(phone10, 1, 3) || ')' ||
                 substr(phone10, 4, 7)
            ELSE NULL END,
       CASE WHEN has_email < CASE WHEN status = 'new' THEN 0.5 ELSE 0.7 END THEN
            CASE WHEN mail_login < 0.5
                 THEN pg_temp.translit(surname) || '.' || pg_temp.translit(first_name)
                 WHEN mail_login < 0.8
                 THEN pg_temp.translit(first_name) || (1960 + id %% 45)::text
                 ELSE substr(pg_temp.translit(first_name), 1, 1) || pg_temp.translit(surname)
                      || (id %% 1000)::text
            END || '@' || domain
       END,
       CASE WHEN status <> 'new' THEN surname || ' ' || first_name || ' ' || patronymic_g
            WHEN name_form < 0.30 THEN surname || ' ' || first_name || ' ' || patronymic_g
            WHEN name_form < 0.55 THEN first_name || ' ' || surname
            WHEN name_form < 0.65 THEN lower(first_name || ' ' || surname)
            WHEN name_form < 0.70 THEN upper(surname || ' ' || first_name)
            WHEN name_form < 0.75 THEN surname || ' ' || substr(first_name, 1, 1) || '.' ||
                                       substr(patronymic_g, 1, 1) || '.'
            WHEN name_form < 0.95 THEN first_name
            ELSE NULL END,
       true, created_at,
       CASE WHEN status <> 'new' THEN claimed_at + interval '5 minutes' ELSE created_at END
FROM bench_draw ORDER BY id;
"""

_CLIENTS_SQL = """
INSERT INTO manager_clients (id, user_id, status, assigned_manager_id, claimed_at, processed_at,
    registration_address, postcode, region, city, street, house, building, apartment, version,
    created_at, updated_at)
SELECT id, id, status, manager, claimed_at, processed_at,
       CASE WHEN status <> 'new' THEN
         concat_ws(', ', postcode, region, 'г. ' || city, street, 'д. ' || house,
                   'к. ' || building, 'кв. ' || apartment)
       END,
       CASE WHEN status <> 'new' THEN postcode END,
       CASE WHEN status <> 'new' THEN region END,
       CASE WHEN status <> 'new' THEN 'г. ' || city END,
       CASE WHEN status <> 'new' THEN street END,
       CASE WHEN status <> 'new' THEN house END,
       CASE WHEN status <> 'new' THEN building END,
       CASE WHEN status <> 'new' THEN apartment END,
       CASE WHEN status = 'new' THEN 1 ELSE 6 + floor(random() * 10)::int END,
       created_at,
       coalesce(processed_at, claimed_at + interval '5 minutes' + random() * interval '2 days',
                created_at)
FROM bench_draw ORDER BY id;
"""

# Drawn in SQL into a scratch table; encrypted in Python (_encrypt_passports) the way the app
# stores them — a key ring and AES-GCM are not something to redo in SQL.
_PASSPORTS_SQL = """
CREATE UNLOGGED TABLE bench_passports AS
SELECT d.id AS user_id, d.surname AS last_name, d.first_name, d.patronymic_g AS middle_name,
       birth AS birth_date, 'гор. ' || d.city AS birth_place,
       lpad(floor(random() * 1e4)::int::text, 4, '0') AS series,
       lpad(floor(random() * 1e6)::int::text, 6, '0') AS number,
       least(birth + interval '20 years' + random() * interval '20 years', now())::date
           AS issue_date,
       'ГУ МВД России по г. ' || d.city AS issued_by,
       lpad(floor(random() * 1000)::int::text, 3, '0') || '-' ||
       lpad(floor(random() * 1000)::int::text, 3, '0') AS division_code,
       d.manager AS updated_by, d.claimed_at AS created_at, d.claimed_at AS updated_at
FROM (SELECT *, (date '1950-01-01' + floor(random() * 19000)::int) AS birth
      FROM bench_draw WHERE status NOT IN ('new', 'in_progress')) d
ORDER BY d.id;
"""
_DEVICES_SQL = """
INSERT INTO manager_devices (client_id, category, brand, model, serial_number, purchase_year,
    condition, created_by, created_at, updated_at)
SELECT d.id, ({categories})[pick.i], ({brands})[pick.i], ({models})[pick.i],
       upper(substr(md5(d.id::text || '-' || k), 1, 10)),
       2015 + floor(random() * 11)::int, 'good', d.manager, d.claimed_at, d.claimed_at
FROM bench_draw d
-- `0 * d.id` ties the draws to the row: an uncorrelated lateral would be drawn only once.
CROSS JOIN LATERAL generate_series(1,
    1 + (random() < 0.4)::int + (random() < 0.15)::int + 0 * d.id) k
CROSS JOIN LATERAL (SELECT 1 + floor({n} * random())::int + 0 * k AS i) pick
WHERE d.status NOT IN ('new', 'in_progress')
ORDER BY d.id, k;
"""

_PHOTOS_SQL = """
INSERT INTO manager_device_photos (device_id, file_key, thumb_key, content_type, width, height,
    size_bytes, sha256, uploaded_by, created_at)
SELECT id, 'photos/' || id || '/' || md5(id::text) || '.jpg',
       'photos/' || id || '/' || md5(id::text) || '-thumb.jpg', 'image/jpeg', 1200, 900,
       180000 + floor(random() * 200000)::int, md5(id::text) || md5(id::text || 'x'),
       created_by, created_at
FROM manager_devices ORDER BY id;
"""

_TARIFFS_SQL = """
INSERT INTO manager_client_tariffs (client_id, tariff_id, tariff_snapshot, devices_count,
    surcharge, discount_pct, breakdown, applied_by, applied_at)
SELECT d.id, t.id,
       jsonb_build_object('id', t.id, 'code', t.code, 'name', t.name,
                          'description', t.description, 'version', t.version,
                          'base_monthly_fee', t.base_monthly_fee::text,
                          'included_devices', t.included_devices,
                          'extra_device_fee', t.extra_device_fee::text,
                          'category_fees', t.category_fees,
                          'max_discount_pct', t.max_discount_pct::text),
       (SELECT count(*) FROM manager_devices m WHERE m.client_id = d.id),
       surcharge::numeric, 0,
       jsonb_build_array(jsonb_build_object('kind', 'category', 'label', 'Доплата за технику',
                                            'amount', surcharge, 'quantity', 1,
                                            'unit_price', surcharge, 'category', 'fridge')),
       d.manager, d.claimed_at + interval '20 minutes'
FROM (SELECT *, CASE WHEN status = 'awaiting_payment' THEN '500.00'
                      ELSE ({surcharges})[1 + floor({n} * random())::int] END AS surcharge,
             1 + floor(random() * (SELECT count(*) FROM manager_tariffs))::int AS tariff_rank
      FROM bench_draw WHERE status NOT IN ('new', 'in_progress')) d
JOIN (SELECT *, row_number() OVER (ORDER BY id) AS rank FROM manager_tariffs) t
  ON t.rank = d.tariff_rank
ORDER BY d.id;
"""

# What signing stores on the client at the first signature (the dashboard's median reads it).
_FIRST_SIGNED_SQL = """
UPDATE manager_clients c SET first_signed_at = k.first
FROM (SELECT client_id, min(signed_at) AS first FROM manager_contracts
      WHERE status = 'signed' AND signed_at IS NOT NULL GROUP BY client_id) k
WHERE k.client_id = c.id
"""

# A signed contract for every signed/awaiting/processed client, an OTP-sent one for
# contract_sent, and for 5 % an older superseded version before it.
_CONTRACTS_SQL = """
INSERT INTO manager_contracts (client_id, client_tariff_id, number, status, data_snapshot,
    surcharge, pdf_key, pdf_sha256, otp_hash, otp_expires_at, otp_attempts, otp_sent_at,
    otp_send_count, signed_at, pep_agreed_at, signer_ip, signer_user_agent, signature_hmac,
    paid_at, payment_amount, payment_method, payment_confirmed_by, superseded_at, created_by,
    created_at, updated_at)
SELECT c.client_id, c.tariff_row, 'ПМ-' || c.year || '-' || lpad(c.seq::text, 7, '0'),
       c.status,
       jsonb_build_object('client', jsonb_build_object('name', c.name, 'phone', c.phone,
                                                       'address', c.address),
                          'passport', jsonb_build_object('series', '45**', 'number', '****56'),
                          'tariff', jsonb_build_object('id', c.tariff_id),
                          'surcharge', c.surcharge::text),
       c.surcharge, 'contracts/' || c.client_id || '/' || c.seq || '.pdf',
       md5(c.seq::text) || md5(c.client_id::text), md5(c.seq::text || 'otp'),
       c.sent_at + interval '10 minutes', 0, c.sent_at, 1,
       c.signed_at, c.signed_at - interval '20 seconds',
       CASE WHEN c.signed_at IS NOT NULL
            THEN '10.1.' || (c.seq %% 250) || '.' || (c.seq %% 200) END,
       CASE WHEN c.signed_at IS NOT NULL THEN 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)' END,
       CASE WHEN c.signed_at IS NOT NULL THEN md5(c.seq::text || 'sig') || md5(c.seq::text) END,
       c.paid_at, CASE WHEN c.paid_at IS NOT NULL THEN c.surcharge END,
       CASE WHEN c.paid_at IS NOT NULL THEN
            (ARRAY['cash','card','transfer'])[1 + (c.seq %% 3)::int] END,
       CASE WHEN c.paid_at IS NOT NULL THEN c.manager END,
       c.superseded_at, c.manager, c.sent_at, coalesce(c.paid_at, c.signed_at, c.sent_at)
FROM (
  SELECT v.*, row_number() OVER (ORDER BY v.sent_at, v.client_id, v.superseded_at NULLS LAST)
         AS seq, extract(year FROM v.sent_at)::int AS year
  FROM (
    SELECT d.id AS client_id, t.id AS tariff_row, t.tariff_id, t.surcharge, d.manager,
           u.name, u.phone, m.registration_address AS address,
           CASE WHEN d.status = 'contract_sent' THEN 'otp_sent' ELSE 'signed' END AS status,
           coalesce(d.processed_at, d.claimed_at + interval '1 day') - interval '15 minutes'
             AS sent_at,
           CASE WHEN d.status <> 'contract_sent' THEN
                coalesce(d.processed_at, d.claimed_at + interval '1 day') - interval '10 minutes'
           END AS signed_at,
           CASE WHEN d.status = 'processed' AND t.surcharge > 0 THEN d.processed_at END AS paid_at,
           NULL::timestamptz AS superseded_at
    FROM bench_draw d
    JOIN manager_client_tariffs t ON t.client_id = d.id
    JOIN users u ON u.id = d.id
    JOIN manager_clients m ON m.id = d.id
    UNION ALL
    SELECT d.id, t.id, t.tariff_id, t.surcharge, d.manager, u.name, u.phone, NULL,
           'superseded', d.claimed_at + interval '30 minutes', NULL, NULL,
           d.claimed_at + interval '40 minutes'
    FROM bench_draw d
    JOIN manager_client_tariffs t ON t.client_id = d.id
    JOIN users u ON u.id = d.id
    WHERE d.id %% 20 = 0
  ) v
) c
ORDER BY c.seq;
"""

# Invoices: clients who paid by transfer were invoiced first; awaiting_payment ones have one open.
_INVOICES_SQL = """
INSERT INTO manager_invoices (number, contract_id, amount, due_date, status, notify_count,
    last_notified_at, created_by, created_at, paid_at)
SELECT 'СЧ-' || extract(year FROM k.signed_at)::int || '-' ||
       lpad(row_number() OVER (ORDER BY k.id)::text, 7, '0'),
       k.id, k.surcharge, (k.signed_at + interval '5 days')::date,
       CASE WHEN k.paid_at IS NULL THEN 'issued' ELSE 'paid' END, 1, k.signed_at, k.created_by,
       k.signed_at + interval '1 minute', k.paid_at
FROM manager_contracts k
JOIN manager_clients c ON c.id = k.client_id
WHERE k.status = 'signed' AND k.surcharge > 0
  AND (c.status = 'awaiting_payment' OR k.payment_method = 'transfer')
ORDER BY k.id;
"""

_SEQUENCES_SQL = """
SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
SELECT setval(pg_get_serial_sequence('manager_clients', 'id'),
              (SELECT max(id) FROM manager_clients));
INSERT INTO manager_number_sequences (prefix, year, last_value)
SELECT 'ПМ', extract(year FROM now())::int, 9000000
ON CONFLICT DO NOTHING;
INSERT INTO manager_number_sequences (prefix, year, last_value)
SELECT 'СЧ', extract(year FROM now())::int, 9000000
ON CONFLICT DO NOTHING;
"""
