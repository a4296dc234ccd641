"""The export contract of the ten source feeds: the one place ingest, dbt, demo data and docs read.

For every feed its folder, key, columns (Chinese header, English raw-layer name, kind,
required-ness, accepted codes), its cadence and its latest-version model. Nothing here does I/O;
the raw-layer DDL is derived from these definitions by :mod:`rolwh.core.warehouse`, dbt's
``_sources.yml`` and ``docs/contract.md`` by :mod:`rolwh.report.specdocs`.

Rules ingest applies to every file (each has one implementation, named here):

* **Whole files only.** A file is loaded whole or not at all: when a reader cannot account for
  every line or row, the file is quarantined with a reason that gives only its shape (line, row,
  sheet or column numbers, never a value):

  - csv: an odd number of double quotes whose last quote never closes (the reason names the line
    where that quote opened); a quoted field holding more than ``MAX_CELL_LINE_BREAKS`` line
    breaks, or a continuation line that holds a whole record's worth of delimiters (a quote that
    swallowed following records); a record with more fields than every one of the first records
    (an unquoted delimiter shifts its values). Line endings LF, CRLF and CR-only (old Mac
    exporters), also mixed, are all read, every line counted (``ingest.csv_reader``).
  - xlsx sheets: hidden sheets are never read. The only visible sheet holding data is read; when
    several visible sheets hold data, the one sheet whose leading rows hold the feed's header is
    read (with a notice naming its sheet number), else the file is quarantined as ambiguous
    ("N visible sheets hold data: keep one sheet"). No visible sheet with data: quarantined.
  - more than ``MAX_COLUMNS`` columns in a sheet or csv: quarantined.
* **Invisible characters.** ``INVISIBLE_CHARACTERS`` (BOM U+FEFF, zero-width U+200B..U+200D and
  U+2060, bidi controls U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) are removed from every
  cell ingest parses (keys, codes, ID numbers and phones before their HMAC, dates, numbers, free
  text; names are dropped anyway) and from header cells (:func:`normalise_header`), by one rule:
  the SQL macro ``rolwh_visible`` in ``ingest.parse_sql``. A key typed with a zero-width prefix
  is the same record, an ID number with one the same person (one pseudonym). The audit row's
  notice counts the cleaned cells ("invisible characters removed from N cells (rows …; columns …)").
* **Personal data in free text.** In free-text columns (``FREE_TEXT_KINDS``: TEXT, COMMUNITY,
  GRID) every maximal digit run that is an 18-character resident ID number with a valid
  GB 11643 check character becomes ``ID_MASK`` and every mainland mobile number
  (``1[3-9]`` + 9 digits, optionally after 86) becomes ``PHONE_MASK``, before the raw layer
  (SQL macro ``rolwh_mask_free_text``). A digit run longer than the number (an account number,
  a serial) is left alone. The notice counts the masks per file.
* **Approximate quantities** (hand-kept ledgers, ``Column.approximate``): a whole number written
  with 「约」 before it or 「余」 after it ("约50", "50余") is taken as that number (50) and flagged in
  ``<name>_is_approx`` (true; false for an exact number), never a silent guess; the audit row's
  notice names the rows and the column ("approximate quantities (约N / N余) taken as their number
  and flagged in N cells (rows …; columns 数量)"). Other ledger dirt is handled by the general rules: merged title rows
  above the header (header search), dates written 2024.3.5 (any contract date), blank trailing rows
  (skipped).
* **Versions of one record** (the staging latest-version models, dbt macro
  ``latest_version_qualify``): the latest version is the one with the latest 更新时间 (feeds
  that have it), then the latest export date (from the file name), then the **latest delivery**
  (``_loaded_at``: the order in which ingest committed the files; in one run files are taken in
  name order), then the last row of the file. So a corrected export delivered again under the
  same export date wins over the earlier delivery, whatever its file name.

Why one module over 400 lines: about half of it is the ``FEEDS`` table, the ten feeds'
declarations, kept together so the whole contract reads (and is reviewed) as one page; the code
around it (kinds, limits, ``Column``, ``Feed``, header and key normalising) is what those
declarations are written in, and nothing here does I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column's cell is parsed and what the raw layer stores for it."""

    TEXT = "text"  # trimmed text, blank = NULL
    KEY = "key"  # identifier: NFKC, all white space removed
    DATE = "date"  # any contract date format -> DATE
    DATETIME = "datetime"  # any contract datetime format -> TIMESTAMP (local time)
    DECIMAL = "decimal"  # thousands separators allowed -> DECIMAL(18, 2)
    INT = "int"  # whole number -> INTEGER
    CODE = "code"  # one of Column.codes
    COMMUNITY = "community"  # free text, matched to the community list in dbt staging
    GRID = "grid"  # dispatch grid name; community is the part before 第N网格 / N网格
    PII_NAME = "pii_name"  # dropped at ingest
    PII_ID = "pii_id"  # resident ID -> <name>_pid (HMAC) + <name>_valid (check character)
    PII_ID_LIST = "pii_id_list"  # several IDs joined by 、，,; -> <name>_pids VARCHAR[]
    PII_PHONE = "pii_phone"  # digits only, +86 dropped, masked = missing -> <name>_pid
    PII_STAFF = "pii_staff"  # staff number -> <name>_pid


