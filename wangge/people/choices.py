from django.db import models
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    PASSPORT = "passport", _("护照")
    FOREIGNER_PERMANENT = "foreigner_permanent", _("外国人永久居留身份证")
    OTHER = "other", _("其他证件")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Category(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    MIGRANT = "migrant", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")
    UNSETTLED = "unsettled", _("未落户人员")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    DEREGISTERED = "deregistered", _("已注销")


class Relation(models.TextChoices):
    OWNER = "owner", _("房主")
    TENANT = "tenant", _("租客")
    FAMILY = "family", _("家庭成员")
    STAFF_DORMITORY = "staff_dormitory", _("员工宿舍")
    LODGER = "lodger", _("借住")


class ResidenceSource(models.TextChoices):
    COLLECTED = "collected", _("入户采集")
    DECLARED = "declared", _("自主申报")
    IMPORTED = "imported", _("导入")


# GB/T 3304 codes of the 56 ethnic groups, and the two catch-alls the standard adds.
ETHNICITIES = [
    ("01", _("汉族")),
    ("02", _("蒙古族")),
    ("03", _("回族")),
    ("04", _("藏族")),
    ("05", _("维吾尔族")),
    ("06", _("苗族")),
    ("07", _("彝族")),
    ("08", _("壮族")),
    ("09", _("布依族")),
    ("10", _("朝鲜族")),
    ("11", _("满族")),
    ("12", _("侗族")),
    ("13", _("瑶族")),
    ("14", _("白族")),
    ("15", _("土家族")),
    ("16", _("哈尼族")),
    ("17", _("哈萨克族")),
    ("18", _("傣族")),
    ("19", _("黎族")),
    ("20", _("傈僳族")),
    ("21", _("佤族")),
    ("22", _("畲族")),
    ("23", _("高山族")),
    ("24", _("拉祜族")),
    ("25", _("水族")),
    ("26", _("东乡族")),
    ("27", _("纳西族")),
    ("28", _("景颇族")),
    ("29", _("柯尔克孜族")),
    ("30", _("土族")),
    ("31", _("达斡尔族")),
    ("32", _("仫佬族")),
    ("33", _("羌族")),
    ("34", _("布朗族")),
    ("35", _("撒拉族")),
    ("36", _("毛南族")),
    ("37", _("仡佬族")),
    ("38", _("锡伯族")),
    ("39", _("阿昌族")),
    ("40", _("普米族")),
    ("41", _("塔吉克族")),
    ("42", _("怒族")),
    ("43", _("乌孜别克族")),
    ("44", _("俄罗斯族")),
    ("45", _("鄂温克族")),
    ("46", _("德昂族")),
    ("47", _("保安族")),
    ("48", _("裕固族")),
    ("49", _("京族")),
    ("50", _("塔塔尔族")),
    ("51", _("独龙族")),
    ("52", _("鄂伦春族")),
    ("53", _("赫哲族")),
    ("54", _("门巴族")),
    ("55", _("珞巴族")),
    ("56", _("基诺族")),
    ("97", _("其他")),
    ("98", _("外国血统中国籍人士")),
]
