from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}``: look up a key that is itself a variable."""
    if not mapping:
        return None
    return mapping.get(key)
