"""Word lists for the demo district: people's names, roads, compounds, shops, factories.

Weights are rough shares (per cent or per mille), taken from published surname rankings: the southern
Fujian (Minnan) ranking for people registered in Haicang, the national one for migrants.
"""

# Surnames of southern Fujian (闽南): 陈 and 林 alone cover a fifth of Xiamen.
LOCAL_SURNAMES = {
    "陈": 110,
    "林": 90,
    "黄": 60,
    "张": 40,
    "李": 38,
    "王": 30,
    "吴": 30,
    "刘": 24,
    "蔡": 24,
    "杨": 20,
    "郑": 20,
    "许": 18,
    "谢": 16,
    "洪": 14,
    "郭": 14,
    "邱": 14,
    "曾": 12,
    "苏": 12,
    "庄": 11,
    "叶": 10,
    "周": 10,
    "柯": 9,
    "卢": 8,
    "徐": 8,
    "颜": 8,
    "施": 8,
    "杜": 7,
    "康": 7,
    "白": 6,
    "纪": 6,
    "詹": 6,
    "傅": 6,
    "方": 6,
    "江": 6,
    "高": 6,
    "钟": 5,
    "魏": 5,
    "赖": 5,
    "卓": 5,
    "胡": 5,
    "邵": 4,
    "朱": 4,
    "何": 4,
    "戴": 4,
    "罗": 4,
    "游": 4,
    "吕": 4,
    "沈": 4,
    "温": 4,
    "孙": 3,
    "潘": 3,
    "彭": 3,
    "阮": 3,
    "连": 3,
    "翁": 3,
    "甘": 2,
    "姚": 2,
    "龚": 2,
    "汪": 2,
    "欧阳": 1,
    "蓝": 1,
    "雷": 1,
}

# The national ranking (top 100 cover about 85 % of the population).
NATIONAL_SURNAMES = {
    "王": 71,
    "李": 70,
    "张": 67,
    "刘": 54,
    "陈": 45,
    "杨": 31,
    "黄": 26,
    "赵": 23,
    "吴": 20,
    "周": 19,
    "徐": 17,
    "孙": 15,
    "马": 15,
    "朱": 14,
    "胡": 13,
    "郭": 12,
    "何": 12,
    "高": 11,
    "林": 11,
    "罗": 10,
    "郑": 10,
    "梁": 10,
    "谢": 9,
    "宋": 8,
    "唐": 8,
    "许": 7,
    "韩": 7,
    "冯": 7,
    "邓": 7,
    "曹": 7,
    "彭": 7,
    "曾": 6,
    "肖": 6,
    "田": 6,
    "董": 6,
    "袁": 5,
    "潘": 5,
    "于": 5,
    "蒋": 5,
    "蔡": 5,
    "余": 5,
    "杜": 5,
    "叶": 5,
    "程": 5,
    "苏": 4,
    "魏": 4,
    "吕": 4,
    "丁": 4,
    "任": 4,
    "沈": 4,
    "姚": 4,
    "卢": 4,
    "姜": 4,
    "崔": 4,
    "钟": 4,
    "谭": 4,
    "陆": 4,
    "汪": 3,
    "范": 3,
    "金": 3,
    "石": 3,
    "廖": 3,
    "贾": 3,
    "夏": 3,
    "韦": 3,
    "付": 3,
    "方": 3,
    "白": 3,
    "邹": 3,
    "孟": 3,
    "熊": 3,
    "秦": 3,
    "邱": 3,
    "江": 3,
    "尹": 3,
    "薛": 2,
    "闫": 2,
    "段": 2,
    "雷": 2,
    "侯": 2,
    "龙": 2,
    "史": 2,
    "陶": 2,
    "黎": 2,
    "贺": 2,
    "顾": 2,
    "毛": 2,
    "郝": 2,
    "龚": 2,
    "邵": 2,
    "万": 2,
    "钱": 2,
    "严": 2,
    "覃": 2,
    "武": 2,
    "戴": 2,
    "莫": 2,
    "孔": 1,
    "向": 1,
    "汤": 1,
}

