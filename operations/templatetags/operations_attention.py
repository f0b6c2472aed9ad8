"""``{% attention_items as items %}``: the attention dashboard's lines for the current user."""

from django import template

from operations.selectors import attention_items as select_attention_items

register = template.Library()


@register.simple_tag(takes_context=True)
def attention_items(context):
    request = context.get("request")
    if request is None:
        return []
    return select_attention_items(user=request.user)
