"""The admin's way of saving through services, shared by every app's admin.

A model admin that saves through a service overrides ``save_model`` (and ``save_formset`` for
inlines) to call it with :func:`service_fields` of the form, then :func:`adopt`\\s the saved row, so
history and audit events name the acting user exactly as on the portal, API and command paths.
"""

from __future__ import annotations


def service_fields(form, allowed: set[str]) -> dict:
    """The cleaned values a service accepts; readonly and bookkeeping fields are left out."""
    return {name: value for name, value in form.cleaned_data.items() if name in allowed}


def adopt(target, source) -> None:
    """Make the admin's unsaved instance the row the service saved.

    The admin keeps using its own instance afterwards (inline formsets, log entries, redirects),
    so it must carry the primary key and values of the object the service created or updated.
    """
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def stored(instance):
    """The stored row, so a service compares the form's values with what is in the database."""
    return type(instance)._default_manager.get(pk=instance.pk)


def inline_formset_save(formset, *, create, update, delete=None) -> None:
    """Save an inline formset through services and record what happened for the admin log.

    ``create(form)`` and ``update(stored_object, form)`` return the saved object; ``delete(obj)``
    is needed only by an inline that offers deletion.
    """
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    deletes = formset.can_delete and delete is not None
    for inline_form in formset.initial_forms:
        obj = inline_form.instance
        if obj.pk is None:
            continue
        if deletes and formset._should_delete_form(inline_form):
            delete(obj)
            formset.deleted_objects.append(obj)
        elif inline_form.has_changed():
            adopt(obj, update(stored(obj), inline_form))
            formset.changed_objects.append((obj, inline_form.changed_data))
    for inline_form in formset.extra_forms:
        if not inline_form.has_changed() or (deletes and formset._should_delete_form(inline_form)):
            continue
        adopt(inline_form.instance, create(inline_form))
        formset.new_objects.append(inline_form.instance)
