"""The texts of the notices the system sends on its own, in zh-CN (the default) and en. A
deployment chooses the language in its notification file (`language`)."""

from __future__ import annotations

TEXTS = {
    "zh-CN": {
        "reminder.subject": "期限提醒：{clock}",
        "reminder.body": "{case_kind} {case_id} 的 {clock} 已过 {percent}%，将于 {due_at} 到期。",
        "overdue.subject": "已超期：{clock}",
        "overdue.body": "{case_kind} {case_id} 的 {clock} 已于 {due_at} 到期未办结：{consequence}。",
        "briefing.subject": "简报：{kind}（{node}，{start} 起一周）",
        "briefing.body": "{node} {start} 起一周的{kind}已印发（第 {version} 版），请阅读并签批。",
        "briefing.kind.dispute_weekly": "矛盾纠纷周分析",
        "briefing.kind.township_ranking": "每周通报",
        "briefing.kind.situation_half_monthly": "半月综合形势分析",
        "briefing.kind.patrol_weekly": "巡逻周报",
        "briefing.kind.patrol_daily": "巡逻日报",
        "briefing.kind.patrol_monthly": "巡逻月报",
    },
    "en": {
        "reminder.subject": "Deadline reminder: {clock}",
        "reminder.body": "{percent}% of {clock} on {case_kind} {case_id} has passed; due at {due_at}.",
        "overdue.subject": "Overdue: {clock}",
        "overdue.body": "{clock} on {case_kind} {case_id} fell due at {due_at}, not done: {consequence}.",
        "briefing.subject": "Briefing: {kind} ({node}, week from {start})",
        "briefing.body": "The {kind} of {node} for the week from {start} is issued (version {version}): "
        "please read and sign it off.",
        "briefing.kind.dispute_weekly": "weekly dispute analysis",
        "briefing.kind.township_ranking": "weekly notification",
        "briefing.kind.situation_half_monthly": "half-monthly situation notice",
        "briefing.kind.patrol_weekly": "weekly patrol roll-up",
        "briefing.kind.patrol_daily": "daily patrol roll-up",
        "briefing.kind.patrol_monthly": "monthly patrol roll-up",
    },
}


def text(language: str, name: str, **values: object) -> str:
    return TEXTS.get(language, TEXTS["zh-CN"])[name].format(**values)
