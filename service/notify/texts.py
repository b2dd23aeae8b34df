"""The texts of the notices the system sends on its own, in zh-CN (the default) and en. A
deployment chooses the language in its notification file (`language`)."""

from __future__ import annotations

TEXTS = {
    "zh-CN": {
        "reminder.subject": "期限提醒：{clock}",
        "reminder.body": "{case_kind} {case_id} 的 {clock} 已过 {percent}%，将于 {due_at} 到期。",
        "overdue.subject": "已超期：{clock}",
        "overdue.body": "{case_kind} {case_id} 的 {clock} 已于 {due_at} 到期未办结：{consequence}。",
    },
    "en": {
        "reminder.subject": "Deadline reminder: {clock}",
        "reminder.body": "{percent}% of {clock} on {case_kind} {case_id} has passed; due at {due_at}.",
        "overdue.subject": "Overdue: {clock}",
        "overdue.body": "{clock} on {case_kind} {case_id} fell due at {due_at}, not done: {consequence}.",
    },
}


def text(language: str, name: str, **values: object) -> str:
    return TEXTS.get(language, TEXTS["zh-CN"])[name].format(**values)