# Given names: whole names typical of a generation, and characters to pair when the list runs thin.
GIVEN_NAMES = {
    # born before 1965
    (
        "male",
        "old",
    ): "建国 国强 建华 志明 国华 文斌 水生 金水 荣华 明德 永福 德福 国平 振华 福生 天赐 土金 清水 "
    "建民 卫东 海山 春生 玉成 顺利 金城 长福 火旺 来福",
    ("female", "old"): "秀英 桂英 秀兰 淑珍 玉兰 秀珍 桂兰 凤英 美玉 秀治 宝珠 玉珠 金花 秀云 碧霞 素琴 月娥 "
    "秀梅 丽华 美英 阿珠 乌治 春花 玉凤 秀琴 美华",
    # born 1965-1989
    ("male", "mid"): "伟 强 磊 军 勇 杰 涛 斌 超 明 辉 鹏 华 刚 平 东 亮 峰 波 健 建伟 志强 志勇 晓东 海波 "
    "建平 文杰 俊杰 国栋 振宇 少华 智勇 文华 伟明 晓峰 永强 鸿 毅 荣",
    ("female", "mid"): "芳 娟 敏 静 丽 艳 燕 霞 玲 红 梅 萍 丽娟 秀芳 晓燕 丽华 艳红 美玲 雪梅 海燕 小红 "
    "巧真 碧云 丽萍 慧敏 淑芬 晓红 丽琴 春燕 婷",
    # born 1990 and later
    ("male", "young"): "子轩 浩然 宇轩 梓豪 俊杰 浩宇 子豪 宇航 一鸣 博文 思远 晨阳 子涵 皓轩 铭泽 俊熙 "
    "嘉豪 天佑 睿 泽 航 宇 鑫 凯 旭 晨 昊 煜 逸 锦程 承泽 梓睿 沐阳 奕辰",
    ("female", "young"): "欣怡 梓涵 诗涵 雨涵 可馨 梓萱 佳怡 思琪 雨欣 紫涵 一诺 语桐 若汐 欣妍 诗琪 梦瑶 "
    "婉清 佳琪 晓彤 雅琪 悦 琳 颖 倩 洁 彤 妍 萱 瑶 涵 静怡 雨桐",
}

# Two-character given names are built as a first and a second character, the way parents choose them.
GIVEN_FIRST = {
    "male": "志 建 国 文 晓 永 家 俊 子 浩 宇 明 伟 振 思 天 俊 嘉 博 一 承 泽 逸 锦 金 少 海 文 鸿 晨",
    "female": "秀 丽 美 晓 雅 欣 佳 思 梦 雨 婉 诗 静 慧 春 碧 淑 素 玉 巧 紫 可 心 若 语 梓 雪 月 海 艺",
}
GIVEN_SECOND = {
    "male": "强 明 华 伟 杰 军 辉 涛 斌 峰 鹏 豪 轩 宇 航 杰 然 凯 龙 东 平 荣 成 福 林 阳 彬 睿 泽 铭 源 达",
    "female": "芳 娟 玲 红 梅 萍 英 华 敏 婷 琳 怡 涵 琪 萱 彤 悦 妍 瑶 丹 莉 霞 燕 珍 云 兰 洁 颖 薇 蓉 馨 琴",
}

# Roads: first part from the place, a second character, and a kind. Many Haicang roads start with the
# name of the old village or community they cross (海沧、嵩屿、新阳、东孚……).
ROAD_FIRST = "海 沧 林 新 阳 兴 祥 嵩 屿 东 孚 霞 翁 钟 山 滨 湖 港 鳌 角 天 竺 莲 花 凤 芸 美 鼎 贞 石 塘 渐 青 礁 后 温 厝 锦 里 古 楼 翔 虹 景 盛 达 发 吴 冠 马 銮 排 过 坂 寨 埔 瑶 柯 岱 洪 囷 井 农 临".split()
ROAD_SECOND = "林 阳 兴 港 海 山 湖 美 光 华 盛 祥 安 平 和 泰 丰 源 福 隆 顺 昌 新 景 虹 翔 达 泉 溪 湾 江 前 坑 尾 仔 峰 岭 园 屿 洲".split()
ROAD_KINDS = {
    "路": 60,
    "街": 10,
    "大道": 5,
    "一路": 4,
    "二路": 4,
    "三路": 2,
    "南路": 4,
    "北路": 4,
    "东路": 3,
    "西路": 3,
    "中路": 2,
}