#: Kinds whose cells are free text: ID numbers and mobile numbers in them are masked at ingest.
FREE_TEXT_KINDS = frozenset({Kind.TEXT, Kind.COMMUNITY, Kind.GRID})


#: Values starting with one of these in the key cell mark footer rows (skipped, not rejected).
FOOTER_PREFIXES: tuple[str, ...] = ("合计", "总计", "小计", "备注", "制表")
#: Separators between several parties' ID numbers in one cell (after NFKC).
ID_LIST_SEPARATORS = "、，,;；"
#: How many leading rows are searched for the header row.
HEADER_SEARCH_ROWS = 10
#: A file with more than this share of its data rows rejected is quarantined whole.
MAX_REJECTED_SHARE = 0.20
#: Files above this size are quarantined unread.
MAX_FILE_BYTES = 200 * 1024 * 1024
#: An xlsx whose uncompressed parts exceed this is quarantined unread (zip bombs).
MAX_XLSX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
#: More columns than this in a sheet or csv: quarantined (no export of the contract comes near).
MAX_COLUMNS = 200
#: A quoted csv field holding more line breaks than this is taken for an unclosed quote.
MAX_CELL_LINE_BREAKS = 20
#: Invisible characters removed from every parsed cell and header cell (a regex character class,
#: the same text in Python ``re`` and DuckDB's RE2): BOM, zero-width, bidi controls.
INVISIBLE_CHARACTERS = "[\ufeff\u200b-\u200d\u2060\u200e\u200f\u202a-\u202e\u2066-\u2069]"
#: A free-text cell can hold an ID or mobile number only if it holds this (11 digits in a row).
FREE_TEXT_PII_GUARD = "[0-9]{11}"
#: What a resident ID number / a mobile number typed into a free-text column becomes.
ID_MASK = "[身份证号]"
PHONE_MASK = "[手机号]"
#: Accepted file suffixes (lower case).
FILE_SUFFIXES: tuple[str, ...] = (".xlsx", ".csv")
#: Export date in a file name: 8 digits YYYYMMDD not part of a longer digit run.
EXPORT_DATE_PATTERN = re.compile(r"(?<!\d)(\d{8})(?!\d)")


@dataclass(frozen=True)
class RequiredWhen:
    """A column required only when another column holds (or does not hold) certain codes."""

    column: str  # English name of the deciding column
    values: tuple[str, ...]
    negate: bool = False  # True: required unless the deciding column holds one of ``values``

    def describe(self, feed: Feed) -> str:
        header = feed.column(self.column).header
        joined = "|".join(self.values)
        return f"{'unless' if self.negate else 'when'} {header} = {joined}"


