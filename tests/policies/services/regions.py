"""Regions the risk-data tests need, made with update_or_create.

The regions migration may or may not have loaded them; either way these rows
end up as the tests expect.
"""

from policies.models import Region

# code: (name, full_name, level, parent, county_level, retired)
REGIONS = {
    "130000": ("河北省", "河北省", "province", None, False, False),
    "130600": ("保定市", "河北省保定市", "prefecture", "130000", False, False),
    "130681": ("涿州市", "河北省保定市涿州市", "county", "130600", True, False),
    "131000": ("廊坊市", "河北省廊坊市", "prefecture", "130000", False, False),
    "131022": ("固安县", "河北省廊坊市固安县", "county", "131000", True, False),
    "131024": ("香河县", "河北省廊坊市香河县", "county", "131000", True, False),
    "131028": ("大厂回族自治县", "河北省廊坊市大厂回族自治县", "county", "131000", True, False),
    "131082": ("三河市", "河北省廊坊市三河市", "county", "131000", True, False),
    "320000": ("江苏省", "江苏省", "province", None, False, False),
    "320100": ("南京市", "江苏省南京市", "prefecture", "320000", False, False),
    "320115": ("江宁区", "江苏省南京市江宁区", "county", "320100", True, False),
    "321000": ("扬州市", "江苏省扬州市", "prefecture", "320000", False, False),
    "321002": ("广陵区", "江苏省扬州市广陵区", "county", "321000", True, False),
    "321003": ("邗江区", "江苏省扬州市邗江区", "county", "321000", True, False),
    "330000": ("浙江省", "浙江省", "province", None, False, False),
    "330100": ("杭州市", "浙江省杭州市", "prefecture", "330000", False, False),
    "330103": ("下城区", "浙江省杭州市下城区", "county", "330100", True, True),
    "410000": ("河南省", "河南省", "province", None, False, False),
    "410100": ("郑州市", "河南省郑州市", "prefecture", "410000", False, False),
    "410102": ("中原区", "河南省郑州市中原区", "county", "410100", True, False),
    "410103": ("二七区", "河南省郑州市二七区", "county", "410100", True, False),
    "410104": ("管城回族区", "河南省郑州市管城回族区", "county", "410100", True, False),
    "410105": ("金水区", "河南省郑州市金水区", "county", "410100", True, False),
    "430000": ("湖南省", "湖南省", "province", None, False, False),
    "430800": ("张家界市", "湖南省张家界市", "prefecture", "430000", False, False),
    "430802": ("永定区", "湖南省张家界市永定区", "county", "430800", True, False),
}


def ensure_regions() -> None:
    for code, (name, full_name, level, parent, county_level, retired) in REGIONS.items():
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "full_name": full_name,
                "level": level,
                "parent_id": parent,
                "county_level": county_level,
                "retired": retired,
            },
        )
