"""The catalogue every county starts with: urgency tiers after the Beijing 12345 draft norms and
a category tree of the appeals the five plans name. Names are English msgids (translated in the
catalogues); a county's rows store its own Chinese names and may rename or add to them."""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

# (code, name, accept within minutes, resolve amount, unit)
TIERS = [
    ("emergency", N_("Emergency: risk to life or property"), 30, 2, "hours"),
    ("utilities", N_("Water, power, gas or heating"), 120, 24, "hours"),
    ("general", N_("General"), 1440, 7, "workdays"),
    ("complex", N_("Complex"), 1440, 15, "workdays"),
]

_WHEN = {
    "code": "when",
    "datatype": "singlevaluelist",
    "required": False,
    "description": N_("When does it happen?"),
    "values": [
        {"key": "day", "name": N_("In the daytime")},
        {"key": "evening", "name": N_("In the evening")},
        {"key": "night", "name": N_("At night (22:00 to 06:00)")},
    ],
}
_TRAPPED = {
    "code": "trapped",
    "datatype": "singlevaluelist",
    "required": True,
    "description": N_("Is anyone trapped?"),
    "values": [{"key": "yes", "name": N_("Yes")}, {"key": "no", "name": N_("No")}],
}
_FLOOR = {
    "code": "floor",
    "datatype": "number",
    "required": False,
    "description": N_("Which floor?"),
    "values": [],
}

# (key, name, parent key, tier, default unit kind, may be public, questions)
CATEGORIES = [
    ("property", N_("Property and repairs"), None, "general", "community", True, []),
    ("property.utilities", N_("Water, power, gas, heating"), "property", "utilities", "community", True, []),
    ("property.lift", N_("Lift out of order"), "property", "utilities", "community", True, [_TRAPPED]),
    ("property.leak", N_("Leaks and building repairs"), "property", "general", "community", True, [_FLOOR]),
    ("property.management", N_("Property management service"), "property", "general", "community", True, []),
    ("environment", N_("Environment and sanitation"), None, "general", "community", True, []),
    ("environment.rubbish", N_("Rubbish collection"), "environment", "general", "community", True, []),
    ("environment.drains", N_("Blocked drains"), "environment", "utilities", "community", True, []),
    ("environment.greenery", N_("Trees and greenery"), "environment", "general", "community", True, []),
    ("noise", N_("Noise"), None, "general", "community", True, [_WHEN]),
    ("dispute", N_("Neighbour disputes"), None, "general", "community", False, []),
    ("elderly", N_("Elderly care services"), None, "general", "community", False, []),
    ("assistance", N_("Social assistance"), None, "complex", "community", False, []),
    ("employment", N_("Employment"), None, "general", "town", False, []),
    ("health", N_("Health care"), None, "general", "town", False, []),
    ("order", N_("Public order"), None, "general", "community", True, []),
    ("fire", N_("Fire safety"), None, "utilities", "community", True, []),
    ("fire.escape", N_("Blocked fire escapes"), "fire", "utilities", "community", True, []),
    ("roads", N_("Roads, street lights and public facilities"), None, "general", "town", True, []),
    ("policy", N_("Policy questions"), None, "general", "community", False, []),
    ("urgent", N_("Urgent help: risk to life or property"), None, "emergency", "community", False, []),
    ("other", N_("Something else"), None, "general", "community", False, []),
]  # fmt: skip

# Reusable answers every county starts with (step, title, text).
TEMPLATES = [
    ("accept", N_("Accepted, visiting soon"), N_("We have your appeal and will come to see within one working day.")),
    ("progress", N_("Waiting for parts"), N_("The repair needs parts that are on their way; we will finish as soon as they arrive.")),
    ("resolve", N_("Repaired"), N_("The fault has been repaired and checked. Please tell us if anything is still wrong.")),
    ("resolve", N_("Explained the policy"), N_("We called you and explained the policy and what you can apply for.")),
    ("return", N_("Not ours to handle"), N_("This is not within our unit's duties; please dispatch it to the responsible unit.")),
    ("reject", N_("Refer to emergency services"), N_("This needs the police or fire brigade: please call 110 or 119 at once.")),
]  # fmt: skip
