"""`python -m contract_tests`: the runner behind scripts/contract-test."""

import sys

from contract_tests.cli import main

sys.exit(main())
