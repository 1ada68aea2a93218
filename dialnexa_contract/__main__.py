"""`python -m dialnexa_contract`: the suite's command (also `dialnexa-contract`, and
scripts/contract-test in the repository)."""

import sys

from dialnexa_contract.cli import main

sys.exit(main())
