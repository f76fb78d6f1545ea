"""Claims across the whole run, beyond near-duplicate sentences (issue 13).

- context.py: the context a unit's file or headings mark (dev, test, staging, production,
  example, changelog), so values in different contexts are not held against each other.
- extract.py: subject -> value claims the settings pass in checks/conflicts.py does not read:
  bold labels (`**Version:** v3.1`), command flags (`uvicorn ... --port 8001`) and the rows of
  metric/target tables.
- polarity.py: a statement and its negation in other documents ("are marked as failed" vs "are
  not marked as failed", "uses Redis" vs "does not use Redis").
- lists.py: two lists for the same step with different members.
- settle.py: one conflict per disagreement (sides found by several passes joined under one id),
  and the context rule (`context-differs`).
- ports.py, endpoints.py: one port given for two things; one WebSocket connection at two paths.
- payloads.py: one payload's field under two names in code-block and diagram objects.
- diagrams.py: two components joined by different protocols in two documents' flowcharts.
- sequences.py: one work-queue step (a worker gets a job) drawn with mechanisms sharing nothing.
- aliases.py: one thing under two names (`voter_import` / `import_voters`, a recorded rename); routes.py: one endpoint at two paths.
- verdicts.py: with a model configured (optional), a same / different / contradicts verdict on
  each conflict the context rule is unsure of, citing both sides and re-checked.
"""
