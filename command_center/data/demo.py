"""A realistic, deterministic demo court (``command-center demo``).

The same ``seed`` and ``now`` always give the same database.  Everything is generated in
memory in chunks and written with bulk inserts in one transaction, so an error leaves the
database as it was.  Node instances are written as a case system would report them
(``source='imported'``) with their due dates computed from the catalogue and the calendar,
so every light on the wall has cases from the first start.
"""

from __future__ import annotations

import math
import random
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from command_center.data import models as m
from command_center.data.bulk import bulk_insert
from command_center.data.tables import CASES, COURTS, OFFICERS, TEAMS
from command_center.data.catalogue import TERMINATED, Catalogue
from command_center.data.deadlines import (
    RENEWAL_NODE,
    TERM_NODE,
    node_due,
    repeat_start,
    repeat_subject,
    stops_at_closing,
    term_due,
)
from command_center.data.engine import Database
from command_center.data.users import hash_password
from command_center.data.workcal import TZ, WorkCalendar, add_months, local_date

#: the password of every demo user (README: log in as chief or o001 with it)
DEMO_PASSWORD = "demo-pass"
COURT_CODE = "内0425"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚玉萍毅浩宇鹏辉华国志海燕春梅红东文博涵欣怡宁峰林斌晨旭亮俊鑫雪莉"
MONGOLIAN = ("巴特尔", "其木格", "乌日娜", "宝音", "额尔敦", "苏日娜", "那仁", "阿拉坦", "斯琴", "朝鲁")
REGIONS = ("赤峰", "克什克腾", "经棚", "锡林郭勒", "内蒙古", "松山", "红山", "翁牛特", "林西", "巴林")
BRANDS = ("鑫源", "宏达", "恒泰", "金诺", "华盛", "兴隆", "瑞丰", "草原", "北方", "天成", "盛世", "蒙晟", "隆昌", "富民", "德润", "远航", "佳禾", "正元", "嘉诚", "广利")
INDUSTRIES = ("商贸", "建筑工程", "农牧业", "矿业", "物流", "房地产开发", "机械设备", "餐饮管理", "汽车销售", "建材")
BANKS = ("中国农业银行克什克腾旗支行", "中国工商银行赤峰分行", "中国建设银行经棚支行", "内蒙古农村信用社", "中国邮政储蓄银行赤峰分行", "中国银行赤峰分行", "赤峰农村商业银行")
LOCATIONS = ("执行局扣押物仓库A区", "执行局扣押物仓库B区", "经棚镇停车场", "原址封存", "第三方保管库")
DEMO_TEAMS = (("速执团队", "速执"), ("简执一组", "简执"), ("简执二组", "简执"), ("普执一组", "普执"), ("普执二组", "普执"), ("特执团队", "特执"))
OFFICERS_PER_TEAM = 4
CASE_TYPES = (("执", 0.85), ("执恢", 0.08), ("执保", 0.05), ("执异", 0.02))
CLOSING = (("执行完毕", 0.47), (TERMINATED, 0.35), ("终结执行", 0.08), ("不予执行", 0.02), ("驳回申请", 0.02), ("销案", 0.06))
ASSET_KINDS = (("车辆", 0.45), ("不动产", 0.30), ("动产", 0.15), ("股权", 0.05), ("其他", 0.05))
VALUATION = {"车辆": (30_000, 300_000), "不动产": (200_000, 3_000_000), "动产": (5_000, 100_000), "股权": (100_000, 5_000_000), "其他": (2_000, 50_000)}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHUNK = 2_000
#: What one chunk of cases writes, parents first.
TABLES = (("cases", m.Case), ("parties", m.Party), ("nodes", m.NodeInstance), ("funds", m.Fund), ("assets", m.SeizedAsset),
          ("accounts", m.FrozenAccount), ("leads", m.Lead), ("suspensions", m.Suspension))


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    open_cases: int
    parties: int
    nodes: int
    funds: int
    assets: int
    accounts: int
    leads: int
    suspensions: int
    officers: int
    teams: int
    seconds: float


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    u = rng.random()
    for value, weight in weighted:
        u -= weight
        if u < 0:
            return value
    return weighted[-1][0]


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


