"""The menus feature: the small flows every conversation can reach — the main menu (built from every
feature's entries by `flows/registry.py`), language, privacy, welcome back.

    conversations   the flows and the menu's own entries
"""

from flows.menus.conversations import (
    FEATURE,
    LANGUAGE,
    PRIVACY,
    RESUME,
    main_menu,
)

__all__ = [
    "FEATURE",
    "LANGUAGE",
    "PRIVACY",
    "RESUME",
    "main_menu",
]
