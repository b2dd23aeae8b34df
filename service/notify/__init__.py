"""Notifications that reach people: the seam (`NoticeDesk.notify`), the channels, the routing
file, and delivery recorded on each notice's stream (docs/operations.md, "Notifications")."""