LANE_KINDS = ["里", "巷", "路"]
LANE_PARTS = "东 西 南 北 中 前 后 上 下 新 旧 一 二 三 四 五 六 七 八 九".split()

# Natural villages 自然村 (the village group level of a rural address) are named after clans and places.
HAMLET_PARTS = (
    "许厝 陈厝 林厝 黄厝 蔡厝 洪厝 谢厝 郭厝 吴厝 杨厝 邱厝 曾厝 上社 下社 东社 西社 前社 后社 顶社 内社 "
)
HAMLET_PARTS += "山边 溪边 埔头 田头 港头 井头 林边 桥头 尾厝 新厝 后寮 石坑 坑内 岭下"
HAMLETS = HAMLET_PARTS.split()

COMPOUND_FIRST = "海 沧 碧 翠 锦 华 阳光 未来 天 金 银 富 嘉 悦 云 景 新 绿 御 君 兰 桂 康 乐 星 月 湖 滨 海沧 嵩屿 鳌冠 东方 万科 保利 建发 联发 国贸 融信".split()
COMPOUND_SECOND = "海 湾 城 苑 庭 园 府 居 轩 景 岸 湖 山 林 泉 华 都 邸 庄".split()
COMPOUND_KINDS = {
    "花园": 30,
    "小区": 25,
    "公寓": 8,
    "新村": 10,
    "家园": 10,
    "豪庭": 4,
    "名苑": 5,
    "雅居": 4,
    "嘉园": 6,
    "广场": 3,
    "山庄": 3,
    "安置房": 6,
}

# Shop names: a lucky two-character word, or a shopkeeper's nickname.
SHOP_BRANDS = "鑫隆 福盛 佳美 惠民 兴旺 源丰 泰和 安康 乐家 好邻居 万家 宏发 金鸿 益利 达荣 昌茂 润泽 诚信 阿明 阿珍 老王 小林 大华 闽南 鹭岛 海沧 顺发 永盛 美佳 丰源 喜来 红运 金福 百姓 邻里 新兴 吉祥 利民 好运 旺角 三姐 老陈 阿强 小杨".split()

SHOP_TYPES = {
    "便利店": 12,
    "超市": 5,
    "水果店": 6,
    "五金店": 4,
    "小吃店": 6,
    "沙县小吃": 5,
    "理发店": 6,
    "大药房": 3,
    "早餐店": 5,
    "面馆": 4,
    "烧烤店": 3,
    "手机维修店": 3,
    "洗衣店": 3,
    "快递驿站": 3,
    "茶叶店": 4,
    "建材店": 2,
    "电动车行": 3,
    "奶茶店": 4,
    "花店": 2,
    "母婴店": 2,
    "眼镜店": 1,
    "海鲜排档": 2,
    "卤味店": 2,
    "烟酒商行": 3,
    "粮油店": 2,
    "文具店": 1,
    "麻辣烫": 3,
    "牛肉面馆": 2,
    "美甲店": 1,
    "汽车维修部": 2,
}

FIRM_INDUSTRIES = {
    "电子": 12,
    "精密机械": 8,
    "塑胶制品": 7,
    "食品": 5,
    "包装材料": 5,
    "光电科技": 5,
    "新材料": 5,
    "五金制品": 6,
    "化工": 3,
    "医疗器械": 4,
    "家具": 4,
    "服装": 4,
    "模具": 5,
    "汽车配件": 5,
    "生物科技": 4,
    "物流": 4,
    "纸业": 2,
    "卫浴": 3,
    "照明": 3,
    "智能装备": 4,
}
OFFICE_INDUSTRIES = {
    "信息技术": 6,
    "贸易": 10,
    "建筑工程": 4,
    "物业管理": 4,
    "装饰设计": 4,
    "文化传媒": 3,
    "投资咨询": 2,
    "人力资源": 2,
    "供应链管理": 3,
    "财务咨询": 2,
}
# Haicang is a Taiwanese investment zone (海沧台商投资区): some factories carry a "(厦门)" style name.
FIRM_BRANDS = "宏 鑫 联 华 达 瑞 嘉 恒 海 泰 丰 盛 鼎 正 腾 力 源 新 永 信 翔 友 达 锦 凯 捷 升 博 航 创 旭 晟 昱 辉".split()

