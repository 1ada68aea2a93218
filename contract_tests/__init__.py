"""The DialNexa contract suite: a server and the generated client, property-tested against
openapi.yaml.

Run it with `scripts/contract-test` (see --help), or as a plain pytest suite,
`pytest contract_tests`, with the settings in the environment (contract_tests/settings.py).
"""
