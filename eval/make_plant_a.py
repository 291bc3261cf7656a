"""Writes eval/data/plant_a/{patents.jsonl,demands.jsonl,qrels.tsv} from the records below.

The records (titles, abstracts, claims, demands, grades) were written by hand; this script
only adds what should not be hand-made: valid CN application numbers (check digit per
../shared/data/dev/README.md), filing dates inside the stated year, and inventor names.
It is deterministic (fixed seed), so re-running it reproduces the committed files.

    python3 eval/make_plant_a.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "plant_a"
RNG = random.Random(20260411)

A, LE, LS, LN, EQ, CD = (
    "assignment",
    "license_exclusive",
    "license_sole",
    "license_nonexclusive",
    "equity",
    "co_development",
)
INV, UM = "invention", "utility_model"

CITY = {
    "兰州理工大学": "兰州",
    "中国科学院兰州化学物理研究所": "兰州",
    "河海大学": "南京",
    "山东建筑大学": "济南",
    "华南理工大学": "广州",
    "中国计量大学": "杭州",
    "合肥工业大学": "合肥",
    "天津大学": "天津",
    "西安交通大学": "西安",
    "清华大学": "北京",
    "中南大学": "长沙",
    "中国科学技术大学": "合肥",
    "北京理工大学": "北京",
    "华东理工大学": "上海",
    "吉林大学": "长春",
    "青岛科技大学": "青岛",
    "东华大学": "上海",
    "四川大学": "成都",
    "山东大学": "济南",
    "北京工商大学": "北京",
    "哈尔滨工业大学": "哈尔滨",
    "中国科学院宁波材料技术与工程研究所": "宁波",
    "同济大学": "上海",
    "陕西科技大学": "西安",
    "武汉理工大学": "武汉",
    "江西理工大学": "赣州",
    "钢铁研究总院": "北京",
    "包头稀土研究院": "包头",
    "北京工业大学": "北京",
    "中国科学院过程工程研究所": "北京",
    "浙江大学": "杭州",
    "沈阳工业大学": "沈阳",
    "江苏大学": "镇江",
    "宁波大学": "宁波",
    "华中科技大学": "武汉",
    "西北工业大学": "西安",
    "南京航空航天大学": "南京",
    "深圳大学": "深圳",
    "广东工业大学": "广州",
    "北京科技大学": "北京",
    "郑州大学": "郑州",
    "江南大学": "无锡",
    "中国科学院金属研究所": "沈阳",
    "大连理工大学": "大连",
    "西北有色金属研究院": "西安",
    "中国科学院半导体研究所": "北京",
    "河南工业大学": "郑州",
    "长春理工大学": "长春",
    "重庆大学": "重庆",
    "华北电力大学": "北京",
    "西安理工大学": "西安",
    "中国科学院深圳先进技术研究院": "深圳",
    "中国科学院化学研究所": "北京",
    "桂林电子科技大学": "桂林",
    "厦门大学": "厦门",
    "中山大学": "广州",
    "福州大学": "福州",
    "中国海洋大学": "青岛",
    "哈尔滨工程大学": "哈尔滨",
    "大连海洋大学": "大连",
    "浙江海洋大学": "舟山",
    "中国科学院海洋研究所": "青岛",
    "电子科技大学": "成都",
    "中国科学院长春光学精密机械与物理研究所": "长春",
    "贵州大学": "贵阳",
    "常州大学": "常州",
    "中国科学院空天信息创新研究院": "北京",
    "南京信息工程大学": "南京",
    "东莞理工学院": "东莞",
    "燕山大学": "秦皇岛",
    "太原理工大学": "太原",
    "长安大学": "西安",
    "中国矿业大学": "徐州",
    "辽宁工程技术大学": "阜新",
    "中国科学院广州能源研究所": "广州",
    "南京工业大学": "南京",
    "中国科学院生态环境研究中心": "北京",
    "广州大学": "广州",
    "浙江工业大学": "杭州",
    "浙江理工大学": "杭州",
    "西南石油大学": "成都",
    "苏州大学": "苏州",
    "宁波诺丁汉大学": "宁波",
    "西交利物浦大学": "苏州",
    "南方科技大学": "深圳",
    "上海科技大学": "上海",
    "昆山杜克大学": "昆山",
    "中国科学院上海硅酸盐研究所": "上海",
    "上海交通大学": "上海",
}

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁沈任姚卢钟姜崔谭陆范汪廖石金贾韦夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞辉宇欣晨阳凯斌浩然雪梅琳莉婷鑫博文峰建国海波志宏晓东立新云龙亮俊哲瑶颖璐琦睿航帆舒")
PINYIN_SUR = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Zheng"]
PINYIN_GIV = ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Jun", "Yang", "Jie", "Tao", "Ming", "Chao", "Peng", "Fei", "Hui", "Yu", "Xin", "Chen", "Kai", "Bin", "Hao", "Xue", "Lin", "Ting", "Bo", "Feng", "Hong", "Dong", "Liang", "Rui"]
FOREIGN = ["Oliver Grant", "Hannah Clarke", "Marco Rossi", "David Evans", "Sophie Laurent", "James Whitfield", "Anna Kowalski", "Thomas Becker"]


def check_digit(twelve: str) -> str:
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    s = sum(int(c) * w for c, w in zip(twelve, weights)) % 11
    return "X" if s == 10 else str(s)


_used_serials: set[str] = set()


def patent_number(year: int, ptype: str) -> str:
    type_digit = {"invention": "1", "utility_model": "2", "design": "3"}[ptype]
    while True:
        serial = f"{RNG.randrange(0, 10_000_000):07d}"
        twelve = f"{year}{type_digit}{serial}"
        if twelve not in _used_serials:
            _used_serials.add(twelve)
            return f"CN{twelve}.{check_digit(twelve)}"


def inventors(lang: str) -> list[str]:
    n = RNG.choice((2, 2, 3, 3, 3, 4))
    if lang == "en":
        names = [f"{RNG.choice(PINYIN_SUR)} {RNG.choice(PINYIN_GIV)}{RNG.choice(['', '', RNG.choice(PINYIN_GIV).lower()])}" for _ in range(n)]
        if RNG.random() < 0.4:
            names[RNG.randrange(n)] = RNG.choice(FOREIGN)
        return names
    out = []
    for _ in range(n):
        given = RNG.choice(GIVEN) + (RNG.choice(GIVEN) if RNG.random() < 0.6 else "")
        out.append(RNG.choice(SURNAMES) + given)
    return out


PATENTS: list[dict] = []


def P(num, title, abstract, claims, ipc, applicant, year, ptype, status, trl, modes, price, domain, lang="zh"):
    """price: an int is a fixed price, ('auction', n) an auction start, None negotiable."""
    if price is None:
        price_type, price_cny = "negotiable", None
    elif isinstance(price, tuple):
        price_type, price_cny = price
    else:
        price_type, price_cny = "fixed", price
    month, day = RNG.randint(1, 12), RNG.randint(1, 28)
    PATENTS.append(
        {
            "id": f"EPA{num:04d}",
            "patent_number": patent_number(year, ptype),
            "title": title,
            "abstract": abstract,
            "claims": claims,
            "ipc": ipc,
            "applicant": applicant,
            "inventors": inventors(lang),
            "filing_date": f"{year}-{month:02d}-{day:02d}",
            "patent_type": ptype,
            "legal_status": status,
            "trl": trl,
            "transfer_modes": modes,
            "price_type": price_type,
            "price_cny": price_cny,
            "region": CITY[applicant],
            "domain": domain,
            "language": lang,
        }
    )


# ---------------------------------------------------------------- new_energy: PV soiling
P(1, "一种适用于荒漠光伏电站的无水清扫机器人及其控制方法",
  "本发明公开了一种适用于荒漠光伏电站的无水清扫机器人，包括沿组件边框行走的履带底盘、柔性毛刷滚筒、风力辅助吹扫单元和跨排转运小车，机器人根据组件透光率衰减值自主规划夜间清扫，全程无需用水，单台日清扫面积约1.2万平方米，清扫后组串发电量恢复至洁净状态的97%以上。",
  "一种光伏组件无水清扫机器人，其特征在于，包括行走机构、毛刷滚筒、吹扫风机、积灰检测单元和控制器，所述控制器根据积灰检测单元测得的透光率衰减值启动清扫并规划清扫路径。",
  ["H02S40/10", "B08B1/00", "B25J11/00"], "兰州理工大学", 2021, INV, "granted", 7, [A, LN], 450000, "new_energy")
P(2, "一种光伏玻璃用超疏水自清洁减反射涂层及其制备方法",
  "本发明公开了一种光伏玻璃用自清洁减反射涂层，以改性纳米二氧化硅溶胶与含氟硅烷复配，在组件玻璃表面形成水接触角大于150°的多孔膜层，组件透光率提高2.1%，沙尘附着量降低约60%，少量露水即可带走浮尘，可在已安装组件上现场喷涂施工。",
  "一种光伏玻璃用自清洁减反射涂层，其特征在于，由粒径20~50nm的改性二氧化硅溶胶、含氟硅烷偶联剂和醇类溶剂组成，涂层孔隙率为30%~45%。",
  ["C03C17/25", "C09D1/00", "H02S40/10"], "中国科学院兰州化学物理研究所", 2022, INV, "pending", 5, [LN, CD], None, "new_materials")
P(3, "Infrared UAV inspection method for locating hot spots in photovoltaic arrays",
  "The invention discloses a hot-spot inspection method for photovoltaic power plants. A UAV carrying a radiometric infrared camera flies a planned route, the images are stitched and temperature-corrected for irradiance and wind, and an improved YOLO network identifies hot spots and failed bypass diodes and maps them to string numbers, with a detection accuracy above 95%.",
  "A method for detecting hot spots in a photovoltaic array, characterised by stitching UAV infrared images, correcting module temperatures for irradiance and wind speed, and classifying hot-spot regions with a convolutional neural network mapped to string identifiers.",
  ["H02S50/15", "G06T7/00", "G06V20/17"], "河海大学", 2022, INV, "granted", 6, [LN, A], 200000, "new_energy", "en")
P(4, "一种太阳能热水器真空集热管免拆卸除垢装置",
  "本实用新型公开了一种太阳能热水器真空集热管免拆卸除垢装置，包括循环泵、除垢剂储罐、超声波发生器和三通切换阀，可在不拆卸真空管的情况下对管内水垢进行循环化学清洗和超声剥离，恢复集热效率，适用于楼顶集中式太阳能热水系统的日常维护。",
  "一种太阳能热水器集热管除垢装置，包括循环泵、除垢剂储罐和超声波发生器，其特征在于，还包括连接于集热器进出水口的三通切换阀。",
  ["F24S40/20", "C02F1/36"], "山东建筑大学", 2019, UM, "granted", 6, [A], 30000, "new_energy")

# ---------------------------------------------------------------- new_energy: electrode coating
P(5, "一种锂离子电池极片挤压涂布模头及其流道结构",
  "本发明公开了一种锂离子电池极片挤压涂布模头，在衣架型分配腔内设置变截面阻流块和分区可调垫片，使浆料沿宽幅方向的出口流速偏差小于1.5%，消除极片两侧厚边和中部凹陷，面密度一致性控制在±1%以内，边部裁切损耗降低一半以上，可替换现有涂布机模头。",
  "一种挤压涂布模头，包括上模、下模和垫片，其特征在于，所述下模的分配腔内设有沿宽度方向截面渐变的阻流块，所述垫片分为多个可独立调节厚度的区段。",
  ["B05C5/02", "H01M4/04", "H01M4/139"], "华南理工大学", 2021, INV, "granted", 7, [A, LE, LN], 380000, "new_energy")
P(6, "一种锂电池极片面密度在线检测与闭环调节方法",
  "本发明公开了一种锂电池极片面密度在线检测与闭环调节方法，利用β射线测厚仪在烘箱出口横向往复扫描，结合卡尔曼滤波提取横向面密度分布，并将偏差反馈给模头调节螺栓的执行机构，实现涂布重量自动纠偏，换批次后调机时间由2小时缩短至15分钟。",
  "一种极片面密度闭环调节方法，其特征在于，包括：以β射线测厚仪扫描获得横向面密度分布；滤波后计算各区段偏差；按偏差驱动模头调节螺栓执行机构。",
  ["G01B15/02", "G01N23/02", "H01M4/04"], "中国计量大学", 2022, INV, "pending", 6, [LN], 260000, "new_energy")
P(7, "一种锂电池极片热辊压装置",
  "本实用新型公开了一种锂电池极片热辊压装置，包括内置导热油通道的加热轧辊、辊缝伺服调节机构和张力控制单元，极片在80~120℃下辊压，减少辊压后的反弹和断带，压实密度提高约5%，适用于高压实磷酸铁锂正极极片。",
  "一种锂电池极片热辊压装置，包括机架和一对轧辊，其特征在于，所述轧辊内设有导热油通道，所述机架上设有伺服驱动的辊缝调节机构。",
  ["B30B3/04", "H01M4/04"], "合肥工业大学", 2020, UM, "granted", 7, [A], 90000, "new_energy")
P(8, "一种锂离子电池负极浆料用复合分散剂及其制备方法",
  "本发明公开了一种锂离子电池负极浆料用复合分散剂，由改性羧甲基纤维素钠与聚乙烯吡咯烷酮按比例复配，可使石墨负极浆料固含量提高至55%，静置24小时不沉降、粘度波动小于10%，减少搅拌能耗和溶剂用量。",
  "一种负极浆料用复合分散剂，其特征在于，由质量比为3:1~6:1的改性羧甲基纤维素钠与聚乙烯吡咯烷酮组成。",
  ["H01M4/62", "H01M4/133"], "天津大学", 2022, INV, "granted", 5, [A, LN], 150000, "new_energy")

# ---------------------------------------------------------------- new_energy: storage thermal uniformity
P(9, "一种储能集装箱电池簇风道均流结构",
  "本实用新型公开了一种储能集装箱电池簇风道均流结构，包括顶部主风道、沿高度方向开孔率渐变的竖向静压风道和各电池插箱进风口的可调导流片，使上下层电池插箱进风量偏差小于8%，电芯最大温差由8℃降至3℃以内，可在既有风冷储能集装箱上现场加装。",
  "一种储能集装箱风道均流结构，包括主风道和竖向风道，其特征在于，所述竖向风道侧壁的开孔率沿高度方向自上而下递增，各电池插箱进风口设有角度可调的导流片。",
  ["H01M10/6563", "H01M10/613", "H01M10/617"], "西安交通大学", 2022, UM, "granted", 7, [A, LN], 180000, "new_energy")
P(10, "一种储能电池舱分区送风与回风协同控制方法",
  "本发明公开了一种储能电池舱分区送风与回风协同控制方法，将电池舱划分为多个温区，根据各电池簇温度采样结果实时调节分区风阀开度和空调送风量，使舱内电芯温差控制在2.5℃以内，同时降低空调能耗约15%，适用于已投运的风冷储能舱改造。",
  "一种储能电池舱温度控制方法，其特征在于，包括划分温区、采集各电池簇温度、计算温区温度偏差并据此调节分区风阀开度及空调送风量的步骤。",
  ["H01M10/6563", "H01M10/633", "H01M10/617"], "清华大学", 2023, INV, "pending", 6, [LE, A], 1200000, "new_energy")
P(11, "一种储能电池模组用吹胀式一体化液冷板及其制造方法",
  "本发明公开了一种储能电池模组用一体化液冷板，采用吹胀成型的铝合金双层板，内部流道按电芯发热分布设计为变宽蛇形通道，流阻低、无焊缝泄漏风险，模组内电芯温差小于3℃，适用于新建液冷储能系统。",
  "一种储能电池液冷板，其特征在于，由两层铝合金板经局部焊合后吹胀形成蛇形流道，所述流道宽度沿冷却液流动方向逐渐增大。",
  ["H01M10/6556", "H01M10/6568", "B21D53/04"], "中南大学", 2021, INV, "granted", 7, [A, LN], 350000, "new_energy")
P(12, "一种储能电站电池热失控多参量早期预警方法",
  "本发明公开了一种储能电站电池热失控早期预警方法，融合电池簇内氢气、一氧化碳浓度与电芯温升速率、电压突变等参量，构建多级预警模型，可在热失控发生前约10分钟发出预警并联动排风与消防系统，误报率低于1%。",
  "一种电池热失控预警方法，其特征在于，以氢气浓度、一氧化碳浓度、温升速率和电压变化率作为输入，按多级阈值与趋势判据输出预警等级。",
  ["H01M10/48", "G08B21/12", "A62C3/16"], "中国科学技术大学", 2022, INV, "granted", 6, [LN, CD], 500000, "new_energy")
P(13, "Low-temperature pulse self-heating method for electric vehicle traction batteries",
  "The invention discloses a self-heating method for traction batteries at low temperature. The motor controller generates a high-frequency alternating pulse current that heats the cells from inside; the pulse amplitude is limited by an online lithium-plating criterion, so the pack warms from -20 °C to above 5 °C within 10 minutes without lithium plating.",
  "A method for heating a traction battery, characterised in that the motor inverter applies an alternating pulse current of 500 Hz to 2 kHz to the battery, the amplitude being limited by an anode-potential estimate that prevents lithium plating.",
  ["H01M10/615", "H01M10/637", "B60L58/27"], "北京理工大学", 2020, INV, "granted", 6, [LE, CD], None, "new_energy", "en")

# ---------------------------------------------------------------- new_materials: paintable PP
P(14, "一种免火焰处理可直接涂装的改性聚丙烯复合材料及其制备方法",
  "本发明公开了一种可直接涂装的改性聚丙烯复合材料，由共聚聚丙烯、马来酸酐接枝聚丙烯、含羟基极性弹性体和滑石粉组成，注塑时极性组分向制件表层迁移富集，无需火焰或等离子预处理即可喷涂，漆膜百格附着力达到0级，耐高压水冲刷不脱落。",
  "一种改性聚丙烯复合材料，其特征在于，按重量份包括共聚聚丙烯60~75份、马来酸酐接枝聚丙烯5~10份、含羟基极性弹性体8~15份和滑石粉10~20份。",
  ["C08L23/12", "C08L51/06", "C08K3/34"], "华东理工大学", 2021, INV, "granted", 7, [A, LE, LN], 300000, "new_materials")
P(15, "一种汽车塑料件在线大气压等离子表面活化装置",
  "本实用新型公开了一种汽车塑料件在线大气压等离子表面活化装置，包括多喷头旋转等离子发生器、六轴机械臂和仿形轨迹控制单元，可对保险杠等大型聚丙烯件进行均匀活化处理，表面能由30mN/m提升至60mN/m以上，替代火焰处理工序。",
  "一种塑料件表面活化装置，包括等离子发生器和机械臂，其特征在于，所述等离子发生器设有多个旋转喷头，所述机械臂按工件三维轮廓生成的仿形轨迹运动。",
  ["B29C59/14", "C08J7/123", "H05H1/24"], "吉林大学", 2022, UM, "granted", 7, [A], 120000, "new_materials")
P(16, "一种低气味低VOC车用聚丙烯复合材料及其制备方法",
  "本发明公开了一种低气味低VOC车用聚丙烯复合材料，通过添加多孔分子筛吸附剂和气味掩蔽剂并采用双阶真空脱挥挤出工艺，材料气味等级由4.0级降至3.0级，总碳挥发量低于20μgC/g，适用于仪表板、门板等内饰件。",
  "一种低气味聚丙烯复合材料，其特征在于，包括聚丙烯、0.5~2份多孔分子筛吸附剂和0.1~0.5份气味掩蔽剂，并经两段真空脱挥挤出制得。",
  ["C08L23/12", "C08K5/00", "C08K7/26"], "青岛科技大学", 2020, INV, "granted", 7, [A, LN], 200000, "new_materials")
P(17, "一种聚丙烯熔喷非织造布复合驻极处理方法",
  "本发明公开了一种聚丙烯熔喷非织造布驻极处理方法，在熔喷原料中添加硬脂酸镁驻极母粒，成网后依次进行水驻极和电晕驻极复合处理，过滤效率达到99%以上，放置6个月后过滤效率衰减小于3%，适用于口罩及空气过滤材料。",
  "一种熔喷非织造布的驻极方法，其特征在于，依次对含驻极母粒的聚丙烯熔喷布进行水驻极处理和电晕驻极处理。",
  ["D04H1/56", "B01D39/16", "D06M10/02"], "东华大学", 2020, INV, "granted", 8, [A], 100000, "new_materials")

# ---------------------------------------------------------------- new_materials: glass-fibre nylon surface
P(18, "一种低浮纤高光泽玻纤增强聚酰胺复合材料及其制备方法",
  "本发明公开了一种低浮纤玻纤增强聚酰胺复合材料，在PA6基体中引入低黏度PA6/66共聚物、硅烷偶联改性玻纤和界面相容剂，提高熔体对玻纤的包覆性，30%玻纤含量下注塑件表面无浮纤，60°光泽度大于85，模温80℃即可成型，无需高温模具。",
  "一种玻纤增强聚酰胺复合材料，其特征在于，按重量份包括PA6 45~55份、低黏度PA6/66共聚物8~15份、硅烷改性玻璃纤维25~35份和界面相容剂1~3份。",
  ["C08L77/02", "C08K7/14", "C08K9/06"], "四川大学", 2022, INV, "granted", 6, [A, LN], 250000, "new_materials")
P(19, "一种快速热循环注塑模具的电加热温控系统",
  "本发明公开了一种快速热循环注塑模具温控系统，在模具型腔表层布置电加热棒和随形冷却水路，注射前将型腔表面快速加热至树脂热变形温度以上，保压结束后快速切换冷却，可消除熔接痕、浮纤和流痕，实现免喷涂高光外观制件。",
  "一种注塑模具温控系统，包括嵌于型腔表层的电加热元件、冷却水路和控制器，其特征在于，所述控制器在注射前加热型腔表面至设定温度，在保压结束后切换至冷却。",
  ["B29C45/73", "B29C45/78"], "山东大学", 2021, INV, "granted", 7, [LE, CD], 600000, "mechanical_parts")
P(20, "一种无卤阻燃玻纤增强聚酰胺66及其制备方法",
  "本发明公开了一种无卤阻燃玻纤增强聚酰胺66，以二乙基次膦酸铝与三聚氰胺聚磷酸盐复配阻燃，阻燃等级达到UL94 V-0（0.8mm），灼热丝起燃温度大于775℃，相比溴系阻燃体系更环保，适用于断路器和接触器外壳。",
  "一种无卤阻燃玻纤增强聚酰胺66，其特征在于，包括聚酰胺66、玻璃纤维、二乙基次膦酸铝8~12份和三聚氰胺聚磷酸盐3~6份。",
  ["C08L77/06", "C08K5/5313", "C08K7/14"], "北京工商大学", 2019, INV, "granted", 7, [A], 200000, "new_materials")
P(21, "Pyrolysis-based recovery of carbon fibres from end-of-life composite parts",
  "The invention discloses a method for recovering carbon fibres from scrapped carbon-fibre reinforced epoxy parts. The parts are pyrolysed in stages under nitrogen with a small steam fraction, which removes the matrix while limiting fibre oxidation; the recovered fibres carry less than 1 % residual char and keep over 90 % of their single-filament tensile strength.",
  "A method for recovering carbon fibres from a fibre-reinforced resin composite, characterised by a first pyrolysis stage at 450 to 550 °C under nitrogen and a second stage at 550 to 650 °C under nitrogen containing 2 to 8 % steam.",
  ["C08J11/12", "B29B17/02"], "哈尔滨工业大学", 2020, INV, "granted", 5, [LN, CD], None, "new_materials", "en")

# ---------------------------------------------------------------- new_materials: fire-rated PU foam
P(22, "一种无卤阻燃硬质聚氨酯泡沫保温材料及其制备方法",
  "本发明公开了一种无卤阻燃硬质聚氨酯泡沫，采用含磷聚醚多元醇与可膨胀石墨协效阻燃，泡沫氧指数达到30%以上，燃烧性能达到GB 8624 B1级，导热系数不大于0.022W/(m·K)，发泡工艺窗口与常规体系相同，可直接用于冷库板和建筑夹芯板连续生产线。",
  "一种阻燃硬质聚氨酯泡沫，其特征在于，其多元醇组分包括含磷聚醚多元醇30~50份和粒径150~300μm的可膨胀石墨8~15份，以环戊烷为发泡剂。",
  ["C08G18/48", "C08J9/14", "C08K3/04"], "中国科学院宁波材料技术与工程研究所", 2021, INV, "granted", 7, [A, LN], 280000, "new_materials")
P(23, "一种二氧化硅气凝胶复合保温毡的常压干燥制备方法",
  "本发明公开了一种二氧化硅气凝胶复合保温毡的常压干燥制备方法，以玻璃纤维毡为增强体浸渍硅溶胶，经溶剂置换和表面疏水改性后常压干燥，产品导热系数0.018W/(m·K)，燃烧性能A级，成本较超临界干燥路线降低40%。",
  "一种气凝胶复合保温毡的制备方法，其特征在于，包括玻璃纤维毡浸渍硅溶胶、凝胶老化、乙醇-正己烷溶剂置换、三甲基氯硅烷改性和常压分段干燥步骤。",
  ["C01B33/158", "C04B30/02", "F16L59/02"], "同济大学", 2022, INV, "pending", 6, [LE, CD], None, "new_materials")
P(24, "一种耐磨聚氨酯微孔鞋底材料及其制备方法",
  "本发明公开了一种耐磨聚氨酯微孔鞋底材料，以聚酯多元醇和MDI预聚体为主体，引入纳米二氧化硅和有机硅泡沫稳定剂，泡孔细密均匀，密度0.55g/cm³时DIN磨耗小于80mm³，耐折次数超过5万次，适用于运动鞋和安全鞋大底。",
  "一种聚氨酯微孔鞋底材料，其特征在于，由聚酯多元醇、MDI预聚体、1~3份纳米二氧化硅和0.5~1.5份有机硅泡沫稳定剂反应发泡制得。",
  ["C08G18/42", "A43B13/04", "C08J9/12"], "陕西科技大学", 2019, INV, "granted", 8, [A], 80000, "new_materials")
P(25, "一种低烟无卤阻燃聚烯烃电缆护套料",
  "本发明公开了一种低烟无卤阻燃聚烯烃电缆护套料，以乙烯-醋酸乙烯共聚物和线性低密度聚乙烯为基体，氢氧化镁与微胶囊红磷协效阻燃，氧指数大于35%，烟密度小于50，拉伸强度大于10MPa，适用于轨道交通和建筑布线。",
  "一种电缆护套料，其特征在于，包括乙烯-醋酸乙烯共聚物、线性低密度聚乙烯、120~160份氢氧化镁和3~8份微胶囊红磷。",
  ["C08L23/08", "C08K3/22", "H01B3/44"], "武汉理工大学", 2020, INV, "lapsed", 7, [A, LN], 150000, "new_materials")

# ---------------------------------------------------------------- rare_earth_magnets: corrosion protection
P(26, "一种烧结钕铁硼磁体表面铝/环氧复合防护涂层及其制备方法",
  "本发明公开了一种烧结钕铁硼磁体表面复合防护涂层，先以真空蒸镀形成8~12μm致密铝膜，经无铬钝化后再电泳涂覆环氧树脂层，总厚度不超过25μm，中性盐雾试验超过1000小时无锈蚀，高压加速老化试验失重小于1mg/cm²，涂层结合力不低于15MPa。",
  "一种钕铁硼磁体防护涂层，其特征在于，由内至外依次包括真空蒸镀铝层、无铬钝化层和电泳环氧树脂层，所述铝层厚度为8~12μm。",
  ["H01F41/02", "C23C14/16", "H01F1/057"], "中国科学院宁波材料技术与工程研究所", 2021, INV, "granted", 7, [A, LE], 500000, "rare_earth_magnets")
P(27, "一种烧结钕铁硼磁体低温锌系磷化前处理方法",
  "本发明公开了一种烧结钕铁硼磁体低温磷化前处理方法，在35~45℃下采用含稀土盐促进剂的锌系磷化液处理磁体，形成2~3μm致密磷化膜，作为电泳或喷涂底层可使涂层附着力提高一级、盐雾寿命提高一倍以上，且避免酸洗造成的晶界腐蚀。",
  "一种钕铁硼磁体磷化方法，其特征在于，磷化液含磷酸二氢锌、硝酸锌和0.1~0.5g/L硝酸铈促进剂，处理温度为35~45℃。",
  ["C23C22/18", "H01F41/02"], "江西理工大学", 2020, INV, "granted", 6, [A, LN], 120000, "rare_earth_magnets")
P(28, "一种高温用2:17型钐钴永磁材料及其制备方法",
  "本发明公开了一种2:17型钐钴永磁材料，通过调整铁、铜、锆含量并采用多级时效工艺，使磁体在300℃下矫顽力仍大于10kOe，最大磁能积达到30MGOe，不需表面镀层即具有良好耐蚀性，适用于高温和湿热等严苛工况的电机与传感器。",
  "一种钐钴永磁材料，其特征在于，其成分为Sm(CobalFe0.20~0.25Cu0.06~0.08Zr0.02~0.03)7.2~7.6，经固溶后进行800~850℃等温时效及分级缓冷时效。",
  ["H01F1/055", "C22C19/07", "H01F41/02"], "钢铁研究总院", 2019, INV, "granted", 6, [LE], ("auction", 1500000), "rare_earth_magnets")
P(29, "一种钕铁硼晶界扩散用重稀土浆料自动涂覆装置",
  "本实用新型公开了一种钕铁硼磁体晶界扩散用重稀土浆料自动涂覆装置，包括磁体上料输送带、双面辊涂单元、红外烘干段和涂覆量称重反馈单元，实现铽、镝浆料在磁体表面的定量均匀涂覆，涂覆量偏差小于3%，提高扩散后磁体矫顽力一致性。",
  "一种重稀土浆料涂覆装置，包括输送带、辊涂单元和烘干段，其特征在于，还包括设于烘干段出口的称重单元，所述称重单元的测量值反馈调节辊涂单元的辊间隙。",
  ["B05C1/08", "H01F41/02"], "包头稀土研究院", 2022, UM, "granted", 7, [A], 150000, "rare_earth_magnets")

# ---------------------------------------------------------------- rare_earth_magnets: scrap and sludge recovery
P(30, "一种钕铁硼油泥废料中稀土的低酸耗选择性浸出回收方法",
  "本发明公开了一种从钕铁硼切磨加工油泥中回收稀土的方法，先经真空蒸馏脱油，再低温氧化焙烧使铁转化为难溶氧化物，随后用稀盐酸选择性浸出稀土，稀土浸出率大于98%，铁浸出率低于1%，酸耗和废水量较传统全溶工艺降低约50%，产品氧化镨钕纯度达99.5%。",
  "一种钕铁硼油泥中稀土的回收方法，其特征在于，依次包括真空蒸馏脱油、500~650℃氧化焙烧、pH1.5~2.5条件下盐酸选择性浸出和草酸沉淀灼烧步骤。",
  ["C22B59/00", "C22B7/00", "C22B1/02"], "江西理工大学", 2021, INV, "granted", 7, [A, LE, LS, LN], 600000, "rare_earth_magnets")
P(31, "Short-loop regeneration of sintered NdFeB magnets from end-of-life scrap by hydrogen decrepitation",
  "The invention discloses a short-loop route for recycling sintered NdFeB scrap: coatings are stripped, the scrap is hydrogen-decrepitated and jet-milled, a small amount of Nd-rich alloy powder is blended in to restore the grain-boundary phase, and the powder is re-pressed and sintered. Remanence recovers to 97 % of the original magnet at about 30 % of the energy of the smelting-separation route.",
  "A method for regenerating sintered NdFeB magnets from scrap magnets, characterised by removing the surface coating, hydrogen decrepitation, jet milling, adding 2 to 5 wt% of Nd-rich alloy powder, magnetic-field pressing and sintering.",
  ["H01F41/02", "B22F8/00", "H01F1/057"], "北京工业大学", 2020, INV, "granted", 6, [LE, CD], 450000, "rare_earth_magnets", "en")
P(32, "一种稀土萃取分离高氨氮废水的资源化处理方法",
  "本发明公开了一种稀土萃取分离高氨氮废水资源化处理方法，采用除油、膜吸收脱氨与MVR蒸发结晶联用，回收氯化铵和硫酸铵产品，出水氨氮低于15mg/L，可回用于萃取工序，实现废水近零排放，运行成本低于传统吹脱工艺。",
  "一种稀土冶炼高氨氮废水处理方法，其特征在于，包括气浮除油、中空纤维膜吸收脱氨、MVR蒸发结晶回收铵盐和出水回用步骤。",
  ["C02F9/00", "C02F1/44", "C02F101/16"], "中国科学院过程工程研究所", 2022, INV, "granted", 6, [A], 800000, "environment")
P(33, "一种废旧三元锂电池正极材料短流程回收方法",
  "本发明公开了一种废旧三元锂电池正极材料短流程回收方法，正极粉经碳热还原焙烧后水浸优先提锂，浸出渣经酸溶、除杂、共沉淀直接再生三元前驱体，锂回收率大于90%，镍钴锰回收率大于98%，流程短、试剂消耗少。",
  "一种三元正极材料回收方法，其特征在于，包括正极粉与碳粉混合后600~750℃还原焙烧、水浸提锂、浸出渣硫酸浸出及共沉淀制备前驱体步骤。",
  ["C22B7/00", "C22B26/12", "H01M10/54"], "中南大学", 2022, INV, "pending", 5, [LN, CD], 700000, "environment")

# ---------------------------------------------------------------- rare_earth_magnets / motors: rotor magnet heating
P(34, "一种低涡流损耗的分段绝缘粘接钕铁硼磁钢及其制备方法",
  "本发明公开了一种低涡流损耗钕铁硼磁钢，将烧结磁体切成厚度1~2mm的薄片，片间以含无机填料的耐高温环氧绝缘胶粘接成整体，片间电阻大于10MΩ，在20kHz交变磁场下涡流损耗降低70%以上，有效抑制高速永磁电机转子温升和不可逆退磁，外形尺寸与整体磁钢互换。",
  "一种分段粘接钕铁硼磁钢，其特征在于，由多片厚度为1~2mm的烧结钕铁硼薄片沿轴向叠置，相邻薄片之间设有含氮化硼填料的环氧绝缘胶层，胶层厚度为10~30μm。",
  ["H01F41/02", "H01F7/02", "H02K1/27"], "浙江大学", 2022, INV, "granted", 6, [A, LE, LN], 350000, "rare_earth_magnets")
P(35, "一种高速永磁电机转子碳纤维护套及其预紧装配方法",
  "本发明公开了一种高速永磁电机转子碳纤维护套，采用环向缠绕的碳纤维/环氧复合护套与过盈热装工艺，并在护套内侧设置薄铜屏蔽层以屏蔽定子槽谐波磁场，转子线速度可达200m/s，磁钢涡流损耗降低约40%。",
  "一种高速永磁电机转子，包括转轴、磁钢和护套，其特征在于，所述护套由内层铜屏蔽层和外层环向缠绕碳纤维复合层组成，并以0.1~0.3mm过盈量热装于磁钢外周。",
  ["H02K1/28", "H02K15/03", "H02K1/27"], "沈阳工业大学", 2021, INV, "granted", 6, [LN, CD], 400000, "smart_components")
P(36, "一种永磁电机机壳双螺旋水道冷却结构",
  "本实用新型公开了一种永磁电机机壳双螺旋水道冷却结构，在铝合金机壳内铸出双螺旋冷却水道，进出水口同侧布置，冷却液分布均匀，定子绕组温升降低约15K，结构紧凑、便于装配，适用于电动汽车驱动电机和工业伺服电机。",
  "一种电机机壳冷却结构，包括铝合金机壳，其特征在于，所述机壳壁内设有两条相互交错的螺旋冷却水道，两条水道的进水口和出水口位于机壳同一端。",
  ["H02K5/20", "H02K9/19"], "江苏大学", 2020, UM, "granted", 8, [A], 60000, "smart_components")
P(37, "一种高工作温度烧结钕铁硼磁体的晶界扩散制备方法",
  "本发明公开了一种高工作温度烧结钕铁硼磁体的制备方法，对含少量镝的基体磁体进行铽-铜-铝合金晶界扩散并配合两级回火，磁体矫顽力大于30kOe，工作温度可达200℃，高温不可逆磁通损失小于3%，适用于高速电机和汽车驱动电机。",
  "一种高矫顽力钕铁硼磁体的制备方法，其特征在于，在烧结磁体表面涂覆铽铜铝合金粉末，于850~950℃扩散处理后进行两级回火。",
  ["H01F41/02", "H01F1/057", "C22C38/00"], "钢铁研究总院", 2020, INV, "granted", 7, [LE], 1800000, "rare_earth_magnets")

# ---------------------------------------------------------------- additive_manufacturing: LPBF distortion
P(38, "一种激光选区熔化薄壁件变形预测与反向补偿方法",
  "本发明公开了一种激光选区熔化薄壁零件变形控制方法，基于固有应变法快速仿真打印与去支撑后的残余变形，将变形场反向叠加到模型上生成预变形模型，并对薄壁区域采用分区旋转扫描策略，薄壁件成形后尺寸偏差由0.8mm降至0.1mm以内，无需更换设备。",
  "一种激光选区熔化零件变形补偿方法，其特征在于，包括以固有应变法计算零件打印及切离基板后的变形场、将变形场反向叠加生成预变形模型、对壁厚小于2mm区域采用分区旋转扫描的步骤。",
  ["B22F10/85", "B22F10/366", "B33Y50/02"], "华中科技大学", 2022, INV, "granted", 6, [LN, LE], 400000, "additive_manufacturing")
P(39, "一种金属增材制造基板感应预热与温度场控制装置",
  "本实用新型公开了一种金属增材制造基板预热装置，在成形缸基板下方设置感应加热线圈和多点热电偶，基板可稳定预热至500℃且温度均匀性±10℃，降低打印过程温度梯度和残余应力，减少零件翘曲与开裂，可改装于现有激光选区熔化设备。",
  "一种增材制造基板预热装置，包括成形缸和基板，其特征在于，所述基板下方设有感应加热线圈及隔热层，所述基板内嵌有多个热电偶，热电偶信号反馈控制感应电源功率。",
  ["B22F12/17", "B33Y30/00"], "西北工业大学", 2021, UM, "granted", 6, [A], 150000, "additive_manufacturing")
P(40, "Easily removable lattice support structure for metal additive manufacturing",
  "The utility model discloses a support structure for metal powder-bed parts made of conical contact teeth on a diamond lattice. Contact points are 0.3 to 0.5 mm in diameter, so the supports can be broken off by hand, leave less than 0.1 mm of witness marks, and still conduct heat and hold thin sections against distortion during the build.",
  "A support structure for metal additive manufacturing, comprising a diamond lattice body and a plurality of conical contact teeth on its top surface, characterised in that the tip diameter of each contact tooth is 0.3 to 0.5 mm.",
  ["B22F10/47", "B33Y80/00"], "南京航空航天大学", 2023, UM, "granted", 6, [A], 50000, "additive_manufacturing", "en")
P(41, "一种桌面熔融沉积3D打印机磁吸柔性加热平台",
  "本实用新型公开了一种桌面熔融沉积3D打印机加热平台，采用磁吸弹簧钢板与硅胶加热垫组合，表面覆聚醚酰亚胺膜，打印时首层附着牢固防止翘边，打印完成后弯折钢板即可取下模型，适用于PLA、ABS等线材打印。",
  "一种3D打印机加热平台，包括硅胶加热垫和磁性底板，其特征在于，还包括可拆卸吸附于磁性底板上的弹簧钢板，所述弹簧钢板表面覆有聚醚酰亚胺膜。",
  ["B29C64/245", "B29C64/295", "B33Y30/00"], "深圳大学", 2020, UM, "granted", 8, [A], 20000, "additive_manufacturing")

# ---------------------------------------------------------------- additive_manufacturing: conformal cooling
P(42, "一种基于激光选区熔化的注塑模具随形冷却镶件及其制造方法",
  "本发明公开了一种注塑模具随形冷却镶件的制造方法，根据制件壁厚分布设计距型腔表面等距的异形冷却流道，采用马氏体时效钢粉末激光选区熔化成形，经固溶时效和精加工后与模架装配，型芯温差由25℃降至6℃以内，注塑冷却时间缩短30%~50%，缩痕和翘曲明显减少。",
  "一种随形冷却镶件的制造方法，其特征在于，包括按制件壁厚生成距型腔表面3~6mm等距冷却流道、以马氏体时效钢粉末激光选区熔化成形、固溶时效处理及型面精加工步骤。",
  ["B29C33/04", "B22F10/28", "B33Y80/00"], "广东工业大学", 2021, INV, "granted", 7, [A, LN], 300000, "additive_manufacturing")
P(43, "一种增材制造用低碳高韧模具钢粉末及其制备方法",
  "本发明公开了一种增材制造用模具钢粉末，通过降低碳含量并添加适量镍、钼、钴元素，采用真空感应熔炼气雾化制粉，粉末球形度大于0.92，打印件经时效后硬度达到52HRC且无裂纹，适合制造带随形水路的模具镶件。",
  "一种增材制造用模具钢粉末，其特征在于，按质量百分比含C≤0.03%、Ni 16~18%、Mo 4~5%、Co 8~10%、Ti 0.6~1.0%，粒径15~53μm。",
  ["C22C38/52", "B22F9/082", "B33Y70/00"], "北京科技大学", 2022, INV, "pending", 5, [LE, CD], 500000, "additive_manufacturing")
P(44, "一种注塑模具多回路智能模温控制机",
  "本实用新型公开了一种多回路智能模温控制机，设置6路独立温控回路及电磁流量计，可分别调节模具各区域冷却水温度与流量，具有回路堵塞和水垢报警功能，提高模具温度均匀性，适用于家电、汽车大型注塑模具。",
  "一种模温控制机，包括水箱、加热器、冷却器和循环泵，其特征在于，设有多路独立出水回路，每路回路设有电磁流量计、温度传感器和比例调节阀。",
  ["B29C45/73"], "宁波大学", 2020, UM, "granted", 8, [A, LN], 80000, "mechanical_parts")
P(45, "一种立体光固化3D打印用高韧性光敏树脂",
  "本发明公开了一种立体光固化3D打印用高韧性光敏树脂，由聚氨酯丙烯酸酯低聚物、活性稀释剂、光引发剂和纳米核壳橡胶粒子组成，打印件断裂伸长率达到45%，缺口冲击强度提高2倍，可用于卡扣、铰链等功能样件。",
  "一种光敏树脂，其特征在于，按重量份包括聚氨酯丙烯酸酯低聚物40~60份、活性稀释剂30~50份、光引发剂1~3份和纳米核壳橡胶粒子3~8份。",
  ["C08F290/06", "B33Y70/00", "G03F7/027"], "江南大学", 2021, INV, "granted", 6, [A], 100000, "additive_manufacturing")
P(46, "一种基于模腔温度传感的注塑冷却时间自适应控制方法",
  "本发明公开了一种注塑冷却时间自适应控制方法，在模腔关键位置埋设温度传感器，实时判断制件是否达到设定顶出温度并动态结束冷却，在保证尺寸稳定的前提下平均缩短成型周期8%~12%，适用于现有注塑机控制系统升级。",
  "一种注塑冷却时间控制方法，其特征在于，以埋设于模腔的温度传感器测得的制件表面温度下降曲线预测到达顶出温度的时刻，并据此提前结束冷却阶段。",
  ["B29C45/78", "B29C45/76"], "郑州大学", 2022, INV, "granted", 6, [A, LN], 150000, "mechanical_parts")

# ---------------------------------------------------------------- additive_manufacturing: powder reuse
P(47, "一种增材制造回收钛合金粉末的脱氧与球化再生方法",
  "本发明公开了一种增材制造回收钛合金粉末再生方法，先对多次循环使用后的TC4粉末筛分去除卫星球和飞溅颗粒，再采用钙蒸气低温脱氧，使氧含量由0.20%降至0.12%以下，最后经射频等离子体球化处理，再生粉末流动性和粒度分布达到新粉水平，成本约为新粉的40%。",
  "一种回收钛合金粉末的再生方法，其特征在于，依次包括超声筛分、600~800℃钙蒸气脱氧、稀酸洗涤去除氧化钙及射频等离子体球化步骤。",
  ["B22F1/142", "B22F10/73", "C22B34/12"], "中国科学院金属研究所", 2023, INV, "pending", 5, [LE, LN], 700000, "additive_manufacturing")
P(48, "一种金属增材制造粉末惰性气氛闭环筛分回收系统",
  "本实用新型公开了一种金属增材制造粉末惰性气氛筛分回收系统，由密闭输送管道、超声振动筛、氧含量在线监测仪和氩气循环净化单元组成，粉末从成形舱取出到回装全过程氧含量低于1000ppm，避免回收粉末吸氧、吸湿，延长粉末可循环次数。",
  "一种金属粉末回收系统，包括密闭输送管道和振动筛，其特征在于，还包括氩气循环净化单元和设于筛分腔的氧含量监测仪，所述氧含量超过设定值时系统停止筛分并补充氩气。",
  ["B22F10/73", "B07B1/28", "B33Y40/00"], "大连理工大学", 2022, UM, "granted", 7, [A, LN], 200000, "additive_manufacturing")
P(49, "Plasma rotating electrode process for fine spherical titanium alloy powder",
  "The invention discloses a plasma rotating electrode process for titanium alloy powder. Raising the electrode speed to 25,000 rpm and matching the plasma arc current increases the yield of 15-53 µm powder to 35 %, while oxygen pick-up stays below 200 ppm and hollow-particle content is low, giving powder suitable for laser powder bed fusion.",
  "A method for producing spherical titanium alloy powder by plasma rotating electrode atomisation, characterised by an electrode rotation speed of 22,000 to 28,000 rpm and a plasma arc current of 1,500 to 2,200 A under helium-argon atmosphere.",
  ["B22F9/10", "B22F9/082"], "西北有色金属研究院", 2019, INV, "granted", 7, [A, LE], ("auction", 1200000), "additive_manufacturing", "en")
P(50, "一种粉末冶金汽车变速箱同步器齿毂及其制备方法",
  "本发明公开了一种粉末冶金同步器齿毂的制备方法，采用扩散合金化铁基粉末温压成形和烧结硬化工艺，齿毂密度达到7.2g/cm³，抗拉强度大于900MPa，尺寸精度达到IT8级，免除后续热处理，成本较锻造切削工艺降低30%。",
  "一种粉末冶金同步器齿毂的制备方法，其特征在于，以扩散合金化铁基粉末在120~150℃温压成形，并在1120~1150℃烧结后以大于2℃/s速率冷却实现烧结硬化。",
  ["B22F3/16", "B22F5/08", "C22C33/02"], "合肥工业大学", 2018, INV, "lapsed", 8, [A], 180000, "mechanical_parts")

# ---------------------------------------------------------------- semiconductors: SiC dicing
P(51, "一种碳化硅晶圆激光隐形切割与裂片方法",
  "本发明公开了一种碳化硅晶圆激光隐形切割方法，采用皮秒激光在晶圆内部多焦点聚焦形成多层改质层，再通过扩膜裂片分离芯片，切割道宽度可缩小至20μm以下，正面崩边小于5μm，切割速度为刀片切割的10倍以上，无需冷却水且无刀具损耗。",
  "一种碳化硅晶圆切割方法，其特征在于，以波长1030nm的皮秒激光经多焦点光学元件在晶圆内部不同深度同时形成改质层，随后对贴附于蓝膜上的晶圆进行扩膜裂片。",
  ["B23K26/53", "H01L21/78", "B28D5/00"], "中国科学院半导体研究所", 2022, INV, "granted", 6, [LE, LN, CD], 900000, "semiconductors")
P(52, "一种用于碳化硅切割的超薄金属结合剂金刚石划片刀及其制备方法",
  "本发明公开了一种超薄金属结合剂金刚石划片刀，采用镍钴合金电铸结合剂并添加纳米氧化铝弥散强化相，刀片厚度30μm，金刚石出刃均匀，用于碳化硅晶圆切割时崩边小于15μm，使用寿命较树脂结合剂刀片提高3倍。",
  "一种金刚石划片刀，其特征在于，由镍钴合金电铸结合剂、粒径2~4μm的金刚石磨粒和体积分数1%~3%的纳米氧化铝组成，刀片厚度为25~40μm。",
  ["B24D3/06", "B28D5/02", "H01L21/78"], "河南工业大学", 2021, INV, "granted", 7, [A, LN], 200000, "semiconductors")
P(53, "一种碳化硅晶圆背面减薄的超精密磨削方法",
  "本发明公开了一种碳化硅晶圆背面减薄方法，采用粗磨-精磨两段式磨削并在线测厚，将350μm晶圆减薄至100μm，表面粗糙度小于5nm，亚表面损伤层小于1μm，翘曲小于20μm，可省去后续化学机械抛光工序。",
  "一种碳化硅晶圆减薄方法，其特征在于，先以粒度#600的金刚石砂轮粗磨至目标厚度加20μm，再以#8000陶瓷结合剂砂轮精磨，精磨进给速度0.1~0.3μm/s。",
  ["B24B7/22", "H01L21/304"], "大连理工大学", 2022, INV, "granted", 6, [LN], 500000, "semiconductors")
P(54, "一种超薄玻璃激光切割裂片装置",
  "本实用新型公开了一种超薄玻璃激光切割裂片装置，包括贝塞尔光束切割头、二氧化碳激光加热裂片单元和真空吸附平台，用于0.1~0.5mm厚度盖板玻璃和显示面板玻璃的无崩边切割，切割后边缘强度高，无需磨边。",
  "一种超薄玻璃激光切割装置，包括真空吸附平台和运动机构，其特征在于，还包括贝塞尔光束切割头以及沿切割方向设于其后的二氧化碳激光加热裂片单元。",
  ["C03B33/0222", "B23K26/38"], "长春理工大学", 2023, UM, "granted", 6, [A], 120000, "semiconductors")

# ---------------------------------------------------------------- semiconductors: power module lifetime
P(55, "一种功率模块芯片银烧结连接与铜线键合的高可靠封装方法",
  "本发明公开了一种功率模块高可靠封装方法，芯片与覆铜陶瓷基板之间采用纳米银膏低压烧结连接，芯片正面以铜缓冲层加粗铜线键合取代铝线键合，功率循环寿命（ΔTj=100K）由约2万次提高至10万次以上，适用于风电、光伏变流器和电动汽车电驱模块。",
  "一种功率模块封装方法，其特征在于，芯片与覆铜陶瓷基板之间以纳米银膏在5~10MPa、250℃下烧结连接，芯片正面烧结铜缓冲片后以直径300~500μm铜线键合。",
  ["H01L23/488", "H01L21/60", "H01L25/07"], "天津大学", 2021, INV, "granted", 6, [LE, LN, CD], 700000, "semiconductors")
P(56, "一种大功率IGBT模块焊料层空洞的X射线在线检测方法",
  "本发明公开了一种IGBT模块焊料层空洞在线检测方法，对模块进行X射线透射成像，采用自适应阈值与形态学图像分割算法自动识别焊层空洞并计算空洞率和最大空洞面积，单模块检测时间小于20秒，可在出厂前剔除空洞率超标的模块。",
  "一种IGBT模块焊层空洞检测方法，其特征在于，包括获取模块X射线透射图像、自适应阈值分割、形态学去噪、计算各芯片区域空洞率并与阈值比较的步骤。",
  ["G01N23/04", "H01L21/66", "G06T7/00"], "重庆大学", 2020, INV, "granted", 7, [A, LN], 250000, "semiconductors")
P(57, "Junction-temperature based lifetime estimation and active thermal control for IGBT modules in wind converters",
  "The invention discloses a method that estimates IGBT junction temperature online from the on-state voltage, accumulates fatigue damage with rainflow counting and a lifetime model, and, under fluctuating low-wind operation, adapts switching frequency and reactive current sharing to reduce junction temperature swings, extending module lifetime by more than 30 %.",
  "A thermal control method for a power converter, characterised by estimating junction temperature from collector-emitter on-state voltage, computing accumulated damage by rainflow counting, and reducing switching frequency when the junction temperature swing exceeds a threshold.",
  ["H02M1/32", "G01R31/26", "H02M1/00"], "华北电力大学", 2022, INV, "granted", 6, [LN, A], 300000, "new_energy", "en")
P(58, "一种高导热低渗油有机硅导热脂",
  "本发明公开了一种高导热有机硅导热脂，以球形氧化铝和片状氮化硼复配为导热填料，并以端乙烯基硅油轻度交联抑制泵出，导热系数达到5W/(m·K)，经1000次-40~125℃冷热冲击无泵出和渗油，适用于功率器件与散热器之间的界面导热。",
  "一种有机硅导热脂，其特征在于，包括二甲基硅油、端乙烯基硅油、含氢硅油交联剂、80~90重量%的球形氧化铝与氮化硼混合填料。",
  ["C09K5/14", "C08L83/04", "C08K3/22"], "华南理工大学", 2021, INV, "granted", 7, [A], 100000, "new_materials")
P(59, "一种IGBT栅极驱动退饱和短路保护电路",
  "本发明公开了一种IGBT栅极驱动短路保护电路，基于集电极退饱和检测和两级软关断，短路发生后2μs内完成关断，关断过电压降低40%，避免IGBT过压击穿，并输出故障信号供变流器控制器封锁脉冲。",
  "一种IGBT短路保护电路，包括退饱和检测单元、比较器和驱动单元，其特征在于，还包括两级软关断单元，在检测到退饱和后先将栅极电压降至中间电平再完全关断。",
  ["H03K17/082", "H02M1/32"], "西安理工大学", 2019, INV, "granted", 8, [A, LN], 60000, "semiconductors")

# ---------------------------------------------------------------- semiconductors: package warpage
P(60, "一种低翘曲环氧塑封料及其制备方法",
  "本发明公开了一种低翘曲环氧塑封料，以联苯型环氧树脂和多官能酚醛固化剂为基体，填充92%球形熔融硅微粉并引入有机硅改性应力释放剂，玻璃化转变温度达到170℃，线膨胀系数降至8ppm/℃，大尺寸QFN和SiP封装翘曲降低50%以上，适用于车规级封装。",
  "一种环氧塑封料，其特征在于，包括联苯型环氧树脂、多官能酚醛树脂固化剂、88~93重量%的球形熔融硅微粉和1~3重量%的有机硅改性应力释放剂。",
  ["C08L63/00", "C08K3/36", "H01L23/29"], "中国科学院深圳先进技术研究院", 2022, INV, "granted", 6, [A, LE], 450000, "semiconductors")
P(61, "一种倒装芯片封装基板加强环与开槽盖板结构",
  "本实用新型公开了一种倒装芯片封装用加强结构，在封装基板周边粘接不锈钢加强环，并设置带应力释放槽的铜散热盖板，回流焊过程中基板翘曲降低约40%，同时改善芯片散热，适用于大尺寸倒装球栅阵列封装。",
  "一种倒装芯片封装结构，包括基板、芯片、加强环和散热盖板，其特征在于，所述散热盖板与加强环连接的边缘区域开设有多条应力释放槽。",
  ["H01L23/16", "H01L23/367"], "华中科技大学", 2021, UM, "granted", 7, [A], 80000, "semiconductors")
P(62, "一种晶圆级封装用可激光解键合临时键合胶",
  "本发明公开了一种晶圆级封装用临时键合胶，以聚酰亚胺改性树脂为主体并添加紫外吸收剂，耐温达到300℃，可经紫外激光照射后室温解键合，解键合后残胶可用溶剂清洗去除，适用于超薄晶圆的减薄与背面工艺。",
  "一种临时键合胶，其特征在于，包括可溶性聚酰亚胺树脂、环氧改性交联剂和质量分数0.5%~2%的紫外吸收剂，所述紫外吸收剂在355nm处有吸收峰。",
  ["C09J179/08", "H01L21/683"], "中国科学院化学研究所", 2023, INV, "pending", 4, [LE, CD], None, "semiconductors")
P(63, "一种印制电路板回流焊防翘曲治具",
  "本实用新型公开了一种印制电路板回流焊防翘曲治具，包括合成石底座、可调弹性压条和磁吸定位销，压条位置可按板形调整，可防止0.4~0.8mm薄型电路板在回流焊中受热弯曲变形，提高贴片良率。",
  "一种回流焊治具，包括合成石底座，其特征在于，所述底座上设有磁吸定位销和多根位置可调的弹性压条。",
  ["H05K3/34", "B23K3/08"], "桂林电子科技大学", 2020, UM, "granted", 8, [A], 30000, "semiconductors")

# ---------------------------------------------------------------- semiconductors: LED sulfidation
P(64, "一种LED支架镀银层的抗硫化纳米复合防护膜及其制备方法",
  "本发明公开了一种LED支架镀银层抗硫化防护膜，在固晶焊线后、点胶封装前于镀银功能区原子层沉积15~30nm氧化铝/氧化钛叠层薄膜，阻隔含硫气体渗透，经85℃硫蒸气试验24小时后光通量维持率由60%提高到97%，且不影响焊线可靠性。",
  "一种LED器件的制备方法，其特征在于，在芯片固晶和焊线完成后、封装胶点胶之前，以原子层沉积在支架镀银层表面交替沉积氧化铝层和氧化钛层，总厚度为15~30nm。",
  ["H01L33/44", "H01L33/62", "C23C16/40"], "厦门大学", 2021, INV, "granted", 6, [A, LN], 380000, "semiconductors")
P(65, "一种高折射率低透气性苯基有机硅LED封装胶",
  "本发明公开了一种苯基有机硅LED封装胶，以高苯基含量乙烯基硅树脂和苯基含氢硅油为主体，折射率1.54，水汽透过率较甲基硅胶降低约70%，硫化氢透过量显著降低，耐冷热冲击和耐黄变性能良好。",
  "一种LED封装胶，其特征在于，包括苯基摩尔含量40%~50%的乙烯基苯基硅树脂、苯基含氢硅油、铂催化剂和增粘剂。",
  ["C08L83/04", "C09J183/04", "H01L33/56"], "中山大学", 2020, INV, "granted", 7, [A, LN], 250000, "semiconductors")
P(66, "一种户外LED显示屏箱体自然散热结构",
  "本实用新型公开了一种户外LED显示屏箱体散热结构，箱体背板采用铝合金翅片与烟囱效应竖向风道设计，无需风扇即可散热，模组工作温度降低约8℃，同时减少风扇带入的灰尘和潮气，降低维护工作量。",
  "一种LED显示屏箱体，包括铝合金背板，其特征在于，所述背板外侧设有竖向翅片，翅片之间形成上下贯通的风道，风道底部和顶部设有防雨百叶。",
  ["G09F9/33", "H05K7/20"], "福州大学", 2022, UM, "granted", 8, [A], 40000, "semiconductors")
P(67, "一种Mini LED背光模组的巨量转移与坏点修复方法",
  "本发明公开了一种Mini LED巨量转移与坏点修复方法，通过光学检测定位坏点芯片，以激光选择性解除坏点芯片的焊接并以刺晶方式补焊新芯片，修复后点亮良率达到99.99%，适用于Mini LED背光和直显模组生产。",
  "一种Mini LED坏点修复方法，其特征在于，包括光学检测定位坏点、激光局部加热解焊去除坏点芯片、刺晶转移补位芯片和局部回流焊接步骤。",
  ["H01L25/075", "H01L33/00", "H01L21/67"], "福州大学", 2023, INV, "pending", 5, [LE, CD], None, "semiconductors")

# ---------------------------------------------------------------- marine_materials: net-pen fouling
P(68, "一种无铜环保型海水养殖网衣防污涂料及其制备方法",
  "本发明公开了一种无铜环保型网衣防污涂料，以有机硅改性丙烯酸树脂为成膜物，复配辣素衍生物和异噻唑啉酮类低毒防污剂及微米氧化锌，涂覆于聚乙烯网衣后在海区挂网6个月附着生物覆盖率低于10%，网衣柔软不结块，对养殖鱼类无毒害。",
  "一种网衣防污涂料，其特征在于，按重量份包括有机硅改性丙烯酸树脂30~40份、辣素衍生物3~6份、异噻唑啉酮类防污剂2~4份、氧化锌10~15份和溶剂，不含铜及其化合物。",
  ["C09D5/16", "C09D133/04", "A01K61/60"], "中国海洋大学", 2022, INV, "granted", 6, [A, LN], 260000, "marine_materials")
P(69, "Silicone fouling-release coating with amphiphilic domains for ship hulls",
  "The invention discloses a low-surface-energy fouling-release coating for ship hulls based on hydroxyl-terminated polydimethylsiloxane with fluorinated segments and hydrogel micro-domains. The surface energy is below 20 mN/m, and barnacles and algae that settle while moored are shed by the water flow once the ship sails faster than about 8 knots.",
  "A fouling-release coating composition, characterised by comprising hydroxyl-terminated polydimethylsiloxane, a fluoroalkyl silane, an amphiphilic polyethylene-glycol-grafted siloxane and a tin-free condensation catalyst.",
  ["C09D183/04", "C09D5/1675"], "哈尔滨工程大学", 2021, INV, "granted", 7, [LE, LN], 500000, "marine_materials", "en")
P(70, "一种深远海重力式养殖网箱抗风浪框架结构",
  "本实用新型公开了一种深远海重力式养殖网箱抗风浪框架，采用高密度聚乙烯双浮管和钢制立柱组合，底部配重沉子沿周向均布，网衣在2m/s流速下容积保持率大于70%，可抵御12级台风，适用于开放海域大黄鱼等鱼类养殖。",
  "一种重力式养殖网箱，包括浮管框架、网衣和沉子，其特征在于，所述浮管框架由内外两圈高密度聚乙烯浮管和连接二者的钢制立柱构成，所述沉子沿底圈周向均布。",
  ["A01K61/60", "A01K61/65"], "大连海洋大学", 2020, UM, "granted", 7, [A], 100000, "marine_materials")
P(71, "一种养殖网衣水下清洗机器人",
  "本实用新型公开了一种养殖网衣水下清洗机器人，通过推进器产生负压吸附于网衣表面行走，利用高压水射流空化清洗附着的藻类、贝类，配备摄像头与脐带缆实现岸基或船上远程操控，清洗效率每小时约300平方米，无需潜水员下水。",
  "一种网衣清洗机器人，包括机体、推进器和清洗盘，其特征在于，所述推进器产生的负压使机体吸附于网衣表面，所述清洗盘设有多个空化射流喷嘴。",
  ["A01K61/60", "B08B3/02", "B63C11/52"], "浙江海洋大学", 2022, UM, "granted", 6, [A, LE], 350000, "marine_materials")

# ---------------------------------------------------------------- marine_materials: splash zone steel piles
P(72, "一种海洋钢结构浪溅区矿脂包覆防腐系统及其带水施工方法",
  "本发明公开了一种海洋钢结构浪溅区及潮差区防腐方法，依次在除锈后的钢桩表面包覆可带水施工的矿脂防蚀膏、矿脂防蚀带和玻璃钢外护罩，无需干燥表面和停产，在退潮间隙即可完成施工，防护寿命可达20年以上。",
  "一种海洋钢结构防腐系统，其特征在于，由内至外依次包括可在潮湿表面施工的矿脂防蚀膏层、矿脂防蚀带层、密封缓冲层和玻璃钢防护罩，所述防护罩上下端以密封件封闭。",
  ["C23F15/00", "E02D31/06", "C09D191/06"], "中国科学院海洋研究所", 2020, INV, "granted", 8, [A, LN], 350000, "marine_materials")
P(73, "一种水下可固化环氧防腐涂料及其制备方法",
  "本发明公开了一种水下固化环氧防腐涂料，采用酚醛胺固化剂与疏水改性填料，涂料可排开钢材表面水膜并在水下直接涂刷固化，附着力大于5MPa，耐盐雾3000小时，适用于钢桩潮差区与水下区的防腐修补。",
  "一种水下固化环氧涂料，其特征在于，甲组分包括双酚A环氧树脂、硅烷改性疏水填料和触变剂，乙组分为酚醛胺固化剂。",
  ["C09D163/00", "C09D5/08"], "青岛科技大学", 2021, INV, "granted", 6, [A, LN], 180000, "marine_materials")
P(74, "一种海洋工程用高效铝-锌-铟系牺牲阳极合金",
  "本发明公开了一种铝-锌-铟系牺牲阳极合金，添加微量镁、钛和镓细化晶粒、活化表面，电流效率大于90%，溶解均匀、腐蚀产物易脱落，适用于海水全浸区和海泥区钢结构的阴极保护。",
  "一种牺牲阳极合金，其特征在于，按质量百分比含Zn 4.0~6.0%、In 0.015~0.030%、Mg 0.5~1.0%、Ti 0.02~0.05%、Ga 0.01~0.03%，余量为铝。",
  ["C23F13/14", "C22C21/10"], "北京科技大学", 2019, INV, "granted", 8, [A], 150000, "marine_materials")
P(75, "一种海工混凝土抗氯离子侵蚀复合外加剂",
  "本发明公开了一种海工混凝土抗氯离子侵蚀复合外加剂，由氨基醇类阻锈剂、硅灰和硅烷憎水组分复配，掺入后混凝土氯离子扩散系数降低约60%，钢筋锈蚀起始时间显著推迟，适用于码头、桥墩等海工混凝土结构。",
  "一种海工混凝土外加剂，其特征在于，按重量份包括氨基醇阻锈剂10~20份、硅灰50~70份和异丁基三乙氧基硅烷5~10份。",
  ["C04B24/12", "C04B40/00", "C04B103/61"], "河海大学", 2020, INV, "granted", 7, [A, LN], 120000, "new_materials")

# ---------------------------------------------------------------- smart_components: position feedback
P(76, "一种基于隧道磁阻的非接触式绝对角度传感器",
  "本发明公开了一种非接触式绝对角度传感器，由径向充磁永磁体、隧道磁阻芯片和信号调理电路组成，永磁体随轴转动，芯片输出正余弦信号经反正切解算和偏心误差补偿得到0~360°绝对角度，分辨率0.05°，无机械磨损，防护等级IP67，外径26mm，可直接替换电位器式位置反馈。",
  "一种非接触式角度传感器，包括与转轴固定的径向充磁永磁体和与之间隔相对设置的隧道磁阻芯片，其特征在于，还包括对正余弦信号进行幅值、偏置和正交误差校正后解算角度的处理单元。",
  ["G01D5/145", "G01B7/30"], "电子科技大学", 2022, INV, "granted", 7, [A, LN], 220000, "smart_components")
P(77, "一种电动执行机构用多圈绝对值光电编码器",
  "本实用新型公开了一种多圈绝对值光电编码器，通过减速齿轮组记录圈数、格雷码码盘检测单圈角度，断电不丢失位置，壳体密封并内置干燥剂，适用于电动阀门执行机构的开度检测与反馈。",
  "一种多圈绝对值编码器，包括单圈格雷码码盘和光电检测单元，其特征在于，还包括由多级减速齿轮驱动的圈数码盘，以及内置干燥剂的密封壳体。",
  ["G01D5/347", "F16K37/00"], "中国科学院长春光学精密机械与物理研究所", 2020, UM, "granted", 7, [A, LN], 150000, "smart_components")
P(78, "一种开环霍尔电流传感器",
  "本发明公开了一种开环霍尔电流传感器，在开口聚磁环气隙中设置线性霍尔元件，并采用数字温度补偿与零点自校准电路，测量范围±500A，线性度0.5%，响应时间小于3μs，适用于变频器和光伏逆变器电流检测。",
  "一种开环霍尔电流传感器，包括开口聚磁环和设于气隙中的霍尔元件，其特征在于，还包括根据温度传感器读数修正零点和增益的数字补偿电路。",
  ["G01R15/20", "G01R19/00"], "哈尔滨工业大学", 2019, INV, "granted", 8, [A], 80000, "smart_components")
P(79, "一种导电塑料电位器耐磨电阻膜及其制备方法",
  "本发明公开了一种导电塑料电位器耐磨电阻膜，在酚醛树脂-炭黑体系中加入纳米碳化硅和二硫化钼，电阻膜硬度和润滑性同时提高，滑动寿命由100万次提高至500万次，独立线性精度0.1%，适用于位移和角度测量电位器。",
  "一种电位器电阻膜，其特征在于，由酚醛树脂、导电炭黑、2~5重量%纳米碳化硅和1~3重量%二硫化钼组成的浆料经印刷固化制得。",
  ["H01C10/30", "H01C17/065"], "贵州大学", 2021, INV, "granted", 6, [A, LN], 100000, "smart_components")

# ---------------------------------------------------------------- smart_components: gearmotor noise
P(80, "一种低噪声微型行星齿轮减速电机",
  "本实用新型公开了一种低噪声微型行星齿轮减速电机，第一级采用斜齿塑料行星轮与内齿圈啮合，电机轴与太阳轮之间设置弹性缓冲联轴套，齿轮箱壳体内壁粘贴阻尼层，整机运行噪声由55dB(A)降至42dB(A)以下，外形尺寸不变，适用于智能门锁、电动窗帘等。",
  "一种微型行星齿轮减速电机，包括电机和齿轮箱，其特征在于，所述齿轮箱第一级行星轮为斜齿塑料齿轮，电机轴与太阳轮之间设有弹性缓冲联轴套，齿轮箱壳体内壁设有阻尼层。",
  ["F16H1/28", "F16H57/0006", "H02K7/116"], "重庆大学", 2021, UM, "granted", 7, [A, LN], 120000, "smart_components")
P(81, "Gear micro-geometry modification for minimum transmission error in EV reducers",
  "The invention discloses a design method for tooth profile and lead modification of gears in electric-vehicle reducers. Using the peak-to-peak loaded transmission error over the torque range as objective, a multi-objective optimisation selects tip relief, crowning and helix slope, lowering gear-mesh order noise by 5 to 8 dB.",
  "A method for designing gear modifications, characterised by computing loaded transmission error at several torque levels with a tooth-contact model and selecting profile and lead modification parameters that minimise its weighted peak-to-peak value.",
  ["F16H55/08", "G06F30/17"], "吉林大学", 2022, INV, "granted", 5, [LN], 300000, "mechanical_parts", "en")
P(82, "一种智能门锁防猫眼开启把手结构",
  "本实用新型公开了一种智能门锁防猫眼开启结构，室内把手设置双向离合与按压解锁机构，只有先按压把手上的解锁键再转动才能开门，防止不法分子用工具从猫眼伸入转动把手开门，结构简单、成本低。",
  "一种智能门锁把手结构，包括室内把手和锁体拨杆，其特征在于，所述把手与拨杆之间设有常态分离的离合件，所述把手上设有驱动离合件结合的按压键。",
  ["E05B47/00", "E05B13/10"], "浙江工业大学", 2020, UM, "granted", 8, [A], 30000, "smart_components")
P(83, "一种塑料齿轮用自润滑耐磨聚甲醛复合材料",
  "本发明公开了一种自润滑聚甲醛齿轮材料，添加超高分子量聚乙烯微粉和聚四氟乙烯微粉，摩擦系数降低约40%，磨损量降低60%，齿轮运行噪声降低约3dB，适用于家电、汽车小电机塑料齿轮。",
  "一种聚甲醛复合材料，其特征在于，包括聚甲醛80~90份、超高分子量聚乙烯微粉5~10份和聚四氟乙烯微粉3~8份。",
  ["C08L59/02", "C08L23/06", "F16H55/06"], "常州大学", 2021, INV, "granted", 6, [A, LN], 150000, "new_materials")

# ---------------------------------------------------------------- smart_components: pressure transmitter drift
P(84, "一种压阻式压力传感器的全温区数字温度补偿方法",
  "本发明公开了一种压阻式压力传感器全温区数字补偿方法，在-40~125℃范围内仅采集少量温度点的零点和灵敏度数据，采用分段二元多项式拟合并写入信号调理芯片，使传感器总误差由2%FS降至0.1%FS，单只标定时间小于3分钟，可多工位并行，适合批量生产。",
  "一种压力传感器温度补偿方法，其特征在于，在3~5个温度点采集零点与满量程输出，以分段二元多项式拟合压力-温度-输出关系，将拟合系数写入信号调理芯片。",
  ["G01L19/04", "G01L9/06", "G01L27/00"], "中国科学院空天信息创新研究院", 2021, INV, "granted", 7, [A, LN], 200000, "smart_components")
P(85, "一种陶瓷电容式压力传感器及其制造方法",
  "本发明公开了一种陶瓷电容式压力传感器，以96%氧化铝陶瓷膜片与基座经玻璃浆料烧结封接形成电容腔，膜片与基座热膨胀一致，具有耐腐蚀、耐过载特点，温度系数小于0.02%FS/℃，适用于水务和工业过程压力测量。",
  "一种陶瓷电容式压力传感器，包括陶瓷膜片和陶瓷基座，其特征在于，所述膜片与基座以玻璃浆料烧结封接，二者相对表面印刷有电极并形成间隙为20~40μm的电容腔。",
  ["G01L9/12", "G01L9/00"], "西安交通大学", 2020, INV, "granted", 6, [LE, CD], 400000, "smart_components")
P(86, "一种三线制铂电阻温度变送器",
  "本实用新型公开了一种铂电阻温度变送器，采用三线制接法消除引线电阻影响，恒流源激励并经线性化处理后输出4~20mA信号，具有断线与短路报警功能，适用于工业现场温度测量。",
  "一种温度变送器，包括铂电阻测温元件和变送电路，其特征在于，所述变送电路包括三线制恒流激励单元、线性化单元和断线检测单元。",
  ["G01K7/18", "G01K1/02"], "沈阳工业大学", 2019, UM, "granted", 8, [A], 40000, "smart_components")
P(87, "一种压力变送器防雷与电磁兼容保护电路",
  "本实用新型公开了一种压力变送器保护电路，包括气体放电管、瞬态抑制二极管和共模电感组成的三级防护，提高现场抗浪涌和抗干扰能力，在变频泵附近安装时输出信号波动降低，适用于两线制4~20mA变送器。",
  "一种变送器保护电路，其特征在于，在信号线输入端依次设置气体放电管、共模电感和瞬态抑制二极管，构成三级浪涌防护。",
  ["H02H9/04", "G01L19/00"], "南京信息工程大学", 2022, UM, "granted", 7, [A, LN], 50000, "smart_components")

# ---------------------------------------------------------------- flexible_electronics: washable textile electrodes
P(88, "一种耐水洗的织物基柔性导电电极及其制备方法",
  "本发明公开了一种耐水洗织物基柔性导电电极，先在涤纶织物表面构建聚多巴胺中间层，再化学镀银并涂覆聚氨酯/PEDOT:PSS保护层，电极表面电阻小于1Ω/sq，经50次标准洗涤后电阻变化小于15%，柔软透气，可缝制于服装用于心电、肌电信号采集。",
  "一种织物电极的制备方法，其特征在于，依次包括在织物表面沉积聚多巴胺层、化学镀银、涂覆含PEDOT:PSS的水性聚氨酯保护层的步骤。",
  ["D06M11/83", "A61B5/27", "D06M15/564"], "东华大学", 2022, INV, "granted", 6, [A, LE, LN], 300000, "flexible_electronics")
P(89, "一种可拉伸液态金属导线及其在智能服装中的连接方法",
  "本发明公开了一种可拉伸液态金属导线，将镓铟合金封装于热塑性聚氨酯微管中，拉伸100%时电阻变化小于5%，并通过导电胶按扣与织物电极和硬质电路板连接，耐弯折和水洗，适用于智能服装中的信号传输。",
  "一种可拉伸导线，其特征在于，包括热塑性聚氨酯微管和填充于其中的镓铟合金，所述微管两端以导电胶与金属按扣密封连接。",
  ["H01B7/04", "H05K1/0283", "A41D1/00"], "清华大学", 2023, INV, "pending", 4, [LE, CD], 800000, "flexible_electronics")
P(90, "一种银纳米线透明导电薄膜的制备方法",
  "本发明公开了一种银纳米线透明导电薄膜的制备方法，通过多元醇法合成长径比大于1000的银纳米线，经纯化后辊涂于PET基材并进行等离子焊接，方阻30Ω/sq时透光率大于90%，雾度小于1.5%，用于触摸屏和柔性显示。",
  "一种透明导电薄膜的制备方法，其特征在于，包括多元醇法合成银纳米线、错流过滤纯化、辊涂成膜和低温等离子焊接纳米线节点步骤。",
  ["H01B13/00", "H01B5/14", "B82Y30/00"], "苏州大学", 2019, INV, "granted", 7, [A, LN], 250000, "flexible_electronics")
P(91, "Laser-induced graphene strain sensor for respiration monitoring",
  "The invention discloses a flexible strain sensor whose sensing layer is laser-induced graphene written on polyimide film and transferred into a PDMS encapsulation. The gauge factor exceeds 100 at small strain, and the sensor can be attached to the chest or abdomen to record breathing rate and depth continuously.",
  "A flexible strain sensor, characterised by a laser-induced graphene pattern formed on polyimide by a CO2 laser and transferred into a polydimethylsiloxane layer of 100 to 300 µm thickness.",
  ["G01B7/16", "A61B5/113"], "南方科技大学", 2021, INV, "granted", 5, [LN], 200000, "flexible_electronics", "en")

# ---------------------------------------------------------------- flexible_electronics: foldable cover
P(92, "一种可折叠显示用超薄柔性玻璃的化学强化与边缘处理方法",
  "本发明公开了一种可折叠显示用超薄柔性玻璃的强化方法，对30~70μm超薄玻璃先进行激光切割，再酸蚀倒边消除边缘微裂纹，随后经两步离子交换形成深层压应力，玻璃可实现1.5mm半径20万次折叠不破裂，表面硬度和手感优于聚合物盖板。",
  "一种超薄柔性玻璃的强化方法，其特征在于，依次包括激光切割、氢氟酸体系边缘蚀刻、380~420℃硝酸钠钾混合熔盐第一次离子交换和硝酸钾熔盐第二次离子交换步骤。",
  ["C03C21/002", "C03C15/00", "G06F1/16"], "武汉理工大学", 2022, INV, "granted", 6, [LE, CD], 1200000, "flexible_electronics")
P(93, "Low-crease colourless polyimide cover film for foldable displays",
  "The invention discloses a colourless polyimide cover film made from a fluorinated dianhydride and an alicyclic diamine, with a nano-silica hard coat. The film has over 89 % transmittance and 4H pencil hardness, and after 200,000 folds at 3 mm radius the crease depth stays below 5 µm; it can be laminated onto existing flexible display modules.",
  "A cover film for a foldable display, characterised by a polyimide layer obtained from 6FDA and an alicyclic diamine and a hard coat containing 20 to 40 wt% nano-silica, the film recovering to a crease depth below 5 µm after 200,000 folds at 3 mm radius.",
  ["C08G73/10", "C08J5/18", "C08J7/046"], "中国科学院化学研究所", 2021, INV, "granted", 6, [LE, LN], 500000, "flexible_electronics", "en")
P(94, "一种柔性OLED有机/无机叠层薄膜封装结构",
  "本发明公开了一种柔性OLED薄膜封装结构，由原子层沉积氧化铝与喷墨打印有机缓冲层交替叠加组成，水汽透过率低于1×10⁻⁶g/(m²·day)，在2mm弯折半径下10万次弯折无失效，适用于柔性和可折叠OLED显示面板。",
  "一种柔性OLED薄膜封装结构，其特征在于，包括至少两组交替叠置的原子层沉积氧化铝无机层和喷墨打印丙烯酸酯有机缓冲层，无机层厚度为20~50nm。",
  ["H10K50/844", "H10K77/10"], "华南理工大学", 2020, INV, "granted", 6, [LN, CD], None, "flexible_electronics")
P(95, "一种手机屏幕防爆钢化玻璃保护膜",
  "本实用新型公开了一种手机屏幕钢化玻璃保护膜，由钢化玻璃层、防爆膜层和光学AB胶层组成，边缘采用2.5D弧边处理，表面镀防指纹疏油层，玻璃破碎时碎片粘附于防爆膜上不飞溅，贴合方便、无气泡。",
  "一种手机屏幕保护膜，包括钢化玻璃层，其特征在于，所述钢化玻璃层下表面依次设有防爆膜层和光学AB胶层，上表面设有防指纹疏油层，边缘为2.5D弧边。",
  ["B32B17/10", "B32B7/12"], "东莞理工学院", 2019, UM, "granted", 9, [A], 20000, "flexible_electronics")

# ---------------------------------------------------------------- mechanical_parts: gearbox oil leaks
P(96, "一种减速机输出轴迷宫与双唇口组合密封结构",
  "本实用新型公开了一种减速机输出轴组合密封结构，在端盖内侧设置回油螺旋槽和多级迷宫环，外侧配置带防尘唇的氟橡胶双唇口油封，轴上加装表面淬火磨削的耐磨轴套，防止油封磨出沟槽，渗漏明显减少，适用于粉尘较大的输送与矿山工况。",
  "一种减速机轴端密封结构，包括端盖、油封和轴套，其特征在于，所述端盖内孔设有回油螺旋槽和多级迷宫环，所述油封为带防尘副唇的双唇口油封，所述轴套表面经淬火磨削。",
  ["F16J15/447", "F16J15/3232", "F16H57/029"], "燕山大学", 2021, UM, "granted", 8, [A, LN], 80000, "mechanical_parts")
P(97, "一种齿轮箱防油气外溢的迷宫式呼吸器",
  "本实用新型公开了一种齿轮箱迷宫式呼吸器，内部设置油气分离折流板和硅胶干燥剂层，可平衡齿轮箱运行温升产生的内压，阻止油雾外溢及外部粉尘、水汽进入箱体，降低因内压升高造成的轴端渗油。",
  "一种齿轮箱呼吸器，包括壳体和通气帽，其特征在于，所述壳体内自下而上设有多层交错折流板和干燥剂层，折流板底部设有回油孔。",
  ["F16H57/027", "B01D45/08"], "太原理工大学", 2020, UM, "granted", 8, [A], 30000, "mechanical_parts")
P(98, "一种工程机械液压缸用组合格莱圈密封",
  "本实用新型公开了一种液压缸活塞组合密封，由填充青铜粉的聚四氟乙烯滑环和丁腈橡胶O形圈组成，滑环外表面设有储油槽，耐压35MPa，摩擦力小、低速无爬行，适用于挖掘机、起重机等工程机械液压缸。",
  "一种液压缸组合密封，包括聚四氟乙烯滑环和O形圈，其特征在于，所述滑环由填充青铜粉的聚四氟乙烯制成，其外表面设有两道环形储油槽。",
  ["F16J15/3236", "F15B15/14"], "长安大学", 2019, UM, "granted", 8, [A, LN], 60000, "mechanical_parts")
P(99, "一种基于介电常数的润滑油品质在线监测传感器",
  "本发明公开了一种润滑油品质在线监测传感器，采用同轴圆柱电容测量油液介电常数并结合温度补偿，判断油液氧化、水分污染及金属磨粒含量变化，可安装于齿轮箱放油口，实现按质换油。",
  "一种润滑油品质监测传感器，包括同轴圆柱电容探头和温度传感器，其特征在于，还包括根据温度修正介电常数并输出油液劣化指数的处理电路。",
  ["G01N27/22", "G01N33/28"], "中国矿业大学", 2021, INV, "granted", 6, [A, LN], 150000, "mechanical_parts")

# ---------------------------------------------------------------- mechanical_parts: conveyor idlers
P(100, "一种带式输送机托辊用多级迷宫密封轴承座",
  "本实用新型公开了一种输送机托辊轴承座密封结构，由外挡尘盖、接触与非接触组合的三级迷宫圈和内置储脂腔组成，防尘防水等级达到IP65，托辊旋转阻力系数低于0.02，在煤粉与泥水环境下托辊寿命由约1万小时提高到5万小时，安装尺寸与标准托辊一致。",
  "一种托辊轴承座密封结构，包括轴承座、轴承和挡尘盖，其特征在于，所述轴承外侧依次设有接触式密封圈和两级非接触迷宫圈，迷宫圈与轴承之间设有储脂腔。",
  ["B65G39/09", "F16C33/80"], "中国矿业大学", 2020, UM, "granted", 8, [A, LN], 60000, "mechanical_parts")
P(101, "一种基于声纹与红外的输送机托辊故障巡检方法",
  "本发明公开了一种输送机托辊故障巡检方法，轨道式巡检机器人沿输送机采集托辊运行声音和红外温度，经声纹特征提取与深度学习分类识别卡死、异响托辊并定位编号，识别准确率大于92%，替代人工巡检。",
  "一种托辊故障检测方法，其特征在于，包括巡检机器人采集托辊声音与红外温度、提取梅尔频谱特征、以卷积神经网络分类故障类型并结合里程定位托辊编号的步骤。",
  ["B65G43/02", "G01H17/00", "G06N3/08"], "太原理工大学", 2022, INV, "granted", 6, [LN, CD], 700000, "mechanical_parts")
P(102, "一种超高分子量聚乙烯托辊",
  "本实用新型公开了一种超高分子量聚乙烯托辊，辊体采用超高分子量聚乙烯管，两端以钢制轴承座热熔嵌装，重量为钢托辊的三分之一，耐腐蚀、不粘煤、运行噪声低，适用于港口、电厂和化工输送线。",
  "一种托辊，包括辊体、轴承座和心轴，其特征在于，所述辊体为超高分子量聚乙烯管，所述轴承座为钢制并热熔嵌装于辊体两端。",
  ["B65G39/02", "B65G39/09"], "青岛科技大学", 2019, UM, "granted", 8, [A], 50000, "mechanical_parts")
P(103, "一种输送带纵向撕裂线激光视觉检测装置",
  "本发明公开了一种输送带纵向撕裂视觉检测装置，利用线激光照射输送带下表面并由工业相机采集条纹图像，通过条纹断裂和畸变特征识别撕裂及深划伤，检测到撕裂后2秒内停机，减少撕裂扩展长度。",
  "一种输送带撕裂检测装置，包括线激光器和工业相机，其特征在于，还包括根据激光条纹的断裂长度与偏移量判断撕裂并输出停机信号的图像处理单元。",
  ["B65G43/02", "G01N21/88"], "辽宁工程技术大学", 2021, INV, "granted", 6, [A], 200000, "mechanical_parts")

# ---------------------------------------------------------------- environment: sludge dewatering
P(104, "一种市政污泥深度脱水复合调理剂及其应用方法",
  "本发明公开了一种市政污泥深度脱水复合调理剂，由改性生物质炭骨架剂、过硫酸盐氧化剂和亚铁活化剂组成，投加后破解胞外聚合物释放结合水，配合隔膜板框压滤机可使污泥含水率由80%降至55%以下，药剂成本约每吨湿泥40元，干基增量小。",
  "一种污泥脱水调理剂，其特征在于，按干重计包括改性生物质炭50~70份、过硫酸钠15~25份和硫酸亚铁10~20份，投加量为污泥干基的8%~15%。",
  ["C02F11/14", "C02F11/121"], "同济大学", 2021, INV, "granted", 7, [A, LN], 350000, "environment")
P(105, "一种污泥低温带式热泵干化装置",
  "本实用新型公开了一种污泥低温带式热泵干化装置，采用闭式热泵除湿循环在60~75℃下干化污泥，单位能耗较传统热干化降低约40%，出泥含水率可控制在30%以下，无尾气排放，设备模块化，占地小。",
  "一种污泥干化装置，包括干化箱体、网带输送机和热泵机组，其特征在于，所述热泵机组的蒸发器和冷凝器与干化箱体构成闭式除湿循环风路。",
  ["C02F11/13", "F26B17/04"], "中国科学院广州能源研究所", 2020, UM, "granted", 7, [A, LE], 450000, "environment")
P(106, "一种污泥与生活垃圾协同焚烧的炉排控制方法",
  "本发明公开了一种污泥与生活垃圾协同焚烧控制方法，根据入炉垃圾热值和污泥掺烧比例在线调整炉排速度、一次风配比和料层厚度，污泥掺烧比例达到20%时仍可维持炉膛温度850℃以上，烟气排放稳定达标。",
  "一种协同焚烧控制方法，其特征在于，以炉膛温度和烟气含氧量为反馈，依据污泥掺烧比例修正炉排速度和一次风量。",
  ["F23G5/50", "F23G7/00"], "浙江大学", 2021, INV, "granted", 6, [LN], 300000, "environment")
P(107, "一种利用脱水污泥制备轻质陶粒的方法",
  "本发明公开了一种利用脱水污泥制备轻质陶粒的方法，污泥与页岩粉、粉煤灰按比例混合造粒后于1150℃烧胀，陶粒堆积密度小于600kg/m³，筒压强度大于3MPa，重金属浸出满足标准，实现污泥资源化。",
  "一种污泥陶粒的制备方法，其特征在于，将含水率60%~80%的脱水污泥与页岩粉、粉煤灰按质量比3:5:2混合造粒，经预热后于1100~1180℃焙烧。",
  ["C04B18/04", "C04B38/00", "C04B33/132"], "南京工业大学", 2018, INV, "lapsed", 6, [A], 200000, "environment")

# ---------------------------------------------------------------- environment: odour at transfer stations
P(108, "一种垃圾中转站臭气的生物滤池处理系统及方法",
  "本发明公开了一种垃圾中转站臭气处理方法，臭气经预洗塔加湿降尘后进入以改性火山岩和竹炭为填料的生物滤池，接种硫氧化菌和氨氧化菌，硫化氢去除率大于98%，氨去除率大于95%，厂界臭气浓度低于20，运行电耗低，填料寿命5年以上，模块化安装不停运。",
  "一种臭气处理系统，包括集气罩、预洗塔和生物滤池，其特征在于，所述生物滤池填料由改性火山岩与竹炭按体积比3:1~5:1混合，并接种硫氧化菌和氨氧化菌。",
  ["B01D53/85", "B01D53/84", "B01D53/52"], "中国科学院生态环境研究中心", 2021, INV, "granted", 7, [A, LN], 250000, "environment")
P(109, "一种植物提取液雾化喷淋除臭装置",
  "本实用新型公开了一种植物提取液雾化除臭装置，包括高压微雾泵组、沿卸料大厅和厂界围墙布置的喷嘴环管以及风速风向联动控制器，雾粒直径小于15μm，与臭气分子结合中和异味，可按风向自动开启下风向喷淋段，药剂消耗低。",
  "一种除臭装置，包括高压微雾泵、喷嘴环管和控制器，其特征在于，所述喷嘴环管分段设置电磁阀，所述控制器根据风向传感器信号开启下风向段电磁阀。",
  ["A61L9/14", "B01D53/78"], "广州大学", 2020, UM, "granted", 8, [A], 40000, "environment")
P(110, "Regenerative catalytic oxidiser for high-concentration organic waste gas",
  "The invention discloses a regenerative catalytic oxidation unit with three regenerative chambers and a precious-metal honeycomb catalyst for organic waste gas at 2,000 to 8,000 mg/m3. Purification efficiency exceeds 98 % and heat recovery exceeds 95 %, so the unit runs without auxiliary fuel above about 1,500 mg/m3.",
  "A regenerative catalytic oxidiser, comprising three regenerative ceramic beds, a precious-metal honeycomb catalyst layer above the beds and a poppet valve set switching the flow direction, characterised by a purge cycle between switching steps.",
  ["B01D53/86", "F23G7/07"], "浙江工业大学", 2022, INV, "granted", 7, [A, LE], 800000, "environment", "en")
P(111, "一种垃圾渗滤液膜浓缩液减量处理方法",
  "本发明公开了一种垃圾渗滤液膜浓缩液减量方法，采用臭氧高级氧化预处理、碟管式反渗透再浓缩和低温负压蒸发组合工艺，浓缩液减量90%以上，蒸发残渣固化后填埋，出水满足回用要求，避免浓缩液回灌造成的二次污染。",
  "一种膜浓缩液处理方法，其特征在于，依次包括臭氧催化氧化、碟管式反渗透浓缩和45~60℃负压蒸发步骤。",
  ["C02F9/00", "C02F103/06"], "同济大学", 2021, INV, "granted", 6, [LN, CD], 500000, "environment")

# ---------------------------------------------------------------- environment: dyeing effluent colour
P(112, "一种印染废水臭氧非均相催化氧化深度脱色方法",
  "本发明公开了一种印染废水深度脱色方法，以负载锰铈氧化物的陶粒为催化剂，在固定床中催化臭氧产生羟基自由基，二级生化出水色度由80倍降至10倍以下，COD降低约40%，臭氧利用率提高至90%以上，不产生污泥，可接在二沉池后运行。",
  "一种印染废水深度处理方法，其特征在于，将二级生化出水通入装填负载锰铈复合氧化物陶粒催化剂的固定床反应器，并通入臭氧，停留时间30~60分钟。",
  ["C02F1/78", "C02F1/72", "C02F103/30"], "江南大学", 2022, INV, "granted", 7, [A, LN], 400000, "environment")
P(113, "一种印染废水极性倒换电絮凝脱色处理装置",
  "本实用新型公开了一种印染废水电絮凝处理装置，采用铁铝复合极板和定时极性倒换电源，减少极板钝化，对二级出水脱色率达到85%，占地小、操作简单，产生的絮体经沉淀分离。",
  "一种电絮凝处理装置，包括反应槽和极板组，其特征在于，所述极板组由交替布置的铁极板和铝极板组成，并连接定时倒换极性的直流电源。",
  ["C02F1/463", "C02F103/30"], "东华大学", 2020, UM, "granted", 7, [A], 60000, "environment")
P(114, "一种活性染料低盐低碱染色方法",
  "本发明公开了一种活性染料低盐低碱染色方法，采用阳离子改性剂对棉织物预处理，使活性染料在无盐条件下上染，碱用量减少60%，染料固色率提高到90%以上，染色废水色度和盐含量大幅降低，从源头减少印染废水处理负荷。",
  "一种活性染料染色方法，其特征在于，先以季铵盐类阳离子改性剂对棉织物进行浸轧预处理，再在不加无机盐的染浴中以活性染料染色。",
  ["D06P1/38", "D06P3/66"], "浙江理工大学", 2021, INV, "granted", 5, [LE, CD], None, "environment")
P(115, "一种含油废水旋流气浮破乳除油装置",
  "本实用新型公开了一种含油废水破乳除油装置，集成旋流分离、溶气气浮和聚结填料三段处理，对机加工乳化液废水的除油率大于95%，设备一体化、占地小，适用于机械加工和金属表面处理企业。",
  "一种含油废水处理装置，包括罐体，其特征在于，所述罐体内自下而上依次设有旋流分离区、溶气气浮区和聚结填料区。",
  ["C02F1/40", "B01D17/04"], "西南石油大学", 2019, UM, "granted", 7, [A], 50000, "environment")

# ---------------------------------------------------------------- distractors (no demand targets them)
P(116, "一种高熵合金涂层的激光熔覆制备方法",
  "本发明公开了一种高熵合金涂层的激光熔覆制备方法，以FeCoCrNiAl高熵合金粉末为熔覆材料，在45钢表面同轴送粉激光熔覆，涂层硬度达到600HV，耐磨性为基体的5倍，在3.5%氯化钠溶液中耐蚀性优于316L不锈钢。",
  "一种高熵合金涂层的制备方法，其特征在于，以等摩尔比FeCoCrNiAl合金粉末为原料，激光功率1.8~2.4kW、扫描速度5~8mm/s同轴送粉熔覆。",
  ["C23C24/10", "C22C30/00", "B33Y10/00"], "燕山大学", 2022, INV, "granted", 5, [A, LN], 250000, "additive_manufacturing")
P(117, "一种柔性电路板用低介电损耗聚酰亚胺薄膜",
  "本发明公开了一种柔性电路板用低介电损耗聚酰亚胺薄膜，引入含氟单体和多孔中空二氧化硅微球，10GHz下介电常数2.6、介电损耗0.003，吸水率低于0.5%，适用于5G高频柔性电路板基材。",
  "一种聚酰亚胺薄膜，其特征在于，由含三氟甲基的二胺与芳香二酐聚合并掺杂5~15重量%的中空二氧化硅微球制得。",
  ["C08G73/10", "C08J5/18", "H05K1/03"], "电子科技大学", 2023, INV, "pending", 5, [LE, LN], 600000, "flexible_electronics")
P(118, "一种反渗透海水淡化膜的抗污染表面改性方法",
  "本发明公开了一种反渗透海水淡化膜抗污染改性方法，在聚酰胺分离层表面接枝两性离子聚合物刷，膜表面亲水性和电中性提高，蛋白质和海藻酸钠污染后通量恢复率大于95%，脱盐率保持99.7%以上。",
  "一种反渗透膜改性方法，其特征在于，在聚酰胺复合膜表面经原位自由基聚合接枝磺基甜菜碱两性离子聚合物。",
  ["B01D67/00", "B01D69/12", "C02F1/44"], "中国海洋大学", 2021, INV, "granted", 5, [LN, CD], None, "environment")
P(119, "一种海上风电用耐氢脆高强度螺栓钢及其热处理方法",
  "本发明公开了一种海上风电用耐氢脆高强度螺栓钢，通过添加钒、钼形成弥散碳化物作为氢陷阱，并配合高温回火，10.9级螺栓在海水阴极保护条件下的延迟断裂门槛应力提高40%，适用于风机塔筒和基础法兰连接。",
  "一种高强度螺栓钢，其特征在于，按质量百分比含C 0.35~0.42%、Cr 0.9~1.2%、Mo 0.5~0.8%、V 0.15~0.30%，经淬火后于580~620℃回火。",
  ["C22C38/24", "C21D9/00", "F16B35/00"], "钢铁研究总院", 2022, INV, "granted", 6, [A, LE], 550000, "marine_materials")
P(120, "一种钕铁硼磁体表面镀锌层的无铬钝化液",
  "本发明公开了一种钕铁硼磁体镀锌层无铬钝化液，以钛盐、钼酸盐和硅烷为主要成分，在常温下浸渍形成彩色钝化膜，中性盐雾白锈出现时间达到96小时，优于传统三价铬钝化，废液不含铬，便于处理。",
  "一种无铬钝化液，其特征在于，包括氟钛酸1~3g/L、钼酸钠2~5g/L、γ-缩水甘油醚氧丙基三甲氧基硅烷5~10g/L，pH为3~4。",
  ["C23C22/34", "H01F41/02"], "江西理工大学", 2019, INV, "granted", 7, [A, LN], 80000, "rare_earth_magnets")


# ============================================================================ demands
DEMANDS: list[dict] = []


def D(num, title, description, enterprise, region, domain, bmin, bmax, modes, deadline, lang="zh"):
    DEMANDS.append(
        {
            "id": f"EDA{num:03d}",
            "title": title,
            "description": description,
            "enterprise": enterprise,
            "region": region,
            "domain": domain,
            "budget_min_cny": bmin,
            "budget_max_cny": bmax,
            "cooperation_modes": modes,
            "deadline": deadline,
            "language": lang,
        }
    )


D(1, "戈壁电站的板子脏得太快，水又金贵",
  "我们在甘肃戈壁有个200兆瓦的电站，风沙大，板子上一层灰一周就积起来，发电量比刚擦干净的时候低10%到15%，刮大风以后能掉20%。现在是人工拉水车冲，一次几十吨水，当地缺水，人也越来越难招。想找不用水或者少用水、能自己跑的办法，最好能直接装在现有支架上。",
  "酒泉金阳新能源运维有限公司", "酒泉", "new_energy", 200000, 600000, [A, LN], "2027-09-30")
D(2, "涂出来的正极片两边厚中间薄，切边切掉太多",
  "我们做储能电芯，正极涂布宽1.2米，涂完称重两边比中间重3%左右，只能把边切宽一点，每个月光切掉的料就几十万。现在调垫片全靠老师傅手感，换个浆料批次又得折腾半天。设备是国产的，不想整机换，能改造出料的那个头或者加个自动调的装置最好。",
  "常州储芯能源科技有限公司", "常州", "new_energy", 200000, 500000, [A, LE, LN], "2027-11-30")
D(3, "储能柜上下温差大，电芯老化快慢不一",
  "我们有一批风冷储能集装箱在电站跑了两年，每个柜子顶上和底下的电芯温度能差8度，夏天更厉害，顶层那几串容量掉得明显快，整柜都被最差的拖着。全换液冷不现实，想在现场改风道或者改控制，把温差压到3度左右。三十几个柜子要改，技术费八十万以内，要能买断或者授权我们自己施工。",
  "宁夏绿储能源科技有限公司", "银川", "new_energy", 200000, 800000, [A, LE, LN], "2027-08-31")
D(4, "保险杠喷完漆一冲水就掉皮",
  "给主机厂做保险杠和门槛条，喷漆前要拿火焰枪烤一遍，烤得稍微不匀那块就容易掉漆，洗车的高压水枪一冲就起皮。主机厂这半年抽检退了三批，每批损失十几万。想从根子上解决，换料或者换前处理都能考虑，最好别再用明火，安全科也一直在提这事。",
  "台州宏泰汽车饰件有限公司", "台州", "new_materials", 150000, 400000, [A, LN], "2027-10-31")
D(5, "电动工具外壳表面一道道白丝，客户说像次品",
  "我们注塑电钻、角磨机的外壳，料是加了三成玻纤的尼龙，表面老是一片片发白、能看到一丝丝的纤维，黑色件特别明显。模温已经开到90多度，效果有限，再高周期就拖长了；喷漆遮盖又多一道成本。想换个料或者改配方，让壳子一出模就是亮的。",
  "永康锐力电动工具有限公司", "金华", "new_materials", 100000, 350000, [A, LE, LN], "2027-07-31")
D(6, "Cold-room wall panels keep failing the fire inspection",
  "We build prefab cold rooms. Our PU-core panels only reach B2, the fire brigade now wants B1, and two projects are stuck at acceptance. Can't lose insulation (we sell on 0.022 W/mK), want to keep our continuous panel line. Buy or license, <500k CNY.",
  "Jiaxing Polar Cold Chain Equipment Co., Ltd.", "嘉兴", "new_materials", 100000, 500000, [A, LN], "2028-01-31", "en")
D(7, "海边用户反映电机磁钢生锈掉粉",
  "我们做船用和海岛用的永磁发电机、水泵电机，磁钢外购，是镀锌的钕铁硼。南方沿海的客户用一年左右拆开就看到磁钢起白点、边角掉渣，磁力下降，电机效率跟着掉。磁钢厂说镀锌只能保证盐雾72小时。想找能大幅提升耐腐蚀、又不影响装配尺寸的表面处理（单边加厚不能超过30微米），打算自己建一条线给磁钢做后处理。",
  "舟山海力机电有限公司", "舟山", "rare_earth_magnets", 300000, 800000, [A, LE, CD], "2027-12-31")
D(8, "磨加工的油泥一年几百吨，只能贱卖",
  "磁材厂，每年切片、磨削出来的油泥大概三百吨，加上一些报废的毛坯块，现在都按吨卖给回收商，价格被压得很低。算了一下里面镨钕不少，想自己上一条回收线，但怕用酸太多、废水处理跟不上，环评过不了。希望技术成熟、有中试数据的，转让或独家都可以，一百万以内。",
  "宁波科宁磁业有限公司", "宁波", "rare_earth_magnets", 300000, 1000000, [A, LE], "2027-06-30")
D(9, "高速风机转子发烫，磁钢退磁返厂",
  "我们做磁悬浮鼓风机，电机3万转，满载跑几个小时转子温度就到150度以上，已经有两台返厂拆开发现磁钢退磁了。定子水冷早就做了，问题是转子那边热散不出去。想知道磁钢本身或者转子结构上有没有办法把发热降下来，预算五十万左右，一起搞开发最好。",
  "潍坊德沃流体设备有限公司", "潍坊", "smart_components", 200000, 600000, [CD, LE, LN], "2027-05-31")
D(10, "不锈钢件打印完一从底板切下来就翘",
  "我们用两台国产金属打印机给客户做316L的流体阀体样件，壁厚1毫米左右的地方，一从底板上切下来就翘，尺寸超差0.5到1毫米，返工率快四成。支撑也难拆，打磨工时比打印还长。机器不打算换，想在参数、摆放或者模型处理上想办法，可以买专利，也可以付费请老师来厂里指导。",
  "苏州精造增材科技有限公司", "苏州", "additive_manufacturing", 50000, 450000, [A, LN, CD], "2027-04-30")
D(11, "注塑一模四十秒，大半时间在等它凉",
  "做家电深腔件，洗衣机盖板、空调面板这种，一模四十多秒，光冷却就二十五秒以上。型芯中间那块水路钻不进去，温度比别处高二十多度，那里还老缩、变形。老板要求周期压到三十秒以内。我们有自己的模具车间，没有金属打印设备，可以外协。",
  "余姚宏盛模塑有限公司", "余姚", "mechanical_parts", 100000, 400000, [A, LN], "2027-09-30")
D(12, "Re-using Ti-6Al-4V powder without failing the oxygen spec",
  "We print Ti-6Al-4V brackets on two powder-bed machines. Virgin powder is ~1,800 CNY/kg; after 5-6 reuse cycles oxygen passes 0.18 wt% and the lot is scrapped, about 2 t a year. Want to bring used powder back into spec in-house. Up to 800k, licence.",
  "Xi'an AeroForm Additive Technology Co., Ltd.", "西安", "additive_manufacturing", 300000, 800000, [LE, LN], "2028-03-31", "en")
D(13, "碳化硅片划片崩边，刀片换得太勤",
  "封测线在做6寸碳化硅MOSFET，现在用金刚石刀片划片，崩边经常超过20微米，靠边的芯片良率只有八成多，一片刀只能切两三片晶圆就得换，一个月刀片钱十几万。划片道还想从60微米缩小点，多排几颗芯片。可以考虑换工艺，但要有人把工艺带过来，预算一百万以内。",
  "无锡芯泰封测技术有限公司", "无锡", "semiconductors", 300000, 1000000, [LE, LN, CD], "2027-10-31")
D(14, "变流器里的功率模块两三年就坏",
  "做风电变流器的，这两年售后发现一批模块跑两三年就失效，拆开看是芯片底下焊层裂了、上面的铝线脱了，热疲劳。低风速的时候功率老在上下波动，模块温度跟着来回变。整机厂要求质保延到十年。我们自己不做模块，可以找模块厂代工，也可以在控制上想办法，预算80万以内。",
  "湘潭恒风电气有限公司", "湘潭", "semiconductors", 200000, 800000, [LE, LN, A], "2027-12-31")
D(15, "封装体塑封后翘起来，客户贴片虚焊",
  "做车规的大尺寸QFN和SiP，塑封完一冷下来封装体就弓起来，最大一百多微米，客户贴片后四个角老虚焊，投诉好几次了。改过固化曲线，没多大用。怀疑是现在用的塑封料跟基板胀缩对不上，想找国产的替代配方，转让或者独家都行。",
  "合肥晶联微电子有限公司", "合肥", "new_materials", 200000, 500000, [A, LE], "2027-06-30")
D(16, "户外屏装了一年灯珠发黑、亮度不均",
  "我们做户外LED屏，去年给一个工业园装的几块屏，不到一年好多灯珠变暗发黑，一片一片地花屏。拆开看灯珠里面原来亮亮的那层变成褐色了。那个园区旁边有轮胎厂和化工厂。灯珠是自己封的2020，想在封装环节加一道或者换材料，别再发黑。预算三四十万。",
  "深圳市光屹显示科技有限公司", "深圳", "semiconductors", 100000, 400000, [A, LN], "2027-03-31")
D(17, "网箱网衣一个月就糊死，潜水员洗不过来",
  "在宁德做大黄鱼网箱，一百多口。夏天网上长满海藻、藤壶、贻贝，一个月网眼就堵得差不多，水流不进去鱼缺氧，去年因为这个死了一批。现在靠潜水员下去刷和换网，一年人工一百多万。以前用过含铜的防污漆，现在收购商和检测都不让用了。",
  "宁德海盛水产养殖有限公司", "宁德", "marine_materials", 150000, 500000, [A, LN, LE], "2027-05-31")
D(18, "码头钢管桩水面上下那一段锈得最快",
  "港务公司的老码头，钢管桩在水面上下两三米那一段锈得厉害，有的壁厚已经少了三分之一。每年刷漆，刷上去几个月就鼓包掉了，因为那段一直是湿的，退潮也就露出来几个小时。码头不能停，照样要装卸。想要能在湿表面上做、能管很多年的办法。",
  "连云港东港港务有限公司", "连云港", "marine_materials", 200000, 600000, [A, LN, CD], "2027-11-30")
D(19, "阀门执行器的开度反馈一两年就不准",
  "我们生产电动阀门执行器，主要卖给水厂和化工厂。开度反馈现在用电位器，现场振动大、潮气重，一般一两年就磨出死区，开度显示跳来跳去，DCS报警，售后三成的单子是这个。想换成不会磨的方案，要塞得进原来的位置（直径30毫米以内），单个成本最好四十块以内。",
  "温州瑞控自动化设备有限公司", "温州", "smart_components", 100000, 300000, [A, LN], "2027-08-31")
D(20, "门锁开关门嗡嗡响，差评说半夜吵醒人",
  "全自动锁体里的小电机加齿轮箱，开关锁时嗡嗡响还带咔咔声，实测五十几分贝，竞品四十出头，电商差评里噪音排第二。锁体空间很小，齿轮箱外形不能改。",
  "中山市安朗智能锁业有限公司", "中山", "smart_components", 50000, 200000, [A, LN, LE], "2027-02-28")
D(21, "压力变送器冬天夏天读数差一截",
  "给供水泵站配压力变送器，扩散硅芯体，自己组装标定。户外装的那批，冬天零下十几度和夏天太阳直晒时读数偏差能到1.5%以上，泵站恒压控制跟着乱，水厂来投诉。现在只在常温下校一次。一年三万多台，不希望标定工时加太多。",
  "绍兴水控仪表有限公司", "绍兴", "smart_components", 80000, 300000, [A, LN], "2027-07-31")
D(22, "运动内衣洗几次心率就测不出来了",
  "我们做带心率监测的运动文胸和背心，胸下那圈电极是导电布加导电胶做的，用户洗五六次信号就断断续续，十几次基本测不出来，退货率12%。用户都是直接丢洗衣机。想要洗几十次还好用的电极，不能太硬太厚，贴身要舒服。",
  "泉州动衫智能服饰有限公司", "泉州", "flexible_electronics", 100000, 400000, [A, LE, LN], "2027-09-30")
D(23, "Foldable tablet: a line across the screen after a few weeks",
  "We assemble a foldable tablet for schools (~50k/yr). After a few weeks of kids folding it, the hard-coated PET cover shows a crease line and scratches easily. Need a cover that stays flat past 100k folds that our module maker can laminate.",
  "Shenzhen FoldEdu Technology Co., Ltd.", "深圳", "flexible_electronics", 200000, 600000, [LE, LN], "2028-02-29", "en")
D(24, "卖出去的减速机半年就漏油，售后跑断腿",
  "生产硬齿面减速机，主要配水泥厂、矿山的输送线。出厂试车好好的，到现场半年左右输出轴那边开始渗油，地上一滩，客户拍照发群里骂。换了进口油封好一点但贵，现场粉尘大，那圈橡胶的口子磨得也快。一年三四百台要上门处理，每次差旅加配件两三千。希望从结构上改，别让客户再看到油。",
  "江苏泰力传动机械有限公司", "泰州", "mechanical_parts", 30000, 150000, [A, LN], "2027-04-30")
D(25, "皮带机托辊半个月就卡死一批",
  "洗煤厂，十几条皮带。托辊轴承进煤粉和水，半个月到一个月就有一批转不动，卡死后被皮带磨出刃口，去年还把一条皮带划了，停产两天。现在每周停机换托辊，一年托辊加人工一百多万。想找耐用的托辊，尺寸要和现在的通用，直接换上。",
  "吕梁鑫源洗煤有限公司", "吕梁", "mechanical_parts", 50000, 300000, [A, LN], "2027-10-31")
D(26, "污泥太湿，外运处置费一年四百多万",
  "县污水厂，每天出泥一百二十吨左右，带式压滤出来含水还有80%，外运电厂掺烧，每吨处置加运输三百多块，一年光这项四百多万，上面要求压减。厂里地方不大，有一台闲置的板框压滤机。希望含水降到60%以下，药剂成本不能太高。",
  "嘉善县清源水务有限公司", "嘉兴", "environment", 100000, 500000, [A, LN, CD], "2027-06-30")
D(27, "中转站一到夏天周边小区就打12345",
  "我们运营一个日转运300吨的垃圾压缩站，离最近的小区不到200米。夏天卸料时味道大，投诉一个月几十个，城管天天来。现在只有几台喷香水的机器，作用不大。站里地方小，改造期间不能停运。想要运行费便宜、效果稳的办法。",
  "杭州城洁环境服务有限公司", "杭州", "environment", 100000, 400000, [A, LN], "2027-05-31")
D(28, "Effluent colour keeps failing the park's new limit",
  "Dyeing mill in Keqiao, 4000 t/day. After biotreatment colour is still 60-80; the park limit drops to 30 next year. Fenton works but its iron sludge doubled our waste bill. Need a polish step after the clarifier, no extra sludge. Buy outright, <500k.",
  "Shaoxing Keqiao Huarun Dyeing & Finishing Co., Ltd.", "绍兴", "environment", 200000, 500000, [A, LN], "2027-12-31", "en")


# ============================================================================ judgments
QRELS = [
    # EDA001 PV soiling in the desert
    (1, 1, 3), (1, 2, 2), (1, 3, 1), (1, 4, 0),
    # EDA002 coating edge thickness
    (2, 5, 3), (2, 6, 2), (2, 7, 1), (2, 8, 1),
    # EDA003 storage container temperature spread (0010: fixed 1.2M > budget 0.8M)
    (3, 9, 3), (3, 10, 1), (3, 11, 1), (3, 12, 0), (3, 13, 0),
    # EDA004 paint peeling on PP bumpers
    (4, 14, 3), (4, 15, 2), (4, 16, 1), (4, 17, 0),
    # EDA005 glass-fibre streaks on nylon housings (0019: fixed 600k > budget 350k)
    (5, 18, 3), (5, 19, 1), (5, 20, 1), (5, 21, 0), (5, 83, 0),
    # EDA006 cold-room panels B1 (0023: no shared transfer mode)
    (6, 22, 3), (6, 23, 1), (6, 25, 1), (6, 24, 0),
    # EDA007 magnet corrosion
    (7, 26, 3), (7, 27, 2), (7, 120, 1), (7, 28, 1), (7, 29, 0), (7, 34, 0),
    # EDA008 NdFeB sludge
    (8, 30, 3), (8, 31, 2), (8, 32, 1), (8, 33, 0),
    # EDA009 rotor magnet heating (0037: fixed 1.8M > budget 0.6M; 0028 would help but its auction
    # start, 1.5M, is 2.5x the budget -- not a hard constraint per the README, graded 1 on judgement)
    (9, 34, 3), (9, 35, 2), (9, 28, 1), (9, 36, 1), (9, 37, 1),
    # EDA010 LPBF thin walls warp
    (10, 38, 3), (10, 39, 2), (10, 40, 2), (10, 41, 0), (10, 42, 0),
    # EDA011 injection cycle time, hot core (0043: no shared transfer mode)
    (11, 42, 3), (11, 44, 1), (11, 46, 1), (11, 43, 1), (11, 45, 0),
    # EDA012 Ti powder reuse
    (12, 47, 3), (12, 48, 2), (12, 49, 1), (12, 43, 0), (12, 50, 0),
    # EDA013 SiC dicing chipping
    (13, 51, 3), (13, 52, 2), (13, 53, 1), (13, 54, 0),
    # EDA014 power module thermal fatigue
    (14, 55, 3), (14, 57, 2), (14, 56, 1), (14, 58, 1), (14, 59, 0),
    # EDA015 package warpage
    (15, 60, 3), (15, 61, 1), (15, 62, 0), (15, 63, 0), (15, 65, 0),
    # EDA016 LED sulfidation
    (16, 64, 3), (16, 65, 2), (16, 66, 0), (16, 67, 0),
    # EDA017 net-pen fouling
    (17, 68, 3), (17, 71, 2), (17, 69, 1), (17, 70, 0),
    # EDA018 splash-zone piles
    (18, 72, 3), (18, 73, 2), (18, 74, 1), (18, 75, 0), (18, 119, 0), (18, 69, 0),
    # EDA019 actuator position feedback
    (19, 76, 3), (19, 77, 2), (19, 79, 2), (19, 78, 0), (19, 84, 0),
    # EDA020 lock gearmotor noise (0081: fixed 300k > budget 200k)
    (20, 80, 3), (20, 83, 1), (20, 81, 1), (20, 82, 0),
    # EDA021 pressure transmitter temperature drift (0085: no shared transfer mode)
    (21, 84, 3), (21, 85, 1), (21, 87, 1), (21, 86, 0), (21, 76, 0),
    # EDA022 washable garment electrodes (0089: fixed 800k > budget 400k)
    (22, 88, 3), (22, 89, 1), (22, 91, 1), (22, 90, 0),
    # EDA023 foldable cover crease (0092: fixed 1.2M > budget 600k)
    (23, 93, 3), (23, 92, 1), (23, 94, 1), (23, 95, 0), (23, 117, 0),
    # EDA024 gearbox oil leaks
    (24, 96, 3), (24, 97, 2), (24, 98, 1), (24, 100, 1), (24, 99, 0),
    # EDA025 conveyor idlers seize (0101: fixed 700k > budget 300k)
    (25, 100, 3), (25, 101, 1), (25, 102, 1), (25, 96, 1), (25, 103, 0),
    # EDA026 sludge moisture
    (26, 104, 3), (26, 105, 2), (26, 106, 1), (26, 107, 0), (26, 111, 0),
    # EDA027 transfer-station odour
    (27, 108, 3), (27, 109, 2), (27, 111, 1), (27, 110, 0),
    # EDA028 dyeing effluent colour (0114: no shared transfer mode)
    (28, 112, 3), (28, 113, 2), (28, 114, 1), (28, 115, 0), (28, 118, 0),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "patents.jsonl", "w", encoding="utf-8") as f:
        for p in PATENTS:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    with open(OUT / "demands.jsonl", "w", encoding="utf-8") as f:
        for d in DEMANDS:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(OUT / "qrels.tsv", "w", encoding="utf-8") as f:
        f.write("demand_id\tpatent_id\tgrade\n")
        for d, p, g in QRELS:
            f.write(f"EDA{d:03d}\tEPA{p:04d}\t{g}\n")
    print(f"{len(PATENTS)} patents, {len(DEMANDS)} demands, {len(QRELS)} judgments -> {OUT}")


if __name__ == "__main__":
    main()
