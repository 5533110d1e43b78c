from django import template

from travellers import markup

register = template.Library()

register.filter("person_name", markup.person_name)
