"""Registry tables: buildings, households, residents, their residence history, group tags,
grid staff.

Every row carries ``area_code``: the code of its grid when it lies in one, else of its
community. Scoping (``core.scoping``) reads only that column, so moving a household into a
grid moves it into the grid worker's view.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User
from linli.core.pii import BlindIndexField, EncryptedField

# GB/T 3304 民族 codes and names (names are data, as on the ID card).
ETHNICITIES = [
    ("01", "汉族"), ("02", "蒙古族"), ("03", "回族"), ("04", "藏族"), ("05", "维吾尔族"),
    ("06", "苗族"), ("07", "彝族"), ("08", "壮族"), ("09", "布依族"), ("10", "朝鲜族"),
    ("11", "满族"), ("12", "侗族"), ("13", "瑶族"), ("14", "白族"), ("15", "土家族"),
    ("16", "哈尼族"), ("17", "哈萨克族"), ("18", "傣族"), ("19", "黎族"), ("20", "傈僳族"),
    ("21", "佤族"), ("22", "畲族"), ("23", "高山族"), ("24", "拉祜族"), ("25", "水族"),
    ("26", "东乡族"), ("27", "纳西族"), ("28", "景颇族"), ("29", "柯尔克孜族"), ("30", "土族"),
    ("31", "达斡尔族"), ("32", "仫佬族"), ("33", "羌族"), ("34", "布朗族"), ("35", "撒拉族"),
    ("36", "毛南族"), ("37", "仡佬族"), ("38", "锡伯族"), ("39", "阿昌族"), ("40", "普米族"),
    ("41", "塔吉克族"), ("42", "怒族"), ("43", "乌孜别克族"), ("44", "俄罗斯族"),
    ("45", "鄂温克族"), ("46", "德昂族"), ("47", "保安族"), ("48", "裕固族"), ("49", "京族"),
    ("50", "塔塔尔族"), ("51", "独龙族"), ("52", "鄂伦春族"), ("53", "赫哲族"),
    ("54", "门巴族"), ("55", "珞巴族"), ("56", "基诺族"), ("97", "其他"),
    ("98", "外国血统中国籍人士"),
]  # fmt: skip


class Building(models.Model):
    """A building (楼栋) of a community, with its units; in at most one grid."""

    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_buildings",
        verbose_name=_("grid"),
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    name = models.CharField(_("building"), max_length=50)
    address = models.CharField(_("address"), max_length=200, blank=True)
    units = models.PositiveSmallIntegerField(_("units"), default=1)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community_id", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="registry_building_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(units__gte=1, units__lte=99), name="registry_building_units"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household (户) at one address."""

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("registered and living here (户籍)")
        RESIDENT = "resident", _("living here, registered elsewhere (常住)")
        FLOATING = "floating", _("floating population (流动)")
        NOMINAL = "nominal", _("registered here, living elsewhere (空挂)")

    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="households", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_households",
        verbose_name=_("grid"),
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    building = models.ForeignKey(
        Building,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("building"),
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, db_index=True)
    residence_type = models.CharField(
        _("residence type"), max_length=12, choices=ResidenceType.choices
    )
    head = models.ForeignKey(
        "Resident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("household head"),
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community_id", "address"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["community", "grid"], name="registry_household_grid_idx"),
        ]
        constraints = [
            # One household per room of a building (rooms outside buildings are free text).
            models.UniqueConstraint(
                fields=["building", "unit", "room"],
                condition=Q(building__isnull=False),
                name="registry_household_unique_room",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @staticmethod
    def address_in_building(base: str, unit: str, room: str) -> str:
        """A room's address as Chinese addresses are written — ``仙城路2号 2单元 402室`` — in
        whatever language the clerk uses: an address is data, not interface text."""
        parts = [base]
        if unit:
            parts.append(f"{unit}单元" if unit.isdigit() else unit)
        if room:
            parts.append(f"{room}室" if room.isdigit() else room)
        return " ".join(parts)[:200]


class Resident(models.Model):
    """A person of the registry. Identity number and phone are encrypted with blind indexes."""

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("living here")
        MOVED_OUT = "moved_out", _("moved out")
        DECEASED = "deceased", _("deceased")

    class Relationship(models.TextChoices):
        HEAD = "head", _("household head")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        SIBLING = "sibling", _("brother or sister")
        CHILD_IN_LAW = "child_in_law", _("son- or daughter-in-law")
        OTHER_RELATIVE = "relative", _("other relative")
        OTHER = "other", _("not related")

    class Language(models.TextChoices):
        MANDARIN = "zh", _("Mandarin")
        UYGHUR = "ug", _("Uyghur")
        TIBETAN = "bo", _("Tibetan")
        MONGOLIAN = "mn", _("Mongolian")
        KOREAN = "ko", _("Korean")
        DIALECT = "dialect", _("local dialect only")
        SIGN = "sign", _("sign language")
        OTHER = "other", _("other language")

    area_code = AreaCodeField(editable=False, db_index=True)
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("household"),
    )
    name = models.CharField(_("name"), max_length=50, db_index=True)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(max_length=50, blank=True, editable=False, db_index=True)
    id_number = EncryptedField(
        _("ID number"), blind_index="id_bidx", purpose="id_number", mask="id_number"
    )
    id_bidx = BlindIndexField(unique=True)
    id_tail = models.CharField(max_length=4, blank=True, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = EncryptedField(_("phone"), blind_index="phone_bidx", purpose="phone", mask="phone")
    phone_bidx = BlindIndexField()
    phone_tail = models.CharField(max_length=4, blank=True, editable=False, db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, blank=True
    )
    relationship = models.CharField(
        _("relationship to the head"), max_length=15, choices=Relationship.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    deceased_on = models.DateField(_("died on"), null=True, blank=True)
    account = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
        verbose_name=_("account"),
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [
            models.Index(fields=["status", "area_code"], name="registry_resident_status_idx"),
            models.Index(fields=["birth_date"], name="registry_resident_birth_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", household__isnull=False) | ~Q(status="active"),
                name="registry_resident_active_has_household",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())


class Residence(models.Model):
    """One stay of a resident in a household: the history that moving writes."""

    class EndReason(models.TextChoices):
        MOVED_WITHIN = "moved_within", _("moved to another household here")
        MOVED_AWAY = "moved_away", _("moved away")
        DECEASED = "deceased", _("died")
        CORRECTED = "corrected", _("entered by mistake")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="residences")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residences")
    area_code = AreaCodeField(editable=False, db_index=True)
    relationship = models.CharField(max_length=15, choices=Resident.Relationship.choices)
    started_on = models.DateField(_("from"))
    start_reason = models.CharField(_("reason"), max_length=100, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(max_length=15, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["resident", "-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(ended_on__isnull=True),
                name="registry_one_current_residence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.household_id} {self.started_on}–{self.ended_on or ''}"


class GroupTag(models.Model):
    """A group in the managed vocabulary (特殊人群标签); kinds hang under a parent tag.

    ``sensitive`` tags (health, corrections, release from prison…) are shown only to the roles
    listed in ``visible_roles``; other tags to anyone who may read the registry.
    """

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kinds",
        verbose_name=_("parent group"),
    )
    sensitive = models.BooleanField(_("sensitive"), default=False)
    visible_roles = models.JSONField(_("roles that see it"), default=list, blank=True)
    has_grade = models.BooleanField(_("records a kind or grade"), default=False)
    ledger = models.BooleanField(_("has a ledger"), default=False)
    builtin = models.BooleanField(default=False, editable=False)
    sort = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("group tag")
        verbose_name_plural = _("group tags")

    def __str__(self) -> str:
        return self.name


class ResidentTag(models.Model):
    """A resident's membership of a group, with its dates: the history stays when it ends."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    tag = models.ForeignKey(GroupTag, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    grade = models.CharField(_("kind or grade"), max_length=50, blank=True)
    note = EncryptedField(_("note"))
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resident", "tag", "-started_on"]
        indexes = [
            models.Index(fields=["tag", "area_code"], name="registry_tag_area_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "tag"],
                condition=Q(ended_on__isnull=True),
                name="registry_one_open_tag",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}:{self.tag_id}"


class GridStaff(models.Model):
    """Who serves a grid (一格三长): its grid worker(s), building and unit heads, 村民代表."""

    class Duty(models.TextChoices):
        GRID_WORKER = "grid_worker", _("full-time grid worker (专职网格员)")
        PART_TIME = "part_time", _("part-time grid worker (兼职网格员)")
        BUILDING_HEAD = "building_head", _("building head (楼栋长)")
        UNIT_HEAD = "unit_head", _("unit head (单元长)")
        VILLAGER_REP = "villager_rep", _("villager representative (村民代表)")

    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="staff")
    area_code = AreaCodeField(editable=False, db_index=True)
    duty = models.CharField(_("duty"), max_length=15, choices=Duty.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="grid_duties"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="grid_duties"
    )
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    started_on = models.DateField(_("from"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["grid", "duty", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(resident__isnull=False),
                name="registry_staff_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.duty}"


class ImportJob(models.Model):
    """One upload of households and residents, checked and written by a background task.

    The uploaded file is kept sealed (AES-GCM under the personal-data key) until the job is
    done, and with the error report while a rejected job may still be looked at. Progress is
    counted in rows; ``heartbeat_at`` tells a stopped worker from a slow one.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the task worker")
        VALIDATING = "validating", _("checking every row")
        WRITING = "writing", _("writing")
        DONE = "done", _("imported")
        REJECTED = "rejected", _("not imported: some rows have errors")
        FAILED = "failed", _("stopped with an error")

    class OnDuplicate(models.TextChoices):
        MERGE = "merge", _("update the resident already registered (and move them here)")
        REPORT = "report", _("report the row as an error")

    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_code = AreaCodeField(blank=True, db_index=True)
    filename = models.CharField(_("file"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    data = models.BinaryField(null=True, editable=False)
    on_duplicate = models.CharField(
        _("when an ID number is already registered"),
        max_length=10,
        choices=OnDuplicate.choices,
        default=OnDuplicate.REPORT,
    )
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempt = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=dict, blank=True)
    report = models.BinaryField(null=True, editable=False)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resident import")
        verbose_name_plural = _("resident imports")
        indexes = [
            models.Index(fields=["created_by", "created_at"], name="registry_importjob_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"
