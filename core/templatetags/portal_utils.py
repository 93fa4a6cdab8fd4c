from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}``: look up a key that is itself a variable."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def grouped(value):
    """``{{ count|grouped }}``: a whole number with the language's thousands separator, for
    counts in running text ("50 000 organisationer" with a no-break space, "50,000
    organisations"). Not turned on for every number (USE_THOUSAND_SEPARATOR), which would also
    group keys and years written into pages."""
    if value is None or value == "":
        return ""
    return number_format(value, force_grouping=True)
