"""The workbench: server-rendered pages for the people who use Fengqiao, in Chinese (the
default) and English. An edge like the API: pages call the same desks and read models as the
JSON routes, and translate codes into words only here."""
