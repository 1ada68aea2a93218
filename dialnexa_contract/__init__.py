"""The DialNexa contract suite: a server and the generated client, property-tested against
openapi.yaml.

Run it with `dialnexa-contract` (or `scripts/contract-test` in the repository; see --help), or as
a plain pytest suite, `pytest --pyargs dialnexa_contract.suite`, with the settings in the
environment (`dialnexa_contract._settings`). Its checks load into a bare `schemathesis run`
through `hooks = "dialnexa_contract.schemathesis_hooks"`.

The library modules here are private (`_x`); the public surface is the console script, the
`schemathesis_hooks` module and `cli.main`.
"""

__all__: list[str] = []
