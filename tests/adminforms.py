"""Helpers for posting admin forms as a browser would."""


def post_data(response) -> dict:
    """What the browser would send back for the admin change form as it was shown."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name in form.fields:
            field = form[name]
            value = field.value()
            if value is None:
                value = ""
            if isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            else:
                data[field.html_name] = str(value)
    return data
