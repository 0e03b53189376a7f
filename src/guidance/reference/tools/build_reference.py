"""Rebuild the derived reference files in ``../data`` from the shared folder.

Not used by the product at run time. Run from anywhere::

    python src/guidance/reference/tools/build_reference.py [--shared PATH]

It reads ``shared/reference`` (beside the repository by default) and rewrites
provinces, province_crosswalk, wards, isco08, isced_f, occupations and the
title column of isco_onet_map. The hand-entered inputs live below (province
regions and centroids, rejected VSCO names, translated names, minor-group
Holland codes) and in ``data/isco_onet_map.csv`` (ISCO → O*NET matches).
``training_occupations.csv`` is hand-entered and is not rebuilt.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
REPO = HERE.parents[3]
MARGIN = 1.5  # must equal guidance.reference.RIASEC_MARGIN
ONET_COLS = ["Realistic", "Investigative", "Artistic", "Social", "Enterprising", "Conventional"]

# code | region | lat | lon | name_en  (hand-entered; centroids approximate, about ±0.3°)
PROVINCES = """\
01|red_river_delta|21.03|105.70|Ha Noi
04|northern_midlands_mountains|22.75|106.10|Cao Bang
08|northern_midlands_mountains|22.45|105.10|Tuyen Quang
11|northern_midlands_mountains|21.65|103.05|Dien Bien
12|northern_midlands_mountains|22.30|103.25|Lai Chau
14|northern_midlands_mountains|21.20|104.00|Son La
15|northern_midlands_mountains|22.05|104.40|Lao Cai
19|northern_midlands_mountains|21.90|105.85|Thai Nguyen
20|northern_midlands_mountains|21.85|106.60|Lang Son
22|red_river_delta|21.15|107.30|Quang Ninh
24|red_river_delta|21.30|106.30|Bac Ninh
25|northern_midlands_mountains|21.05|105.25|Phu Tho
31|red_river_delta|20.85|106.50|Hai Phong
33|red_river_delta|20.60|106.25|Hung Yen
37|red_river_delta|20.30|106.00|Ninh Binh
38|north_central_and_central_coast|20.00|105.45|Thanh Hoa
40|north_central_and_central_coast|19.20|104.90|Nghe An
42|north_central_and_central_coast|18.30|105.70|Ha Tinh
44|north_central_and_central_coast|17.20|106.50|Quang Tri
46|north_central_and_central_coast|16.35|107.55|Hue
48|north_central_and_central_coast|15.60|108.00|Da Nang
51|north_central_and_central_coast|14.80|108.10|Quang Ngai
52|central_highlands|13.95|108.40|Gia Lai
56|north_central_and_central_coast|12.10|109.00|Khanh Hoa
66|central_highlands|12.90|108.50|Dak Lak
68|central_highlands|11.60|108.00|Lam Dong
75|southeast|11.40|107.00|Dong Nai
79|southeast|10.80|106.75|Ho Chi Minh City
80|southeast|11.00|106.15|Tay Ninh
82|mekong_delta|10.45|105.90|Dong Thap
86|mekong_delta|10.00|106.20|Vinh Long
91|mekong_delta|10.20|105.10|An Giang
92|mekong_delta|9.75|105.80|Can Tho
96|mekong_delta|9.20|105.30|Ca Mau
"""

# VSCO groups at the ISCO code that do not mean the ISCO unit group (or are garbled).
VSCO_REJECT = {
    "0210": "VSCO name 'Sĩ quan' (officer) for non-commissioned officers",
    "0310": "VSCO 'Cơ yếu' (cipher staff) is not ISCO 'other ranks'",
    "2152": "transcribed name truncated ('điện')",
    "3355": "VSCO 'Kiểm lâm' (forest ranger) vs ISCO police inspectors",
    "4322": "transcribed name is a code ('43220')",
    "7213": "'Thợ luyện kim loại' (metallurgy) vs ISCO sheet-metal workers",
    "7221": "transcribed name missing (nan)",
}

# Project translations for unit groups without a usable VSCO name.
TRANSLATED = """\
0210 Hạ sĩ quan
0310 Binh sĩ
1120 Giám đốc điều hành và tổng giám đốc
1211 Quản lý tài chính
1212 Quản lý nhân sự
1221 Quản lý kinh doanh và tiếp thị
1321 Quản lý sản xuất
1323 Quản lý xây dựng
1324 Quản lý cung ứng, phân phối và liên quan
1330 Quản lý dịch vụ công nghệ thông tin và truyền thông
1411 Quản lý khách sạn
1412 Quản lý nhà hàng
1420 Quản lý bán lẻ và bán buôn
2120 Nhà toán học, chuyên gia tính toán bảo hiểm và nhà thống kê
2152 Kỹ sư điện tử
2240 Y sĩ
2310 Giảng viên đại học và cao đẳng
2330 Giáo viên trung học
2351 Chuyên gia về phương pháp giảng dạy
2352 Giáo viên giáo dục đặc biệt
2353 Giáo viên ngoại ngữ khác
2354 Giáo viên âm nhạc khác
2355 Giáo viên nghệ thuật khác
2356 Giảng viên đào tạo công nghệ thông tin
2359 Nhà chuyên môn giảng dạy chưa được phân vào đâu
2512 Nhà phát triển phần mềm
2513 Nhà phát triển web và đa phương tiện
2514 Lập trình viên ứng dụng
2519 Nhà phát triển và phân tích phần mềm, ứng dụng chưa được phân vào đâu
2521 Nhà thiết kế và quản trị cơ sở dữ liệu
2522 Quản trị viên hệ thống
2523 Chuyên gia mạng máy tính
2529 Chuyên gia cơ sở dữ liệu và mạng chưa được phân vào đâu
2611 Luật sư
2612 Thẩm phán
2621 Lưu trữ viên và người quản lý hiện vật bảo tàng
2622 Thủ thư và nhà chuyên môn thông tin có liên quan
2631 Nhà kinh tế học
2634 Nhà tâm lý học
2635 Nhà chuyên môn về công tác xã hội và tư vấn
2641 Tác giả và người viết có liên quan
2642 Nhà báo
2643 Biên dịch viên, phiên dịch viên và nhà ngôn ngữ học khác
2651 Họa sĩ và nghệ sĩ tạo hình
2652 Nhạc sĩ, ca sĩ và nhà soạn nhạc
2653 Diễn viên múa và biên đạo múa
2654 Đạo diễn và nhà sản xuất phim, sân khấu
2655 Diễn viên
2656 Phát thanh viên và người dẫn chương trình
3131 Người vận hành nhà máy sản xuất điện
3132 Người vận hành lò đốt rác và nhà máy xử lý nước
3151 Sĩ quan máy tàu thủy
3152 Sĩ quan boong tàu thủy và hoa tiêu
3153 Phi công và nhân viên có liên quan
3154 Kiểm soát viên không lưu
3211 Kỹ thuật viên thiết bị chẩn đoán hình ảnh và điều trị
3257 Thanh tra viên vệ sinh môi trường và sức khỏe nghề nghiệp
3258 Nhân viên cấp cứu
3312 Nhân viên tín dụng và cho vay
3334 Nhân viên môi giới và quản lý bất động sản
3355 Điều tra viên cảnh sát và thám tử
3514 Kỹ thuật viên web
4131 Nhân viên đánh máy và xử lý văn bản
4132 Nhân viên nhập dữ liệu
4225 Nhân viên giải đáp thông tin
4321 Nhân viên thủ kho
4322 Nhân viên điều độ và ghi chép sản xuất
4412 Nhân viên bưu tá và phân loại thư
4416 Nhân viên hồ sơ nhân sự
5131 Nhân viên phục vụ bàn
5132 Nhân viên pha chế đồ uống
5151 Giám sát viên dọn dẹp và buồng phòng
5152 Quản gia gia đình
5153 Người trông coi tòa nhà
5221 Chủ cửa hàng
5222 Giám sát cửa hàng
5223 Nhân viên bán hàng tại cửa hàng
5242 Nhân viên giới thiệu sản phẩm
5244 Nhân viên bán hàng qua tổng đài
5245 Nhân viên cây xăng
5246 Nhân viên phục vụ quầy ăn uống
5311 Người chăm sóc trẻ
5312 Trợ giảng
5329 Nhân viên chăm sóc cá nhân trong dịch vụ y tế chưa được phân vào đâu
5411 Nhân viên phòng cháy, chữa cháy
5412 Cảnh sát
5413 Quản giáo trại giam
5414 Nhân viên bảo vệ
7131 Thợ sơn và thợ có liên quan
7132 Thợ phun sơn và đánh vecni
7213 Thợ gò kim loại tấm
7221 Thợ rèn và thợ máy ép rèn
7234 Thợ sửa xe đạp và thợ có liên quan
7317 Thợ thủ công mây tre, gỗ và vật liệu có liên quan
7318 Thợ thủ công dệt, da và vật liệu có liên quan
7323 Thợ hoàn thiện sản phẩm in và đóng sách
7413 Thợ lắp đặt và sửa chữa đường dây điện
7422 Thợ lắp đặt và sửa chữa thiết bị công nghệ thông tin và truyền thông
7511 Thợ giết mổ và sơ chế thịt, cá
7512 Thợ làm bánh mì, bánh ngọt và kẹo
7513 Thợ chế biến sản phẩm sữa
7514 Thợ bảo quản rau quả và sản phẩm có liên quan
7515 Người nếm thử và phân loại thực phẩm, đồ uống
7522 Thợ đóng đồ gỗ
7523 Thợ vận hành máy chế biến gỗ
7531 Thợ may đo, thợ làm đồ lông thú và mũ
7532 Thợ làm mẫu và cắt vải may mặc
7533 Thợ may, thêu và thợ có liên quan
7534 Thợ bọc nệm ghế và thợ có liên quan
7536 Thợ đóng giày và thợ có liên quan
7543 Nhân viên phân loại và kiểm tra sản phẩm (trừ thực phẩm, đồ uống)
7544 Thợ khử trùng và diệt côn trùng, cỏ dại
8141 Thợ vận hành máy sản xuất sản phẩm cao su
8142 Thợ vận hành máy sản xuất sản phẩm nhựa
8143 Thợ vận hành máy sản xuất sản phẩm giấy
8151 Thợ vận hành máy chuẩn bị xơ, kéo sợi và đánh ống
8152 Thợ vận hành máy dệt và máy đan
8153 Thợ vận hành máy may
8154 Thợ vận hành máy tẩy, nhuộm và làm sạch vải
8156 Thợ vận hành máy sản xuất giày dép
8157 Thợ vận hành máy giặt là
8160 Thợ vận hành máy chế biến thực phẩm và sản phẩm có liên quan
8172 Thợ vận hành thiết bị chế biến gỗ
8182 Thợ vận hành máy hơi nước và lò hơi
8183 Thợ vận hành máy đóng gói, đóng chai và dán nhãn
8211 Thợ lắp ráp máy móc cơ khí
8212 Thợ lắp ráp thiết bị điện và điện tử
8219 Thợ lắp ráp chưa được phân vào đâu
8322 Lái xe ô tô con, xe taxi và xe tải nhỏ
8343 Thợ vận hành cần trục, tời và thiết bị có liên quan
8344 Thợ vận hành xe nâng hàng
9211 Lao động giản đơn trong trồng trọt
9212 Lao động giản đơn trong chăn nuôi
9213 Lao động giản đơn trong trồng trọt và chăn nuôi hỗn hợp
9214 Lao động giản đơn làm vườn
9215 Lao động giản đơn trong lâm nghiệp
9216 Lao động giản đơn trong thủy sản
9333 Lao động bốc xếp hàng hóa
9334 Nhân viên xếp hàng lên kệ
9411 Nhân viên chế biến đồ ăn nhanh
9412 Phụ bếp
9611 Người thu gom rác và phế liệu
9612 Người phân loại rác
9613 Người quét dọn và lao động có liên quan
9621 Người đưa tin, giao hàng và khuân vác hành lý
9622 Người làm việc vặt
9623 Nhân viên ghi chỉ số đồng hồ và thu tiền máy bán hàng tự động
"""

# Hand-assigned Holland code per ISCO minor group, used where no O*NET match exists.
MINOR_GROUP_RIASEC = """\
011:ERS 021:RES 031:RC 111:ES 112:EC 121:EC 122:EC 131:ER 132:ERC 133:ECI 134:ES 141:ES
142:EC 143:ES 211:IR 212:IC 213:IR 214:IR 215:IR 216:AIR 221:IS 222:SI 223:SI 224:SI
225:IR 226:SI 231:SI 232:SR 233:SA 234:SA 235:SA 241:CE 242:EC 243:E 251:IC 252:CI 261:EI
262:CS 263:SI 264:AI 265:A 311:RI 312:RE 313:RC 314:RI 315:RC 321:RI 322:SR 323:SR 324:RI
325:SC 331:CE 332:E 333:EC 334:C 335:CE 341:SC 342:SR 343:AR 351:RC 352:RI 411:C 412:C
413:C 421:C 422:CS 431:C 432:C 441:C 511:SE 512:RE 513:SE 514:AS 515:RC 516:SR 521:E
522:EC 523:C 524:E 531:S 532:SR 541:RS 611:R 612:R 613:R 621:R 622:R 631:R 632:R 633:R
634:R 711:R 712:R 713:R 721:R 722:R 723:R 731:RA 732:RC 741:R 742:R 751:R 752:R 753:R
754:R 811:RC 812:RC 813:RC 814:RC 815:RC 816:RC 817:RC 818:RC 821:RC 831:R 832:R 833:R
834:R 835:R 911:R 912:R 921:R 931:R 932:R 933:R 941:R 951:ES 952:E 961:R 962:R
"""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", str(text).strip())


def strip_prefix(name: str) -> str:
    """Drop the administrative prefix: "Thành phố Hà Nội" → "Hà Nội"."""
    return re.sub(r"^(Thành phố|Tỉnh) ", "", nfc(name))


def build_provinces(shared: Path) -> None:
    src = pd.read_csv(shared / "provinces/provinces_2025_34.csv", dtype=str)
    hand = {}
    for line in PROVINCES.splitlines():
        code, region, lat, lon, name_en = line.split("|")
        hand[code] = (region, float(lat), float(lon), name_en)
    rows, by_name = [], {}
    for code, name in zip(src["province_code"].str.zfill(2), src["name"], strict=True):
        region, lat, lon, name_en = hand[code]
        rows.append(
            {
                "province_code": code,
                "name_vi": strip_prefix(name),
                "name_en": name_en,
                "region": region,
                "lat": f"{lat:.2f}",
                "lon": f"{lon:.2f}",
            }
        )
        by_name[nfc(name)] = code
    assert len(rows) == 34 and set(hand) == {r["province_code"] for r in rows}
    pd.DataFrame(rows).sort_values("province_code").to_csv(DATA / "provinces.csv", index=False)

    cw = pd.read_csv(shared / "provinces/province_crosswalk_pre2025_to_2025.csv", dtype=str)
    pd.DataFrame(
        {
            "old_code": cw["old_code"].str.zfill(2),
            "old_name_vi": cw["old_province"].map(strip_prefix).str.replace("Hoà Bình", "Hòa Bình"),
            "new_code": cw["new_code"].str.zfill(2),
            "new_name_vi": cw["new_province"].map(strip_prefix),
        }
    ).to_csv(DATA / "province_crosswalk.csv", index=False)

    wards = pd.read_csv(shared / "provinces/wards_2025.csv", dtype=str)
    pd.DataFrame(
        {
            "ward_code": wards["code"].str.zfill(5),
            "name_vi": wards["name"].map(nfc),
            "province_code": wards["province_name"].map(nfc).map(by_name),
        }
    ).to_csv(DATA / "wards.csv", index=False)


def build_isco_isced(shared: Path) -> pd.DataFrame:
    isco = pd.read_csv(shared / "isco08/isco08_groups.csv", dtype=str)
    out = isco[["code", "level"]].assign(name_en=isco["name_en"].str.strip())
    out.to_csv(DATA / "isco08.csv", index=False)
    isced = pd.read_csv(shared / "isced_f_2013/isced_f_2013_fields.csv", dtype=str)
    isced.to_csv(DATA / "isced_f.csv", index=False)
    return isco


def skill_levels(isco: pd.DataFrame) -> dict[str, int]:
    """Skill level stated in each major/sub-major group's ISCO description."""
    words = {"first": 1, "second": 2, "third": 3, "fourth": 4}
    out = {}
    for code, text in zip(isco["code"], isco["description_en"], strict=True):
        if len(code) <= 2:
            found = re.findall(r"(first|second|third|fourth)[^.]*?skill level", str(text))
            if len(found) == 1:
                out[code] = words[found[0]]
    return out


