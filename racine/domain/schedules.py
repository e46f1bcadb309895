"""Cron schedules that users give: a data source's scans, a quality assertion's runs.

Standard cron, as the rest of the data stack writes it (Airflow, dbt Cloud,
DataHub ingestion): five fields, minute first (``0 3 * * MON-FRI``), or a macro
(``@daily``, ``@hourly``, …). croniter would also take six or seven fields, but it
reads seconds as the *last* field, where Quartz and Spring put them first:
``0 */5 * * * *`` would run every second of one minute in five hours, not every
five minutes. Schedules are checked once a minute anyway, so they are refused
with a message that says so. An expression that is well formed but never comes
(``0 0 31 2 *``) is refused too: croniter only finds that out while looking for
the next date, which would fail every save and every scheduler tick.
"""

from __future__ import annotations

from datetime import datetime

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

from racine.domain.errors import ValidationFailed

__all__ = ["MACROS", "cron_schedule", "next_tick"]

MACROS = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)
_MAX_LENGTH = 100


def cron_schedule(value: str | None, *, field: str = "schedule") -> str | None:
    """The schedule to store: None for none (None, empty or blank), else the
    expression with its fields single-spaced. Raises ``ValidationFailed`` (on
    ``field``) for anything but five cron fields or a macro, or one that never fires."""
    text = " ".join((value or "").split())
    if not text:
        return None
    if len(text) > _MAX_LENGTH:
        raise ValidationFailed(f"{field} must be at most {_MAX_LENGTH} characters", field=field)
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise ValidationFailed(
                f"{field}: unknown macro {text!r} (use one of {', '.join(sorted(MACROS))})",
                field=field,
            )
        text = text.lower()
    elif len(text.split()) != 5:
        raise ValidationFailed(
            f"{field} must be a cron expression of five fields (minute hour day-of-month "
            "month day-of-week, e.g. '0 3 * * *') or a macro such as @daily",
            field=field,
        )
    try:
        next_tick(text, datetime(2000, 1, 1))
    except CroniterBadDateError:
        raise ValidationFailed(f"{field}: the cron expression never fires", field=field) from None
    except (CroniterBadCronError, ValueError, KeyError):
        raise ValidationFailed(f"{field} is not a valid cron expression", field=field) from None
    return text


def next_tick(cron: str, after: datetime) -> datetime:
    """When ``cron`` next fires after ``after`` (in ``after``'s time zone)."""
    when: datetime = croniter(cron, after).get_next(datetime)
    return when
