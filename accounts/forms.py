import re

from django import forms

_SEPARATORS = re.compile(r"[\s-]+")


def code_normalise(value: str) -> str:
    """Codes are often typed with spaces or dashes between groups; recovery codes in any case."""
    return _SEPARATORS.sub("", value or "").lower()


def is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery "
        "codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        return code_normalise(self.cleaned_data["code"])


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=16,
        help_text="After adding Tenderleaf to your authenticator app, type the 6-digit code it "
        "shows.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self):
        code = code_normalise(self.cleaned_data["code"])
        if not is_totp_code(code):
            raise forms.ValidationError("Type the 6 digits your authenticator app shows.")
        return code
