"""Sign-in and account forms."""

from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from jobmatch.accounts.models import Role
from jobmatch.forms import Form


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=60)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def role_choices() -> dict[str, str]:
    return {r.value: r.label for r in Role}


class UserForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=60)])
    display_name = StringField("姓名", validators=[Optional(), Length(max=60)])
    role = SelectField("角色", choices=role_choices())
    region = StringField("所属区域", validators=[DataRequired("请填写所属区域"), Length(max=80)],
                         description="市/县/镇的名称；安置点信息采集员填安置点名称")
    work_phone = StringField("工作电话", validators=[Optional(), Length(max=20)])
    password = PasswordField("密码", validators=[Optional(), Length(max=200)],
                             description="至少 10 位，含字母和数字；修改账号时留空表示不改")
    is_active = BooleanField("启用", default=True)
