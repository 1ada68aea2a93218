"""`python -m dialnexa_contract`: the runner behind scripts/contract-test."""

import sys

from dialnexa_contract.cli import main

sys.exit(main())
