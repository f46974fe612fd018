"""The secretariat's web console, served by `serve` under /console: server-rendered pages
(Jinja2, autoescaped) over the same services as the chat's `/admin` and the command line.

`base` holds what every page shares (session, CSRF, headers, templates); each other module
is one page or a few of one concern; `routes` mounts them.
"""