@dataclass(frozen=True)
class Column:
    """One column of an export, as the contract defines it."""

    header: str  # canonical Chinese header (already NFKC-normalised, no white space)
    name: str  # English raw-layer name (for PII kinds: the stem of the stored columns)
    kind: Kind
    required: bool = False
    codes: tuple[str, ...] = ()
    blank_default: str | None = None  # value a blank cell stands for (e.g. 否, 正常, 1)
    required_when: RequiredWhen | None = None
    min_value: float | None = None
    max_value: float | None = None
    approximate: bool = False  # INT only: 「约」N / N「余」 accepted, flagged in <name>_is_approx

    @property
    def is_pii(self) -> bool:
        return self.kind.value.startswith("pii_")

    def raw_columns(self) -> tuple[tuple[str, str], ...]:
        """(name, DuckDB type) of what the raw layer stores for this column."""
        match self.kind:
            case Kind.PII_NAME:
                return ()
            case Kind.PII_ID:
                return ((f"{self.name}_pid", "VARCHAR"), (f"{self.name}_valid", "BOOLEAN"))
            case Kind.PII_ID_LIST:
                return ((f"{self.name}_pids", "VARCHAR[]"), (f"{self.name}_invalid_count", "INTEGER"))
            case Kind.PII_PHONE | Kind.PII_STAFF:
                return ((f"{self.name}_pid", "VARCHAR"),)
            case Kind.DATE:
                return ((self.name, "DATE"),)
            case Kind.DATETIME:
                return ((self.name, "TIMESTAMP"),)
            case Kind.DECIMAL:
                return ((self.name, "DECIMAL(18,2)"),)
            case Kind.INT if self.approximate:
                return ((self.name, "INTEGER"), (f"{self.name}_is_approx", "BOOLEAN"))
            case Kind.INT:
                return ((self.name, "INTEGER"),)
            case _:
                return ((self.name, "VARCHAR"),)


@dataclass(frozen=True)
class Feed:
    """One export feed: a folder of the landing area and a table of the raw layer."""

    name: str  # folder under the landing area and table name in schema raw
    system: str
    title_zh: str
    key: tuple[str, ...]  # English column names of the record key
    columns: tuple[Column, ...]
    usual_format: str
    snapshot: bool = False  # each export is the full state (roster); versions kept side by side
    cadence_months: int | None = 1  # longest allowed gap between exports; None = event-driven
    has_updated_at: bool = True
    example_file_name: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # The dbt staging model holding the latest version of each record (schema staging) and its key
    # there; None for a feed that only lands and stages (no latest-version model, nothing reads it).
    latest_model: str | None = None
    latest_key: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def latest_relation(self) -> str | None:
        """``staging.<latest_model>``: where key uniqueness after latest-wins is checked."""
        return f"staging.{self.latest_model}" if self.latest_model else None

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"feed {self.name} has no column {name!r}")

    @property
    def required_headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)

    @property
    def headers(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}

    def raw_columns(self) -> tuple[tuple[str, str], ...]:
        """(name, type) of the raw table: contract columns then lineage columns."""
        cols: list[tuple[str, str]] = []
        for c in self.columns:
            cols.extend(c.raw_columns())
        return (*cols, *LINEAGE_COLUMNS)


#: Lineage columns on every raw table: where each row came from.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_file_name", "VARCHAR"),  # name as delivered, no folder
    ("_file_sha256", "VARCHAR"),
    ("_export_date", "DATE"),
    ("_row_number", "INTEGER"),  # 1-based row in the file (spreadsheet row / csv record)
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)

YES_NO = ("是", "否")
RECORD_STATUS = ("正常", "作废")
C = Column  # short alias for the tables below
R = True

