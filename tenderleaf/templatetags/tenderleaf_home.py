"""Tags of the admin home and header (docs/admin-home.md).

- ``{% role_home as home %}``: the role sections of the signed-in person;
- ``{% work_groups app_list as groups %}``: the admin's model list grouped by the work;
- ``{% tenderleaf_nav as links %}``: the header's links to Tenderleaf's own pages;
- ``{% attention_items as items %}``: the attention dashboard's lines for the current user.
"""

from django import template

from tenderleaf import attention
from tenderleaf import home as selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None), request


@register.simple_tag(takes_context=True)
def role_home(context):
    user, _request = _user(context)
    if user is None:
        return None
    return selectors.home_for(user=user)


@register.simple_tag
def work_groups(app_list):
    return selectors.model_groups(app_list or [])


@register.simple_tag(takes_context=True)
def tenderleaf_nav(context):
    user, request = _user(context)
    if user is None:
        return []
    return selectors.nav_links(user=user, path=request.path)


@register.simple_tag(takes_context=True)
def attention_items(context):
    request = context.get("request")
    if request is None:
        return []
    return attention.attention_items(user=request.user)
