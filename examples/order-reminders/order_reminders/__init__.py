"""Order reminders: when an order ships, DialNexa calls the customer to say so."""

from order_reminders.shipping import Order, on_order_shipped, on_order_shipped_async

__all__ = ["Order", "on_order_shipped", "on_order_shipped_async"]