FEEDS: tuple[Feed, ...] = (
    Feed(
        name="court_referrals",
        latest_model="stg_court__referrals",
        latest_key=("referral_id",),
        system="人民法院调解平台",
        title_zh="委托诉前调解案件",
        key=("case_no",),
        usual_format="xlsx",
        example_file_name="诉前调解案件导出_20240331.xlsx",
        columns=(
            C("案号", "case_no", Kind.KEY, R),
            C("委托日期", "referred_date", Kind.DATE, R),
            C("案由", "cause", Kind.TEXT),
            C("申请人", "applicant_name", Kind.PII_NAME),
            C("申请人证件号码", "applicant_id", Kind.PII_ID),
            C("申请人联系电话", "applicant_phone", Kind.PII_PHONE),
            C("被申请人", "respondent_name", Kind.PII_NAME),
            C("标的金额(元)", "claim_amount", Kind.DECIMAL, min_value=0),
            C("所属社区", "community_raw", Kind.COMMUNITY),
            C("调解员", "mediator", Kind.TEXT),
            C("调解方式", "mediation_mode", Kind.CODE, R, codes=("线下调解", "线上调解")),
            C(
                "调解状态",
                "mediation_status",
                Kind.CODE,
                R,
                codes=("调解中", "调解成功", "调解不成功", "撤回", "退回法院"),
            ),
            C(
                "结案日期",
                "closed_date",
                Kind.DATE,
                required_when=RequiredWhen("mediation_status", ("调解中",), negate=True),
            ),
            C("司法确认", "judicial_confirmation", Kind.CODE, codes=YES_NO),
            C("数据研判复盘", "data_review", Kind.CODE, codes=YES_NO, blank_default="否"),
            C("更新时间", "updated_at", Kind.DATETIME, R),
        ),
    ),
    Feed(
        name="petitions",
        latest_model="stg_petition__petitions",
        latest_key=("petition_id",),
        system="信访系统",
        title_zh="信访事项",
        key=("petition_no",),
        usual_format="xlsx or csv",
        example_file_name="信访事项导出_20240331.xlsx",
        columns=(
            C("信访件编号", "petition_no", Kind.KEY, R),
            C("登记日期", "registered_date", Kind.DATE, R),
            C("信访形式", "petition_form", Kind.CODE, codes=("来信", "来访", "网上信访", "电话")),
            C("信访人", "petitioner_name", Kind.PII_NAME),
            C("证件号码", "petitioner_id", Kind.PII_ID),
            C("联系电话", "petitioner_phone", Kind.PII_PHONE),
            C("涉及人数", "people_involved", Kind.INT, blank_default="1", min_value=1),
            C("问题类别", "issue_category", Kind.TEXT),
            C("所属社区", "community_raw", Kind.COMMUNITY),
            C("受理状态", "acceptance_status", Kind.CODE, R, codes=("待受理", "受理", "不予受理", "转送")),
            C("告知日期", "notified_date", Kind.DATE),
            C("办结日期", "closed_date", Kind.DATE),
            C("办理状态", "handling_status", Kind.CODE, R, codes=("办理中", "已办结")),
            C("满意度", "satisfaction", Kind.CODE, codes=("满意", "基本满意", "不满意", "未评价")),
            C("记录状态", "record_status", Kind.CODE, codes=("正常", "作废"), blank_default="正常"),
            C("更新时间", "updated_at", Kind.DATETIME, R),
        ),
    ),
    Feed(
        name="disputes",
        latest_model="stg_petition__disputes",
        latest_key=("dispute_id",),
        system="矛盾纠纷排查化解系统",
        title_zh="矛盾纠纷排查化解台账",
        key=("dispute_no",),
        usual_format="xlsx",
        example_file_name="矛盾纠纷台账_20240331.xlsx",
        columns=(
            C("纠纷编号", "dispute_no", Kind.KEY, R),
            C("登记日期", "registered_date", Kind.DATE, R),
            C(
                "纠纷来源",
                "dispute_source",
                Kind.CODE,
                R,
                codes=("排查发现", "群众来访", "网格上报", "法院委托", "部门移交", "12345转办"),
            ),
            C(
                "纠纷类型",
                "dispute_type",
                Kind.CODE,
                codes=(
                    "婚姻家庭",
                    "邻里纠纷",
                    "物业纠纷",
                    "劳资纠纷",
                    "合同纠纷",
                    "土地林地",
                    "损害赔偿",
                    "其他",
                ),
            ),
            C("纠纷等级", "dispute_level", Kind.CODE, R, codes=("一般", "较大", "重大")),
            C("所属社区", "community_raw", Kind.COMMUNITY),
            C("当事人", "party_names", Kind.PII_NAME),
            C("当事人证件号码", "party_id", Kind.PII_ID_LIST),
            C("调解组织", "mediation_org", Kind.TEXT),
            C("化解状态", "resolution_status", Kind.CODE, R, codes=("化解中", "已化解", "未化解")),
            C(
                "化解日期",
                "resolved_date",
                Kind.DATE,
                required_when=RequiredWhen("resolution_status", ("已化解",)),
            ),
            C("是否立卷", "has_dossier", Kind.CODE, codes=YES_NO, blank_default="否"),
            C("记录状态", "record_status", Kind.CODE, codes=("正常", "作废"), blank_default="正常"),
            C("更新时间", "updated_at", Kind.DATETIME, R),
        ),
    ),
    Feed(
        name="dispatch_events",
        latest_model="stg_command_centre__dispatch_events",
        latest_key=("event_id",),
        system="基层治理指挥中心",
        title_zh="指挥中心事件",
        key=("event_no",),
        usual_format="csv, GB18030",
        has_updated_at=False,
        example_file_name="指挥中心事件_20240331.csv",
        columns=(
            C("事件编号", "event_no", Kind.KEY, R),
            C("事件类型", "event_type", Kind.TEXT),
            C("所属网格", "grid_raw", Kind.GRID, R),
            C("上报时间", "reported_at", Kind.DATETIME, R),
            C("调度时间", "dispatched_at", Kind.DATETIME),
            C("到场时间", "arrived_at", Kind.DATETIME),
            C("初处置时间", "first_handled_at", Kind.DATETIME),
            C("是否需到场", "needs_arrival", Kind.CODE, R, codes=YES_NO),
            C("处置状态", "handling_status", Kind.CODE, R, codes=("处置中", "已办结", "已退回")),
        ),
    ),
    Feed(
        name="study_sessions",
        latest_model="stg_training__study_sessions",
        latest_key=("session_id",),
        system="学法培训系统",
        title_zh="学法培训活动",
        key=("session_no",),
        usual_format="xlsx",
        has_updated_at=False,
        example_file_name="学法活动_20240331.xlsx",
        columns=(
            C("活动编号", "session_no", Kind.KEY, R),
            C("活动日期", "session_date", Kind.DATE, R),
            C(
                "活动类型",
                "session_type",
                Kind.CODE,
                R,
                codes=(
                    "会前学法",
                    "法治专题讲座",
                    "理论学习中心组学习",
                    "调解员轮训",
                    "执法人员培训",
                    "其他",
                ),
            ),
            C("主题", "topic", Kind.TEXT),
            C("主讲人", "speaker", Kind.TEXT),
            C("参加人数", "attendees", Kind.INT, R, min_value=0),
            C("组织科室", "organiser", Kind.TEXT),
        ),
    ),
    Feed(
        name="exam_results",
        latest_model="stg_training__exam_results",
        latest_key=("exam_result_id",),
        system="学法考试平台",
        title_zh="考试成绩",
        key=("exam_name", "person_pid"),
        usual_format="csv, UTF-8 with BOM",
        cadence_months=None,
        has_updated_at=False,
        example_file_name="考试成绩_20240630.csv",
        columns=(
            C("考试名称", "exam_name", Kind.TEXT, R),
            C("考试类别", "exam_category", Kind.CODE, R, codes=("法治理论考试", "行政执法资格考试")),
            C("考试日期", "exam_date", Kind.DATE, R),
            C("人员编号", "person", Kind.PII_STAFF, R),
            C("姓名", "person_name", Kind.PII_NAME),
            C("身份证号", "person_id", Kind.PII_ID),
            C("所在科室", "department", Kind.TEXT),
            C("应考", "is_required", Kind.CODE, R, codes=YES_NO),
            C("参考状态", "attendance_status", Kind.CODE, R, codes=("已参考", "缺考", "免考")),
            C("成绩", "score", Kind.DECIMAL, min_value=0, max_value=100),
            C("是否合格", "pass_status", Kind.CODE, codes=("合格", "不合格")),
        ),
    ),
    Feed(
        name="enforcement_officers",
        latest_model="stg_training__enforcement_officers",
        latest_key=("snapshot_date", "person_pid"),
        system="行政执法人员管理系统",
        title_zh="行政执法人员名册",
        key=("person_pid",),
        usual_format="xlsx",
        snapshot=True,
        cadence_months=3,
        has_updated_at=False,
        example_file_name="执法人员名册_20240331.xlsx",
        columns=(
            C("人员编号", "person", Kind.PII_STAFF, R),
            C("姓名", "person_name", Kind.PII_NAME),
            C("身份证号", "person_id", Kind.PII_ID),
            C("执法岗位", "is_enforcement_post", Kind.CODE, R, codes=YES_NO),
            C("执法证号", "certificate_no", Kind.TEXT),
            C("发证日期", "certificate_issued_date", Kind.DATE),
            C("有效期至", "certificate_valid_until", Kind.DATE),
            C("证件状态", "certificate_status", Kind.CODE, R, codes=("有效", "注销", "暂扣")),
        ),
    ),
    Feed(
        name="legal_advisor_services",
        latest_model="stg_legal_advisor__services",
        latest_key=("service_id",),
        system="法律顾问服务台账",
        title_zh="法律顾问服务台账",
        key=("service_no",),
        usual_format="xlsx (hand-kept ledger)",
        cadence_months=3,
        example_file_name="法律顾问服务台账_20240331.xlsx",
        columns=(
            C("服务编号", "service_no", Kind.KEY, R),
            C("服务日期", "service_date", Kind.DATE, R),
            C("服务对象", "client_level", Kind.CODE, R, codes=("街道", "村居")),
            C(
                "所属社区",
                "community_raw",
                Kind.COMMUNITY,
                required_when=RequiredWhen("client_level", ("村居",)),
            ),
            C(
                "服务类型",
                "service_type",
                Kind.CODE,
                R,
                codes=("合同审查", "法律文书审查", "法律意见", "电话咨询", "现场咨询", "法治讲座", "其他"),
            ),
            C("数量", "quantity", Kind.INT, R, blank_default="1", min_value=1, approximate=True),
            C("律师事务所", "law_firm", Kind.TEXT),
            C("律师", "lawyer", Kind.TEXT),
            C("咨询人", "client_name", Kind.PII_NAME),
            C("联系电话", "client_phone", Kind.PII_PHONE),
            C("记录状态", "record_status", Kind.CODE, codes=RECORD_STATUS, blank_default="正常"),
            C("更新时间", "updated_at", Kind.DATETIME),
        ),
    ),
    Feed(
        name="village_legal_advisors",
        latest_model="stg_legal_advisor__village_advisors",
        latest_key=("snapshot_date", "community_raw", "lawyer"),
        system="法律顾问服务台账",
        title_zh="村居法律顾问名册",
        key=("community_raw", "lawyer"),
        usual_format="xlsx (hand-kept roster)",
        snapshot=True,
        cadence_months=3,
        has_updated_at=False,
        example_file_name="村居法律顾问名册_20240331.xlsx",
        columns=(
            C("所属社区", "community_raw", Kind.COMMUNITY, R),
            C("律师事务所", "law_firm", Kind.TEXT, R),
            C("律师", "lawyer", Kind.TEXT, R),
            C("执业证号", "licence_no", Kind.PII_STAFF),
            C("联系电话", "lawyer_phone", Kind.PII_PHONE),
            C("聘任起始日期", "appointed_from", Kind.DATE, R),
            C("聘任终止日期", "appointed_until", Kind.DATE),
        ),
    ),
    Feed(
        name="publicity_activities",
        latest_model="stg_publicity__activities",
        latest_key=("activity_id",),
        system="普法宣传台账",
        title_zh="普法宣传台账",
        key=("activity_no",),
        usual_format="xlsx (hand-kept ledger)",
        cadence_months=3,
        example_file_name="普法宣传台账_20240331.xlsx",
        columns=(
            C("活动编号", "activity_no", Kind.KEY, R),
            C("活动日期", "activity_date", Kind.DATE, R),
            C(
                "活动类型",
                "activity_type",
                Kind.CODE,
                R,
                codes=(
                    "主题法治宣传活动",
                    "法治讲座",
                    "悬挂宣传标语",
                    "发放宣传资料",
                    "LED屏播放",
                    "庭审旁听",
                    "其他",
                ),
            ),
            C("主题", "theme", Kind.TEXT),
            C("所属社区", "community_raw", Kind.COMMUNITY),
            C("对象群体", "audience", Kind.TEXT),
            C("数量", "quantity", Kind.INT, R, min_value=0, approximate=True),
            C("单位", "unit", Kind.CODE, R, codes=("次", "场", "条", "份", "人次")),
            C("组织科室", "organiser", Kind.TEXT),
            C("记录状态", "record_status", Kind.CODE, codes=RECORD_STATUS, blank_default="正常"),
            C("更新时间", "updated_at", Kind.DATETIME),
        ),
    ),
)

FEEDS_BY_NAME: dict[str, Feed] = {f.name: f for f in FEEDS}


def feed(name: str) -> Feed:
    """The feed called ``name``; a clear error naming the known feeds otherwise."""
    try:
        return FEEDS_BY_NAME[name]
    except KeyError:
        known = ", ".join(FEEDS_BY_NAME)
        raise KeyError(f"unknown feed {name!r}; the contract knows: {known}") from None


_NOT_PART_OF_A_HEADER = re.compile(r"\s+|" + INVISIBLE_CHARACTERS)


def normalise_header(text: object) -> str:
    """A header cell as the contract matches it: NFKC, white space and invisible characters removed."""
    if text is None:
        return ""
    return _NOT_PART_OF_A_HEADER.sub("", unicodedata.normalize("NFKC", str(text)))


def normalise_key(text: str) -> str:
    """A key value as the contract compares it: NFKC, every white space removed."""
    return normalise_header(text)
