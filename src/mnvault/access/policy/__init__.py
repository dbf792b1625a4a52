"""Authorization policy: the table (data), two evaluators over it, and the facts they read.

model.py   requests, scopes, conditions, decisions (plain data)
table.py   role × permission × reach, with the guideline behind each grant
plain.py   the table evaluated in Python (baseline, oracle, reasons)
generate.py / policies.cedar   the table as Cedar, plus an organisation's conditions
cedar.py   the Cedar evaluator (cedarpy; parsed once)
engine.py  which evaluator decides
facts.py   database rows -> requests;  sql.py  "persons this actor may see" as SQL
"""