class _Court:
    """Generates one court; all randomness flows from one seeded generator."""

    def __init__(self, catalogue: Catalogue, calendar: WorkCalendar, seed: int, now: datetime):
        self.cat = catalogue
        self.cal = calendar
        self.rng = random.Random(seed)
        self.now = now
        self.today = local_date(now)
        self.counters = {"fund": 0, "asset": 0, "account": 0, "lead": 0}

    # -- names -------------------------------------------------------------------------
    def person(self) -> str:
        rng = self.rng
        if rng.random() < 0.06:
            return rng.choice(MONGOLIAN) + (rng.choice(GIVEN) if rng.random() < 0.3 else "")
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def company(self) -> str:
        rng = self.rng
        suffix = "有限公司" if rng.random() < 0.7 else "有限责任公司"
        return f"{rng.choice(REGIONS)}{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}{suffix}"

    def id_number(self) -> str:
        rng = self.rng
        born = date(1955, 1, 1) + timedelta(days=rng.randrange(0, 17_000))
        body = f"150425{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        return body + check

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(0, 10**9):09d}"

    def money(self, low: float, high: float) -> Decimal:
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return Decimal(round(value)).quantize(Decimal("0.01"))

    # -- the fixed part ------------------------------------------------------------------
    def staff(self, court_name: str) -> tuple[list[dict], list[dict], list[dict]]:
        courts = [{"id": 1, "code": COURT_CODE, "name": court_name}]
        teams = [{"id": i, "court_id": 1, "name": name, "track": track} for i, (name, track) in enumerate(DEMO_TEAMS, start=1)]
        officers = []
        names: set[str] = set()

        def unique_name() -> str:
            while True:
                name = self.person()
                if name not in names:
                    names.add(name)
                    return name

        # every demo user has the one password the README gives (one hash: scrypt is slow on purpose)
        password = hash_password(DEMO_PASSWORD, salt=b"cc-demo-password")
        for team in teams:
            for _ in range(OFFICERS_PER_TEAM):
                number = len(officers) + 1
                officers.append({"id": number, "login": f"o{number:03d}", "name": unique_name(), "role": "officer",
                                 "team_id": team["id"], "phone": self.phone(), "active": True, "password_hash": password})
        for login, role in (("chief", "chief"), ("admin", "admin"), ("wall", "wall")):
            officers.append({"id": len(officers) + 1, "login": login, "name": unique_name() if role != "wall" else "指挥中心大屏",
                             "role": role, "team_id": None, "phone": self.phone() if role == "chief" else None, "active": True,
                             "password_hash": password})
        return courts, teams, officers

    # -- one case --------------------------------------------------------------------------
    def finish(self, started: datetime, due_at: datetime, *, late: float = 0.07, never: float = 0.01) -> datetime | None:
        """When a node was completed; ``None`` if it is still open at ``now``."""
        rng = self.rng
        u = rng.random()
        if u < never:
            return None
        if u < never + late:
            done = due_at + timedelta(days=rng.uniform(1, 25))
        else:
            span = max((due_at - started).total_seconds(), 3600)
            done = started + timedelta(seconds=span * rng.uniform(0.1, 0.95))
        return done if done <= self.now else None


