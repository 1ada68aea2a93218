"""`python -m order_reminders ORDER_ID CUSTOMER_NAME PHONE`: the shipping job's entry point."""

import sys

from order_reminders.shipping import Order, on_order_shipped

if len(sys.argv) != 4:
    sys.exit("usage: python -m order_reminders ORDER_ID CUSTOMER_NAME PHONE")
print(on_order_shipped(Order(*sys.argv[1:])))
