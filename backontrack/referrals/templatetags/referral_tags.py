from datetime import date

from django import template

register = template.Library()


@register.simple_tag
def days_between(start: date, end: date) -> int:
    return (end - start).days
