"""Compare two versions of openapi.yaml: every change classified by rules, the verdict proven with
the client generated from the old spec, the generated Python API compared, the version bump gated.

Modules, one job each: `changes` (what a finding is), `spec` (load and resolve a spec),
`schemas` and `operations` (the rules), `proof` (property tests with the old client),
`python_api` (griffe), `releases` (git: the last release, the bump it needs), `report` (one run,
rendered as text, JSON or a changelog entry), `review` (Markdown for a pull request, GitHub
annotations on the changed lines), `next_steps` (what scripts/regenerate ends with: the verdict
and the bump the gate asks for), `cli` (scripts/spec-diff).
"""
