"""plans actions: the catalogue — the built-in templates and indicators, plans, their targets,
and a jurisdiction's own indicators.

- :func:`catalogue_install` writes the shipped catalogue (:mod:`linli.plans.builtin`): the
  built-in indicators and the five templates with their targets and tasks. It runs after every
  migrate and changes only what differs from the files, so a second run writes nothing; it never
  touches a plan adopted from a template. Nobody else can change a template.
- A plan belongs to a prefecture or a county. ``plan.manage`` over that jurisdiction is needed to
  adopt a template (:func:`plan_adopt`, a draft copy with the template's targets and tasks), to
  write a plan of one's own (:func:`plan_create`), to change it, put it in force
  (:func:`plan_activate`: it needs a target) and close it (:func:`plan_close`), and to set or
  remove its targets. A closed plan is kept as it was.
- A jurisdiction's own indicators (:func:`indicator_create`, :func:`indicator_update`) are
  computed by a function of the engine or reported by the areas; built-in indicators cannot be
  changed.

Everything is checked before anything is written; each action is one transaction with its audit
event (ids, codes and numbers only). Someone without the capability over the jurisdiction is
refused; a plan or indicator they cannot see is not found.

By family: :mod:`.install` (the shipped catalogue), :mod:`.plans` (plans), :mod:`.targets`
(a plan's targets) and :mod:`.indicators` (a jurisdiction's own indicators).
"""

from ._common import *  # noqa: F403
from .indicators import *  # noqa: F403
from .install import *  # noqa: F403
from .plans import *  # noqa: F403
from .targets import *  # noqa: F403
