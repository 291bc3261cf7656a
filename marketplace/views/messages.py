"""Messages that come from services, schemas and validators, shown in the user's language.

Services and schemas speak English (the API's stable messages). The pages show
them translated: a known message is looked up in the catalog as is; the few
messages that carry values (a patent number, a check digit) are recognised by a
pattern and rebuilt from a translatable template. Unknown messages pass through.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional name pybabel extracts
    """Mark a message for extraction; it is translated when shown."""
    return message


# Exact messages raised elsewhere; listed here so that `pybabel extract` finds them.
MESSAGES = (
    N_("The input is not valid."),
    N_("Log in first."),
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid date."),
    N_("Not a valid email address."),
    N_("Not a valid list."),
    N_("Unknown field."),
    N_("Each value may appear once."),
    N_("Not a number"),
    N_("Must not be negative"),
    N_("Too many decimal places"),
    N_("TRL is between 1 and 9."),
    N_("A fixed or auction price needs an amount."),
    N_("The same patent number appears twice."),
    N_("The maximum budget is below the minimum."),
    N_(
        "Not a CN application number: expected CN + 4-digit year + type digit (1, 2 or 3)"
        " + 7-digit serial + '.' + check digit, e.g. CN202110123456.7"
    ),
    N_("This e-mail address is already registered."),
    N_("At least 8 characters."),
    N_("Required."),
    N_("Already registered."),
    N_("Choose researcher, enterprise_member or broker."),
    N_("Unknown organization kind."),
    N_(
        "An organization with this name is already registered: ask one of its members"
        " or an operator to add you."
    ),
    N_("Say why it is rejected; the owner sees this."),
    N_("Say why verification is refused."),
    N_("Only operators may do this."),
    N_("Only members of an organization can list technology."),
    N_("Only members of an organization can post a demand."),
    N_("Only drafts can be deleted; withdraw a submitted listing instead."),
    N_("Only drafts can be deleted; withdraw a submitted demand instead."),
    N_("Someone else changed this at the same time; reload and try again."),
    N_("Only members may request verification of their organization."),
    N_("Only members of an organization can import."),
    # Werkzeug's descriptions of HTTP errors, shown on the error page.
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_(
        "You don't have the permission to access the requested resource. It is either"
        " read-protected or not readable by the server."
    ),
    N_(
        "The requested URL was not found on the server. If you entered the URL manually"
        " please check your spelling and try again."
    ),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_(
        "The server encountered an internal error and was unable to complete your request."
        " Either the server is overloaded or there is an error in the application."
    ),
    N_("A Stripe account id looks like acct_1AbC…."),
    N_("This Stripe account is already connected to another organization."),
)


def _pattern(regex: str, template: str) -> tuple[re.Pattern, Callable[..., str]]:
    compiled = re.compile(regex)
    return compiled, lambda **values: gettext(template, **values)


# (regex, translatable template): group names become the template's variables.
PATTERNS = (
    _pattern(
        r"^Wrong check digit: (?P<given>\S+) given, but the digits (?P<digits>\d+) give (?P<expected>\S+)$",
        N_("Wrong check digit: %(given)s given, but the digits %(digits)s give %(expected)s"),
    ),
    _pattern(
        r"^'(?P<value>.*)' is not an IPC code: .*$",
        N_(
            "'%(value)s' is not an IPC code: expected section A–H, 2-digit class, subclass"
            " letter, and optionally group/subgroup, e.g. H01M4/525"
        ),
    ),
    _pattern(
        r"^The number (?P<number>\S+) encodes patent type (?P<encoded>\w+), not (?P<given>\w+)\.$",
        N_("The number %(number)s encodes a different patent type (%(encoded)s)."),
    ),
    _pattern(r"^Shorter than minimum length (?P<min>\d+)\.$", N_("Too short: at least %(min)s.")),
    _pattern(r"^Longer than maximum length (?P<max>\d+)\.$", N_("Too long: at most %(max)s.")),
    _pattern(
        r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$",
        N_("Length must be between %(min)s and %(max)s."),
    ),
    _pattern(r"^Must be one of: .*\.$", N_("Choose one of the offered values.")),
    _pattern(
        r"^Must be greater than or equal to (?P<min>\d+) and less than or equal to (?P<max>\d+)\.$",
        N_("Must be between %(min)s and %(max)s."),
    ),
    _pattern(r"^No listing \d+\.$", N_("This listing does not exist, or it is not published.")),
    _pattern(r"^No demand \d+\.$", N_("This demand does not exist, or it is not published.")),
    _pattern(r"^No organization \d+\.$", N_("This organization does not exist.")),
    _pattern(
        r"^Only members of the owning organization may \w+ it\.$",
        N_("Only members of the owning organization may do this."),
    ),
    _pattern(r"^Only operators may \w+\.$", N_("Only operators may do this.")),
    _pattern(
        r"^Cannot \w+ a (?:listing|demand) that is \w+\.$",
        N_("This action is not possible in the current status."),
    ),
    _pattern(
        r"^A (?:listing|demand) that is \w+ can no longer be edited\.$|^A \w+ (?:listing|demand) can no longer be edited\.$",
        N_("It can no longer be edited in this status."),
    ),
    _pattern(
        r"^A \w+ belongs to a .* organization\.$",
        N_("This role does not fit this kind of organization."),
    ),
    _pattern(
        r"^The organization is already (?P<status>\w+)\.$",
        N_("Verification was already requested or granted."),
    ),
)


def localize(message: object) -> str:
    """The message in the current language (a plain string: templates escape it)."""
    text = str(message or "")
    if not text:
        return ""
    translated = gettext(text)
    if translated != text:
        return translated
    for regex, render in PATTERNS:
        match = regex.match(text)
        if match:
            return render(**match.groupdict())
    if "; " in text:  # several messages in one (an import line's report)
        return "; ".join(localize(part) for part in text.split("; "))
    match = _FIELD_PREFIX.match(text)
    if match:  # "domain: Must be one of …": the field name stays, its message is translated
        return f"{match.group('field')}: {localize(match.group('message'))}"
    return text


_FIELD_PREFIX = re.compile(r"^(?P<field>[\w.\[\]]+): (?P<message>.+)$")