POSITIONS = {
    "shop": {"店主": 0, "店员": 6, "收银员": 2, "厨师": 1, "服务员": 2},
    "firm": {"职员": 5, "会计": 1, "销售": 3, "经理": 1, "技术员": 2},
    "factory": {"普工": 12, "操作工": 8, "质检员": 2, "仓管员": 1, "班组长": 1, "技术员": 1, "叉车司机": 1},
    "school": {"教师": 8, "保育员": 1, "保安": 1, "后勤": 1},
    "hospital": {"医生": 4, "护士": 5, "药剂师": 1, "行政": 1},
}

END_REASONS_RESIDENCE = ["搬离", "租约到期", "购房迁居", "随子女居住", "工作调动", "宿舍调整"]
END_REASONS_PERSON = ["死亡", "户口迁出本区", "出境定居"]

# Overseas persons: Taiwanese (the investment zone), Hong Kong and Macao residents, and foreigners.
FOREIGN_NAMES = {
    "KR": ("KIM PARK LEE CHOI JUNG KANG YOON", "MINJUN SEOYEON JIHOON HAEUN DOYUN JIWOO SEOJUN YERIN"),
    "JP": ("SATO SUZUKI TAKAHASHI TANAKA WATANABE ITO", "HIROSHI YUKI KENJI AYAKA TAKUMI MISAKI"),
    "PH": ("SANTOS REYES CRUZ BAUTISTA GARCIA", "MARIA JOSE ANGELICA MARK JOHN"),
    "US": ("SMITH JOHNSON BROWN MILLER DAVIS", "JAMES MICHAEL EMILY SARAH DAVID"),
    "MY": ("TAN LIM WONG LEE NG", "WEI MING MEI LING KAH HOE SIEW LAN"),
}

# Where migrants to Xiamen come from: (province code, weight). Inland Fujian first, then the
# usual sending provinces of the south-east coast.
MIGRANT_PROVINCES = {
    "35": 30,  # 福建 (outside Xiamen)
    "36": 14,  # 江西
    "51": 8,  # 四川
    "43": 7,  # 湖南
    "34": 6,  # 安徽
    "41": 6,  # 河南
    "52": 6,  # 贵州
    "42": 5,  # 湖北
    "50": 4,  # 重庆
    "45": 4,  # 广西
    "53": 3,  # 云南
    "44": 2,  # 广东
    "33": 2,  # 浙江
    "61": 1,  # 陕西
    "62": 1,  # 甘肃
    "37": 1,  # 山东
}
# Ethnic groups (GB/T 3304) by province for the minority share of migrants.
MINORITIES = {
    "35": ["22"],  # 畲族
    "36": ["22", "06"],  # 畲 苗
    "52": ["06", "09", "12", "25"],  # 苗 布依 侗 水
    "45": ["08", "13", "49"],  # 壮 瑶 京
    "53": ["07", "16", "14", "18"],  # 彝 哈尼 白 傣
    "43": ["15", "06", "13"],  # 土家 苗 瑶
    "42": ["15"],  # 土家
    "50": ["15", "06"],
    "51": ["07", "04", "33"],  # 彝 藏 羌
    "62": ["03", "26"],  # 回 东乡
    "41": ["03"],
}

CHINESE_NUMERALS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (enough for grid and group names)."""
    if n <= 10:
        return CHINESE_NUMERALS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_NUMERALS[tens]
    return head + "十" + (CHINESE_NUMERALS[ones] if ones else "")