def vsco_names(shared: Path) -> dict[str, str]:
    """VSCO 2020 names at the ISCO unit-group level, where the group is the same."""
    v = pd.read_csv(shared / "vsco2020/vsco2020_raw_transcription.csv", dtype=str)
    v = v[v["code_ok"] == "True"]
    l4, l5 = {}, {}
    for code, name in zip(v["code"], v["name_vi"].fillna("").str.strip(), strict=True):
        if name in ("", "nan") or name.isdigit():
            continue
        if len(code) == 4:
            l4[code] = name
        elif len(code) == 5:
            l5.setdefault(code[:4], []).append((code, name))
    out = {}
    for unit in set(l4) | set(l5):
        if unit[0] == "1" or unit in VSCO_REJECT:  # VSCO major group 1 is built differently
            continue
        kids = l5.get(unit, [])
        if unit in l4:
            out[unit] = l4[unit]
        elif len(kids) == 1 and kids[0][0] == unit + "0":
            out[unit] = kids[0][1]
    return out


def holland(scores: list[float]) -> str:
    order = sorted(range(6), key=lambda i: -scores[i])
    top = scores[order[0]]
    return "".join("RIASEC"[i] for i in order[:3] if scores[i] >= top - MARGIN)


def build_occupations(shared: Path, isco: pd.DataFrame) -> None:
    onet = pd.read_csv(shared / "onet_riasec/onet_riasec_wide.csv", dtype=str)
    onet = onet.set_index("O*NET-SOC Code")
    mapping = pd.read_csv(DATA / "isco_onet_map.csv", dtype=str)
    mapping["onet_title"] = mapping["onet_soc_code"].map(onet["Title"])
    assert mapping["onet_title"].notna().all(), "unknown O*NET code in isco_onet_map.csv"
    mapping.to_csv(DATA / "isco_onet_map.csv", index=False)
    matched = mapping.groupby("occupation_code")["onet_soc_code"].apply(list).to_dict()
    minor = dict(tok.split(":") for tok in MINOR_GROUP_RIASEC.split())
    translated = dict(line.split(" ", 1) for line in TRANSLATED.splitlines())
    vsco = vsco_names(shared)
    skill = skill_levels(isco)
    rows = []
    for code, name_en in zip(isco["code"], isco["name_en"].str.strip(), strict=True):
        if len(code) != 4:
            continue
        if code in matched:
            scores = onet.loc[matched[code], ONET_COLS].astype(float).mean().to_list()
            riasec, riasec_source = holland(scores), "onet"
        else:
            riasec, riasec_source = minor[code[:3]], "minor_group"
        if code in vsco:
            name_vi, name_source = nfc(vsco[code]), "vsco2020"
        elif code in translated:
            name_vi, name_source = nfc(translated[code]), "translated"
        else:
            name_vi, name_source = "", ""
        rows.append(
            {
                "occupation_code": code,
                "name_en": name_en,
                "name_vi": name_vi,
                "riasec": riasec,
                "skill_level": skill.get(code[:2]) or skill[code[:1]],
                "riasec_source": riasec_source,
                "name_vi_source": name_source,
            }
        )
    assert len(rows) == 436
    pd.DataFrame(rows).to_csv(DATA / "occupations.csv", index=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=REPO.parent / "shared",
        help="the shared folder (default: beside the repository)",
    )
    shared = parser.parse_args(argv).shared / "reference"
    build_provinces(shared)
    isco = build_isco_isced(shared)
    build_occupations(shared, isco)
    print(f"rebuilt reference files in {DATA}")


if __name__ == "__main__":
    main()
