"""The sources behind the retention rules, and how far each was checked.

The project keeps copies of the two PPC guidelines (事業者編, 行政機関等編; 令和7年6月一部
改正) and the My Number Act (e-Gov, 2025-09) in its shared legal folder. A citation is
one of three kinds, and a rule's source says which:

- ``SHARED``: the passage is in those copies, at the section named, and ``quote`` is an
  exact phrase of it (tests/test_retention_citations.py finds it there).
- ``NAMED_ONLY``: those copies name the article for this document, but not what the rule
  takes from it (a deadline, a period): that part was written from the statute and must
  be checked on e-Gov.
- ``OUTSIDE``: the statute is not in those copies at all: written from the statute
  itself, to be checked on e-Gov before anyone relies on it. Nothing is quoted for these,
  so that no text is put in a statute's mouth.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Checked(StrEnum):
    SHARED = "shared/legal 照合済"
    NAMED_ONLY = "shared/legal は条名の引用のみ・内容は e-Gov で要確認"
    OUTSIDE = "shared/legal に本文なし・e-Gov で要確認"


BUSINESS = "ppc-guideline-business.txt"
GOVERNMENT = "ppc-guideline-government.txt"
ACT = "mynumber-act.txt"


@dataclass(frozen=True, slots=True)
class Citation:
    cite: str  # as a rule's source prints it
    checked: Checked
    file: str = ""  # the shared/legal file holding ``quote`` ("" for OUTSIDE)
    where: str = ""  # its section there
    quote: str = ""  # an exact phrase of that passage (full-width digits as printed)

    def render(self) -> str:
        return f"{self.cite} [{self.checked.value}]"


# -- guidelines (in shared/legal) -----------------------------------------------------------

KEEP_WHILE_NEEDED = Citation(
    "事業者編 第4-3-(3)B 保管制限と廃棄",
    Checked.SHARED,
    BUSINESS,
    "第４－３－⑶ 収集・保管制限 Ｂ 保管制限と廃棄",
    "それらの事務を処理する必要がなくなった場合で、所管法令において定められている保存期間を"
    "経過した場合には、個人番号をできるだけ速やかに廃棄又は削除しなければならない",
)
CONTINUING = Citation(
    "事業者編 第4-3-(3)B 保管制限と廃棄 (継続的な契約関係にある間は保管できる)",
    Checked.SHARED,
    BUSINESS,
    "第４－３－⑶ Ｂ ＊ 雇用契約等の継続的な契約関係にある場合には",
    "特定個人情報を継続的に保管できると解される",
)
CONTINUING_LEASE = Citation(
    "事業者編 第4-3-(3)B 保管制限と廃棄 (土地の賃貸借契約等の継続的な契約関係も同様)",
    Checked.SHARED,
    BUSINESS,
    "第４－３－⑶ Ｂ ＊ 土地の賃貸借契約等",
    "土地の賃貸借契約等の継続的な契約関係にある場合も同様に",
)
DECLARATION = Citation(
    "所得税法施行規則第76条の3 (提出期限の属する年の翌年1月10日の翌日から7年); "
    "事業者編 第4-3-(3)B 保管制限と廃棄 (扶養控除等申告書の例)",
    Checked.SHARED,
    BUSINESS,
    "第４－３－⑶ Ｂ ＊ 扶養控除等申告書は",
    "扶養控除等申告書は、所得税法施行規則第76条の３により、当該申告書の提出期限（毎年最初に"
    "給与等の支払を受ける日の前日まで）の属する年の翌年１月10日の翌日から７年を経過する日まで"
    "保存することとなっている",
)
AGENCY = Citation(
    "行政機関等編 第4-3-(4)B 保管制限と廃棄 (保存期間は各団体の文書管理に関する規程等による)",
    Checked.SHARED,
    GOVERNMENT,
    "第４－３－⑷ 収集・保管制限 Ｂ 保管制限と廃棄",
    "各地方公共団体が定める文書管理に関する規程等に基づき、保存期間満了日まで保存することと"
    "なっている",
)
DECEASED = Citation(
    "事業者編 第4-2-(2) 安全管理措置 (死者の個人番号も含む); 番号法第12条",
    Checked.SHARED,
    BUSINESS,
    "第４－２－⑵ 安全管理措置",
    "個人番号（生存する個人のものだけでなく死者のものも含む。）",
)

# -- statutes the guidelines name, without what the rule takes from them ----------------------

WITHHOLDING_SLIP = Citation(
    # 第226条第1項 itself: 翌年1月31日まで, but for a resident who retired in the year
    # 退職の日以後一月以内 — the guideline names the article, not the deadline.
    "所得税法第226条第1項 (給与所得の源泉徴収票: 翌年1月31日まで、年の中途の退職者は"
    "退職の日以後一月以内に提出・交付)",
    Checked.NAMED_ONLY,
    BUSINESS,
    "第４－３－⑵ Ｂ ｂ 個人番号関係事務実施者からの提供（第２号）",
    "所得税法第226条第１項の規定に従って、給与所得の源泉徴収票の提出",
)
PAYMENT_RECORD = Citation(
    # 第225条第1項 is the duty to file; its deadlines are the 施行規則's (below).
    "所得税法第225条第1項 (支払調書の提出義務)",
    Checked.NAMED_ONLY,
    BUSINESS,
    "第４－１－⑴ １ Ａ ｂ 個人番号関係事務",
    "第225条第１項の規定に従って、講師の個人番号を報酬、料金、契約金及び賞金の支払調書に記載",
)
SPECIFIED_ACCOUNT = Citation(
    "租税特別措置法第37条の11の3第7項 (特定口座年間取引報告書)",
    Checked.NAMED_ONLY,
    ACT,
    "番号法第9条第4項 (個人番号関係事務の根拠として列挙)",
    "第三十七条の十一の三第七項",
)

# -- statutes outside shared/legal ------------------------------------------------------------

PAYMENT_RECORD_DEADLINE = Citation(
    "所得税法施行規則 (各支払調書の提出期限: 報酬・料金等 第84条, 不動産の使用料等 第90条, "
    "利子等 第82条, 配当等 第83条; 支払の確定した日の属する年の翌年1月31日 等)",
    Checked.OUTSIDE,
)
LOCAL_SALARY_REPORT = Citation(
    # Why the withholding_slip affair keeps the number to 翌年1月31日 even for a mid-year
    # retiree: the same affair files the 給与支払報告書 of 退職者 by then.
    "地方税法第317条の6第3項 (退職者の給与支払報告書: 退職の日の属する年の翌年1月31日まで)",
    Checked.OUTSIDE,
)
RETIREMENT_DECLARATION = Citation(
    # 番号法第9条第4項 names 所得税法第225条〜第228条の3の2 only; 第203条 falls under its
    # "その他の法令…の規定により". The period is the 施行規則's, like 第76条の3's.
    "所得税法第203条第1項; 所得税法施行規則第77条第4項 (退職所得の受給に関する申告書: "
    "提出期限の属する年の翌年1月10日の翌日から7年)",
    Checked.OUTSIDE,
)
NATIONAL_PENSION_CATEGORY3 = Citation(
    # The 第3号被保険者関係届 is filed through the employer on the same form as the
    # 健康保険被扶養者（異動）届, so the employer keeps it as a 健康保険 document.
    "国民年金法第12条第5項・第6項 (事業主経由の第3号被保険者関係届); 健康保険法施行規則第34条 "
    "(被扶養者（異動）届と同一様式: 完結の日から2年間)",
    Checked.OUTSIDE,
)
RETIREMENT_SLIP = Citation(
    # 番号法第9条第4項 lists 所得税法第225条から第228条の3の2まで only as grounds of
    # 個人番号関係事務; the one-month deadline is not in shared/legal.
    "所得税法第226条第2項 (退職所得の源泉徴収票: 退職の日以後1月以内に提出・交付)",
    Checked.OUTSIDE,
)
HEALTH_INSURANCE = Citation("健康保険法施行規則第34条 (完結の日から2年間)", Checked.OUTSIDE)
PENSION_INSURANCE = Citation("厚生年金保険法施行規則第28条 (完結の日から2年間)", Checked.OUTSIDE)
EMPLOYMENT_INSURANCE = Citation(
    "雇用保険法施行規則第143条 (被保険者に関する書類は完結の日から4年間)", Checked.OUTSIDE
)
DEPOSIT_ACCOUNTS = Citation(
    # The statute sets no period; "until the account is closed" is mnvault's reading,
    # carried by the rule as its note.
    "預貯金者の意思に基づく個人番号の利用による預貯金口座の管理等に関する法律 (預貯金口座管理法)",
    Checked.OUTSIDE,
)
LOCAL_TAX = Citation(
    # The prescription of the right to collect, not a retention period of documents.
    "地方税法第18条第1項 (地方団体の徴収金の徴収権の消滅時効5年; 保存期間の定めではない)",
    Checked.OUTSIDE,
)
NATIONAL_HEALTH_INSURANCE = Citation(
    "国民健康保険法第110条第1項 (保険料等の徴収・保険給付を受ける権利の時効2年; "
    "保存期間の定めではない)",
    Checked.OUTSIDE,
)

# -- the forms issue #13 added to the catalogue (outside shared/legal) ------------------------

DECLARATIONS_76_3 = Citation(
    "所得税法施行規則第76条の3 (給与所得者の配偶者控除等申告書・基礎控除申告書・所得金額調整"
    "控除申告書も同じ: 提出期限の属する年の翌年1月10日の翌日から7年)",
    Checked.OUTSIDE,
)
PENSION_SLIP = Citation(
    "所得税法第226条第3項 (公的年金等の源泉徴収票: 翌年1月31日までに提出)", Checked.OUTSIDE
)
STOCK_OPTION = Citation(
    "所得税法第228条の2 (特定株式等の行使等に関する調書: 翌年1月31日までに提出)", Checked.OUTSIDE
)
FOREIGN_REMITTANCE = Citation(
    "国外送金等調書法第4条第1項 (国外送金等調書: 送金等の翌月末日までに提出)", Checked.OUTSIDE
)
WELFARE_PRESCRIPTION = Citation(
    "児童手当法第23条・介護保険法第200条 (給付を受ける権利等の時効2年; 保存期間の定めではない)",
    Checked.OUTSIDE,
)

ALL: tuple[Citation, ...] = (
    KEEP_WHILE_NEEDED,
    CONTINUING,
    CONTINUING_LEASE,
    DECLARATION,
    AGENCY,
    DECEASED,
    WITHHOLDING_SLIP,
    PAYMENT_RECORD,
    SPECIFIED_ACCOUNT,
    PAYMENT_RECORD_DEADLINE,
    LOCAL_SALARY_REPORT,
    RETIREMENT_DECLARATION,
    NATIONAL_PENSION_CATEGORY3,
    RETIREMENT_SLIP,
    HEALTH_INSURANCE,
    PENSION_INSURANCE,
    EMPLOYMENT_INSURANCE,
    DEPOSIT_ACCOUNTS,
    LOCAL_TAX,
    NATIONAL_HEALTH_INSURANCE,
    DECLARATIONS_76_3,
    RETIREMENT_DECLARATION,
    PENSION_SLIP,
    STOCK_OPTION,
    FOREIGN_REMITTANCE,
    WELFARE_PRESCRIPTION,
)


def source(*citations: Citation, note: str = "") -> str:
    """A rule's source: each citation with how far it was checked; ``note`` is mnvault's
    own reading (not a quotation), printed last and marked as such."""
    text = "; ".join(c.render() for c in citations)
    return f"{text}; mnvault の解釈: {note}" if note else text
