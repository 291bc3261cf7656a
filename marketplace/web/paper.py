"""Paper, for the API and the pages alike: a deal's contract as PDF, and its 技术合同登记
pack as PDF and XLSX, from the facts deals/paper.py gathers.

The documents are Chinese (they go to the parties' seals and to the registration office),
whatever the language of the page that links them. PDFs are drawn with ReportLab in
WenQuanYi Zen Hei (fonts/, GB 2312 characters), a subset of which is embedded in each
PDF, so every reader shows the Chinese; the text stays text (searchable, extractable). Every page of the contract carries the terms hash, so a page
can be matched to the confirmed version on its own.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response
from flask_babel import force_locale

from marketplace.core.localtime import fmt_day
from marketplace.core.money import format_major
from marketplace.deals import paper
from marketplace.extensions import db
from marketplace.web.auth import current_actor
from marketplace.web.i18n import label

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "WenQuanYiZenHei"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-zenhei-gb2312.ttf"

CONTRACT_TYPE_ZH = {
    "transfer": "技术转让",
    "license": "技术许可",
    "development": "技术开发",
    "consulting": "技术咨询",
    "service": "技术服务",
}
SUBTYPE_ZH = {
    "patent_assignment": "专利权转让",
    "patent_application_assignment": "专利申请权转让",
    "patent_license": "专利实施许可",
    "know_how_transfer": "技术秘密转让",
    "know_how_license": "技术秘密使用许可",
    "cooperative_development": "合作开发",
}
IP_TYPE_ZH = {
    "invention_patent": "发明专利",
    "utility_model_patent": "实用新型专利",
    "design_patent": "外观设计专利",
    "know_how": "技术秘密",
}
# What each side is called in a contract of each type (甲方 first: the one who pays).
SIDES_ZH = {
    "transfer": ("受让方", "让与方"),
    "license": ("被许可方", "许可方"),
    "development": ("委托方", "研究开发方"),
}


# Facts as text --------------------------------------------------------------------------


def _money(minor: int, currency: str) -> str:
    amount = format_major(minor, currency)
    return f"{amount} 元" if currency == "CNY" else f"{amount} {currency}"


def _rate(bp: int) -> str:
    return f"{bp / 100:g}%"


def _zh(vocabulary: str, code: str) -> str:
    with force_locale("zh_CN"):
        return label(vocabulary, code)


def contract_number(facts: paper.ContractFacts) -> str:
    return f"TM-{facts.deal_id}-V{facts.terms.number}"


def _party_rows(facts: paper.ContractFacts, sides: tuple[str, str]) -> list[tuple[str, str]]:
    rows = []
    for side, party in zip(("甲方", "乙方"), (facts.buyer, facts.supplier), strict=True):
        title = sides[0] if party is facts.buyer else sides[1]
        rows += [
            (f"{side}（{title}）", party.name),
            ("统一社会信用代码", party.credit_code or "（未填写）"),
            (
                "机构类型 / 所在地区",
                f"{_zh('organization_kind', party.kind)} / {party.region or '—'}",
            ),
        ]
    if facts.broker_name:
        rows.append(("技术经纪人", facts.broker_name))
        rows.append(("经纪人证书编号", facts.broker_certificate or "—"))
        if facts.broker_org is not None:
            rows.append(("经纪机构", facts.broker_org.name))
            rows.append(("经纪机构统一社会信用代码", facts.broker_org.credit_code or "（未填写）"))
    return rows


def _arbitration(facts: paper.ContractFacts) -> str:
    terms = facts.terms
    base = (
        "买方对某一里程碑的交付有异议的，可在验收前就该里程碑提出争议并说明理由；"
        "争议期间该里程碑对应的托管资金不予放款。"
    )
    if terms.broker_may_arbitrate and facts.broker_name:
        who = f"由本合同载明的技术经纪人{facts.broker_name}或平台运营方"
    else:
        who = "由平台运营方"
    return (
        base + f"{who}依平台规则裁决：全额放款给卖方、全额退还买方，或按裁决金额部分放款、"
        "其余退还买方。裁决以平台账本记录执行。"
    )


# PDF --------------------------------------------------------------------------------------


def _styles():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1),
        "h": ParagraphStyle("h", parent=body, fontSize=12, leading=20, spaceBefore=8),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=12),
    }


def _pdf(title: str, build: Callable[[dict], list], footer: str) -> bytes:
    """A PDF of the flowables ``build`` returns; ``footer`` (with the page number) on
    every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    styles = _styles()
    buffer = io.BytesIO()

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="TechMarket 科技大市场",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
    )
    doc.build(build(styles), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _table(rows: list[list[Any]], styles: dict, widths: list[float], header: bool = False):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = [[Paragraph(_escape(str(v)), styles["body"]) for v in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(commands))
    return table


def _escape(text: str) -> str:
    """Paragraphs read a little markup: user text is escaped (and line breaks kept)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )


def contract_pdf(facts: paper.ContractFacts) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    terms = facts.terms
    kind = paper.CONTRACT_TYPE_OF_MODE[terms.transfer_mode]
    sides = SIDES_ZH.get(kind, ("买方", "卖方"))
    fee, commission = facts.fee_and_commission
    currency = terms.currency

    def build(s: dict) -> list:
        p = lambda text, style="body": Paragraph(_escape(text), s[style])  # noqa: E731
        out = [
            p(f"{CONTRACT_TYPE_ZH[kind]}合同", "title"),
            p(
                f"合同编号：{contract_number(facts)}　　交易 #{facts.deal_id}　　"
                f"条款第 {terms.number} 版，双方于 {fmt_day(facts.agreed_at)} 确认"
            ),
            p(f"条款哈希（SHA-256）：{facts.terms_hash}", "small"),
            Spacer(1, 4 * mm),
            p("一、当事人", "h"),
            _table([list(r) for r in _party_rows(facts, sides)], s, [55 * mm, 119 * mm]),
            p("二、合同标的", "h"),
            p(
                f"{label_item(facts)}：{facts.item_title}（技术领域：{_zh('domain', facts.domain)}）"
            ),
        ]
        if facts.patents:
            rows = [["专利号", "专利类型", "法律状态", "专利权人 / 申请人"]] + [
                [
                    pat.number,
                    _zh("patent_type", pat.patent_type),
                    _zh("legal_status", pat.legal_status),
                    pat.applicant or "—",
                ]
                for pat in facts.patents
            ]
            out.append(_table(rows, s, [45 * mm, 30 * mm, 30 * mm, 69 * mm], header=True))
        else:
            out.append(p("本合同标的不涉及专利，以技术秘密（技术资料、工艺、诀窍）为标的。"))
        out += [
            p("三、转让方式", "h"),
            p(f"{_zh('transfer_mode', terms.transfer_mode)}。"),
            p("四、价款", "h"),
            p(
                f"合同总价款为 {_money(terms.price, currency)}（币种 {currency}），"
                "由甲方一次性付入平台托管账户，按下列里程碑经甲方验收后放款给乙方。"
            ),
            p("五、里程碑", "h"),
            _table(
                [["序号", "里程碑", "金额", "约定完成日期"]]
                + [
                    [
                        str(i),
                        m["title"],
                        _money(int(m["amount"]), currency),
                        m.get("due_date") or "—",
                    ]
                    for i, m in enumerate(facts.milestones, start=1)
                ],
                s,
                [15 * mm, 85 * mm, 42 * mm, 32 * mm],
                header=True,
            ),
            p("六、平台服务费与经纪佣金", "h"),
            p(
                f"平台服务费率 {_rate(terms.platform_fee_bp)}，按各里程碑放款金额计取，合计 "
                f"{_money(fee, currency)}。"
                + (
                    f"技术经纪人佣金率 {_rate(terms.commission_bp)}，合计 {_money(commission, currency)}。"
                    if terms.commission_bp
                    else "本交易无经纪佣金。"
                )
                + "费用与佣金在放款时从该里程碑金额中扣除（向下取整到分），余额付给乙方。"
            ),
            p("七、争议解决", "h"),
            p(_arbitration(facts)),
        ]
        if terms.note.strip():
            out += [p("八、其他约定", "h"), p(terms.note)]
        out += [
            p("确认与签章", "h"),
            p(
                "双方已在平台上以上述条款哈希确认本版本条款；本文件由平台依所确认版本生成，"
                "内容与哈希不符者无效。"
            ),
            _table(
                [["甲方（盖章）", "乙方（盖章）"], ["\n\n日期：", "\n\n日期："]],
                s,
                [87 * mm, 87 * mm],
            ),
        ]
        return out

    footer = f"{contract_number(facts)} · 条款哈希 {facts.terms_hash}"
    return _pdf(f"{CONTRACT_TYPE_ZH[kind]}合同 {contract_number(facts)}", build, footer)


def label_item(facts: paper.ContractFacts) -> str:
    kind = {"listing": "技术成果", "challenge": "揭榜挂帅榜单"}.get(facts.item_kind, "技术需求")
    return f"{kind} #{facts.item_id}"


# 技术合同登记 -------------------------------------------------------------------------------


def registration_rows(reg: paper.RegistrationFacts) -> list[tuple[str, str]]:
    """The registration form's fields, in its order, as (field, pre-filled value)."""
    c = reg.contract
    currency = c.terms.currency
    sides = SIDES_ZH.get(reg.contract_type, ("买方", "卖方"))
    rows = [
        ("合同名称", f"{c.title}{CONTRACT_TYPE_ZH[reg.contract_type]}合同"),
        ("合同编号", contract_number(c)),
        ("合同类型", CONTRACT_TYPE_ZH[reg.contract_type]),
        ("合同类型（细分）", SUBTYPE_ZH[reg.contract_subtype]),
        ("成交金额", _money(reg.contract_amount, currency)),
        ("技术交易额", _money(reg.technology_amount, currency)),
        ("技术领域", _zh("domain", c.domain)),
        ("知识产权类型", "、".join(IP_TYPE_ZH[t] for t in reg.ip_types)),
        ("专利号", "、".join(p.number for p in c.patents) or "—"),
        (f"卖方（{sides[1]}）", c.supplier.name),
        ("卖方统一社会信用代码", c.supplier.credit_code or "（未填写）"),
        ("卖方所在地区", c.supplier.region or "—"),
        (f"买方（{sides[0]}）", c.buyer.name),
        ("买方统一社会信用代码", c.buyer.credit_code or "（未填写）"),
        ("买方所在地区", c.buyer.region or "—"),
        ("技术经纪人", c.broker_name or "—"),
        ("签订日期", fmt_day(c.agreed_at)),
        ("条款哈希", c.terms_hash),
    ]
    return rows


REGISTRATION_NOTE = (
    "本表依平台上双方确认的合同条款预填，供技术合同登记使用。技术交易额按成交金额预填："
    "合同价款中如含设备、原材料等非技术性费用，应按技术合同认定规则扣除后再行申报。"
)


def registration_pdf(reg: paper.RegistrationFacts) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    def build(s: dict) -> list:
        return [
            Paragraph("技术合同登记信息表（预填）", s["title"]),
            Paragraph(_escape(REGISTRATION_NOTE), s["small"]),
            _table(
                [["栏目", "填写内容"]] + [list(r) for r in registration_rows(reg)],
                s,
                [50 * mm, 124 * mm],
                header=True,
            ),
        ]

    footer = f"{contract_number(reg.contract)} · 条款哈希 {reg.contract.terms_hash}"
    return _pdf("技术合同登记信息表", build, footer)


def registration_xlsx(reg: paper.RegistrationFacts) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "技术合同登记"
    sheet.append(["栏目", "填写内容"])
    for name, value in registration_rows(reg):
        # A leading = + - @ would be read as a formula by spreadsheet programs.
        safe = "'" + value if value[:1] in "=+-@" else value
        sheet.append([name, safe])
    sheet.append([])
    sheet.append(["说明", REGISTRATION_NOTE])
    sheet["A1"].font = sheet["B1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 70
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Downloads ----------------------------------------------------------------------------------


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def contract_download(deal_id: int) -> Response:
    facts = paper.contract_facts(db.session, current_actor(), deal_id)
    return _download(contract_pdf(facts), PDF, f"contract-{contract_number(facts)}.pdf")


def registration_download(deal_id: int, fmt: str) -> Response:
    reg = paper.registration_facts(db.session, current_actor(), deal_id)
    name = f"registration-{contract_number(reg.contract)}.{fmt}"
    if fmt == "xlsx":
        return _download(registration_xlsx(reg), XLSX, name)
    return _download(registration_pdf(reg), PDF, name)
