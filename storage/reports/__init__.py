"""The program's reports: read-only queries over what the assistant recorded, for the people who run
the program (how many were pre-screened and with what outcome, who joined, who came to which event,
the quarterly employment status once the survey exists).

What goes here: queries that only read, count or list over many people, for a report or an export;
each returns plain values (numbers, rows as tuples or dataclasses), never ORM objects to change, and
takes the period and the center it covers as arguments. What does not: anything that writes, and the
listings staff act on day to day (`storage/handoffs.list_tasks`, `storage/events/catalog.list_events`),
which stay with the feature they serve.

Empty so far: no report is built yet. The first report adds its module here (e.g. `prescreening.py`)
with its tests on SQLite and PostgreSQL (`db_url` fixture).
"""
