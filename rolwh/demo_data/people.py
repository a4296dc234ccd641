"""Synthetic personal data: Chinese names, GB 11643 ID numbers, mobile numbers (all made up)."""

from __future__ import annotations

import random
from datetime import date, timedelta

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅海燕林波宇浩然子涵欣怡俊杰雨萱志强淑珍"
#: Area codes of Chongqing districts (江津区 = 500116 first, the usual one).
AREA_CODES = ("500116", "500116", "500116", "500116", "500110", "500113", "500381", "510321")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number(rng: random.Random, *, bad_check: bool = False, old15: bool = False) -> str:
    """An 18-character resident ID with a correct (or deliberately wrong) check character, or 15 digits."""
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
    area = rng.choice(AREA_CODES)
    seq = f"{rng.randrange(1, 1000):03d}"
    if old15:
        return f"{area}{birth:%y%m%d}{seq}"
    first17 = f"{area}{birth:%Y%m%d}{seq}"
    good = check_char(first17)
    if bad_check:
        return first17 + rng.choice([c for c in "0123456789X" if c != good])
    return first17 + good


def is_valid_id(value: str) -> bool:
    v = value.upper()
    if len(v) == 15:
        return v.isdigit()
    return len(v) == 18 and v[:17].isdigit() and check_char(v[:17]) == v[17]


def phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "135", "136", "150", "151", "158", "177", "180", "189")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


def masked_phone(number: str) -> str:
    return f"{number[:3]}****{number[7:]}"


def person_id_dirt(rng: random.Random) -> str:
    """An ID as a clerk types it: mostly correct, a few bad check characters, 15-digit ones, lower x."""
    r = rng.random()
    if r < 0.03:
        return id_number(rng, bad_check=True)
    if r < 0.06:
        return id_number(rng, old15=True)
    value = id_number(rng)
    return value.lower() if value.endswith("X") and rng.random() < 0.5 else value


def phone_dirt(rng: random.Random) -> str:
    number = phone(rng)
    r = rng.random()
    if r < 0.08:
        return masked_phone(number)
    if r < 0.14:
        return rng.choice(("+86", "+86 ", "+86-")) + number
    return number
