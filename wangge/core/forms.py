"""Form bases of the web UI. Forms only parse and check input; the app services validate again and save."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.masking import mask

# Long enough for any real reason, short enough that a pasted novel is refused with a message.
REASON_MAX_LENGTH = 2000


def formfield_for(db_field: models.Field, **kwargs):
    """Phone-friendly widgets: native date pickers and numeric keyboards."""
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    field = db_field.formfield(**kwargs)
    if field is None:
        return None
    if "phone" in db_field.name:
        field.widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
    if db_field.name == "id_number":
        field.widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})
    return field


class ServiceForm(forms.ModelForm):
    """Fields (labels, choices, lengths) come from the model; nothing else does.

    The model instance is never touched and save() is disabled: the view hands cleaned_data to the app
    service, which validates again, saves and writes the change record. Model validation is left to the
    service too, so the form cannot disagree with it.
    """

    class Meta:
        # Subclasses write `class Meta(ServiceForm.Meta)` to keep these widgets.
        formfield_callback = staticmethod(formfield_for)

    # Fields shown masked in the form ({name: mask kind}); left as shown, they are not changed.
    masked_fields: dict[str, str] = {}

    def __init__(self, *args, record=None, **kwargs):
        self.record = record
        if record is not None:
            initial = {name: getattr(record, name) for name in self._meta.fields if hasattr(record, name)}
            for name, kind in self.masked_fields.items():
                if name in initial:
                    initial[name] = mask(kind, initial[name])
            if hasattr(record, "version"):
                initial["version"] = record.version
            initial.update(kwargs.pop("initial", None) or {})
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.widget.attrs.setdefault("maxlength", field.max_length)

    def _post_clean(self):
        pass

    def save(self, commit=True):
        raise NotImplementedError("Save through the app service.")

    def changes(self) -> dict:
        """cleaned_data without the version and without masked fields the user left as they were."""
        data = {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}
        if self.record is not None:
            for name, kind in self.masked_fields.items():
                if name in data and data[name] == mask(kind, getattr(self.record, name)):
                    del data[name]
        return data

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


class VersionedForm(ServiceForm):
    """Carries the version the user saw; the service refuses the save if someone changed the record since."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


class EndForm(forms.Form):
    """注销: a reason is always required; the record stays, ended."""

    reason = forms.CharField(
        label=_("注销原因"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, with_date: bool = False, date_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if with_date:
            self.fields["on"] = forms.DateField(
                label=date_label or _("注销日期"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text=_("不填则为今天。"),
            )


DATE_FILTER = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FilterForm(forms.Form):
    """GET filters of a list page: the search box always in view, the other filters folded on a phone."""

    @property
    def more_fields(self):
        return [field for field in self if field.name != "q"]

    @property
    def more_active(self) -> bool:
        # With no search box there is nothing else to show: keep the filters unfolded.
        return "q" not in self.fields or any(self.data.get(field.name) for field in self.more_fields)
