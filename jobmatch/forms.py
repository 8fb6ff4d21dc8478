"""The base form: WTForms' own Simplified Chinese messages, CSRF from Flask-WTF."""

from flask_wtf import FlaskForm


class Form(FlaskForm):
    class Meta:
        locales = ("zh",)

        def get_translations(self, form):
            # WTForms ships zh messages; Flask-WTF's Babel hook is not used (no Flask-Babel here)
            from wtforms.i18n import get_translations

            return get_translations(self.locales)
