"""Synthetic photos of a Russian internal passport, made here, deterministic from a seed.

Each sample is a random but plausible person (names with Ё, Й, Щ, Ъ, Ь… — the letters the zone
writes as digits), a passport issued to them, and a phone photo of it: the photo page rendered
with its fields in DejaVu, a photo placeholder, a signature, the red series and number, a
guilloche background and the machine-readable zone in OCR-B (Debian's `fonts-ocr-b`), often
with the issuing page above it; then photographed badly — rotated up to ±7°, in perspective,
on a table, under uneven light, out of focus, with sensor noise, JPEG artefacts, at a phone
camera's resolution, sometimes stored sideways with an EXIF orientation as phones do.

The expected fields come from the person, the zone is written by the project's own encoder
(whose output matches a real passport — see tests/domain tests of the decoder).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from privet_manager_app.domain.wizard import passport_mrz

OCR_B = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
PAGE_MM = (88, 125)
TODAY = dt.date(2026, 11, 1)  # fixed (a sample is the same on any day), in the past

_SURNAMES = [  # (male, female)
    ("Иванов", "Иванова"), ("Здрилюк", "Здрилюк"), ("Щербаков", "Щербакова"),
    ("Чернышёв", "Чернышёва"), ("Соловьёв", "Соловьёва"), ("Подъячев", "Подъячева"),
    ("Юдин", "Юдина"), ("Яковлев", "Яковлева"), ("Шишкин", "Шишкина"), ("Эртель", "Эртель"),
    ("Воробьёв", "Воробьёва"), ("Кузнецов", "Кузнецова"), ("Жуков", "Жукова"),
    ("Цветков", "Цветкова"), ("Хабибуллин", "Хабибуллина"), ("Григорьев", "Григорьева"),
    ("Белоусов", "Белоусова"), ("Фёдоров", "Фёдорова"), ("Зайцев", "Зайцева"),
    ("Ильин", "Ильина"), ("Мещеряков", "Мещерякова"), ("Тюрин", "Тюрина"),
    ("Гаврилюк", "Гаврилюк"), ("Пономарёв", "Пономарёва"), ("Лебедев", "Лебедева"),
    ("Ковальчук", "Ковальчук"), ("Ёлкин", "Ёлкина"), ("Рябов", "Рябова"),
    ("Добрынин", "Добрынина"), ("Сазонов", "Сазонова"), ("Ульянов", "Ульянова"),
    ("Нечаев", "Нечаева"), ("Шевчук", "Шевчук"), ("Артемьев", "Артемьева"),
    ("Бойко", "Бойко"), ("Вяземский", "Вяземская"), ("Мамедов", "Мамедова"),
    ("Римский-Корсаков", "Римская-Корсакова"), ("Салтыков-Щедрин", "Салтыкова-Щедрина"),
    ("Константинопольский", "Константинопольская"),
]  # fmt: skip
_MALE_NAMES = [
    "Сергей", "Андрей", "Алексей", "Дмитрий", "Юрий", "Илья", "Пётр", "Николай", "Михаил",
    "Евгений", "Григорий", "Фёдор", "Эдуард", "Ярослав", "Вячеслав", "Артём", "Лев", "Олег",
    "Владимир", "Тимофей", "Захар", "Кирилл", "Всеволод", "Святослав", "Игорь", "Максим",
]  # fmt: skip
_FEMALE_NAMES = [
    "Анна", "Мария", "Юлия", "Наталья", "Татьяна", "Ольга", "Екатерина", "Дарья", "Софья",
    "Ксения", "Людмила", "Эльвира", "Яна", "Алёна", "Варвара", "Зоя", "Любовь", "Евгения",
    "Валентина", "Жанна", "Фаина", "Агния", "Ирина", "Вера", "Галина", "Майя",
]  # fmt: skip
_PATRONYMICS = [  # (male, female)
    ("Анатольевич", "Анатольевна"), ("Сергеевич", "Сергеевна"), ("Ильич", "Ильинична"),
    ("Юрьевич", "Юрьевна"), ("Петрович", "Петровна"), ("Николаевич", "Николаевна"),
    ("Фёдорович", "Фёдоровна"), ("Эдуардович", "Эдуардовна"), ("Ярославович", "Ярославовна"),
    ("Вячеславович", "Вячеславовна"), ("Григорьевич", "Григорьевна"), ("Львович", "Львовна"),
    ("Дмитриевич", "Дмитриевна"), ("Алексеевич", "Алексеевна"), ("Кузьмич", "Кузьминична"),
    ("Тимофеевич", "Тимофеевна"), ("Всеволодович", "Всеволодовна"), ("Лукич", "Лукинична"),
    ("Константинович", "Константиновна"), ("Владимирович", "Владимировна"),
]  # fmt: skip
_PLACES = [
    "ГОР. МОСКВА", "ГОР. САНКТ-ПЕТЕРБУРГ", "ГОР. СЕВАСТОПОЛЬ", "ГОР. КАЗАНЬ РЕСПУБЛИКИ ТАТАРСТАН",
    "ГОР. ЕКАТЕРИНБУРГ СВЕРДЛОВСКОЙ ОБЛ.", "С. ЯКОВЛЕВКА ПРИМОРСКОГО КРАЯ", "ГОР. ЧЕЛЯБИНСК",
    "ГОР. НИЖНИЙ НОВГОРОД", "ПОС. ЮЖНЫЙ АЛТАЙСКОГО КРАЯ", "ГОР. ХАБАРОВСК",
]  # fmt: skip
_AUTHORITIES = [
    "ГУ МВД РОССИИ ПО Г. МОСКВЕ", "УМВД РОССИИ ПО Г. СЕВАСТОПОЛЮ",
    "ОТДЕЛОМ УФМС РОССИИ ПО РЕСП. ТАТАРСТАН В ВАХИТОВСКОМ Р-НЕ ГОР. КАЗАНИ",
    "ГУ МВД РОССИИ ПО СВЕРДЛОВСКОЙ ОБЛАСТИ", "МВД ПО РЕСПУБЛИКЕ КРЫМ",
    "ОТДЕЛОМ ПО ВОПРОСАМ МИГРАЦИИ ОМВД РОССИИ ПО РАЙОНУ ЮЖНОЕ БУТОВО",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    middle_name: str
    sex: str
    birth_date: dt.date
    birth_place: str
    series: str
    number: str
    issue_date: dt.date
    division_code: str
    issued_by: str

    def zone(self) -> tuple[str, str]:
        return passport_mrz.encode(
            last_name=self.last_name,
            first_name=self.first_name,
            middle_name=self.middle_name,
            birth_date=self.birth_date,
            sex=self.sex,
            series=self.series,
            number=self.number,
            issue_date=self.issue_date,
            division_code=self.division_code,
        )

    def expected_fields(self) -> dict[str, str | None]:
        """What a perfect reading of the zone gives (a long name is cut there)."""
        return passport_mrz.decode(*self.zone(), today=TODAY).fields()


@dataclasses.dataclass(frozen=True)
class PassportSample:
    seed: int
    person: Person
    lines: tuple[str, str]
    image: bytes
    conditions: dict


def random_person(rng: random.Random) -> Person:
    female = rng.random() < 0.5
    surname = rng.choice(_SURNAMES)[female]
    name = rng.choice(_FEMALE_NAMES if female else _MALE_NAMES)
    patronymic = rng.choice(_PATRONYMICS)[female]
    age_at_issue = rng.choice([14, 14, 20, 20, 45, 14 + rng.randrange(0, 60)])
    first_issue = dt.date(2011, 7, 1)  # the zone is printed since then
    issue = first_issue + dt.timedelta(days=rng.randrange(0, (TODAY - first_issue).days))
    birth_year = issue.year - age_at_issue - (rng.choice([0, 1]) if age_at_issue > 14 else 0)
    birth = dt.date(birth_year, rng.randrange(1, 13), rng.randrange(1, 29))
    if birth > issue.replace(year=issue.year - 14, day=min(issue.day, 28)):
        birth = birth.replace(year=birth.year - 1)
    region = rng.randrange(1, 99)
    division = f"{region:02d}{rng.randrange(0, 4)}-{rng.randrange(1, 100):03d}"
    series = f"{region:02d}{(issue.year - rng.choice([0, 0, 1, 2])) % 100:02d}"
    return Person(
        last_name=surname,
        first_name=name,
        middle_name=patronymic,
        sex="F" if female else "M",
        birth_date=birth,
        birth_place=rng.choice(_PLACES),
        series=series,
        number=f"{rng.randrange(0, 1_000_000):06d}",
        issue_date=issue,
        division_code=division,
        issued_by=rng.choice(_AUTHORITIES),
    )


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _guilloche(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], rng, color) -> None:
    left, top, right, bottom = box
    width = right - left
    for wave in range(28):
        phase = rng.random() * math.tau
        amplitude = (bottom - top) * (0.02 + 0.05 * rng.random())
        base = top + (bottom - top) * wave / 28
        period = width / (1.5 + 3 * rng.random())
        points = [
            (left + x, base + amplitude * math.sin(phase + math.tau * x / period))
            for x in range(0, width + 1, max(2, width // 160))
        ]
        draw.line(points, fill=color, width=1)


def _text_lines(text: str, limit: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def render_spread(
    person: Person, px_per_mm: float, rng: random.Random, lines: tuple[str, str] | None = None
) -> Image.Image:
    """The open passport: issuing page above, photo page with the zone below (`lines`: a zone
    other than the person's, e.g. with a wrong check digit)."""
    width, page_height = round(PAGE_MM[0] * px_per_mm), round(PAGE_MM[1] * px_per_mm)
    image = Image.new("RGB", (width, page_height * 2), (236, 226, 222))
    draw = ImageDraw.Draw(image)
    tint = (224 + rng.randrange(-6, 6), 206 + rng.randrange(-6, 6), 210 + rng.randrange(-6, 6))
    _guilloche(draw, (0, 0, width, page_height * 2), rng, tint)

    def mm(value: float) -> int:
        return round(value * px_per_mm)

    label_font = _font(DEJAVU, max(8, mm(1.9)))
    value_font = _font(DEJAVU_BOLD, max(10, mm(3.0)))
    ink = (40 + rng.randrange(0, 20), 40, 48)
    # Upper page: who issued it.
    draw.text((width / 2, mm(8)), "РОССИЙСКАЯ ФЕДЕРАЦИЯ", font=value_font, fill=ink, anchor="mt")
    draw.text((mm(6), mm(22)), "Паспорт выдан", font=label_font, fill=ink)
    for index, line in enumerate(_text_lines(person.issued_by, 26)[:3]):
        draw.text((mm(6), mm(27 + 5 * index)), line, font=value_font, fill=ink)
    draw.text((mm(6), mm(50)), "Дата выдачи", font=label_font, fill=ink)
    draw.text((mm(6), mm(54)), f"{person.issue_date:%d.%m.%Y}", font=value_font, fill=ink)
    draw.text((mm(44), mm(50)), "Код подразделения", font=label_font, fill=ink)
    draw.text((mm(44), mm(54)), person.division_code, font=value_font, fill=ink)
    draw.text((mm(6), mm(70)), "Личная подпись", font=label_font, fill=ink)
    draw.line([(mm(6), page_height - 2), (width, page_height - 2)], fill=(190, 170, 170), width=3)

    top = page_height  # the photo page
    photo = (mm(5), top + mm(30), mm(40), top + mm(75))
    draw.rectangle(photo, fill=(200 + rng.randrange(0, 30), 205, 215))
    head_x, head_y = (photo[0] + photo[2]) / 2, photo[1] + mm(17)
    draw.ellipse(
        (head_x - mm(8), head_y - mm(10), head_x + mm(8), head_y + mm(10)), fill=(150, 130, 120)
    )
    draw.ellipse(
        (photo[0] + mm(2), photo[1] + mm(30), photo[2] - mm(2), photo[3] + mm(20)),
        fill=(70, 75, 90),
    )
    draw.rectangle((photo[0], photo[3], photo[2], photo[3] + mm(25)), fill=(236, 226, 222))
    fields = [
        ("Фамилия", person.last_name.upper()),
        ("Имя", person.first_name.upper()),
        ("Отчество", person.middle_name.upper()),
    ]
    for index, (label, value) in enumerate(fields):
        y = top + mm(31 + 11 * index)
        draw.text((mm(44), y), label, font=label_font, fill=ink)
        draw.text((mm(44), y + mm(3)), value, font=value_font, fill=ink)
    y = top + mm(64)
    draw.text((mm(44), y), "Пол", font=label_font, fill=ink)
    draw.text(
        (mm(44), y + mm(3)), "МУЖ." if person.sex == "M" else "ЖЕН.", font=value_font, fill=ink
    )
    draw.text((mm(58), y), "Дата рождения", font=label_font, fill=ink)
    draw.text((mm(58), y + mm(3)), f"{person.birth_date:%d.%m.%Y}", font=value_font, fill=ink)
    draw.text((mm(44), top + mm(75)), "Место рождения", font=label_font, fill=ink)
    for index, line in enumerate(_text_lines(person.birth_place, 18)[:3]):
        draw.text((mm(44), top + mm(78.5 + 4 * index)), line, font=value_font, fill=ink)
    draw.text((mm(6), top + mm(80)), "Личная подпись", font=label_font, fill=ink)
    signature = [
        (mm(8 + 3 * i), top + mm(88 + 3 * math.sin(i * 1.7 + rng.random()))) for i in range(9)
    ]
    draw.line(signature, fill=(30, 40, 110), width=max(2, mm(0.4)))

    # The series and number, printed vertically in red along the right edge of both pages.
    red_font = _font(DEJAVU_BOLD, max(10, mm(3.2)))
    serial = f"{person.series[:2]} {person.series[2:]} {person.number}"
    for page_top in (0, top):
        strip = Image.new("RGBA", (mm(48), mm(5)), (0, 0, 0, 0))
        ImageDraw.Draw(strip).text((0, 0), serial, font=red_font, fill=(170, 30, 40, 255))
        strip = strip.rotate(90, expand=True)
        image.paste(strip, (width - mm(6), page_top + mm(10)), strip)

    # The zone: 44 monospaced OCR-B characters across 80 mm of the page.
    line1, line2 = lines or person.zone()
    pitch = 80 * px_per_mm / passport_mrz.LINE_LENGTH
    probe = _font(OCR_B, 100)
    size = max(8, round(100 * pitch / probe.getlength("<")))
    zone_font = _font(OCR_B, size)
    zone_ink = (25 + rng.randrange(0, 25),) * 3
    for index, line in enumerate((line1, line2)):
        draw.text((mm(4), top + mm(106 + 6.2 * index)), line, font=zone_font, fill=zone_ink)
    return image


def _perspective_coefficients(source, target) -> list[float]:
    """Pillow's PERSPECTIVE maps output → input: solve for the 8 coefficients."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    return list(np.linalg.solve(np.array(rows, float), np.array(rhs, float)))


def _noise(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Grey Gaussian noise around mid-grey, from the sample's seed (Pillow's effect_noise draws
    from the C library's generator: a photo would differ from run to run)."""
    generator = np.random.default_rng(rng.getrandbits(64))
    values = generator.normal(128, sigma, (size[1], size[0]))
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))