def generate(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    *,
    cases: int,
    seed: int,
    now: datetime,
    court_name: str,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with ``cases`` demo cases as of ``now``."""
    if cases < 1:
        raise DemoError("--cases must be at least 1")
    started_clock = _time.perf_counter()
    court = _Court(catalogue, calendar, seed, now)
    with db.engine.connect() as probe:
        existing = probe.execute(select(func.count()).select_from(CASES)).scalar_one()
    if existing:
        raise DemoError(f"the database {db.display_url} already holds {existing} cases; use `demo --reset` to replace them")

    courts, teams, officers = court.staff(court_name)
    by_team: dict[int, list[int]] = {}
    for officer in officers:
        if officer["team_id"] is not None:
            by_team.setdefault(officer["team_id"], []).append(officer["id"])

    # Filing days: working days of the last two years, cases numbered in filing order.
    first = court.today - timedelta(days=730)
    workdays = [first + timedelta(days=i) for i in range((court.today - first).days + 1)]
    workdays = [d for d in workdays if calendar.is_workday(d)] or [court.today]
    filed = sorted(court.rng.choice(workdays) for _ in range(cases))

    totals = dict.fromkeys([name for name, _ in TABLES] + ["open"], 0)
    numbers: dict[tuple[int, str], int] = {}
    with db.engine.begin() as conn:
        conn.execute(insert(COURTS), courts)
        conn.execute(insert(TEAMS), teams)
        conn.execute(insert(OFFICERS), officers)
        for chunk_start in range(0, cases, CHUNK):
            rows: dict[str, list[dict]] = {name: [] for name, _ in TABLES}
            for index in range(chunk_start, min(cases, chunk_start + CHUNK)):
                _one_case(court, index + 1, filed[index], numbers, by_team, rows)
            for name, table in TABLES:
                totals[name] += bulk_insert(conn, table.__table__, rows[name])
            totals["open"] += sum(1 for c in rows["cases"] if c["closed_on"] is None)
            if progress:
                progress(len(rows["cases"]))
        if conn.dialect.name == "postgresql":
            for table in ("courts", "teams", "officers", "cases"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
    db.refresh_statistics()
    return DemoSummary(
        cases=cases, open_cases=totals["open"], parties=totals["parties"], nodes=totals["nodes"], funds=totals["funds"],
        assets=totals["assets"], accounts=totals["accounts"], leads=totals["leads"], suspensions=totals["suspensions"],
        officers=len(officers), teams=len(teams), seconds=_time.perf_counter() - started_clock,
    )


def _one_case(court: _Court, case_id: int, filed_on: date, numbers: dict, by_team: dict[int, list[int]], rows: dict[str, list[dict]]) -> None:
    rng, cal, cat, today, now = court.rng, court.cal, court.cat, court.today, court.now
    case_type = _pick(rng, CASE_TYPES)
    key = (filed_on.year, case_type)
    numbers[key] = numbers.get(key, 0) + 1
    case_no = f"（{filed_on.year}）{COURT_CODE}{case_type}{numbers[key]}号"

    # Enforcement amounts are roughly log-normal: median about 40,000 yuan, a long tail of big cases.
    amount = Decimal(round(min(80_000_000, max(500, math.exp(rng.gauss(math.log(40_000), 1.5)))))).quantize(Decimal("0.01"))
    if rng.random() < 0.2:
        amount += Decimal(rng.randrange(1, 100)) / 100
    debtors = 1 if rng.random() < 0.6 else rng.randint(2, 4) if rng.random() < 0.95 else rng.randint(6, 9)
    if amount > 5_000_000 or debtors > 5:
        team = 6
    elif amount <= 100_000:
        team = 1 if rng.random() < 0.15 else rng.choice((2, 3))
    else:
        team = rng.choice((4, 5))
    track = DEMO_TEAMS[team - 1][1]

    # Closing: older cases are more often closed; 终本 needs three months from filing.
    age = (today - filed_on).days
    p_closed = 0.04 if age < 30 else 0.3 if age < 90 else 0.62 if age < 180 else 0.85 if age < 270 else 0.975
    closed_on = closing_mode = None
    if rng.random() < p_closed:
        closing_mode = _pick(rng, CLOSING)
        low, high = (92, 200) if closing_mode == TERMINATED else (6, 170)
        day, _ = cal.roll(filed_on + timedelta(days=rng.randint(low, max(low, min(high, age)))))
        if day <= today and (closing_mode != TERMINATED or day >= add_months(filed_on, 3)):
            closed_on = day
        else:
            closing_mode = None
    closed_at = _at(closed_on, 16, 30) if closed_on else None
    end_day = closed_on or today

    if closing_mode == "执行完毕":
        recovered = amount
    elif closing_mode == TERMINATED and rng.random() < 0.4:
        recovered = (amount * Decimal(rng.uniform(0.01, 0.3))).quantize(Decimal("0.01"))
    elif closing_mode is None and age > 20 and rng.random() < 0.35:
        recovered = (amount * Decimal(rng.uniform(0.05, 0.7))).quantize(Decimal("0.01"))
    else:
        recovered = Decimal("0.00")

    suspensions: list[tuple[date, date | None]] = []
    extended_to = None
    if closed_on is None and age > 90 and rng.random() < 0.05:
        start = filed_on + timedelta(days=rng.randint(30, min(age - 10, 150)))
        end = start + timedelta(days=rng.randint(10, 90)) if rng.random() < 0.7 else None
        suspensions.append((start, end if end is None or end < today else None))
    if closed_on is None and age > 150 and rng.random() < 0.04:
        extended_to = add_months(filed_on, 9)

    rows["cases"].append({
        "id": case_id, "court_id": 1, "case_no": case_no, "case_type": case_type, "filed_on": filed_on,
        "amount": amount, "amount_recovered": recovered, "team_id": team, "officer_id": rng.choice(by_team[team]),
        "track": track, "closed_on": closed_on, "closing_mode": closing_mode, "term_extended_to": extended_to,
        "updated_at": min(closed_at or now, now),
    })
    for start, end in suspensions:
        rows["suspensions"].append({"case_id": case_id, "from_date": start, "to_date": end})

    for role, count, p_person in (("applicant", 1 if rng.random() < 0.9 else 2, 0.7), ("debtor", debtors, 0.55)):
        for position in range(count):
            person = rng.random() < p_person
            rows["parties"].append({
                "case_id": case_id, "role": role, "position": position,
                "name": court.person() if person else court.company(), "kind": "person" if person else "org",
                "id_number": court.id_number() if person else None,
                "phone": court.phone() if role == "applicant" else None,
            })

    nodes = rows["nodes"]
    seen: set[tuple[str, str]] = set()

    def add_node(code: str, started: datetime, *, subject: str = "", expiry: date | None = None,
                 completed: datetime | None | bool = True, late: float = 0.07, never: float = 0.01) -> datetime | None:
        """Append one node; ``completed=True`` draws a completion time, else it is used as given.

        An event node reported twice for the case (two seized vehicles) keeps its first report.
        """
        if (code, subject) in seen:
            return None
        seen.add((code, subject))
        node = cat[code]
        due = node_due(cal, node, started, expiry=expiry)
        done = court.finish(started, due.at, late=late, never=never) if completed is True else completed or None
        if done is not None and done > now:
            done = None
        stops = stops_at_closing(node)
        if done is not None and closed_at is not None and done > closed_at and stops:
            done = closed_at if started <= closed_at else None
        stopped = closed_at if done is None and closed_at is not None and stops else None
        nodes.append({
            "case_id": case_id, "node_code": code, "subject_id": subject, "started_at": started,
            "completed_at": done, "stopped_at": stopped, "due_override": None,
            "due_at": due.at, "due_date": due.date, "provisional": due.provisional, "source": "imported",
        })
        return done

    filed_at = _at(filed_on, rng.randint(8, 11), rng.randrange(60))
    for code in ("N02", "N03", "N04", "N13"):
        add_node(code, filed_at)
    done = add_node("N05", filed_at, late=0.03, never=0.003)
    for code in ("N06", "N07"):
        if done is None:
            break
        done = add_node(code, done, late=0.05, never=0.005)

    term_node = cat[TERM_NODE]
    term = term_due(cal, term_node, filed_on, suspensions=suspensions, extended_to=extended_to, today=today)
    nodes.append({
        "case_id": case_id, "node_code": TERM_NODE, "subject_id": "", "started_at": filed_at, "completed_at": closed_at,
        "stopped_at": None, "due_override": None, "due_at": term.at, "due_date": term.date,
        "provisional": term.provisional, "source": "imported",
    })

    def some_day(after: date, low: int, high: int) -> date | None:
        day = after + timedelta(days=rng.randint(low, high))
        return day if day <= end_day else None

    if rng.random() < 0.4 and (day := some_day(filed_on, 8, 30)):
        add_node("N11", _at(day, 10))
        add_node("N12", _at(day, 10), never=0.02)
    if closing_mode == TERMINATED:
        add_node("N14", _at(closed_on - timedelta(days=25), 10), never=0)
        add_node("N40", _at(closed_on - timedelta(days=15), 10), never=0)
        add_node("N41", _at(closed_on - timedelta(days=8), 10), never=0)

    # Frozen bank accounts (N20 due on the current expiry; released accounts have none).
    # 执保/执恢 cases often carry a freeze made before filing (preservation, the earlier case);
    # other freezes follow the first online control, or come later in a long case.
    frozen_on = None
    if case_type in ("执保", "执恢") and rng.random() < 0.8:
        frozen_on = filed_on - timedelta(days=rng.randint(20, 340))
    elif rng.random() < 0.25:
        frozen_on = some_day(filed_on, 2, 25 if rng.random() < 0.7 else max(25, age))
        if frozen_on is not None:
            add_node("N15", _at(frozen_on - timedelta(days=1), 15), completed=_at(frozen_on, 11))
    if frozen_on is not None:
        for _ in range(1 if rng.random() < 0.7 else 2):
            court.counters["account"] += 1
            account_id = f"ZH{court.counters['account']:08d}"
            expires = frozen_on + timedelta(days=365)
            # renewal (续冻) is done somewhere in the 30 days before expiry, and now and then forgotten
            renewed = None
            while (renewed or expires) - timedelta(days=rng.randint(1, 30)) <= today and rng.random() < 0.96:
                renewed = (renewed or expires) + timedelta(days=365)
            released = closed_on if closing_mode not in (None, TERMINATED) else None  # 终本 keeps its freezes
            rows["accounts"].append({
                "account_id": account_id, "case_id": case_id, "bank": rng.choice(BANKS),
                "account_no": f"{rng.randrange(10**15, 10**16)}{rng.randrange(100, 1000)}",
                "frozen_on": frozen_on, "expires_on": expires, "renewed_until": renewed, "released_on": released,
            })
            if released is None:
                add_node(RENEWAL_NODE, _at(frozen_on, 11), subject=account_id, expiry=renewed or expires, completed=None)

    # Seized assets: register within a day, start evaluation of vehicles and real estate within 7 days.
    if rng.random() < 0.15 and (seized_on := some_day(filed_on, 10, 60)):
        for _ in range(1 if rng.random() < 0.75 else 2):
            court.counters["asset"] += 1
            asset_id = f"CF{court.counters['asset']:08d}"
            kind = _pick(rng, ASSET_KINDS)
            seized_at = _at(seized_on, 14)
            add_node("N17" if kind == "不动产" else "N18", _at(seized_on - timedelta(days=2), 10), completed=_at(seized_on, 12))
            add_node("N19", seized_at, subject=asset_id, late=0.05)
            evaluation = None
            if kind in ("车辆", "不动产"):
                done = add_node("N21", seized_at, subject=asset_id, late=0.08, never=0.02)
                evaluation = local_date(done) if done else None
                for code in ("N22", "N23", "N24"):  # ownership, reference price, inspection
                    if done is None:
                        break
                    done = add_node(code, done, subject=asset_id, late=0.06, never=0.01)
            status = "已解封" if closing_mode == "执行完毕" and rng.random() < 0.5 else (
                "已成交" if closing_mode == "执行完毕" else "评估中" if evaluation else "待评估")
            rows["assets"].append({
                "asset_id": asset_id, "case_id": case_id, "kind": kind, "seized_on": seized_on,
                "location": rng.choice(LOCATIONS), "valuation": court.money(*VALUATION[kind]),
                "evaluation_started_on": evaluation, "disposal_status": status,
                "seal_expires_on": seized_on + timedelta(days=1095 if kind == "不动产" else 730),
            })

    # Leads supplied by a party: control within 24 hours.
    if rng.random() < 0.2:
        for _ in range(1 if rng.random() < 0.8 else 2):
            day = some_day(filed_on, 0, 60)
            if day is None:
                break
            court.counters["lead"] += 1
            lead_id = f"XS{court.counters['lead']:08d}"
            reported = _at(day, rng.randint(8, 17), rng.randrange(60))
            if reported > now:
                break
            control = add_node("N08", reported, subject=lead_id, late=0.06)
            rows["leads"].append({"lead_id": lead_id, "case_id": case_id, "reported_at": reported,
                                  "control_started_at": control, "description": rng.choice(("车辆", "房产", "银行账户", "股权", "到期债权"))})

    # Case funds: "3+7" (claim within 3 days, disburse within 10 days of arrival).
    if recovered > 0:
        parts = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        fen = int(recovered * 100)
        cuts = sorted(rng.randrange(1, fen) for _ in range(parts - 1)) if fen > parts else []
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, fen], strict=True)]
        latest = (closed_on - timedelta(days=12)) if closed_on else today
        for share in shares:
            if latest <= filed_on + timedelta(days=3):
                arrival_day = filed_on + timedelta(days=3)
            else:
                arrival_day = filed_on + timedelta(days=rng.randint(3, (latest - filed_on).days))
            arrived = _at(arrival_day, rng.randint(9, 16), rng.randrange(60))
            if arrived > now:
                continue
            court.counters["fund"] += 1
            fund_id = f"AK{court.counters['fund']:08d}"
            on_time = closed_on is not None
            claimed = add_node("N34", arrived, subject=fund_id, late=0.04 if not on_time else 0.02, never=0 if on_time else 0.01)
            disbursed = add_node("N38", arrived, subject=fund_id, late=0.06 if not on_time else 0.03, never=0 if on_time else 0.02)
            step = claimed
            for code in ("N35", "N36", "N37"):  # distribution, approval, online payment
                if step is None:
                    break
                step = add_node(code, step, subject=fund_id, late=0.03, never=0 if on_time else 0.01)
            if disbursed is not None:
                add_node("N39", disbursed, subject=fund_id, late=0.03, never=0.005)
            if disbursed is not None and claimed is None:
                claimed = arrived + (disbursed - arrived) / 3
            rows["funds"].append({"fund_id": fund_id, "case_id": case_id, "amount": Decimal(share).scaleb(-2),
                                  "arrived_at": arrived, "claimed_at": claimed, "disbursed_at": disbursed})

    # After closing: hand over, upload, archive, review; 终本 repeats the asset search.
    if closed_on is not None:
        done = add_node("N43", closed_at, late=0.05, never=0.01)
        if done is not None:
            add_node("N44", done, late=0.05, never=0.01)
        add_node("N45", closed_at, late=0.04, never=0.005)
        add_node("N46", closed_at, late=0.06, never=0.01)
        if closing_mode == TERMINATED:
            repeating = cat["N47"]
            for number in range(1, repeating.repeat + 1):
                start = repeat_start(closed_on, repeating, number)
                if start > today:
                    break
                add_node("N47", _at(start, 16, 30), subject=repeat_subject(number), late=0.08, never=0.01)
