"""Order reminders: when an order ships, DialNexa calls the customer to say so."""

from order_reminders.shipping import (
    Order,
    dialnexa_from_env,
    on_order_shipped,
    on_order_shipped_async,
)

__all__ = ["Order", "dialnexa_from_env", "on_order_shipped", "on_order_shipped_async"]