def _table(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A desk: one muted colour (wood, grey, a dark cloth) with soft blotches and grain."""
    base_colour = rng.choice([(120, 85, 55), (150, 150, 145), (60, 60, 70), (185, 160, 120)])
    small = np.array(
        [
            [[max(0, min(255, c + rng.randrange(-25, 26))) for c in base_colour] for _ in range(12)]
            for _ in range(9)
        ],
        np.uint8,
    )
    base = Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)
    grain = _noise((size[0] // 4, size[1] // 4), 40, rng).resize(size).convert("RGB")
    return Image.blend(base, grain, 0.12)


def photograph(spread: Image.Image, rng: random.Random) -> tuple[bytes, dict]:
    """A phone photo of the passport: framing, rotation, perspective, light, focus, JPEG."""
    canvas_size = rng.choice([(3024, 4032), (3000, 4000), (2448, 3264), (2268, 4032)])
    crop_photo_page = rng.random() < 0.45
    page = spread
    if crop_photo_page:
        page = spread.crop((0, round(spread.height * 0.38), spread.width, spread.height))
    fill = rng.uniform(0.72, 0.92) if crop_photo_page else rng.uniform(0.68, 0.9)
    scale = fill * min(canvas_size[0] / page.width, canvas_size[1] / page.height)
    angle = math.radians(rng.uniform(-7, 7))
    cx = canvas_size[0] / 2 + rng.uniform(-0.04, 0.04) * canvas_size[0]
    cy = canvas_size[1] / 2 + rng.uniform(-0.03, 0.03) * canvas_size[1]
    half_w, half_h = page.width * scale / 2, page.height * scale / 2
    jitter = 0.035 * min(half_w, half_h) * 2
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = (
            sx * half_w + rng.uniform(-jitter, jitter),
            sy * half_h + rng.uniform(-jitter, jitter),
        )
        corners.append(
            (
                cx + x * math.cos(angle) - y * math.sin(angle),
                cy + x * math.sin(angle) + y * math.cos(angle),
            )
        )
    source = [(0, 0), (page.width, 0), (page.width, page.height), (0, page.height)]
    coefficients = _perspective_coefficients(source, corners)
    warped = page.transform(
        canvas_size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC
    )
    mask = Image.new("L", page.size, 255).transform(
        canvas_size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    photo = _table(canvas_size, rng)
    photo.paste(warped, (0, 0), mask)

    # Uneven light: a gradient across the frame and a vignette, sometimes a soft glare.
    gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
    low = rng.uniform(0.55, 0.85)
    ys, xs = np.mgrid[0:64, 0:48]
    ramp = (gx * (xs / 47 - 0.5) + gy * (ys / 63 - 0.5)) / 1.42 + 0.5
    vignette = 1 - 0.35 * (((xs / 47 - 0.5) ** 2 + (ys / 63 - 0.5) ** 2) * 2)
    gain = np.clip((low + (1 - low) * ramp) * vignette, 0.3, 1) * 255
    light = Image.fromarray(gain.astype(np.uint8)).resize(canvas_size, Image.Resampling.BICUBIC)
    photo = ImageChops.multiply(photo, Image.merge("RGB", (light, light, light)))
    glare = rng.random() < 0.3
    if glare:
        spot = Image.new("L", (48, 64), 0)
        gxs, gys = rng.uniform(8, 40), rng.uniform(6, 40)
        ImageDraw.Draw(spot).ellipse((gxs - 6, gys - 4, gxs + 6, gys + 4), fill=110)
        spot = spot.filter(ImageFilter.GaussianBlur(3)).resize(
            canvas_size, Image.Resampling.BICUBIC
        )
        photo = ImageChops.screen(photo, Image.merge("RGB", (spot, spot, spot)))
    blur = rng.uniform(0.4, 2.2) * canvas_size[0] / 3024
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    noise = _noise(canvas_size, rng.uniform(10, 30), rng).convert("RGB")
    photo = Image.blend(photo, noise, rng.uniform(0.03, 0.08))
    sideways = rng.random() < 0.2
    exif = Image.Exif()
    if sideways:  # the sensor's landscape frame, to be turned by the viewer (Orientation 6)
        photo = photo.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    quality = rng.randrange(60, 93)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    conditions = {
        "size": canvas_size,
        "photo_page_only": crop_photo_page,
        "angle": round(math.degrees(angle), 2),
        "blur": round(blur, 2),
        "quality": quality,
        "glare": glare,
        "sideways": sideways,
        "zone_pitch_px": round(80 * (page.width / PAGE_MM[0]) * scale / 44, 1),
    }
    return buffer.getvalue(), conditions


def sample(seed: int, *, misprint: dict[int, str] | None = None) -> PassportSample:
    """`misprint`: {0-based position in line 2: character} printed instead of the right one."""
    rng = random.Random(seed)
    person = random_person(rng)
    line1, line2 = person.zone()
    for position, char in (misprint or {}).items():
        line2 = line2[:position] + char + line2[position + 1 :]
    # Rendered near the scale it is photographed at, so the photo is not an upscaled drawing.
    spread = render_spread(person, px_per_mm=rng.uniform(11, 14), rng=rng, lines=(line1, line2))
    image, conditions = photograph(spread, rng)
    return PassportSample(seed, person, (line1, line2), image, conditions)


def samples(count: int, first_seed: int = 1) -> Iterator[PassportSample]:
    for seed in range(first_seed, first_seed + count):
        yield sample(seed)
